using FsCheck;
using FsCheck.Xunit;
using VibeSync.Protocol.Comparison;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using VibeSync.Protocol.Tests.Support;

namespace VibeSync.Protocol.Tests.Spaces;

public sealed class ConversionTests
{
    private static SceneObject Obj(string uuid, ObjectKind kind, string? parent, Vector3d t, Quaterniond r, Vector3d s) =>
        new(uuid, "o", kind, parent, t, r, s, true, Array.Empty<string?>(), null);

    private const string A = "00000000-0000-4000-8000-00000000000a";
    private const string B = "00000000-0000-4000-8000-00000000000b";

    [Fact]
    public void a_blender_position_maps_to_unity_as_the_design_brief_says()
    {
        // DESIGN §3: u = (−bx, bz, −by); scale (bx, bz, by); Blender (w,x,y,z) → Unity (x: bx, y: −bz, z: by, w: bw).
        var b = new Scene(new[] { Obj(A, ObjectKind.Empty, null, new Vector3d(1, 2, 3), new Quaterniond(0.1, 0.2, 0.3, 0.9), new Vector3d(4, 5, 6)) },
            Array.Empty<Material>(), Array.Empty<Mesh>());
        var u = SceneConverter.FromCanonical(SceneConverter.ToCanonical(b, Space.Blender), Space.Unity).Objects[0];
        Assert.Equal(new Vector3d(-1, 3, -2), u.Translation);
        Assert.Equal(new Vector3d(4, 6, 5), u.Scale);
        Assert.Equal(new Quaterniond(0.1, -0.3, 0.2, 0.9), u.Rotation);
    }

    [Fact]
    public void a_blender_camera_at_rest_looks_down_and_a_unity_camera_agrees()
    {
        // Blender camera with identity rotation looks down world −Z (down). In Unity "down" is −Y,
        // and a Unity camera looks down its local +Z, so the Unity rotation must send +Z to −Y.
        var b = new Scene(new[] { Obj(A, ObjectKind.Camera, null, Vector3d.Zero, Quaterniond.Identity, Vector3d.One) },
            Array.Empty<Material>(), Array.Empty<Mesh>());
        var c = SceneConverter.ToCanonical(b, Space.Blender).Objects[0];
        AssertClose(Rotate(c.Rotation, new Vector3d(0, 0, -1)), new Vector3d(0, -1, 0)); // canonical camera looks down −Z local
        var u = SceneConverter.FromCanonical(SceneConverter.ToCanonical(b, Space.Blender), Space.Unity).Objects[0];
        AssertClose(Rotate(u.Rotation, new Vector3d(0, 0, 1)), new Vector3d(0, -1, 0));
        AssertClose(Rotate(u.Rotation, new Vector3d(0, 1, 0)), new Vector3d(0, 0, -1)); // its up is Blender's +Y (north), Unity (−bx, bz, −by) = −Z
    }

    [Fact]
    public void a_child_of_a_camera_keeps_its_world_placement_in_every_space()
    {
        // World position of the child = parent TRS applied to the child translation; check it
        // is the same physical point in Blender and (converted) canonical space.
        var camRot = new Quaterniond(0.2, -0.1, 0.4, 0.8894);
        var scene = new Scene(new[]
        {
            Obj(A, ObjectKind.Camera, null, new Vector3d(1, 2, 3), Normalize(camRot), new Vector3d(1, 1, 1)),
            Obj(B, ObjectKind.Empty, A, new Vector3d(0.5, -0.25, 2), Quaterniond.Identity, Vector3d.One),
        }, Array.Empty<Material>(), Array.Empty<Mesh>());
        var c = SceneConverter.ToCanonical(scene, Space.Blender);
        var worldB = Add(scene.Objects[0].Translation, Rotate(scene.Objects[0].Rotation, scene.Objects[1].Translation));
        var worldC = Add(c.Objects[0].Translation, Rotate(c.Objects[0].Rotation, c.Objects[1].Translation));
        AssertClose(worldC, new Vector3d(worldB.X, worldB.Z, -worldB.Y));

        var u = SceneConverter.FromCanonical(c, Space.Unity);
        var worldU = Add(u.Objects[0].Translation, Rotate(u.Objects[0].Rotation, u.Objects[1].Translation));
        AssertClose(worldU, new Vector3d(-worldC.X, worldC.Y, worldC.Z));
    }

    [Property(MaxTest = 300)]
    public bool canonical_to_unity_and_back_is_exact(int seed)
    {
        var scene = RandomScenes.Canonical(seed);
        var back = SceneConverter.ToCanonical(SceneConverter.FromCanonical(scene, Space.Unity), Space.Unity);
        return SceneHasher.Hash(back).Root.SequenceEqual(SceneHasher.Hash(scene).Root)
            && scene.Objects.Zip(back.Objects).All(p => p.First.Translation.Equals(p.Second.Translation) && p.First.Rotation.Equals(p.Second.Rotation))
            && scene.Meshes.Zip(back.Meshes).All(p => p.First.Equals(p.Second)); // records are the same in every space
    }

    [Property(MaxTest = 300)]
    public bool canonical_to_blender_and_back_agrees_within_epsilon(int seed)
    {
        var scene = RandomScenes.Canonical(seed);
        double unitScale = new[] { 1.0, 0.01, 2.0, 0.3 }[Math.Abs(seed % 4)];
        var back = SceneConverter.ToCanonical(SceneConverter.FromCanonical(scene, Space.Blender, unitScale), Space.Blender, unitScale);
        return scene.Objects.Zip(back.Objects).All(p => FieldComparer.Differences(p.First, p.Second).Count == 0)
            && scene.Meshes.Zip(back.Meshes).All(p => FieldComparer.Differences(p.First, p.Second).Count == 0);
    }

    [Property(MaxTest = 300)]
    public bool canonical_to_blender_and_back_is_exact_without_cameras_and_with_a_power_of_two_unit_scale(int seed)
    {
        // DESIGN §3: roots agree exactly whenever the conversion is exact. RandomScenes writes
        // values with few decimals on purpose, so many sit exactly on a rounding tie of ε and
        // any inexact step would show.
        var full = RandomScenes.Canonical(seed);
        var objects = full.Objects.Where(o => !o.HasViewAxis && (o.Parent == null || !full.Objects.First(p => p.Uuid == o.Parent).HasViewAxis)).ToArray();
        var keep = objects.Select(o => o.Uuid).ToHashSet();
        var scene = full with { Objects = objects.Select(o => o.Parent != null && !keep.Contains(o.Parent) ? o with { Parent = null } : o).ToArray() };
        double unitScale = new[] { 1.0, 0.5, 2.0, 0.25 }[Math.Abs(seed % 4)];
        var back = SceneConverter.ToCanonical(SceneConverter.FromCanonical(scene, Space.Blender, unitScale), Space.Blender, unitScale);
        return SceneHasher.Hash(back).Root.SequenceEqual(SceneHasher.Hash(scene).Root)
            && scene.Objects.Zip(back.Objects).All(p => p.First.Translation.Equals(p.Second.Translation) && p.First.Rotation.Equals(p.Second.Rotation) && p.First.Scale.Equals(p.Second.Scale));
    }

    [Fact]
    public void unity_blob_contents_are_mirrored_and_wound_the_other_way_and_back()
    {
        float[] positions = { 0, 0, 0, 1, 2, 3, 0, 1, 0 }, normals = { 0, 0, 1, 0.6f, 0.8f, 0, 1, 0, 0 }, tangents = { 1, 0, 0, 1, 0, 1, 0, -1 };
        uint[] indices = { 0, 1, 2 };
        var (p, n, t, i) = ((float[])positions.Clone(), (float[])normals.Clone(), (float[])tangents.Clone(), (uint[])indices.Clone());
        MeshConversions.Attribute(MeshSemantics.Position, p, Space.Canonical, Space.Unity);
        MeshConversions.Attribute(MeshSemantics.Normal, n, Space.Canonical, Space.Unity);
        MeshConversions.Attribute(MeshSemantics.Tangent, t, Space.Canonical, Space.Unity);
        MeshConversions.Indices(i, Space.Canonical, Space.Unity);
        Assert.Equal(new float[] { -0f, 0, 0, -1, 2, 3, -0f, 1, 0 }, p);
        Assert.Equal(new float[] { -0f, 0, 1, -0.6f, 0.8f, 0, -1, 0, 0 }, n);
        Assert.Equal(new float[] { -1, 0, 0, -1, -0f, 1, 0, 1 }, t);
        Assert.Equal(new uint[] { 0, 2, 1 }, i);
        MeshConversions.Attribute(MeshSemantics.Position, p, Space.Unity, Space.Canonical);
        MeshConversions.Attribute(MeshSemantics.Tangent, t, Space.Unity, Space.Canonical);
        MeshConversions.Indices(i, Space.Unity, Space.Canonical);
        Assert.Equal(positions, p);
        Assert.Equal(tangents, t);
        Assert.Equal(indices, i);
    }

    [Fact]
    public void blender_blob_contents_swap_y_and_z_and_scale_positions_only()
    {
        float[] p = { 1, 2, 3 }, n = { 0, 1, 0 }, uv = { 0.25f, 0.75f };
        MeshConversions.Attribute(MeshSemantics.Position, p, Space.Blender, Space.Canonical, 2.0);
        MeshConversions.Attribute(MeshSemantics.Normal, n, Space.Blender, Space.Canonical, 2.0);
        MeshConversions.Attribute(MeshSemantics.TexCoord(0), uv, Space.Blender, Space.Canonical, 2.0);
        Assert.Equal(new float[] { 2, 6, -4 }, p);
        Assert.Equal(new float[] { 0, 0, -1 }, n);
        Assert.Equal(new float[] { 0.25f, 0.75f }, uv);
    }

    [Fact]
    public void stored_as_float32_predicts_what_an_engine_holds()
    {
        var scene = new Scene(new[] { Obj(A, ObjectKind.Empty, null, new Vector3d(0.1, 0.2, 0.3), Quaterniond.Identity, Vector3d.One) },
            Array.Empty<Material>(), Array.Empty<Mesh>());
        var stored = EngineStorage.StoredAs(scene, Space.Unity).Objects[0];
        Assert.Equal((double)(float)0.1, stored.Translation.X);
        Assert.NotEqual(0.1, stored.Translation.X);
    }

    [Fact]
    public void a_parent_outside_the_scene_is_refused()
    {
        var scene = new Scene(new[] { Obj(A, ObjectKind.Empty, B, Vector3d.Zero, Quaterniond.Identity, Vector3d.One) },
            Array.Empty<Material>(), Array.Empty<Mesh>());
        Assert.Throws<ArgumentException>(() => SceneConverter.ToCanonical(scene, Space.Blender));
    }

    private static Quaterniond Normalize(Quaterniond q)
    {
        double n = Math.Sqrt(q.X * q.X + q.Y * q.Y + q.Z * q.Z + q.W * q.W);
        return new Quaterniond(q.X / n, q.Y / n, q.Z / n, q.W / n);
    }

    private static Vector3d Rotate(Quaterniond q, Vector3d v)
    {
        var p = Quaterniond.Multiply(Quaterniond.Multiply(q, new Quaterniond(v.X, v.Y, v.Z, 0)), new Quaterniond(-q.X, -q.Y, -q.Z, q.W));
        return new Vector3d(p.X, p.Y, p.Z);
    }

    private static Vector3d Add(Vector3d a, Vector3d b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z);

    private static void AssertClose(Vector3d actual, Vector3d expected)
    {
        Assert.True(Math.Abs(actual.X - expected.X) < 1e-9 && Math.Abs(actual.Y - expected.Y) < 1e-9 && Math.Abs(actual.Z - expected.Z) < 1e-9,
            $"expected {expected}, got {actual}");
    }
}
