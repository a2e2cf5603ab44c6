using System.Text;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.State;
using VibeSync.Unity.Adapter;
using VibeSync.Unity.Meshes;
using VibeSync.Unity.Simulator;

namespace VibeSync.Unity.Tests;

/// <summary>
/// The Unity core against the simulator, in process: every operation of the intent engine applied
/// provisionally, read back as asked, and rolled back to exactly the prior stored values.
/// </summary>
public sealed class ApplyRollbackTests
{
    private const string Camera = "5a1d0000-0000-4000-8000-000000000001";
    private const string Light = "5a1d0000-0000-4000-8000-000000000002";
    private const string Rig = "5a1d0000-0000-4000-8000-000000000003";
    private const string Cube = "5a1d0000-0000-4000-8000-000000000004";
    private const string Red = "5a1d0000-0000-4000-8000-0000000000a1";
    private const string Tri = "5a1d0000-0000-4000-8000-0000000000b1";
    private const string New = "7a0c5e0e-1111-4222-8333-444455556666";

    private readonly SimScene _scene = SimScene.Load(SimHost.DefaultScene);
    private readonly UnityAdapter _adapter;

    public ApplyRollbackTests()
    {
        _adapter = new UnityAdapter(_scene);
        _adapter.Attach();
    }

    private string Dump() => SimDump.Of(_scene);

    private (byte Type, string Body) Apply(ulong intent, string operations) =>
        _adapter.Apply(JsonFields.AsObject(JsonParser.Parse($"{{\"intent\": {intent}, \"operations\": {operations}}}"), "apply"));

    private SceneObject? Read(string id) => _adapter.Canonical(new HashSet<string> { id }).Objects.SingleOrDefault();

    private void RoundTrip(string operations, Action check)
    {
        var before = Dump();
        var (type, body) = Apply(1, operations);
        Assert.True(type == MessageType.Applied, body);
        check();
        Assert.NotEqual(before, Dump());
        Assert.Equal(MessageType.Ack, _adapter.Rollback(1).Type);
        Assert.Equal(before, Dump());
    }

    [Fact]
    public void a_second_apply_of_a_provisional_intent_extends_it_and_rollback_undoes_both()
    {
        // The orchestrator coalesces the steps of a drag into one intent and applies each as it comes.
        var before = Dump();
        foreach (var x in new[] { 1, 2, 3 })
        {
            var (type, body) = Apply(7, $"[{{\"op\": \"set_transform\", \"uuid\": \"{Cube}\", \"translation\": [{x}, 0, 0]}}]");
            Assert.True(type == MessageType.Applied, body);
        }
        Assert.Equal(MessageType.Applied, Apply(7, $"[{{\"op\": \"set_visibility\", \"uuid\": \"{Light}\", \"visible\": false}}]").Type);
        Assert.Equal(3, Read(Cube)!.Translation.X);
        Assert.Single(_adapter.ProvisionalIntents);
        Assert.Equal(MessageType.Ack, _adapter.Rollback(7).Type);
        Assert.Equal(before, Dump());
    }

    [Fact]
    public void a_material_and_a_mesh_created_for_a_new_object_are_removed_by_rollback_and_kept_by_finalize()
    {
        const string mat = "7a0c5e0e-1111-4222-8333-4444555566a1", mesh = "7a0c5e0e-1111-4222-8333-4444555566b1";
        string ops = $"[{{\"op\": \"create_material\", \"uuid\": \"{mat}\", \"name\": \"Teal\", \"base_color\": [0, 0.5, 0.5, 1], \"metallic\": 0.1, \"roughness\": 0.7, \"emission\": [0, 0, 0]}}, " +
                     $"{{\"op\": \"create_mesh\", \"uuid\": \"{mesh}\", \"positions\": [[0, 0, 0], [1, 0, 0], [0, 1, 0]], \"triangles\": [[0, 1, 2]], \"uv0\": [[0, 0], [1, 0], [0, 1]]}}, " +
                     $"{{\"op\": \"create_object\", \"uuid\": \"{New}\", \"name\": \"Tile\", \"kind\": \"mesh\", \"parent\": null, \"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1], \"mesh\": \"{mesh}\", \"materials\": [\"{mat}\"]}}]";
        RoundTrip(ops, () =>
        {
            var scene = _adapter.Canonical();
            Assert.Equal("Teal", scene.Materials.Single(m => m.Uuid == mat).Name);
            var created = scene.Meshes.Single(m => m.Uuid == mesh);
            var arrays = MeshRecords.Decode(created, _adapter.Meshes);
            Assert.Equal(new float[] { 1, 0, 0 }, arrays.Positions[3..6]); // canonical again, after Unity's mirrored storage
            Assert.Equal(new uint[] { 0, 1, 2 }, arrays.Primitives.Single().Indices);
            Assert.Equal(mesh, Read(New)!.Mesh);
        });
        Assert.Equal(MessageType.Applied, Apply(2, ops).Type);
        Assert.Equal(MessageType.Ack, _adapter.Finalize(JsonFields.AsObject(JsonParser.Parse("{\"intents\": [2]}"), "finalize")).Type);
        Assert.Contains(_adapter.Canonical().Materials, m => m.Uuid == mat);
        var again = Apply(3, $"[{{\"op\": \"create_material\", \"uuid\": \"{mat}\", \"name\": \"Teal\", \"base_color\": [0, 0.5, 0.5, 1], \"metallic\": 0.1, \"roughness\": 0.7, \"emission\": [0, 0, 0]}}]");
        Assert.Equal(MessageType.Error, again.Type);
        Assert.Contains("UUID_IN_USE", again.Body);
    }

    [Fact]
    public void set_transform_on_a_camera_child_and_a_plain_object()
    {
        RoundTrip($"[{{\"op\": \"set_transform\", \"uuid\": \"{Cube}\", \"translation\": [1, 2, 3], \"rotation\": [0, 0.6, 0, 0.8], \"scale\": [2, 2, 2]}}]", () =>
        {
            var c = Read(Cube)!;
            Assert.Equal(new Vector3d(1, 2, 3), c.Translation);
            Assert.Equal(0.6, c.Rotation.Y, 6);
        });
    }

    [Fact]
    public void visibility_rename_and_material_params() =>
        RoundTrip($"[{{\"op\": \"set_visibility\", \"uuid\": \"{Light}\", \"visible\": false}}, {{\"op\": \"rename\", \"uuid\": \"{Cube}\", \"name\": \"Box\"}}, " +
                  $"{{\"op\": \"rename\", \"uuid\": \"{Red}\", \"name\": \"Paint\"}}, {{\"op\": \"set_material_params\", \"uuid\": \"{Red}\", \"roughness\": 0.25, \"base_color\": [0, 1, 0, 1]}}]", () =>
        {
            Assert.False(Read(Light)!.Visible);
            Assert.Equal("Box", Read(Cube)!.Name);
            var m = _adapter.Canonical(new HashSet<string> { Red }).Materials.Single();
            Assert.Equal(("Paint", 0.25), (m.Name, m.Roughness));
        });

    [Fact]
    public void assign_material_and_set_parent() =>
        RoundTrip($"[{{\"op\": \"assign_material\", \"uuid\": \"{Cube}\", \"slot\": 1, \"material\": \"{Red}\"}}, {{\"op\": \"set_parent\", \"uuid\": \"{Cube}\", \"parent\": \"{Camera}\"}}]", () =>
        {
            Assert.Equal(new string?[] { Red, Red }, Read(Cube)!.Materials);
            Assert.Equal(Camera, Read(Cube)!.Parent);
        });

    [Fact]
    public void create_instantiate_duplicate_and_replace_asset() =>
        RoundTrip($"[{{\"op\": \"create_object\", \"uuid\": \"{New}\", \"name\": \"Lamp\", \"kind\": \"light\", \"parent\": \"{Rig}\", \"translation\": [0, 1, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1]}}, " +
                  $"{{\"op\": \"instantiate_prefab\", \"uuid\": \"{New[..^1]}7\", \"prefab\": \"props/crate\", \"name\": \"Crate\", \"parent\": null, \"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1]}}, " +
                  $"{{\"op\": \"replace_asset\", \"uuid\": \"{New[..^1]}7\", \"asset\": \"props/barrel\"}}, " +
                  $"{{\"op\": \"duplicate_object\", \"uuid\": \"{Cube}\", \"new_uuid\": \"{New[..^1]}8\", \"name\": \"Cube 2\"}}]", () =>
        {
            Assert.Equal((ObjectKind.Light, Rig), (Read(New)!.Kind, Read(New)!.Parent));
            Assert.Equal(new Vector3d(0, 1, 0), Read(New)!.Translation);
            Assert.Equal("props/barrel", _scene.Named("Crate")!.Prefab);
            Assert.Equal(Read(Cube)!.Mesh, Read(New[..^1] + "8")!.Mesh);
        });

    [Fact]
    public void delete_a_subtree_and_delete_with_reparenting()
    {
        RoundTrip($"[{{\"op\": \"delete_object\", \"uuid\": \"{Rig}\", \"children\": \"delete\"}}]", () => { Assert.Null(Read(Rig)); Assert.Null(Read(Cube)); });
        RoundTrip($"[{{\"op\": \"delete_object\", \"uuid\": \"{Rig}\", \"children\": \"reparent\"}}]", () => { Assert.Null(Read(Rig)); Assert.Null(Read(Cube)!.Parent); });
    }

    [Fact]
    public void a_delete_that_reparents_the_children_never_comes_back_as_their_set_parent()
    {
        // The children an AI's delete_object moves up a level are the intent's doing, not a human's:
        // the chaos soak saw them come back as set_parent edits (seed 2026, step #299).
        var (type, body) = Apply(1, $"[{{\"op\": \"delete_object\", \"uuid\": \"{Rig}\", \"children\": \"reparent\"}}]");
        Assert.True(type == MessageType.Applied, body);
        Assert.Null(Read(Cube)!.Parent);
        Assert.Null(_adapter.Tick());
        Assert.Equal(MessageType.Ack, _adapter.Finalize(JsonFields.AsObject(JsonParser.Parse("{\"intents\": [1]}"), "finalize")).Type);
        Assert.Null(_adapter.Tick());
    }

    [Fact]
    public void the_observed_hashes_of_a_delete_that_reparents_cover_the_children_it_moved()
    {
        var sent = new List<(byte Type, string Json)>();
        _adapter.Send = (t, j) => { sent.Add((t, j)); return true; };
        Apply(1, $"[{{\"op\": \"delete_object\", \"uuid\": \"{Rig}\", \"children\": \"reparent\"}}]");
        _adapter.Tick();
        var observed = sent.Single(s => s.Type == MessageType.Observed).Json;
        Assert.Contains($"\"{Cube}\": \"{Hex.Encode(RecordHash.Of(Read(Cube)!))}\"", observed);
    }

    [Fact]
    public void an_apply_is_answered_and_observed_only_on_the_session_it_came_on()
    {
        // That session may have ended by the next tick (a domain reload, a reconnect): its route then
        // sends nothing, and nothing of it goes out on the current link.
        var current = new List<byte>();
        var earlier = new List<byte>();
        _adapter.Send = (t, _) => { current.Add(t); return true; };
        var apply = Encoding.UTF8.GetBytes($"{{\"intent\": 4, \"operations\": [{{\"op\": \"set_visibility\", \"uuid\": \"{Cube}\", \"visible\": false}}]}}");
        var answered = new List<byte>();
        _adapter.Answered = (t, _) => answered.Add(t);
        _adapter.Handle(new VibeSync.Protocol.Framing.Frame(MessageType.Apply, 9, 0, apply), (t, _) => { earlier.Add(t); return false; });
        _adapter.Tick();
        Assert.Equal(new[] { MessageType.Applied, MessageType.Observed }, earlier);
        Assert.Empty(current);
        Assert.Empty(answered); // the session did not take it: nothing to trace
        _adapter.Handle(new VibeSync.Protocol.Framing.Frame(MessageType.Apply, 10, 0, apply), (t, _) => true);
        Assert.Equal(new[] { MessageType.Applied }, answered); // what the simulator's --trace-applies prints
    }

    [Fact]
    public void replace_mesh_flips_winding_into_unity_and_back() =>
        RoundTrip($"[{{\"op\": \"replace_mesh\", \"uuid\": \"{Tri}\", \"positions\": [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], \"triangles\": [[0, 1, 2], [0, 2, 3]], \"uv0\": [[0, 0], [1, 0], [0, 1], [1, 1]]}}]", () =>
        {
            var m = MeshRecords.Decode(_adapter.Canonical(new HashSet<string> { Tri }).Meshes.Single(), _adapter.Meshes);
            Assert.Equal(new uint[] { 0, 1, 2, 0, 2, 3 }, m.Primitives.Single().Indices);
            Assert.Equal(new[] { 0, 2, 1, 0, 3, 2 }, _scene.MeshOf(Tri).GetTriangles(0)); // Unity's own winding
        });

    [Fact]
    public void a_half_failing_intent_leaves_nothing_and_bad_operations_are_refused()
    {
        var before = Dump();
        var (type, body) = Apply(1, $"[{{\"op\": \"set_transform\", \"uuid\": \"{Cube}\", \"translation\": [9, 9, 9]}}, {{\"op\": \"set_visibility\", \"uuid\": \"{New}\", \"visible\": false}}]");
        Assert.Equal(MessageType.Error, type);
        Assert.Contains("UNKNOWN_UUID", body);
        foreach (var bad in new[] { $"[{{\"op\": \"exec\", \"uuid\": \"{Cube}\"}}]", $"[{{\"op\": \"set_transform\", \"uuid\": \"{Cube}\", \"translation\": [0, 1e13, 0]}}]",
                                    $"[{{\"op\": \"instantiate_prefab\", \"uuid\": \"{New}\", \"prefab\": \"props/ghost\", \"name\": \"x\", \"parent\": null, \"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1]}}]" })
            Assert.Equal(MessageType.Error, Apply(2, bad).Type);
        Assert.Equal(before, Dump());
        Assert.Empty(_adapter.ProvisionalIntents);
    }

    [Fact]
    public void nothing_is_applied_in_play_mode_and_no_edit_is_reported()
    {
        _scene.State = "play";
        var (type, body) = Apply(1, $"[{{\"op\": \"set_visibility\", \"uuid\": \"{Cube}\", \"visible\": false}}]");
        Assert.Equal(MessageType.Error, type);
        Assert.Contains("BUSY", body);
        _scene.Write(_scene.Named("Cube")! with { LocalPosition = new Vector3d(5, 5, 5) }); // play-mode changes are not edits
        Assert.Null(_adapter.Tick());
    }

    [Fact]
    public void set_mesh_points_the_meshfilter_at_a_mesh_created_before_it_and_rolls_back_exactly() =>
        RoundTrip($"[{{\"op\": \"create_mesh\", \"uuid\": \"{New}\", \"positions\": [[0, 0, 0], [2, 0, 0], [0, 2, 0]], \"triangles\": [[0, 1, 2]]}}, " +
                  $"{{\"op\": \"set_mesh\", \"uuid\": \"{Cube}\", \"mesh\": \"{New}\"}}]", () =>
        {
            Assert.Equal(New, Read(Cube)!.Mesh);
            Assert.Equal(New, _scene.Named("Cube")!.Mesh);
            Assert.Equal(new string?[] { Red }, Read(Cube)!.Materials); // the renderer's materials stay
        });

    [Fact]
    public void set_mesh_to_no_such_mesh_or_on_an_object_without_a_meshfilter_is_refused_and_changes_nothing()
    {
        var before = Dump();
        var (type, body) = Apply(1, $"[{{\"op\": \"set_mesh\", \"uuid\": \"{Cube}\", \"mesh\": \"{New}\"}}]");
        Assert.Equal(MessageType.Error, type);
        Assert.Contains("UNKNOWN_UUID", body);
        (type, body) = Apply(1, $"[{{\"op\": \"set_mesh\", \"uuid\": \"{Light}\", \"mesh\": \"{Tri}\"}}]");
        Assert.Equal(MessageType.Error, type);
        Assert.Contains("INVALID_VALUE", body);
        Assert.Equal(before, Dump());
    }

    [Fact]
    public void a_human_giving_a_meshfilter_another_mesh_is_reported_as_set_mesh_after_that_mesh_is_created()
    {
        _scene.CreateMesh(New); // a mesh asset the orchestrator has not seen, dropped on the Cube's MeshFilter
        _adapter.Meshes.Write(_scene, New, MeshRecords.Decode(_adapter.Canonical().Meshes.Single(m => m.Uuid == Tri), _adapter.Meshes), Array.Empty<string>());
        _scene.Write(_scene.Named("Cube")! with { Mesh = New });
        var edit = _adapter.Tick();
        Assert.NotNull(edit);
        int created = edit!.IndexOf($"\"op\": \"create_mesh\", \"uuid\": \"{New}\"", StringComparison.Ordinal);
        int set = edit.IndexOf($"{{\"op\": \"set_mesh\", \"uuid\": \"{Cube}\", \"mesh\": \"{New}\"}}", StringComparison.Ordinal);
        Assert.True(created >= 0 && set > created, edit);
        _scene.Write(_scene.Named("Cube")! with { Mesh = Tri }); // and back to the mesh it had
        Assert.Contains($"{{\"op\": \"set_mesh\", \"uuid\": \"{Cube}\", \"mesh\": \"{Tri}\"}}", _adapter.Tick());
    }

    [Fact]
    public void human_edits_become_operations_and_the_adapter_own_changes_do_not()
    {
        Apply(1, $"[{{\"op\": \"set_transform\", \"uuid\": \"{Cube}\", \"translation\": [4, 4, 4]}}]");
        Assert.Null(_adapter.Tick()); // our own apply: no echo (OBSERVED goes out, not EDIT)
        _scene.Write(_scene.Named("Rig")! with { Active = false, Name = "Rig 2" });
        var edit = _adapter.Tick();
        Assert.NotNull(edit);
        Assert.Contains($"{{\"op\": \"set_visibility\", \"uuid\": \"{Rig}\", \"visible\": false}}", edit);
        Assert.Contains("\"op\": \"rename\"", edit);
        Assert.Null(_adapter.Tick());
    }

    [Fact]
    public void a_save_writes_the_authoritative_values_and_the_session_keeps_the_provisional_ones()
    {
        Apply(7, $"[{{\"op\": \"set_transform\", \"uuid\": \"{Cube}\", \"translation\": [9, 9, 9]}}]");
        var sent = new List<(byte, string)>();
        _adapter.Send = (t, j) => { sent.Add((t, j)); return true; };
        Assert.Equal(1, _adapter.BeforeSave());
        var saved = Read(Cube)!.Translation; // what Unity would write now
        _adapter.AfterSave();
        Assert.Equal(new Vector3d(-1, 0.5, 2), saved); // the file's (1, 0.5, 2) in Unity space, canonical here
        Assert.Equal(new Vector3d(9, 9, 9), Read(Cube)!.Translation);
        Assert.Contains((ulong)7, _adapter.ProvisionalIntents);
        Assert.Null(_adapter.Tick()); // taking the intent out and back in is not a human edit
    }

    [Fact]
    public void a_selection_under_a_transform_tool_is_a_human_active_lock_until_released()
    {
        var sent = new List<(byte Type, string Json)>();
        _adapter.Send = (t, j) => { sent.Add((t, j)); return true; };
        _adapter.SetHumanActive(new[] { Cube, "5a1d0000-0000-4000-8000-0000000000ff" }); // an unknown ID is ignored
        _adapter.SetHumanActive(new[] { Cube });
        _adapter.SetHumanActive(Array.Empty<string>());
        Assert.Equal(new[]
        {
            (MessageType.HumanActive, $"{{\"uuids\": [\"{Cube}\"], \"active\": true}}"),
            (MessageType.HumanActive, $"{{\"uuids\": [\"{Cube}\"], \"active\": false}}"),
        }, sent.ToArray());
    }

    [Fact]
    public void a_duplicated_game_object_keeps_the_original_id_on_the_original_and_the_copy_gets_a_new_one()
    {
        var cube = _scene.Named("Cube")!;
        var copy = _scene.Duplicate(cube.Handle); // Unity copies the VibeSyncId component with the GameObject
        Assert.Equal(Cube, _scene.Find(copy)!.Id);
        _adapter.Attach();
        Assert.Equal(Cube, _scene.Find(cube.Handle)!.Id);
        var fresh = _scene.Find(copy)!.Id!;
        Assert.NotEqual(Cube, fresh);
        Assert.True(VibeSyncId.IsValid(fresh));
        Assert.Equal(new[] { fresh }, _adapter.Index.Reassigned);
        Assert.Equal(copy, _adapter.Index.HandleOf(fresh));
    }

    [Fact]
    public void a_new_game_object_tagged_human_only_gets_a_hidden_id()
    {
        int secret = _scene.Create(new Hierarchy.UnityObject(0, null, "Secret", ObjectKind.Empty, null, Vector3d.Zero, Quaterniond.Identity, Vector3d.One, true,
            Array.Empty<string?>(), null, null, HumanOnly: true));
        int plain = _scene.Create(new Hierarchy.UnityObject(0, null, "Plain", ObjectKind.Empty, null, Vector3d.Zero, Quaterniond.Identity, Vector3d.One, true,
            Array.Empty<string?>(), null, null));
        _adapter.Attach();
        Assert.StartsWith(VibeSyncId.HiddenPrefix, _scene.Find(secret)!.Id);
        Assert.False(_scene.Find(plain)!.Id!.StartsWith(VibeSyncId.HiddenPrefix, StringComparison.Ordinal));
        Assert.Equal(2, _adapter.Index.Stamped);
    }

    // ---- Unity's behaviour, as the simulator models it (docs/unity.md) -------------------------------

    [Fact]
    public void the_simulator_duplicates_as_unity_instantiates_a_copy_at_the_root_named_clone()
    {
        var cube = _scene.Named("Cube")!;
        var copy = _scene.Find(_scene.Duplicate(cube.Handle))!;
        Assert.Null(copy.Parent); // Object.Instantiate(original) gives no parent, even when the original has one
        Assert.Equal("Cube(Clone)", copy.Name);
        Assert.Equal((cube.LocalPosition, cube.LocalRotation, cube.LocalScale), (copy.LocalPosition, copy.LocalRotation, copy.LocalScale));
        Assert.Equal(Cube, copy.Id); // the VibeSyncId component is copied with the GameObject
    }

    [Fact]
    public void a_duplicate_keeps_the_original_parent_name_and_local_transform_though_instantiate_puts_it_at_the_root()
    {
        var copyId = New[..^1] + "8";
        RoundTrip($"[{{\"op\": \"duplicate_object\", \"uuid\": \"{Cube}\", \"new_uuid\": \"{copyId}\"}}]", () =>
        {
            var original = Read(Cube)!;
            var copy = Read(copyId)!;
            Assert.Equal((Rig, "Cube"), (copy.Parent, copy.Name));
            Assert.Equal(RecordHash.Of(original with { Uuid = copyId }), RecordHash.Of(copy)); // and the same local transform, materials and mesh
            Assert.Equal(Cube, Read(Cube)!.Uuid);
            Assert.Single(_scene.Objects(), o => o.Id == copyId);
        });
    }

    [Fact]
    public void a_handle_of_a_destroyed_game_object_resolves_to_nothing()
    {
        var cube = _scene.Named("Cube")!;
        _scene.Destroy(cube.Handle);
        Assert.Null(_scene.Find(cube.Handle)); // a destroyed UnityEngine.Object equals null
        Assert.Throws<InvalidOperationException>(() => _scene.Write(cube));
        Assert.Throws<InvalidOperationException>(() => _scene.SetId(cube.Handle, New));
        Assert.Throws<InvalidOperationException>(() => _scene.SetPendingDelete(cube.Handle, true));
        _scene.Destroy(cube.Handle); // gone already: nothing happens
        _scene.SetPendingDelete(cube.Handle, false);
        Assert.Throws<InvalidOperationException>(() => _scene.Write(_scene.Named("Directional Light")! with { Parent = cube.Handle }));
    }

    [Fact]
    public void an_intent_on_a_game_object_a_human_destroyed_since_the_last_scan_is_refused_and_changes_nothing()
    {
        _scene.Destroy(_scene.Named("Cube")!.Handle); // in the editor, before the adapter's next tick
        var before = Dump();
        var (type, body) = Apply(1, $"[{{\"op\": \"set_visibility\", \"uuid\": \"{Light}\", \"visible\": false}}, {{\"op\": \"set_transform\", \"uuid\": \"{Cube}\", \"translation\": [1, 1, 1]}}]");
        Assert.Equal(MessageType.Error, type);
        Assert.Contains("UNKNOWN_UUID", body);
        Assert.Equal(before, Dump());
    }

    [Fact]
    public void a_rollback_restores_everything_a_human_left_even_when_a_step_has_lost_its_parent()
    {
        Assert.Equal(MessageType.Applied, Apply(1, $"[{{\"op\": \"set_parent\", \"uuid\": \"{Cube}\", \"parent\": null}}, {{\"op\": \"set_visibility\", \"uuid\": \"{Light}\", \"visible\": false}}]").Type);
        _scene.Destroy(_scene.Named("Rig")!.Handle); // a human deletes the Cube's old parent meanwhile
        Assert.Equal(MessageType.Ack, _adapter.Rollback(1).Type); // Cube cannot go back under a Rig that is gone; the rest is restored
        Assert.True(Read(Light)!.Visible);
        Assert.Null(_scene.Named("Cube")!.Parent);
    }

    // Values Unity holds that VibeSync cannot represent (beyond ±1e12, set in Unity itself: the
    // orchestrator never sends one) are refused where they are met, never a crash of the editor or
    // the simulator (issue #16: a uv0 of 1e13 crashed sim-unity at its OBSERVED hash).

    private List<(byte Type, string Body)> Capture()
    {
        var sent = new List<(byte Type, string Body)>();
        _adapter.Send = (t, j) => { sent.Add((t, j)); return true; };
        return sent;
    }

    private void Handle(byte type, ulong sequence, string json) =>
        _adapter.Handle(new VibeSync.Protocol.Framing.Frame(type, sequence, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void a_read_of_a_mesh_whose_uv_unity_holds_beyond_1e12_is_answered_read_failed()
    {
        var sent = Capture();
        var mesh = _scene.MeshOf(Tri);
        mesh.SetUVs(0, Enumerable.Range(0, 2 * mesh.VertexCount).Select(i => i == 2 ? 1e13f : 0f).ToArray()); // set in Unity itself
        Handle(MessageType.Read, 9, $"{{\"uuids\": [\"{Tri}\", \"{Cube}\"]}}");
        var (type, body) = Assert.Single(sent);
        Assert.Equal(MessageType.Error, type);
        var reply = JsonFields.AsObject(JsonParser.Parse(body), "reply");
        Assert.Equal("READ_FAILED", JsonFields.Text(reply.Get("code")!, "code"));
        Assert.Equal(9, ((JsonNumber)reply.Get("re")!).Value);
    }

    [Fact]
    public void an_applied_intent_whose_records_cannot_be_hashed_sends_no_observed_and_the_tick_goes_on()
    {
        var sent = Capture();
        Handle(MessageType.Apply, 3, $"{{\"intent\": 5, \"operations\": [{{\"op\": \"set_transform\", \"uuid\": \"{Cube}\", \"translation\": [1, 2, 3]}}]}}");
        Assert.Equal(MessageType.Applied, Assert.Single(sent).Type);
        _scene.Write(_scene.Named("Cube")! with { LocalPosition = new Vector3d(1e13, 0, 0) }); // set in Unity itself before the tick
        _adapter.Tick();
        Assert.DoesNotContain(sent, s => s.Type == MessageType.Observed);
        // The orchestrator's READ then says why, and its ROLLBACK restores what the intent overwrote.
        Handle(MessageType.Read, 4, $"{{\"uuids\": [\"{Cube}\"]}}");
        Assert.Equal(MessageType.Error, sent[^1].Type);
        Handle(MessageType.Rollback, 6, "{\"intent\": 5}");
        Assert.Equal(MessageType.Ack, sent[^1].Type);
    }
}
