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

    private Task<ServeProcess> NodeAsync(NatsCluster cluster, string node) =>
        ServeProcess.StartInAsync(Path.Combine(Work, node), "--cluster", cluster.Urls, "--node", node);

    /// <summary>Starts beta, a standby while alpha leads: its ready line (the task) comes only once it leads.</summary>
    private async Task<(Task<ServeProcess> Serving, string Status)> StandbyAsync(NatsCluster cluster)
    {
        var serving = NodeAsync(cluster, "beta");
        var status = Path.Combine(Work, "beta", "cluster.json");
        for (int i = 0; i < 300 && !(File.Exists(status) && File.ReadAllText(status).Contains("alpha leads")); i++) await Task.Delay(100);
        return (serving, status);
    }

    [Fact]
    public async Task every_acknowledged_final_is_in_the_journal_after_the_standby_takes_over_from_a_killed_leader()
    {
        await using var cluster = await NatsCluster.StartAsync();
        var alpha = await NodeAsync(cluster, "alpha");
        ServeProcess? beta = null;
        try
        {
            var unityScene = Parts.SampleUnityScene(Work);
            var none = await WriteAsync("no-edits.json", "[]");
            using var sim = Parts.Sim(alpha.DataDirectory, unityScene, 120, none, Path.Combine(Work, "unity-after.json"));
            var simOutput = Parts.OutputOf(sim, TimeSpan.FromSeconds(150));
            await UntilAsync(alpha, s => ServeProcess.PhaseOf(s, "unity") == "live", "the simulator live on the leader");

            var (standby, betaStatus) = await StandbyAsync(cluster);
            Assert.Contains("not the leader: alpha leads", File.ReadAllText(betaStatus));
            Assert.Contains("\"role\": \"standby\"", File.ReadAllText(betaStatus));

            // A stream of AI intents; the leader is killed in the middle of it.
            var stream = AiIntentStream.Start(alpha, Cube);
            await stream.UntilAcknowledgedAsync(10, TimeSpan.FromSeconds(60));

            var clock = Stopwatch.StartNew();
            alpha.Kill(); // kill -9 mid-stream: no lease handed over, no shutdown
            await stream.Running.WaitAsync(TimeSpan.FromSeconds(30));
            var acknowledged = stream.Acknowledged;
            beta = await standby.WaitAsync(TimeSpan.FromSeconds(60));
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
            sim.Kill(entireProcessTree: true);
            await simOutput;
        }
        finally
        {
            alpha.KeepData = true;
            await alpha.DisposeAsync();
            if (beta != null) await beta.DisposeAsync();
        }
    }

    [Fact]
    public async Task an_old_leader_that_was_frozen_past_its_lease_stops_instead_of_writing()
    {
        await using var cluster = await NatsCluster.StartAsync();
        var alpha = await NodeAsync(cluster, "alpha");
        ServeProcess? beta = null;
        try
        {
            var (standby, betaStatus) = await StandbyAsync(cluster);

            // A partition as the old leader sees it: frozen (SIGSTOP) long enough for its lease to pass to beta.
            await Parts.RunAsync("kill", TimeSpan.FromSeconds(5), "-STOP", alpha.Pid.ToString());
            beta = await standby.WaitAsync(TimeSpan.FromSeconds(60));
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
        finally
        {
            await alpha.DisposeAsync();
            if (beta != null) await beta.DisposeAsync();
        }
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
