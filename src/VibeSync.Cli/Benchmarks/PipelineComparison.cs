// Issue #20 §1: `bench pipeline`'s p99 moves 2-3× between runs even on a quiet machine, so a candidate
// runtime setting (a GC budget, the JIT's tiers) is judged by a ratio measured in one run, as
// `bench journal --compare-env` does. Unlike the journal's, the setting cannot be flipped inside one
// process: the tail it acts on is a process's own start (the JIT tiering up the admission path, the
// first GCs), so each round runs the whole benchmark twice in fresh child processes, A as shipped and
// B with the candidate's environment, the order swapped every round so that neither always runs
// first after the machine was idle, and the medians over rounds are compared.

using System.Text.Json;
using VibeSync.Cli.Hosts;

namespace VibeSync.Cli.Benchmarks;

internal static class PipelineComparison
{
    /// <summary>One child's figures: the paced run's, its measured seconds' GC pauses and CPU, and the peak rate.</summary>
    public sealed record Run(double P50Ms, double P99Ms, double MaxMs, int Slow, int GcPauses, double GcPauseMaxMs, double CpuMs, double TieredJitCpuMs, double PeakPerSecond);

    /// <summary>Every run of one side and the median of each figure over them.</summary>
    public sealed record Side(IReadOnlyList<Run> Runs, Run Median);

    /// <summary>A against B; the ratios are B ÷ A of the medians, and p99's also of each round (null where A's figure is 0).</summary>
    public sealed record Result(int Rounds, IReadOnlyList<string> Arguments, IReadOnlyList<string> BEnvironment, Side A, Side B,
        double? P50Ratio, double? P99Ratio, double? MaxRatio, double? GcPausesRatio, double? TieredJitCpuRatio, double? PeakRatio, IReadOnlyList<double?> P99RatioEachRound,
        double? LoadBefore, double? LoadAfter);

    /// <summary>
    /// Runs <c>bench pipeline --json</c> with <paramref name="arguments"/> <paramref name="rounds"/> times on each
    /// side, alternately; B's processes start with the NAME=VALUE settings of <paramref name="bEnvironment"/>
    /// (<see cref="ChildProcess.Settings"/>).
    /// </summary>
    public static async Task<Result> RunAsync(IReadOnlyList<string> arguments, IReadOnlyList<string> bEnvironment, int rounds, Action<string> progress, CancellationToken cancel)
    {
        double? loadBefore = MachineInfo.LoadAverage();
        var (a, b) = (new List<Run>(), new List<Run>());
        for (int round = 0; round < rounds; round++)
            for (int k = 0; k < 2; k++)
            {
                bool isA = (round + k) % 2 == 0;
                var environment = isA ? [] : bEnvironment;
                progress($"round {round + 1}/{rounds}: {(isA ? "A (as shipped)" : $"B ({string.Join(" ", bEnvironment)})")}");
                var run = await RunOnceAsync(arguments, environment, cancel);
                progress($"  p50 {run.P50Ms:F3} ms, p99 {run.P99Ms:F3} ms, max {run.MaxMs:F1} ms; {run.GcPauses} GC pauses (max {run.GcPauseMaxMs} ms); CPU {run.CpuMs:N0} ms, tiered JIT {run.TieredJitCpuMs:N0} ms; peak {run.PeakPerSecond:N0}/s");
                (isA ? a : b).Add(run);
            }
        var (sa, sb) = (SideOf(a), SideOf(b));
        return new Result(rounds, arguments, bEnvironment, sa, sb,
            Ratio(sb.Median.P50Ms, sa.Median.P50Ms), Ratio(sb.Median.P99Ms, sa.Median.P99Ms), Ratio(sb.Median.MaxMs, sa.Median.MaxMs),
            Ratio(sb.Median.GcPauses, sa.Median.GcPauses), Ratio(sb.Median.TieredJitCpuMs, sa.Median.TieredJitCpuMs), Ratio(sb.Median.PeakPerSecond, sa.Median.PeakPerSecond),
            a.Zip(b, (x, y) => Ratio(y.P99Ms, x.P99Ms)).ToArray(), loadBefore, MachineInfo.LoadAverage());
    }

    private static async Task<Run> RunOnceAsync(IReadOnlyList<string> arguments, IReadOnlyList<string> environment, CancellationToken cancel)
    {
        await using var bench = ChildProcess.Self("bench pipeline", environment, ["bench", "pipeline", "--json", .. arguments]);
        int code = await bench.ExitAsync(cancel);
        var output = string.Join('\n', bench.Output);
        int from = output.IndexOf('{'), to = output.LastIndexOf('}');
        if (code != 0 || from < 0 || to < from)
            throw new InvalidOperationException($"bench pipeline exited {code}:\n{string.Join('\n', bench.Lines)}");
        var root = JsonDocument.Parse(output[from..(to + 1)]).RootElement;
        var paced = root.GetProperty("paced");
        var tail = paced.GetProperty("tail");
        var cpu = paced.GetProperty("cpu");
        return new Run(paced.GetProperty("p50_ms").GetDouble(), paced.GetProperty("p99_ms").GetDouble(), paced.GetProperty("max_ms").GetDouble(),
            tail.GetProperty("slow").GetInt32(), tail.GetProperty("gc_pauses").GetInt32(), tail.GetProperty("gc_pause_max_ms").GetDouble(),
            cpu.GetProperty("process_ms").GetDouble(), cpu.GetProperty("tiered_jit_ms").GetDouble(), root.GetProperty("peak").GetProperty("per_second").GetDouble());
    }

    private static Side SideOf(IReadOnlyList<Run> runs)
    {
        double Median(Func<Run, double> figure) => Math.Round(Percentiles.Of(runs.Select(figure).ToArray(), 0.5), 3);
        return new Side(runs, new Run(Median(r => r.P50Ms), Median(r => r.P99Ms), Median(r => r.MaxMs), (int)Median(r => r.Slow), (int)Median(r => r.GcPauses),
            Median(r => r.GcPauseMaxMs), Median(r => r.CpuMs), Median(r => r.TieredJitCpuMs), Median(r => r.PeakPerSecond)));
    }

    // A short run's tiered JIT can stay under /proc's 10 ms tick, and JSON has no NaN: no ratio then.
    private static double? Ratio(double b, double a) => a == 0 ? null : Math.Round(b / a, 3);
}
