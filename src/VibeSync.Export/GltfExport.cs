// Design rationale (DESIGN §11): the canonical space *is* glTF's (right-handed, +Y up, metres,
// quaternions x-y-z-w, cameras and lights looking down −Z), so a scene's records become nodes,
// meshes and materials without any change of basis. Two deliberate differences are undone here:
// canonical texture coordinates keep the origin bottom-left (docs/protocol.md §1), glTF's is
// top-left, so v' = 1 − v; and materials belong to objects in VibeSync but to mesh primitives in
// glTF, so each (mesh, material) pair an object uses becomes one glTF mesh.
// Nothing is made up: what the records do not hold yet (camera optics, light colour and power)
// is not written as if it were known; such nodes carry their kind in `extras`.
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using SharpGLTF.Schema2;
using VibeSync.Protocol.State;
using GltfMesh = SharpGLTF.Schema2.Mesh;
using GltfScene = SharpGLTF.Schema2.Scene;
using Scene = VibeSync.Protocol.State.Scene;

namespace VibeSync.Export;

/// <summary>A canonical scene written as glTF 2.0.</summary>
public static class GltfExport
{
    /// <summary>The model for <paramref name="scene"/> (canonical values): a scene of nodes in parent order.</summary>
    /// <exception cref="InvalidDataException">A record names a parent, mesh or material the scene does not hold, or a parent cycle.</exception>
    public static ModelRoot Build(Scene scene, string title = "VibeSync")
    {
        var model = ModelRoot.CreateModel();
        model.Asset.Generator = "VibeSync";
        var root = model.UseScene(title);
        var materials = scene.Materials.ToDictionary(m => m.Uuid, m => Material(model, m), StringComparer.Ordinal);
        var meshes = scene.Meshes.ToDictionary(m => m.Uuid, StringComparer.Ordinal);
        var built = new Dictionary<(string Mesh, string? Material), GltfMesh>();
        var nodes = new Dictionary<string, Node>(StringComparer.Ordinal);

        foreach (var o in InParentOrder(scene.Objects))
        {
            Node node;
            if (o.Parent == null) node = root.CreateNode(o.Name);
            else if (nodes.TryGetValue(o.Parent, out var parent)) node = parent.CreateNode(o.Name);
            else throw new InvalidDataException($"object {o.Uuid} names parent {o.Parent}, which the scene does not hold");
            nodes[o.Uuid] = node;
            node.LocalTransform = new SharpGLTF.Transforms.AffineTransform(
                new Vector3((float)o.Scale.X, (float)o.Scale.Y, (float)o.Scale.Z),
                new Quaternion((float)o.Rotation.X, (float)o.Rotation.Y, (float)o.Rotation.Z, (float)o.Rotation.W),
                new Vector3((float)o.Translation.X, (float)o.Translation.Y, (float)o.Translation.Z));
            var extras = new JsonObject { ["vibesync_uuid"] = o.Uuid, ["vibesync_kind"] = ObjectKindNames.Name(o.Kind) };
            if (!o.Visible) extras["visible"] = false;
            node.Extras = extras;
            if (o.Kind != ObjectKind.Mesh || o.Mesh == null) continue;
            if (!meshes.TryGetValue(o.Mesh, out var mesh)) throw new InvalidDataException($"object {o.Uuid} names mesh {o.Mesh}, which the scene does not hold");
            string? materialId = o.Materials.Count > 0 ? o.Materials[0] : null;
            if (materialId != null && !materials.ContainsKey(materialId)) throw new InvalidDataException($"object {o.Uuid} names material {materialId}, which the scene does not hold");
            if (mesh.Positions.Count == 0 || mesh.Triangles.Count == 0) continue; // glTF has no empty primitive
            if (!built.TryGetValue((mesh.Uuid, materialId), out var gltf))
                built[(mesh.Uuid, materialId)] = gltf = Mesh(model, mesh, materialId == null ? null : materials[materialId]);
            node.Mesh = gltf;
        }
        return model;
    }

    /// <summary>Writes <paramref name="scene"/> as a binary glTF (GLB) to <paramref name="path"/>.</summary>
    public static void WriteGlb(Scene scene, string path, string title = "VibeSync") => Build(scene, title).SaveGLB(path);

    private static SharpGLTF.Schema2.Material Material(ModelRoot model, VibeSync.Protocol.State.Material m)
    {
        var material = model.CreateMaterial(m.Name);
        material.InitializePBRMetallicRoughness();
        material.Extras = new JsonObject { ["vibesync_uuid"] = m.Uuid };
        var baseColor = material.FindChannel("BaseColor")!.Value;
        baseColor.Color = new Vector4((float)m.BaseColor.X, (float)m.BaseColor.Y, (float)m.BaseColor.Z, (float)m.BaseColor.W);
        var metallicRoughness = material.FindChannel("MetallicRoughness")!.Value;
        metallicRoughness.SetFactor("MetallicFactor", (float)Math.Clamp(m.Metallic, 0, 1));
        metallicRoughness.SetFactor("RoughnessFactor", (float)Math.Clamp(m.Roughness, 0, 1));
        var emissive = material.FindChannel("Emissive")!.Value;
        emissive.Color = new Vector4((float)Math.Clamp(m.Emission.X, 0, 1), (float)Math.Clamp(m.Emission.Y, 0, 1), (float)Math.Clamp(m.Emission.Z, 0, 1), 1);
        return material;
    }

    private static GltfMesh Mesh(ModelRoot model, VibeSync.Protocol.State.Mesh mesh, SharpGLTF.Schema2.Material? material)
    {
        var gltf = model.CreateMesh(mesh.Uuid);
        gltf.Extras = new JsonObject { ["vibesync_uuid"] = mesh.Uuid };
        var primitive = gltf.CreatePrimitive();
        var positions = new float[mesh.Positions.Count * 3];
        for (int i = 0; i < mesh.Positions.Count; i++)
        {
            positions[3 * i] = (float)mesh.Positions[i].X;
            positions[3 * i + 1] = (float)mesh.Positions[i].Y;
            positions[3 * i + 2] = (float)mesh.Positions[i].Z;
        }
        primitive.SetVertexAccessor("POSITION", Vertices(model, positions, DimensionType.VEC3));
        if (mesh.Uv0 is { } uv)
        {
            var texcoords = new float[uv.Count * 2];
            for (int i = 0; i < uv.Count; i++)
            {
                texcoords[2 * i] = (float)uv[i].X;
                texcoords[2 * i + 1] = (float)(1 - uv[i].Y); // glTF's origin is top-left
            }
            primitive.SetVertexAccessor("TEXCOORD_0", Vertices(model, texcoords, DimensionType.VEC2));
        }
        var indices = new uint[mesh.Triangles.Count * 3];
        for (int i = 0; i < mesh.Triangles.Count; i++)
        {
            var t = mesh.Triangles[i];
            if ((uint)t.A >= positions.Length / 3 || (uint)t.B >= positions.Length / 3 || (uint)t.C >= positions.Length / 3)
                throw new InvalidDataException($"mesh {mesh.Uuid} triangle {i} names a vertex beyond its {positions.Length / 3}");
            indices[3 * i] = (uint)t.A;
            indices[3 * i + 1] = (uint)t.B;
            indices[3 * i + 2] = (uint)t.C;
        }
        var bytes = MemoryMarshal.AsBytes(indices.AsSpan()).ToArray();
        var view = model.UseBufferView(bytes, 0, bytes.Length, 0, BufferMode.ELEMENT_ARRAY_BUFFER);
        var accessor = model.CreateAccessor();
        accessor.SetIndexData(view, 0, indices.Length, IndexEncodingType.UNSIGNED_INT);
        primitive.SetIndexAccessor(accessor);
        primitive.DrawPrimitiveType = PrimitiveType.TRIANGLES;
        if (material != null) primitive.Material = material;
        return gltf;
    }

    private static Accessor Vertices(ModelRoot model, float[] values, DimensionType dimensions)
    {
        var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        var view = model.UseBufferView(bytes, 0, bytes.Length, 0, BufferMode.ARRAY_BUFFER);
        var accessor = model.CreateAccessor();
        accessor.SetVertexData(view, 0, values.Length / (dimensions == DimensionType.VEC3 ? 3 : 2), new SharpGLTF.Memory.AttributeFormat(dimensions, EncodingType.FLOAT));
        return accessor;
    }

    /// <summary>Objects with every parent before its children; a cycle is refused.</summary>
    private static IEnumerable<SceneObject> InParentOrder(IReadOnlyList<SceneObject> objects)
    {
        var byParent = objects.ToLookup(o => o.Parent ?? "", StringComparer.Ordinal);
        var ids = objects.Select(o => o.Uuid).ToHashSet(StringComparer.Ordinal);
        var queue = new Queue<SceneObject>(objects.Where(o => o.Parent == null || !ids.Contains(o.Parent)));
        int emitted = 0;
        while (queue.Count > 0)
        {
            var o = queue.Dequeue();
            emitted++;
            yield return o;
            foreach (var child in byParent[o.Uuid]) queue.Enqueue(child);
        }
        if (emitted < objects.Count) throw new InvalidDataException($"{objects.Count - emitted} object(s) are in a parent cycle");
    }
}
