using FsCheck;
using FsCheck.Xunit;
using VibeSync.Protocol.State;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

public sealed class ValidationTests
{
    private static IntentRefusedException Refused(RealityScene s, Actor actor, params string[] ops) =>
        Assert.Throws<IntentRefusedException>(() => IntentValidator.Apply(s, Intent(ops), actor));

    private static string Op(string op, string uuid, string rest = "") => $"{{\"op\": \"{op}\", \"uuid\": \"{uuid}\"{(rest.Length > 0 ? ", " + rest : "")}}}";

    [Fact]
    public void a_valid_intent_yields_the_new_reality_and_leaves_the_old_one_alone()
    {
        var before = Initial();
        var after = IntentValidator.Apply(before, Intent(Op("set_transform", Cube, "\"translation\": [1, 2, 3]"), Op("rename", Cube, "\"name\": \"Box\"")), Human);
        Assert.Equal(new Vector3d(1, 2, 3), after.Objects[Cube].Translation);
        Assert.Equal("Box", after.Objects[Cube].Name);
        Assert.Equal(Vector3d.Zero, before.Objects[Cube].Translation);
    }

    [Fact]
    public void an_ordered_list_is_all_or_none()
    {
        var e = Refused(Initial(), Human, Op("set_transform", Cube, "\"translation\": [1, 2, 3]"), Op("rename", Fresh, "\"name\": \"x\""));
        Assert.Equal(IntentErrorCode.UnknownUuid, e.Code);
        Assert.Equal("operations[1].uuid", e.Path);
    }

    [Fact]
    public void a_parent_change_that_makes_a_cycle_is_refused()
    {
        var e = Refused(Initial(), Human, Op("set_parent", Root, $"\"parent\": \"{Grandchild}\""));
        Assert.Equal(IntentErrorCode.Cycle, e.Code);
        Assert.Equal(IntentErrorCode.Cycle, Refused(Initial(), Human, Op("set_parent", Root, $"\"parent\": \"{Root}\"")).Code);
    }

    [Fact]
    public void set_mesh_points_a_mesh_object_at_an_existing_mesh_or_one_created_before_it_in_the_intent()
    {
        const string Other = "00000000-0000-4000-8000-0000000000b2";
        var created = $"{{\"op\": \"create_mesh\", \"uuid\": \"{Other}\", \"positions\": [[0, 0, 0], [2, 0, 0], [0, 2, 0]], \"triangles\": [[0, 1, 2]]}}";
        var after = IntentValidator.Apply(Initial(), Intent(created, Op("set_mesh", Cube, $"\"mesh\": \"{Other}\"")), Human);
        Assert.Equal(Other, after.Objects[Cube].Mesh);
        Assert.Equal(new string?[] { Red }, after.Objects[Cube].Materials);
        Assert.False(after.Meshes.ContainsKey(CubeMesh)); // it left with its last user
        Assert.Equal(Other, IntentValidator.Apply(after, Intent(Op("set_mesh", Cube, $"\"mesh\": \"{Other}\"")), Ai).Objects[Cube].Mesh);

        var unknown = Refused(Initial(), Human, Op("set_mesh", Cube, $"\"mesh\": \"{Other}\""));
        Assert.Equal((IntentErrorCode.UnknownUuid, "operations[0].mesh"), (unknown.Code, unknown.Path));
        var inOrder = Refused(Initial(), Human, Op("set_mesh", Cube, $"\"mesh\": \"{Other}\""), created); // created after: too late
        Assert.Equal("operations[0].mesh", inOrder.Path);
        var empty = Refused(Initial(), Human, Op("set_mesh", Root, $"\"mesh\": \"{CubeMesh}\""));
        Assert.Equal((IntentErrorCode.InvalidValue, "operations[0].uuid"), (empty.Code, empty.Path));
        Assert.Equal(IntentErrorCode.UnknownUuid, Refused(Initial(), Human, Op("set_mesh", Fresh, $"\"mesh\": \"{CubeMesh}\"")).Code);
    }

    [Fact]
    public void a_deleted_id_is_tombstoned_and_never_reused()
    {
        var after = IntentValidator.Apply(Initial(), Intent(Op("delete_object", Root, "\"children\": \"delete\"")), Human);
        Assert.False(after.Objects.ContainsKey(Grandchild));
        Assert.Contains(Grandchild, after.Tombstones);
        Assert.Equal(IntentErrorCode.Tombstoned, Refused(after, Human, Op("rename", Child, "\"name\": \"back\"")).Code);
        Assert.Equal(IntentErrorCode.Tombstoned, Refused(after, Human, Op("duplicate_object", Cube, $"\"new_uuid\": \"{Root}\"")).Code);
    }

    [Fact]
    public void deleting_with_reparent_hands_the_children_to_the_grandparent()
    {
        var after = IntentValidator.Apply(Initial(), Intent(Op("delete_object", Child, "\"children\": \"reparent\"")), Human);
        Assert.Equal(Root, after.Objects[Grandchild].Parent);
        Assert.Equal(new[] { Child }, after.Tombstones);
    }

    [Fact]
    public void a_new_id_already_in_use_is_refused()
    {
        Assert.Equal(IntentErrorCode.UuidInUse, Refused(Initial(), Human, Op("duplicate_object", Cube, $"\"new_uuid\": \"{Root}\"")).Code);
    }

    [Fact]
    public void objects_hidden_from_ai_cannot_be_read_into_an_intent_by_ai()
    {
        Assert.Equal(IntentErrorCode.HiddenFromAi, Refused(Initial(), Ai, Op("set_visibility", HiddenLight, "\"visible\": false")).Code);
        Assert.Equal(IntentErrorCode.HiddenFromAi, Refused(Initial(), Ai, Op("set_parent", Cube, $"\"parent\": \"{HiddenLight}\"")).Code);
        IntentValidator.Apply(Initial(), Intent(Op("set_visibility", HiddenLight, "\"visible\": false")), Human); // a human may
    }

    [Fact]
    public void an_ai_deleting_a_subtree_that_holds_a_hidden_object_is_not_refused_but_reaches_it_and_so_waits_for_a_human()
    {
        // A refusal would tell the AI that the subtree holds something it cannot see (issue #16).
        var s = IntentValidator.Apply(Initial(), Intent(Op("set_parent", HiddenLight, $"\"parent\": \"{Child}\"")), Human);
        Assert.True(IntentValidator.Check(s, Intent(Op("delete_object", Root, "\"children\": \"delete\"")), Sight.Ai).ReachesUnseen);
        Assert.False(IntentValidator.Check(Initial(), Intent(Op("delete_object", Root, "\"children\": \"delete\"")), Sight.Ai).ReachesUnseen);
    }

    [Fact]
    public void an_intent_based_on_a_stale_read_is_refused_with_the_current_hashes()
    {
        var s = Initial();
        string read = s.RecordHashOf(Cube)!;
        var moved = IntentValidator.Apply(s, Intent(Op("set_transform", Cube, "\"translation\": [5, 0, 0]")), Human);
        var intent = OperationReader.Read($"{{\"operations\": [{Op("rename", Cube, "\"name\": \"x\"")}], \"based_on\": {{\"{Cube}\": \"{read}\"}}}}");
        IntentValidator.Apply(s, intent, Ai); // against the Reality it read: fine
        var e = Assert.Throws<IntentRefusedException>(() => IntentValidator.Apply(moved, intent, Ai));
        Assert.Equal(IntentErrorCode.Stale, e.Code);
        Assert.Equal(moved.RecordHashOf(Cube), e.CurrentHashes[Cube]);
    }

    [Fact]
    public void kind_rules_hold_for_created_objects_and_material_slots()
    {
        Assert.Equal(IntentErrorCode.MissingField, Refused(Initial(), Human, "{\"op\": \"create_object\", \"uuid\": \"" + Fresh + "\", \"name\": \"M\", \"kind\": \"mesh\", \"parent\": null, \"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1]}").Code);
        Assert.Equal(IntentErrorCode.InvalidValue, Refused(Initial(), Human, Op("assign_material", Root, $"\"slot\": 0, \"material\": \"{Red}\"")).Code);
        Assert.Equal(IntentErrorCode.InvalidValue, Refused(Initial(), Human, Op("assign_material", Cube, $"\"slot\": 5, \"material\": \"{Red}\"")).Code);
        var after = IntentValidator.Apply(Initial(), Intent(Op("assign_material", Cube, "\"slot\": 1, \"material\": null")), Human);
        Assert.Equal(new string?[] { Red, null }, after.Objects[Cube].Materials);
    }

    private static string Instance(string uuid, string prefab, string? parent) =>
        "{\"op\": \"instantiate_prefab\", \"uuid\": \"" + uuid + "\", \"prefab\": \"" + prefab + "\", \"name\": \"I\", \"parent\": "
        + (parent == null ? "null" : "\"" + parent + "\"") + ", \"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1]}";

    [Fact]
    public void a_prefab_instance_cannot_nest_inside_an_instance_of_the_same_prefab()
    {
        const string Outer = "00000000-0000-4000-8000-0000000000c1", Inner = "00000000-0000-4000-8000-0000000000c2", Other = "00000000-0000-4000-8000-0000000000c3";
        var s = IntentValidator.Apply(Initial(), Intent(Instance(Outer, "props/crate", Root), Instance(Other, "props/barrel", null)), Human);

        var direct = Assert.Throws<IntentRefusedException>(() => IntentValidator.Apply(s, Intent(Instance(Inner, "props/crate", Outer)), Human));
        Assert.Equal((IntentErrorCode.Nesting, "operations[0].prefab"), (direct.Code, direct.Path));
        var deeper = IntentValidator.Apply(s, Intent(Instance(Inner, "props/crate", Child)), Human); // a sibling subtree: fine
        var moved = Assert.Throws<IntentRefusedException>(() => IntentValidator.Apply(deeper, Intent(Op("set_parent", Child, $"\"parent\": \"{Outer}\"")), Human));
        Assert.Equal(IntentErrorCode.Nesting, moved.Code); // moving a subtree that holds a crate under a crate
        var swapped = Assert.Throws<IntentRefusedException>(() =>
            IntentValidator.Apply(IntentValidator.Apply(s, Intent(Op("set_parent", Other, $"\"parent\": \"{Outer}\"")), Human), Intent(Op("replace_asset", Other, "\"asset\": \"props/crate\"")), Human));
        Assert.Equal(IntentErrorCode.Nesting, swapped.Code);
        IntentValidator.Apply(s, Intent(Instance(Inner, "props/barrel", Outer)), Human); // another prefab nests fine
    }

    [Property(MaxTest = 300)]
    public bool no_sequence_of_accepted_parent_changes_makes_a_cycle(int seed)
    {
        var r = new Random(seed);
        var ids = new[] { Root, Child, Grandchild, Cube, Fresh };
        var s = IntentValidator.Apply(Initial(), Intent("{\"op\": \"create_object\", \"uuid\": \"" + Fresh + "\", \"name\": \"F\", \"kind\": \"empty\", \"parent\": null, \"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1]}"), Human);
        for (int i = 0; i < 20; i++)
        {
            var parent = r.Next(4) == 0 ? "null" : $"\"{ids[r.Next(ids.Length)]}\"";
            try { s = IntentValidator.Apply(s, Intent(Op("set_parent", ids[r.Next(ids.Length)], $"\"parent\": {parent}")), Human); }
            catch (IntentRefusedException e) when (e.Code == IntentErrorCode.Cycle) { }
        }
        foreach (var o in s.Objects.Values)
        {
            var seen = new HashSet<string>();
            for (string? at = o.Uuid; at != null; at = s.Objects[at].Parent)
                if (!seen.Add(at)) return false;
        }
        return true;
    }
}
