using System.Numerics;
using System.Runtime.InteropServices;
using SharpGLTF.Schema2;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.State;
using Scene = VibeSync.Protocol.State.Scene;
using Mesh = VibeSync.Protocol.State.Mesh;
using MeshPrimitive = VibeSync.Protocol.State.MeshPrimitive;
using Animation = VibeSync.Protocol.State.Animation;
using AnimationChannel = VibeSync.Protocol.State.AnimationChannel;

namespace VibeSync.Export.Tests;

/// <summary>
/// Content schema 4 written as glTF: a two-joint rig skinning a quad that has two morph targets, and
/// an animation of every path and interpolation, read back from the GLB file and passed through the
/// Khronos validator. Animations are written sampled per frame (LINEAR), so the samples are checked
/// against the keyed curves at frames between the keys.
/// </summary>
public sealed class RiggingExportTests : IDisposable
{
    private const string Rig = "c4e00000-0000-4000-8000-000000000001", Hip = "c4e00000-0000-4000-8000-000000000002",
        Knee = "c4e00000-0000-4000-8000-000000000003", Leg = "c4e00000-0000-4000-8000-000000000004",
        Quad = "c4e00000-0000-4000-8000-0000000000b1", Skin = "c4e00000-0000-4000-8000-0000000000d1",
        Walk = "c4e00000-0000-4000-8000-0000000000e1";

    private readonly BlobMemory _blobs = new();
    private readonly List<string> _written = new();

    public void Dispose()
    {
        foreach (var file in _written) File.Delete(file);
    }

    private string Floats(float[] values, int components) => InlineMesh.Floats(values, components, _blobs);

    private string UShorts(ushort[] values)
    {
        var shape = new BlobShape(BlobElement.U16, 4, values.Length / 4);
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        string id = BlobId.Of(shape, bytes);
        _blobs.Put(id, shape, bytes);
        return id;
    }

    private static SceneObject Object(string uuid, string name, ObjectKind kind, string? parent, double y = 0, string? mesh = null) =>
        new(uuid, name, kind, parent, new Vector3d(0, y, 0), Quaterniond.Identity, Vector3d.One, true, Array.Empty<string?>(), mesh);

    private Scene RiggedScene(double frameRate = 24, double rigY = 0)
    {
        var attributes = TestContent.QuadAttributes(_blobs);
        attributes[MeshSemantics.Joints0] = UShorts(new ushort[] { 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0 });
        attributes[MeshSemantics.Weights0] = Floats(new float[] { 1, 0, 0, 0, 1, 0, 0, 0, 0.75f, 0.25f, 0, 0, 1, 0, 0, 0 }, 4);
        var mesh = new Mesh(Quad, 4, attributes, new[] { new MeshPrimitive(0, BlobId.OfIndices(new uint[] { 0, 1, 2, 0, 2, 3 })) }, Array.Empty<string>())
        {
            Targets = new[]
            {
                new MorphTarget("Smile", Floats(new float[] { 0, 0, 0, 0, 0, 0, 0, 0.5f, 0, 0, 0.5f, 0 }, 3), Floats(new float[12], 3)),
                new MorphTarget("Frown", Floats(new float[] { 0, -0.25f, 0, 0, -0.25f, 0, 0, 0, 0, 0, 0, 0 }, 3), null),
            },
            Weights = new[] { 0.25, 0.5 },
        };
        _blobs.Put(mesh.Primitives[0].Indices, new BlobShape(BlobElement.U32, 1, 6), MemoryMarshal.AsBytes(new uint[] { 0, 1, 2, 0, 2, 3 }.AsSpan()));
        // Inverse bind matrices, in the skeleton's (Rig's) space: the hip at y = 1, the knee 0.5 above it; column-major, translation last.
        var ibm = Floats(new float[] { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, -1, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, -1.5f, 0, 1 }, 16);
        var objects = new[]
        {
            Object(Rig, "Rig", ObjectKind.Armature, null, rigY),
            Object(Hip, "Hip", ObjectKind.Joint, Rig, 1),
            Object(Knee, "Knee", ObjectKind.Joint, Hip, 0.5),
            Object(Leg, "Leg", ObjectKind.Mesh, Rig, mesh: Quad) with { Skin = Skin },
        };
        var channels = new List<AnimationChannel>
        {
            // Knee: rotation LINEAR from identity to 90° about X over frames 0…24; translation STEP; scale CUBICSPLINE.
            new(Knee, AnimationPath.Translation, AnimationInterpolation.Step, Floats(new float[] { 0, 0.5f }, 1), Floats(new float[] { 0, 0.5f, 0, 0, 1, 0 }, 3), false),
            new(Knee, AnimationPath.Rotation, AnimationInterpolation.Linear, Floats(new float[] { 0, 1 }, 1),
                Floats(new float[] { 0, 0, 0, 1, MathF.Sin(MathF.PI / 4), 0, 0, MathF.Cos(MathF.PI / 4) }, 4), false),
            new(Knee, AnimationPath.Scale, AnimationInterpolation.CubicSpline, Floats(new float[] { 0, 1 }, 1),
                Floats(new float[] { 0, 0, 0, 1, 1, 1, 0, 0, 0, /* key 2: */ 0, 0, 0, 2, 2, 2, 0, 0, 0 }, 3), false),
            new(Leg, AnimationPath.Weights, AnimationInterpolation.Linear, Floats(new float[] { 0, 1 }, 1), Floats(new float[] { 0, 1, 1, 0 }, 1), true),
        };
        channels.Sort(AnimationChannel.Compare);
        return new Scene(objects, Array.Empty<VibeSync.Protocol.State.Material>(), new[] { mesh })
        {
            Skins = new[] { new VibeSync.Protocol.State.Skin(Skin, "Rig", new[] { Hip, Knee }, ibm, Rig) },
            Animations = new[] { new Animation(Walk, "Walk", frameRate, channels) },
        };
    }

    private ModelRoot ExportAndReload(Scene scene, out string file)
    {
        file = Path.Combine(Path.GetTempPath(), $"vibesync-c4-{Guid.NewGuid():N}.glb");
        _written.Add(file);
        GltfExport.WriteGlb(scene, _blobs, file);
        return ModelRoot.Load(file);
    }

    [Fact]
    public void a_skinned_mesh_names_its_joints_in_order_with_the_records_inverse_bind_matrices()
    {
        var model = ExportAndReload(RiggedScene(), out _);
        var leg = model.LogicalNodes.Single(n => n.Name == "Leg");
        Assert.NotNull(leg.Skin);
        Assert.Equal(new[] { "Hip", "Knee" }, Enumerable.Range(0, leg.Skin.JointsCount).Select(i => leg.Skin.GetJoint(i).Joint.Name));
        Assert.Equal(-1.5f, leg.Skin.GetJoint(1).InverseBindMatrix.M42, 6);
        Assert.Equal("Rig", leg.Skin.Skeleton!.Name);
        var primitive = leg.Mesh!.Primitives.Single();
        Assert.Equal(EncodingType.UNSIGNED_SHORT, primitive.GetVertexAccessor("JOINTS_0").Encoding);
        Assert.Equal(new Vector4(0.75f, 0.25f, 0, 0), primitive.GetVertexAccessor("WEIGHTS_0").AsVector4Array()[2]);
    }

    [Fact]
    public void a_moved_rig_binds_its_mesh_where_it_stands_because_bind_matrices_are_in_the_skeletons_space()
    {
        var model = ExportAndReload(RiggedScene(rigY: 2), out var file);
        var leg = model.LogicalNodes.Single(n => n.Name == "Leg");
        for (int i = 0; i < leg.Skin!.JointsCount; i++)
        {
            var (joint, ibm) = leg.Skin.GetJoint(i);
            var atRest = ibm * joint.WorldMatrix; // glTF's joint matrix (row-vector order): at rest it is the mesh's own world matrix
            Assert.True(Matrix4x4Near(leg.WorldMatrix, atRest), $"joint {joint.Name}: {atRest} is not the mesh's world matrix {leg.WorldMatrix}");
        }
        // The hip stands at y = 3 and the mesh at y = 2: glTF's bind matrix maps the mesh's vertices to the hip, 1 below it.
        Assert.Equal(-1f, leg.Skin.GetJoint(0).InverseBindMatrix.M42, 5);
        TestContent.Validate(file);
    }

    private static bool Matrix4x4Near(Matrix4x4 a, Matrix4x4 b)
    {
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++)
                if (MathF.Abs(a[r, c] - b[r, c]) > 1e-5f) return false;
        return true;
    }

    [Fact]
    public void morph_targets_carry_their_deltas_default_weights_and_names()
    {
        var model = ExportAndReload(RiggedScene(), out var file);
        var mesh = model.LogicalNodes.Single(n => n.Name == "Leg").Mesh!;
        Assert.Equal(new[] { 0.25f, 0.5f }, mesh.MorphWeights);
        var primitive = mesh.Primitives.Single();
        Assert.Equal(2, primitive.MorphTargetsCount);
        Assert.Equal(0.5f, primitive.GetMorphTargetAccessors(0)["POSITION"].AsVector3Array()[2].Y, 6);
        Assert.False(primitive.GetMorphTargetAccessors(1).ContainsKey("NORMAL"));
        var names = TestContent.GlbJson(File.ReadAllBytes(file)).GetProperty("meshes")[0].GetProperty("extras").GetProperty("targetNames");
        Assert.Equal(new[] { "Smile", "Frown" }, names.EnumerateArray().Select(n => n.GetString()));
    }

    [Fact]
    public void animations_are_sampled_once_per_frame_of_their_frame_rate_and_follow_each_interpolation()
    {
        var model = ExportAndReload(RiggedScene(frameRate: 24), out _);
        var walk = model.LogicalAnimations.Single();
        Assert.Equal("Walk", walk.Name);
        var knee = model.LogicalNodes.Single(n => n.Name == "Knee");
        var rotation = walk.FindRotationChannel(knee)!.GetRotationSampler();
        Assert.Equal(AnimationInterpolationMode.LINEAR, rotation.InterpolationMode);
        var keys = rotation.GetLinearKeys().ToList();
        Assert.Equal(25, keys.Count); // frames 0…24 of one second at 24 fps
        Assert.Equal(0.5f, keys[12].Key, 6);
        Assert.Equal(MathF.PI / 4, 2 * MathF.Acos(keys[12].Value.W), 4); // slerp: half the angle at half the time

        var translation = walk.FindTranslationChannel(knee)!.GetTranslationSampler().GetLinearKeys().ToList();
        Assert.Equal(0.5f, translation[11].Value.Y, 6); // STEP: frame 11 (0.458 s) still holds the first key
        Assert.Equal(1f, translation[12].Value.Y, 6);

        // CUBICSPLINE with zero tangents from 1 to 2: the Hermite basis gives 1.5 at s = 0.5, 1.15625 at s = 0.25.
        var scale = walk.FindScaleChannel(knee)!.GetScaleSampler().GetLinearKeys().ToList();
        Assert.Equal(1.5f, scale[12].Value.X, 5);
        Assert.Equal(1.15625f, scale[6].Value.X, 5);

        var weights = walk.FindMorphChannel(model.LogicalNodes.Single(n => n.Name == "Leg"))!.GetMorphSampler().GetLinearKeys().ToList();
        Assert.Equal(new[] { 0.25f, 0.75f }, weights[6].Value);
    }

    [Fact]
    public void the_frame_rate_decides_the_samples()
    {
        var model = ExportAndReload(RiggedScene(frameRate: 30), out _);
        var knee = model.LogicalNodes.Single(n => n.Name == "Knee");
        Assert.Equal(31, model.LogicalAnimations.Single().FindRotationChannel(knee)!.GetRotationSampler().GetLinearKeys().Count());
    }

    [Fact]
    public void the_khronos_validator_reports_no_errors_on_the_rig()
    {
        ExportAndReload(RiggedScene(), out var file);
        var report = TestContent.Validate(file);
        Assert.Equal(1, report.GetProperty("animations").GetInt32());
        Assert.True(report.GetProperty("skins").GetBoolean());
        Assert.True(report.GetProperty("morph_targets").GetBoolean());
    }

    [Fact]
    public void a_skin_naming_a_joint_the_scene_does_not_hold_is_refused()
    {
        var scene = RiggedScene();
        var broken = scene with { Objects = scene.Objects.Where(o => o.Uuid != Knee).ToArray(), Animations = Array.Empty<Animation>() };
        Assert.Contains(Knee, Assert.Throws<InvalidDataException>(() => GltfExport.Build(broken, _blobs)).Message);
    }
}

/// <summary>FrameSampling alone: which times a channel is sampled at.</summary>
public sealed class FrameSamplingTests
{
    [Fact]
    public void keys_on_whole_frames_give_every_frame_between_them()
    {
        Assert.Equal(new[] { 1 / 24f, 2 / 24f, 3 / 24f }, FrameSampling.Times(new[] { 1 / 24f, 3 / 24f }, 24));
    }

    [Fact]
    public void keys_between_frames_keep_the_ends_so_no_part_of_the_curve_is_cut()
    {
        var times = FrameSampling.Times(new[] { 0.01f, 0.1f }, 24);
        Assert.Equal(new[] { 0.01f, 1 / 24f, 2 / 24f, 0.1f }, times);
    }

    [Fact]
    public void one_keyframe_is_one_sample()
    {
        Assert.Equal(new[] { 0.3f }, FrameSampling.Times(new[] { 0.3f }, 24));
    }
}
