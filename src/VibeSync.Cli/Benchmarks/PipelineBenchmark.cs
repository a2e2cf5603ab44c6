using System.Diagnostics;
using System.Globalization;
using VibeSync.Intents.Engines;
using VibeSync.Protocol.Operations;
using VibeSync.Intents.Pipeline;
using VibeSync.Intents.Reality;
using VibeSync.Intents.Validation;
using VibeSync.Wal;

namespace VibeSync.Cli.Benchmarks;

/// <summary>
/// The intent pipeline with the real WAL and two in-memory engines: submit → PROVISIONAL_OK
/// latency at a paced cosmetic rate, and the peak rate of micro-intents coalesced into batches and
/// finalized. Requests are parsed before timing: parsing belongs to the link or MCP front end.
/// </summary>
internal static class PipelineBenchmark
{
    public sealed record Latency(double Rate, double Seconds, int Intents, double P50Ms, double P99Ms, double MaxMs, int Final, int Verifications,
        Tail Tail, long AllocatedBytesPerIntent, IReadOnlyList<Allocation> TopAllocations, SchedReport? Sched, MeasuredCpu Cpu);

    /// <summary>
    /// CPU ms of this whole process and of the runtime's tiered JIT thread from the first measured intent
    /// until the last is FINAL (/proc, 10 ms ticks): how much of the measured seconds' CPU was compiling.
    /// </summary>
    public sealed record MeasuredCpu(double ProcessMs, double TieredJitMs);

    /// <summary>Bytes of one type the allocation sampler saw during the paced run (the benchmark's own included), per intent.</summary>
    public sealed record Allocation(string Type, long BytesPerIntent);

    /// <summary>
    /// What the measured intents slower than 1 ms overlapped: GC pauses of this process and thread-pool
    /// injections for starvation (traced in process), beside all GC pauses of the measured seconds;
    /// a batch's close on the spine and a chunk of FINAL entries journaled (the pipeline's own
    /// spans), with the closes' spine time; and how many overlapped none of these. Beside that, the
    /// measured intents that were the first on their object since a close began (so, as near as the
    /// benchmark can tell from outside, a new batch member rather than one coalesced into a member:
    /// its PROVISIONAL_OK waits for its own entry's fsync) and how many of them were slow.
    /// </summary>
    public sealed record Tail(int Slow, int SlowDuringGc, int GcPauses, double GcPauseMsTotal, double GcPauseMaxMs, int StarvationInjections,
        int SlowDuringClose, int SlowDuringFinals, int SlowUnexplained, int Closes, double CloseMinMs, double CloseP50Ms, double CloseMaxMs, double FinalsMaxMs,
        int FinalsMaxEntries, double FinalsMeanEntries, IReadOnlyList<GcPauses> GcByGeneration, int NewMembers, int SlowNewMembers);

    /// <summary>The measured run's GC pauses of one generation ("gen0", "gen1", "gen2"; "?" when the runtime did not say).</summary>
    public sealed record GcPauses(string Generation, int Count, double TotalMs, double MaxMs);

    public sealed record Coalesced(int Intents, int Objects, double Seconds, double PerSecond, int Final, int Verifications, long WalEntries);

    private static readonly Actor Person = new(ActorKind.Human, "bench");

    /// <summary>
    /// The paced run. With <paramref name="schedTrace"/>, a system-wide scheduler trace (perf) covers it and
    /// every intent over 1 ms is attributed to CPU waits, what ran instead and disk sleeps (<see cref="SchedAttribution"/>).
    /// </summary>
    public static async Task<Latency> PacedAsync(string directory, double rate, TimeSpan warmUp, TimeSpan duration, int finalChunk, bool sampleAllocations, bool schedTrace, Action<string> progress)
    {
        await using var sched = schedTrace ? await SchedTrace.StartAsync(Path.Combine(directory, "sched")) : null;
        progress($"paced: {rate:N0} cosmetic intents/s for {warmUp.TotalSeconds:0.#} s of warm-up and {duration.TotalSeconds:F0} s measured, submit → PROVISIONAL_OK (FINAL entries {(finalChunk <= 0 ? "all at the close" : $"in chunks of {finalChunk}")})");
        var spans = new List<SpineSpan>();
        await using var rig = await Rig.StartAsync(Path.Combine(directory, "paced"), finalChunk, span => { lock (spans) spans.Add(span); });
        int warm = (int)(rate * warmUp.TotalSeconds); // warms the JIT up and is left out of the figures (the tiered JIT still works for seconds after 1 s: SchedAttribution shows it)
        int count = warm + (int)(rate * duration.TotalSeconds);
        var requests = Requests(rig.Targets, count);
        var latencies = new double[count];
        var sentAt = new DateTime[count];
        var submittedAt = new long[count];
        var tally = new Tally(2 * count);
        var probes = new Probe[count];
        for (int i = 0; i < count; i++) probes[i] = new Probe(latencies, i, tally);
        using var trace = new RuntimeTrace(print: false, sampleAllocations);
        long allocatedAtWarm = 0;
        (double Process, double Jit) cpuAtWarm = default;
        var sw = Stopwatch.StartNew();
        double period = Stopwatch.Frequency / rate;
        int submitter = sched == null ? 0 : SchedTrace.CurrentThreadId(); // the loop below never awaits: one thread throughout
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            if (i == warm)
            {
                allocatedAtWarm = GC.GetTotalAllocatedBytes(precise: true);
                cpuAtWarm = (ProcessCpu.Ms(Environment.ProcessId), ProcessCpu.Ms(Environment.ProcessId, ProcessCpu.TieredJit));
            }
            // Paced by sleeping, not spinning: on a small machine a spinning producer takes a core from the pipeline.
            long due = start + (long)(i * period);
            while (Stopwatch.GetTimestamp() < due) Thread.Sleep(1);
            long submitted = submittedAt[i] = Stopwatch.GetTimestamp();
            sentAt[i] = DateTime.UtcNow;
            probes[i].Watch(rig.Pipeline.Submit(requests[i], Person), submitted);
        }
        await tally.All;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedAtWarm; // every thread's: the spine, the WAL writer, the answers, the producer
        var cpu = new MeasuredCpu(ProcessCpu.Ms(Environment.ProcessId) - cpuAtWarm.Process, ProcessCpu.Ms(Environment.ProcessId, ProcessCpu.TieredJit) - cpuAtWarm.Jit);
        int final = tally.Final;
        Tail tail;
        lock (spans) tail = TailOf(latencies, sentAt, submittedAt, warm, trace.Events, spans, rig.Targets.Length);
        SchedReport? report = null;
        if (sched != null)
        {
            progress("sched-trace: reading the scheduler trace back (perf script)");
            var (timeline, events, unparsed, notes) = await sched.StopAsync();
            long Ns(long ticks) => (long)(ticks * (1e9 / Stopwatch.Frequency)); // CLOCK_MONOTONIC on Linux: the same clock
            var windows = Enumerable.Range(warm, count - warm).Where(i => latencies[i] > 1)
                .Select(i => (Ns(submittedAt[i]), Ns(submittedAt[i]) + (long)(latencies[i] * 1e6))).ToArray();
            long end = Enumerable.Range(warm, count - warm).Max(i => Ns(submittedAt[i]) + (long)(latencies[i] * 1e6));
            var named = new Dictionary<int, string> { [submitter] = "ours: paced submitter" };
            report = new SchedAttribution(timeline, Environment.ProcessId, named).Report(windows, Ns(submittedAt[warm]), end, events, unparsed, notes);
        }
        var measured = latencies[warm..];
        return new Latency(rate, sw.Elapsed.TotalSeconds, measured.Length, Percentiles.Of(measured, 0.5), Percentiles.Of(measured, 0.99), measured.Max(),
            final, rig.Blender.Reads, tail, allocated / (count - warm),
            trace.Allocations.Take(15).Select(a => new Allocation(a.Type, a.Bytes / count)).ToArray(), report, cpu);
    }

    private static Tail TailOf(double[] latencies, DateTime[] sentAt, long[] submittedAt, int warm, IReadOnlyList<RuntimeEvent> events, IReadOnlyList<SpineSpan> spans, int targets)
    {
        // Intent i moves target i % targets (Requests); the spine's spans come in the order it ran them.
        var closeStarts = spans.Where(s => s.Work == SpineWork.Close).Select(s => s.Start).ToArray();
        var seen = new bool[targets];
        int next = 0, newMembers = 0, slowNewMembers = 0;
        for (int i = 0; i < latencies.Length; i++)
        {
            if (next < closeStarts.Length && closeStarts[next] <= submittedAt[i])
            {
                while (next < closeStarts.Length && closeStarts[next] <= submittedAt[i]) next++;
                Array.Clear(seen);
            }
            if (seen[i % targets]) continue;
            seen[i % targets] = true;
            if (i < warm) continue;
            newMembers++;
            if (latencies[i] > 1) slowNewMembers++;
        }

        var from = sentAt[warm];
        var pauses = events.Where(e => e.Kind == "gc_pause" && e.At >= from).ToList();
        var measured = spans.Where(s => s.End >= submittedAt[warm]).ToList();
        var closes = measured.Where(s => s.Work == SpineWork.Close).ToList();
        var finals = measured.Where(s => s.Work == SpineWork.Finals).ToList();
        int slow = 0, duringGc = 0, duringClose = 0, duringFinals = 0, unexplained = 0;
        for (int i = warm; i < latencies.Length; i++)
        {
            if (latencies[i] <= 1) continue;
            slow++;
            var end = sentAt[i].AddMilliseconds(latencies[i]);
            long ticksEnd = submittedAt[i] + (long)(latencies[i] * Stopwatch.Frequency / 1000);
            bool gc = pauses.Any(p => p.At <= end && p.At.AddMilliseconds(p.Value) >= sentAt[i]);
            bool close = closes.Any(s => s.Start <= ticksEnd && s.End >= submittedAt[i]);
            bool chunk = finals.Any(s => s.Start <= ticksEnd && s.End >= submittedAt[i]);
            if (gc) duringGc++;
            if (close) duringClose++;
            if (chunk) duringFinals++;
            if (!gc && !close && !chunk) unexplained++;
        }
        double Ms(SpineSpan s) => (s.End - s.Start) * 1000.0 / Stopwatch.Frequency;
        var closeMs = closes.Select(Ms).ToArray();
        return new Tail(slow, duringGc, pauses.Count, Math.Round(pauses.Sum(p => p.Value), 2), Math.Round(pauses.Count == 0 ? 0 : pauses.Max(p => p.Value), 2),
            events.Count(e => e.Kind == "threadpool_adjust" && e.Reason == "starvation" && e.At >= from),
            duringClose, duringFinals, unexplained, closes.Count, Math.Round(closeMs.Length == 0 ? 0 : closeMs.Min(), 3),
            Math.Round(closeMs.Length == 0 ? 0 : Percentiles.Of(closeMs, 0.5), 3), Math.Round(closeMs.Length == 0 ? 0 : closeMs.Max(), 3),
            Math.Round(finals.Count == 0 ? 0 : finals.Max(Ms), 3), finals.Count == 0 ? 0 : finals.Max(s => s.Entries),
            Math.Round(finals.Count == 0 ? 0 : finals.Average(s => s.Entries), 1),
            pauses.GroupBy(p => p.Reason ?? "?").OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new GcPauses(g.Key, g.Count(), Math.Round(g.Sum(p => p.Value), 2), Math.Round(g.Max(p => p.Value), 2))).ToArray(),
            newMembers, slowNewMembers);
    }

    public static async Task<Coalesced> PeakAsync(string directory, int intents, int objects, int finalChunk, Action<string> progress)
    {
        progress($"peak: {intents:N0} micro-intents on {objects} objects as fast as they are taken, until all are FINAL");
        await using var rig = await Rig.StartAsync(Path.Combine(directory, "peak"), finalChunk, null, objects);
        var requests = Requests(rig.Targets, intents);
        var settled = new Task<IntentOutcome>[intents];
        using var window = new SemaphoreSlim(16_384); // a bounded backlog of unanswered submissions
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < intents; i++)
        {
            await window.WaitAsync();
            var ticket = rig.Pipeline.Submit(requests[i], Person);
            _ = ticket.Provisional.ContinueWith(_ => window.Release(), TaskContinuationOptions.ExecuteSynchronously);
            settled[i] = ticket.Settled;
        }
        await rig.Pipeline.FlushAsync(); // the last window need not run out: its work is done
        await Task.WhenAll(settled);
        double seconds = sw.Elapsed.TotalSeconds;
        int final = settled.Count(t => t.Result.Phase == Protocol.Intents.IntentPhase.Final);
        return new Coalesced(intents, objects, seconds, final / seconds, final, rig.Blender.Reads, (long)rig.Wal.LastSequence);
    }

    /// <summary>set_transform micro-intents over the targets, round robin, each a new position.</summary>
    private static IntentRequest[] Requests(string[] targets, int count)
    {
        var requests = new IntentRequest[count];
        for (int i = 0; i < count; i++)
        {
            string x = (i * 0.001).ToString("R", CultureInfo.InvariantCulture);
            requests[i] = OperationReader.Read($"{{\"operations\": [{{\"op\": \"set_transform\", \"uuid\": \"{targets[i % targets.Length]}\", \"translation\": [{x}, 1, 2]}}]}}");
        }
        return requests;
    }

    /// <summary>
    /// One paced intent's stopwatch, made before the clock starts. Watching an intent allocates
    /// nothing of the benchmark's own and keeps no task alive once it is answered: holding every
    /// intent's tasks to the end (as a Task[] did) promoted them through each GC generation and
    /// lengthened the very pauses the tail is measured against. The pipeline's own allocations are
    /// what the figures are about.
    /// </summary>
    private sealed class Probe
    {
        private readonly Action _onProvisional, _onSettled;
        private Task<IntentOutcome>? _provisional, _settled;
        private long _submitted;

        public Probe(double[] latencies, int slot, Tally tally)
        {
            _onProvisional = () =>
            {
                latencies[slot] = Stopwatch.GetElapsedTime(_submitted).TotalMilliseconds;
                tally.Done(_provisional!, settled: false);
                _provisional = null;
            };
            _onSettled = () =>
            {
                tally.Done(_settled!, settled: true);
                _settled = null;
            };
        }

        public void Watch(IntentTicket ticket, long submitted)
        {
            _submitted = submitted;
            _provisional = ticket.Provisional;
            _settled = ticket.Settled;
            ticket.Provisional.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onProvisional);
            ticket.Settled.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onSettled);
        }
    }

    /// <summary>Counts the answers still owed, the intents settled FINAL, and the first failure.</summary>
    private sealed class Tally(int owed)
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _owed = owed, _final;
        private Exception? _failure;

        /// <summary>Completes when every answer came; faults with the first failed one.</summary>
        public Task All => _all.Task;

        public int Final => Volatile.Read(ref _final);

        public void Done(Task<IntentOutcome> answer, bool settled)
        {
            if (answer.IsFaulted) Interlocked.CompareExchange(ref _failure, answer.Exception!.InnerException ?? answer.Exception, null);
            else if (answer.IsCanceled) Interlocked.CompareExchange(ref _failure, new TaskCanceledException(answer), null);
            else if (settled && answer.Result.Phase == Protocol.Intents.IntentPhase.Final) Interlocked.Increment(ref _final);
            if (Interlocked.Decrement(ref _owed) > 0) return;
            if (_failure is { } failure) _all.TrySetException(failure);
            else _all.TrySetResult();
        }
    }

    /// <summary>A pipeline over a fresh WAL and two in-memory engines holding a 1,000-object scene.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly string _directory;
        private Rig(string directory, WriteAheadLog wal, IntentPipeline pipeline, InMemoryEngine blender, string[] targets)
        {
            _directory = directory;
            Wal = wal;
            Pipeline = pipeline;
            Blender = blender;
            Targets = targets;
        }

        public WriteAheadLog Wal { get; }
        public IntentPipeline Pipeline { get; }
        public InMemoryEngine Blender { get; }
        public string[] Targets { get; }

        public static async Task<Rig> StartAsync(string directory, int finalChunk, Action<SpineSpan>? spans, int targets = 64)
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, true);
            var scene = RealityScene.From(SyntheticScene.Objects(1_000, seed: 7));
            var wal = WriteAheadLog.Open(directory);
            var blender = new InMemoryEngine("blender", scene);
            var options = new PipelineOptions { FinalChunk = finalChunk, OnSpineSpan = spans };
            var pipeline = await IntentPipeline.StartAsync(wal, scene, new IEnginePort[] { blender, new InMemoryEngine("unity", scene) }, options);
            return new Rig(directory, wal, pipeline, blender, scene.Objects.Keys.Take(targets).ToArray());
        }

        public async ValueTask DisposeAsync()
        {
            await Pipeline.DisposeAsync();
            Wal.Dispose();
            Directory.Delete(_directory, true);
        }
    }
}
