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
//                   the rest are finalized, journaled FINAL in apply order, and become Reality.
// Every phase change is durable in the WAL before anyone hears of it.
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using VibeSync.Intents.Authority;
using VibeSync.Intents.Batching;
using VibeSync.Intents.Classification;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Operations;
using VibeSync.Intents.Reality;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.Comparison;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using VibeSync.Wal;
using VibeSync.Wal.Entries;

namespace VibeSync.Intents.Pipeline;

/// <summary>
/// Drives intents through their lifecycle against the engines, journaling each phase in the WAL;
/// only FINAL advances <see cref="Reality"/>.
/// </summary>
public sealed class IntentPipeline : IAsyncDisposable
{
    private readonly WriteAheadLog _wal;
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
    private readonly OpenBatch _batch = new();
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
    private Task? _firstWaiting; // the first fsync a step left in the queue waits for, as the last pump saw it

    private sealed record Work(Func<Task> Run, Action<Exception> Fail);

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
    private sealed record InFlight(HashSet<string> Uuids, CancellationTokenSource Abort);
    private enum Admit { New, Woken, Approved }

    private IntentPipeline(WriteAheadLog wal, RealityScene reality, IReadOnlyList<IEnginePort> engines, PipelineOptions options, TimeProvider time)
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
    /// </summary>
    public static async Task<IntentPipeline> StartAsync(WriteAheadLog wal, RealityScene reality, IReadOnlyList<IEnginePort> engines,
        PipelineOptions? options = null, TimeProvider? time = null)
    {
        var pipeline = new IntentPipeline(wal, reality, engines, options ?? new PipelineOptions(), time ?? TimeProvider.System);
        var recovery = new Actor(ActorKind.Orchestrator, "recovery").ToString();
        foreach (var id in wal.Recovery.ToRollBack)
            await wal.AppendAsync(new WalEntry(id, IntentPhase.RolledBack, pipeline.Now, "both", recovery,
                new Scope(Array.Empty<string>(), IntentClass.Cosmetic), null, new RollbackInfo(null, null, "HARD", "ENGINE_FAULT"),
                "left PROVISIONAL by a crash: rolled back on restart")).ConfigureAwait(false);
        var records = wal.Recovery.LastSequence > 0 ? WriteAheadLog.ReadAll(wal.Directory, out _) : Array.Empty<WalRecord>(); // read once for both
        pipeline.RestorePending(records);
        pipeline.ConsultPriorFailures(records);
        pipeline._loop = Task.Run(pipeline.RunAsync);
        if (pipeline._pending.Count > 0)
            await pipeline.Post(async () => { await pipeline.WakeAsync(AdmissionOutcome.AwaitApproval).ConfigureAwait(false); return true; }).ConfigureAwait(false);
        return pipeline;
    }

    /// <summary>
    /// Intents the log shows still PENDING wait again after a restart: what was acknowledged is not
    /// lost. They are decided afresh (locks and PANICs do not survive a restart; approval is asked again).
    /// </summary>
    private void RestorePending(IReadOnlyList<WalRecord> records)
    {
        if (_wal.Recovery.Pending.Count == 0) return;
        var wanted = _wal.Recovery.Pending.ToHashSet();
        foreach (var record in records)
        {
            var e = record.Entry;
            if (e.Phase != IntentPhase.Pending || !wanted.Remove(e.IntentId) || e.OperationJson == null) continue;
            _pending[e.IntentId] = new Waiting(OperationReader.Read(e.OperationJson), Actor.Parse(e.Actor), AdmissionOutcome.AwaitApproval, false,
                _engines.Any(x => x.Name == e.Engine) ? e.Engine : null);
        }
    }

    /// <summary>
    /// Prior failures in the log are consulted before any mutation: rollbacks the engines caused
    /// (HASH_MISMATCH, ENGINE_FAULT) since the last emergency unlock count again, so an object or an
    /// operation that kept failing before a restart puts automation in safe mode at once, instead
    /// of failing the same way again. Rollbacks a crash left behind do not count.
    /// </summary>
    private void ConsultPriorFailures(IReadOnlyList<WalRecord> records)
    {
        int since = 0;
        for (int i = 0; i < records.Count; i++)
            if (records[i].Entry.Actor.StartsWith("emergency:", StringComparison.Ordinal)) since = i + 1;
        for (int i = since; i < records.Count; i++)
        {
            var e = records[i].Entry;
            if (e.Phase != IntentPhase.RolledBack || e.Rollback?.Reason is not ("HASH_MISMATCH" or "ENGINE_FAULT") || e.Actor == "system:recovery" || e.OperationJson == null) continue;
            IntentRequest request;
            try { request = OperationReader.Read(e.OperationJson); }
            catch (IntentRefusedException) { continue; }
            if (_failures.Record(e.Scope.Uuids, request.Operations.Select(o => o.Name)) is { } tripped && _safeMode == null)
                _safeMode = "prior failures in the log: " + tripped;
        }
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
        // is aborted at once instead of being waited for (the spine is busy applying it).
        if (actor.Kind >= ActorKind.Human && _applying is { } ai && request.Operations.SelectMany(Admission.Touches).Any(ai.Uuids.Contains))
            ai.Abort.Cancel();
        // An intent built in code (an engine's edit, a resync, a restore) carries no submitted JSON:
        // its journal form is written once, here.
        if (request.Json is "{}" or "") request = request with { Json = OperationWriter.Write(request) };
        var provisional = BatchMember.NewCompletion();
        var settled = BatchMember.NewCompletion();
        Enqueue(new Work(() => AdmitAsync(0, request, actor, panic, Admit.New, provisional, settled, origin: origin),
            e => { provisional.TrySetException(e); settled.TrySetException(e); }));
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
            if (!_batch.IsEmpty)
                await RollBackAsync(_batch.Members.ToList(), new RollbackInfo(null, null, "HARD", "ENGINE_FAULT"), $"PANIC in {engine}: {code}: {reason}", "ENGINE_FAULT").ConfigureAwait(false);
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

    // ---- the spine ----

    private void Enqueue(Work work)
    {
        if (_fatal is { } fatal) throw new InvalidOperationException($"the pipeline stopped: {fatal.Message}", fatal);
        if (!_inbox.Writer.TryWrite(work)) throw new ObjectDisposedException(nameof(IntentPipeline), "the pipeline is shutting down");
    }

    private Task<T> Post<T>(Func<Task<T>> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(new Work(async () =>
        {
            try { done.TrySetResult(await work().ConfigureAwait(false)); }
            catch (Exception e) when (_fatal == null) { done.TrySetException(e); }
            catch (Exception e) { done.TrySetException(e); throw; }
        }, e => done.TrySetException(e)));
        return done.Task;
    }

    private async Task RunAsync()
    {
        var inbox = _inbox.Reader;
        try
        {
            int sinceDrain = 0;
            while (true)
            {
                if (inbox.TryRead(out var work))
                {
                    await work.Run().ConfigureAwait(false);
                    if (_fatal != null) break;
                    if (++sinceDrain < _options.AdmissionChunk) continue;
                }
                sinceDrain = 0;
                await PumpAsync().ConfigureAwait(false);
                if (await CloseIfDueAsync().ConfigureAwait(false) || await VerifyOriginsIfDueAsync().ConfigureAwait(false) || inbox.TryPeek(out _)) continue;
                if (inbox.Completion.IsCompleted) break;

                // Sleep until new work, the fsync a waiting apply needs, or the batch's deadline.
                using var stop = new CancellationTokenSource();
                var wakeUps = new List<Task>(3) { inbox.WaitToReadAsync(stop.Token).AsTask() };
                if (_firstWaiting is { } waiting) wakeUps.Add(waiting); // even if it completed since: then no sleep at all
                foreach (var due in new[] { _batch.Deadline, _owed.Count == 0 ? null : _owed.Values.Min(d => d.Due) })
                {
                    if (due is not { } deadline) continue;
                    var wait = deadline - _time.GetUtcNow();
                    wakeUps.Add(Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, _time, stop.Token));
                }
                await Task.WhenAny(wakeUps).ConfigureAwait(false);
                stop.Cancel();
            }
            if (_fatal == null)
            {
                await CloseBatchAsync().ConfigureAwait(false);
                await DrainAsync(settle: true).ConfigureAwait(false);
            }
            await AnsweredAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _fatal ??= e;
        }
        if (_fatal is { } fatal) Fail(fatal);
    }

    /// <summary>Waits until every answer that waited for an fsync has been given.</summary>
    private async Task AnsweredAsync()
    {
        Task[] waiting;
        lock (_answering) { _answering.RemoveAll(t => t.IsCompleted); waiting = _answering.ToArray(); }
        await Task.WhenAll(waiting).ConfigureAwait(false);
    }

    /// <summary>Fail-stop: the journal cannot be trusted any more, so nobody is told anything happened.</summary>
    private void Fail(Exception fatal)
    {
        _inbox.Writer.TryComplete();
        var error = new InvalidOperationException($"the pipeline stopped: {fatal.Message}", fatal);
        foreach (var m in _batch.Members)
        {
            m.Provisional.TrySetException(error);
            m.Settled.TrySetException(error);
            foreach (var follower in m.Followers) follower.TrySetException(error);
        }
        foreach (var answer in _toApply.SelectMany(step => step.Answers)) answer.TrySetException(error);
        foreach (var (completion, _) in _deferred) completion.TrySetException(error);
        while (_inbox.Reader.TryRead(out var work)) work.Fail(error);
    }

    /// <summary>
    /// Hands the journal entries appended so far to the WAL's group commit: the answers that wait
    /// for them are given once they are durable, while the spine goes on. Returns that moment.
    /// </summary>
    private Task Flush()
    {
        if (_appends.Count == 0 && _deferred.Count == 0) return Task.CompletedTask;
        var durable = AnswerWhenDurable(_appends.ToArray(), _deferred.ToArray());
        _appends.Clear();
        _deferred.Clear();
        if (!durable.IsCompleted)
            lock (_answering)
            {
                if (_answering.Count >= 64) _answering.RemoveAll(t => t.IsCompleted);
                _answering.Add(durable);
            }
        return durable;
    }

    /// <summary>
    /// Flushes the journal and applies, in admission order, every step whose PROVISIONAL entry is
    /// durable, unless an earlier step that is still waiting shares a uuid with it: one new
    /// intent's fsync does not hold up micro-intents of others already journaled.
    /// </summary>
    private async Task PumpAsync()
    {
        _ = Flush();
        _firstWaiting = null;
        var waitingOn = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < _toApply.Count;)
        {
            var step = _toApply[i];
            if (!step.Durable.IsCompletedSuccessfully || step.Member.Footprint.Any(waitingOn.Contains))
            {
                if (!step.Durable.IsCompletedSuccessfully) _firstWaiting ??= step.Durable;
                waitingOn.UnionWith(step.Member.Footprint);
                i++;
                continue;
            }
            _toApply.RemoveAt(i);
            int before = _toApply.Count;
            await ApplyAsync(step).ConfigureAwait(false);
            _ = Flush();
            if (_toApply.Count != before) { i = 0; waitingOn.Clear(); _firstWaiting = null; } // a rollback dropped steps: look again from the start
        }
    }

    /// <summary>
    /// Applies every admitted step, waiting for the fsyncs they need; with <paramref name="settle"/>
    /// also waits until every answer given so far has followed its fsync.
    /// </summary>
    private async Task DrainAsync(bool settle = false)
    {
        while (true)
        {
            await PumpAsync().ConfigureAwait(false);
            if (_fatal is { } fatal) throw new InvalidOperationException($"the pipeline stopped: {fatal.Message}", fatal);
            if (_toApply.Count == 0) break;
            var waiting = _toApply.Select(step => step.Durable).Where(t => !t.IsCompleted).ToArray();
            if (waiting.Length > 0) await Task.WhenAny(waiting).ConfigureAwait(false);
        }
        if (settle) await AnsweredAsync().ConfigureAwait(false);
    }

    private async Task AnswerWhenDurable(Task[] appends, (TaskCompletionSource<IntentOutcome> Completion, IntentOutcome Outcome)[] answers)
    {
        try
        {
            if (appends.Length > 0) await Task.WhenAll(appends).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Fail-stop: nothing journaled after this can be trusted, so the spine stops.
            _fatal ??= e;
            _inbox.Writer.TryComplete();
            var error = new InvalidOperationException($"the pipeline stopped: {e.Message}", e);
            foreach (var (completion, _) in answers) completion.TrySetException(error);
            return;
        }
        foreach (var (completion, outcome) in answers) completion.TrySetResult(outcome);
    }

    private async Task<bool> CloseIfDueAsync()
    {
        if (_batch.Deadline is not { } deadline || deadline > _time.GetUtcNow()) return false;
        await CloseBatchAsync().ConfigureAwait(false);
        return true;
    }

    // ---- admit + apply ----

    /// <summary>
    /// Validates and admits an intent against the speculative scene, settles its conflicts with the
    /// open batch, and journals it PROVISIONAL and queues it for applying — or refuses it, or files
    /// it as PENDING with the reason it waits.
    /// </summary>
    private async Task AdmitAsync(ulong id, IntentRequest request, Actor actor, bool panic, Admit how,
        TaskCompletionSource<IntentOutcome> provisional, TaskCompletionSource<IntentOutcome> settled, Actor? approver = null, string? origin = null)
    {
        var number = new StrongBox<ulong>(id);
        try { await AdmitCoreAsync(number, request, actor, panic, how, provisional, settled, approver, origin).ConfigureAwait(false); }
        // Whatever goes wrong while admitting one intent is that intent's failure, journaled and
        // answered as such (issue #16: one oversized entry stopped the pipeline for everyone).
        // Only the log's own I/O failure stops the spine: after it, nothing can be journaled.
        catch (Exception e) when (_fatal == null && e is not (WalFailedException or ObjectDisposedException or OutOfMemoryException))
        {
            ulong failed = number.Value != 0 ? number.Value : number.Value = ++_lastIntentId;
            var refusal = e as IntentRefusedException
                ?? new IntentRefusedException(IntentErrorCode.Internal, "intent", $"admitting it failed: {e.GetType().Name}: {e.Message}");
            if (refusal.Code == IntentErrorCode.Internal)
                _options.Log.Write(new PipelineLogLine(Now, Environment.ProcessId, failed, Array.Empty<string>(), Array.Empty<string>(), "REFUSED", e.ToString(), "INTERNAL_ERROR"));
            Refuse(failed, request, actor, refusal, approver, provisional, settled);
        }
    }

    /// <summary>Journals <paramref name="e"/> as the intent's REFUSED entry (slimmed if need be) and answers it.</summary>
    private void Refuse(ulong id, IntentRequest request, Actor actor, IntentRefusedException e, Actor? approver,
        TaskCompletionSource<IntentOutcome> provisional, TaskCompletionSource<IntentOutcome> settled)
    {
        lock (_pending) _pending.Remove(id);
        string code = IntentRefusedException.WireName(e.Code);
        Journal(id, request, actor, IntentPhase.Refused,
            rationale: (approver != null ? $"approved by {approver} but " : "") + $"{code} at {e.Path}: {e.Reason}", errorCode: code);
        Settle(provisional, settled, new IntentOutcome(id, IntentPhase.Refused, e.Message, e));
    }

    private async Task AdmitCoreAsync(StrongBox<ulong> number, IntentRequest request, Actor actor, bool panic, Admit how,
        TaskCompletionSource<IntentOutcome> provisional, TaskCompletionSource<IntentOutcome> settled, Actor? approver, string? origin)
    {
        // A new intent is numbered when it is first journaled: a micro-intent that joins another
        // is never journaled on its own and takes no number.
        ulong Id() => number.Value != 0 ? number.Value : number.Value = ++_lastIntentId;
        // What one intent may be, before anything else looks at it.
        if (_options.Limits.Check(request, actor) is { } over)
        {
            Refuse(Id(), request, actor, over, approver, provisional, settled);
            return;
        }
        bool asAi = actor.Kind == ActorKind.Ai && how != Admit.Approved;
        if ((MeshRules.Check(request, actor, origin, _speculative, _options.Blobs, _options.Limits, asAi ? Uploads.Of(actor) : null)
             ?? ContentRules.Check(request, actor, origin, _speculative, _options.Blobs, _options.Limits, asAi ? Uploads.Of(actor) : null)) is { } broken)
        {
            Refuse(Id(), request, actor, broken, approver, provisional, settled);
            return;
        }
        if (origin != null && _owed.TryGetValue(origin, out var debt)) debt.Due = _time.GetUtcNow() + _options.OriginQuiet; // its human is still at work
        var cls = IntentClassifier.Classify(request.Operations);
        string? snapshotRef = null;
        while (true)
        {
            RealityScene next;
            try
            {
                // An AI sees what AiVisibility lets it, until a human approved its intent.
                var validated = IntentValidator.Check(_speculative, request, actor.Kind == ActorKind.Ai && how != Admit.Approved ? Sight.Ai : Sight.Everything);
                next = validated.Reality;
                // A human's edit of a DIRTY object is itself the fresh state from its source: it goes through.
                if (actor.Kind < ActorKind.Human && FirstDirty(request) is { } dirty)
                    throw new IntentRefusedException(IntentErrorCode.Dirty, "operations",
                        $"{dirty} is DIRTY: an engine failed to hold its verified state and it is not yet confirmed back in parity; retry once the engine is resynced");
                // PANIC is per engine (docs/protocol.md §11.3): a human's edit from an engine not in
                // PANIC goes on (it is applied in the live engines, and the engine in PANIC is not
                // one); automation waits while any engine is in PANIC.
                bool halted = panic || (actor.Kind >= ActorKind.Human && origin != null ? Panics.ContainsKey(origin) : !Panics.IsEmpty);
                if (how == Admit.Approved && halted && actor.Kind != ActorKind.EmergencyOverride)
                {
                    // Approval does not lift a PANIC: the approved intent waits for the emergency unlock.
                    Wait(Id(), request, actor, AdmissionOutcome.Halted, "the engine is in PANIC: approved, and waiting until a human's emergency unlock", how, provisional, settled, origin);
                    return;
                }
                if (how != Admit.Approved)
                {
                    var decision = Admission.Decide(request, actor, _options.Trust, Locks, halted, validated.ReachesUnseen);
                    if (_safeMode is { } safeMode && actor.Kind < ActorKind.Human && decision.Outcome == AdmissionOutcome.Admit)
                        decision = new AdmissionDecision(AdmissionOutcome.Halted, $"safe mode ({safeMode}): automation waits until a human resumes");
                    if (decision.Outcome != AdmissionOutcome.Admit)
                    {
                        Wait(Id(), request, actor, decision.Outcome, decision.Reason, how, provisional, settled, origin);
                        return;
                    }
                }
            }
            catch (IntentRefusedException e)
            {
                Refuse(Id(), request, actor, e, approver, provisional, settled);
                return;
            }

            var footprint = Footprint.Of(_speculative, request);
            if (how == Admit.New && cls == IntentClass.Cosmetic && _batch.LatestExactlyOn(footprint) is { } group
                && group.Class == IntentClass.Cosmetic && group.Actor == actor && group.Origin == origin && Coalescer.CanFold(request.Operations) && Coalescer.CanFold(group.Request.Operations)
                && JournalFitsAfterJoin(group, request))
            {
                Join(group, request, next, provisional, settled);
                return;
            }
            var contender = new Contender(Id(), actor, cls, request.Operations);
            var properties = cls == IntentClass.Cosmetic ? ConflictPolicy.Properties(request.Operations) : null;
            var overlapping = _batch.Representatives(footprint, properties ?? Enumerable.Empty<string>());
            var conflict = ConflictPolicy.Decide(contender, overlapping.Select(m => m.Contender).ToList());
            var losers = overlapping.Where(m => conflict.Losers.Contains(m.Contender)).ToList();
            switch (conflict.Rule)
            {
                case ConflictRule.HumanOverridesSpeculation:
                    await RollBackAsync(losers, new RollbackInfo(null, null, "SOFT", "HUMAN_EDIT"), conflict.Reason, "HUMAN_EDIT").ConfigureAwait(false);
                    continue; // decide again against what is left
                case ConflictRule.StructuralOverridesCosmetic:
                    await RollBackAsync(losers, new RollbackInfo(null, null, "SOFT", "CONFLICT"), conflict.Reason, "CONFLICT").ConfigureAwait(false);
                    continue;
                case ConflictRule.WaitForHuman:
                    Wait(Id(), request, actor, AdmissionOutcome.WaitHumanLock, conflict.Reason, how, provisional, settled, origin);
                    return;
                case ConflictRule.CosmeticYieldsToStructural:
                    lock (_pending) _pending.Remove(Id());
                    Journal(Id(), request, actor, IntentPhase.RolledBack, rollback: new RollbackInfo(null, null, "SOFT", "CONFLICT"),
                        rationale: $"{conflict.Reason} (winner: intent {conflict.Winner})", errorCode: "CONFLICT");
                    Settle(provisional, settled, new IntentOutcome(Id(), IntentPhase.RolledBack, "CONFLICT: " + conflict.Reason));
                    return;
                case ConflictRule.Quarantine:
                    lock (_pending) _pending.Remove(Id());
                    _safeMode ??= $"intent {Id()} QUARANTINED: {conflict.Reason}";
                    Journal(Id(), request, actor, IntentPhase.Quarantined, rationale: conflict.Reason, errorCode: "QUARANTINED");
                    Settle(provisional, settled, new IntentOutcome(Id(), IntentPhase.Quarantined, conflict.Reason));
                    return;
                case ConflictRule.CosmeticMerge:
                    foreach (var p in properties!)
                        if (_batch.LastWriterOf(p) is { } previous)
                            previous.Notes.Add($"{p} superseded by intent {Id()}: {conflict.Reason}");
                    break;
            }

            if (cls == IntentClass.Destructive && (snapshotRef == null || !_batch.IsEmpty))
            {
                // No window, snapshot-gated: what came before is verified first, then Reality is snapshotted.
                await CloseBatchAsync().ConfigureAwait(false);
                if (_options.SnapshotBeforeDestructive is { } snapshot)
                {
                    try { snapshotRef = await snapshot(Reality, Footprint.Of(Reality, request)).ConfigureAwait(false); }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        lock (_pending) _pending.Remove(Id());
                        Journal(Id(), request, actor, IntentPhase.Refused, rationale: $"SNAPSHOT_FAILED: no safety snapshot, so nothing was deleted or overwritten: {e.Message}", errorCode: "SNAPSHOT_FAILED");
                        Settle(provisional, settled, new IntentOutcome(Id(), IntentPhase.Refused, $"SNAPSHOT_FAILED: {e.Message}"));
                        return;
                    }
                }
                snapshotRef ??= "";
                continue; // validate again against Reality as the batch left it
            }

            lock (_pending) _pending.Remove(Id());
            var member = new BatchMember(Id(), request, actor, cls, footprint) { Provisional = provisional, Settled = settled, Origin = origin };
            var journaled = member.Journaled();
            // Its first entry (or its first after PENDING): over the budget, it is refused here, before anything is applied.
            member.Durable = Append(member.Id, journaled, actor, footprint, cls, IntentPhase.Provisional, null,
                string.IsNullOrEmpty(snapshotRef) ? null : new RollbackInfo(null, snapshotRef, null, null), request.Rationale, null, null, origin, first: true);
            member.JournalBytes = _lastAppendBytes;
            _speculative = next;
            var window = cls switch { IntentClass.Cosmetic => _options.CosmeticWindow, IntentClass.Structural => _options.StructuralWindow, _ => TimeSpan.Zero };
            _batch.Add(member, _time.GetUtcNow() + window);
            if (properties != null) _batch.Wrote(member, properties);
            member.Queued = new ApplyStep(member, request.Operations, provisional);
            _toApply.Add(member.Queued);
            return;
        }
    }

    /// <summary>
    /// Whether <paramref name="group"/>'s later entries still fit one WAL record once
    /// <paramref name="micro"/> is folded in (issue #16: many large micro-intents folded into one
    /// member would make a FINAL entry the log cannot take). Cheap while a bound holds (a micro's
    /// JSON grows at most 6× when the log re-escapes it); past it, the folded entry is measured.
    /// When it would not fit, the micro-intent becomes an intent of its own.
    /// </summary>
    private bool JournalFitsAfterJoin(BatchMember group, IntentRequest micro)
    {
        long bound = group.JournalBytes + 6L * System.Text.Encoding.UTF8.GetByteCount(micro.Json) + 64;
        if (bound <= Journaling.FirstEntryBudget)
        {
            group.JournalBytes = bound;
            return true;
        }
        var folded = new IntentRequest(Coalescer.Fold(group.Request.Operations, micro.Operations), group.Request.BasedOn, group.Request.Rationale);
        var entry = new WalEntry(group.Id, IntentPhase.Provisional, Now, group.Origin ?? "both", group.Actor.ToString(), new Scope(group.Footprint, group.Class),
            Rationale: Journaling.Clip(group.Request.Rationale, Journaling.RationaleChars), OperationJson: OperationWriter.Write(folded));
        int measured = WriteAheadLog.Encode(entry).BodyBytes;
        if (measured > Journaling.FirstEntryBudget) return false;
        group.JournalBytes = measured;
        return true;
    }

    /// <summary>
    /// Semantic coalescing: a cosmetic micro-intent of the same actor on exactly the uuids of the
    /// latest batch member folds into it. It is applied at once (folded into that member's queued
    /// apply if there is one) and settles with it; no journal entry of its own is written, since
    /// the member's PROVISIONAL entry already covers those uuids and its FINAL entry will carry
    /// the folded operations.
    /// </summary>
    private void Join(BatchMember group, IntentRequest micro, RealityScene next, TaskCompletionSource<IntentOutcome> provisional,
        TaskCompletionSource<IntentOutcome> settled)
    {
        group.Join(micro, settled);
        _speculative = next;
        if (group.Queued is { } step) step.Fold(micro.Operations, provisional);
        else _toApply.Add(group.Queued = new ApplyStep(group, micro.Operations, provisional));
    }

    private void Wait(ulong id, IntentRequest request, Actor actor, AdmissionOutcome why, string reason, Admit how,
        TaskCompletionSource<IntentOutcome> provisional, TaskCompletionSource<IntentOutcome> settled, string? origin)
    {
        if (how == Admit.New) Journal(id, request, actor, IntentPhase.Pending, rationale: request.Rationale, outcome: reason, origin: origin, first: true);
        lock (_pending) _pending[id] = new Waiting(request, actor, why, how == Admit.Approved, origin);
        Settle(provisional, settled, new IntentOutcome(id, IntentPhase.Pending, reason));
    }

    private (IntentRequest, Actor, string?) Take(ulong intentId)
    {
        lock (_pending)
        {
            if (!_pending.Remove(intentId, out var p)) throw new KeyNotFoundException($"intent {intentId} is not pending");
            return (p.Request, p.Actor, p.Origin);
        }
    }

    /// <summary>Decides again, in intent order, the intents waiting for <paramref name="why"/>; returns their settled answers.</summary>
    private async Task<List<Task<IntentOutcome>>> WakeAsync(AdmissionOutcome why)
    {
        List<KeyValuePair<ulong, Waiting>> woken;
        lock (_pending) woken = _pending.Where(p => p.Value.Why == why).OrderBy(p => p.Key).ToList();
        var answers = new List<Task<IntentOutcome>>();
        foreach (var (id, waiting) in woken)
        {
            var settled = BatchMember.NewCompletion();
            answers.Add(settled.Task);
            await AdmitAsync(id, waiting.Request, waiting.Actor, false, waiting.Approved ? Admit.Approved : Admit.Woken, BatchMember.NewCompletion(), settled, origin: waiting.Origin).ConfigureAwait(false);
        }
        return answers;
    }

    private async Task ApplyAsync(ApplyStep step)
    {
        var member = step.Member;
        IEnginePort? current = null;
        if (ReferenceEquals(member.Queued, step)) member.Queued = null; // micro-intents joining from now on need a step of their own
        using var abort = new CancellationTokenSource();
        if (!member.Contender.IsHuman) _applying = new InFlight(step.Operations.SelectMany(Admission.Touches).ToHashSet(StringComparer.Ordinal), abort);
        try
        {
            foreach (var engine in _engines)
            {
                if (!engine.IsLive || engine.Name == member.Origin) continue; // the origin holds it already; an engine not live is resynced from Reality
                current = engine;
                try { member.Applied.Add((engine, await Call(() => engine.ApplyProvisionalAsync(member.Id, step.Operations), abort.Token).ConfigureAwait(false))); }
                catch (Exception e) when (e is EngineFaultException or TimeoutException && member.Origin != null && _options.OnParityLost != null)
                {
                    // A human's edit already happened in the engine it came from and cannot be taken
                    // back there: it stands. The engine that could not take it leaves live and is
                    // resynced from Reality, which then includes the edit (humans outrank the rest).
                    LoseParity(engine.Name, $"it failed to apply intent {member.Id}, a human's edit from {member.Origin}: {e.Message}");
                }
            }
            abort.Token.ThrowIfCancellationRequested();
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            _applying = null;
            await RollBackAsync(new[] { member }, new RollbackInfo(null, null, "SOFT", "HUMAN_EDIT"),
                "a human edited what this intent touches: the speculation was rolled back and the human's edit is the truth", "HUMAN_EDIT",
                unapplied: step).ConfigureAwait(false);
            return;
        }
        catch (Exception e) when (e is EngineFaultException or TimeoutException)
        {
            _applying = null;
            // What Reality holds, that engine could not take (or it did not answer): it is not known to hold Reality any more.
            if (current != null) LoseParity(current.Name, $"it failed to apply intent {member.Id}: {e.Message}");
            await RollBackAsync(new[] { member }, new RollbackInfo(null, null, "HARD", "ENGINE_FAULT"), e.Message, "ENGINE_FAULT", countFailure: true,
                unapplied: step).ConfigureAwait(false);
            return;
        }
        finally
        {
            _applying = null;
        }
        var ok = new IntentOutcome(member.Id, IntentPhase.Provisional, member.Joined == 0
            ? "applied provisionally in every engine (PROVISIONAL_OK); verification follows"
            : $"coalesced into intent {member.Id} and applied provisionally in every engine (PROVISIONAL_OK); verification follows");
        foreach (var answer in step.Answers) answer.TrySetResult(ok);
    }

    // ---- verify + final ----

    /// <summary>
    /// Verifies the open batch: one read per engine over its footprint and one hash; components
    /// that differ (field-wise, beyond ε) are rolled back, the rest finalized, journaled FINAL in
    /// apply order, and made Reality. Intents that waited for humans in this batch are decided again.
    /// </summary>
    private async Task CloseBatchAsync()
    {
        await DrainAsync().ConfigureAwait(false);
        if (_batch.IsEmpty) return;

        var footprint = UnionOf(_batch.Members);
        var expected = EngineStorage.RoundToFloat32(_speculative.Records(footprint));
        string expectedHash = HashOf(expected);
        List<List<BatchMember>>? components = null;
        var failed = new HashSet<List<BatchMember>>();
        var unread = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var engine in _engines)
        {
            if (!engine.IsLive) continue;
            Scene observed;
            try { observed = await Call(() => engine.ReadAsync(footprint)).ConfigureAwait(false); }
            catch (Exception e) when (e is EngineFaultException or TimeoutException) { observed = Scene.Empty; unread[engine.Name] = e.Message; }
            if (HashOf(observed) == expectedHash) continue;
            components ??= _batch.Components();
            foreach (var component in components)
            {
                if (failed.Contains(component)) continue;
                // A human's edit is the truth of the engine it came from: that engine is its source,
                // not a copy to check, and may already be ahead of it (the human is still dragging).
                if (component.All(m => m.Origin == engine.Name)) continue;
                var scope = UnionOf(component);
                var want = Subset(expected, scope);
                var have = Subset(observed, scope);
                string wantHash = HashOf(want), haveHash = HashOf(have);
                if (wantHash == haveHash) continue;
                var diff = FieldComparer.Differences(want, have); // a hash mismatch counts only once fields confirm it
                if (diff.Count == 0) continue;
                failed.Add(component);
                await RollBackAsync(component, new RollbackInfo(null, null, "SOFT", "HASH_MISMATCH"),
                    $"HASH_MISMATCH in {engine.Name}: {string.Join(", ", diff.Take(5))}", "HASH_MISMATCH", countFailure: true,
                    new Verification(wantHash, haveHash, Quantizer.Epsilon, Now)).ConfigureAwait(false);
            }
        }

        var final = _batch.Members.ToList();
        if (final.Count > 0)
        {
            string finalHash = failed.Count == 0 ? expectedHash : HashOf(Subset(expected, UnionOf(final)));
            var verification = new Verification(finalHash, finalHash, Quantizer.Epsilon, Now);
            foreach (var engine in _engines)
            {
                var ids = final.Where(m => m.Applied.Any(a => a.Engine == engine)).Select(m => m.Id).ToArray();
                if (ids.Length == 0) continue;
                try { await Call(async () => { await engine.FinalizeAsync(ids).ConfigureAwait(false); return true; }).ConfigureAwait(false); }
                catch (Exception e) when (e is EngineFaultException or TimeoutException)
                {
                    // Verified already: the intents stand. The engine keeps them marked provisional
                    // until it is resynced from Reality (issue #8).
                }
            }
            foreach (var member in final)
            {
                var notes = member.Notes.Prepend(member.Request.Rationale ?? "");
                if (member.Joined > 0) notes = notes.Append($"coalesced with {member.Joined} micro-intent(s) of {member.Actor} on the same objects");
                string why = string.Join("; ", notes.Where(n => n.Length > 0));
                Journal(member, IntentPhase.Final, verification: verification, rationale: why.Length == 0 ? null : why);
                var outcome = new IntentOutcome(member.Id, IntentPhase.Final,
                    final.Count == 1 ? "verified in every engine" : $"verified in every engine with {final.Count - 1} other intent(s) under one hash");
                _deferred.Add((member.Settled, outcome));
                foreach (var follower in member.Followers) _deferred.Add((follower, outcome));
            }
            long before = RealityVersion;
            Reality = _speculative;
            Interlocked.Increment(ref _realityVersion);
            AdvanceParity(before, final, unread);
            _options.AfterFinal?.Invoke(Reality, final.Select(m => m.Id).ToArray());
        }
        else
            foreach (var (engine, why) in unread) LoseParity(engine, $"it did not answer the verification read: {why}");
        _batch.Clear();
        _speculative = Reality;
        await DrainAsync().ConfigureAwait(false);
        await WakeAsync(AdmissionOutcome.WaitHumanLock).ConfigureAwait(false);
    }

    /// <summary>
    /// Rolls back <paramref name="seeds"/> and every batch member connected to them (newest first,
    /// in every engine that applied them), journals each ROLLED_BACK, and refolds the speculative
    /// scene from what is left; members that no longer validate follow them.
    /// </summary>
    private async Task RollBackAsync(IReadOnlyCollection<BatchMember> seeds, RollbackInfo info, string why, string errorCode,
        bool countFailure = false, Verification? verification = null, ApplyStep? unapplied = null)
    {
        var doomed = _batch.ComponentsOf(seeds);
        var seedIds = seeds.Select(s => s.Id).ToHashSet();
        for (int i = doomed.Count - 1; i >= 0; i--)
            for (int j = doomed[i].Applied.Count - 1; j >= 0; j--)
            {
                var (engine, token) = doomed[i].Applied[j];
                ulong id = doomed[i].Id;
                try { await Call(async () => { await engine.RollbackAsync(id, token).ConfigureAwait(false); return true; }).ConfigureAwait(false); }
                catch (Exception e) when (e is EngineFaultException or TimeoutException)
                {
                    LoseParity(engine.Name, $"it failed to roll back intent {id}: {e.Message}");
                    // That engine is resynced from Reality (issue #8). An engine whose apply was
                    // abandoned (timeout, abort) holds no token here and may still apply late: the
                    // link refuses work for an intent already rolled back and resyncs it (issue #5).
                }
            }
        _batch.Remove(doomed);
        var gone = doomed.ToHashSet();
        var dropped = _toApply.Where(step => gone.Contains(step.Member)).ToList();
        if (unapplied != null) dropped.Add(unapplied);
        if (dropped.Count > 0)
        {
            _toApply.RemoveAll(step => gone.Contains(step.Member));
        }
        var outcomes = new Dictionary<BatchMember, IntentOutcome>();
        foreach (var member in doomed)
        {
            member.Queued = null;
            string rationale = seedIds.Contains(member.Id) ? why : $"rolled back with intent {seeds.First().Id}, which shares objects with it: {why}";
            Journal(member, IntentPhase.RolledBack, verification, info, rationale, errorCode);
            var outcome = outcomes[member] = new IntentOutcome(member.Id, IntentPhase.RolledBack, rationale.StartsWith(errorCode, StringComparison.Ordinal) ? rationale : $"{errorCode}: {rationale}");
            _deferred.Add((member.Provisional, outcome));
            _deferred.Add((member.Settled, outcome));
            foreach (var follower in member.Followers) _deferred.Add((follower, outcome));
            if (countFailure) CountFailure(member.Request);
        }
        foreach (var step in dropped)
            foreach (var answer in step.Answers) _deferred.Add((answer, outcomes[step.Member]));

        if (errorCode == "HASH_MISMATCH") await RefreshDirtyAsync(UnionOf(doomed)).ConfigureAwait(false);

        // What is left is folded again from Reality; a member that depended on what was rolled back goes too.
        var scene = Reality;
        foreach (var member in _batch.Members)
        {
            try { scene = IntentValidator.Check(scene, member.Request, Sight.Everything).Reality; } // admitted already: only what it depended on matters
            catch (IntentRefusedException e)
            {
                await RollBackAsync(new[] { member }, new RollbackInfo(null, null, "SOFT", "CONFLICT"),
                    $"it depended on a rolled-back intent: {e.Message}", "CONFLICT").ConfigureAwait(false);
                return;
            }
        }
        _speculative = scene;
    }

    private string? FirstDirty(IntentRequest request)
    {
        lock (_dirty) return _dirty.Count == 0 ? null : request.Operations.SelectMany(Admission.Touches).FirstOrDefault(_dirty.Contains);
    }

    /// <summary>
    /// After a hash mismatch the objects are DIRTY: no "fixing" by guesswork. A fresh read of them
    /// is asked of every live engine; an engine that does not hold Reality's values is brought to
    /// them with typed operations (applied and finalized under intent 0, as on attach) and read
    /// again. Only objects every engine then holds at Reality's values are clean again.
    /// </summary>
    private async Task RefreshDirtyAsync(IReadOnlyCollection<string> uuids)
    {
        lock (_dirty) _dirty.UnionWith(uuids);
        var want = EngineStorage.RoundToFloat32(Reality.Records(uuids));
        bool clean = true;
        int read = 0;
        foreach (var engine in _engines)
        {
            if (!engine.IsLive) continue;
            read++;
            try
            {
                var have = await Call(() => engine.ReadAsync(uuids)).ConfigureAwait(false);
                if (FieldComparer.Differences(want, have).Count == 0) continue;
                var plan = Resync.ResyncPlan.Between(have, want, keepExtras: false);
                if (plan.Operations.Count > 0 && plan.Unreachable.Count == 0)
                {
                    await Call(async () => { await plan.ApplyAsync(engine).ConfigureAwait(false); return true; }).ConfigureAwait(false);
                    have = await Call(() => engine.ReadAsync(uuids)).ConfigureAwait(false);
                }
                if (FieldComparer.Differences(want, have).Count is > 0 and var n)
                {
                    clean = false;
                    LoseParity(engine.Name, $"after a hash mismatch and a repair it still holds {n} field(s) of [{string.Join(", ", uuids.Take(5))}] differently from Reality");
                }
            }
            catch (Exception e) when (e is EngineFaultException or TimeoutException)
            {
                clean = false;
                LoseParity(engine.Name, $"it did not answer the fresh read after a hash mismatch: {e.Message}");
            }
        }
        // With no live engine nothing was read: that is no evidence of parity (the engine that
        // mismatched has just left live to be resynced). The objects stay DIRTY until an engine is
        // back in parity (EngineLive) or a later fresh read shows them at Reality's values.
        if (read == 0) clean = false;
        if (clean) lock (_dirty) _dirty.ExceptWith(uuids);
        _options.Log.Write(new PipelineLogLine(Now, Environment.ProcessId, 0, Array.Empty<string>(), uuids.ToArray(), clean ? "CLEAN" : "DIRTY",
            clean ? "after the hash mismatch, a fresh read shows every live engine at Reality's values"
                : read == 0 ? "no engine is live to read them back: intents on these objects are refused as DIRTY until one is in parity again"
                : "an engine still differs from Reality after a fresh read and a resync: intents on these objects are refused as DIRTY",
            clean ? null : "DIRTY"));
    }

    /// <summary>
    /// After a FINAL batch: every live engine confirmed at the version before it, and read back
    /// over the batch (its records matched, or what differed was rolled back), now holds the new
    /// Reality. The origin of a human's edits was not checked against them (it is their source, and
    /// may be ahead mid-drag): it owes a read-back once its human goes quiet. A live engine that
    /// was not confirmed, or could not be read, has lost parity.
    /// </summary>
    private void AdvanceParity(long before, IReadOnlyList<BatchMember> final, IReadOnlyDictionary<string, string> unread)
    {
        long now = RealityVersion;
        foreach (var engine in _engines)
        {
            if (!engine.IsLive) continue;
            if (unread.TryGetValue(engine.Name, out var why)) { LoseParity(engine.Name, $"it did not answer the verification read: {why}"); continue; }
            if (!Volatile.Read(ref _parity).TryGetValue(engine.Name, out long at) || at != before) { LoseParity(engine.Name, "it was live without a confirmed parity"); continue; }
            ImmutableInterlocked.AddOrUpdate(ref _parity, engine.Name, now, (_, _) => now);
            var own = final.Where(m => m.Origin == engine.Name).SelectMany(m => m.Footprint).ToList();
            if (own.Count == 0) continue;
            if (!_owed.TryGetValue(engine.Name, out var debt)) _owed[engine.Name] = debt = new OriginDebt();
            debt.Uuids.UnionWith(own);
            debt.Strikes = 0;
            debt.Due = _time.GetUtcNow() + _options.OriginQuiet;
        }
    }

    /// <summary>
    /// Reads back from each origin engine whose human has gone quiet the records of its own edits,
    /// and compares them with Reality (as the engine stores them, with whatever is applied
    /// provisionally on top). A difference seen twice, a quiet period apart, with no new edit in
    /// between, is a lost parity: the engine is resynced from Reality.
    /// </summary>
    private async Task<bool> VerifyOriginsIfDueAsync()
    {
        if (_owed.Count == 0) return false;
        bool did = false;
        foreach (var (name, debt) in _owed.ToList())
        {
            var now = _time.GetUtcNow();
            if (debt.Due > now) continue;
            if (_batch.Members.Any(m => m.Origin == name)) { debt.Due = now + _options.OriginQuiet; continue; } // still flowing
            var engine = _engines.FirstOrDefault(e => e.Name == name);
            if (engine is not { IsLive: true }) { _owed.Remove(name); continue; }
            did = true;
            await DrainAsync().ConfigureAwait(false); // what is admitted is applied in it before it is read
            var uuids = debt.Uuids.ToArray();
            var want = EngineStorage.RoundToFloat32(_speculative.Records(uuids));
            Scene have;
            try { have = await Call(() => engine.ReadAsync(uuids)).ConfigureAwait(false); }
            catch (Exception e) when (e is EngineFaultException or TimeoutException)
            {
                LoseParity(name, $"it did not answer the read-back of its human's edits: {e.Message}");
                continue;
            }
            var diff = FieldComparer.Differences(want, have);
            if (diff.Count == 0) { _owed.Remove(name); continue; }
            if (++debt.Strikes >= 2)
                LoseParity(name, $"after its human's edits went quiet it holds them differently from Reality: {string.Join(", ", diff.Take(3))}");
            else
                debt.Due = _time.GetUtcNow() + _options.OriginQuiet;
        }
        return did;
    }

    /// <summary>The engine no longer holds a confirmed copy of Reality: it leaves live (the host resyncs it).</summary>
    private void LoseParity(string engine, string reason)
    {
        bool had = ImmutableInterlocked.TryRemove(ref _parity, engine, out _);
        _owed.Remove(engine);
        if (!had) return;
        _options.Log.Write(new PipelineLogLine(Now, Environment.ProcessId, 0, Array.Empty<string>(), Array.Empty<string>(), "PARITY_LOST", $"{engine}: {reason}", "PARITY_LOST"));
        _options.OnParityLost?.Invoke(engine, reason);
    }

    /// <summary>The objects are known to be back in parity (an engine was resynced from Reality): intents on them are admitted again.</summary>
    public void ClearDirty()
    {
        lock (_dirty) _dirty.Clear();
    }

    private void CountFailure(IntentRequest request)
    {
        var tripped = _failures.Record(request.Operations.SelectMany(Admission.Touches), request.Operations.Select(o => o.Name));
        if (tripped != null && _safeMode == null) _safeMode = tripped;
    }

    /// <summary>
    /// One engine call under the policies: each attempt bounded by the timeout; a transient error
    /// retried after each of <see cref="PipelineOptions.RetryDelays"/>; a busy engine asked again
    /// after <see cref="PipelineOptions.BusyBackoff"/>. What is left over is a fault.
    /// </summary>
    private async Task<T> Call<T>(Func<Task<T>> call, CancellationToken abort = default)
    {
        int transient = 0, busy = 0;
        while (true)
        {
            try
            {
                return await call().WaitAsync(_options.EngineTimeout, _time, abort).ConfigureAwait(false);
            }
            catch (EngineTransientException e)
            {
                if (transient >= _options.RetryDelays.Count) throw new EngineFaultException($"still failing after {transient} retries: {e.Message}");
                await Task.Delay(_options.RetryDelays[transient++], _time, abort).ConfigureAwait(false);
            }
            catch (EngineBusyException e)
            {
                if (busy++ >= _options.BusyRetries) throw new EngineFaultException($"still busy after {_options.BusyRetries} retries: {e.Message}");
                await Task.Delay(_options.BusyBackoff, _time, abort).ConfigureAwait(false);
            }
            // An answer the port could not make sense of (a malformed reply of a misbehaving
            // engine) is that engine's fault, handled as one: never the pipeline's end.
            catch (Exception e) when (e is not (EngineFaultException or TimeoutException or OperationCanceledException or OutOfMemoryException))
            {
                throw new EngineFaultException($"its answer could not be used: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    private static string[] UnionOf(IEnumerable<BatchMember> members) =>
        members.SelectMany(m => m.Footprint).Distinct(StringComparer.Ordinal).ToArray();

    private static string HashOf(Scene scene) => SceneHasher.RootHex(scene);

    private static Scene Subset(Scene scene, IReadOnlyCollection<string> uuids)
    {
        var keep = uuids as ISet<string> ?? uuids.ToHashSet(StringComparer.Ordinal);
        return new Scene(scene.Objects.Where(o => keep.Contains(o.Uuid)).ToArray(),
            scene.Materials.Where(m => keep.Contains(m.Uuid)).ToArray(), scene.Meshes.Where(m => keep.Contains(m.Uuid)).ToArray(),
            scene.Images.Where(i => keep.Contains(i.Uuid)).ToArray());
    }

    // ---- journal ----

    /// <summary>Both answers, given once the journal entry just appended is durable.</summary>
    private void Settle(TaskCompletionSource<IntentOutcome> provisional, TaskCompletionSource<IntentOutcome> settled, IntentOutcome outcome)
    {
        _deferred.Add((provisional, outcome));
        _deferred.Add((settled, outcome));
    }

    private void Journal(BatchMember member, IntentPhase phase, Verification? verification = null, RollbackInfo? rollback = null,
        string? rationale = null, string? errorCode = null) =>
        _ = Append(member.Id, member.Journaled(), member.Actor, member.Footprint, member.Class, phase, verification, rollback, rationale, errorCode, null, member.Origin);

    private void Journal(ulong id, IntentRequest request, Actor actor, IntentPhase phase, RollbackInfo? rollback = null,
        string? rationale = null, string? errorCode = null, string? outcome = null, string? origin = null, bool first = false) =>
        _ = Append(id, request, actor, request.Operations.SelectMany(Admission.Touches).Distinct(StringComparer.Ordinal).ToArray(),
            IntentClassifier.Classify(request.Operations), phase, null, rollback, rationale, errorCode, outcome, origin, first);

    /// <summary>
    /// Journals an entry of an intent. A <paramref name="first"/> entry (PENDING, PROVISIONAL) that
    /// would not leave room in its WAL record for the intent's later phases refuses the intent
    /// (RESOURCE_LIMIT, thrown before anything is queued); see <see cref="Journaling"/>.
    /// </summary>
    private Task Append(ulong id, IntentRequest request, Actor actor, IReadOnlyList<string> uuids, IntentClass cls, IntentPhase phase,
        Verification? verification, RollbackInfo? rollback, string? rationale, string? errorCode, string? outcome, string? origin = null, bool first = false)
    {
        long now = Now;
        var entry = Journaling.Encode(new WalEntry(id, phase, now, origin ?? "both", actor.ToString(), new Scope(uuids, cls),
            verification, rollback, rationale, request.Json), first);
        _lastAppendBytes = entry.BodyBytes;
        var durable = _wal.AppendAsync(entry);
        _appends.Add(durable);
        if (_options.Log.IsEnabled)
            _options.Log.Write(new PipelineLogLine(now, Environment.ProcessId, id, request.Operations.Select(o => o.Name).ToArray(),
                uuids, PhaseNames.Name(phase), outcome ?? rationale ?? "", errorCode, actor.ToString(), origin ?? "both"));
        return durable;
    }
}
