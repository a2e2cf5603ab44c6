// Measures issue #22's failover goal with every part a real process: two `serve --cluster --listen`
// nodes on the given NATS cluster (under a scratch deployment prefix, so a real deployment's lease
// and journal are never touched), two Unity simulators (`unity` and `unity:b`) whose key files name
// both nodes. The leader is killed with SIGKILL (NATS intact); the clock runs from the kill until an
// edit made in one simulator after it is applied in the other through the new leader. The killed
// node is then started again as the standby for the next kill.
using System.Diagnostics;
using System.Text.Json;
using VibeSync.Cli.Hosts;
using VibeSync.Orchestrator.Keys;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Link;
using VibeSync.Protocol.Spaces;

namespace VibeSync.Cli.Benchmarks;

/// <summary><c>bench cluster --failover N</c>: the leading orchestrator killed N times → edits flowing again.</summary>
internal static class ClusterFailoverBenchmark
{
    /// <summary>Per kill: ms from SIGKILL to the first later edit applied in the other engine; and their p50/p99/max.</summary>
    public sealed record Result(int Kills, double P50Ms, double P99Ms, double MaxMs, double[] SamplesMs, string Engines, string Deployment);

    private const string Edited = "Object.000000";

    public static async Task<Result> RunAsync(string urls, string work, int kills, Action<string> progress)
    {
        var prefix = "BENCHFO_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var nodes = new[] { new Node("alpha", Path.Combine(work, "alpha"), EndToEndBenchmark.FreePort()), new Node("beta", Path.Combine(work, "beta"), EndToEndBenchmark.FreePort()) };
        var running = new Dictionary<string, ChildProcess>();
        var started = new List<ChildProcess>(); // every process, disposed once at the end (killed ones too)
        ChildProcess? a = null, b = null;
        try
        {
            Directory.CreateDirectory(nodes[0].Dir);
            EngineKeys.Add(nodes[0].Dir, EngineInstance.Parse("unity:b"));
            started.Add(running["alpha"] = nodes[0].Start(urls, prefix));
            await UntilRoleAsync(nodes[0], "leader", TimeSpan.FromMinutes(1));
            ShareKeys(nodes[0].Dir, nodes[1].Dir);
            started.Add(running["beta"] = nodes[1].Start(urls, prefix));
            await UntilRoleAsync(nodes[1], "standby", TimeSpan.FromMinutes(1));

            // Two simulators on copies of one scene, their key files naming both nodes (the standby first).
            var scene = SyntheticScene.Objects(20, seed: 20261130);
            string sceneA = Path.Combine(work, "a.unity.json"), sceneB = Path.Combine(work, "b.unity.json");
            BlobFolder.WriteScene(sceneA, scene, Space.Unity, new BlobMemory());
            BlobFolder.WriteScene(sceneB, scene, Space.Unity, new BlobMemory());
            var order = new[] { nodes[1], nodes[0] };
            a = ChildProcess.Self("unity", "sim-unity", "--data", AdapterMachine(work, nodes[0].Dir, "unity", order), "--scene", sceneA, "--steps-from-stdin");
            b = ChildProcess.Self("unity:b", "sim-unity", "--data", AdapterMachine(work, nodes[0].Dir, "unity:b", order), "--scene", sceneB, "--steps-from-stdin", "--trace-applies", "--engine", "unity:b");
            var leader = nodes[0];
            await UntilLiveAsync(leader, TimeSpan.FromMinutes(3));

            var samples = new List<double>();
            int value = 0;
            for (int k = 0; k < kills; k++)
            {
                var standby = leader == nodes[0] ? nodes[1] : nodes[0];
                var killedAt = DateTime.UtcNow;
                var clock = Stopwatch.StartNew();
                running[leader.Name].Kill();
                // An edit every 100 ms in A until one the new leader journaled as unity's (so made after the kill) is applied in B.
                double since = (killedAt - DateTime.UnixEpoch).TotalMilliseconds;
                double? flowed = null;
                while (flowed == null)
                {
                    if (clock.Elapsed > TimeSpan.FromMinutes(2))
                        throw new TimeoutException($"kill {k + 1}: no edit flowed from unity to unity:b within 2 minutes of killing {leader.Name}; last words:\n" +
                            string.Join('\n', a.Lines.TakeLast(8).Concat(b.Lines.TakeLast(8)).Concat(running[standby.Name].Lines.TakeLast(15))));
                    a.Step(new Dictionary<string, object> { ["object"] = Edited, ["localPosition"] = new[] { 1000 + 0.25 * ++value, 1.0, 2.0 } });
                    await Task.Delay(100);
                    var unitys = running[standby.Name].Json()
                        .Where(e => e.TryGetProperty("actor", out var actor) && actor.ValueKind == JsonValueKind.String && actor.GetString() == "human:unity")
                        .Select(e => e.GetProperty("intent_id").GetUInt64()).ToHashSet();
                    foreach (var applied in EndToEndBenchmark.Events(b, "applied"))
                    {
                        double t = applied.GetProperty("t").GetDouble();
                        if (t >= since && EndToEndBenchmark.IntentOf().Match(applied.GetProperty("body").GetString()!) is { Success: true } m && unitys.Contains(ulong.Parse(m.Groups[1].Value)))
                        {
                            flowed = t - since;
                            break;
                        }
                    }
                }
                samples.Add(Math.Round(flowed.Value, 1));
                progress($"kill {k + 1}/{kills}: {leader.Name} killed → an edit in unity applied in unity:b through {standby.Name} after {flowed.Value / 1000:F2} s");
                // The killed node comes back as the standby; the next round starts once both engines are live on the leader.
                started.Add(running[leader.Name] = leader.Start(urls, prefix));
                await UntilRoleAsync(leader, "standby", TimeSpan.FromMinutes(1));
                await UntilLiveAsync(standby, TimeSpan.FromMinutes(2));
                leader = standby;
            }
            var sorted = samples.ToArray();
            return new Result(kills, Percentiles.Of(sorted, 0.50), Percentiles.Of(sorted, 0.99), sorted.Max(), samples.ToArray(), "unity + unity:b (simulators), key files naming both nodes", prefix);
        }
        finally
        {
            foreach (var p in new[] { a, b }.Concat(started)) if (p != null) await p.DisposeAsync();
        }
    }

    private sealed record Node(string Name, string Dir, int Port)
    {
        public ChildProcess Start(string urls, string prefix) => ChildProcess.Self(Name, "serve", "--data", Dir, "--cluster", urls, "--node", Name,
            "--cluster-prefix", prefix, "--listen", $"127.0.0.1:{Port}", "--cosmetic-window-ms", "50");
    }

    private static async Task UntilRoleAsync(Node node, string role, TimeSpan timeout) =>
        await EndToEndBenchmark.UntilAsync(() =>
        {
            var path = Path.Combine(node.Dir, "cluster.json");
            if (!File.Exists(path)) return Task.FromResult(false);
            try { using var doc = JsonDocument.Parse(File.ReadAllText(path)); return Task.FromResult(doc.RootElement.GetProperty("role").GetString() == role); }
            catch (JsonException) { return Task.FromResult(false); } // being replaced
        }, $"{node.Name} to be {role}", timeout);

    private static Task UntilLiveAsync(Node leader, TimeSpan timeout)
    {
        var api = new Orchestrator.Control.ControlApiClient(leader.Dir);
        return EndToEndBenchmark.UntilAsync(async () =>
        {
            var status = await api.StatusAsync();
            return Orchestrator.Control.ControlApiClient.Phase(status, "unity") == "live" && Orchestrator.Control.ControlApiClient.Phase(status, "unity:b") == "live";
        }, $"both simulators live on {leader.Name}", timeout);
    }

    /// <summary>Every node serves with the same engine keys, certificate and project (docs/team.md).</summary>
    private static void ShareKeys(string from, string to)
    {
        Orchestrator.Data.PrivateFiles.EnsureDirectory(Path.Combine(to, "keys"));
        foreach (var file in Directory.EnumerateFiles(Path.Combine(from, "keys")).Where(f => f.EndsWith(".key", StringComparison.Ordinal) || f.EndsWith("tls.pfx", StringComparison.Ordinal)))
            Copy(file, Path.Combine(to, "keys", Path.GetFileName(file)));
        Copy(Path.Combine(from, "project.json"), Path.Combine(to, "project.json"));
    }

    private static void Copy(string from, string to)
    {
        File.Copy(from, to, overwrite: true);
        Orchestrator.Data.PrivateFiles.Tighten(to);
    }

    /// <summary>An adapter's machine: only its key file, with an endpoint line for each node in <paramref name="order"/>.</summary>
    private static string AdapterMachine(string work, string nodeDir, string engine, IEnumerable<Node> order)
    {
        var file = EngineInstance.Parse(engine).KeyFileName;
        var dir = Path.Combine(work, "machine-" + file);
        Directory.CreateDirectory(dir);
        Orchestrator.Data.PrivateFiles.EnsureDirectory(Path.Combine(dir, "keys"));
        var key = KeyFile.Read(Path.Combine(nodeDir, "keys", file));
        var path = Path.Combine(dir, "keys", file);
        File.WriteAllText(path, key.With(key.Pins[0], order.Select(n => new LinkEndpoint("127.0.0.1", n.Port)).ToList()));
        Orchestrator.Data.PrivateFiles.Tighten(path);
        return dir;
    }
}
