using System.Diagnostics;
using VibeSync.Wal;
using VibeSync.Wal.Entries;
using VibeSync.Protocol.Intents;
using VibeSync.Wal.Format;

namespace VibeSync.Cli.Benchmarks;

/// <summary>
/// Durable appends/s and commit latency of the WAL against the raw baseline, at several
/// concurrencies, measured in one run; then replay with full chain verification.
/// </summary>
internal static class WalBenchmark
{
    public const int RecordBytes = 256;

    public sealed record Level(int Concurrency, double RawPerSecond, double WalPerSecond, double Ratio,
        double RawP50Ms, double RawP99Ms, double WalP50Ms, double WalP99Ms, long WalAppends);

    public sealed record Replay(long Records, double Seconds, double RecordsPerSecond, long Bytes);

    public static async Task<List<Level>> AppendsAsync(string directory, int[] concurrencies, TimeSpan duration, Action<string> progress)
    {
        var levels = new List<Level>();
        foreach (int c in concurrencies)
        {
            progress($"concurrency {c}: raw baseline");
            var raw = await MeasureAsync(c, duration, () =>
            {
                var path = Path.Combine(directory, $"raw-{c}.bin");
                var sink = new RawGroupCommit(path);
                var payload = new byte[RecordBytes];
                Random.Shared.NextBytes(payload);
                return (_ => sink.AppendAsync(payload), () => { sink.Dispose(); File.Delete(path); });
            });
            progress($"concurrency {c}: write-ahead log");
            var wal = await MeasureAsync(c, duration, () =>
            {
                var path = Path.Combine(directory, $"wal-{c}");
                var log = WriteAheadLog.Open(path);
                return (id => log.AppendAsync(Entry(id)), () => { log.Dispose(); Directory.Delete(path, true); });
            });
            levels.Add(new Level(c, raw.PerSecond, wal.PerSecond, wal.PerSecond / raw.PerSecond,
                raw.P50, raw.P99, wal.P50, wal.P99, wal.Count));
        }
        return levels;
    }

    /// <summary>One durable append at a time: what a lone fsync'd commit costs on this disk.</summary>
    public static async Task<Level> SingleAppendAsync(string directory, TimeSpan duration)
    {
        var wal = await MeasureAsync(1, duration, () =>
        {
            var path = Path.Combine(directory, "wal-single");
            var log = WriteAheadLog.Open(path);
            return (id => log.AppendAsync(Entry(id)), () => { log.Dispose(); Directory.Delete(path, true); });
        });
        return new Level(1, double.NaN, wal.PerSecond, double.NaN, double.NaN, double.NaN, wal.P50, wal.P99, wal.Count);
    }

    public static async Task<Replay> ReplayAsync(string directory, long records, Action<string> progress)
    {
        var path = Path.Combine(directory, "replay");
        progress($"writing {records:N0} records for the replay test");
        using (var log = WriteAheadLog.Open(path, new WalOptions { MaxBatchBytes = 4 << 20 }))
        {
            var pending = new List<Task>(4096);
            for (long i = 1; i <= records; i++)
            {
                pending.Add(log.AppendAsync(Entry((ulong)i)));
                if (pending.Count == 4096) { await Task.WhenAll(pending); pending.Clear(); }
            }
            await Task.WhenAll(pending);
        }
        long bytes = Directory.GetFiles(path).Sum(f => new FileInfo(f).Length);
        progress("replaying with full verification (CRC, entry hashes, chain, Reality)");
        WriteAheadLog.Verify(path); // warm the page cache: replay measures the log's work, not the disk's
        var sw = Stopwatch.StartNew();
        var scan = WriteAheadLog.Verify(path);
        sw.Stop();
        if (scan.Corruption != null || scan.Records != records) throw new InvalidOperationException($"replay found {scan.Records} records: {scan.Corruption}");
        Directory.Delete(path, true);
        return new Replay(records, sw.Elapsed.TotalSeconds, records / sw.Elapsed.TotalSeconds, bytes);
    }

    /// <summary>A cosmetic FINAL entry whose record is exactly <see cref="RecordBytes"/> bytes on disk.</summary>
    internal static WalEntry Entry(ulong id)
    {
        var entry = new WalEntry(id, IntentPhase.Final, 1_790_000_000_000, "blender", "human:blender",
            new Scope(new[] { "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f" }, IntentClass.Cosmetic), Rationale: "");
        int size = RecordLayout.RecordSize(EntryBody.Encode(entry).Length);
        return entry with { Rationale = new string('.', Math.Max(0, RecordBytes - size)) };
    }

    private sealed record Measured(double PerSecond, double P50, double P99, long Count);

    private static async Task<Measured> MeasureAsync(int concurrency, TimeSpan duration,
        Func<(Func<ulong, Task> append, Action cleanup)> setup)
    {
        var (append, cleanup) = setup();
        try
        {
            long next = 0;
            var latencies = new List<double>[concurrency];
            var sw = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, concurrency).Select(async w =>
            {
                var mine = latencies[w] = new List<double>(100_000);
                while (sw.Elapsed < duration)
                {
                    long start = Stopwatch.GetTimestamp();
                    await append((ulong)Interlocked.Increment(ref next)).ConfigureAwait(false);
                    mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }).ToArray();
            await Task.WhenAll(workers);
            double seconds = sw.Elapsed.TotalSeconds;
            var all = latencies.SelectMany(l => l).ToArray();
            return new Measured(all.Length / seconds, Percentiles.Of(all, 0.5), Percentiles.Of(all, 0.99), all.Length);
        }
        finally
        {
            cleanup();
        }
    }
}
