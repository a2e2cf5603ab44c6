using VibeSync.Protocol.SceneJson;
using VibeSync.Unity.Hierarchy;
using VibeSync.Unity.Link;
using VibeSync.Unity.Simulator;

namespace VibeSync.Unity.Tests;

/// <summary>
/// How the Unity side retries a refused or failed handshake and says a refusal, and how the
/// simulator's scene file carries the project stamp.
/// </summary>
public sealed class ReconnectionTests
{
    [Fact]
    public void failed_attempts_back_off_from_half_a_second_to_five_and_a_welcome_starts_over()
    {
        var r = new Reconnection();
        Assert.Equal(new[] { 0.5, 1, 2, 4, 5, 5 }, Enumerable.Range(0, 6).Select(_ => r.Failed().TotalSeconds));
        r.Connected();
        Assert.Equal(0.5, r.Failed().TotalSeconds);
    }

    [Fact]
    public void a_standby_saying_not_leader_is_dialed_again_after_half_a_second_without_backing_off()
    {
        var r = new Reconnection();
        for (int i = 0; i < 4; i++) r.Failed();
        var notLeader = new LinkRefusedException(LeaderHint.NotLeader, "not the leader: alpha leads (term 1) at h1:7420", new LinkEndpoint("h1", 7420));
        Assert.Equal(new[] { 0.5, 0.5, 0.5 }, Enumerable.Range(0, 3).Select(_ => r.Failed(notLeader).TotalSeconds));
        Assert.Equal(0.5, r.Failed(new IOException("connection refused")).TotalSeconds); // backing off starts over after it
        Assert.Equal(1, r.Failed(new LinkRefusedException("PROJECT_MISMATCH", "another project")).TotalSeconds);
    }

    [Fact]
    public void a_refusal_is_news_once_until_it_changes_or_a_session_is_welcomed()
    {
        var r = new Reconnection();
        var mismatch = new LinkRefusedException("PROJECT_MISMATCH", "scene.json belongs to VibeSync project a, not to project b");
        Assert.True(r.Refused(mismatch));
        Assert.False(r.Refused(new LinkRefusedException("PROJECT_MISMATCH", "scene.json belongs to VibeSync project a, not to project b")));
        Assert.Equal(("PROJECT_MISMATCH", "scene.json belongs to VibeSync project a, not to project b"), r.Refusal);
        Assert.True(r.Refused(new LinkRefusedException("SCHEMA_MISMATCH", "schema 2")));
        r.Connected();
        Assert.Null(r.Refusal);
        Assert.True(r.Refused(mismatch));
    }

    [Fact]
    public void a_scene_file_keeps_its_stamp_apart_from_its_records_and_writes_it_back()
    {
        var stamp = new ProjectStamp("7a0c5e0e-1111-4222-8333-444455556666", 1);
        var file = SceneFile.Write(SimHost.DefaultScene, stamp);
        Assert.StartsWith("{\"vibesync_project\": {\"id\": \"7a0c5e0e-1111-4222-8333-444455556666\", \"schema\": 1}, ", file);
        Assert.Equal(stamp, SimScene.Load(file).Project);
        Assert.Null(SimScene.Load(SimHost.DefaultScene).Project);
        Assert.Equal(SimScene.Load(SimHost.DefaultScene).Objects().Count, SimScene.Load(file).Objects().Count);
    }

    [Theory]
    [InlineData("\"x\"", "vibesync_project")]
    [InlineData("{\"id\": \"a\"}", "vibesync_project")]
    [InlineData("{\"id\": 7, \"schema\": 1}", "vibesync_project.id")]
    [InlineData("{\"id\": \"a\", \"schema\": 0}", "vibesync_project.schema")]
    [InlineData("{\"id\": \"a\", \"schema\": 1.5}", "vibesync_project.schema")]
    public void a_malformed_stamp_is_refused_naming_the_field(string stamp, string path)
    {
        var e = Assert.Throws<SceneFormatException>(() => SimScene.Load("{\"vibesync_project\": " + stamp + ", " + SimHost.DefaultScene.TrimStart()[1..]));
        Assert.Equal(path, e.Path);
    }
}
