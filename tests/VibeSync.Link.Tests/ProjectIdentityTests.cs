using System.Text.Json;
using VibeSync.Link.Tests.Support;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;

namespace VibeSync.Link.Tests;

/// <summary>
/// Issue #15 §7: a data directory is one project; the file an editor has open is admitted or
/// refused at the handshake, before anything is read from or written to it, against a real serve.
/// </summary>
public sealed class ProjectIdentityTests : IAsyncLifetime
{
    private ServeProcess _serve = null!;

    public async Task InitializeAsync() => _serve = await ServeProcess.StartAsync();

    public async Task DisposeAsync() => await _serve.DisposeAsync();

    private string ProjectId => JsonDocument.Parse(File.ReadAllText(Path.Combine(_serve.DataDirectory, "project.json"))).RootElement.GetProperty("project_id").GetString()!;

    private Task<LinkClient> Connect(string engine, string projectId, string file, int schema = ContentSchema.Current) =>
        LinkClient.ConnectAsync(_serve.LinkPort, engine, _serve.KeyOf(engine), projectId, schema: schema, file: file);

    private static JsonElement SyncOf(JsonElement status, string engine) =>
        status.GetProperty("sync").GetProperty("engines").EnumerateArray().Single(e => e.GetProperty("engine").GetString() == engine);

    /// <summary>The engine reports an empty scene: the first one seeds Reality and is paired with its file.</summary>
    private async Task AttachEmptyAsync(LinkClient client, string file)
    {
        var scene = SceneJsonWriter.Write(Scene.Empty, Space.Canonical);
        var root = Hex.Encode(SceneHasher.Hash(Scene.Empty).Root);
        var answer = await client.RequestAsync(MessageType.Scene, $"{{\"generation\": 1, \"root\": \"{root}\", \"scene\": {scene}, \"file\": {JsonSerializer.Serialize(file)}}}");
        Assert.Equal(MessageType.Ack, answer.Type);
        for (int i = 0; i < 100 && SyncOf(await _serve.StatusAsync(), Engines.Blender).GetProperty("phase").GetString() != "live"; i++) await Task.Delay(50);
        Assert.Equal("live", SyncOf(await _serve.StatusAsync(), Engines.Blender).GetProperty("phase").GetString());
    }

    [Fact]
    public async Task a_file_of_this_project_is_welcomed_with_the_project_schema_and_limits()
    {
        using var client = await Connect(Engines.Blender, ProjectId, "/levels/forest.blend");
        Assert.Equal(ProjectId, client.Welcome.ProjectId);
        Assert.Equal(ContentSchema.Current, client.Welcome.Schema);
        Assert.Equal(16L * 1024 * 1024, client.Welcome.Limits.FrameBytes);
        Assert.Equal(2_000_000, client.Welcome.Limits.MeshVertices); // config.json limits.max_mesh_vertices default (a million-vertex mesh fits)
        Assert.True(Guid.TryParse(ProjectId, out _));
        if (!OperatingSystem.IsWindows()) Assert.Equal("600", Convert.ToString((int)File.GetUnixFileMode(Path.Combine(_serve.DataDirectory, "project.json")), 8));
    }

    [Fact]
    public async Task a_file_stamped_with_another_project_is_refused_before_anything_is_read_and_costs_no_trust()
    {
        var before = await _serve.StatusAsync();
        var other = Guid.NewGuid().ToString();
        var e = await Assert.ThrowsAsync<LinkRefusedException>(() => Connect(Engines.Blender, other, "/elsewhere/B.blend"));
        Assert.Equal("PROJECT_MISMATCH", e.Code);
        Assert.Contains(other, e.Message);
        Assert.Contains("/elsewhere/B.blend", e.Message);
        Assert.Contains("vibesync pair --engine blender --replace", e.Message);
        var after = await _serve.StatusAsync();
        var blender = SyncOf(after, Engines.Blender);
        Assert.Equal("refused", blender.GetProperty("phase").GetString());
        Assert.Equal("PROJECT_MISMATCH", blender.GetProperty("refusal").GetProperty("code").GetString());
        Assert.Equal(before.GetProperty("link").GetProperty("junk_dropped").GetInt64(), after.GetProperty("link").GetProperty("junk_dropped").GetInt64());
        Assert.Equal(100, ServeProcess.EngineIn(after, Engines.Blender).GetProperty("trust").GetInt32());
        Assert.Equal(0, after.GetProperty("sync").GetProperty("objects").GetInt32()); // nothing was read into Reality
    }

    [Fact]
    public async Task a_newer_content_schema_is_refused_with_schema_mismatch()
    {
        var e = await Assert.ThrowsAsync<LinkRefusedException>(() => Connect(Engines.Unity, ProjectId, "Assets/Scenes/Main.unity", schema: ContentSchema.Current + 1));
        Assert.Equal("SCHEMA_MISMATCH", e.Code);
        Assert.Equal("refused", SyncOf(await _serve.StatusAsync(), Engines.Unity).GetProperty("phase").GetString());
    }

    [Fact]
    public async Task an_unstamped_file_is_welcomed_until_the_engine_is_paired_and_then_only_at_the_paired_path()
    {
        using (var first = await Connect(Engines.Blender, "", "/levels/A.blend"))
            await AttachEmptyAsync(first, "/levels/A.blend");
        Assert.Equal("/levels/A.blend", SyncOf(await _serve.StatusAsync(), Engines.Blender).GetProperty("paired_file").GetString());

        var e = await Assert.ThrowsAsync<LinkRefusedException>(() => Connect(Engines.Blender, "", "/levels/B.blend"));
        Assert.Equal("PROJECT_MISMATCH", e.Code);
        Assert.Contains("carries no VibeSync project stamp", e.Message);
        Assert.Contains("/levels/A.blend", e.Message);

        using (var same = await Connect(Engines.Blender, "", "/levels/A.blend")) { } // its stamp was never saved: the same file
        using (var copy = await Connect(Engines.Blender, ProjectId, "/copies/A-copy.blend")) { } // a copy carries the stamp: another seat
        using (var unity = await Connect(Engines.Unity, "", "Assets/Scenes/Main.unity")) { } // pairing is per engine instance
    }

    [Fact]
    public async Task pair_replace_snapshots_journals_and_lets_the_next_foreign_file_in()
    {
        using (var first = await Connect(Engines.Blender, "", "/levels/A.blend"))
            await AttachEmptyAsync(first, "/levels/A.blend");
        var foreign = Guid.NewGuid().ToString();
        await Assert.ThrowsAsync<LinkRefusedException>(() => Connect(Engines.Blender, foreign, "/other/B.blend"));

        using (var reply = await _serve.PostAsync("/v1/pair?engine=blender&replace=true"))
        {
            var body = await reply.Content.ReadAsStringAsync();
            Assert.True(reply.IsSuccessStatusCode, body);
            Assert.Equal(40, JsonDocument.Parse(body).RootElement.GetProperty("snapshot").GetString()!.Length);
        }
        using (var refused = await _serve.PostAsync("/v1/pair?engine=blender"))
            Assert.Equal(400, (int)refused.StatusCode); // --replace is required to mean it
        var wal = await _serve.GetStringAsync("/v1/wal?since=0&limit=1000");
        Assert.Contains("system:unpairing", wal);
        Assert.False(SyncOf(await _serve.StatusAsync(), Engines.Blender).GetProperty("paired").GetBoolean());

        using var client = await Connect(Engines.Blender, foreign, "/other/B.blend");
        Assert.Equal(ProjectId, client.Welcome.ProjectId); // the adapter restamps its file with this project
    }
}
