using System.Diagnostics;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Unity.Adapter;
using VibeSync.Unity.Simulator;

namespace VibeSync.Cli.Benchmarks;

/// <summary>
/// The Unity package's core in the simulator: attach (scan, stamp-free index, read every
/// GameObject, convert to canonical, hash, write the SCENE report) of N GameObjects, and
/// provisional single-operation set_transform applies per second through the APPLY path.
/// </summary>
internal static class UnityBenchmark
{
    public sealed record Result(int Objects, double LoadSeconds, double AttachMedianSeconds, double AttachMinSeconds, Phases Phases, int Applies, double AppliesPerSecond);

    /// <summary>One attach taken apart (seconds): where the time goes.</summary>
    public sealed record Phases(double Scan, double ReadAndConvert, double Hash, double Report);

    public static Result Run(int objects, int applies, Action<string> progress)
    {
        progress($"building a {objects:N0}-GameObject scene");
        var scene = SyntheticScene.Objects(objects, seed: 20261123);
        var json = SceneJsonWriter.Write(scene, Space.Unity);
        var load = Stopwatch.StartNew();
        var sim = SimScene.Load(json);
        load.Stop();
        var adapter = new UnityAdapter(sim);
        adapter.Attach(); // warm-up
        var times = new double[5];
        for (int i = 0; i < times.Length; i++)
        {
            progress($"attach {i + 1}/{times.Length}");
            var sw = Stopwatch.StartNew();
            var sent = adapter.Attach();
            sw.Stop();
            GC.KeepAlive(sent);
            times[i] = sw.Elapsed.TotalSeconds;
        }
        progress("one attach by phase");
        var phase = Stopwatch.StartNew();
        var index = VibeSync.Unity.Hierarchy.IdentityIndex.Scan(sim, adapter.Index, () => Guid.NewGuid().ToString("D"));
        double scan = phase.Elapsed.TotalSeconds;
        phase.Restart();
        var canonical = VibeSync.Unity.Hierarchy.SceneReader.Canonical(sim, index, adapter.Meshes, adapter.Images);
        double read = phase.Elapsed.TotalSeconds;
        phase.Restart();
        var root = VibeSync.Protocol.Hashing.SceneHasher.Hash(canonical).Root;
        double hash = phase.Elapsed.TotalSeconds;
        phase.Restart();
        var written = SceneParts.Split(canonical).Sum(part => SceneJsonWriter.Write(part, Space.Canonical).Length);
        double report = phase.Elapsed.TotalSeconds;
        GC.KeepAlive(root);
        GC.KeepAlive(written);

        progress($"{applies:N0} provisional applies");
        var ids = scene.Objects.Take(1000).Select(o => o.Uuid).ToArray();
        var payloads = Enumerable.Range(0, applies).Select(i => JsonFields.AsObject(JsonParser.Parse(
            $"{{\"intent\": {i + 1}, \"operations\": [{{\"op\": \"set_transform\", \"uuid\": \"{ids[i % ids.Length]}\", \"translation\": [{i % 100}, 1, 2]}}]}}"), "apply")).ToArray();
        var clock = Stopwatch.StartNew();
        foreach (var p in payloads)
            if (adapter.Apply(p).Type != MessageType.Applied) throw new InvalidOperationException("an apply was refused");
        clock.Stop();
        return new Result(objects, load.Elapsed.TotalSeconds, Percentiles.Of(times, 0.5), times.Min(), new Phases(scan, read, hash, report), applies, applies / clock.Elapsed.TotalSeconds);
    }
}
