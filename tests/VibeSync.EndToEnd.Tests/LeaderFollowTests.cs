using System.Diagnostics;
using System.Text.Json;
using VibeSync.Cluster;
using VibeSync.Link.Tests.Support;
using VibeSync.Protocol.Link;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// Engines follow the leader (issue #22 §3): two real <c>serve --cluster --listen</c> nodes on three
/// real nats-server processes, real headless Blender and the Unity simulator whose key files name
/// both nodes (the standby first); kill -9 the leader during a stream of human edits and AI intents.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LeaderFollowTests : EndToEndTest
{
    private const string Cube = "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f";
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>A second node gets the first's engine keys, certificate and project (docs/team.md: one key file serves every node).</summary>
    private static void ShareKeys(string from, string to)
    {
        var keys = Path.Combine(to, "keys");
        Directory.CreateDirectory(keys, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var name in new[] { "blender.key", "unity.key", "tls.pfx" })
        {
            File.Copy(Path.Combine(from, "keys", name), Path.Combine(keys, name));
            File.SetUnixFileMode(Path.Combine(keys, name), Private);
        }
        File.Copy(Path.Combine(from, "project.json"), Path.Combine(to, "project.json"));
        File.SetUnixFileMode(Path.Combine(to, "project.json"), Private);
    }

    /// <summary>An artist's machine: only ENGINE.key, naming every node's endpoint in <paramref name="endpoints"/>' order.</summary>
    private string AdapterMachine(string nodeDir, string engine, params int[] endpoints)
    {
        var keys = Path.Combine(Work, "machine-" + engine, "keys");
        Directory.CreateDirectory(keys);
        var lines = File.ReadAllLines(Path.Combine(nodeDir, "keys", engine + ".key")).Where(l => !l.StartsWith("endpoint ", StringComparison.Ordinal))
            .Concat(endpoints.Select(p => $"endpoint 127.0.0.1:{p}"));
        var path = Path.Combine(keys, engine + ".key");
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        File.SetUnixFileMode(path, Private);
        return Path.GetDirectoryName(keys)!;
    }

    [Fact]
    public async Task blender_and_the_simulator_follow_a_killed_leader_to_the_standby_and_resync_with_every_acknowledged_final()
    {
        var blend = await Parts.SampleBlendAsync(Work);
        var unityScene = Parts.SampleUnityScene(Work);
        await using var cluster = await NatsCluster.StartAsync();
        int alphaPort = FreePorts.Next(), betaPort = FreePorts.Next();
        string alphaDir = Path.Combine(Work, "alpha"), betaDir = Path.Combine(Work, "beta");
        await using var nodes = new ClusterNodes(cluster);
        var alpha = await nodes.LeaderAsync(alphaDir, "alpha", "--listen", $"127.0.0.1:{alphaPort}", "--cosmetic-window-ms", "100");
        ShareKeys(alphaDir, betaDir);
        var standby = await nodes.StandbyAsync(betaDir, "beta", "--listen", $"127.0.0.1:{betaPort}");

        // The standby's front door: TLS with the shared certificate, HELLO refused with NOT_LEADER naming alpha's endpoint.
        var onlyBeta = KeyFile.Read(Path.Combine(AdapterMachine(alphaDir, "unity", betaPort), "keys", "unity.key"));
        LinkRefusedException? refused = null;
        for (int i = 0; i < 100 && refused == null; i++)
        {
            try { (await LinkClient.ConnectAsync(onlyBeta, () => 0, "unity")).Dispose(); Assert.Fail("a standby welcomed an adapter"); }
            catch (LinkRefusedException e) { refused = e; }
            catch (IOException) { await Task.Delay(100); } // the door is not open yet
        }
        Assert.NotNull(refused);
        Assert.Equal(LeaderHint.NotLeader, refused!.Code);
        Assert.Equal($"127.0.0.1:{alphaPort}", refused.Leader?.ToString());
        Assert.Contains("alpha leads", refused.Reason);

        // Each adapter's key file names the standby first, then the leader: NOT_LEADER sends them on.
        await using var blender = Driven.Blender(blend, AdapterMachine(alphaDir, "blender", betaPort, alphaPort));
        await using var sim = Driven.Sim(AdapterMachine(alphaDir, "unity", betaPort, alphaPort), unityScene);
        await AtParityAsync(alpha, "Blender and the simulator live on the leader", timeoutMs: 180_000);

        // A stream of AI intents (acknowledged = FINAL answered) and human edits in both engines; the leader dies in it.
        var ai = AiIntentStream.Start(alpha, Cube);
        using var humansStop = new CancellationTokenSource();
        var humans = Task.Run(async () =>
        {
            for (int i = 0; !humansStop.IsCancellationRequested; i++)
            {
                await blender.StepAsync($$"""{"object": "Handle", "location": [{{i % 5}}.25, 0.5, 0.5]}""");
                await sim.StepAsync($$"""{"object": "Camera", "localPosition": [{{i % 4}}.5, 1.0, -6.0]}""");
                await Task.Delay(400);
            }
        });
        await ai.UntilAcknowledgedAsync(10, TimeSpan.FromSeconds(90));

        var clock = Stopwatch.StartNew();
        alpha.Kill(); // kill -9: no lease handed over, no goodbye to the engines
        await ai.Running.WaitAsync(TimeSpan.FromSeconds(30));
        var acknowledged = ai.Acknowledged;
        var beta = await standby.LeadsAsync(TimeSpan.FromSeconds(60));
        var takeover = clock.Elapsed;
        await Task.Delay(2000); // human edits go on across the takeover
        humansStop.Cancel();
        await humans;

        // Both engines dialed the standby first, were refused there with NOT_LEADER, and now reconnect to it as leader and resync.
        var status = await AtParityAsync(beta, "Blender and the simulator live on the new leader", timeoutMs: 180_000);
        var reconnected = clock.Elapsed;
        foreach (var engine in new[] { "blender", "unity" })
            Assert.Equal("tls", ServeProcess.EngineIn(status, engine).GetProperty("session").GetProperty("transport").GetString());
        Assert.Contains(beta.Log, l => l.Contains("\"NOT_LEADER\"") && l.Contains("\"blender\""));
        Assert.Contains(beta.Log, l => l.Contains("\"NOT_LEADER\"") && l.Contains("\"unity\""));

        // Every acknowledged FINAL is in the new leader's journal.
        var journal = JsonDocument.Parse(await beta.GetStringAsync("/v1/wal?since=0&limit=100000")).RootElement;
        var finals = journal.EnumerateArray().Where(e => e.GetProperty("phase").GetString() == "FINAL").Select(e => e.GetProperty("intent").GetUInt64()).ToHashSet();
        foreach (var id in acknowledged) Assert.Contains(id, finals);

        // Edits flow again through the new leader: Blender's move lands in Unity (+X is Unity's −X).
        await blender.StepAsync("""{"object": "Cube", "location": [3.0, 2.0, 0.5]}""");
        string? unityNow = null;
        for (var sw = Stopwatch.StartNew(); sw.Elapsed < TimeSpan.FromSeconds(90); await Task.Delay(250))
        {
            unityNow = await WriteAsync("unity-now.json", await beta.GetStringAsync("/v1/state?engine=unity&space=unity"));
            if (Parts.Component(unityNow, "Cube", "localPosition") == -3.0) break;
        }
        Assert.Equal(-3.0, Parts.Component(unityNow!, "Cube", "localPosition"), 5);
        await AssertParityAsync(beta, "blender", "unity"); // Reality, Blender and Unity: one root
        Console.WriteLine($"leader killed → standby served after {takeover.TotalSeconds:F1} s, both engines live at parity after {reconnected.TotalSeconds:F1} s; {acknowledged.Length} acknowledged FINALs all present");
    }

    [Fact]
    public async Task bench_cluster_failover_times_two_kills_of_the_leader_until_edits_flow_again()
    {
        await using var cluster = await NatsCluster.StartAsync();
        var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromMinutes(8), Parts.Cli, "bench", "cluster", "--cluster", cluster.Urls,
            "--data", Path.Combine(Work, "bench"), "--appends", "10", "--edits", "0", "--failover", "2", "--json");
        Assert.True(code == 0, output);
        int start = output.IndexOf("{\n", StringComparison.Ordinal), end = output.LastIndexOf("\n}", StringComparison.Ordinal) + 2; // stdout's JSON; stderr's progress follows
        using var doc = JsonDocument.Parse(output[start..end]);
        var failover = doc.RootElement.GetProperty("failover");
        Assert.Equal(2, failover.GetProperty("kills").GetInt32());
        var samples = failover.GetProperty("samples_ms").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(2, samples.Length);
        // Each is a real takeover: the lease's TTL (3 s) must pass first, and it must end (generously, under CI's load).
        Assert.All(samples, ms => Assert.InRange(ms, 2_500, 60_000));
        Assert.StartsWith("BENCHFO_", failover.GetProperty("deployment").GetString());
    }
}
