// Design rationale: one spine owns every piece of pipeline state (Reality, the open batch, the
// pending intents, locks, counters) and runs one piece of work at a time from an inbox, which
// gives the total order DESIGN §4 asks for without locks. It splits the lifecycle in two halves:
//   admit + apply:  validate against the speculative scene (Reality plus the open batch), decide
//                   authority and conflicts, journal PROVISIONAL, apply in every engine, answer
//                   PROVISIONAL_OK. Never held by a batch window (issue #8). Consecutive admissions
//                   are made durable by one group commit before any of them is applied, so the
//                   fsync is shared instead of serialising every intent behind its own.
//   verify + final: when the batch's window ends, one read per engine over the batch's footprint,
//                   one hash; only components that differ are compared field-wise and rolled back;
//                   the rest are finalized, journaled FINAL in apply order (in chunks between admissions), and become Reality.
//                   The spine issues the reads and goes on admitting; it settles the batch when
//                   the answers arrive (.Verification says why order is kept).
// Every phase change is durable in the WAL before anyone hears of it.
// The class is split along those seams: this file holds its state and public surface;
// .Spine (the inbox loop), .Admission (admit + apply), .Verification (verify + final, DIRTY, the
// retry policy), .Journal (appends and answers) and .Recovery (what a restart restores).
using System.Collections.Immutable;
using System.Threading.Channels;
using VibeSync.Intents.Authority;
using VibeSync.Intents.Batching;
using VibeSync.Intents.Classification;
using VibeSync.Protocol.Blobs;
using VibeSync.Intents.Reality;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using VibeSync.Wal;
using VibeSync.Wal.Entries;
using VibeSync.Protocol.Intents;

namespace VibeSync.Intents.Pipeline;

/// <summary>
/// Drives intents through their lifecycle against the engines, journaling each phase in the WAL;
/// only FINAL advances <see cref="Reality"/>.
/// </summary>
public sealed partial class IntentPipeline : IAsyncDisposable
{
    private readonly IJournal _wal;
    private readonly IReadOnlyList<IEnginePort> _engines;
    private readonly PipelineOptions _options;
    private readonly TimeProvider _time;
    private readonly Channel<Work> _inbox = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<ulong, Waiting> _pending = new();
    private ImmutableSortedDictionary<string, PanicStatus> _panics = ImmutableSortedDictionary.Create<string, PanicStatus>(StringComparer.Ordinal);
    private ImmutableDictionary<string, long> _parity = ImmutableDictionary.Create<string, long>(StringComparer.Ordinal); // engine → Reality version it was last confirmed to hold
    private long _realityVersion;
    private readonly Dictionary<string, OriginDebt> _owed = new(StringComparer.Ordinal); // spine only
    private volatile string? _safeMode;
    private readonly FailureCounters _failures;
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly EngineReports _reports = new(); // engines' edits in link order, and how far the spine has taken them
    private OpenBatch _batch = new(); // spine only; replaced when it goes into verification
    private InVerification? _verifying; // spine only: the batch whose reads are out while admissions go on
    private bool _verifyOnSpine; // spine only: an answer off the spine differed; the open batch is verified on the spine next
    private readonly List<ApplyStep> _toApply = new(); // in admission order; a step waits for its PROVISIONAL entry to be durable
    private readonly List<Task> _appends = new();
    private readonly List<(TaskCompletionSource<IntentOutcome> Completion, IntentOutcome Outcome)> _deferred = new();
    private RealityScene _speculative;
    private ulong _lastIntentId;
    private volatile InFlight? _applying; // the AI or system intent being applied now, which a human edit may abort
    private volatile Exception? _fatal;
    private int _lastAppendBytes; // spine only: the body size of the entry Append last queued
    private Task _loop = Task.CompletedTask;
    private readonly List<Task> _answering = new(); // answers waiting for their fsync while the spine goes on
    private readonly Queue<QueuedFinal> _finals = new(); // spine only: verified members whose FINAL entries are still to be journaled, in batch order
    private readonly Dictionary<string, long> _finalAt = new(StringComparer.Ordinal); // spine only: uuid → position of the last queued FINAL on it
    private long _finalsQueued, _finalsJournaled; // spine only: positions in that queue
    private Task? _firstWaiting; // the first fsync a step left in the queue waits for, as the last pump saw it

    /// <summary>A piece of work for the spine, and how to fail it if the spine stops first.</summary>
    private abstract class Work
    {
        public abstract Task Run();
        public abstract void Fail(Exception error);
    }

    private sealed class Posted(Func<Task> run, Action<Exception> fail) : Work
    {
        public override Task Run() => run();
        public override void Fail(Exception error) => fail(error);
    }

    /// <summary>
    /// A submitted intent to admit: one object holding what it needs, rather than a closure and two
    /// delegates per submission (issue #20: 5,000 a second).
    /// </summary>
    private sealed class Submission(IntentPipeline pipeline, IntentRequest request, Actor actor, bool panic, string? origin, long report,
        TaskCompletionSource<IntentOutcome> provisional, TaskCompletionSource<IntentOutcome> settled) : Work
    {
        public override Task Run()
        {
            if (origin != null) pipeline._reports.Taken(origin, report);
            return pipeline.AdmitAsync(0, request, actor, panic, Admit.New, provisional, settled, origin: origin, report: report);
        }

        public override void Fail(Exception error)
        {
            provisional.TrySetException(error);
            settled.TrySetException(error);
        }
    }

    /// <summary>
    /// A batch whose window ended and whose reads are out: what it was expected to hold, the
    /// speculative scene it made (Reality once it is FINAL), and the engines' answers.
    /// </summary>
    private sealed class InVerification
    {
        public InVerification(OpenBatch batch, Scene expected, string expectedHash, RealityScene speculative, Dictionary<IEnginePort, Task<Scene>> reads,
            IReadOnlyDictionary<IEnginePort, long> marks)
        {
            Batch = batch;
            Expected = expected;
            ExpectedHash = expectedHash;
            Speculative = speculative;
            Reads = reads;
            Marks = marks;
            Members = batch.Members.ToList();
            Answered = Task.WhenAll(reads.Values).ContinueWith(static _ => { }, TaskScheduler.Default);
        }

        public OpenBatch Batch { get; }
        public IReadOnlyList<BatchMember> Members { get; }
        public Scene Expected { get; }
        public string ExpectedHash { get; }
        public RealityScene Speculative { get; }
        public Dictionary<IEnginePort, Task<Scene>> Reads { get; }

        /// <summary>Each engine's reports the spine had taken when its read was issued (<see cref="EngineReports.Mark"/>).</summary>
        public IReadOnlyDictionary<IEnginePort, long> Marks { get; }

        /// <summary>
        /// Once the engines whose answers differed have been caught up with: per engine, the
        /// objects it reported after its read was issued (ahead of the batch by a human's edit).
        /// </summary>
        public Dictionary<IEnginePort, IReadOnlySet<string>>? Ahead { get; private set; }

        /// <summary>Completes when every read has answered or failed (and then every catch-up asked for).</summary>
        public Task Answered { get; private set; }

        /// <summary>Waits for the catch-ups of the engines that differed; <see cref="Ahead"/> holds what they tell.</summary>
        public void CatchUp(Dictionary<IEnginePort, Task<IReadOnlySet<string>>> ahead)
        {
            Answered = Task.WhenAll(ahead.Values).ContinueWith(_ =>
                Ahead = ahead.ToDictionary(kv => kv.Key, kv => kv.Value.Result), TaskScheduler.Default);
        }
    }

    /// <summary>
    /// A human's edits that the engine they came from was not checked against (it is their source
    /// and may be ahead, mid-drag): read back from it once they go quiet.
    /// </summary>
    private sealed class OriginDebt
    {
        public readonly HashSet<string> Uuids = new(StringComparer.Ordinal);
        public DateTimeOffset Due;
        public int Strikes;
    }
    private sealed record Waiting(IntentRequest Request, Actor Actor, AdmissionOutcome Why, bool Approved, string? Origin);
    private sealed record InFlight(HashSet<string> Uuids, CancellationTokenSource Abort)
    {
        private volatile string? _engine;

        /// <summary>The engine whose answer is awaited now (set on the spine, read on a link's thread).</summary>
        public string? Engine { get => _engine; set => _engine = value; }
    }
    private enum Admit { New, Woken, Approved }

    private IntentPipeline(IJournal wal, RealityScene reality, IReadOnlyList<IEnginePort> engines, PipelineOptions options, TimeProvider time)
    {
        _wal = wal;
        Reality = _speculative = reality;
        _engines = engines;
        _options = options;
        _time = time;
        _lastIntentId = wal.Recovery.MaxIntentId;
        Seeded = wal.Recovery.CheckpointState != null; // a seed writes Reality's first checkpoint; an empty scene is a seed too
        _failures = new FailureCounters { UuidThreshold = options.UuidFailureThreshold, OperationThreshold = options.OperationFailureThreshold };
    }

    /// <summary>
    /// Starts the pipeline over an open log. Intents the log shows left PROVISIONAL (a crash
    /// mid-flight) are journaled ROLLED_BACK first: Reality never includes them, and the engines
    /// are resynced from Reality when they reconnect. Intent numbers resume above the log's largest.
    /// <paramref name="records"/> is the log as its caller already read it (else it is read here).
    /// </summary>
    public static async Task<IntentPipeline> StartAsync(IJournal wal, RealityScene reality, IReadOnlyList<IEnginePort> engines,
        PipelineOptions? options = null, TimeProvider? time = null, IReadOnlyList<WalRecord>? records = null)
    {
        var pipeline = new IntentPipeline(wal, reality, engines, options ?? new PipelineOptions(), time ?? TimeProvider.System);
        foreach (var id in wal.Recovery.ToRollBack)
            await wal.AppendAsync(WriteAheadLog.Encode(new WalEntry(id, IntentPhase.RolledBack, pipeline.Now, "both", RecoveryActor,
                new Scope(Array.Empty<string>(), IntentClass.Cosmetic), null, Hard(RollbackReasons.EngineFault),
                "left PROVISIONAL by a crash: rolled back on restart"))).ConfigureAwait(false);
        if (records == null || wal.Recovery.ToRollBack.Count > 0) // the caller's read predates the rollbacks just journaled
            records = wal.ReadAll(); // read once for both
        if (pipeline.RestorePending(records) is { Count: > 0 } lost) await pipeline.JournalLostAsync(lost).ConfigureAwait(false);
        pipeline.ConsultPriorFailures(records);
        pipeline._loop = Task.Run(pipeline.RunAsync);
        if (pipeline._pending.Count > 0)
            await pipeline.Post(async () => { await pipeline.WakeAsync(AdmissionOutcome.AwaitApproval).ConfigureAwait(false); return true; }).ConfigureAwait(false);
        return pipeline;
    }

    /// <summary>The authoritative scene: what FINAL intents made. Immutable; replaced whole by the spine.</summary>
    public RealityScene Reality { get => Volatile.Read(ref _reality); private set => Volatile.Write(ref _reality, value); }
    private RealityScene _reality = RealityScene.Empty;

    /// <summary>Counts changes of <see cref="Reality"/> (seed, FINAL batches): an engine confirmed at this version holds Reality.</summary>
    public long RealityVersion => Interlocked.Read(ref _realityVersion);

    /// <summary>Reality was seeded in this data directory (the log holds a seed): later engines pair with it, never seed again.</summary>
    public bool Seeded { get; private set; }

    /// <summary>Why automation is paused (safe mode or a quarantine), or null. Only humans' intents run until a human resumes.</summary>
    public string? SafeModeReason => _safeMode;

    /// <summary>
    /// True while <paramref name="engine"/> was last confirmed to hold Reality as it is now: read
    /// back and compared at its attach, and at every FINAL batch since (the origin of a human's
    /// edits is read back once they go quiet). Status never calls an engine live without it.
    /// </summary>
    public bool InParity(string engine) => Volatile.Read(ref _parity).TryGetValue(engine, out long v) && v == RealityVersion;

    /// <summary>
    /// <paramref name="engine"/> holds Reality now (its root was compared at attach). Call inside
    /// <see cref="ExclusiveAsync{T}"/>, where Reality cannot change under the comparison.
    /// </summary>
    public void ConfirmParity(string engine) => ImmutableInterlocked.AddOrUpdate(ref _parity, engine, RealityVersion, (_, _) => RealityVersion);

    /// <summary><paramref name="engine"/> no longer holds a confirmed copy of Reality (its session ended).</summary>
    public void ForgetParity(string engine) => ImmutableInterlocked.TryRemove(ref _parity, engine, out _);

    /// <summary>What one intent may be; checked first at admission (the control API also checks the bytes before parsing).</summary>
    public AdmissionLimits Limits => _options.Limits;

    /// <summary>Rollback counts that drive safe mode.</summary>
    public FailureCounters Failures => _failures;

    /// <summary>HUMAN_ACTIVE locks, taken and released as the adapters see people editing. Changed only by the pipeline.</summary>
    public LockTable Locks { get; } = new();

    /// <summary>Engines in PANIC and why: the one place PANIC is kept. While any is, nothing but the emergency override is applied.</summary>
    public ImmutableSortedDictionary<string, PanicStatus> Panics => Volatile.Read(ref _panics);

    /// <summary>
    /// Objects an engine failed to hold as verified (a hash mismatch) and that a fresh read has not
    /// yet shown back in parity: AI and system intents touching them are refused as DIRTY until the
    /// engine is resynced or a human's emergency unlock (a human's edit goes through: it is the
    /// fresh state from its source).
    /// </summary>
    public IReadOnlyCollection<string> Dirty { get { lock (_dirty) return _dirty.ToArray(); } }

    /// <summary>Intents waiting for a human (approval, a lock, safe mode or the end of a PANIC).</summary>
    public IReadOnlyCollection<ulong> Pending { get { lock (_pending) return _pending.Keys.ToArray(); } }

    /// <summary>One pending intent as a person reviewing it in the console needs it: what it asks for, who asks, and what it waits for.</summary>
    public WaitingIntent? PendingOf(ulong intentId)
    {
        lock (_pending) return _pending.TryGetValue(intentId, out var w) ? new WaitingIntent(intentId, w.Request, w.Actor, w.Why) : null;
    }

    /// <summary>Each pending intent with who asked, its class and rationale, ascending by id.</summary>
    public IReadOnlyList<PendingIntentInfo> PendingDetails()
    {
        lock (_pending)
            return _pending.OrderBy(p => p.Key).Select(p => new PendingIntentInfo(p.Key, p.Value.Actor,
                IntentClassifier.Classify(p.Value.Request.Operations), p.Value.Request.Rationale, p.Value.Approved)).ToArray();
    }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Submits an intent. The ticket's first answer comes once it is applied provisionally in every
    /// engine (or refused, or left waiting); the second once it is verified and FINAL or rolled back.
    /// </summary>
    /// <param name="request">The operations, in canonical space.</param>
    /// <param name="actor">Who asks.</param>
    /// <param name="panic">Treat it as submitted during a PANIC.</param>
    /// <param name="origin">
    /// The engine where it already happened (a human's edit reported by that engine): it is applied
    /// and verified in the other engines only; the origin is its source, not a copy to check.
    /// </param>
    public IntentTicket Submit(IntentRequest request, Actor actor, bool panic = false, string? origin = null)
    {
        // A human edit wins: an AI speculation on the same objects that is being applied right now
        // is aborted at once instead of being waited for (the spine is busy applying it). Not while
        // it waits for the edit's own engine: the adapter reports its human's edit before it applies
        // an APPLY over it (EDIT before APPLIED), so that answer follows at once, and an abandoned
        // answer would leave the APPLY applied there with no token to roll it back; with the token,
        // the rollback restores what the APPLY overwrote, the human's edit.
        if (actor.Kind >= ActorKind.Human && _applying is { } ai && (origin == null || ai.Engine != origin)
            && request.Operations.SelectMany(Admission.Touches).Any(ai.Uuids.Contains))
            ai.Abort.Cancel();
        // An intent built in code (an engine's edit, a resync, a restore) carries no submitted JSON:
        // its journal form is written once, here.
        if (request.Json is "{}" or "") request = request with { Json = OperationWriter.Write(request) };
        var provisional = BatchMember.NewCompletion();
        var settled = BatchMember.NewCompletion();
        // An engine's report is numbered as it arrives, in its link's order (before that link's next
        // answer is read): a verification read of that engine judges it against the reports taken so far.
        long report = origin == null ? 0 : _reports.Note(origin, request.Operations.SelectMany(Admission.Touches));
        Enqueue(new Submission(this, request, actor, panic, origin, report, provisional, settled));
        return new IntentTicket(provisional.Task, settled.Task);
    }

    /// <summary>Submits an intent and waits until it settles (FINAL, ROLLED_BACK, QUARANTINED, REFUSED or PENDING).</summary>
    public Task<IntentOutcome> SubmitAsync(IntentRequest request, Actor actor, bool panic = false, string? origin = null) => Submit(request, actor, panic, origin).Settled;

    /// <summary>The blobs each AI actor put itself (inline meshes, put_blob): the only unreferenced blobs it may name.</summary>
    public BlobUploads Uploads { get; } = new();

    /// <summary>
    /// Where a submission of <paramref name="actor"/> puts the blobs of its inline meshes: the
    /// store (durably, before the intent can be journaled), remembered as that actor's uploads.
    /// Null when the pipeline has no store.
    /// </summary>
    public IBlobSink? SinkFor(Actor actor) => _options.Blobs is { } store ? new UploadSink(store, Uploads, actor) : null;

    /// <summary>A human approves a PENDING intent: it is validated again, against the scene as it is now, and run.</summary>
    /// <exception cref="UnauthorizedAccessException">The approver is not a human.</exception>
    /// <exception cref="KeyNotFoundException">No such pending intent.</exception>
    public async Task<IntentOutcome> ApproveAsync(ulong intentId, Actor approver)
    {
        Admission.CheckCanApprove(approver);
        var settled = await Post(async () =>
        {
            var (request, actor, origin) = Take(intentId);
            var done = BatchMember.NewCompletion();
            await AdmitAsync(intentId, request, actor, false, Admit.Approved, BatchMember.NewCompletion(), done, approver, origin).ConfigureAwait(false);
            return done.Task;
        }).ConfigureAwait(false);
        return await settled.ConfigureAwait(false);
    }

    /// <summary>A human denies a PENDING intent: journaled REFUSED, nothing applied.</summary>
    public Task<IntentOutcome> DenyAsync(ulong intentId, Actor denier)
    {
        Admission.CheckCanApprove(denier);
        return Post(async () =>
        {
            var (request, actor, _) = Take(intentId);
            Journal(intentId, request, actor, IntentPhase.Refused, rationale: $"denied by {denier}");
            await DrainAsync(settle: true).ConfigureAwait(false);
            return new IntentOutcome(intentId, IntentPhase.Refused, $"denied by {denier}");
        });
    }

    /// <summary>A human ends safe mode (or a quarantine); the failure counts start afresh.</summary>
    /// <exception cref="UnauthorizedAccessException">Not a human.</exception>
    public Task ResumeAsync(Actor human)
    {
        Admission.CheckCanApprove(human);
        return Post(() =>
        {
            _safeMode = null;
            _failures.Reset();
            return Task.FromResult(true);
        });
    }

    /// <summary>The orchestrator enters safe mode (e.g. a start after a crash): only humans' intents run until it leaves or a human resumes.</summary>
    public Task EnterSafeModeAsync(string reason) => Post(() =>
    {
        _safeMode ??= reason;
        return Task.FromResult(true);
    });

    /// <summary>Leaves safe mode if it is still in it for <paramref name="reason"/> (never lifts another reason, such as a quarantine).</summary>
    public Task<bool> LeaveSafeModeAsync(string reason) => Post(() =>
    {
        if (_safeMode != reason) return Task.FromResult(false);
        _safeMode = null;
        return Task.FromResult(true);
    });

    /// <summary>A human pauses automation: AI and system intents wait (PENDING) until a human resumes; humans' edits still sync.</summary>
    /// <exception cref="UnauthorizedAccessException">Not a human.</exception>
    public Task PauseAsync(Actor human)
    {
        Admission.CheckCanApprove(human);
        return Post(() =>
        {
            _safeMode = $"paused by {human}";
            return Task.FromResult(true);
        });
    }

    /// <summary>A human starts editing <paramref name="uuid"/>: AI intents touching it wait.</summary>
    public Task AcquireLockAsync(string uuid, Actor human) => Post(() =>
    {
        Locks.Acquire(uuid, human);
        return Task.FromResult(true);
    });

    /// <summary>
    /// Every HUMAN_ACTIVE lock <paramref name="human"/> holds is released (the editor it came from
    /// detached: nobody is editing there any more); intents that waited are decided again.
    /// </summary>
    public async Task<IReadOnlyList<IntentOutcome>> ReleaseLocksOfAsync(Actor human)
    {
        var woken = await Post(async () =>
            Locks.ReleaseAllOf(human.ToString()).Count == 0 ? new List<Task<IntentOutcome>>() : await WakeAsync(AdmissionOutcome.WaitHumanLock).ConfigureAwait(false)).ConfigureAwait(false);
        return await Task.WhenAll(woken).ConfigureAwait(false);
    }

    /// <summary>
    /// The human stopped editing <paramref name="uuid"/>: intents that waited for it (WAIT_HUMAN_LOCK)
    /// are decided again, in intent order, and their settled outcomes returned.
    /// </summary>
    public async Task<IReadOnlyList<IntentOutcome>> ReleaseLockAsync(string uuid)
    {
        var woken = await Post(async () =>
        {
            Locks.Release(uuid);
            return await WakeAsync(AdmissionOutcome.WaitHumanLock).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return await Task.WhenAll(woken).ConfigureAwait(false);
    }

    /// <summary>
    /// An engine is in PANIC (a contract violation, a lost heartbeat, generation drift): it counts
    /// at once (admission sees it before this returns), the open batch is rolled back and nothing
    /// but the emergency override is applied until a human's emergency unlock.
    /// </summary>
    public Task PanicAsync(string engine, string code, string reason)
    {
        var panic = new PanicStatus(engine, code, reason, _time.GetUtcNow());
        ImmutableInterlocked.Update(ref _panics, p => p.SetItem(engine, panic));
        ForgetParity(engine);
        return Post(async () =>
        {
            await DrainAsync().ConfigureAwait(false);
            ReclaimVerification(); // unverified is unverified: it goes back with the rest
            if (!_batch.IsEmpty)
                await RollBackAsync(_batch.Members.ToList(), Hard(RollbackReasons.EngineFault), $"PANIC in {engine}: {code}: {reason}", RollbackReasons.EngineFault).ConfigureAwait(false);
            await DrainAsync().ConfigureAwait(false);
            return true;
        });
    }

    /// <summary>A PANIC with no code of its own (tests, a simulated fault).</summary>
    public Task PanicAsync(string engine, string reason) => PanicAsync(engine, "PANIC", reason);

    /// <summary>
    /// A human's emergency override: every HUMAN_ACTIVE lock, every PANIC and safe mode are lifted,
    /// journaled as an entry of its own (FINAL, no operation); intents that waited are decided again.
    /// </summary>
    /// <exception cref="UnauthorizedAccessException">Anyone but a human with the emergency override.</exception>
    public Task EmergencyUnlockAsync(Actor actor)
    {
        if (actor.Kind != ActorKind.EmergencyOverride) throw new UnauthorizedAccessException($"{actor} cannot unlock: emergency unlock is a human's override");
        return Post(async () =>
        {
            var locks = Locks.EmergencyUnlock(actor);
            var engines = Interlocked.Exchange(ref _panics, ImmutableSortedDictionary.Create<string, PanicStatus>(StringComparer.Ordinal)).Keys.ToArray();
            var why = $"EMERGENCY_UNLOCK by {actor}: released locks [{string.Join(", ", locks.Keys)}], PANIC of [{string.Join(", ", engines)}]"
                + (_safeMode is { } s ? $", safe mode ({s})" : "");
            _safeMode = null;
            _failures.Reset();
            lock (_dirty) _dirty.Clear();
            JournalFinals(int.MaxValue);
            ulong id = ++_lastIntentId;
            _appends.Add(_wal.AppendAsync(Journaling.Encode(new WalEntry(id, IntentPhase.Final, Now, engines.Length == 1 ? engines[0] : "both", actor.ToString(),
                new Scope(locks.Keys.ToArray(), IntentClass.Cosmetic), Rationale: why), first: false)));
            _options.Log.Write(new PipelineLogLine(Now, Environment.ProcessId, id, Array.Empty<string>(), locks.Keys.ToArray(), "FINAL", why, "EMERGENCY_UNLOCK"));
            await DrainAsync(settle: true).ConfigureAwait(false);
            await WakeAsync(AdmissionOutcome.Halted).ConfigureAwait(false);
            await WakeAsync(AdmissionOutcome.WaitHumanLock).ConfigureAwait(false);
            return true;
        });
    }

    /// <summary>Verifies and settles the open batch now, without waiting for its window (shutdown, a barrier in tests).</summary>
    public Task FlushAsync() => Post(async () =>
    {
        await SettleAllAsync().ConfigureAwait(false);
        return true;
    });

    /// <summary>Verifies and settles the open batch and waits until every answer is given.</summary>
    private async Task SettleAllAsync()
    {
        await CloseBatchAsync().ConfigureAwait(false);
        await DrainAsync(settle: true).ConfigureAwait(false);
        await AnsweredAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Settles the open batch, then runs <paramref name="work"/> with Reality while no intent is
    /// admitted or applied: an engine is brought to Reality (resync) without racing the pipeline.
    /// </summary>
    public Task<T> ExclusiveAsync<T>(Func<RealityScene, Task<T>> work) => Post(async () =>
    {
        await SettleAllAsync().ConfigureAwait(false);
        return await work(Reality).ConfigureAwait(false);
    });

    /// <summary>
    /// Makes <paramref name="scene"/> Reality when Reality is empty: the first engine's scene, the
    /// first time an engine attaches (an empty Reality would otherwise resync it to nothing). Journaled as a FINAL entry of
    /// <paramref name="actor"/> without operations, followed by a checkpoint whose state is the
    /// scene's canonical JSON, so a restart folds later FINAL entries over it.
    /// </summary>
    /// <returns>False (and nothing done) when Reality was seeded before in this data directory (even with an empty scene).</returns>
    public Task<bool> SeedAsync(Scene scene, Actor actor, string engine, string rationale) => Post(async () =>
    {
        await CloseBatchAsync().ConfigureAwait(false);
        await DrainAsync(settle: true).ConfigureAwait(false);
        if (Seeded) return false; // once per data directory: an empty scene is a seed too (issue #15: a second seed split Reality from a live engine)
        ulong id = ++_lastIntentId;
        var written = await _wal.AppendAsync(Journaling.Encode(new WalEntry(id, IntentPhase.Final, Now, engine, actor.ToString(),
            new Scope(Array.Empty<string>(), IntentClass.Structural), Rationale: rationale), first: false)).ConfigureAwait(false);
        await _wal.WriteCheckpointAsync(written.Sequence, System.Text.Encoding.UTF8.GetBytes(SceneJsonWriter.Write(scene, Space.Canonical))).ConfigureAwait(false);
        Reality = _speculative = RealityScene.From(scene);
        Seeded = true;
        _options.AfterCheckpoint?.Invoke();
        long version = Interlocked.Increment(ref _realityVersion);
        ImmutableInterlocked.AddOrUpdate(ref _parity, engine, version, (_, _) => version); // Reality is that engine's scene
        _options.AfterFinal?.Invoke(Reality, new[] { id });
        _options.Log.Write(new PipelineLogLine(Now, Environment.ProcessId, id, Array.Empty<string>(), Array.Empty<string>(), "FINAL", rationale, null));
        return true;
    });

    /// <summary>Journals a FINAL entry without operations (a pairing, an event a human should find in the log); Reality does not change.</summary>
    public Task NoteAsync(Actor actor, string engine, string rationale, string? snapshotRef = null) => Post(async () =>
    {
        JournalFinals(int.MaxValue); // a note (a snapshot of Reality after FINAL …) follows the FINAL entries it speaks of
        _ = Flush();
        ulong id = ++_lastIntentId;
        await _wal.AppendAsync(Journaling.Encode(new WalEntry(id, IntentPhase.Final, Now, engine, actor.ToString(),
            new Scope(Array.Empty<string>(), IntentClass.Cosmetic), Rollback: snapshotRef == null ? null : new RollbackInfo(null, snapshotRef, null, null),
            Rationale: rationale), first: false)).ConfigureAwait(false);
        _options.Log.Write(new PipelineLogLine(Now, Environment.ProcessId, id, Array.Empty<string>(), Array.Empty<string>(), "FINAL", rationale, null));
        return true;
    });

    /// <summary>Settles everything whose window has ended by now (on <see cref="TimeProvider"/>'s clock) and returns.</summary>
    public Task SettleDueAsync() => Post(async () =>
    {
        await DrainAsync().ConfigureAwait(false);
        await CloseIfDueAsync().ConfigureAwait(false);
        await FinishVerificationAsync().ConfigureAwait(false);
        await VerifyOriginsIfDueAsync().ConfigureAwait(false);
        await DrainAsync(settle: true).ConfigureAwait(false);
        return true;
    });

    /// <summary>Stops taking work, settles the open batch and ends the spine.</summary>
    public async ValueTask DisposeAsync()
    {
        _inbox.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }
}
