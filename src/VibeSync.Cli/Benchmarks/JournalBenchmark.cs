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
    /// <summary>
    /// The figures over TCP (as before), with <see cref="OverSocket"/> when serve has a control socket
    /// and <see cref="Sched"/> with <c>--sched-trace</c>.
    /// </summary>
    public sealed record Result(long Entries, long Intents, double WriteSeconds, double StartSeconds, int Reads,
        double GetIntentP50Ms, double GetIntentP99Ms, double StatusP50Ms, double StatusP99Ms, bool GoalMet)
    {
        /// <summary>The same reads over serve's Unix domain socket, interleaved with the TCP ones, and socket ÷ TCP.</summary>
        public SocketSide? OverSocket { get; init; }

        /// <summary>The scheduler's view of the get_intent reads over 1 ms (TCP), client and serve.</summary>
        public SchedReport? Sched { get; init; }
    }

    /// <summary>The reads over the control socket, and their ratios to the TCP reads of the same run.</summary>
    public sealed record SocketSide(double GetIntentP50Ms, double GetIntentP99Ms, double StatusP50Ms, double StatusP99Ms,
        double GetIntentP50Ratio, double GetIntentP99Ratio, double StatusP50Ratio, double StatusP99Ratio);

    public static async Task<Result> RunAsync(string dir, long entries, int reads, bool schedTrace, Action<string> progress)
    {
        long intents = Math.Max(1, entries / 2);
        var sw = Stopwatch.StartNew();
        await WriteJournalAsync(dir, entries, progress);
        double write = sw.Elapsed.TotalSeconds;

        progress("starting serve on that journal");
        sw.Restart();
        await using var serve = await EndToEndBenchmark.StartServeAsync(dir);
        var tcp = ControlApiClient.OverTcp(dir);
        await EndToEndBenchmark.UntilAsync(async () => (await tcp.StatusAsync()).ValueKind == System.Text.Json.JsonValueKind.Object, "serve's API", TimeSpan.FromMinutes(5));
        double start = sw.Elapsed.TotalSeconds;
        var socket = new ControlApiClient(dir);
        await socket.StatusAsync();
        var clients = socket.UsesSocket ? new[] { tcp, socket } : new[] { tcp };

        progress($"{reads:N0} reads of random intents, and as many of /v1/status{(clients.Length > 1 ? ", over TCP and over the control socket alternately" : "")}");
        var random = new Random(20);
        for (int i = 0; i < 200; i++) // warm-up
            foreach (var api in clients)
            {
                await api.CallTextAsync(HttpMethod.Get, $"/v1/intents/{random.NextInt64(1, intents + 1)}");
                await api.CallTextAsync(HttpMethod.Get, "/v1/status");
            }
        var intent = clients.Select(_ => new double[reads]).ToArray();
        var status = clients.Select(_ => new double[reads]).ToArray();
        var intentAt = new long[reads]; // TCP get_intent's start, for the scheduler trace
        await using var sched = schedTrace ? await SchedTrace.StartAsync(Path.Combine(dir, "sched")) : null;
        for (int i = 0; i < reads; i++)
        {
            long id = random.NextInt64(1, intents + 1);
            for (int k = 0; k < clients.Length; k++)
            {
                int c = (i + k) % clients.Length; // the order swapped every round
                var t = Stopwatch.GetTimestamp();
                if (c == 0) intentAt[i] = t;
                var text = await clients[c].CallTextAsync(HttpMethod.Get, $"/v1/intents/{id}");
                intent[c][i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                if (!text.Contains("\"FINAL\"", StringComparison.Ordinal)) throw new InvalidOperationException($"intent {id}: {text}");
                t = Stopwatch.GetTimestamp();
                await clients[c].CallTextAsync(HttpMethod.Get, "/v1/status");
                status[c][i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            }
        }
        long endedAt = Stopwatch.GetTimestamp();
        double p99 = Percentiles.Of(intent[0], 0.99);
        var result = new Result(entries, intents, write, start, reads, Percentiles.Of(intent[0], 0.5), p99,
            Percentiles.Of(status[0], 0.5), Percentiles.Of(status[0], 0.99), p99 <= 1.0);
        if (clients.Length > 1)
        {
            var (i50, i99, s50, s99) = (Percentiles.Of(intent[1], 0.5), Percentiles.Of(intent[1], 0.99), Percentiles.Of(status[1], 0.5), Percentiles.Of(status[1], 0.99));
            result = result with { OverSocket = new SocketSide(i50, i99, s50, s99, i50 / result.GetIntentP50Ms, i99 / p99, s50 / result.StatusP50Ms, s99 / result.StatusP99Ms) };
        }
        if (sched != null)
        {
            progress("sched-trace: reading the scheduler trace back (perf script)");
            var (timeline, events, unparsed, notes) = await sched.StopAsync();
            long Ns(long ticks) => (long)(ticks * (1e9 / Stopwatch.Frequency)); // CLOCK_MONOTONIC on Linux: the same clock
            var windows = Enumerable.Range(0, reads).Where(i => intent[0][i] > 1)
                .Select(i => (Ns(intentAt[i]), Ns(intentAt[i]) + (long)(intent[0][i] * 1e6))).ToArray();
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
