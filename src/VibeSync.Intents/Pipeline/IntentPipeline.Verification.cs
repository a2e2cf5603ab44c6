// Design rationale: when a batch's window ends, one read per engine over the batch's footprint and
// one hash; only components that differ are compared field-wise and rolled back, the rest are
// finalized in apply order and become Reality. A mismatch marks its objects DIRTY until a fresh
// read shows parity again; rollbacks the engines cause count toward safe mode (the retry policy).
using System.Collections.Immutable;
using VibeSync.Intents.Authority;
using VibeSync.Intents.Batching;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Operations;
using VibeSync.Intents.Reality;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.Comparison;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using VibeSync.Wal.Entries;

namespace VibeSync.Intents.Pipeline;

public sealed partial class IntentPipeline
{
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
}
