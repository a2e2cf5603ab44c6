using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Framing;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;
using VibeSync.Protocol.Operations;
using VibeSync.Protocol.State;
using VibeSync.Unity.Adapter;
using VibeSync.Unity.Hierarchy;
using VibeSync.Unity.Meshes;
using VibeSync.Unity.Rigging;
using VibeSync.Unity.Simulator;
using Animation = VibeSync.Protocol.State.Animation;
using AnimationChannel = VibeSync.Protocol.State.AnimationChannel;
using Mesh = VibeSync.Protocol.State.Mesh;

namespace VibeSync.Unity.Tests;

/// <summary>
/// Content schema 4 through the Unity core into the simulator and back: joints as GameObjects, skins as
/// SkinnedMeshRenderers with bones, root bone, bone weights and bind poses; morph targets as blend shapes
/// with their weights (0–100); animations as clips on the lowest common ancestor; refusals by name.
/// </summary>
public sealed class RigTests
{
    private const string Armature = "7a0c5e0e-0000-4000-8000-0000000000a0";
    private const string Hip = "7a0c5e0e-0000-4000-8000-0000000000a1";
    private const string Spine = "7a0c5e0e-0000-4000-8000-0000000000a2";
    private const string Body = "7a0c5e0e-0000-4000-8000-0000000000b0";
    private const string BodyMesh = "7a0c5e0e-0000-4000-8000-0000000000c0";
    private const string SkinId = "7a0c5e0e-0000-4000-8000-0000000000d0";
    private const string Walk = "7a0c5e0e-0000-4000-8000-0000000000e0";

    private readonly SimScene _scene = SimScene.Load("{\"objects\": [], \"materials\": [], \"meshes\": []}");
    private readonly UnityAdapter _adapter;

    public RigTests()
    {
        _adapter = new UnityAdapter(_scene);
        _adapter.Attach();
    }

    private string Blob(float[] values, int components)
    {
        var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        var shape = new BlobShape(BlobElement.F32, components, values.Length / components);
        var id = BlobId.Of(shape, bytes);
        _adapter.Received.Put(id, shape, bytes);
        return id;
    }

    private (byte Type, string Body) Apply(ulong intent, params Operation[] operations) => Applying.Apply(_adapter, intent, operations);

    private void Applied(ulong intent, params Operation[] operations)
    {
        var (type, body) = Apply(intent, operations);
        Assert.True(type == MessageType.Applied, body);
        _adapter.Finalize(JsonFields.AsObject(JsonParser.Parse("{\"intents\": [" + intent + "]}"), "finalize"));
    }

    private UnityObject Object(string id) => _scene.Objects().Single(o => o.Id == id);

    // The rig in canonical space: the armature turned 30° about Y and moved, the hip 1 m up, the spine 0.5 m above it, bent 20° about X.
    private static readonly Quaternion ArmatureTurn = Quaternion.CreateFromAxisAngle(Vector3.UnitY, MathF.PI / 6);
    private static readonly Quaternion SpineBend = Quaternion.CreateFromAxisAngle(Vector3.UnitX, MathF.PI / 9);

    private static Quaterniond Q(Quaternion q) => new(q.X, q.Y, q.Z, q.W);

    /// <summary>Each joint's inverse rest transform relative to the armature (the skeleton), glTF's column-major = System.Numerics' row-vector layout.</summary>
    private static float[] InverseBindMatrices()
    {
        var hip = Matrix4x4.CreateTranslation(0, 1, 0);
        var spine = Matrix4x4.CreateFromQuaternion(SpineBend) * Matrix4x4.CreateTranslation(0, 0.5f, 0) * hip;
        var r = new List<float>();
        foreach (var m in new[] { hip, spine })
        {
            Assert.True(Matrix4x4.Invert(m, out var inv));
            r.AddRange(new[] { inv.M11, inv.M12, inv.M13, inv.M14, inv.M21, inv.M22, inv.M23, inv.M24, inv.M31, inv.M32, inv.M33, inv.M34, inv.M41, inv.M42, inv.M43, inv.M44 });
        }
        return r.ToArray();
    }

    /// <summary>Eight vertices, each moved by the hip and the spine (0.75/0.25 or 0.4/0.6), two morph targets.</summary>
    private Mesh SkinnedMesh(bool targets = true, float[]? weights = null)
    {
        var arrays = new MeshArrays(
            new float[] { 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 2, 0, 1, 2, 0, 0, 3, 0, 1, 3, 0 }, null, null, null, new List<float[]>(),
            new[] { new SlotTriangles(0, new uint[] { 0, 2, 1, 1, 2, 3, 2, 4, 3, 3, 4, 5, 4, 6, 5, 5, 6, 7 }) })
        {
            Joints = Enumerable.Range(0, 8).SelectMany(v => v % 2 == 0 ? new ushort[] { 0, 1, 0, 0 } : new ushort[] { 1, 0, 0, 0 }).ToArray(),
            Weights = weights ?? Enumerable.Range(0, 8).SelectMany(v => v % 2 == 0 ? new[] { 0.75f, 0.25f, 0, 0 } : new[] { 0.6f, 0.4f, 0, 0 }).ToArray(),
            Targets = targets
                ? new[]
                {
                    new MorphArrays("Smile", Enumerable.Range(0, 24).Select(i => i % 3 == 0 ? 0.1f * (i / 3) : 0.05f).ToArray(), Enumerable.Range(0, 24).Select(i => i % 3 == 2 ? 0.01f : 0).ToArray()),
                    new MorphArrays("Blink", Enumerable.Range(0, 24).Select(i => i % 3 == 1 ? -0.2f : 0).ToArray(), null),
                }
                : new MorphArrays[0],
        };
        var record = MeshRecords.Encode(BodyMesh, arrays, Array.Empty<string>(), (id, shape, bytes) => _adapter.Received.Put(id, shape, bytes));
        return record with { Weights = targets ? new[] { 0.25, 0.5 } : Array.Empty<double>() };
    }

    private Skin Skin() => new(SkinId, "Armature", new[] { Hip, Spine }, Blob(InverseBindMatrices(), 16), Armature);

    /// <summary>The rig: an armature, two joints, the skin, a mesh bound to it (a child of the armature, as Blender parents it).</summary>
    private Operation[] Rig(Mesh? mesh = null) => new Operation[]
    {
        new CreateObject(Armature, "Armature", ObjectKind.Armature, null, new Vector3d(1, 0, -2), Q(ArmatureTurn), Vector3d.One, true, null, new string?[0]),
        new CreateObject(Hip, "Hip", ObjectKind.Joint, Armature, new Vector3d(0, 1, 0), Quaterniond.Identity, Vector3d.One, true, null, new string?[0]),
        new CreateObject(Spine, "Spine", ObjectKind.Joint, Hip, new Vector3d(0, 0.5, 0), Q(SpineBend), Vector3d.One, true, null, new string?[0]),
        new CreateMesh(mesh ?? SkinnedMesh()),
        new CreateSkin(Skin()),
        new CreateObject(Body, "Body", ObjectKind.Mesh, Armature, new Vector3d(0, 0, 0.2), Quaterniond.Identity, Vector3d.One, true, BodyMesh, new string?[] { null }) { Skin = SkinId },
    };

    private static double[] Times(double[] a, float[] b, int at)
    {
        var r = new double[16];
        for (int c = 0; c < 4; c++) for (int row = 0; row < 4; row++) for (int k = 0; k < 4; k++) r[4 * c + row] += a[4 * k + row] * b[at + 4 * c + k];
        return r;
    }

    [Fact]
    public void a_skinned_mesh_becomes_a_skinned_mesh_renderer_whose_bones_bind_poses_and_bone_weights_put_the_mesh_where_it_is_at_rest()
    {
        var mesh = SkinnedMesh();
        Applied(1, Rig(mesh));

        var body = Object(Body);
        Assert.NotNull(body.Skinned);
        Assert.Equal(new[] { Object(Hip).Handle, Object(Spine).Handle }, body.Skinned!.Bones);
        Assert.Equal(Object(Armature).Handle, body.Skinned.RootBone); // the skeleton
        var unityMesh = _scene.MeshOf(BodyMesh);
        unityMesh.GetBoneWeights(out var indices, out var weights);
        Assert.Equal(new[] { 0, 1, 0, 0, 1, 0, 0, 0 }, indices.Take(8));
        Assert.Equal(new[] { 0.75f, 0.25f, 0, 0, 0.6f, 0.4f, 0, 0 }, weights.Take(8));

        // At rest, every bone's localToWorldMatrix × its bind pose is the mesh's localToWorldMatrix (Unity's skinning then moves nothing).
        var poses = unityMesh.Bindposes;
        Assert.Equal(32, poses.Length);
        var meshWorld = SkinBinding.World(_scene, body.Handle);
        foreach (var (bone, i) in body.Skinned.Bones.Select((b, i) => (b, i)))
        {
            var product = Times(SkinBinding.World(_scene, bone), poses, 16 * i);
            for (int k = 0; k < 16; k++) Assert.True(Math.Abs(product[k] - meshWorld[k]) < 1e-5, $"bone {i} element {k}: {product[k]} against {meshWorld[k]}");
        }

        // Records → Unity → records: equal.
        var back = _adapter.Canonical();
        Assert.Equal(Skin() with { }, back.Skins.Single());
        Assert.Equal(SkinId, back.Objects.Single(o => o.Uuid == Body).Skin);
        Assert.Equal(mesh, back.Meshes.Single());
        Assert.Equal(ObjectKind.Joint, back.Objects.Single(o => o.Uuid == Spine).Kind);
        var spine = back.Objects.Single(o => o.Uuid == Spine);
        Assert.True(Math.Abs(spine.Rotation.X - SpineBend.X) < 1e-6 && Math.Abs(spine.Translation.Y - 0.5) < 1e-6, "the joint's rest transform reads back");
    }

    [Fact]
    public void moving_the_skinned_object_binds_it_again_and_a_rollback_restores_the_bind_poses_bit_for_bit()
    {
        Applied(1, Rig());
        var before = _scene.MeshOf(BodyMesh).Dump();
        var (type, body) = Apply(2, new SetTransform(Body, new Vector3d(0.3, 0, 0.2), null, null));
        Assert.True(type == MessageType.Applied, body);
        Assert.NotEqual(before, _scene.MeshOf(BodyMesh).Dump());
        var meshWorld = SkinBinding.World(_scene, Object(Body).Handle);
        var product = Times(SkinBinding.World(_scene, Object(Hip).Handle), _scene.MeshOf(BodyMesh).Bindposes, 0);
        for (int k = 0; k < 16; k++) Assert.True(Math.Abs(product[k] - meshWorld[k]) < 1e-5);
        _adapter.Rollback(2);
        Assert.Equal(before, _scene.MeshOf(BodyMesh).Dump());
    }

    [Fact]
    public void morph_targets_become_blend_shapes_with_mirrored_deltas_and_names_and_weights_of_0_to_100_and_read_back_equal()
    {
        var mesh = SkinnedMesh();
        Applied(1, Rig(mesh));
        var unity = _scene.MeshOf(BodyMesh);
        Assert.Equal(2, unity.BlendShapeCount);
        Assert.Equal(new[] { "Smile", "Blink" }, new[] { unity.GetBlendShapeName(0), unity.GetBlendShapeName(1) });
        float[] dv = new float[24], dn = new float[24];
        unity.GetBlendShapeFrameVertices(0, 0, dv, dn);
        Assert.Equal(-0.1f, dv[3]); // x mirrored, as positions are
        Assert.Equal(0.05f, dv[4]);
        Assert.Equal(0.01f, dn[2]);
        Assert.Equal(new[] { 25f, 50f }, Object(Body).Skinned!.BlendShapeWeights);
        var back = _adapter.Canonical().Meshes.Single();
        Assert.Equal(mesh, back);
        Assert.Null(back.Targets[1].Normal); // Unity holds zero normal deltas for Blink; the record had none
    }

    [Fact]
    public void a_mesh_with_blend_shapes_and_no_skin_still_gets_a_skinned_mesh_renderer_without_bones()
    {
        var mesh = SkinnedMesh();
        Applied(1, new CreateMesh(mesh), new CreateObject(Body, "Face", ObjectKind.Mesh, null, Vector3d.Zero, Quaterniond.Identity, Vector3d.One, true, BodyMesh, new string?[] { null }));
        var skinned = Object(Body).Skinned;
        Assert.NotNull(skinned);
        Assert.Empty(skinned!.Bones);
        Assert.Null(skinned.RootBone);
        Assert.Equal(new[] { 25f, 50f }, skinned.BlendShapeWeights);
    }

    [Fact]
    public void set_morph_weights_moves_every_renderer_of_the_mesh_and_a_rollback_restores_them()
    {
        Applied(1, Rig());
        var (type, body) = Apply(2, new SetMorphWeights(BodyMesh, new[] { 0.125, 1.0 }));
        Assert.True(type == MessageType.Applied, body);
        Assert.Equal(new[] { 12.5f, 100f }, Object(Body).Skinned!.BlendShapeWeights);
        Assert.Equal(new[] { 0.125, 1.0 }, _adapter.Canonical().Meshes.Single().Weights);
        _adapter.Rollback(2);
        Assert.Equal(new[] { 25f, 50f }, Object(Body).Skinned!.BlendShapeWeights);
        Assert.Equal(new[] { 0.25, 0.5 }, _adapter.Canonical().Meshes.Single().Weights);
    }

    [Fact]
    public void a_blend_shape_weight_moved_in_unity_is_reported_as_set_morph_weights()
    {
        Applied(1, Rig());
        _adapter.Tick();
        _scene.Changes = _adapter.Changes;
        var o = Object(Body);
        _scene.Write(o with { Skinned = o.Skinned! with { BlendShapeWeights = new[] { 40f, 50f } } });
        var edit = _adapter.Tick();
        Assert.NotNull(edit);
        var op = Assert.IsType<SetMorphWeights>(Assert.Single(Edit(edit!)));
        Assert.Equal(BodyMesh, op.Uuid);
        Assert.Equal(new[] { 0.4, 0.5 }, op.Weights); // 40 / 100; the untouched 50 is the record's 0.5 exactly
    }

    [Fact]
    public void bad_rig_input_is_refused_by_name_and_changes_nothing()
    {
        Applied(1, Rig());
        var before = _scene.MeshOf(BodyMesh).Dump() + Object(Body);
        // A joint naming nothing; a skin joint that is not a joint; weights out of range; a weight that is negative.
        Assert.Equal("UNKNOWN_UUID", Refusal(Apply(2, new UpdateSkin(SkinId, new[] { Hip, "7a0c5e0e-0000-4000-8000-0000000000ff" }, null, false, null))));
        Assert.Equal("INVALID_VALUE", Refusal(Apply(3, new UpdateSkin(SkinId, new[] { Hip, Body }, null, false, null))));
        Assert.Equal("MALFORMED", Refusal(Apply(4, new SetMorphWeights(BodyMesh, new[] { 1.5, 0 })))); // the protocol's reader, before the engine's own check
        Assert.Equal("INVALID_VALUE", Refusal(Apply(5, new SetMorphWeights(BodyMesh, new[] { 0.5 }))));
        var negative = SkinnedMesh(weights: Enumerable.Range(0, 8).SelectMany(_ => new[] { 1.25f, -0.25f, 0, 0 }).ToArray());
        Assert.Equal("INVALID_VALUE", Refusal(Apply(6, new ReplaceMesh(negative))));
        // A skin with fewer joints than the mesh's JOINTS_0 names.
        var one = new Skin("7a0c5e0e-0000-4000-8000-0000000000d1", "One", new[] { Hip }, Blob(InverseBindMatrices().Take(16).ToArray(), 16), Armature);
        Assert.Equal("INDEX_RANGE", Refusal(Apply(7, new CreateSkin(one), new SetSkin(Body, one.Uuid))));
        // Bind matrices not one per joint.
        Assert.Equal("BLOB_SHAPE", Refusal(Apply(8, new UpdateSkin(SkinId, null, Blob(new float[16], 16), false, null))));
        Assert.Equal(before, _scene.MeshOf(BodyMesh).Dump() + Object(Body));
        Assert.Equal(Skin(), _adapter.Canonical().Skins.Single());
    }

    private static string Refusal((byte Type, string Body) answer)
    {
        Assert.True(answer.Type != MessageType.Applied, "refused: " + answer.Body);
        return JsonFields.Text(JsonFields.AsObject(JsonParser.Parse("{" + answer.Body + "}"), "refusal").Get("code")!, "code");
    }

    private static IReadOnlyList<Operation> Edit(string payload) =>
        OperationReader.ReadOperations(JsonFields.AsObject(JsonParser.Parse(payload), "edit").Get("operations")!);

    /// <summary>A walk: the hip's translation LINEAR, the spine's rotation STEP, the armature's scale CUBICSPLINE, the body's morph weights LINEAR.</summary>
    private Animation WalkAnimation()
    {
        string times = Blob(new[] { 0f, 0.5f, 1f }, 1);
        var turn = Quaternion.CreateFromAxisAngle(Vector3.UnitZ, 0.3f);
        var channels = new List<AnimationChannel>
        {
            new(Hip, AnimationPath.Translation, AnimationInterpolation.Linear, times, Blob(new[] { 0f, 1, 0, 0.5f, 1.2f, 0, 1, 1, 0 }, 3), false),
            new(Spine, AnimationPath.Rotation, AnimationInterpolation.Step, times, Blob(new[] { 0, 0, 0, 1, turn.X, turn.Y, turn.Z, turn.W, 0, 0, 0, 1 }, 4), false),
            new(Armature, AnimationPath.Scale, AnimationInterpolation.CubicSpline, times,
                Blob(new[] { 0f, 0, 0, 1, 1, 1, 0.5f, 0, 0, /**/ 0, 0.2f, 0, 2, 2, 2, 0, 0.1f, 0, /**/ 0, 0, 0, 1, 1, 1, 0, 0, 0 }, 3), false),
            new(Body, AnimationPath.Weights, AnimationInterpolation.Linear, times, Blob(new[] { 0f, 0, 1, 0.5f, 0, 1 }, 1), false),
        };
        channels.Sort(AnimationChannel.Compare);
        return new Animation(Walk, "Walk", 24, channels);
    }

    [Fact]
    public void an_animation_becomes_a_clip_on_the_lowest_common_ancestor_with_curves_bound_by_path_and_glTFasts_tangents_and_reads_back_equal()
    {
        Applied(1, Rig());
        var walk = WalkAnimation();
        Applied(2, new CreateAnimation(walk));
        var clip = _scene.ReadClip(Walk);
        Assert.Equal(Object(Armature).Handle, clip.Holder);
        Assert.Equal(24f, clip.FrameRate);
        UnityCurve Curve(string path, string property) => clip.Curves.Single(c => c.Path == path && c.Property == property);
        var x = Curve("Hip", "m_LocalPosition.x"); // canonical x 0 → 0.5 → 1, mirrored
        Assert.Equal(new[] { 0f, -0.5f, -1f }, x.Keys.Select(k => k.Value));
        Assert.Equal(new[] { 0f, -1f, -1f }, x.Keys.Select(k => k.InTangent)); // LINEAR: the slope from the previous key; the first 0
        Assert.Equal(new[] { -1f, -1f, 0f }, x.Keys.Select(k => k.OutTangent));
        var w = Curve("Hip/Spine", "m_LocalRotation.w");
        Assert.All(w.Keys, k => Assert.True(float.IsPositiveInfinity(k.InTangent))); // STEP
        var sy = Curve("", "m_LocalScale.y"); // the holder itself
        Assert.Equal(new[] { 1f, 2f, 1f }, sy.Keys.Select(k => k.Value));
        Assert.Equal(0.2f, sy.Keys[1].InTangent);
        Assert.Equal(0.1f, sy.Keys[1].OutTangent);
        var blink = Curve("Body", "blendShape.Blink");
        Assert.Equal(ClipMapping.RendererType, blink.Component);
        Assert.Equal(new[] { 0f, 50f, 100f }, blink.Keys.Select(k => k.Value));
        Assert.Equal(walk, _adapter.Canonical().Animations.Single());
    }

    [Fact]
    public void a_clip_read_from_its_curves_alone_gives_the_same_channels_values_and_interpolations()
    {
        Applied(1, Rig());
        var walk = WalkAnimation();
        Applied(2, new CreateAnimation(walk));
        var read = ClipMapping.FromUnity(_scene, _adapter.Index, Walk, _scene.ReadClip(Walk), (_, _, _) => { });
        Assert.Equal(walk.Channels.Select(c => (c.Target, c.Path, c.Interpolation, c.Times)), read.Channels.Select(c => (c.Target, c.Path, c.Interpolation, c.Times)));
        // Values through float conversions: equal within float rounding.
        foreach (var (want, got) in walk.Channels.Zip(read.Channels))
        {
            var (a, b) = (Floats(want.Values), Floats(got.Values));
            Assert.Equal(a.Length, b.Length);
            for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) < 1e-6, $"{want.Path}[{i}]: {a[i]} against {b[i]}");
        }
    }

    private float[] Floats(string id) => _adapter.Rigging.TryGet(id, out _, out var bytes) || _adapter.Received.TryGet(id, out _, out bytes)
        ? MemoryMarshal.Cast<byte, float>(bytes.Span).ToArray() : throw new InvalidOperationException(id);

    [Fact]
    public void a_keyframe_edited_in_unity_is_reported_as_set_animation_channel_of_that_channel_only()
    {
        Applied(1, Rig());
        Applied(2, new CreateAnimation(WalkAnimation()));
        _adapter.Tick();
        var clip = _scene.ReadClip(Walk);
        var curves = clip.Curves.Select(c => c.Property == "m_LocalPosition.y"
            ? c with { Keys = c.Keys.Select((k, i) => i == 1 ? new UnityKey(k.Time, 1.5f, k.InTangent, k.OutTangent) : k).ToList() } : c).ToList();
        _scene.WriteClip(Walk, clip with { Curves = curves });
        var edit = _adapter.Tick();
        Assert.NotNull(edit);
        var op = Assert.IsType<SetAnimationChannel>(Assert.Single(Edit(edit!)));
        Assert.Equal((Hip, AnimationPath.Translation), (op.Target, op.Path));
        Assert.Equal(AnimationInterpolation.CubicSpline, op.Channel!.Interpolation); // the tangents no longer match straight lines
        Assert.Equal(1.5f, Floats(op.Channel.Values)[3 * 4 + 1]); // keyframe 1's value (CUBICSPLINE: in, value, out), y
    }

    [Fact]
    public void keyframes_not_increasing_values_of_the_wrong_length_and_a_target_naming_nothing_are_refused_and_change_nothing()
    {
        Applied(1, Rig());
        var walk = WalkAnimation();
        AnimationChannel Hips(string times, string values) => new(Hip, AnimationPath.Translation, AnimationInterpolation.Linear, times, values, false);
        var three = Blob(new[] { 0f, 1, 0, 0, 1, 0, 0, 1, 0 }, 3);
        Assert.Equal("INVALID_VALUE", Refusal(Apply(2, new CreateAnimation(walk with { Channels = new[] { Hips(Blob(new[] { 0f, 1, 0.5f }, 1), three) } }))));
        Assert.Equal("BLOB_SHAPE", Refusal(Apply(3, new CreateAnimation(walk with { Channels = new[] { Hips(Blob(new[] { 0f, 1 }, 1), three) } }))));
        Assert.Equal("UNKNOWN_UUID", Refusal(Apply(4, new CreateAnimation(walk with { Channels = new[] { Hips(Blob(new[] { 0f, 0.5f, 1 }, 1), three) with { Target = "7a0c5e0e-0000-4000-8000-0000000000ff" } } }))));
        Assert.Empty(_scene.ClipIds());
    }

    [Fact]
    public void set_animation_channel_replaces_or_removes_one_channel_and_a_rollback_restores_the_clip()
    {
        Applied(1, Rig());
        Applied(2, new CreateAnimation(WalkAnimation()));
        var before = _scene.ReadClip(Walk);
        var (type, body) = Apply(3, new SetAnimationChannel(Walk, Spine, AnimationPath.Rotation, null));
        Assert.True(type == MessageType.Applied, body);
        Assert.DoesNotContain(_scene.ReadClip(Walk).Curves, c => c.Path == "Hip/Spine");
        Assert.Equal(3, _adapter.Canonical().Animations.Single().Channels.Count);
        _adapter.Rollback(3);
        Assert.Equal(before, _scene.ReadClip(Walk));
        Assert.Equal(WalkAnimation(), _adapter.Canonical().Animations.Single());
    }

    [Fact]
    public void rename_of_an_animation_renames_its_clip_and_a_rollback_gives_the_old_name_back()
    {
        Applied(1, Rig());
        Applied(2, new CreateAnimation(WalkAnimation()));
        var (type, body) = Apply(3, new Rename(Walk, "Stroll"));
        Assert.True(type == MessageType.Applied, body);
        Assert.Equal("Stroll", _scene.ReadClip(Walk).Name);
        Assert.Equal(WalkAnimation() with { Name = "Stroll" }, _adapter.Canonical().Animations.Single());
        _adapter.Rollback(3);
        Assert.Equal(WalkAnimation(), _adapter.Canonical().Animations.Single());
    }

    [Fact]
    public void a_scene_file_with_a_rig_loads_into_the_simulator_and_hashes_as_written()
    {
        Applied(1, Rig());
        Applied(2, new CreateAnimation(WalkAnimation()));
        var canonical = _adapter.Canonical();
        var text = Protocol.SceneJson.SceneJsonWriter.Write(canonical, Protocol.Spaces.Space.Unity);
        var loaded = SimScene.Load(text, new FirstOf(_adapter.Meshes, _adapter.Rigging, _adapter.Received));
        var again = new UnityAdapter(loaded);
        again.Attach();
        Assert.Equal(Protocol.Hashing.SceneHasher.Hash(canonical).Root, Protocol.Hashing.SceneHasher.Hash(again.Canonical()).Root);
    }

    [Fact]
    public void a_rigged_scene_reported_on_attach_carries_its_skins_and_animations_in_its_parts()
    {
        Applied(1, Rig());
        Applied(2, new CreateAnimation(WalkAnimation()));
        int Count(string table) => _adapter.Attach().Sum(p =>
            JsonFields.AsObject(JsonFields.AsObject(JsonParser.Parse(p), "part").Get("scene")!, "scene").Get(table) is JsonArray a ? a.Items.Count : 0);
        Assert.Equal(1, Count("skins"));
        Assert.Equal(1, Count("animations"));
    }

    // ---- bones and bind poses edited in Unity (read back, issue #19) ----

    /// <summary>The rig applied and known, with the simulator reporting its writes as Unity's ObjectChangeEvents do.</summary>
    private void RigWatched()
    {
        Applied(1, Rig());
        _adapter.Tick();
        _scene.Changes = _adapter.Changes;
    }

    private static void Near(float[] want, float[] got, int at, string what)
    {
        int from = want.Length == 16 ? 0 : at; // one matrix, or the whole list
        for (int k = 0; k < 16; k++) Assert.True(Math.Abs(want[from + k] - got[at + k]) < 1e-5, $"{what} element {k}: {got[at + k]} against {want[from + k]}");
    }

    [Fact]
    public void a_joint_moved_in_unity_is_reported_as_set_transform_of_the_joint_and_update_skin_with_the_bind_matrices_of_its_new_rest()
    {
        RigWatched();
        var spine = Object(Spine);
        _scene.Write(spine with { LocalPosition = new Vector3d(0, 0.7, 0) });
        var ops = Edit(_adapter.Tick()!);

        Assert.Equal(2, ops.Count);
        var move = Assert.IsType<SetTransform>(ops[0]); // the joint first: Blender moves the bone, then checks the bind matrices against its rest
        Assert.Equal(Spine, move.Uuid);
        var update = Assert.IsType<UpdateSkin>(ops[1]);
        Assert.Equal(SkinId, update.Uuid);
        Assert.Null(update.Joints);
        Assert.False(update.SetsSkeleton);
        var ibm = Floats(update.InverseBindMatrices!);
        var old = InverseBindMatrices();
        Near(old, ibm, 0, "the hip's, unmoved");
        var moved = Matrix4x4.CreateFromQuaternion(SpineBend) * Matrix4x4.CreateTranslation(0, 0.7f, 0) * Matrix4x4.CreateTranslation(0, 1, 0);
        Assert.True(Matrix4x4.Invert(moved, out var inv));
        Near(new[] { inv.M11, inv.M12, inv.M13, inv.M14, inv.M21, inv.M22, inv.M23, inv.M24, inv.M31, inv.M32, inv.M33, inv.M34, inv.M41, inv.M42, inv.M43, inv.M44 }, ibm, 16, "the spine's");

        // Bound again at the new rest: the spine's bone world × its bind pose is the mesh's world (Unity's skinning moves nothing).
        var product = Times(SkinBinding.World(_scene, Object(Spine).Handle), _scene.MeshOf(BodyMesh).Bindposes, 16);
        var meshWorld = SkinBinding.World(_scene, Object(Body).Handle);
        for (int k = 0; k < 16; k++) Assert.True(Math.Abs(product[k] - meshWorld[k]) < 1e-5);
        Assert.Null(_adapter.Tick()); // said once: no echo of the bind poses just written
    }

    [Fact]
    public void a_root_bone_changed_in_unity_is_reported_as_update_skin_with_that_skeleton_and_bind_matrices_in_its_space()
    {
        RigWatched();
        var body = Object(Body);
        _scene.Write(body with { Skinned = body.Skinned! with { RootBone = Object(Hip).Handle } });
        var update = Assert.IsType<UpdateSkin>(Assert.Single(Edit(_adapter.Tick()!)));
        Assert.True(update.SetsSkeleton);
        Assert.Equal(Hip, update.Skeleton);
        Assert.Null(update.Joints);
        var ibm = Floats(update.InverseBindMatrices!);
        var identity = new[] { 1f, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 };
        Near(identity, ibm, 0, "the hip in its own space");
        var spine = Matrix4x4.CreateFromQuaternion(SpineBend) * Matrix4x4.CreateTranslation(0, 0.5f, 0);
        Assert.True(Matrix4x4.Invert(spine, out var inv));
        Near(new[] { inv.M11, inv.M12, inv.M13, inv.M14, inv.M21, inv.M22, inv.M23, inv.M24, inv.M31, inv.M32, inv.M33, inv.M34, inv.M41, inv.M42, inv.M43, inv.M44 }, ibm, 16, "the spine in the hip's space");
    }

    [Fact]
    public void bones_reordered_or_bind_poses_changed_in_unity_are_reported_as_update_skin_and_the_human_bind_poses_are_kept()
    {
        RigWatched();
        var body = Object(Body);
        _scene.Write(body with { Skinned = body.Skinned! with { Bones = new[] { Object(Spine).Handle, Object(Hip).Handle } } });
        var reorder = Assert.IsType<UpdateSkin>(Assert.Single(Edit(_adapter.Tick()!)));
        Assert.Equal(new[] { Spine, Hip }, reorder.Joints);
        Assert.Null(reorder.InverseBindMatrices); // each bind pose stays where it is: bone i keeps bind pose i

        var poses = (float[])_scene.MeshOf(BodyMesh).Bindposes.Clone();
        poses[16 + 13] += 0.25f; // the second bind pose's y translation
        _scene.EditMesh(BodyMesh).Bindposes = poses;
        var update = Assert.IsType<UpdateSkin>(Assert.Single(Edit(_adapter.Tick()!)));
        Assert.Null(update.Joints);
        var ibm = Floats(update.InverseBindMatrices!);
        Near(InverseBindMatrices(), ibm, 0, "the untouched first bind pose's");
        Assert.True(Math.Abs(ibm[16 + 13] - InverseBindMatrices()[16 + 13] - 0.25f) < 1e-5, "the second's moved with its bind pose");
        Assert.Equal(poses, _scene.MeshOf(BodyMesh).Bindposes); // a human's bind poses are not bound again
    }

    [Fact]
    public void the_rig_notes_survive_a_domain_reload_so_an_untouched_rig_reads_back_bit_for_bit_and_a_joint_move_is_still_read()
    {
        RigWatched();
        Applied(2, new CreateAnimation(WalkAnimation()));
        _adapter.Tick();
        var before = _adapter.Canonical();
        var text = _scene.Rig.ToText();

        var old = _scene.Rig;
        _scene.ReloadDomain(); // the glue: SessionState across the reload, the notes made again from it
        Assert.NotSame(old, _scene.Rig);
        Assert.Equal(text, _scene.Rig.ToText());
        _adapter.Rebind();
        Assert.Equal(Protocol.Hashing.SceneHasher.Hash(before).Root, Protocol.Hashing.SceneHasher.Hash(_adapter.Canonical()).Root);

        var spine = Object(Spine);
        _scene.Write(spine with { LocalPosition = new Vector3d(0, 0.7, 0) });
        var ops = Edit(_adapter.Tick()!);
        Assert.Contains(ops, o => o is UpdateSkin u && u.InverseBindMatrices != null);
    }

    [Fact]
    public void rig_notes_that_do_not_read_leave_them_empty()
    {
        var notes = new RigNotes();
        notes.Load("{\"skins\": [{\"uuid\": 3}]}");
        Assert.Empty(notes.Skins);
        Assert.Equal(new RigNotes().ToText(), notes.ToText());
    }

    // ---- scene time in the glue: what the core decides (the glue samples with AnimationMode) ----

    /// <summary>AnimationMode as the glue uses it, on the simulator: sampling moves the hip without an ObjectChangeEvent; Rest restores it.</summary>
    private sealed class FakePoser : IScenePoser
    {
        private readonly SimScene _scene;
        private readonly UnityAdapter _adapter;
        private UnityObject? _rest;
        public List<string> Calls { get; } = new();
        public FakePoser(SimScene scene, UnityAdapter adapter) { _scene = scene; _adapter = adapter; }

        public void Pose(IReadOnlyList<PoseSample> samples)
        {
            Calls.Add("pose " + string.Join(", ", samples.Select(s => s.Time.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            var hip = _scene.Objects().Single(o => o.Id == Hip);
            _rest ??= hip;
            _scene.Changes = null; // AnimationMode's sampling is no ObjectChangeEvent
            _scene.Write(hip with { LocalPosition = new Vector3d(-0.5, 1.2, 0) });
            _scene.Changes = _adapter.Changes;
        }

        public void Rest()
        {
            Calls.Add("rest");
            _scene.Changes = null;
            if (_rest != null) _scene.Write(_rest);
            _scene.Changes = _adapter.Changes;
            _rest = null;
        }
    }

    /// <summary>The rig with its walk, known, a fake poser in place and the scene time policy on.</summary>
    private FakePoser Posable()
    {
        RigWatched();
        Applied(2, new CreateAnimation(WalkAnimation()));
        _adapter.Tick();
        var poser = new FakePoser(_scene, _adapter);
        _adapter.Poser = poser;
        _adapter.Welcomed("p", 4, sceneTime: true);
        return poser;
    }

    private void Time(double seconds, long seq) =>
        _adapter.Handle(new Frame(MessageType.Time, (ulong)seq, 0, Encoding.UTF8.GetBytes(new SceneTime(seconds, seq).ToJson())));

    [Fact]
    public void a_time_taken_poses_every_clip_on_its_holder_held_at_its_end_and_the_pose_is_never_read_as_an_edit()
    {
        var poser = Posable();

        Time(0.75, 1);
        Assert.Equal(new[] { "pose 0.75" }, poser.Calls);
        Assert.Equal(new PoseSample(Object(Armature).Handle, Walk, 0.75f), ScenePose.Samples(_scene, 0.75).Single()); // the lowest common ancestor holds the clip
        Time(5, 2);
        Assert.Equal("pose 1", poser.Calls[^1]); // held at the clip's last key, as glTF holds the end value
        Assert.Equal(1.2, Object(Hip).LocalPosition.Y, 6); // the scene shows the pose…
        Assert.Null(_adapter.Tick()); // …which is never read as an edit
        Assert.Equal(1.0, _adapter.Pose.AtRest(_scene, poser, () => _adapter.Canonical().Objects.Single(x => x.Uuid == Hip).Translation.Y), 6); // the record is the rest
        Assert.Equal(1.2, Object(Hip).LocalPosition.Y, 6); // posed again after
    }

    [Fact]
    public void records_are_read_and_written_at_rest_and_a_humans_change_ends_the_pose_and_is_sent_at_its_rest_value()
    {
        var poser = Posable();
        Time(0.5, 1);

        // An APPLY: at rest, then posed again; what it wrote is known (no echo) and the pose stays.
        var (type, body) = Apply(3, new SetTransform(Body, new Vector3d(0, 0, 0.3), null, null));
        Assert.True(type == MessageType.Applied, body);
        Assert.Equal(new[] { "pose 0.5", "rest", "pose 0.5" }, poser.Calls);
        Assert.Null(_adapter.Tick());
        Assert.Equal(0.5, _adapter.Pose.At);

        // A human moves the body: the pose ends, the edit is the body's move, not the hip's pose.
        var o = Object(Body);
        _scene.Write(o with { LocalPosition = new Vector3d(0, 0, 0.4) });
        var ops = Edit(_adapter.Tick()!);
        Assert.Equal(Body, Assert.IsType<SetTransform>(Assert.Single(ops)).Uuid);
        Assert.Null(_adapter.Pose.At);
        Assert.Equal("rest", poser.Calls[^1]);
    }
}
