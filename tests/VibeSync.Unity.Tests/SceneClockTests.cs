using VibeSync.Protocol.Link;
using VibeSync.Unity.Adapter;

namespace VibeSync.Unity.Tests;

/// <summary>The core's scene time sync (docs/protocol.md §11.10): TIMEs taken latest-wins only with the policy on, never sent back, never an edit.</summary>
public sealed class SceneClockTests
{
    [Fact]
    public void a_time_from_the_orchestrator_poses_the_animations_and_a_late_one_is_dropped()
    {
        var clock = new SceneClock();
        var posed = new List<double>();
        clock.Posed += posed.Add;
        clock.Start(enabled: true);
        Assert.Null(clock.Take(new SceneTime(1.5, 2).ToJson()));
        Assert.Null(clock.Take(new SceneTime(9, 1).ToJson())); // late
        Assert.Equal(new[] { 1.5 }, posed);
        Assert.Equal(1.5, clock.Seconds);
        Assert.Null(clock.Moved(1.5)); // where the pose left it: not news, never sent back
        Assert.Equal("{\"seconds\": 2.25, \"seq\": 1}", clock.Moved(2.25));
        Assert.Equal("{\"seconds\": 3, \"seq\": 2}", clock.Moved(3));
    }

    [Fact]
    public void with_the_policy_off_or_a_malformed_time_nothing_is_posed_or_sent()
    {
        var clock = new SceneClock();
        var posed = new List<double>();
        clock.Posed += posed.Add;
        clock.Start(enabled: false);
        Assert.NotNull(clock.Take(new SceneTime(1.5, 1).ToJson()));
        Assert.Null(clock.Moved(2));
        clock.Start(enabled: true);
        Assert.Contains("seconds", clock.Take("{\"seconds\": -1, \"seq\": 1}"));
        Assert.Contains("seq", clock.Take("{\"seconds\": 1, \"seq\": 0}"));
        Assert.Empty(posed);
    }

    [Fact]
    public void the_adapter_takes_a_time_frame_without_answering_it_or_sending_an_edit()
    {
        var adapter = new UnityAdapter(VibeSync.Unity.Simulator.SimScene.Load(VibeSync.Unity.Simulator.SimHost.DefaultScene));
        var sent = new List<byte>();
        adapter.Welcomed("p", 4, sceneTime: true);
        adapter.Handle(new VibeSync.Protocol.Framing.Frame(MessageType.Time, 5, 0, System.Text.Encoding.UTF8.GetBytes(new SceneTime(0.5, 1).ToJson())),
            (type, json) => { sent.Add(type); return true; });
        Assert.Equal(0.5, adapter.Clock.Seconds);
        Assert.Empty(sent);
        Assert.Empty(adapter.SentEdits);
    }
}
