using System.Text;
using VibeSync.Protocol.Framing;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;
using VibeSync.Protocol.State;
using VibeSync.Unity.Adapter;
using VibeSync.Unity.Simulator;

namespace VibeSync.Unity.Tests;

/// <summary>
/// Values Unity holds that VibeSync cannot represent (beyond ±1e12, set in Unity itself: the
/// orchestrator never sends one) are refused where they are met, never a crash of the editor or
/// the simulator (issue #16: a <c>uv0</c> of 1e13 crashed sim-unity at its OBSERVED hash).
/// </summary>
public sealed class OutOfRangeTests
{
    private const string Cube = "5a1d0000-0000-4000-8000-000000000004";
    private const string Tri = "5a1d0000-0000-4000-8000-0000000000b1";

    private readonly SimScene _scene = SimScene.Load(SimHost.DefaultScene);
    private readonly UnityAdapter _adapter;
    private readonly List<(byte Type, string Body)> _sent = new();

    public OutOfRangeTests()
    {
        _adapter = new UnityAdapter(_scene) { Send = (t, b) => { _sent.Add((t, b)); return true; } };
        _adapter.Attach();
    }

    private void Handle(byte type, ulong sequence, string json) =>
        _adapter.Handle(new Frame(type, sequence, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Encoding.UTF8.GetBytes(json)));

    private void UvBeyondRange()
    {
        var mesh = _scene.Meshes().Single(m => m.Uuid == Tri);
        _scene.WriteMesh(mesh with { Uv0 = mesh.Positions.Select((_, i) => new Vector2d(i == 1 ? 1e13 : 0, 0)).ToList() });
    }

    [Fact]
    public void a_read_of_a_mesh_whose_uv_unity_holds_beyond_1e12_is_answered_read_failed()
    {
        UvBeyondRange();
        Handle(MessageType.Read, 9, $"{{\"uuids\": [\"{Tri}\", \"{Cube}\"]}}");
        var (type, body) = Assert.Single(_sent);
        Assert.Equal(MessageType.Error, type);
        var reply = JsonFields.AsObject(JsonParser.Parse(body), "reply");
        Assert.Equal("READ_FAILED", JsonFields.Text(reply.Get("code")!, "code"));
        Assert.Equal(9, ((JsonNumber)reply.Get("re")!).Value);
    }

    [Fact]
    public void an_applied_intent_whose_records_cannot_be_hashed_sends_no_observed_and_the_tick_goes_on()
    {
        Handle(MessageType.Apply, 3, $"{{\"intent\": 5, \"operations\": [{{\"op\": \"set_transform\", \"uuid\": \"{Cube}\", \"translation\": [1, 2, 3]}}]}}");
        Assert.Equal(MessageType.Applied, Assert.Single(_sent).Type);
        var cube = _scene.Objects().Single(o => o.Id == Cube);
        _scene.Write(cube with { LocalPosition = new Vector3d(1e13, 0, 0) }); // set in Unity itself before the tick
        _adapter.Tick();
        Assert.DoesNotContain(_sent, s => s.Type == MessageType.Observed);
        // The orchestrator's READ then says why, and its ROLLBACK restores what the intent overwrote.
        Handle(MessageType.Read, 4, $"{{\"uuids\": [\"{Cube}\"]}}");
        Assert.Equal(MessageType.Error, _sent[^1].Type);
        Handle(MessageType.Rollback, 6, "{\"intent\": 5}");
        Assert.Equal(MessageType.Ack, _sent[^1].Type);
    }
}
