// Why: a slow sample is either work, waiting for a CPU, or sleeping (a lock, a timer, the disk).
// A thread that yields (spin-waits) is runnable but has nothing to do: it is kept apart from one
// that was preempted or woken and waits.
// Only the kernel's switches and wake-ups tell these apart; this turns them into per-thread
// intervals and per-CPU runs that a window of time can be asked about.
namespace VibeSync.Cli.Benchmarks;

/// <summary>What a thread was doing over an interval.</summary>
internal enum SchedState
{
    /// <summary>On a CPU.</summary>
    Running,
    /// <summary>Runnable after a wake-up, waiting for a CPU.</summary>
    WokenWaiting,
    /// <summary>Runnable after it was preempted (kernel state R+), waiting for a CPU.</summary>
    PreemptedWaiting,
    /// <summary>Runnable after it gave its CPU up itself (state R without +: sched_yield, as spin-waits do), waiting for a CPU.</summary>
    YieldedWaiting,
    /// <summary>Asleep and interruptible: a futex, epoll, a timer (kernel state S).</summary>
    Sleeping,
    /// <summary>Asleep and uninterruptible: disk I/O such as fsync (kernel state D).</summary>
    DiskSleeping,
}

/// <summary>Thread <paramref name="Tid"/> in <paramref name="State"/> from <paramref name="From"/> to <paramref name="To"/> (CLOCK_MONOTONIC ns).</summary>
internal readonly record struct ThreadInterval(long From, long To, int Tid, SchedState State);

/// <summary>CPU <paramref name="Cpu"/> ran thread <paramref name="Tid"/> (0: idle) from <paramref name="From"/> to <paramref name="To"/>.</summary>
internal readonly record struct CpuRun(long From, long To, int Cpu, int Tid);

/// <summary>The threads' states and the CPUs' runs, rebuilt from a trace's switches and wake-ups.</summary>
internal sealed class SchedTimeline
{
    private readonly Dictionary<int, List<ThreadInterval>> _threads = new();
    private readonly Dictionary<int, List<CpuRun>> _cpus = new();
    private readonly Dictionary<int, int> _pidOf = new();
    private readonly Dictionary<int, string> _nameOf = new();

    private SchedTimeline() { }

    /// <summary>The process each thread seen belongs to (from the events' headers).</summary>
    public IReadOnlyDictionary<int, int> PidOf => _pidOf;

    /// <summary>Each thread's name as the kernel last reported it (15 characters at most).</summary>
    public IReadOnlyDictionary<int, string> NameOf => _nameOf;

    /// <summary>Every thread's intervals in time order; the part of a thread's life before its first event is unknown and left out.</summary>
    public IReadOnlyDictionary<int, List<ThreadInterval>> Threads => _threads;

    /// <summary>Every CPU's runs in time order.</summary>
    public IReadOnlyDictionary<int, List<CpuRun>> Cpus => _cpus;

    /// <summary>Builds the timeline from events in time order (as <c>perf script</c> prints them).</summary>
    public static SchedTimeline From(IEnumerable<SchedEvent> events)
    {
        var t = new SchedTimeline();
        var since = new Dictionary<int, (long At, SchedState State)>();
        var onCpu = new Dictionary<int, (long At, int Tid)>();
        void Close(int tid, long at, SchedState next)
        {
            if (tid != 0 && since.TryGetValue(tid, out var s) && at >= s.At) t.Add(new ThreadInterval(s.At, at, tid, s.State));
            since[tid] = (at, next);
        }
        foreach (var e in events)
        {
            if (e.Tid != 0) t._pidOf[e.Tid] = e.Pid;
            switch (e)
            {
                case SchedSwitch s:
                    if (s.Tid != 0) t._nameOf[s.Tid] = s.PrevComm;
                    if (s.NextTid != 0) t._nameOf[s.NextTid] = s.NextComm;
                    if (onCpu.TryGetValue(s.Cpu, out var run) && s.AtNs >= run.At)
                    {
                        if (!t._cpus.TryGetValue(s.Cpu, out var runs)) t._cpus[s.Cpu] = runs = new List<CpuRun>();
                        runs.Add(new CpuRun(run.At, s.AtNs, s.Cpu, run.Tid));
                    }
                    onCpu[s.Cpu] = (s.AtNs, s.NextTid);
                    Close(s.Tid, s.AtNs, s.PrevState switch
                    {
                        "R+" => SchedState.PreemptedWaiting,
                        ['R', ..] => SchedState.YieldedWaiting,
                        ['D', ..] => SchedState.DiskSleeping,
                        _ => SchedState.Sleeping,
                    });
                    Close(s.NextTid, s.AtNs, SchedState.Running);
                    break;
                case SchedWakeup w:
                    t._nameOf[w.WokenTid] = w.WokenComm;
                    // A wake-up of a thread already running or runnable changes nothing.
                    if (!since.TryGetValue(w.WokenTid, out var state) || state.State is SchedState.Sleeping or SchedState.DiskSleeping)
                        Close(w.WokenTid, w.AtNs, SchedState.WokenWaiting);
                    break;
            }
        }
        return t;
    }

    private void Add(ThreadInterval interval)
    {
        if (!_threads.TryGetValue(interval.Tid, out var list)) _threads[interval.Tid] = list = new List<ThreadInterval>();
        list.Add(interval);
    }

    /// <summary>The intervals of <paramref name="tid"/> that overlap [<paramref name="from"/>, <paramref name="to"/>], clipped to it.</summary>
    public IEnumerable<ThreadInterval> Of(int tid, long from, long to)
    {
        if (!_threads.TryGetValue(tid, out var list)) yield break;
        for (int i = FirstEndingAfter(list, from, x => x.To); i < list.Count && list[i].From < to; i++)
            yield return list[i] with { From = Math.Max(list[i].From, from), To = Math.Min(list[i].To, to) };
    }

    /// <summary>The runs of every CPU that overlap [<paramref name="from"/>, <paramref name="to"/>], clipped to it.</summary>
    public IEnumerable<CpuRun> Runs(long from, long to)
    {
        foreach (var list in _cpus.Values)
            for (int i = FirstEndingAfter(list, from, x => x.To); i < list.Count && list[i].From < to; i++)
                yield return list[i] with { From = Math.Max(list[i].From, from), To = Math.Min(list[i].To, to) };
    }

    /// <summary>Binary search in a list of non-overlapping intervals in time order.</summary>
    private static int FirstEndingAfter<T>(List<T> list, long at, Func<T, long> end)
    {
        int lo = 0, hi = list.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (end(list[mid]) <= at) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
