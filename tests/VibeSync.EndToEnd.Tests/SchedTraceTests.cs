using VibeSync.Cli.Benchmarks;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// The scheduler trace of `bench pipeline --sched-trace`, read from 45 lines of real `perf script`
/// output recorded on this machine (Samples/perf-script-sched.txt: a serve-like process 5537 whose
/// WAL writer 5545 sleeps on the disk, is woken and waits 4.476 ms for a CPU while blender and
/// others run), plus one cut-off line. No perf needed.
/// </summary>
public sealed class SchedTraceTests
{
    private const int Ours = 5537, WalWriter = 5545;
    private static readonly string[] Sample = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Samples", "perf-script-sched.txt"));
    private static long Ns(string at) => (long)Math.Round(double.Parse(at, System.Globalization.CultureInfo.InvariantCulture) * 1e9);

    [Fact]
    public void every_switch_and_wake_up_is_read_and_a_cut_off_line_is_counted_not_guessed()
    {
        var events = PerfScript.Parse(Sample, out int skipped);
        Assert.Equal(45, events.Count);
        Assert.Equal(1, skipped);
        Assert.Equal(15, events.OfType<SchedWakeup>().Count());
        var tiered = events.OfType<SchedSwitch>().First(s => s.Tid == 4582);
        Assert.Equal((4536, ".NET Tiered Com", "R", "perf-exec", 5561, 0), (tiered.Pid, tiered.PrevComm, tiered.PrevState, tiered.NextComm, tiered.NextTid, tiered.Cpu));
        Assert.Equal(Ns("82563.729834"), tiered.AtNs);
        Assert.Contains(events.OfType<SchedSwitch>(), s => s.PrevState == "R+" && s.PrevComm == "blender");
    }

    [Fact]
    public void a_thread_that_sleeps_on_the_disk_and_is_woken_waits_runnable_until_it_is_switched_in()
    {
        var timeline = SchedTimeline.From(PerfScript.Parse(Sample, out _));
        var wal = timeline.Threads[WalWriter];
        Assert.Equal(new[] { SchedState.Running, SchedState.DiskSleeping, SchedState.WokenWaiting, SchedState.Running }, wal.Select(i => i.State));
        Assert.Equal((Ns("82563.729949"), Ns("82563.734425")), (wal[2].From, wal[2].To));
        Assert.Equal(Ours, timeline.PidOf[WalWriter]);
        Assert.Equal("vibesync-wal-wr", timeline.NameOf[WalWriter]);
        // Switched out in state R (no +), a thread gave the CPU up itself (sched_yield: spin-waiting), it was not preempted.
        Assert.Equal(new ThreadInterval(Ns("82563.729834"), Ns("82563.731065"), 4582, SchedState.YieldedWaiting), timeline.Threads[4582][1]);
    }

    [Fact]
    public void a_slow_window_is_attributed_to_the_cpu_wait_what_ran_instead_and_the_disk()
    {
        var timeline = SchedTimeline.From(PerfScript.Parse(Sample, out _));
        var attribution = new SchedAttribution(timeline, Ours, new Dictionary<int, string>());
        Assert.Equal("ours: WAL writer", attribution.Label(WalWriter));
        Assert.Equal("ours: thread-pool workers", attribution.Label(5546));
        Assert.Equal("other: blender", attribution.Label(1506));
        Assert.Equal("idle", attribution.Label(0));

        long from = Ns("82563.729879"), to = Ns("82563.734440");
        var report = attribution.Report(new[] { (from, to) }, from, to, 45, 0, "");
        Assert.Equal(1, report.SlowIntents);
        Assert.Equal(4.561, report.SlowMs, 3);
        Assert.Equal(4.476, report.WaitingForCpuMs, 3); // the WAL writer's wait after its wake-up; TP worker 5549's yield is not a wait
        Assert.Equal(new Share("ours: WAL writer", 4.476), report.RunnableInSlow.Single());
        // The rest: the WAL writer ran .729879–.729896 and .734425–.734440 (0.032 ms); it slept on the disk 0.053 ms.
        Assert.Equal(0.032, report.RunningMs, 3);
        Assert.Equal(0.053, report.AsleepMs, 3);
        Assert.Equal(new Share("ours: WAL writer", 0.053), report.DiskSleepInSlow.Single());
        // While it waited: blender on both CPUs (1.220 + 1.067 + 0.026 on CPU 1, 0.163 on CPU 0), then another .NET process's JIT.
        Assert.Equal(new Share("other: blender", 2.476), report.RanInsteadWhileWaiting[0]);
        Assert.Equal(new Share("other: .NET Tiered Com", 2.209), report.RanInsteadWhileWaiting[1]);
        var slowest = report.Slowest.Single();
        Assert.Equal(4.476, slowest.WaitingForCpuMs, 3);
        Assert.StartsWith("other: blender 2.48 ms", slowest.RanInstead);
        Assert.Contains(report.Lines(), l => l.Contains("waited runnable for a CPU during 4.5 ms of it (98", StringComparison.Ordinal));
    }

    [Fact]
    public void with_two_processes_traced_each_ones_wait_for_a_cpu_is_told_apart()
    {
        // As bench journal traces a request: the client (here 5537) and serve (here 21307, whose timer thread 21339 waits twice).
        var timeline = SchedTimeline.From(PerfScript.Parse(Sample, out _));
        var attribution = new SchedAttribution(timeline, new Dictionary<int, string> { [Ours] = "client", [21307] = "serve" }, new Dictionary<int, string>());
        Assert.Equal("client: WAL writer", attribution.Label(WalWriter));
        Assert.Equal("serve: timer", attribution.Label(21339));
        Assert.Equal("other: blender", attribution.Label(1506));

        long from = Ns("82563.729879"), to = Ns("82563.734440");
        var report = attribution.Report(new[] { (from, to) }, from, to, 45, 0, "");
        // serve's timer was woken at .733284 and .734391 and switched in 0.009 and 0.010 ms later: inside the client's 4.476 ms wait, so the union is the client's.
        Assert.Equal(new[] { new Share("client", 4.476), new Share("serve", 0.019) }, report.WaitingByProcess);
        Assert.Equal(4.476, report.WaitingForCpuMs, 3);
        Assert.Equal("client 4.48 ms, serve 0.02 ms", report.Slowest.Single().WaitingBy);
        Assert.Equal((0.032, 0.053), (report.Slowest.Single().RunningMs, report.Slowest.Single().AsleepMs));
        Assert.Equal(new[] { new Tally("client waiting", 1) }, report.MostlyIn);
        Assert.Contains(report.Lines("get_intent reads"), l => l.Contains("by process (ms; they may overlap): client 4.5, serve 0.0", StringComparison.Ordinal));
    }
}
