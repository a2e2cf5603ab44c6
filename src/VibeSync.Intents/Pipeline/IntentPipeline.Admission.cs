// Design rationale: admission decides, in order, validity (against the speculative scene: Reality
// plus the open batch), authority (trust mode, HUMAN_ACTIVE locks, safe mode, PANIC), conflicts
// with the open batch (the conflict table) and the snapshot gate for destructive intents; only
// then is PROVISIONAL journaled and the intent applied in every engine but its origin. It is
// never held by a batch window (issue #8).
using System.Runtime.CompilerServices;
using VibeSync.Intents.Authority;
using VibeSync.Intents.Batching;
using VibeSync.Intents.Classification;
using VibeSync.Intents.Reality;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.State;
using VibeSync.Wal;
using VibeSync.Wal.Entries;
using VibeSync.Protocol.Intents;

namespace VibeSync.Intents.Pipeline;

public sealed partial class IntentPipeline
{
    /// <summary>
    /// Validates and admits an intent against the speculative scene, settles its conflicts with the
    /// open batch, and journals it PROVISIONAL and queues it for applying — or refuses it, or files
    /// it as PENDING with the reason it waits.
    /// </summary>
    private async Task AdmitAsync(ulong id, IntentRequest request, Actor actor, bool panic, Admit how,
        TaskCompletionSource<IntentOutcome> provisional, TaskCompletionSource<IntentOutcome> settled, Actor? approver = null, string? origin = null, long report = 0)
    {
        var number = new StrongBox<ulong>(id);
        try { await AdmitCoreAsync(number, request, actor, panic, how, provisional, settled, approver, origin, report).ConfigureAwait(false); }
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
        Unpend(id);
        string code = IntentRefusedException.WireName(e.Code);
        Journal(id, request, actor, IntentPhase.Refused,
            rationale: (approver != null ? $"approved by {approver} but " : "") + $"{code} at {e.Path}: {e.Reason}", errorCode: code);
        Settle(provisional, settled, new IntentOutcome(id, IntentPhase.Refused, e.Message, e));
    }

    private async Task AdmitCoreAsync(StrongBox<ulong> number, IntentRequest request, Actor actor, bool panic, Admit how,
        TaskCompletionSource<IntentOutcome> provisional, TaskCompletionSource<IntentOutcome> settled, Actor? approver, string? origin, long report)
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
                group.Report = Math.Max(group.Report, report);
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
                    await RollBackAsync(losers, Soft(RollbackReasons.HumanEdit), conflict.Reason, RollbackReasons.HumanEdit).ConfigureAwait(false);
                    continue; // decide again against what is left
                case ConflictRule.StructuralOverridesCosmetic:
                    await RollBackAsync(losers, Soft(RollbackReasons.Conflict), conflict.Reason, RollbackReasons.Conflict).ConfigureAwait(false);
                    continue;
                case ConflictRule.WaitForHuman:
                    Wait(Id(), request, actor, AdmissionOutcome.WaitHumanLock, conflict.Reason, how, provisional, settled, origin);
                    return;
                case ConflictRule.CosmeticYieldsToStructural:
                    Unpend(Id());
                    Journal(Id(), request, actor, IntentPhase.RolledBack, rollback: Soft(RollbackReasons.Conflict),
                        rationale: $"{conflict.Reason} (winner: intent {conflict.Winner})", errorCode: RollbackReasons.Conflict);
                    Settle(provisional, settled, new IntentOutcome(Id(), IntentPhase.RolledBack, "CONFLICT: " + conflict.Reason));
                    return;
                case ConflictRule.Quarantine:
                    Unpend(Id());
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
                        Unpend(Id());
                        Journal(Id(), request, actor, IntentPhase.Refused, rationale: $"SNAPSHOT_FAILED: no safety snapshot, so nothing was deleted or overwritten: {e.Message}", errorCode: "SNAPSHOT_FAILED");
                        Settle(provisional, settled, new IntentOutcome(Id(), IntentPhase.Refused, $"SNAPSHOT_FAILED: {e.Message}"));
                        return;
                    }
                }
                snapshotRef ??= "";
                continue; // validate again against Reality as the batch left it
            }

            Unpend(Id());
            var member = new BatchMember(Id(), request, actor, cls, footprint) { Provisional = provisional, Settled = settled, Origin = origin, Report = report };
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
        _options.OnPendingChanged?.Invoke();
        Settle(provisional, settled, new IntentOutcome(id, IntentPhase.Pending, reason));
    }

    private (IntentRequest, Actor, string?) Take(ulong intentId)
    {
        Waiting? p;
        lock (_pending)
            if (!_pending.Remove(intentId, out p)) throw new KeyNotFoundException($"intent {intentId} is not pending");
        _options.OnPendingChanged?.Invoke();
        return (p.Request, p.Actor, p.Origin);
    }

    /// <summary>Forgets a pending intent that is decided now (admitted, refused, rolled back); tells the host when one was.</summary>
    private void Unpend(ulong id)
    {
        bool removed;
        lock (_pending) removed = _pending.Remove(id);
        if (removed) _options.OnPendingChanged?.Invoke();
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
        // Only an AI or system intent can be aborted (by a human's edit): a human's needs no token source.
        using var abort = member.Contender.IsHuman ? null : new CancellationTokenSource();
        var token = abort?.Token ?? CancellationToken.None;
        var inFlight = abort == null ? null : new InFlight(step.Operations.SelectMany(Admission.Touches).ToHashSet(StringComparer.Ordinal), abort);
        _applying = inFlight;
        try
        {
            foreach (var engine in _engines)
            {
                if (!engine.IsLive || engine.Name == member.Origin) continue; // the origin holds it already; an engine not live is resynced from Reality
                current = engine;
                if (inFlight != null) inFlight.Engine = engine.Name;
                try
                {
                    member.Applied.Add((engine, await Call(static s => s.engine.ApplyProvisionalAsync(s.Id, s.Operations),
                        (engine, member.Id, step.Operations), token).ConfigureAwait(false)));
                    _reports.Applied(engine.Name, member.Id, member.Footprint); // what its human reported before this answer, this write landed over
                }
                catch (Exception e) when (e is EngineFaultException or TimeoutException && member.Origin != null && _options.OnParityLost != null)
                {
                    // A human's edit already happened in the engine it came from and cannot be taken
                    // back there: it stands. The engine that could not take it leaves live and is
                    // resynced from Reality, which then includes the edit (humans outrank the rest).
                    LoseParity(engine.Name, $"it failed to apply intent {member.Id}, a human's edit from {member.Origin}: {e.Message}");
                }
            }
            token.ThrowIfCancellationRequested();
        }
        catch (OperationCanceledException) when (abort is { IsCancellationRequested: true })
        {
            _applying = null;
            await RollBackAsync(new[] { member }, Soft(RollbackReasons.HumanEdit),
                "a human edited what this intent touches: the speculation was rolled back and the human's edit is the truth", RollbackReasons.HumanEdit,
                unapplied: step).ConfigureAwait(false);
            return;
        }
        catch (Exception e) when (e is EngineFaultException or TimeoutException)
        {
            _applying = null;
            // What Reality holds, that engine could not take (or it did not answer): it is not known to hold Reality any more.
            if (current != null) LoseParity(current.Name, $"it failed to apply intent {member.Id}: {e.Message}");
            await RollBackAsync(new[] { member }, Hard(RollbackReasons.EngineFault), e.Message, RollbackReasons.EngineFault, countFailure: true,
                unapplied: step).ConfigureAwait(false);
            return;
        }
        finally
        {
            _applying = null;
        }
        // The coalesced answer is made once per member, not per apply: a drag's micro-intents are applied one step each.
        var ok = member.Joined == 0
            ? new IntentOutcome(member.Id, IntentPhase.Provisional, "applied provisionally in every engine (PROVISIONAL_OK); verification follows")
            : member.CoalescedOk ??= new IntentOutcome(member.Id, IntentPhase.Provisional,
                $"coalesced into intent {member.Id} and applied provisionally in every engine (PROVISIONAL_OK); verification follows");
        foreach (var answer in step.Answers) answer.TrySetResult(ok);
    }
}
