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
/// provisional single-operation set_transform applies per second through the APPLY path; and a
/// human's move → EDIT at several scene sizes (issue #20): the adapter's tick on a change the
/// simulator reports by handle (as Unity's ObjectChangeEvents do) beside the whole diff it replaced.
/// </summary>
internal static class UnityBenchmark
{
    public sealed record Result(int Objects, double LoadSeconds, double AttachMedianSeconds, double AttachMinSeconds, Phases Phases, int Applies, double AppliesPerSecond)
    {
        /// <summary>Edit → EDIT at each size (empty unless asked for).</summary>
        public IReadOnlyList<EditToEvent> EditToEvent { get; init; } = Array.Empty<EditToEvent>();

        /// <summary>The reported tick's p50 at the largest size over the smallest (goal ≤ 1.5).</summary>
        public double? AddonP50RatioLargestToSmallest { get; init; }
    }

    /// <summary>
    /// One size: a GameObject moved as a human would, until the tick has sent its EDIT. In the
    /// simulator there is no engine evaluation, so the end-to-end figure is the adapter's own work
    /// (<c>addon</c>: the reported tick); <c>whole_diff</c> is the tick that diffs every record, as before.
    /// </summary>
    public sealed record EditToEvent(int Objects, int Samples, double P50Ms, double P99Ms, double AddonP50Ms, double AddonP99Ms, double WholeDiffP50Ms, double WholeDiffP99Ms);

    /// <summary>Edit → EDIT at each of <paramref name="sizes"/>, in one run.</summary>
    public static (IReadOnlyList<EditToEvent> Cases, double Ratio) Edits(IReadOnlyList<int> sizes, int samples, Action<string> progress)
    {
        var cases = new List<EditToEvent>();
        foreach (var n in sizes)
        {
            progress($"edit → event at {n:N0} GameObjects");
            var sim = SimScene.Load(SceneJsonWriter.Write(SyntheticScene.Objects(n, seed: 20261123), Space.Unity));
            var adapter = new UnityAdapter(sim);
            sim.Changes = adapter.Changes;
            adapter.Changes.Reported = true;
            adapter.Attach();
            var moved = sim.Objects().Where(o => o.Id != null).Take(64).Select(o => o.Handle).ToArray();
            double[] reported = Measure(sim, adapter, moved, samples, 0), whole = Measure(sim, adapter, moved, Math.Max(5, samples / 10), 1_000_000);
            cases.Add(new EditToEvent(n, samples, Percentiles.Of((double[])reported.Clone(), 0.5), Percentiles.Of((double[])reported.Clone(), 0.99),
                Percentiles.Of((double[])reported.Clone(), 0.5), Percentiles.Of((double[])reported.Clone(), 0.99),
                Percentiles.Of((double[])whole.Clone(), 0.5), Percentiles.Of((double[])whole.Clone(), 0.99)));
        }
        return (cases, cases[^1].AddonP50Ms / Math.Max(cases[0].AddonP50Ms, 1e-6));
    }

    /// <summary>Milliseconds from a move to its EDIT, per sample; <paramref name="offset"/> keeps the two runs' positions apart.</summary>
    private static double[] Measure(SimScene sim, UnityAdapter adapter, int[] moved, int samples, int offset)
    {
        var times = new double[samples];
        bool whole = offset > 0;
        for (int i = 0; i < samples; i++)
        {
            var o = sim.Find(moved[i % moved.Length])!;
            var clock = Stopwatch.StartNew();
            sim.Write(o with { LocalPosition = new VibeSync.Protocol.State.Vector3d(offset + i + 0.25, o.LocalPosition.Y, o.LocalPosition.Z) });
            if (whole) adapter.Changes.Everything(); // the tick as it was: every record read and compared
            if (adapter.Tick() == null) throw new InvalidOperationException("a move was not sent");
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        return times;
    }

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
