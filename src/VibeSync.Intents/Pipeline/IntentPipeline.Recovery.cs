// Design rationale: a restart loses nothing acknowledged. The log is the only memory: intents it
// shows PENDING wait again (decided afresh), and rollbacks the engines caused before the restart
// count again toward safe mode, so a failure that repeats does not get a clean slate.
using VibeSync.Intents.Authority;
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
    /// <summary>The actor of the entries start-up recovery writes (what a crash left PROVISIONAL, rolled back).</summary>
    private static readonly string RecoveryActor = new Actor(ActorKind.Orchestrator, "recovery").ToString();

    /// <summary>
    /// Intents the log shows still PENDING wait again after a restart: what was acknowledged is not
    /// lost. They are decided afresh (locks and PANICs do not survive a restart; approval is asked again).
    /// Returns the ids the newest checkpoint names as open whose PENDING entry is not in the log
    /// (a log compacted before <c>wal compact</c> kept such entries): they cannot be restored.
    /// </summary>
    private IReadOnlyCollection<ulong> RestorePending(IReadOnlyList<WalRecord> records)
    {
        if (_wal.Recovery.Pending.Count == 0) return Array.Empty<ulong>();
        var wanted = _wal.Recovery.Pending.ToHashSet();
        foreach (var record in records)
        {
            var e = record.Entry;
            if (e.Phase != IntentPhase.Pending || e.OperationJson == null || !wanted.Remove(e.IntentId)) continue;
            _pending[e.IntentId] = new Waiting(OperationReader.Read(e.OperationJson), Actor.Parse(e.Actor), AdmissionOutcome.AwaitApproval, false,
                _engines.Any(x => x.Name == e.Engine) ? e.Engine : null);
        }
        return wanted;
    }

    /// <summary>
    /// A waiting intent whose entry is gone is journaled REFUSED, so the loss is in the log where a
    /// human looks (<c>wal show</c>, the console), the intent no longer counts as open, and whoever
    /// submitted it reads why instead of waiting for it forever.
    /// </summary>
    private async Task JournalLostAsync(IReadOnlyCollection<ulong> lost)
    {
        foreach (var id in lost.Order())
            await _wal.AppendAsync(WriteAheadLog.Encode(new WalEntry(id, IntentPhase.Refused, Now, "both", RecoveryActor,
                new Scope(Array.Empty<string>(), IntentClass.Cosmetic), null, null,
                $"{LostEntryCode}: the checkpoint names this intent as waiting, but its PENDING entry (its operations) is not in the log " +
                "(a `wal compact` older than this version deleted it): it cannot be restored; submit it again"))).ConfigureAwait(false);
    }

    /// <summary>The code in the rationale of an intent refused on restart because its entry was lost.</summary>
    internal const string LostEntryCode = "ENTRY_LOST";

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
            if (e.Phase != IntentPhase.RolledBack || e.Rollback?.Reason is not (RollbackReasons.HashMismatch or RollbackReasons.EngineFault) || e.Actor == RecoveryActor || e.OperationJson == null) continue;
            IntentRequest request;
            try { request = OperationReader.Read(e.OperationJson); }
            catch (IntentRefusedException) { continue; }
            if (_failures.Record(e.Scope.Uuids, request.Operations.Select(o => o.Name)) is { } tripped && _safeMode == null)
                _safeMode = "prior failures in the log: " + tripped;
        }
    }

}
