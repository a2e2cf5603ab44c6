// Why a parser of our own: `perf script` is the only reader of perf.data on this machine, and its
// text puts thread names with spaces (".NET TP Worker") before the fields, so the fields are
// matched by their keys, not split on blanks.
using System.Globalization;
using System.Text.RegularExpressions;

namespace VibeSync.Cli.Benchmarks;

/// <summary>A scheduler event: a context switch on a CPU, or a thread made runnable.</summary>
internal abstract record SchedEvent(long AtNs, int Cpu, int Pid, int Tid);

/// <summary>
/// CPU <see cref="SchedEvent.Cpu"/> stops running <see cref="SchedEvent.Tid"/> (of process
/// <see cref="SchedEvent.Pid"/>) and runs <paramref name="NextTid"/>. <paramref name="PrevState"/>
/// is the kernel's letter: R (preempted, still runnable), S (waits: futex, epoll, sleep), D
/// (uninterruptible: disk I/O such as fsync), …
/// </summary>
internal sealed record SchedSwitch(long AtNs, int Cpu, int Pid, int Tid, string PrevComm, string PrevState, int NextTid, string NextComm)
    : SchedEvent(AtNs, Cpu, Pid, Tid);

/// <summary>Thread <paramref name="WokenTid"/> is put on a run queue by the thread running on <see cref="SchedEvent.Cpu"/>.</summary>
internal sealed record SchedWakeup(long AtNs, int Cpu, int Pid, int Tid, int WokenTid, string WokenComm, int TargetCpu)
    : SchedEvent(AtNs, Cpu, Pid, Tid);

/// <summary>
/// Reads the output of <c>perf script -F pid,tid,cpu,time,event,trace</c> over the tracepoints
/// <c>sched:sched_switch</c> and <c>sched:sched_wakeup</c> (recorded with <c>-k CLOCK_MONOTONIC</c>,
/// so times are the clock <see cref="System.Diagnostics.Stopwatch"/> reads on Linux).
/// </summary>
internal static class PerfScript
{
    // "  11719/11747 [001] 81267.306121: sched:sched_switch: prev_comm=… ==> next_comm=… next_pid=… next_prio=…"
    // The leading comm is optional (present unless -F leaves it out) and may hold spaces.
    private static readonly Regex Header = new(@"(?<pid>-?\d+)/(?<tid>-?\d+)\s+\[(?<cpu>\d+)\]\s+(?<sec>\d+)\.(?<frac>\d+):\s+(?:\d+\s+)?(?<event>sched:\w+):\s?(?<trace>.*)$", RegexOptions.Compiled | RegexOptions.CultureInvariant);
    private static readonly Regex Switch = new(@"^prev_comm=(?<pc>.*) prev_pid=(?<pp>\d+) prev_prio=-?\d+ prev_state=(?<ps>\S+) ==> next_comm=(?<nc>.*) next_pid=(?<np>\d+) next_prio=-?\d+\s*$", RegexOptions.Compiled | RegexOptions.CultureInvariant);
    private static readonly Regex Wakeup = new(@"^comm=(?<c>.*) pid=(?<p>\d+) prio=-?\d+(?: success=\d+)? target_cpu=(?<t>\d+)\s*$", RegexOptions.Compiled | RegexOptions.CultureInvariant);

    /// <summary>
    /// The switches and wake-ups among <paramref name="lines"/>, in order. Other events, blank lines
    /// and perf's own notes are skipped; <paramref name="skipped"/> counts sched lines that did not parse.
    /// </summary>
    public static List<SchedEvent> Parse(IEnumerable<string> lines, out int skipped)
    {
        var events = new List<SchedEvent>();
        skipped = 0;
        foreach (var line in lines)
        {
            var h = Header.Match(line);
            if (!h.Success) { if (line.Contains("sched:sched_", StringComparison.Ordinal)) skipped++; continue; }
            long at = Nanoseconds(h.Groups["sec"].Value, h.Groups["frac"].Value);
            int cpu = int.Parse(h.Groups["cpu"].Value, CultureInfo.InvariantCulture);
            int pid = int.Parse(h.Groups["pid"].Value, CultureInfo.InvariantCulture), tid = int.Parse(h.Groups["tid"].Value, CultureInfo.InvariantCulture);
            string trace = h.Groups["trace"].Value;
            switch (h.Groups["event"].Value)
            {
                case "sched:sched_switch":
                    var s = Switch.Match(trace);
                    if (!s.Success) { skipped++; continue; }
                    events.Add(new SchedSwitch(at, cpu, pid, int.Parse(s.Groups["pp"].Value, CultureInfo.InvariantCulture), s.Groups["pc"].Value,
                        s.Groups["ps"].Value, int.Parse(s.Groups["np"].Value, CultureInfo.InvariantCulture), s.Groups["nc"].Value));
                    break;
                case "sched:sched_wakeup":
                case "sched:sched_wakeup_new":
                    var w = Wakeup.Match(trace);
                    if (!w.Success) { skipped++; continue; }
                    events.Add(new SchedWakeup(at, cpu, pid, tid, int.Parse(w.Groups["p"].Value, CultureInfo.InvariantCulture), w.Groups["c"].Value,
                        int.Parse(w.Groups["t"].Value, CultureInfo.InvariantCulture)));
                    break;
            }
        }
        return events;
    }

    /// <summary>"81267.306121" as nanoseconds, whatever the number of decimals perf printed.</summary>
    private static long Nanoseconds(string seconds, string fraction)
    {
        string ns = fraction.Length >= 9 ? fraction[..9] : fraction.PadRight(9, '0');
        return long.Parse(seconds, CultureInfo.InvariantCulture) * 1_000_000_000L + long.Parse(ns, CultureInfo.InvariantCulture);
    }
}
