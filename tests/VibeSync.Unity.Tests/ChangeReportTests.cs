using System.Text;
using VibeSync.Protocol.Framing;
using VibeSync.Protocol.Link;
using VibeSync.Protocol.State;
using VibeSync.Unity.Adapter;
using VibeSync.Unity.Hierarchy;
using VibeSync.Unity.Simulator;

namespace VibeSync.Unity.Tests;

/// <summary>
/// Changes the host reports (Unity's ObjectChangeEvents; the simulator's own writes) are read
/// alone: an edit costs its records, not the scene (issue #20). What cannot be placed (a creation,
/// an asset) still gets the whole diff, and a host that reports nothing gets it on every tick.
/// </summary>
public sealed class ChangeReportTests
{
    private const string Rig = "5a1d0000-0000-4000-8000-000000000003";
    private const string Cube = "5a1d0000-0000-4000-8000-000000000004";

    private readonly SimScene _scene = SimScene.Load(SimHost.DefaultScene);
    private readonly UnityAdapter _adapter;

    public ChangeReportTests()
    {
        _adapter = new UnityAdapter(_scene);
        _scene.Changes = _adapter.Changes;
        _adapter.Changes.Reported = true;
        _adapter.Attach();
    }

    private UnityObject Object(string id) => _scene.Find(_adapter.Index.HandleOf(id)!.Value)!;

    [Fact]
    public void a_move_reported_by_handle_is_sent_without_listing_the_scene()
    {
        var walks = _scene.Walks;
        _scene.Write(Object(Cube) with { LocalPosition = new Vector3d(4, 0.5, 2) });
        var edit = _adapter.Tick();
        Assert.NotNull(edit);
        Assert.Contains("\"set_transform\"", edit);
        Assert.Contains(Cube, edit);
        Assert.Equal(walks, _scene.Walks);
    }

    [Fact]
    public void a_human_edit_the_host_reported_is_sent_before_the_answer_to_a_read_that_shows_it()
    {
        var sent = new List<byte>();
        _adapter.Send = (type, _) => { sent.Add(type); return true; };
        _scene.Write(Object(Cube) with { LocalPosition = new Vector3d(4, 0.5, 2) }); // no tick since
        _adapter.Handle(new Frame(MessageType.Read, 3, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Encoding.UTF8.GetBytes($"{{\"uuids\": [\"{Cube}\"]}}")));
        Assert.Equal(new[] { MessageType.Edit, MessageType.State }, sent); // the orchestrator hears of the edit before it sees it
        Assert.Null(_adapter.Tick()); // and only once
    }

    private void Command(byte type, ulong seq, string json) =>
        _adapter.Handle(new Frame(type, seq, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Encoding.UTF8.GetBytes(json)));

    private static string MoveCube(ulong intent, double x) =>
        $"{{\"intent\": {intent}, \"operations\": [{{\"op\": \"set_transform\", \"uuid\": \"{Cube}\", \"translation\": [{x}, 0, 0]}}]}}";

    [Fact]
    public void a_human_move_not_reported_yet_is_sent_before_an_apply_that_overwrites_it_is_answered()
    {
        var sent = new List<(byte Type, string Json)>();
        _adapter.Send = (type, json) => { sent.Add((type, json)); return true; };
        _scene.Write(Object(Cube) with { LocalPosition = new Vector3d(4, 0.5, 2) }); // the human's move; no tick since
        Command(MessageType.Apply, 3, MoveCube(7, 9));
        Assert.Equal(new[] { MessageType.Edit, MessageType.Applied }, sent.Select(s => s.Type)); // EDIT before APPLIED
        Assert.Contains("[-4, 0.5, 2]", sent[0].Json); // the human's value (canonical: x mirrored)
        Assert.Equal(-9, Object(Cube).LocalPosition.X); // then the apply landed over it
        Assert.Null(_adapter.Tick()); // the applied value is known: no echo, and the move is not sent twice
    }

    [Fact]
    public void a_human_move_not_reported_yet_is_sent_before_a_rollback_that_restores_the_object_is_answered()
    {
        var sent = new List<byte>();
        _adapter.Send = (type, _) => { sent.Add(type); return true; };
        Command(MessageType.Apply, 3, MoveCube(7, 9));
        _adapter.Tick();
        sent.Clear();
        _scene.Write(Object(Cube) with { LocalPosition = new Vector3d(5, 0.5, 2) });
        Command(MessageType.Rollback, 4, "{\"intent\": 7}");
        Assert.Equal(new[] { MessageType.Edit, MessageType.Ack }, sent);
    }

    [Fact]
    public void a_human_move_of_a_provisional_object_not_reported_yet_is_sent_before_a_save_takes_the_intent_out()
    {
        var sent = new List<(byte Type, string Json)>();
        _adapter.Send = (type, json) => { sent.Add((type, json)); return true; };
        Command(MessageType.Apply, 3, MoveCube(7, 9));
        _adapter.Tick();
        sent.Clear();
        _scene.Write(Object(Cube) with { LocalPosition = new Vector3d(5, 0.5, 2) }); // the human's move; no tick since
        Assert.Equal(1, _adapter.BeforeSave());
        Assert.Equal(new[] { MessageType.Edit }, sent.Select(s => s.Type));
        Assert.Contains("[-5, 0.5, 2]", sent[0].Json);
        Assert.Equal(new Vector3d(5, 0.5, 2), Object(Cube).LocalPosition); // what Unity writes: the human's move, not (1, 0.5, 2)
        _adapter.AfterSave();
        Assert.Equal(new Vector3d(5, 0.5, 2), Object(Cube).LocalPosition); // and the human keeps it, not the AI's (-9, 0, 0)
        Assert.Contains((ulong)7, _adapter.ProvisionalIntents);
        Assert.Null(_adapter.Tick()); // reported once: what the save wrote and put back is no edit
    }

    [Fact]
    public void after_a_save_that_kept_a_human_move_a_rollback_still_restores_the_values_from_before_the_intent()
    {
        Command(MessageType.Apply, 3, MoveCube(7, 9));
        _adapter.Tick();
        _scene.Write(Object(Cube) with { LocalPosition = new Vector3d(5, 0.5, 2) });
        _adapter.Tick(); // reported before the save this time
        _adapter.BeforeSave();
        Assert.Equal(new Vector3d(5, 0.5, 2), Object(Cube).LocalPosition);
        _adapter.AfterSave();
        Command(MessageType.Rollback, 4, "{\"intent\": 7}");
        Assert.Equal(new Vector3d(1, 0.5, 2), Object(Cube).LocalPosition);
    }

    [Fact]
    public void a_tick_with_nothing_reported_reads_nothing_and_sends_nothing()
    {
        var walks = _scene.Walks;
        Assert.Null(_adapter.Tick());
        Assert.Equal(walks, _scene.Walks);
    }

    [Fact]
    public void a_rename_and_a_new_parent_are_sent_from_the_object_reported()
    {
        _scene.Write(Object(Cube) with { Name = "Box", Parent = null });
        var edit = _adapter.Tick();
        Assert.NotNull(edit);
        Assert.Contains("\"rename\"", edit);
        Assert.Contains("\"set_parent\"", edit);
        Assert.Null(_adapter.Tick()); // known now: not sent twice
    }

    [Fact]
    public void a_creation_cannot_be_placed_by_handle_and_gets_the_whole_diff()
    {
        var walks = _scene.Walks;
        _scene.Create(Object(Rig) with { Handle = 0, Id = null, Name = "Extra", Parent = null });
        _adapter.Tick();
        Assert.True(_scene.Walks > walks);
    }

    [Fact]
    public void a_host_that_reports_nothing_gets_the_whole_diff_on_every_tick()
    {
        _scene.Changes = null;
        _adapter.Changes.Reported = false;
        var walks = _scene.Walks;
        Assert.Null(_adapter.Tick());
        Assert.True(_scene.Walks > walks);
        _scene.Write(Object(Cube) with { Active = false });
        Assert.Contains("\"set_visibility\"", _adapter.Tick());
    }

    [Fact]
    public void a_material_edit_is_an_asset_change_and_is_sent_from_the_whole_diff()
    {
        var id = _scene.MaterialIds().Single();
        var m = _scene.ReadMaterial(id);
        m.Floats["_Metallic"] = 0.75f;
        _scene.WriteMaterial(id, m);
        var edit = _adapter.Tick();
        Assert.NotNull(edit);
        Assert.Contains("\"set_material_params\"", edit);
    }
}
