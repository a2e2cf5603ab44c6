using VibeSync.Export;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.State;
using Scene = VibeSync.Protocol.State.Scene;
using Mesh = VibeSync.Protocol.State.Mesh;
using MeshPrimitive = VibeSync.Protocol.State.MeshPrimitive;

namespace VibeSync.Export.Tests;

/// <summary>Records to glTF: nothing moved between spaces, v flipped, a (mesh, material) pair per glTF mesh, bad references refused.</summary>
public sealed class GltfExportTests
{
    private const string A = "5a1d0000-0000-4000-8000-000000000001", B = "5a1d0000-0000-4000-8000-000000000002", C = "5a1d0000-0000-4000-8000-000000000003";
    private const string Red = "5a1d0000-0000-4000-8000-0000000000a1", Blue = "5a1d0000-0000-4000-8000-0000000000a2", Tri = "5a1d0000-0000-4000-8000-0000000000b1";

    private static SceneObject Obj(string uuid, string name, string? parent, string? mesh = null, string? material = null, double x = 0) =>
        new(uuid, name, mesh == null ? ObjectKind.Empty : ObjectKind.Mesh, parent, new Vector3d(x, 0, 0), new Quaterniond(0, 0, 0, 1), new Vector3d(1, 1, 1), true,
            material == null ? Array.Empty<string?>() : new string?[] { material }, mesh);

    private static readonly BlobMemory Blobs = new();

    private static readonly Mesh Triangle = InlineMesh.ToRecord(Tri, new[] { new Vector3d(0, 0, 0), new Vector3d(1, 0, 0), new Vector3d(0, 1, 0) },
        new[] { new VibeSync.Protocol.State.Triangle(0, 1, 2) }, new[] { new Vector2d(0, 0), new Vector2d(1, 0), new Vector2d(0, 0.25) }, Blobs);

    private static readonly VibeSync.Protocol.State.Material[] Materials =
    {
        new(Red, "Red", new Vector4d(1, 0, 0, 1), 0, 0.5, new Vector3d(0, 0, 0)),
        new(Blue, "Blue", new Vector4d(0, 0, 1, 1), 1, 0.25, new Vector3d(0, 0, 0)),
    };

    [Fact]
    public void objects_become_nodes_under_their_parents_with_their_transforms_and_ids()
    {
        var model = GltfExport.Build(new Scene(new[] { Obj(B, "Child", A, x: 2), Obj(A, "Root", null, x: 1) }, Array.Empty<VibeSync.Protocol.State.Material>(), Array.Empty<Mesh>()), Blobs);
        var child = model.LogicalNodes.Single(n => n.Name == "Child");
        Assert.Equal("Root", child.VisualParent!.Name);
        Assert.Equal(3f, child.WorldMatrix.M41, 5); // canonical is glTF's space: no change of basis
        Assert.Equal(B, child.Extras!["vibesync_uuid"]!.GetValue<string>());
    }

    [Fact]
    public void texture_coordinates_flip_to_gltfs_top_left_origin()
    {
        var model = GltfExport.Build(new Scene(new[] { Obj(A, "Tri", null, Tri, Red) }, Materials, new[] { Triangle }), Blobs);
        var uv = model.LogicalMeshes.Single().Primitives.Single().GetVertexAccessor("TEXCOORD_0").AsVector2Array();
        Assert.Equal(0.75f, uv[2].Y, 6);
        Assert.Equal(1f, uv[0].Y, 6);
    }

    [Fact]
    public void one_mesh_with_two_materials_becomes_two_gltf_meshes_and_one_pair_is_shared()
    {
        var model = GltfExport.Build(new Scene(new[] { Obj(A, "RedOne", null, Tri, Red), Obj(B, "BlueOne", null, Tri, Blue), Obj(C, "RedTwo", null, Tri, Red) },
            Materials, new[] { Triangle }), Blobs);
        Assert.Equal(2, model.LogicalMeshes.Count);
        Assert.Same(model.LogicalNodes.Single(n => n.Name == "RedOne").Mesh, model.LogicalNodes.Single(n => n.Name == "RedTwo").Mesh);
        Assert.Equal("Blue", model.LogicalNodes.Single(n => n.Name == "BlueOne").Mesh!.Primitives.Single().Material.Name);
    }

    [Fact]
    public void primitives_per_slot_carry_every_attribute_from_the_blobs_and_the_slot_materials()
    {
        var attributes = TestContent.QuadAttributes(Blobs);
        attributes[MeshSemantics.TexCoord(1)] = InlineMesh.Floats(new float[] { 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f }, 2, Blobs);
        attributes[MeshSemantics.Color0] = InlineMesh.Floats(Enumerable.Repeat(new float[] { 1, 0.5f, 0.25f, 1 }, 4).SelectMany(v => v).ToArray(), 4, Blobs);
        var mesh = new Mesh(Tri, 4, attributes, new[] { new MeshPrimitive(0, InlineMesh.Indices(new uint[] { 0, 1, 2 }, Blobs)), new MeshPrimitive(2, InlineMesh.Indices(new uint[] { 0, 2, 3 }, Blobs)) },
            new[] { "Subdivision (SUBSURF)" });
        var o = Obj(A, "Quad", null, Tri) with { Materials = new string?[] { Red, null, Blue } };
        var model = GltfExport.Build(new Scene(new[] { o }, Materials, new[] { mesh }), Blobs);
        var primitives = model.LogicalMeshes.Single().Primitives;
        Assert.Equal(new[] { "Red", "Blue" }, primitives.Select(p => p.Material.Name));
        Assert.Equal(new[] { 0, 1, 2 }, primitives[0].GetIndices().Select(i => (int)i));
        Assert.Equal(new[] { 0, 2, 3 }, primitives[1].GetIndices().Select(i => (int)i));
        foreach (var semantic in new[] { "POSITION", "NORMAL", "TANGENT", "TEXCOORD_0", "TEXCOORD_1", "COLOR_0" })
            Assert.NotNull(primitives[1].GetVertexAccessor(semantic));
        Assert.Equal(0.25f, primitives[0].GetVertexAccessor("COLOR_0").AsVector4Array()[3].Z);
        Assert.Equal(1f, primitives[0].GetVertexAccessor("TANGENT").AsVector4Array()[0].W);
        Assert.Equal(1f, primitives[0].GetVertexAccessor("NORMAL").AsVector3Array()[2].Z);
    }

    [Fact]
    public void a_mesh_whose_blob_is_in_no_store_is_refused_naming_it()
    {
        var absent = Triangle with { Attributes = new Dictionary<string, string> { [MeshSemantics.Position] = new string('e', 64) } };
        var e = Assert.Throws<InvalidDataException>(() => GltfExport.Build(new Scene(new[] { Obj(A, "Tri", null, Tri) }, Materials, new[] { absent }), Blobs));
        Assert.Contains("BLOB_MISSING", e.Message);
    }

    [Fact]
    public void a_missing_mesh_a_missing_parent_or_a_cycle_is_refused()
    {
        Assert.Contains("mesh", Assert.Throws<InvalidDataException>(() => GltfExport.Build(new Scene(new[] { Obj(A, "X", null, Tri) }, Materials, Array.Empty<Mesh>()), Blobs)).Message);
        Assert.Contains("cycle", Assert.Throws<InvalidDataException>(() => GltfExport.Build(new Scene(new[] { Obj(A, "X", B), Obj(B, "Y", A) }, Materials, Array.Empty<Mesh>()), Blobs)).Message);
    }
}
