using System.Diagnostics;
using System.Text.Json;
using VibeSync.Cluster;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// Team mode end to end: two real <c>serve --cluster</c> processes on three real nats-server
/// processes, the Unity simulator attached to the leader, a stream of AI intents, kill -9 the leader.
/// </summary>
public sealed class FailoverTests : EndToEndTest
{
    private const string Cube = "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f";

    [Fact]
    public async Task every_acknowledged_final_is_in_the_journal_after_the_standby_takes_over_from_a_killed_leader()
    {
        await using var cluster = await NatsCluster.StartAsync();
        await using var nodes = new ClusterNodes(cluster);
        var alpha = await nodes.LeaderAsync(Path.Combine(Work, "alpha"), "alpha");
        var unityScene = Parts.SampleUnityScene(Work);
        var none = await WriteAsync("no-edits.json", "[]");
        using var sim = Parts.SimInGroup(alpha.DataDirectory, unityScene, 120, none, Path.Combine(Work, "unity-after.json")); // killed on dispose, however this test ends
        var simOutput = Parts.OutputOf(sim.Process, TimeSpan.FromSeconds(150));
        await UntilAsync(alpha, s => ServeProcess.PhaseOf(s, "unity") == "live", "the simulator live on the leader");

        var standby = await nodes.StandbyAsync(Path.Combine(Work, "beta"), "beta");
        string betaStatus = standby.Status;
        Assert.Contains("not the leader: alpha leads", File.ReadAllText(betaStatus));
        Assert.Contains("\"role\": \"standby\"", File.ReadAllText(betaStatus));

        // A stream of AI intents; the leader is killed in the middle of it.
        var stream = AiIntentStream.Start(alpha, Cube);
        await stream.UntilAcknowledgedAsync(10, TimeSpan.FromSeconds(60));

        var clock = Stopwatch.StartNew();
        alpha.Kill(); // kill -9 mid-stream: no lease handed over, no shutdown
        await stream.Running.WaitAsync(TimeSpan.FromSeconds(30));
        var acknowledged = stream.Acknowledged;
        var beta = await standby.LeadsAsync(TimeSpan.FromSeconds(60));
        var takeover = clock.Elapsed;
        Assert.True(takeover < TimeSpan.FromSeconds(10), $"the standby served {takeover} after the leader was killed");
        Assert.Contains("\"leader\"", File.ReadAllText(betaStatus));

        var journal = JsonDocument.Parse(await beta.GetStringAsync("/v1/wal?since=0&limit=10000")).RootElement;
        var finals = journal.EnumerateArray().Where(e => e.GetProperty("phase").GetString() == "FINAL").Select(e => e.GetProperty("intent").GetUInt64()).ToHashSet();
        foreach (var id in acknowledged) Assert.Contains(id, finals);
        // The blobs the old leader held (the simulator's meshes) reached the new one through the object store.
        static string[] BlobsIn(string dir) => Directory.EnumerateFiles(Path.Combine(dir, "blobs"), "*", SearchOption.AllDirectories)
            .Select(Path.GetFileName).Where(n => n!.Length == 64).Order().ToArray()!;
        var oldBlobs = BlobsIn(Path.Combine(Work, "alpha"));
        Assert.NotEmpty(oldBlobs);
        Assert.Subset(BlobsIn(Path.Combine(Work, "beta")).ToHashSet(), oldBlobs.ToHashSet());
        sim.Kill();
        await simOutput;
    }

    /// <summary>
    /// Three NATS servers, alpha leading with the simulator live on it and beta standing by; runs
    /// <paramref name="body"/> with alpha and a way to wait for beta to lead; cleans up.
    /// </summary>
    private async Task WithSimulatorAndStandbyAsync(Func<ServeProcess, Func<Task<ServeProcess>>, Task> body)
    {
        await using var cluster = await NatsCluster.StartAsync();
        await using var nodes = new ClusterNodes(cluster);
        var alpha = await nodes.LeaderAsync(Path.Combine(Work, "alpha"), "alpha");
        var none = await WriteAsync("no-edits.json", "[]");
        using var sim = Parts.SimInGroup(alpha.DataDirectory, Parts.SampleUnityScene(Work), 120, none, Path.Combine(Work, "unity-after.json"));
        var simOutput = Parts.OutputOf(sim.Process, TimeSpan.FromSeconds(150));
        try
        {
            await UntilAsync(alpha, s => ServeProcess.PhaseOf(s, "unity") == "live", "the simulator live on the leader");
            var standby = await nodes.StandbyAsync(Path.Combine(Work, "beta"), "beta");
            await body(alpha, () => standby.LeadsAsync(TimeSpan.FromSeconds(60)));
        }
        finally
        {
            sim.Kill();
            await simOutput;
        }
    }

    [Fact]
    public Task a_snapshot_made_on_a_killed_leader_is_listed_and_restored_on_the_new_leader_by_the_same_ref() =>
        WithSimulatorAndStandbyAsync(async (alpha, leads) =>
        {
            // A snapshot of Reality with the Cube at (3, 0.5, 2), then the Cube moved on: the snapshot is history.
            var (snapshot, cubeThen) = await MoveAndSnapshotAsync(alpha, "[3, 0.5, 2]");
            var (later, cubeLater) = await MoveAndSnapshotAsync(alpha, "[8, 0.5, 1]");
            Assert.NotEqual(cubeThen, cubeLater);

            alpha.Kill(); // kill -9: nothing handed over but what the cluster already holds
            var beta = await leads();

            // The new leader lists both commits under the ids the old leader journaled (the console's snapshots page).
            var listing = await ConsolePageAsync(beta, "/console/snapshots");
            Assert.Contains(snapshot, listing);
            Assert.Contains(later, listing);
            // And restores the older one by that id, as a journaled intent.
            var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromSeconds(90), Parts.Cli, "restore", snapshot, "--data", beta.DataDirectory);
            Assert.True(code == 0, output);
            Assert.Equal(cubeThen, await CubeInRealityAsync(beta));
            Assert.Contains($"restore from snapshot {snapshot}", await beta.GetStringAsync("/v1/wal?since=0&limit=10000"));
        });

    [Fact]
    public Task a_mesh_an_acknowledged_intent_made_is_on_the_new_leader_when_the_leader_is_killed_right_after_the_ack() =>
        WithSimulatorAndStandbyAsync(async (alpha, leads) =>
        {
            const string cubeMesh = "3e3e3e3e-0000-4000-8000-00000000c0be";
            // A mesh no one had: its blob is made by this very intent, and the leader dies the moment the intent is acknowledged
            // (well inside the once-a-second sweep that used to be the only copy).
            double z = 1 + Random.Shared.Next(1, 1000) / 1000.0;
            using (var reply = await alpha.PostJsonAsync("/v1/intents?actor=human:cli&wait=settled", // a human's: a destructive AI intent would wait for approval
                $$"""{"operations": [{"op": "replace_mesh", "uuid": "{{cubeMesh}}", "positions": [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, {{z}}]], "triangles": [[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]]}], "rationale": "a new mesh"}"""))
            {
                string text = await reply.Content.ReadAsStringAsync();
                alpha.Kill();
                Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("phase").GetString() == "FINAL", text);
            }
            var beta = await leads();

            // Every blob the new leader's Reality names and the old leader held is in the new leader's store.
            var reality = await beta.GetStringAsync("/v1/state?engine=reality");
            var named = System.Text.RegularExpressions.Regex.Matches(reality, "\"([0-9a-f]{64})\"").Select(m => m.Groups[1].Value).ToHashSet();
            static string BlobPath(string dir, string id) => Path.Combine(dir, "blobs", id[..2], id);
            var made = named.Where(id => File.Exists(BlobPath(Path.Combine(Work, "alpha"), id))).ToList();
            Assert.NotEmpty(made);
            Assert.All(made, id => Assert.True(File.Exists(BlobPath(beta.DataDirectory, id)), $"blob {id} is not on the new leader"));
            Assert.Contains("a new mesh", await beta.GetStringAsync("/v1/wal?since=0&limit=10000"));
        });

    [Fact]
    public async Task the_console_shows_a_settled_intents_records_before_and_after_from_the_jetstream_journal_on_the_new_leader()
    {
        const string crate = "7e7e7e7e-3333-4333-8444-000000000001";
        static string Move(double x) => $$"""{"operations": [{"op": "set_transform", "uuid": "{{crate}}", "translation": [{{x}}, 0, 0]}], "rationale": "move it to {{x}}"}""";
        await using var cluster = await NatsCluster.StartAsync();
        await using var nodes = new ClusterNodes(cluster);
        var alpha = await nodes.LeaderAsync(Path.Combine(Work, "alpha"), "alpha");
        var standby = await nodes.StandbyAsync(Path.Combine(Work, "beta"), "beta");
        // No engine: a human's intents are FINAL at once.
        var created = await alpha.SubmitAsync($$"""{"operations": [{"op": "create_object", "uuid": "{{crate}}", "name": "crate", "kind": "empty", "parent": null, "translation": [0, 0, 0], "rotation": [1, 0, 0, 0], "scale": [1, 1, 1]}]}""");
        Assert.Equal("FINAL", created.GetProperty("phase").GetString());
        var moved = await alpha.SubmitAsync(Move(3));
        Assert.Equal("FINAL", moved.GetProperty("phase").GetString());
        Assert.Equal("FINAL", (await alpha.SubmitAsync(Move(7))).GetProperty("phase").GetString()); // later: not in the first move's after
        ulong intent = moved.GetProperty("intent").GetUInt64();
        const string change = "<td class=\"before\">[0,0,0]</td><td class=\"after\">[3,0,0]</td>";
        Assert.Contains(change, await ConsolePageAsync(alpha, $"/console/intents/{intent}"));

        alpha.Kill();
        var beta = await standby.LeadsAsync(TimeSpan.FromSeconds(60));
        // The new leader has no DIR/wal records at all: the page is replayed from the stream.
        Assert.False(Directory.Exists(Path.Combine(beta.DataDirectory, "wal")) && Directory.EnumerateFiles(Path.Combine(beta.DataDirectory, "wal"), "*.wal").Any());
        Assert.Contains(change, await ConsolePageAsync(beta, $"/console/intents/{intent}"));
    }

    /// <summary>Moves the Cube as an AI, waits for the safety snapshot journaled after it; returns the commit and the Cube in Reality.</summary>
    private static async Task<(string Commit, string Cube)> MoveAndSnapshotAsync(ServeProcess serve, string translation)
    {
        using var reply = await serve.PostJsonAsync("/v1/intents?actor=ai:claude&wait=settled",
            $$"""{"operations": [{"op": "set_transform", "uuid": "{{Cube}}", "translation": {{translation}}}], "rationale": "to be snapshotted"}""");
        var answer = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement;
        Assert.True(answer.TryGetProperty("phase", out var phase) && phase.GetString() == "FINAL", answer.ToString());
        string cube = await CubeInRealityAsync(serve);
        ulong id = answer.GetProperty("intent").GetUInt64();
        for (int i = 0; i < 300; i++)
        {
            var entries = JsonDocument.Parse(await serve.GetStringAsync("/v1/wal?since=0&limit=10000")).RootElement.EnumerateArray().ToList();
            ulong final = entries.Where(e => e.GetProperty("intent").GetUInt64() == id && e.GetProperty("phase").GetString() == "FINAL").Select(e => e.GetProperty("sequence").GetUInt64()).DefaultIfEmpty().Max();
            foreach (var e in entries)
                if (e.GetProperty("sequence").GetUInt64() > final && e.TryGetProperty("rationale", out var r) && r.GetString() is { } text
                    && System.Text.RegularExpressions.Regex.Match(text, "^safety snapshot ([0-9a-f]{40}) ") is { Success: true } m)
                    return (m.Groups[1].Value, cube);
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"no safety snapshot was journaled after intent {id}");
    }

    private static async Task<string> CubeInRealityAsync(ServeProcess serve) =>
        JsonDocument.Parse(await serve.GetStringAsync("/v1/state?engine=reality")).RootElement.GetProperty("objects").EnumerateArray()
            .Single(o => o.GetProperty("uuid").GetString() == Cube).ToString();

    /// <summary>A console page read the way a browser does: the login link `vibesync console --no-open` prints, then the page with its cookie.</summary>
    private static async Task<string> ConsolePageAsync(ServeProcess serve, string path)
    {
        var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromSeconds(60), Parts.Cli, "console", "--data", serve.DataDirectory, "--no-open");
        Assert.True(code == 0, output);
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new System.Net.CookieContainer() });
        using var login = await browser.GetAsync(output.Split('\n')[0].Trim());
        Assert.True(login.IsSuccessStatusCode, await login.Content.ReadAsStringAsync());
        return await browser.GetStringAsync($"http://127.0.0.1:{serve.ApiPort}{path}");
    }

    [Fact]
    public async Task an_old_leader_that_was_frozen_past_its_lease_stops_instead_of_writing()
    {
        await using var cluster = await NatsCluster.StartAsync();
        await using var nodes = new ClusterNodes(cluster);
        var alpha = await nodes.LeaderAsync(Path.Combine(Work, "alpha"), "alpha");
        var standby = await nodes.StandbyAsync(Path.Combine(Work, "beta"), "beta");
        string betaStatus = standby.Status;

        // A partition as the old leader sees it: frozen (SIGSTOP) long enough for its lease to pass to beta.
        await Parts.RunAsync("kill", TimeSpan.FromSeconds(5), "-STOP", alpha.Pid.ToString());
        await standby.LeadsAsync(TimeSpan.FromSeconds(60));
        await Parts.RunAsync("kill", TimeSpan.FromSeconds(5), "-CONT", alpha.Pid.ToString());

        for (int i = 0; i < 100 && !alpha.HasExited; i++) await Task.Delay(100);
        Assert.True(alpha.HasExited, "the deposed leader kept running");
        Assert.Equal(3, await alpha.StopAsync());
        var status = File.ReadAllText(Path.Combine(Work, "alpha", "cluster.json"));
        Assert.Contains("\"role\": \"stopped\"", status);
        Assert.Contains("not the leader any more", status);
        var leading = File.ReadAllText(betaStatus);
        Assert.Contains("\"role\": \"leader\"", leading);
        Assert.Contains("\"term\": 2", leading);
    }

    [Fact]
    public async Task serve_refuses_a_cluster_url_that_is_not_nats_and_a_node_without_a_cluster()
    {
        var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromSeconds(60), Parts.Cli, "serve", "--data", Path.Combine(Work, "x"), "--cluster", "http://h1:4222", "--node", "alpha");
        Assert.Equal(2, code);
        Assert.Contains("nats://HOST:PORT", output);
        (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromSeconds(60), Parts.Cli, "serve", "--data", Path.Combine(Work, "x"), "--cluster", "nats://h1:4222", "--node", "Not A Name");
        Assert.Equal(2, code);
        Assert.Contains("--node NAME", output);
        (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromSeconds(60), Parts.Cli, "serve", "--data", Path.Combine(Work, "x"), "--node", "alpha");
        Assert.Equal(2, code);
        Assert.Contains("--node needs --cluster", output);
    }
}
