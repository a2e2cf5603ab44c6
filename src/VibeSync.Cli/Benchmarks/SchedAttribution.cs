// Why: "the rest is scheduling" was an inference. This asks the kernel's trace, for each slow
// intent's window, how long this process's threads waited runnable for a CPU, what ran on the CPUs
// meanwhile, and how long they slept (futex/timer vs. disk), so the claim can be checked.
// A request that crosses processes (bench journal: the client and serve) is traced over a set of
// them, each with its own prefix, and the CPU wait is also told apart per process.
namespace VibeSync.Cli.Benchmarks;

/// <summary>Milliseconds attributed to a thread group or a process.</summary>
internal sealed record Share(string Name, double Ms);

/// <summary>
/// How long a group of this process's threads waited for a CPU over the measured run: after a
/// wake-up (its p50/p99/max), after being preempted while running (count, max), and how often it
/// gave the CPU up itself while still runnable (sched_yield: spin-waiting), with its CPU time.
/// </summary>
internal sealed record WakeLatency(string Threads, int WakeUps, double P50Ms, double P99Ms, double MaxMs, int Preemptions, double PreemptedMaxMs, int Yields, double CpuMs);

/// <summary>
/// One slow intent: its latency, how much of it our processes waited for a CPU (and each of them,
/// <paramref name="WaitingBy"/>, when there are several), what ran instead, which threads slept on the disk.
/// </summary>
internal sealed record SlowIntentSched(double Ms, double WaitingForCpuMs, string RanInstead, string Slept, string WaitingBy = "")
{
    /// <summary>Of the rest (no thread of ours waiting): the time one of ours ran.</summary>
    public double RunningMs { get; init; }

    /// <summary>The time every thread of ours slept (a lock, a timer, the disk; across processes also the network stack, here loopback).</summary>
    public double AsleepMs { get; init; }
}

/// <summary>How many slow intents spent most of their time in <paramref name="Name"/>.</summary>
internal sealed record Tally(string Name, int Count);

/// <summary>The scheduler's view of a run's slow intents (see <see cref="SchedAttribution"/>).</summary>
internal sealed record SchedReport(
    int Events, int Unparsed, string PerfNotes,
    double MeasuredSeconds, IReadOnlyList<Share> CpuOverRun,
    int SlowIntents, double SlowMs, double WaitingForCpuMs, double RunningMs, double AsleepMs,
    IReadOnlyList<Share> RunnableInSlow, IReadOnlyList<Share> RanInsteadWhileWaiting, IReadOnlyList<Share> CpuInSlow,
    IReadOnlyList<Share> DiskSleepInSlow, IReadOnlyList<WakeLatency> WakeUps, IReadOnlyList<SlowIntentSched> Slowest)
{
    /// <summary>
    /// Per process traced, the slow time during which a thread of it waited runnable for a CPU (the
    /// processes' waits may overlap, so these can sum to more than <see cref="WaitingForCpuMs"/>).
    /// </summary>
    public IReadOnlyList<Share> WaitingByProcess { get; init; } = [];

    /// <summary>
    /// Every slow intent counted once, by where most of its own time went: a process of ours waiting
    /// for a CPU ("client waiting", …; with one process "waiting"), "running", or "all asleep".
    /// </summary>
    public IReadOnlyList<Tally> MostlyIn { get; init; } = [];

    /// <summary>The report for people, indented under a benchmark's figures; <paramref name="slowNoun"/> names what was timed.</summary>
    public IEnumerable<string> Lines(string slowNoun = "intents")
    {
        static string List(IEnumerable<Share> shares) => string.Join(", ", shares.Select(s => $"{s.Name} {s.Ms:F1}"));
        yield return $"  sched-trace: {Events:N0} switches and wake-ups (perf, every CPU){(Unparsed > 0 ? $", {Unparsed} lines not understood" : "")}{(PerfNotes.Length > 0 ? $"; perf: {PerfNotes.ReplaceLineEndings(" ")}" : "")}";
        yield return $"    CPU over the measured {MeasuredSeconds:F1} s, ms: {List(CpuOverRun)}";
        yield return $"    {SlowIntents} {slowNoun} over 1 ms, pending during {SlowMs:F1} ms (\"slow time\"); a thread of ours waited runnable for a CPU during {WaitingForCpuMs:F1} ms of it ({(SlowMs == 0 ? 0 : WaitingForCpuMs / SlowMs):P0}); else one ran during {RunningMs:F1} ms ({(SlowMs == 0 ? 0 : RunningMs / SlowMs):P0}); else all slept {AsleepMs:F1} ms ({(SlowMs == 0 ? 0 : AsleepMs / SlowMs):P0})";
        if (MostlyIn.Count > 0) yield return $"    each of the {SlowIntents} by where most of its own time went: {string.Join(", ", MostlyIn.Select(t => $"{t.Name} {t.Count}"))}";
        if (WaitingByProcess.Count > 1) yield return $"    waiting for a CPU in slow time, by process (ms; they may overlap): {List(WaitingByProcess)}";
        yield return $"    runnable, not running, in slow time (ms a group had one waiting): {List(RunnableInSlow)}";
        yield return $"    ran instead while ours waited (CPU ms): {List(RanInsteadWhileWaiting)}";
        yield return $"    the CPUs in slow time (CPU ms): {List(CpuInSlow)}";
        yield return $"    disk sleeps (D) in slow time (ms): {(DiskSleepInSlow.Count == 0 ? "none" : List(DiskSleepInSlow))}";
        foreach (var w in WakeUps)
            yield return $"    {w.Threads}: {w.CpuMs:F1} ms on a CPU; {w.WakeUps:N0} wake-ups waited p50 {w.P50Ms:F3} / p99 {w.P99Ms:F3} / max {w.MaxMs:F3} ms for it; preempted {w.Preemptions:N0}× (longest wait {w.PreemptedMaxMs:F3} ms); yielded it {w.Yields:N0}× (spin-waiting)";
        foreach (var s in Slowest)
            yield return $"    slow {s.Ms:F2} ms: waited for a CPU {s.WaitingForCpuMs:F2} ms{(s.WaitingBy.Length > 0 ? $" ({s.WaitingBy})" : "")}; instead: {s.RanInstead}{(s.Slept.Length > 0 ? $"; disk: {s.Slept}" : "")}; else running {s.RunningMs:F2} ms, all asleep {s.AsleepMs:F2} ms";
    }
}

/// <summary>
/// Attributes windows of time (slow intents) to what the scheduler did, from a <see cref="SchedTimeline"/>.
/// Our processes' threads are grouped by name (the thread pool's workers, the WAL writer, GC, the
/// tiered JIT, …) under their process's prefix, plus any named by tid (the paced submitter); other
/// processes by their name.
/// </summary>
internal sealed class SchedAttribution
{
    private readonly SchedTimeline _timeline;
    private readonly IReadOnlyDictionary<int, string> _processes;
    private readonly IReadOnlyDictionary<int, string> _named;
    private readonly int[] _ours;

    /// <summary>One process of ours, <paramref name="pid"/>, its threads labelled "ours: …".</summary>
    public SchedAttribution(SchedTimeline timeline, int pid, IReadOnlyDictionary<int, string> named)
        : this(timeline, new Dictionary<int, string> { [pid] = "ours" }, named) { }

    /// <summary>Several processes of ours (pid → the prefix their threads' labels get, e.g. "client", "serve").</summary>
    public SchedAttribution(SchedTimeline timeline, IReadOnlyDictionary<int, string> processes, IReadOnlyDictionary<int, string> named)
    {
        _timeline = timeline;
        _processes = processes;
        _named = named;
        _ours = timeline.Threads.Keys.Where(t => timeline.PidOf.TryGetValue(t, out var p) && processes.ContainsKey(p)).ToArray();
    }

    /// <summary>The prefix of the process of ours <paramref name="tid"/> belongs to.</summary>
    private string ProcessOf(int tid) => _processes[_timeline.PidOf[tid]];

    /// <summary>The group a thread is counted in.</summary>
    public string Label(int tid)
    {
        if (tid == 0) return "idle";
        if (_named.TryGetValue(tid, out var named)) return named;
        string name = _timeline.NameOf.GetValueOrDefault(tid, "?");
        if (!_timeline.PidOf.TryGetValue(tid, out var pid) || !_processes.TryGetValue(pid, out var ours)) return "other: " + name;
        return ours + ": " + name switch
        {
            ".NET TP Worker" => "thread-pool workers",
            ".NET Tiered Com" => "tiered JIT",
            ".NET Timer" => "timer",
            ".NET Finalizer" => "finalizer",
            ".NET Sockets" => "socket engine",
            _ when name.StartsWith("vibesync-wal", StringComparison.Ordinal) => "WAL writer",
            _ when name.Contains("GC", StringComparison.Ordinal) => "GC",
            _ => name,
        };
    }

    /// <summary>
    /// The report for intents <paramref name="slow"/> (each its window in CLOCK_MONOTONIC ns) in the measured
    /// run [<paramref name="from"/>, <paramref name="to"/>]. Slow intents submitted together share most of their
    /// windows, so the totals are over the union of the windows ("slow time", wall-clock ms), never summed per intent.
    /// </summary>
    public SchedReport Report(IReadOnlyList<(long From, long To)> slow, long from, long to, int events, int unparsed, string notes)
    {
        var slowTime = Union(slow.ToList());
        var runnable = new Dictionary<string, List<(long, long)>>();
        var disk = new Dictionary<string, List<(long, long)>>();
        var waits = new List<(long From, long To)>();
        var waitsBy = new Dictionary<string, List<(long, long)>>();
        var running = new List<(long From, long To)>();
        var cpu = new Dictionary<string, double>();
        foreach (var (a, b) in slowTime)
        {
            foreach (int tid in _ours)
                foreach (var i in _timeline.Of(tid, a, b))
                {
                    if (i.State == SchedState.Running) running.Add((i.From, i.To));
                    else if (i.State is SchedState.WokenWaiting or SchedState.PreemptedWaiting) { Add(runnable, Label(tid), i); Add(waitsBy, ProcessOf(tid), i); waits.Add((i.From, i.To)); }
                    else if (i.State == SchedState.DiskSleeping) Add(disk, Label(tid), i);
                }
            foreach (var run in _timeline.Runs(a, b)) Add(cpu, Label(run.Tid), Ms(run.To - run.From));
        }
        var waiting = Union(waits);
        // Slow time is split three ways: some thread of ours waits for a CPU; else one runs; else all sleep (a lock, a timer, the disk).
        double runningOnly = Length(Union(running.Concat(waits).ToList())) - Length(waiting);
        var instead = new Dictionary<string, double>();
        foreach (var (a, b) in waiting)
            foreach (var run in _timeline.Runs(a, b)) Add(instead, Label(run.Tid), Ms(run.To - run.From));
        var overRun = new Dictionary<string, double>();
        foreach (var run in _timeline.Runs(from, to)) Add(overRun, Label(run.Tid), Ms(run.To - run.From));
        return new SchedReport(events, unparsed, notes, Math.Round(Ms(to - from) / 1000, 3), Shares(overRun, 12), slow.Count, Math.Round(Length(slowTime), 3),
            Math.Round(Length(waiting), 3), Math.Round(runningOnly, 3), Math.Round(Length(slowTime) - runningOnly - Length(waiting), 3), Shares(Lengths(runnable), 10), Shares(instead, 10), Shares(cpu, 12), Shares(Lengths(disk), 10), WakeUpsOver(from, to),
            Slowest(slow, 8)) { WaitingByProcess = Shares(Lengths(waitsBy), _processes.Count), MostlyIn = MostlyInOf(slow) };
    }

    /// <summary>Each window counted once under the largest of: each process's CPU wait, our running, all asleep.</summary>
    private IReadOnlyList<Tally> MostlyInOf(IReadOnlyList<(long From, long To)> slow)
    {
        var counts = new Dictionary<string, int>();
        foreach (var w in slow)
        {
            var e = Explain(w);
            var candidates = new List<(string Name, double Ms)> { ("running", e.Sched.RunningMs), ("all asleep", e.Sched.AsleepMs) };
            if (_processes.Count > 1) candidates.AddRange(e.WaitsBy.Select(kv => (kv.Key + " waiting", kv.Value)));
            else candidates.Add(("waiting", e.Sched.WaitingForCpuMs));
            var top = candidates.MaxBy(x => x.Ms);
            counts[top.Name] = counts.GetValueOrDefault(top.Name) + 1;
        }
        return counts.OrderByDescending(kv => kv.Value).Select(kv => new Tally(kv.Key, kv.Value)).ToArray();
    }

    /// <summary>The <paramref name="count"/> slowest intents whose windows do not overlap each other (a burst is one), each explained.</summary>
    private IReadOnlyList<SlowIntentSched> Slowest(IReadOnlyList<(long From, long To)> slow, int count)
    {
        var chosen = new List<(long From, long To)>();
        foreach (var w in slow.OrderByDescending(w => w.To - w.From))
        {
            if (chosen.Count == count) break;
            if (chosen.Any(c => c.From < w.To && w.From < c.To)) continue;
            chosen.Add(w);
        }
        return chosen.Select(w => Explain(w).Sched).ToArray();
    }

    /// <summary>One window: our CPU wait (each process's too), what ran instead, disk sleeps, our running and all asleep.</summary>
    private (SlowIntentSched Sched, Dictionary<string, double> WaitsBy) Explain((long From, long To) w)
    {
        var waits = new List<(long From, long To)>();
        var running = new List<(long From, long To)>();
        var waitsBy = new Dictionary<string, List<(long, long)>>();
        var disk = new Dictionary<string, double>();
        foreach (int tid in _ours)
            foreach (var i in _timeline.Of(tid, w.From, w.To))
            {
                if (i.State == SchedState.Running) running.Add((i.From, i.To));
                else if (i.State is SchedState.WokenWaiting or SchedState.PreemptedWaiting) { waits.Add((i.From, i.To)); Add(waitsBy, ProcessOf(tid), i); }
                else if (i.State == SchedState.DiskSleeping) Add(disk, Label(tid), Ms(i.To - i.From));
            }
        var waiting = Union(waits);
        var instead = new Dictionary<string, double>();
        foreach (var (a, b) in waiting)
            foreach (var run in _timeline.Runs(a, b)) Add(instead, Label(run.Tid), Ms(run.To - run.From));
        double runningOnly = Length(Union(running.Concat(waits).ToList())) - Length(waiting);
        var by = Lengths(waitsBy);
        var sched = new SlowIntentSched(Math.Round(Ms(w.To - w.From), 3), Math.Round(Length(waiting), 3), Top(instead, 3), Top(disk, 3),
            _processes.Count > 1 ? Top(by, _processes.Count) : "")
        {
            RunningMs = Math.Round(runningOnly, 3),
            AsleepMs = Math.Round(Ms(w.To - w.From) - runningOnly - Length(waiting), 3),
        };
        return (sched, by);
    }

    /// <summary>Per group of this process's threads: how long a wake-up waited for a CPU, and how often the group was preempted.</summary>
    private IReadOnlyList<WakeLatency> WakeUpsOver(long from, long to)
    {
        var woken = new Dictionary<string, List<double>>();
        var preempted = new Dictionary<string, List<double>>();
        var yielded = new Dictionary<string, List<double>>();
        var running = new Dictionary<string, List<double>>();
        foreach (int tid in _ours)
            foreach (var i in _timeline.Of(tid, from, to))
            {
                var into = i.State switch
                {
                    SchedState.WokenWaiting => woken, SchedState.PreemptedWaiting => preempted, SchedState.YieldedWaiting => yielded,
                    SchedState.Running => running, _ => null,
                };
                if (into == null) continue;
                string label = Label(tid);
                if (!into.TryGetValue(label, out var list)) into[label] = list = new List<double>();
                list.Add(Ms(i.To - i.From));
            }
        return running.Keys.Union(woken.Keys).Select(label =>
        {
            var w = woken.GetValueOrDefault(label)?.ToArray() ?? Array.Empty<double>();
            var p = preempted.GetValueOrDefault(label) ?? new List<double>();
            return new WakeLatency(label, w.Length, Round(w, 0.5), Round(w, 0.99), w.Length == 0 ? 0 : Math.Round(w.Max(), 3), p.Count, p.Count == 0 ? 0 : Math.Round(p.Max(), 3),
                yielded.GetValueOrDefault(label)?.Count ?? 0, Math.Round(running.GetValueOrDefault(label)?.Sum() ?? 0, 3));
        }).OrderByDescending(l => l.CpuMs).ToArray();
        static double Round(double[] xs, double q) => xs.Length == 0 ? 0 : Math.Round(Percentiles.Of(xs, q), 3);
    }

    private static List<(long From, long To)> Union(List<(long From, long To)> spans)
    {
        var merged = new List<(long From, long To)>();
        foreach (var s in spans.OrderBy(s => s.From))
        {
            if (merged.Count > 0 && s.From <= merged[^1].To) merged[^1] = (merged[^1].From, Math.Max(merged[^1].To, s.To));
            else merged.Add(s);
        }
        return merged;
    }

    private static double Ms(long ns) => ns / 1e6;

    private static double Length(List<(long From, long To)> union) => union.Sum(u => Ms(u.To - u.From));

    private static void Add(Dictionary<string, List<(long, long)>> into, string key, ThreadInterval i)
    {
        if (!into.TryGetValue(key, out var list)) into[key] = list = new List<(long, long)>();
        list.Add((i.From, i.To));
    }

    /// <summary>Per group, the wall-clock time at least one of its threads was in the intervals.</summary>
    private static Dictionary<string, double> Lengths(Dictionary<string, List<(long, long)>> by) => by.ToDictionary(kv => kv.Key, kv => Length(Union(kv.Value)));

    private static void Add(Dictionary<string, double> into, string key, double ms) => into[key] = into.GetValueOrDefault(key) + ms;

    private static IReadOnlyList<Share> Shares(Dictionary<string, double> by, int top) =>
        by.OrderByDescending(kv => kv.Value).Take(top).Select(kv => new Share(kv.Key, Math.Round(kv.Value, 3))).ToArray();

    private static string Top(IReadOnlyDictionary<string, double> by, int top) =>
        string.Join(", ", by.OrderByDescending(kv => kv.Value).Take(top).Select(kv => $"{kv.Key} {kv.Value:F2} ms"));
}
