// Design rationale — verification off the spine (issue #20). When a batch's window ends, one read
// per engine over the batch's footprint and one hash; only components that differ are compared
// field-wise and rolled back, the rest are finalized in apply order and become Reality. A mismatch
// marks its objects DIRTY until a fresh read shows parity again; rollbacks the engines cause count
// toward safe mode (the retry policy).
//   On the spine: issuing the reads (in engine order, after every admitted step was applied, so
//   each engine answers for exactly the batch, ahead of any later apply on its ordered link), and
//   settling the batch once every answer is in — compare, roll back, finalize, queue FINAL (journaled in chunks: .Journal),
//   Reality. Both are short; every piece of state is still touched by the spine alone.
//   Not on the spine: waiting for the answers. Meanwhile admissions go on into a new batch built
//   on the verifying batch's speculative scene, exactly as they would after its FINAL; their
//   conflicts are decided against the new batch only, as after a close.
// Order is kept because only one batch is in verification at a time: the next one cannot close
// before it is settled, so FINAL entries stay in batch order and a replay folds them as before;
// anything that must see a settled batch (flush, exclusive work, a destructive intent, a seed,
// shutdown) settles the one in verification first. A difference that is left once the engine
// has caught up (below) is never judged on an answer given off the spine: the engine was not held
// still meanwhile, so both batches become one and are verified on the spine with fresh reads, the
// old close — a later write that made the engine hold Reality again then passes, a lasting
// difference is rolled back as ever. Answers already there (in-memory engines) are settled at
// once: that path is the old close.
//
// Design rationale — the read that races a human's edit (issue #20 §2). An engine can answer a
// READ after a human's edit was made in it but before it has reported that edit (Blender's main
// loop answers queued requests, then its change detector runs; a drag is debounced): the answer
// shows a value the pipeline has not admitted, and judging it a HASH_MISMATCH rolled back a correct
// batch and repaired the engine against its human (60 false rollbacks in 100 intents of `bench
// e2e`, each a ~130 ms stall). So before a difference in engine E is judged, E is caught up with:
// one more round trip on its ordered link (IEnginePort.CatchUpAsync), whose answer comes after
// every edit E reported before it — and the link hands a report to the pipeline (Submit) before it
// reads the next frame. Objects E reported after its read was issued (EngineReports: the reports
// the spine had taken then are the read's mark) hold a human's edit the batch could not contain:
// E is ahead there, as the origin of a human's edit is, so they are not judged in E (the existing
// origin rule, extended) and E owes a read-back of them once its human goes quiet; the human's
// edit itself is admitted next and reaches the other engines as ever. What is left is judged as
// before. Why here and not (only) in the adapters: adapters are untrusted, and even an adapter that
// reports before it answers (Blender's does: it flushes its detector before a READ) shows an edit
// newer than the batch, which only the report excuses. The round trip is paid only when an answer
// differs, and off the spine for a batch in verification.
//
// Design rationale — an apply that crosses a human's edit (issue #22). With several editors, two
// humans can move one object at once: the edit admitted first is applied in the other engine after
// that engine's own (newer in the total order) edit was made, so the engine holds the older value.
// Judging that as a mismatch rolled both edits back. Where an engine's own human wrote an object
// last in the batch and an older member wrote it there too, a difference is not judged; the engine
// is repaired to Reality once the batch is FINAL (only where no open member writes the object
// again; otherwise it owes a read-back). A difference on anything else is judged as ever. The two
// can also be verified in different batches (the older one alone, matching, before the edit was
// admitted): adapters report a human's edit before they apply over it (EDIT before APPLIED), so an
// APPLY answered after E reported an edit of the same object landed over it (EngineReports.Applied),
// and E is repaired there once that edit is FINAL. A repair first catches up with E and leaves out
// what E reported since its read: a newer edit there is E's human's, not to be overwritten.
using System.Collections.Immutable;
using VibeSync.Intents.Authority;
using VibeSync.Intents.Batching;
using VibeSync.Intents.Reality;
using VibeSync.Protocol.Comparison;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using VibeSync.Wal.Entries;
using VibeSync.Protocol.Intents;

namespace VibeSync.Intents.Pipeline;

public sealed partial class IntentPipeline
{
    /// <summary>
    /// Verifies the open batch now, on the spine: a verification still in flight is settled
    /// first (FINAL entries stay in batch order), then this batch is read back and settled.
    /// </summary>
    private async Task CloseBatchAsync()
    {
        await FinishVerificationAsync().ConfigureAwait(false);
        _verifyOnSpine = false;
        await DrainAsync().ConfigureAwait(false);
        if (_batch.IsEmpty) return;
        await VerifyAsync(reads: null, marks: null, awaitEngines: true).ConfigureAwait(false);
    }

    /// <summary>
    /// The batch's window ended: its reads are issued in order, one per live engine, and the spine
    /// goes on. Answers that are already there (an in-memory engine) are compared at once, exactly
    /// as a batch closed on the spine; otherwise the batch is set aside as the one in verification,
    /// admissions go on into a new batch on top of its speculative scene, and
    /// <see cref="FinishVerificationAsync"/> settles it when the answers arrive.
    /// </summary>
    private async Task StartVerificationAsync()
    {
        await DrainAsync().ConfigureAwait(false); // what is admitted is applied before it is read
        if (_batch.IsEmpty) return;
        var footprint = UnionOf(_batch.Members);
        var reads = new Dictionary<IEnginePort, Task<Scene>>();
        var marks = new Dictionary<IEnginePort, long>();
        foreach (var engine in _engines)
        {
            if (!engine.IsLive) continue;
            marks[engine] = _reports.Mark(engine.Name);
            reads[engine] = Call(() => engine.ReadAsync(footprint)); // issued now, in order, ahead of later applies
        }
        if (reads.Values.All(r => r.IsCompleted))
        {
            await VerifyAsync(reads, marks, awaitEngines: true).ConfigureAwait(false);
            return;
        }
        var expected = EngineStorage.RoundToFloat32(_speculative.Records(footprint));
        _verifying = new InVerification(_batch, expected, HashOf(expected), _speculative, reads, marks);
        _batch = new OpenBatch();
    }

    /// <summary>
    /// Settles the batch in verification once every read has answered (waiting for them if need
    /// be). An engine whose answer differs is caught up with first (see the rationale above); with
    /// <paramref name="wait"/> false that round trip is left to the spine's loop to wake on. Every
    /// engine that answered holds it, or is ahead of it only where its human has since edited: the
    /// batch admitted since is put behind it, and it alone is finalized, journaled FINAL and made
    /// Reality; the later batch stays open. A difference left over is not judged off the spine:
    /// both batches become one again and are verified on the spine with fresh reads — the old
    /// close, where a difference is judged as it always was.
    /// </summary>
    private async Task FinishVerificationAsync(bool wait = true)
    {
        if (_verifying is not { } v) return;
        await v.Answered.ConfigureAwait(false);
        if (v.Ahead == null && Differing(v) is { Count: > 0 } differing)
        {
            v.CatchUp(differing.ToDictionary(d => d.Key, d => AheadAsync(d.Key, v.Marks[d.Key], d.Value)));
            if (!wait) return;
            await v.Answered.ConfigureAwait(false);
        }
        _verifying = null;
        bool held = Held(v);
        var next = _batch.Deadline;
        v.Batch.Absorb(_batch);
        _batch = v.Batch;
        if (held) await SettleAsync(v.Members, v.Expected, v.ExpectedHash, v.Speculative, v.Reads, v.Marks, v.Ahead, awaitEngines: false, next).ConfigureAwait(false);
        else _verifyOnSpine = true; // after what has arrived meanwhile is admitted (CloseIfDueAsync)
    }

    /// <summary>The engines whose answer differs from the batch in some component, with those components' objects.</summary>
    private static Dictionary<IEnginePort, string[]> Differing(InVerification v)
    {
        var differing = new Dictionary<IEnginePort, string[]>();
        List<List<BatchMember>>? components = null;
        foreach (var (engine, read) in v.Reads)
        {
            if (!engine.IsLive || !read.IsCompletedSuccessfully || HashOf(read.Result) == v.ExpectedHash) continue;
            components ??= v.Batch.Components();
            var objects = UnionOf(components.Where(c => Mismatch(c, engine, v.Expected, read.Result) != null).SelectMany(c => c));
            if (objects.Length > 0) differing[engine] = objects;
        }
        return differing;
    }

    /// <summary>Every live engine that answered holds the batch, but where it is ahead by its human's edits (a read that failed is judged as unread, as on the spine).</summary>
    private static bool Held(InVerification v)
    {
        List<List<BatchMember>>? components = null;
        foreach (var (engine, read) in v.Reads)
        {
            if (!engine.IsLive || !read.IsCompletedSuccessfully || HashOf(read.Result) == v.ExpectedHash) continue;
            components ??= v.Batch.Components();
            var ahead = v.Ahead?.GetValueOrDefault(engine);
            if (components.Any(c => Mismatch(c, engine, v.Expected, read.Result, ahead) != null)) return false;
        }
        return true;
    }

    /// <summary>
    /// Catches up with <paramref name="engine"/> (one round trip on its ordered link) and returns
    /// which of <paramref name="uuids"/> it has reported a human's edit of since <paramref name="mark"/>.
    /// Never throws: an engine that fails the round trip is judged on what it reported before.
    /// </summary>
    private async Task<IReadOnlySet<string>> AheadAsync(IEnginePort engine, long mark, IReadOnlyCollection<string> uuids)
    {
        try { await Call(async () => { await engine.CatchUpAsync(uuids).ConfigureAwait(false); return true; }).ConfigureAwait(false); }
        catch (Exception e) when (e is EngineFaultException or TimeoutException) { }
        return _reports.Since(engine.Name, mark, uuids);
    }

    /// <summary>The batch in verification goes back to the open batch, its answers unused (a PANIC rolls back everything unverified).</summary>
    private void ReclaimVerification()
    {
        if (_verifying is not { } v) return;
        _verifying = null;
        v.Batch.Absorb(_batch);
        _batch = v.Batch;
    }

    /// <summary>Verifies the whole open batch (see <see cref="SettleAsync"/>); <paramref name="reads"/> holds answers already asked for.</summary>
    private Task VerifyAsync(IReadOnlyDictionary<IEnginePort, Task<Scene>>? reads, IReadOnlyDictionary<IEnginePort, long>? marks, bool awaitEngines)
    {
        var members = _batch.Members.ToList();
        var expected = EngineStorage.RoundToFloat32(_speculative.Records(UnionOf(members)));
        return SettleAsync(members, expected, HashOf(expected), _speculative, reads, marks, ahead: null, awaitEngines, next: null);
    }

    /// <summary>
    /// Verifies <paramref name="verifying"/>, the first members of the open batch: one read per
    /// engine over their footprint (or the answer in <paramref name="reads"/>) and one hash; their
    /// components that differ (field-wise, beyond ε) are rolled back, with any later member that
    /// shares their objects; the rest are finalized, journaled FINAL in apply order, and made
    /// Reality. Later members stay open until <paramref name="next"/>. Intents that waited for
    /// humans in this batch are decided again. Before an engine's difference is judged, that engine
    /// is caught up with (unless <paramref name="ahead"/> already says what it reported since
    /// its read's <paramref name="marks"/>): where its human has edited since, it is not judged.
    /// </summary>
    private async Task SettleAsync(IReadOnlyList<BatchMember> verifying, Scene expected, string expectedHash, RealityScene made,
        IReadOnlyDictionary<IEnginePort, Task<Scene>>? reads, IReadOnlyDictionary<IEnginePort, long>? marks,
        IReadOnlyDictionary<IEnginePort, IReadOnlySet<string>>? ahead, bool awaitEngines, DateTimeOffset? next)
    {
        var footprint = UnionOf(verifying);
        List<List<BatchMember>>? components = null;
        var failed = new HashSet<List<BatchMember>>();
        var unread = new Dictionary<string, string>(StringComparer.Ordinal);
        var crossovers = new Dictionary<IEnginePort, HashSet<string>>();
        var readAt = new Dictionary<IEnginePort, long>(); // each engine's mark: what it reported after it is newer than the batch
        foreach (var engine in _engines)
        {
            if (!engine.IsLive) continue;
            long mark = readAt[engine] = marks != null && marks.TryGetValue(engine, out long marked) ? marked : _reports.Mark(engine.Name); // before the read is issued
            Scene observed;
            try { observed = await (reads != null && reads.TryGetValue(engine, out var asked) ? asked : Call(() => engine.ReadAsync(footprint))).ConfigureAwait(false); }
            catch (Exception e) when (e is EngineFaultException or TimeoutException) { observed = Scene.Empty; unread[engine.Name] = e.Message; }
            if (HashOf(observed) == expectedHash) continue;
            components ??= OpenBatch.ComponentsAmong(verifying);
            var differing = components.Where(c => !failed.Contains(c) && Mismatch(c, engine, expected, observed) != null).ToList();
            if (differing.Count == 0) continue;
            var excused = ahead != null && ahead.TryGetValue(engine, out var known) ? known
                : unread.ContainsKey(engine.Name) ? new HashSet<string>() // unread, not ahead: judged as before
                : await AheadAsync(engine, mark, UnionOf(differing.SelectMany(c => c))).ConfigureAwait(false);
            OweAhead(engine.Name, excused, "its human edited these after its verification read was issued: not judged there");
            foreach (var component in differing)
            {
                var crossed = Crossed(component, engine, excused);
                if (crossed.Count > 0)
                {
                    if (!crossovers.TryGetValue(engine, out var repair)) crossovers[engine] = repair = new HashSet<string>(StringComparer.Ordinal);
                    repair.UnionWith(crossed);
                }
                if (Mismatch(component, engine, expected, observed, crossed.Count == 0 ? excused : excused.Union(crossed).ToHashSet(StringComparer.Ordinal)) is not { } mismatch) continue;
                failed.Add(component);
                await RollBackAsync(component, Soft(RollbackReasons.HashMismatch),
                    $"HASH_MISMATCH in {engine.Name}: {string.Join(", ", mismatch.Diff.Take(5))}", RollbackReasons.HashMismatch, countFailure: true,
                    new Verification(mismatch.Want, mismatch.Have, Quantizer.Epsilon, Now)).ConfigureAwait(false);
            }
        }

        var open = _batch.Members.ToHashSet();
        var final = verifying.Where(open.Contains).ToList();
        if (final.Count > 0)
        {
            string finalHash = failed.Count == 0 ? expectedHash : HashOf(Subset(expected, UnionOf(final)));
            await FinalizeAsync(final, new Verification(finalHash, finalHash, Quantizer.Epsilon, Now), awaitEngines).ConfigureAwait(false);
            long before = RealityVersion;
            // A rollback happens only when the whole open batch is verified (FinishVerificationAsync
            // judges no difference off the spine), and refolds the speculative scene from what is left.
            Reality = failed.Count == 0 ? made : _speculative;
            Interlocked.Increment(ref _realityVersion);
            AdvanceParity(before, final, unread);
            _options.AfterFinal?.Invoke(Reality, final.Select(m => m.Id).ToArray());
        }
        else
            foreach (var (engine, why) in unread) LoseParity(engine, $"it did not answer the verification read: {why}");
        _batch.Remove(final);
        if (final.Count > 0) OverwrittenInOrigins(final, crossovers);
        if (crossovers.Count > 0 && final.Count > 0)
        {
            // Only objects no open member writes are brought to Reality now; the engine may already
            // hold a later member's provisional write of the others, and owes their read-back.
            var settled = UnionOf(final).ToHashSet(StringComparer.Ordinal);
            var writing = UnionOf(_batch.Members).ToHashSet(StringComparer.Ordinal);
            foreach (var (engine, uuids) in crossovers)
            {
                uuids.IntersectWith(settled);
                Owe(engine.Name, uuids.Where(writing.Contains).ToList());
                if (uuids.Where(u => !writing.Contains(u)).ToArray() is { Length: > 0 } repair)
                    await RepairCrossedAsync(engine, readAt.TryGetValue(engine, out long mark) ? mark : _reports.Mark(engine.Name), repair).ConfigureAwait(false);
            }
        }
        if (_batch.IsEmpty) _speculative = Reality;
        else _batch.PostponeTo(next);
        if (awaitEngines) await DrainAsync().ConfigureAwait(false); // off the spine's close, the loop's own pump applies what waits

        await WakeAsync(AdmissionOutcome.WaitHumanLock).ConfigureAwait(false);
    }

    /// <summary>
    /// How <paramref name="engine"/> holds <paramref name="component"/> differently from what was
    /// expected (the hashes and the fields that differ), or null when it holds it.
    /// </summary>
    private static (string Want, string Have, IReadOnlyList<string> Diff)? Mismatch(List<BatchMember> component, IEnginePort engine, Scene expected, Scene observed,
        IReadOnlySet<string>? ahead = null)
    {
        // A human's edit is the truth of the engine it came from: that engine is its source,
        // not a copy to check, and may already be ahead of it (the human is still dragging).
        if (component.All(m => m.Origin == engine.Name)) return null;
        // The same holds for objects the engine reported a human's edit of after it was read.
        var scope = ahead is { Count: > 0 } ? UnionOf(component).Where(u => !ahead.Contains(u)).ToArray() : UnionOf(component);
        if (scope.Length == 0) return null;
        var want = Subset(expected, scope);
        var have = Subset(observed, scope);
        string wantHash = HashOf(want), haveHash = HashOf(have);
        if (wantHash == haveHash) return null;
        var diff = FieldComparer.Differences(want, have); // a hash mismatch counts only once fields confirm it
        return diff.Count == 0 ? null : (wantHash, haveHash, diff);
    }

    /// <summary>
    /// Finalizes verified members in every engine that applied them and queues their FINAL entries
    /// in apply order (journaled in chunks between admissions: .Journal says why). On the spine's
    /// own close the engines are asked with each chunk (with <see cref="PipelineOptions.FinalChunk"/>
    /// 0: here, their answers awaited); for a batch verified off the spine the calls are issued here,
    /// in order. Either way the FINAL answers wait for them and for the entries' fsync, while the
    /// spine goes on. A failed finalize changes nothing: the
    /// intents are verified and stand; the engine keeps them marked provisional until it is
    /// resynced from Reality (issue #8).
    /// </summary>
    private async Task FinalizeAsync(IReadOnlyList<BatchMember> final, Verification verification, bool awaitEngines)
    {
        // Chunked, a close on the spine asks the engines to FINALIZE with each chunk of FINAL entries
        // instead of waiting for them here: adapters already take a FINALIZE after later APPLYs (as off
        // the spine), and an entry on the same objects is written, so applied, only after its chunk.
        bool withChunks = awaitEngines && _options.FinalChunk > 0;
        Task? finalized = withChunks ? null : await FinalizeInEngines(final, wait: awaitEngines).ConfigureAwait(false);
        foreach (var member in final)
            QueueFinal(member, verification, finalized, new IntentOutcome(member.Id, IntentPhase.Final,
                final.Count == 1 ? "verified in every engine" : $"verified in every engine with {final.Count - 1} other intent(s) under one hash"));
        if (_options.FinalChunk <= 0) JournalFinals(int.MaxValue); // the old close: every FINAL entry at once
    }

    /// <summary>
    /// Asks every engine that applied <paramref name="members"/> to FINALIZE them (one call each).
    /// With <paramref name="wait"/> the answers are awaited here; otherwise the FINAL answers wait
    /// for them (they are added to what the next flush waits for). A failed finalize changes nothing.
    /// Returns a task that completes when every engine has answered.
    /// </summary>
    private async Task<Task> FinalizeInEngines(IReadOnlyList<BatchMember> members, bool wait)
    {
        var finalizing = new List<Task>();
        foreach (var engine in _engines)
        {
            var ids = members.Where(m => m.Applied.Any(a => a.Engine == engine)).Select(m => m.Id).ToArray();
            if (ids.Length == 0) continue;
            var done = Call(async () => { await engine.FinalizeAsync(ids).ConfigureAwait(false); return true; });
            if (wait)
            {
                try { await done.ConfigureAwait(false); }
                catch (Exception e) when (e is EngineFaultException or TimeoutException) { }
            }
            else
            {
                var answered = done.ContinueWith(static _ => { }, TaskScheduler.Default);
                finalizing.Add(answered);
                if (!answered.IsCompleted) _appends.Add(answered);
            }
        }
        return finalizing.Count == 0 ? Task.CompletedTask : Task.WhenAll(finalizing);
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
    private Task<T> Call<T>(Func<Task<T>> call, CancellationToken abort = default) => Call(static call => call(), call, abort);

    /// <summary>
    /// As <see cref="Call{T}(Func{Task{T}}, CancellationToken)"/>, with the call's state passed in: a static
    /// lambda then needs no closure (the spine applies 5,000 times a second, issue #20).
    /// </summary>
    private Task<T> Call<TState, T>(Func<TState, Task<T>> call, TState state, CancellationToken abort = default)
    {
        Task<T> first;
        try { first = call(state); }
        catch (Exception e) { first = Task.FromException<T>(e); } // thrown or returned, it is handled alike below
        // An answer already given (an engine in this process) is handed on as it is: no task of Call's own.
        return first.IsCompletedSuccessfully ? first : CallAsync(call, state, first, abort);
    }

    private async Task<T> CallAsync<TState, T>(Func<TState, Task<T>> call, TState state, Task<T>? first, CancellationToken abort)
    {
        int transient = 0, busy = 0;
        while (true)
        {
            try
            {
                var attempt = first ?? call(state);
                first = null; // a retry asks again
                return await attempt.WaitAsync(_options.EngineTimeout, _time, abort).ConfigureAwait(false);
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
        return scene.Where(keep.Contains); // every record set, skins and animations included
    }
}
