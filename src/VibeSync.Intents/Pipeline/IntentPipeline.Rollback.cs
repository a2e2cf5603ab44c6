// Rolling back: the seeds and every batch member connected to them, newest first, in every
// engine that applied them; and the DIRTY records a failed rollback leaves, refreshed from the
// engines before intents on them are admitted again.

using VibeSync.Intents.Authority;
using VibeSync.Intents.Batching;
using VibeSync.Intents.Reality;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Spaces;
using VibeSync.Wal.Entries;
using VibeSync.Protocol.Intents;

namespace VibeSync.Intents.Pipeline;

public sealed partial class IntentPipeline
{
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
                try
                {
                    await Call(async () => { await engine.RollbackAsync(id, token).ConfigureAwait(false); return true; }).ConfigureAwait(false);
                    // A ROLLBACK writes as an APPLY does, and adapters report their human's edit before either
                    // (§11.6): what this engine reported by now, the restore landed over. When that edit is a human's
                    // that overrode this intent (HUMAN_EDIT), the engine now holds the values from before both, and
                    // only a repair once the edit is FINAL brings it back to its human's value (OverwrittenInOrigins),
                    // instead of two read-backs, a lost parity and a resync.
                    _reports.Applied(engine.Name, id, doomed[i].Footprint);
                }
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

        if (errorCode == RollbackReasons.HashMismatch) await RefreshDirtyAsync(UnionOf(doomed)).ConfigureAwait(false);

        // What is left is folded again from Reality; a member that depended on what was rolled back goes too.
        var scene = _verifying?.Speculative ?? Reality; // the open batch builds on the batch in verification, if one is
        foreach (var member in _batch.Members)
        {
            try { scene = IntentValidator.Check(scene, member.Request, Sight.Everything).Reality; } // admitted already: only what it depended on matters
            catch (IntentRefusedException e)
            {
                await RollBackAsync(new[] { member }, Soft(RollbackReasons.Conflict),
                    $"it depended on a rolled-back intent: {e.Message}", RollbackReasons.Conflict).ConfigureAwait(false);
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
                if (await RepairAsync(engine, uuids, want).ConfigureAwait(false) is > 0 and var n)
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

    /// <summary>The objects are known to be back in parity (an engine was resynced from Reality): intents on them are admitted again.</summary>
    public void ClearDirty()
    {
        lock (_dirty) _dirty.Clear();
    }
}
