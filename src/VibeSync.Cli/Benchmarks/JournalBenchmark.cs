// Issue #20 §4: get_intent on a journal of 1,000,000 entries ≤ 1 ms p99. Measured as an agent
// sees it — serve a real process over a data directory whose WAL holds N entries, the control
// API's GET /v1/intents/{id} over loopback HTTP (what MCP's get_intent calls), random intents —
// beside GET /v1/status on the same connection, the floor any request pays. Serve's start-up on
// that journal (replay, index) is measured too: the index is built once, then kept as the log is written.

using System.Diagnostics;
using VibeSync.Orchestrator.Control;
using VibeSync.Wal;
using VibeSync.Protocol.Intents;

namespace VibeSync.Cli.Benchmarks;

internal static class JournalBenchmark
{
    /// <summary>The figures, with <see cref="Sched"/> with <c>--sched-trace</c>.</summary>
    public sealed record Result(long Entries, long Intents, double WriteSeconds, double StartSeconds, int Reads,
        double GetIntentP50Ms, double GetIntentP99Ms, double StatusP50Ms, double StatusP99Ms, bool GoalMet)
    {
        /// <summary>The scheduler's view of the get_intent reads over 1 ms, the client's and serve's threads told apart.</summary>
        public SchedReport? Sched { get; init; }

        /// <summary>Seconds of untimed reads before the timed ones (beyond the first 200).</summary>
        public double WarmUpSeconds { get; init; }
    }

    public static async Task<Result> RunAsync(string dir, long entries, int reads, bool schedTrace, Action<string> progress, TimeSpan warmUp = default)
    {
        long intents = Math.Max(1, entries / 2);
        var sw = Stopwatch.StartNew();
        await WriteJournalAsync(dir, entries, progress);
        double write = sw.Elapsed.TotalSeconds;

        progress("starting serve on that journal");
        sw.Restart();
        await using var serve = await EndToEndBenchmark.StartServeAsync(dir);
        var api = new ControlApiClient(dir);
        await EndToEndBenchmark.UntilAsync(async () => (await api.StatusAsync()).ValueKind == System.Text.Json.JsonValueKind.Object, "serve's API", TimeSpan.FromMinutes(5));
        double start = sw.Elapsed.TotalSeconds;

        progress($"{reads:N0} reads of random intents, and as many of /v1/status");
        var random = new Random(20);
        for (int i = 0; i < 200; i++) await api.CallTextAsync(HttpMethod.Get, $"/v1/intents/{random.NextInt64(1, intents + 1)}"); // warm-up
        if (warmUp > TimeSpan.Zero)
        {
            // Both processes' tiered JIT keeps recompiling the read path for seconds after start
            // (the quiet trace's finding): a serve that has run a while is measured after it.
            progress($"warming up: {warmUp.TotalSeconds:0.#} s of untimed reads");
            var warming = Stopwatch.StartNew();
            while (warming.Elapsed < warmUp)
            {
                await api.CallTextAsync(HttpMethod.Get, $"/v1/intents/{random.NextInt64(1, intents + 1)}");
                await api.CallTextAsync(HttpMethod.Get, "/v1/status");
            }
        }
        var intent = new double[reads];
        var status = new double[reads];
        var intentAt = new long[reads]; // when each get_intent was sent, for the scheduler trace
        await using var sched = schedTrace ? await SchedTrace.StartAsync(Path.Combine(dir, "sched")) : null;
        for (int i = 0; i < reads; i++)
        {
            long id = random.NextInt64(1, intents + 1);
            var t = intentAt[i] = Stopwatch.GetTimestamp();
            var text = await api.CallTextAsync(HttpMethod.Get, $"/v1/intents/{id}");
            intent[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            if (!text.Contains("\"FINAL\"", StringComparison.Ordinal)) throw new InvalidOperationException($"intent {id}: {text}");
            t = Stopwatch.GetTimestamp();
            await api.CallTextAsync(HttpMethod.Get, "/v1/status");
            status[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }
        long endedAt = Stopwatch.GetTimestamp();
        long Ns(long ticks) => (long)(ticks * (1e9 / Stopwatch.Frequency)); // CLOCK_MONOTONIC on Linux: the same clock
        // Taken before the percentiles, which sort the samples in place.
        var windows = Enumerable.Range(0, reads).Where(i => intent[i] > 1).Select(i => (Ns(intentAt[i]), Ns(intentAt[i]) + (long)(intent[i] * 1e6))).ToArray();
        double p99 = Percentiles.Of(intent, 0.99);
        var result = new Result(entries, intents, write, start, reads, Percentiles.Of(intent, 0.5), p99,
            Percentiles.Of(status, 0.5), Percentiles.Of(status, 0.99), p99 <= 1.0) { WarmUpSeconds = warmUp.TotalSeconds };
        if (sched != null)
        {
            progress("sched-trace: reading the scheduler trace back (perf script)");
            var (timeline, events, unparsed, notes) = await sched.StopAsync();
            // A read crosses two processes: the client (this one) and serve.
            var processes = new Dictionary<int, string> { [Environment.ProcessId] = "client", [serve.Pid] = "serve" };
            var attribution = new SchedAttribution(timeline, processes, new Dictionary<int, string>());
            result = result with { Sched = attribution.Report(windows, Ns(intentAt[0]), Ns(endedAt), events, unparsed, notes) };
        }
        return result;
    }

    /// <summary>The journal both benchmarks read: N entries, two per intent (PROVISIONAL then FINAL).</summary>
    internal static async Task WriteJournalAsync(string dir, long entries, Action<string> progress)
    {
        progress($"writing {entries:N0} journal entries ({Math.Max(1, entries / 2):N0} intents, PROVISIONAL then FINAL)");
        using var log = WriteAheadLog.Open(Path.Combine(dir, "wal"), new WalOptions { MaxBatchBytes = 4 << 20 });
        var pending = new List<Task>(4096);
        for (long i = 0; i < entries; i++)
        {
            var entry = WalBenchmark.Entry((ulong)(i / 2 + 1)) with { Phase = i % 2 == 0 ? IntentPhase.Provisional : IntentPhase.Final };
            pending.Add(log.AppendAsync(entry));
            if (pending.Count == 4096) { await Task.WhenAll(pending); pending.Clear(); }
        }
        await Task.WhenAll(pending);
    }
}
