using VibeSync.Intents.Authority;
using VibeSync.Protocol.Intents;
using VibeSync.Protocol.State;

namespace VibeSync.Intents.Tests;

/// <summary>
/// The AI boundary (DESIGN §8) at the validator and admission: an AI actor can neither name a
/// record it may not see nor learn that one exists. A record it may not see answers exactly as a
/// record that does not exist: same code, same path, same sentence (the uuid aside).
/// </summary>
public sealed class AiBoundaryTests
{
    // Visible: Root > Child; Cube (mesh CubeMesh, slots Red and Silver); Crate (mesh CrateMesh).
    // Hidden: h-Statue (mesh StatueMesh, slots Gold and Silver), Plinth under it (no h- of its own),
    // h-Gem under the visible Child. Silver is shared by the Cube and the hidden Statue.
    public const string Root = "00000000-0000-4000-8000-000000000001";
    public const string Child = "00000000-0000-4000-8000-000000000002";
    public const string Cube = "00000000-0000-4000-8000-000000000004";
    public const string Crate = "00000000-0000-4000-8000-000000000005";
    public const string Statue = "h-00000000-0000-4000-8000-000000000006";
    public const string Plinth = "00000000-0000-4000-8000-000000000007";
    public const string Gem = "h-00000000-0000-4000-8000-000000000008";
    public const string Red = "00000000-0000-4000-8000-0000000000a1";
    public const string Gold = "00000000-0000-4000-8000-0000000000a2";
    public const string Silver = "00000000-0000-4000-8000-0000000000a3";
    public const string CubeMesh = "00000000-0000-4000-8000-0000000000b1";
    public const string CrateMesh = "00000000-0000-4000-8000-0000000000b2";
    public const string StatueMesh = "00000000-0000-4000-8000-0000000000b3";
    public const string Nowhere = "00000000-0000-4000-8000-00000000dead";
    public const string HiddenNowhere = "h-00000000-0000-4000-8000-00000000dead";
    public const string Fresh = "00000000-0000-4000-8000-0000000000f1";

    private static readonly Actor Ai = new(ActorKind.Ai, "claude");
    private static readonly Actor Human = new(ActorKind.Human, "blender");

    private static SceneObject Obj(string uuid, string? parent, string? mesh = null, params string?[] slots) =>
        new(uuid, "n" + uuid[^2..], mesh == null ? ObjectKind.Empty : ObjectKind.Mesh, parent, Vector3d.Zero, Quaterniond.Identity, Vector3d.One, true, slots, mesh);

    private static Mesh Tri(string uuid, double x) => InlineMesh.ToRecord(uuid, new[] { new Vector3d(x, 0, 0), new Vector3d(1, 0, 0), new Vector3d(0, 1, 0) }, new[] { new Triangle(0, 1, 2) }, null, null);

    private static Material Mat(string uuid) => new(uuid, "m" + uuid[^2..], new Vector4d(1, 0, 0, 1), 0, 0.5, Vector3d.Zero);

    internal static RealityScene World() => RealityScene.From(new Scene(
        new[]
        {
            Obj(Root, null), Obj(Child, Root), Obj(Cube, null, CubeMesh, Red, Silver), Obj(Crate, null, CrateMesh),
            Obj(Statue, null, StatueMesh, Gold, Silver), Obj(Plinth, Statue), Obj(Gem, Child),
        },
        new[] { Mat(Red), Mat(Gold), Mat(Silver) },
        new[] { Tri(CubeMesh, 0), Tri(CrateMesh, 2), Tri(StatueMesh, 7) }));

    private static IntentRequest Intent(string operations, string? basedOn = null) =>
        OperationReader.Read("{\"operations\": [" + operations + "]" + (basedOn == null ? "" : ", \"based_on\": " + basedOn) + ", \"rationale\": \"why\"}");

    /// <summary>The refusal (code, path, sentence with the uuid written as U), or "admitted".</summary>
    private static string Answer(RealityScene s, string template, string uuid, Actor? actor = null, string? basedOn = null)
    {
        try
        {
            IntentValidator.Apply(s, Intent(template.Replace("U", uuid), basedOn?.Replace("U", uuid)), actor ?? Ai);
            return "admitted";
        }
        catch (IntentRefusedException e) { return AiBoundaryProperties.Refusal(e, uuid); }
    }

    private static void SameAsNothing(string template, string hidden, string? basedOn = null)
    {
        var s = World();
        string nothing = VibeSyncId.IsHidden(hidden) ? HiddenNowhere : Nowhere;
        var asHidden = Answer(s, template, hidden, basedOn: basedOn);
        Assert.NotEqual("admitted", asHidden);
        Assert.Equal(Answer(s, template, nothing, basedOn: basedOn), asHidden);
    }

    [Fact]
    public void a_material_only_a_hidden_object_uses_cannot_be_assigned_by_an_ai_and_answers_as_a_material_that_does_not_exist()
    {
        SameAsNothing($"{{\"op\": \"assign_material\", \"uuid\": \"{Cube}\", \"slot\": 0, \"material\": \"U\"}}", Gold);
        SameAsNothing("{\"op\": \"set_material_params\", \"uuid\": \"U\", \"metallic\": 1}", Gold);
        SameAsNothing("{\"op\": \"rename\", \"uuid\": \"U\", \"name\": \"Mine\"}", Gold);
    }

    [Fact]
    public void a_material_a_hidden_object_shares_with_a_visible_one_is_kept_from_ai_too()
    {
        // Were it visible, taking it off the Cube would make it vanish from the AI's view exactly
        // when a hidden object still uses it: an oracle. Kept from AI as long as a hidden object uses it.
        SameAsNothing($"{{\"op\": \"assign_material\", \"uuid\": \"{Crate}\", \"slot\": 0, \"material\": \"U\"}}", Silver);
    }

    [Fact]
    public void a_mesh_only_a_hidden_object_uses_cannot_become_a_new_objects_mesh_or_be_replaced_by_an_ai()
    {
        SameAsNothing($"{{\"op\": \"create_object\", \"uuid\": \"{Fresh}\", \"name\": \"Copy\", \"kind\": \"mesh\", \"parent\": null, \"translation\": [0, 0, 0], " +
            "\"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1], \"mesh\": \"U\"}", StatueMesh);
        SameAsNothing("{\"op\": \"replace_mesh\", \"uuid\": \"U\", \"positions\": [[0, 0, 0], [1, 0, 0], [0, 1, 0]], \"triangles\": [[0, 1, 2]]}", StatueMesh);
        SameAsNothing($"{{\"op\": \"set_mesh\", \"uuid\": \"{Crate}\", \"mesh\": \"U\"}}", StatueMesh);
        SameAsNothing($"{{\"op\": \"set_mesh\", \"uuid\": \"U\", \"mesh\": \"{CrateMesh}\"}}", Plinth);
        SameAsNothing($"{{\"op\": \"create_object\", \"uuid\": \"{Fresh}\", \"name\": \"Copy\", \"kind\": \"mesh\", \"parent\": null, \"translation\": [0, 0, 0], " +
            $"\"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1], \"mesh\": \"{CrateMesh}\", \"materials\": [\"U\"]}}", Gold);
    }

    [Fact]
    public void an_object_under_a_hidden_parent_is_unknown_to_an_ai_as_target_and_as_parent()
    {
        SameAsNothing("{\"op\": \"set_transform\", \"uuid\": \"U\", \"translation\": [1, 0, 0]}", Plinth);
        SameAsNothing($"{{\"op\": \"set_parent\", \"uuid\": \"{Cube}\", \"parent\": \"U\"}}", Plinth);
        SameAsNothing($"{{\"op\": \"create_object\", \"uuid\": \"{Fresh}\", \"name\": \"Lamp\", \"kind\": \"empty\", \"parent\": \"U\", \"translation\": [0, 0, 0], " +
            "\"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1]}", Plinth);
        SameAsNothing($"{{\"op\": \"duplicate_object\", \"uuid\": \"U\", \"new_uuid\": \"{Fresh}\"}}", Plinth);
        SameAsNothing("{\"op\": \"delete_object\", \"uuid\": \"U\", \"children\": \"delete\"}", Plinth);
    }

    [Fact]
    public void an_h_id_is_refused_for_its_prefix_alone_whether_or_not_such_a_record_exists()
    {
        SameAsNothing("{\"op\": \"set_visibility\", \"uuid\": \"U\", \"visible\": false}", Statue);
        SameAsNothing($"{{\"op\": \"set_parent\", \"uuid\": \"{Cube}\", \"parent\": \"U\"}}", Gem);
        SameAsNothing($"{{\"op\": \"duplicate_object\", \"uuid\": \"{Cube}\", \"new_uuid\": \"U\"}}", Gem);
        Assert.StartsWith("HIDDEN_FROM_AI", Answer(World(), "{\"op\": \"set_visibility\", \"uuid\": \"U\", \"visible\": false}", Statue));
    }

    [Fact]
    public void a_based_on_key_naming_a_hidden_record_reads_as_a_deleted_one()
    {
        const string hash = "\"0000000000000000000000000000000000000000000000000000000000000000\"";
        SameAsNothing($"{{\"op\": \"set_transform\", \"uuid\": \"{Cube}\", \"translation\": [1, 0, 0]}}", Plinth, basedOn: $"{{\"U\": {hash}}}");
        SameAsNothing($"{{\"op\": \"set_transform\", \"uuid\": \"{Cube}\", \"translation\": [1, 0, 0]}}", Gold, basedOn: $"{{\"U\": {hash}}}");
        SameAsNothing($"{{\"op\": \"set_transform\", \"uuid\": \"{Cube}\", \"translation\": [1, 0, 0]}}", Statue, basedOn: $"{{\"U\": {hash}}}");
    }

    [Fact]
    public void an_ai_deleting_a_visible_object_with_a_hidden_child_is_not_refused_in_a_way_that_names_it()
    {
        // Refusing it would tell the AI that Child has a child it cannot see; admitting it would let
        // the AI delete (or move) a hidden object. It is valid, and it waits for a human (below).
        var s = World();
        Assert.Equal("admitted", Answer(s, "{\"op\": \"delete_object\", \"uuid\": \"U\", \"children\": \"delete\"}", Root));
        Assert.Equal("admitted", Answer(s, "{\"op\": \"delete_object\", \"uuid\": \"U\", \"children\": \"reparent\"}", Child));
    }

    [Fact]
    public void an_ai_delete_waits_for_a_human_whatever_the_trust_mode_so_a_hidden_child_is_never_moved_or_deleted_by_an_ai_alone()
    {
        var everything = new TrustMode(IntentClass.Destructive);
        foreach (var children in new[] { "delete", "reparent" })
            foreach (var target in new[] { Child, Crate }) // with a hidden child, and without: the same answer
            {
                var decision = Admission.Decide(Intent($"{{\"op\": \"delete_object\", \"uuid\": \"{target}\", \"children\": \"{children}\"}}"), Ai, everything, new LockTable(), panic: false);
                Assert.Equal(AdmissionOutcome.AwaitApproval, decision.Outcome);
                Assert.DoesNotContain(Gem, decision.Reason);
            }
        // A human's delete is admitted as before.
        Assert.Equal(AdmissionOutcome.Admit, Admission.Decide(Intent($"{{\"op\": \"delete_object\", \"uuid\": \"{Child}\", \"children\": \"reparent\"}}"), Human, everything, new LockTable(), false).Outcome);
    }

    [Fact]
    public void a_human_still_names_every_record()
    {
        var s = World();
        Assert.Equal("admitted", Answer(s, $"{{\"op\": \"assign_material\", \"uuid\": \"{Cube}\", \"slot\": 0, \"material\": \"U\"}}", Gold, Human));
        Assert.Equal("admitted", Answer(s, "{\"op\": \"set_transform\", \"uuid\": \"U\", \"translation\": [1, 0, 0]}", Plinth, Human));
        Assert.Equal("admitted", Answer(s, "{\"op\": \"set_visibility\", \"uuid\": \"U\", \"visible\": false}", Statue, Human));
    }

    [Fact]
    public void what_an_ai_sees_is_a_valid_scene_without_hidden_objects_their_subtrees_or_what_they_use()
    {
        var view = AiVisibility.View(World());
        Assert.Equal(new[] { Root, Child, Cube, Crate }, view.Objects.Select(o => o.Uuid).ToArray());
        Assert.Equal(new[] { Red }, view.Materials.Select(m => m.Uuid).ToArray());
        Assert.Equal(new[] { CubeMesh, CrateMesh }, view.Meshes.Select(m => m.Uuid).ToArray());
        Assert.Equal(new string?[] { Red, null }, view.Objects.Single(o => o.Uuid == Cube).Materials); // Silver, which the Statue shares, reads as an empty slot
        // Valid: it round-trips through the strict reader and hashes; its record hashes are the AI's based_on.
        var text = VibeSync.Protocol.SceneJson.SceneJsonWriter.Write(view, VibeSync.Protocol.Spaces.Space.Canonical);
        var back = VibeSync.Protocol.SceneJson.SceneJsonReader.ReadCanonical(text, VibeSync.Protocol.Spaces.Space.Canonical);
        Assert.Equal(VibeSync.Protocol.Hashing.SceneHasher.RootHex(view), VibeSync.Protocol.Hashing.SceneHasher.RootHex(back));
        Assert.Equal(VibeSync.Protocol.Hashing.Hex.Encode(VibeSync.Protocol.Hashing.RecordHash.Of(view.Objects.Single(o => o.Uuid == Cube))), AiVisibility.RecordHashOf(World(), Cube));
        Assert.Null(AiVisibility.RecordHashOf(World(), Plinth));
    }

    [Fact]
    public void the_geometry_of_a_deleted_hidden_object_never_surfaces()
    {
        var s = IntentValidator.Apply(World(), Intent($"{{\"op\": \"delete_object\", \"uuid\": \"{Statue}\", \"children\": \"delete\"}}"), Human);
        Assert.False(s.Meshes.ContainsKey(StatueMesh)); // a mesh leaves Reality with its last user
        Assert.DoesNotContain(AiVisibility.View(s).Meshes, m => m.Uuid == StatueMesh);
        Assert.DoesNotContain(AiVisibility.View(s).Materials, m => m.Uuid == Gold);
        // And its tombstones are unknown to an AI, while a deleted visible object's is TOMBSTONED.
        Assert.Equal(Answer(s, "{\"op\": \"set_transform\", \"uuid\": \"U\", \"translation\": [1, 0, 0]}", Nowhere), Answer(s, "{\"op\": \"set_transform\", \"uuid\": \"U\", \"translation\": [1, 0, 0]}", Plinth));
        var t = IntentValidator.Apply(s, Intent($"{{\"op\": \"delete_object\", \"uuid\": \"{Crate}\", \"children\": \"delete\"}}"), Human);
        Assert.StartsWith("TOMBSTONED", Answer(t, "{\"op\": \"set_transform\", \"uuid\": \"U\", \"translation\": [1, 0, 0]}", Crate));
    }

    [Fact]
    public void an_object_that_comes_to_share_its_mesh_with_a_hidden_one_is_hidden_with_its_subtree()
    {
        // A human makes a hidden linked duplicate of the Crate: the Crate's geometry is now a hidden object's.
        var s = IntentValidator.Apply(World(), Intent($"{{\"op\": \"set_parent\", \"uuid\": \"{Root}\", \"parent\": \"{Crate}\"}}, " +
            $"{{\"op\": \"duplicate_object\", \"uuid\": \"{Crate}\", \"new_uuid\": \"h-{Fresh}\"}}"), Human);
        var view = AiVisibility.View(s);
        Assert.DoesNotContain(view.Objects, o => o.Uuid is Crate or Root or Child);
        Assert.DoesNotContain(view.Meshes, m => m.Uuid == CrateMesh);
    }

    [Fact]
    public void nothing_an_ai_does_makes_a_shared_material_vanish_from_its_view()
    {
        // The AI empties the Cube's first slot: Red, which only visible objects ever used, leaves
        // with its last user — what the AI's own view already told it. Silver, which the hidden
        // Statue shares, was concealed before and stays so (the Cube's second slot reads empty):
        // emptying that slot changes nothing the AI can see, whether or not the Statue holds it.
        var s = IntentValidator.Apply(World(), Intent($"{{\"op\": \"assign_material\", \"uuid\": \"{Cube}\", \"slot\": 0, \"material\": null}}"), Ai);
        Assert.DoesNotContain(AiVisibility.View(s).Materials, m => m.Uuid == Red);
        Assert.Empty(AiVisibility.View(s).Materials);
        var t = IntentValidator.Apply(World(), Intent($"{{\"op\": \"assign_material\", \"uuid\": \"{Cube}\", \"slot\": 1, \"material\": null}}"), Ai);
        Assert.Equal(AiVisibility.View(World()).Materials.Select(m => m.Uuid), AiVisibility.View(t).Materials.Select(m => m.Uuid));
        Assert.True(t.Materials.ContainsKey(Silver)); // the Statue still holds it
    }
}
