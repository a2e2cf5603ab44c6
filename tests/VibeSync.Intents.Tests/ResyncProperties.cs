using FsCheck.Xunit;
using VibeSync.Intents.Resync;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;

namespace VibeSync.Intents.Tests;

/// <summary>
/// A resync plan, applied with the same validator intents use, brings an engine's scene to the
/// target's root hash, for random pairs of scenes that drifted apart from one base (moves,
/// renames, reparenting, hiding, slot changes, mesh references, objects added and removed on either side).
/// </summary>
public sealed class ResyncProperties
{
    private static readonly Actor Resync = new(ActorKind.Orchestrator, "resync");

    [Property(MaxTest = 200)]
    public void applying_the_plan_reaches_the_targets_root(int seed)
    {
        var rng = new Random(seed);
        var @base = Base(rng);
        // Engines report the materials and meshes their objects use, and Reality drops what an
        // intent leaves unused: the scenes compared are such closures.
        var engine = Closure(EngineStorage.RoundToFloat32(Drift(@base, rng, "e")));
        var target = Closure(Drift(@base, rng, "t"));

        var plan = ResyncPlan.Between(engine, target, keepExtras: false);
        Assert.Empty(plan.Unreachable);
        var after = IntentValidator.Apply(RealityScene.From(engine), new IntentRequest(plan.Operations, new Dictionary<string, string>(), null), Resync);
        Assert.Equal(Root(EngineStorage.RoundToFloat32(target)), Root(after.ToScene()));
        Assert.Empty(ResyncPlan.Between(after.ToScene(), target, keepExtras: false).Operations);
    }

    [Property(MaxTest = 100)]
    public void keeping_extras_leaves_every_object_only_the_engine_has(int seed)
    {
        var rng = new Random(seed);
        var @base = Base(rng);
        var engine = EngineStorage.RoundToFloat32(Drift(@base, rng, "e"));
        var target = Drift(@base, rng, "t");

        var plan = ResyncPlan.Between(engine, target, keepExtras: true);
        Assert.DoesNotContain(plan.Operations, o => o is DeleteObject);
        var after = IntentValidator.Apply(RealityScene.From(engine), new IntentRequest(plan.Operations, new Dictionary<string, string>(), null), Resync);
        foreach (var extra in plan.Extras) Assert.True(after.Objects.ContainsKey(extra), extra);
    }

    [Fact]
    public void a_rig_the_engine_lacks_is_made_whole_joints_then_skin_then_skinning_then_animations()
    {
        var target = RigIntentTests.Rig().ToScene();
        var engine = new Scene(Array.Empty<SceneObject>(), Array.Empty<Material>(), Array.Empty<Mesh>());
        var plan = ResyncPlan.Between(engine, target, keepExtras: false);
        Assert.Empty(plan.Unreachable);
        var ops = plan.Operations.ToList();
        int skin = ops.FindIndex(o => o is CreateSkin), lastJoint = ops.FindLastIndex(o => o is CreateObject { Kind: ObjectKind.Joint });
        Assert.True(skin > lastJoint, "a skin is created once its joints exist");
        Assert.True(ops.FindIndex(o => o is SetSkin) > skin, "then the skinned object is bound to it");
        Assert.True(ops.FindIndex(o => o is CreateAnimation) > lastJoint, "an animation once its targets exist");
        var after = IntentValidator.Apply(RealityScene.From(engine), new IntentRequest(plan.Operations, new Dictionary<string, string>(), null), Resync);
        Assert.Equal(Root(EngineStorage.RoundToFloat32(target)), Root(after.ToScene()));
    }

    [Fact]
    public void a_drifted_rig_is_mended_by_skin_update_rebinding_and_channel_edits()
    {
        var target = RigIntentTests.Rig().ToScene();
        var skin = target.Skins[0];
        var animation = target.Animations[0];
        var extra = animation.Channels[0] with { Path = AnimationPath.Scale, Values = animation.Channels[0].Times }; // a channel only the engine has
        var engine = target with
        {
            Objects = target.Objects.Select(o => o.Skin != null ? o with { Skin = null } : o).ToArray(),
            Skins = new[] { skin with { Joints = skin.Joints.Take(1).ToArray() } },
            Animations = new[] { animation with { Channels = new[] { animation.Channels[0] with { Interpolation = AnimationInterpolation.Step }, extra } } },
        };
        var plan = ResyncPlan.Between(engine, target, keepExtras: false);
        Assert.Empty(plan.Unreachable);
        Assert.Contains(plan.Operations, o => o is UpdateSkin);
        Assert.Contains(plan.Operations, o => o is SetAnimationChannel { Channel: null });
        var after = IntentValidator.Apply(RealityScene.From(engine), new IntentRequest(plan.Operations, new Dictionary<string, string>(), null), Resync);
        Assert.Equal(Root(EngineStorage.RoundToFloat32(target)), Root(after.ToScene()));
        Assert.Empty(ResyncPlan.Between(after.ToScene(), target, keepExtras: false).Operations);
    }

    [Fact]
    public void a_mesh_and_a_material_the_engine_lacks_are_created_before_the_objects_that_use_them()
    {
        var rng = new Random(7);
        var target = Base(rng);
        var engine = new Scene(target.Objects.Where(o => o.Mesh == null).ToArray(), target.Materials.Skip(1).ToArray(), target.Meshes.Skip(1).ToArray());
        var plan = ResyncPlan.Between(engine, target, keepExtras: false);
        Assert.Empty(plan.Unreachable);
        int mesh = plan.Operations.ToList().FindIndex(o => o is CreateMesh c && c.Uuid == target.Meshes[0].Uuid);
        int material = plan.Operations.ToList().FindIndex(o => o is CreateMaterial c && c.Uuid == target.Materials[0].Uuid);
        Assert.True(mesh >= 0 && material >= 0);
        Assert.All(plan.Operations.Select((o, i) => (o, i)).Where(x => x.o is CreateObject { Mesh: not null }), x => Assert.True(x.i > mesh && x.i > material));
        var after = IntentValidator.Apply(RealityScene.From(engine), new IntentRequest(plan.Operations, new Dictionary<string, string>(), null), Resync);
        Assert.Equal(Root(EngineStorage.RoundToFloat32(target)), Root(after.ToScene()));
    }

    [Fact]
    public void an_object_showing_another_mesh_is_mended_with_set_mesh_after_that_mesh_is_created()
    {
        var rng = new Random(11);
        var shared = Base(rng);
        var user = shared.Objects.First(o => o.Mesh != null);
        // Reality: the object shows its own (derived) mesh, which the engine has never seen.
        var derived = InlineMesh.ToRecord(Id(rng), new[] { Vector3d.Zero, new Vector3d(2, 0, 0), new Vector3d(0, 2, 0) }, new[] { new Triangle(0, 1, 2) }, null, null)
            with { Derived = new[] { "Subdivision (SUBSURF)" } };
        var target = new Scene(shared.Objects.Select(o => o.Uuid == user.Uuid ? o with { Mesh = derived.Uuid } : o).ToArray(), shared.Materials,
            shared.Meshes.Append(derived).ToArray());

        var plan = ResyncPlan.Between(shared, target, keepExtras: false);
        Assert.Empty(plan.Unreachable);
        int create = plan.Operations.ToList().FindIndex(o => o is CreateMesh c && c.Uuid == derived.Uuid);
        int set = plan.Operations.ToList().FindIndex(o => o is SetMesh m && m.Uuid == user.Uuid && m.Mesh == derived.Uuid);
        Assert.True(create >= 0 && set > create, string.Join(", ", plan.Operations.Select(o => o.Name)));
        var after = IntentValidator.Apply(RealityScene.From(shared), new IntentRequest(plan.Operations, new Dictionary<string, string>(), null), Resync);
        Assert.Equal(Root(EngineStorage.RoundToFloat32(target)), Root(after.ToScene()));

        // And back: the engine shows the derived mesh, Reality the shared one again.
        var back = ResyncPlan.Between(EngineStorage.RoundToFloat32(target), shared with { Meshes = target.Meshes }, keepExtras: false);
        Assert.Contains(back.Operations, o => o is SetMesh m && m.Uuid == user.Uuid && m.Mesh == user.Mesh);
    }

    [Fact]
    public void a_material_only_the_engine_has_is_unreachable_only_while_an_object_kept_there_uses_it()
    {
        var rng = new Random(9);
        var target = Closure(Base(rng));
        var extra = new Material("11111111-2222-4333-8444-555555555555", "Leftover", new Vector4d(1, 1, 1, 1), 0, 0.5, Vector3d.Zero);
        var user = new SceneObject("11111111-2222-4333-8444-666666666666", "Extra", ObjectKind.Mesh, null, Vector3d.Zero, new Quaterniond(0, 0, 0, 1),
            new Vector3d(1, 1, 1), true, new string?[] { extra.Uuid }, target.Meshes[0].Uuid);
        var engine = target with { Objects = target.Objects.Append(user).ToArray(), Materials = target.Materials.Append(extra).ToArray() };
        Assert.Contains(ResyncPlan.Between(engine, target, keepExtras: true).Unreachable, u => u.Contains(extra.Uuid, StringComparison.Ordinal));
        // Not kept: the object is deleted and the material leaves with it.
        var plan = ResyncPlan.Between(engine, target, keepExtras: false);
        Assert.Empty(plan.Unreachable);
        var after = IntentValidator.Apply(RealityScene.From(engine), new IntentRequest(plan.Operations, new Dictionary<string, string>(), null), Resync);
        Assert.Equal(Root(EngineStorage.RoundToFloat32(target)), Root(after.ToScene()));
    }

    private static Scene Closure(Scene s)
    {
        var used = s.Objects.SelectMany(o => o.Uses()).ToHashSet(StringComparer.Ordinal);
        return s with { Materials = s.Materials.Where(m => used.Contains(m.Uuid)).ToArray(), Meshes = s.Meshes.Where(m => used.Contains(m.Uuid)).ToArray() };
    }

    private static string Root(Scene s) => Hex.Encode(SceneHasher.Hash(s).Root);

    private static string Id(Random rng) => new Guid(Enumerable.Range(0, 16).Select(_ => (byte)rng.Next(256)).ToArray()) is var g
        ? $"{g:D}".Remove(14, 1).Insert(14, "4").Remove(19, 1).Insert(19, "8") : "";

    private static Vector3d V(Random rng) => new(Math.Round(rng.NextDouble() * 20 - 10, 3), Math.Round(rng.NextDouble() * 20 - 10, 3), Math.Round(rng.NextDouble() * 20 - 10, 3));

    private static Quaterniond Q(Random rng)
    {
        double x = rng.NextDouble() - .5, y = rng.NextDouble() - .5, z = rng.NextDouble() - .5, w = rng.NextDouble() + .1;
        double n = Math.Sqrt(x * x + y * y + z * z + w * w);
        return new Quaterniond(x / n, y / n, z / n, w / n);
    }

    private static Scene Base(Random rng)
    {
        var materials = Enumerable.Range(0, 2).Select(i => new Material(Id(rng), "M" + i, new Vector4d(rng.NextDouble(), rng.NextDouble(), rng.NextDouble(), 1), 0, .5, Vector3d.Zero)).ToArray();
        var meshes = Enumerable.Range(0, 2).Select(_ => InlineMesh.ToRecord(Id(rng), new[] { Vector3d.Zero, new Vector3d(1, 0, 0), new Vector3d(0, 1, 0) }, new[] { new Triangle(0, 1, 2) }, null, null)).ToArray();
        var objects = new List<SceneObject>();
        int n = rng.Next(1, 12);
        for (int i = 0; i < n; i++) objects.Add(NewObject(rng, "o" + i, objects, meshes, materials));
        return new Scene(objects, materials, meshes);
    }

    private static SceneObject NewObject(Random rng, string name, List<SceneObject> earlier, Mesh[] meshes, Material[] materials)
    {
        string? parent = earlier.Count > 0 && rng.Next(2) == 0 ? earlier[rng.Next(earlier.Count)].Uuid : null;
        bool mesh = rng.Next(2) == 0;
        return new SceneObject(Id(rng), name, mesh ? ObjectKind.Mesh : ObjectKind.Empty, parent, V(rng), Q(rng), new Vector3d(1, 1, 1), true,
            mesh ? new string?[] { materials[rng.Next(2)].Uuid } : Array.Empty<string?>(), mesh ? meshes[rng.Next(2)].Uuid : null);
    }

    /// <summary>The base with random edits. Parents only ever point to an earlier object, so no cycle can form.</summary>
    private static Scene Drift(Scene scene, Random rng, string tag)
    {
        var objects = scene.Objects.ToList();
        for (int step = rng.Next(0, 6); step > 0; step--)
        {
            int i = rng.Next(objects.Count + 1);
            if (i == objects.Count) { objects.Add(NewObject(rng, tag + step, objects, scene.Meshes.ToArray(), scene.Materials.ToArray())); continue; }
            var o = objects[i];
            switch (rng.Next(7))
            {
                case 0: objects[i] = o with { Translation = V(rng), Rotation = Q(rng) }; break;
                case 1: objects[i] = o with { Name = o.Name + tag }; break;
                case 2: objects[i] = o with { Visible = !o.Visible }; break;
                case 3: objects[i] = o with { Parent = i > 0 && rng.Next(2) == 0 ? objects[rng.Next(i)].Uuid : null }; break;
                case 4 when o.Materials.Count == 1: objects[i] = o with { Materials = new string?[] { scene.Materials[rng.Next(2)].Uuid } }; break;
                case 5 when objects.All(c => c.Parent != o.Uuid): objects.RemoveAt(i); break;
                case 6 when o.Mesh != null: objects[i] = o with { Mesh = scene.Meshes[rng.Next(2)].Uuid }; break;
            }
        }
        var materials = scene.Materials.Select(m => rng.Next(3) == 0 ? m with { Roughness = Math.Round(rng.NextDouble(), 3) } : m).ToArray();
        return new Scene(objects, materials, scene.Meshes);
    }
}
