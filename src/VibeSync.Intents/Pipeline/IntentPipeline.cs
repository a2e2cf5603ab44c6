// Design rationale: this is the spine of the speculative lifecycle, kept deliberately serial:
// one intent at a time goes validate → admit → journal PROVISIONAL → apply in every engine →
// read back and verify → FINAL (Reality advances) or ROLLED_BACK (every engine restored). One at a
// time gives the total order DESIGN §4 asks for without reasoning about overlapping speculation.
// Batch windows and the conflict table (issue #4, still to come) must not hold the provisional
// apply (issue #8: propagation is not held by the window), so they will batch the verify/finalize
// half of this path. Every phase change is journaled before the caller hears of it.
using VibeSync.Intents.Authority;
using VibeSync.Intents.Classification;
using VibeSync.Intents.Operations;
using VibeSync.Intents.Reality;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.Comparison;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using VibeSync.Wal;
using VibeSync.Wal.Entries;

namespace VibeSync.Intents.Pipeline;

/// <summary>Policies of a pipeline.</summary>
public sealed record PipelineOptions
{
    /// <summary>How far AI intents are admitted without approval.</summary>
    public TrustMode Trust { get; init; } = TrustMode.Default;

    /// <summary>How long an engine may take for one call before it counts as a fault.</summary>
    public TimeSpan EngineTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Pauses before retrying a transient engine error (DESIGN §4: 100, 400, 1600 ms); then it is a fault.</summary>
    public IReadOnlyList<TimeSpan> RetryDelays { get; init; } = new[] { TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(1600) };

    /// <summary>Pause before asking a busy engine (compiling, loading) again.</summary>
    public TimeSpan BusyBackoff { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How many times a busy engine is asked again before it counts as a fault.</summary>
    public int BusyRetries { get; init; } = 3;

    /// <summary>Rollbacks of one uuid that put the pipeline in safe mode.</summary>
    public int UuidFailureThreshold { get; init; } = 3;

    /// <summary>Rollbacks of one operation kind that put the pipeline in safe mode.</summary>
    public int OperationFailureThreshold { get; init; } = 5;

    /// <summary>Where the structured line of every step goes.</summary>
    public PipelineLog Log { get; init; } = PipelineLog.None;
}

/// <summary>
/// Drives intents through their lifecycle against the engines, journaling each phase in the WAL;
/// only FINAL advances <see cref="Reality"/>.
/// </summary>
public sealed class IntentPipeline
{
    private readonly WriteAheadLog _wal;
    private readonly IReadOnlyList<IEnginePort> _engines;
    private readonly PipelineOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly Dictionary<ulong, (IntentRequest Request, Actor Actor, AdmissionOutcome Waiting)> _pending = new();
    private readonly FailureCounters _failures;
    private ulong _lastIntentId;
    private volatile InFlight? _speculation; // the AI intent being applied now, which a human edit may abort

    private sealed record InFlight(ulong IntentId, HashSet<string> Uuids, CancellationTokenSource Abort);

    private IntentPipeline(WriteAheadLog wal, RealityScene reality, IReadOnlyList<IEnginePort> engines, PipelineOptions options, TimeProvider time)
    {
        _wal = wal;
        Reality = reality;
        _engines = engines;
        _options = options;
        _time = time;
        _lastIntentId = wal.Recovery.MaxIntentId;
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
        foreach (var id in wal.Recovery.ToRollBack)
            await pipeline.Journal(id, IntentPhase.RolledBack, "both", new Actor(ActorKind.Orchestrator, "recovery").ToString(),
                Array.Empty<string>(), IntentClass.Cosmetic, rollback: new RollbackInfo(null, null, "HARD", "ENGINE_FAULT"),
                rationale: "left PROVISIONAL by a crash: rolled back on restart").ConfigureAwait(false);
        return pipeline;
    }

    /// <summary>The authoritative scene: what FINAL intents made.</summary>
    public RealityScene Reality { get; private set; }

    /// <summary>Why automation is paused (safe mode), or null. Only humans' intents run until a human resumes.</summary>
    public string? SafeModeReason { get; private set; }

    /// <summary>Rollback counts that drive safe mode.</summary>
    public FailureCounters Failures => _failures;

    /// <summary>A human ends safe mode; the failure counts start afresh.</summary>
    /// <exception cref="UnauthorizedAccessException">Not a human.</exception>
    public async Task ResumeAsync(Actor human)
    {
        Admission.CheckCanApprove(human);
        await _turn.WaitAsync().ConfigureAwait(false);
        try
        {
            SafeModeReason = null;
            _failures.Reset();
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>HUMAN_ACTIVE locks, taken and released as the adapters see people editing.</summary>
    public LockTable Locks { get; } = new();

    /// <summary>A human starts editing <paramref name="uuid"/>: AI intents touching it wait.</summary>
    public async Task AcquireLockAsync(string uuid, Actor human)
    {
        await _turn.WaitAsync().ConfigureAwait(false);
        try { Locks.Acquire(uuid, human); }
        finally { _turn.Release(); }
    }

    /// <summary>
    /// The human stopped editing <paramref name="uuid"/>: intents that waited for it (WAIT_HUMAN_LOCK)
    /// are decided again, in intent order — run, or left waiting for approval or another lock.
    /// </summary>
    public async Task<IReadOnlyList<IntentOutcome>> ReleaseLockAsync(string uuid)
    {
        await _turn.WaitAsync().ConfigureAwait(false);
        try
        {
            Locks.Release(uuid);
            var outcomes = new List<IntentOutcome>();
            List<KeyValuePair<ulong, (IntentRequest Request, Actor Actor, AdmissionOutcome Waiting)>> woken;
            lock (_pending) woken = _pending.Where(p => p.Value.Waiting == AdmissionOutcome.WaitHumanLock).OrderBy(p => p.Key).ToList();
            foreach (var (id, (request, actor, _)) in woken)
                outcomes.Add(await AdvanceAsync(id, request, actor, panic: false, wasPending: true).ConfigureAwait(false));
            return outcomes;
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>Intents waiting for a human (approval, a lock, safe mode or the end of a PANIC).</summary>
    public IReadOnlyCollection<ulong> Pending { get { lock (_pending) return _pending.Keys.ToArray(); } }

    /// <summary>Runs a submitted intent as far as it can go now.</summary>
    public async Task<IntentOutcome> SubmitAsync(IntentRequest request, Actor actor, bool panic = false)
    {
        // A human edit wins: an AI speculation on the same objects is aborted (and rolled back) at
        // once instead of being waited for, and the human's edit then becomes the truth.
        if (actor.Kind >= ActorKind.Human && _speculation is { } ai
            && request.Operations.SelectMany(Admission.Touches).Any(ai.Uuids.Contains))
            ai.Abort.Cancel();
        await _turn.WaitAsync().ConfigureAwait(false);
        try
        {
            return await AdvanceAsync(++_lastIntentId, request, actor, panic, wasPending: false).ConfigureAwait(false);
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>
    /// Validates and admits an intent against Reality as it is now, then runs it, refuses it, or
    /// (re)files it as PENDING with the reason it waits. Called in the pipeline's turn.
    /// </summary>
    private async Task<IntentOutcome> AdvanceAsync(ulong id, IntentRequest request, Actor actor, bool panic, bool wasPending)
    {
        RealityScene next;
        AdmissionDecision decision;
        try
        {
            next = IntentValidator.Apply(Reality, request, actor);
            decision = Admission.Decide(request, actor, _options.Trust, Locks, panic);
        }
        catch (IntentRefusedException e)
        {
            lock (_pending) _pending.Remove(id);
            await Journal(id, request, actor, IntentPhase.Refused, rationale: $"{IntentRefusedException.WireName(e.Code)} at {e.Path}: {e.Reason}",
                errorCode: IntentRefusedException.WireName(e.Code)).ConfigureAwait(false);
            return new IntentOutcome(id, IntentPhase.Refused, e.Message, e);
        }
        if (SafeModeReason != null && actor.Kind < ActorKind.Human && decision.Outcome == AdmissionOutcome.Admit)
            decision = new AdmissionDecision(AdmissionOutcome.Halted, $"safe mode ({SafeModeReason}): automation waits until a human resumes");
        if (decision.Outcome != AdmissionOutcome.Admit)
        {
            if (!wasPending)
                await Journal(id, request, actor, IntentPhase.Pending, rationale: request.Rationale, outcome: decision.Reason).ConfigureAwait(false);
            lock (_pending) _pending[id] = (request, actor, decision.Outcome);
            return new IntentOutcome(id, IntentPhase.Pending, decision.Reason);
        }
        lock (_pending) _pending.Remove(id);
        return await ExecuteAsync(id, request, actor, next).ConfigureAwait(false);
    }

    /// <summary>A human approves a PENDING intent: it is validated again, against Reality as it is now, and run.</summary>
    /// <exception cref="UnauthorizedAccessException">The approver is not a human.</exception>
    /// <exception cref="KeyNotFoundException">No such pending intent.</exception>
    public async Task<IntentOutcome> ApproveAsync(ulong intentId, Actor approver)
    {
        Admission.CheckCanApprove(approver);
        await _turn.WaitAsync().ConfigureAwait(false);
        try
        {
            var (request, actor) = Take(intentId);
            RealityScene next;
            try { next = IntentValidator.Apply(Reality, request, actor); }
            catch (IntentRefusedException e)
            {
                await Journal(intentId, request, actor, IntentPhase.Refused, rationale: $"approved by {approver} but {e.Message}").ConfigureAwait(false);
                return new IntentOutcome(intentId, IntentPhase.Refused, e.Message, e);
            }
            return await ExecuteAsync(intentId, request, actor, next).ConfigureAwait(false);
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>A human denies a PENDING intent: journaled REFUSED, nothing applied.</summary>
    public async Task<IntentOutcome> DenyAsync(ulong intentId, Actor denier)
    {
        Admission.CheckCanApprove(denier);
        await _turn.WaitAsync().ConfigureAwait(false);
        try
        {
            var (request, actor) = Take(intentId);
            await Journal(intentId, request, actor, IntentPhase.Refused, rationale: $"denied by {denier}").ConfigureAwait(false);
            return new IntentOutcome(intentId, IntentPhase.Refused, $"denied by {denier}");
        }
        finally
        {
            _turn.Release();
        }
    }

    private (IntentRequest, Actor) Take(ulong intentId)
    {
        lock (_pending)
        {
            if (!_pending.Remove(intentId, out var p)) throw new KeyNotFoundException($"intent {intentId} is not pending");
            return (p.Request, p.Actor);
        }
    }

    private async Task<IntentOutcome> ExecuteAsync(ulong id, IntentRequest request, Actor actor, RealityScene next)
    {
        using var abort = new CancellationTokenSource();
        if (actor.Kind < ActorKind.Human)
            _speculation = new InFlight(id, request.Operations.SelectMany(Admission.Touches).ToHashSet(StringComparer.Ordinal), abort);
        try
        {
            return await SpeculateAsync(id, request, actor, next, abort.Token).ConfigureAwait(false);
        }
        finally
        {
            _speculation = null;
        }
    }

    private async Task<IntentOutcome> SpeculateAsync(ulong id, IntentRequest request, Actor actor, RealityScene next, CancellationToken abort)
    {
        await Journal(id, request, actor, IntentPhase.Provisional, rationale: request.Rationale).ConfigureAwait(false);
        var applied = new List<(IEnginePort Engine, string Token)>();
        try
        {
            foreach (var engine in _engines)
                applied.Add((engine, await Call(() => engine.ApplyProvisionalAsync(id, request.Operations), abort).ConfigureAwait(false)));
            abort.ThrowIfCancellationRequested();
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            return await AbortedByHumanAsync(id, request, actor, applied).ConfigureAwait(false);
        }
        catch (Exception e) when (e is EngineFaultException or TimeoutException)
        {
            await RollBackAll(id, applied).ConfigureAwait(false);
            await Journal(id, request, actor, IntentPhase.RolledBack, rollback: new RollbackInfo(null, null, "HARD", "ENGINE_FAULT"),
                rationale: e.Message, errorCode: "ENGINE_FAULT").ConfigureAwait(false);
            CountFailure(request);
            return new IntentOutcome(id, IntentPhase.RolledBack, $"ENGINE_FAULT: {e.Message}");
        }

        // Verify: each engine must hold what Reality-after-the-intent says, as float32 stores it.
        var touched = request.Operations.SelectMany(Admission.Touches).Distinct(StringComparer.Ordinal).ToArray();
        var expected = Subset(EngineStorage.RoundToFloat32(Subset(next.ToScene(), touched)), touched);
        string expectedHash = Hex.Encode(SceneHasher.Hash(expected).Root);
        foreach (var (engine, _) in applied)
        {
            Scene observed;
            try { observed = await Call(() => engine.ReadAsync(touched), abort).ConfigureAwait(false); }
            catch (Exception e) when (e is EngineFaultException or TimeoutException) { observed = Scene.Empty; }
            catch (OperationCanceledException) when (abort.IsCancellationRequested) { return await AbortedByHumanAsync(id, request, actor, applied).ConfigureAwait(false); }
            string observedHash = Hex.Encode(SceneHasher.Hash(observed).Root);
            if (observedHash == expectedHash) continue;
            var diff = FieldComparer.Differences(expected, observed); // a hash mismatch counts only once fields confirm it
            if (diff.Count == 0) continue;
            await RollBackAll(id, applied).ConfigureAwait(false);
            await Journal(id, request, actor, IntentPhase.RolledBack,
                new Verification(expectedHash, observedHash, Quantizer.Epsilon, _time.GetUtcNow().ToUnixTimeMilliseconds()),
                new RollbackInfo(null, null, "SOFT", "HASH_MISMATCH"),
                $"{engine.Name} holds different values: {string.Join(", ", diff.Take(5))}", errorCode: "HASH_MISMATCH").ConfigureAwait(false);
            CountFailure(request);
            return new IntentOutcome(id, IntentPhase.RolledBack, $"HASH_MISMATCH in {engine.Name}: {string.Join(", ", diff.Take(5))}");
        }

        if (abort.IsCancellationRequested) return await AbortedByHumanAsync(id, request, actor, applied).ConfigureAwait(false);
        foreach (var (engine, _) in applied) await Call(async () => { await engine.FinalizeAsync(id).ConfigureAwait(false); return true; }).ConfigureAwait(false);
        await Journal(id, request, actor, IntentPhase.Final,
            new Verification(expectedHash, expectedHash, Quantizer.Epsilon, _time.GetUtcNow().ToUnixTimeMilliseconds()),
            rationale: request.Rationale).ConfigureAwait(false);
        Reality = next;
        return new IntentOutcome(id, IntentPhase.Final, "verified in every engine");
    }

    private async Task<IntentOutcome> AbortedByHumanAsync(ulong id, IntentRequest request, Actor actor, List<(IEnginePort Engine, string Token)> applied)
    {
        await RollBackAll(id, applied).ConfigureAwait(false);
        const string why = "a human edited what this intent touches: the speculation was rolled back and the human's edit is the truth";
        await Journal(id, request, actor, IntentPhase.RolledBack, rollback: new RollbackInfo(null, null, "SOFT", "HUMAN_EDIT"),
            rationale: why, errorCode: "HUMAN_EDIT").ConfigureAwait(false);
        return new IntentOutcome(id, IntentPhase.RolledBack, "HUMAN_EDIT: " + why);
    }

    private void CountFailure(IntentRequest request)
    {
        var tripped = _failures.Record(request.Operations.SelectMany(Admission.Touches), request.Operations.Select(o => o.Name));
        if (tripped != null && SafeModeReason == null) SafeModeReason = tripped;
    }

    /// <summary>
    /// Restores every engine whose apply returned, newest first. An engine whose call was abandoned
    /// (timeout, or a human edit aborting the speculation) holds no token here and may still apply
    /// late: the link must refuse work for an intent already rolled back and mark that engine for a
    /// resync from Reality (issues #5, #8).
    /// </summary>
    private async Task RollBackAll(ulong id, List<(IEnginePort Engine, string Token)> applied)
    {
        for (int i = applied.Count - 1; i >= 0; i--)
        {
            var (engine, token) = applied[i];
            try { await Call(async () => { await engine.RollbackAsync(id, token).ConfigureAwait(false); return true; }).ConfigureAwait(false); }
            catch (Exception e) when (e is EngineFaultException or TimeoutException) { /* that engine will be resynced from Reality */ }
        }
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
        }
    }

    private static Scene Subset(Scene scene, IReadOnlyCollection<string> uuids)
    {
        var keep = uuids.ToHashSet(StringComparer.Ordinal);
        return new Scene(scene.Objects.Where(o => keep.Contains(o.Uuid)).ToArray(),
            scene.Materials.Where(m => keep.Contains(m.Uuid)).ToArray(), scene.Meshes.Where(m => keep.Contains(m.Uuid)).ToArray());
    }

    private async Task Journal(ulong id, IntentRequest request, Actor actor, IntentPhase phase,
        Verification? verification = null, RollbackInfo? rollback = null, string? rationale = null,
        string? errorCode = null, string? outcome = null)
    {
        var uuids = request.Operations.SelectMany(Admission.Touches).Distinct(StringComparer.Ordinal).ToArray();
        var cls = IntentClassifier.Classify(request.Operations);
        await Journal(id, phase, "both", actor.ToString(), uuids, cls, verification, rollback, rationale, request.Json).ConfigureAwait(false);
        _options.Log.Write(new PipelineLogLine(_time.GetUtcNow().ToUnixTimeMilliseconds(), Environment.ProcessId, id,
            request.Operations.Select(o => o.Name).ToArray(), uuids, PhaseNames.Name(phase), outcome ?? rationale ?? "", errorCode));
    }

    private async Task Journal(ulong id, IntentPhase phase, string engine, string actor, IReadOnlyList<string> uuids, IntentClass cls,
        Verification? verification = null, RollbackInfo? rollback = null, string? rationale = null, string? operation = null)
    {
        await _wal.AppendAsync(new WalEntry(id, phase, _time.GetUtcNow().ToUnixTimeMilliseconds(), engine, actor,
            new Scope(uuids, cls), verification, rollback, rationale, operation)).ConfigureAwait(false);
    }
}
