// Design rationale (issue #22, BENCHMARKS.md): what team mode costs per append, measured beside the
// local WAL in the same run on the same machine: serial appends of the same 256-byte records,
// each awaited (one writer, as the pipeline's spine waits for its FINAL's durability).
using System.Diagnostics;
using NATS.Client.Core;
using NATS.Client.JetStream;
using VibeSync.Cluster;
using VibeSync.Wal;

namespace VibeSync.Cli.Benchmarks;

/// <summary>Append latency: the JetStream journal (3 replicas) against the local WAL.</summary>
internal static partial class ClusterBenchmark
{
    public sealed record Figures(string Journal, int Appends, double P50Ms, double P99Ms, double PerSecond);

    public static async Task<(Figures Wal, Figures JetStream)> RunAsync(string urls, string scratch, int appends)
    {
        Figures wal;
        var dir = Path.Combine(scratch, "bench-cluster-wal");
        try
        {
            await using var log = WriteAheadLog.Open(dir);
            wal = await MeasureAsync("local WAL (fsync per append)", log, appends);
        }
        finally { try { Directory.Delete(dir, true); } catch (IOException) { } }

        await using var nats = new NatsConnection(new NatsOpts { Url = urls, Name = "vibesync-bench" });
        var js = new NatsJSContext(nats);
        var names = new ClusterNames("BENCH_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant());
        try
        {
            await using var journal = await JetStreamJournal.OpenAsync(js, names);
            return (wal, await MeasureAsync($"JetStream stream, {names.Replicas} replicas", journal, appends));
        }
        finally
        {
            await js.DeleteStreamAsync(names.Stream);
            try { await js.DeleteStreamAsync("OBJ_" + names.CheckpointBucket); } catch (NatsJSApiException) { }
        }
    }

    private static async Task<Figures> MeasureAsync(string name, IJournal journal, int appends)
    {
        var samples = new double[appends];
        var total = Stopwatch.StartNew();
        for (int i = 0; i < appends; i++)
        {
            var one = Stopwatch.StartNew();
            await journal.AppendAsync(WriteAheadLog.Encode(WalBenchmark.Entry((ulong)i + 1)));
            samples[i] = one.Elapsed.TotalMilliseconds;
        }
        double perSecond = appends / total.Elapsed.TotalSeconds;
        return new Figures(name, appends, Percentiles.Of(samples, 0.50), Percentiles.Of(samples, 0.99), perSecond);
    }
}
