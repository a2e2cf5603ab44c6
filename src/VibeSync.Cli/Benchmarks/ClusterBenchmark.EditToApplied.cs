// Design rationale (issue #22 performance, BENCHMARKS.md): what the JetStream journal costs where a
// user feels it: a human's edit in one engine → applied in the other. Two complete setups run side
// by side in one run — serve on the local WAL, and `serve --cluster` (the leader) on three real
// nats-server processes the bench starts itself, never a cluster it was given (serve would write
// into that cluster's real journal) — each with a real headless Blender and the Unity simulator on
// the same sample scene. Their edits alternate, one in each, the order swapped every round, so the
// machine's load falls on both alike and the ratio is measured in one run.
using VibeSync.Cli.Hosts;
using VibeSync.Cluster;
using VibeSync.Orchestrator.Control;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using Latency = VibeSync.Cli.Benchmarks.EndToEndBenchmark.Latency;

namespace VibeSync.Cli.Benchmarks;

internal static partial class ClusterBenchmark
{
    /// <summary>Which engines were used: the edit is made in the first, applied in the second.</summary>
    public const string EditEngines = "real headless Blender (edit) → Unity simulator (applied)";

    /// <summary>Edit → applied in the other engine and → FINAL, on each journal, from alternating edits in one run.</summary>
    public sealed record EditFigures(
        string Engines, int Warmup, Latency WalEditToApplied, Latency JetstreamEditToApplied, double P99Ratio,
        Latency WalEditToFinal, Latency JetstreamEditToFinal);

    /// <summary>One serve with its two engines, ready for edits.</summary>
    private sealed class Setup(ChildProcess serve, ChildProcess blender, ChildProcess unity) : IAsyncDisposable
    {
        public List<double> Applied { get; } = new();
        public List<double> Final { get; } = new();

        public async Task EditAsync(double x, bool keep)
        {
            var (applied, final) = await EndToEndBenchmark.EditToAppliedAsync(serve, blender, unity, x, final: true);
            if (keep) { Applied.Add(applied); Final.Add(final); }
        }

        public async ValueTask DisposeAsync()
        {
            await unity.DisposeAsync();
            await blender.DisposeAsync();
            await serve.DisposeAsync();
        }
    }

    public static async Task<EditFigures> EditToAppliedAsync(NatsCluster nats, string sampleBlenderJson, int edits, Action<string> progress)
    {
        var work = Path.Combine(Path.GetTempPath(), "vibesync-bench-cluster-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            progress("building the sample scene in Blender");
            var blobs = new BlobMemory();
            var (blend, unityJson) = await EndToEndBenchmark.ScenesAsync(work, "sample", sampleBlenderJson, SceneJsonReader.ReadCanonical(sampleBlenderJson, Space.Blender, blobs), blobs);
            progress("serve on the local WAL and serve --cluster on the bench's three nats-server processes, each with Blender and the simulator");
            await using var wal = await StartAsync(work, "wal", blend, unityJson);
            await using var cluster = await StartAsync(work, "cluster", blend, unityJson, "--cluster", nats.Urls, "--node", "bench");

            // A fresh orchestrator's first seconds are not its steady state (tiered JIT, the first
            // snapshots): the warm-up edits are made and not counted.
            int warmup = Math.Max(5, edits / 5);
            progress($"{warmup} warm-up edits, then {edits} edits on each journal, alternating");
            for (int i = 0; i < warmup + edits; i++)
            {
                bool keep = i >= warmup;
                var (first, second) = i % 2 == 0 ? (wal, cluster) : (cluster, wal);
                double x = 3 + i * 0.01;
                await first.EditAsync(x, keep);
                await second.EditAsync(x, keep);
                await Task.Delay(100); // separate edits, not a drag
            }
            var walApplied = EndToEndBenchmark.Stats(wal.Applied);
            var jsApplied = EndToEndBenchmark.Stats(cluster.Applied);
            return new EditFigures(EditEngines, warmup, walApplied, jsApplied, Math.Round(jsApplied.P99Ms / walApplied.P99Ms, 2),
                EndToEndBenchmark.Stats(wal.Final), EndToEndBenchmark.Stats(cluster.Final));
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<Setup> StartAsync(string work, string name, string blend, string unityJson, params string[] serveOptions)
    {
        var dir = Path.Combine(work, name);
        Directory.CreateDirectory(dir);
        // Each Blender opens its own copy of the .blend; the simulators only read the scene and its blobs.
        var ownBlend = Path.Combine(work, name + ".blend");
        File.Copy(blend, ownBlend);
        var api = new ControlApiClient(dir);
        var serve = await EndToEndBenchmark.StartServeAsync(dir, serveOptions);
        var blender = BlenderInstall.Headless(ownBlend, "--data", dir, "--steps-from-stdin");
        await EndToEndBenchmark.UntilAsync(async () => ControlApiClient.Phase(await api.StatusAsync(), "blender") == "live", $"Blender live ({name})", TimeSpan.FromMinutes(3));
        var unity = ChildProcess.Self("unity", "sim-unity", "--data", dir, "--scene", unityJson, "--steps-from-stdin", "--trace-applies");
        await EndToEndBenchmark.UntilAsync(async () => ControlApiClient.Phase(await api.StatusAsync(), "unity") == "live", $"Unity live ({name})", TimeSpan.FromMinutes(3));
        return new Setup(serve, blender, unity);
    }
}
