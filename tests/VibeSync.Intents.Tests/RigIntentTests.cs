using VibeSync.Intents.Classification;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.State;
using VibeSync.Protocol.Intents;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

/// <summary>
/// Content schema 4 in the intents (CONTENT-V4 §6–§7): classification, the kind rules of joints and
/// skins, morph weights, animation channels, the closure of deletions, the AI boundary around hidden
/// joints, and Reality keeping skins and animations.
/// </summary>
public sealed class RigIntentTests
{
    private const string Armature = "00000000-0000-4000-8000-000000000080";
    private const string Bone = "00000000-0000-4000-8000-000000000081";
    private const string Tip = "00000000-0000-4000-8000-000000000082";
    private const string Body = "00000000-0000-4000-8000-000000000084";
    private const string BodyMesh = "00000000-0000-4000-8000-000000000085";
    private const string Skin = "00000000-0000-4000-8000-000000000086";
    private const string Wave = "00000000-0000-4000-8000-000000000087";
    private const string HiddenBone = "h-00000000-0000-4000-8000-000000000088";
    private static readonly string Blob1 = new('1', 64), Blob2 = new('2', 64);

    private static SceneObject Obj(string uuid, ObjectKind kind, string? parent, string? mesh = null) =>
        new(uuid, uuid[^4..], kind, parent, Vector3d.Zero, Quaterniond.Identity, new Vector3d(1, 1, 1), true,
            kind == ObjectKind.Mesh ? new string?[] { null } : Array.Empty<string?>(), mesh);

    /// <summary>An armature with two joints (one hidden from AI under the other), a skinned body with one morph target, an animation.</summary>
    internal static RealityScene Rig()
    {
        var mesh = new Mesh(BodyMesh, 3, new Dictionary<string, string> { ["POSITION"] = Blob1, ["JOINTS_0"] = Blob1, ["WEIGHTS_0"] = Blob2 },
            Array.Empty<MeshPrimitive>(), Array.Empty<string>()) { Targets = new[] { new MorphTarget("Smile", Blob1, null) }, Weights = new[] { 0.0 } };
        var objects = new[]
        {
            Obj(Armature, ObjectKind.Armature, null), Obj(Bone, ObjectKind.Joint, Armature), Obj(Tip, ObjectKind.Joint, Bone),
            Obj(HiddenBone, ObjectKind.Joint, Bone), Obj(Body, ObjectKind.Mesh, Armature, BodyMesh) with { Skin = Skin },
        };
        var channel = new AnimationChannel(Bone, AnimationPath.Rotation, AnimationInterpolation.Linear, Blob1, Blob2, false);
        return RealityScene.From(new Scene(objects, Array.Empty<Material>(), new[] { mesh })
        {
            Skins = new[] { new Skin(Skin, "Armature", new[] { Bone, Tip }, Blob1, Armature) },
            Animations = new[] { new Animation(Wave, "Wave", 24, new[] { channel }) },
        });
    }

    private static string Op(string op, string uuid, string rest = "") => $"{{\"op\": \"{op}\", \"uuid\": \"{uuid}\"{(rest.Length > 0 ? ", " + rest : "")}}}";

    private static IntentRefusedException Refused(Actor actor, params string[] ops) =>
        Assert.Throws<IntentRefusedException>(() => IntentValidator.Apply(Rig(), Intent(ops), actor));

    [Fact]
    public void rig_operations_are_classed_as_the_contract_says()
    {
        IntentClass Of(string op) => IntentClassifier.Classify(Intent(op).Operations);
        Assert.Equal(IntentClass.Cosmetic, Of(Op("set_morph_weights", BodyMesh, "\"weights\": [0.5]")));
        Assert.Equal(IntentClass.Cosmetic, Of(Op("set_animation_channel", Wave, $"\"target\": \"{Bone}\", \"path\": \"rotation\", \"remove\": true")));
        Assert.Equal(IntentClass.Structural, Of(Op("set_skin", Body, "\"skin\": null")));
        Assert.Equal(IntentClass.Structural, Of(Op("create_skin", Fresh, $"\"name\": \"S\", \"joints\": [\"{Bone}\"], \"inverse_bind_matrices\": \"{Blob1}\"")));
        Assert.Equal(IntentClass.Structural, Of(Op("update_skin", Skin, "\"skeleton\": null")));
        Assert.Equal(IntentClass.Structural, Of(Op("create_animation", Fresh, "\"name\": \"A\", \"frame_rate\": 24, \"channels\": []")));
        Assert.Equal(IntentClass.Destructive, Of(Op("delete_skin", Skin)));
        Assert.Equal(IntentClass.Destructive, Of(Op("delete_animation", Wave)));
    }

    [Fact]
    public void reality_keeps_skins_and_animations_through_its_scene()
    {
        var scene = Rig().ToScene();
        Assert.Equal(Skin, Assert.Single(scene.Skins).Uuid);
        Assert.Equal(Wave, Assert.Single(scene.Animations).Uuid);
        Assert.Equal(RealityScene.From(scene).RecordHashOf(Skin), Rig().RecordHashOf(Skin));
        Assert.NotNull(Rig().RecordHashOf(Wave));
        Assert.Equal(Skin, Assert.Single(Rig().Records(new[] { Skin, Wave }).Skins).Uuid);
    }

    [Fact]
    public void a_joint_needs_a_joint_or_an_armature_for_parent()
    {
        var t = "\"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1]";
        var orphan = Refused(Human, Op("create_object", Fresh, $"\"name\": \"J\", \"kind\": \"joint\", \"parent\": null, {t}"));
        Assert.Equal((IntentErrorCode.InvalidValue, "operations[0].parent"), (orphan.Code, orphan.Path));
        Assert.Equal("operations[0].parent", Refused(Human, Op("create_object", Fresh, $"\"name\": \"J\", \"kind\": \"joint\", \"parent\": \"{Body}\", {t}")).Path);
        Assert.Equal("operations[0].parent", Refused(Human, Op("set_parent", Tip, $"\"parent\": \"{Body}\"")).Path);
        var made = IntentValidator.Apply(Rig(), Intent(Op("create_object", Fresh, $"\"name\": \"J\", \"kind\": \"joint\", \"parent\": \"{Tip}\", {t}")), Human);
        Assert.Equal(ObjectKind.Joint, made.Objects[Fresh].Kind);
    }

    [Fact]
    public void a_skin_names_joints_under_its_skeleton_and_skins_only_meshes_with_joints_and_weights()
    {
        var notJoint = Refused(Human, Op("create_skin", Fresh, $"\"name\": \"S\", \"joints\": [\"{Bone}\", \"{Body}\"], \"inverse_bind_matrices\": \"{Blob1}\""));
        Assert.Equal((IntentErrorCode.InvalidValue, "operations[0].joints[1]"), (notJoint.Code, notJoint.Path));
        var unknown = Refused(Human, Op("create_skin", Fresh, $"\"name\": \"S\", \"joints\": [\"{Fresh[..^1]}9\"], \"inverse_bind_matrices\": \"{Blob1}\""));
        Assert.Equal((IntentErrorCode.UnknownUuid, "operations[0].joints[0]"), (unknown.Code, unknown.Path));
        Assert.Equal("operations[0].skeleton", Refused(Human, Op("update_skin", Skin, $"\"skeleton\": \"{Tip}\"")).Path);
        var unskinnable = Refused(Human, Op("set_skin", Armature, $"\"skin\": \"{Skin}\""));
        Assert.Equal((IntentErrorCode.InvalidValue, "operations[0].uuid"), (unskinnable.Code, unskinnable.Path));
        var after = IntentValidator.Apply(Rig(), Intent(Op("set_skin", Body, "\"skin\": null")), Human);
        Assert.Null(after.Objects[Body].Skin);
        Assert.Empty(after.Skins); // no object uses it now: it leaves Reality, as Blender stops reporting it
    }

    [Fact]
    public void a_skin_leaves_reality_with_the_last_object_it_skins()
    {
        var after = IntentValidator.Apply(Rig(), Intent(Op("delete_object", Body, "\"children\": \"reparent\"")), Human);
        Assert.Empty(after.Skins);
        Assert.Empty(after.Meshes); // with its mesh, as before
        Assert.True(after.Objects.ContainsKey(Bone)); // the joints stay: they are the armature's, not the skin's
    }

    [Fact]
    public void morph_weights_are_one_per_target()
    {
        var e = Refused(Human, Op("set_morph_weights", BodyMesh, "\"weights\": [0.5, 0.5]"));
        Assert.Equal((IntentErrorCode.InvalidValue, "operations[0].weights"), (e.Code, e.Path));
        var after = IntentValidator.Apply(Rig(), Intent(Op("set_morph_weights", BodyMesh, "\"weights\": [0.75]")), Human);
        Assert.Equal(new[] { 0.75 }, after.Meshes[BodyMesh].Weights);
    }

    [Fact]
    public void rename_of_an_animation_renames_it()
    {
        var after = IntentValidator.Apply(Rig(), Intent(Op("rename", Wave, "\"name\": \"Hello\"")), Human);
        Assert.Equal("Hello", after.Animations[Wave].Name);
        Assert.Equal(Rig().Animations[Wave].Channels, after.Animations[Wave].Channels);
    }

    [Fact]
    public void a_channel_is_set_replaced_and_removed_by_target_and_path()
    {
        var sampler = $"\"interpolation\": \"STEP\", \"times\": \"{Blob2}\", \"values\": \"{Blob1}\"";
        var s = IntentValidator.Apply(Rig(), Intent(Op("set_animation_channel", Wave, $"\"target\": \"{Body}\", \"path\": \"weights\", {sampler}"),
            Op("set_animation_channel", Wave, $"\"target\": \"{Bone}\", \"path\": \"rotation\", {sampler}")), Human);
        Assert.Equal(new[] { (Bone, AnimationPath.Rotation, AnimationInterpolation.Step), (Body, AnimationPath.Weights, AnimationInterpolation.Step) },
            s.Animations[Wave].Channels.Select(c => (c.Target, c.Path, c.Interpolation)));
        s = IntentValidator.Apply(s, Intent(Op("set_animation_channel", Wave, $"\"target\": \"{Bone}\", \"path\": \"rotation\", \"remove\": true")), Human);
        Assert.Equal(Body, Assert.Single(s.Animations[Wave].Channels).Target);
        var noTargets = Refused(Human, Op("set_animation_channel", Wave, $"\"target\": \"{Tip}\", \"path\": \"weights\", {sampler}"));
        Assert.Equal((IntentErrorCode.InvalidValue, "operations[0].path"), (noTargets.Code, noTargets.Path));
        var nothing = Refused(Human, Op("set_animation_channel", Wave, $"\"target\": \"{Tip}\", \"path\": \"scale\", \"remove\": true"));
        Assert.Equal("operations[0].remove", nothing.Path);
    }

    [Fact]
    public void deleting_what_a_skin_or_an_animation_needs_is_refused_unless_the_same_intent_takes_care_of_it()
    {
        var used = Refused(Human, Op("delete_skin", Skin));
        Assert.Equal((IntentErrorCode.Closure, "operations[0].uuid"), (used.Code, used.Path));
        var joint = Refused(Human, Op("delete_object", Tip, "\"children\": \"reparent\""));
        Assert.Equal(IntentErrorCode.Closure, joint.Code);
        var target = Refused(Human, Op("delete_object", Bone, "\"children\": \"delete\""));
        Assert.Equal(IntentErrorCode.Closure, target.Code);
        // In the same intent, in either order: unskin then delete, delete then unskin.
        var s = IntentValidator.Apply(Rig(), Intent(Op("delete_skin", Skin), Op("set_skin", Body, "\"skin\": null")), Human);
        Assert.Empty(s.Skins);
        Assert.Contains(Skin, s.Tombstones);
        s = IntentValidator.Apply(Rig(), Intent(Op("delete_animation", Wave), Op("update_skin", Skin, $"\"joints\": [\"{Bone}\"]"),
            Op("delete_object", Tip, "\"children\": \"reparent\"")), Human);
        Assert.False(s.Objects.ContainsKey(Tip));
    }

    [Fact]
    public void a_skin_naming_a_hidden_joint_is_hidden_from_ai_and_unknown_to_it()
    {
        var rig = Rig();
        var hidden = rig with { Skins = rig.Skins.SetItem(Skin, rig.Skins[Skin] with { Joints = new[] { Bone, HiddenBone } }) };
        Assert.False(AiVisibility.SeesSkin(hidden, Skin));
        Assert.True(AiVisibility.SeesSkin(rig, Skin));
        Assert.Empty(AiVisibility.View(hidden).Skins);
        Assert.Null(AiVisibility.View(hidden).Objects.Single(o => o.Uuid == Body).Skin); // the body shows no skin rather than leak one
        var e = Assert.Throws<IntentRefusedException>(() => IntentValidator.Apply(hidden, Intent(Op("delete_skin", Skin)) with { Rationale = "tidy" }, Ai));
        Assert.Equal(IntentErrorCode.UnknownUuid, e.Code);
        var named = Assert.Throws<IntentRefusedException>(() => IntentValidator.Apply(rig,
            Intent(Op("update_skin", Skin, $"\"joints\": [\"{HiddenBone}\"]")) with { Rationale = "x" }, Ai));
        Assert.Equal((IntentErrorCode.HiddenFromAi, "operations[0].joints[0]"), (named.Code, named.Path));
        var animated = rig with { Animations = rig.Animations.SetItem(Wave, rig.Animations[Wave] with { Channels = new[] {
            new AnimationChannel(HiddenBone, AnimationPath.Scale, AnimationInterpolation.Linear, Blob1, Blob2, false) } }) };
        Assert.False(AiVisibility.SeesAnimation(animated, Wave));
        Assert.Null(AiVisibility.RecordHashOf(animated, Wave));
    }

    [Fact]
    public void the_content_rules_refuse_a_channel_whose_times_do_not_increase()
    {
        var store = new BlobMemory();
        string times = store.Put(new BlobShape(BlobElement.F32, 1, 2), System.Runtime.InteropServices.MemoryMarshal.AsBytes(new float[] { 1, 0.5f }.AsSpan()));
        string values = store.Put(new BlobShape(BlobElement.F32, 3, 2), System.Runtime.InteropServices.MemoryMarshal.AsBytes(new float[] { 0, 0, 0, 1, 1, 1 }.AsSpan()));
        var intent = Intent(Op("set_animation_channel", Wave, $"\"target\": \"{Tip}\", \"path\": \"scale\", \"interpolation\": \"LINEAR\", \"times\": \"{times}\", \"values\": \"{values}\""));
        var e = ContentRules.Check(intent, Human, "blender", Rig(), store, new Pipeline.AdmissionLimits(), null);
        Assert.Equal((IntentErrorCode.InvalidValue, "operations[0].times"), (e!.Code, e.Path));
        string good = store.Put(new BlobShape(BlobElement.F32, 1, 2), System.Runtime.InteropServices.MemoryMarshal.AsBytes(new float[] { 0, 0.5f }.AsSpan()));
        Assert.Null(ContentRules.Check(Intent(Op("set_animation_channel", Wave, $"\"target\": \"{Tip}\", \"path\": \"scale\", \"interpolation\": \"LINEAR\", \"times\": \"{good}\", \"values\": \"{values}\"")),
            Human, "blender", Rig(), store, new Pipeline.AdmissionLimits(), null));
    }
}
