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
    public sealed record Result(long Entries, long Intents, double WriteSeconds, double StartSeconds, int Reads,
        double GetIntentP50Ms, double GetIntentP99Ms, double StatusP50Ms, double StatusP99Ms, bool GoalMet);

    public static async Task<Result> RunAsync(string dir, long entries, int reads, Action<string> progress)
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
        var intent = new double[reads];
        var status = new double[reads];
        for (int i = 0; i < reads; i++)
        {
            long id = random.NextInt64(1, intents + 1);
            var t = Stopwatch.GetTimestamp();
            var text = await api.CallTextAsync(HttpMethod.Get, $"/v1/intents/{id}");
            intent[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            if (!text.Contains("\"FINAL\"", StringComparison.Ordinal)) throw new InvalidOperationException($"intent {id}: {text}");
            t = Stopwatch.GetTimestamp();
            await api.CallTextAsync(HttpMethod.Get, "/v1/status");
            status[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }
        double p99 = Percentiles.Of(intent, 0.99);
        return new Result(entries, intents, write, start, reads, Percentiles.Of(intent, 0.5), p99,
            Percentiles.Of(status, 0.5), Percentiles.Of(status, 0.99), p99 <= 1.0);
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
