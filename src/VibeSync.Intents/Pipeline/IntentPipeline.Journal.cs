// Design rationale: every phase change is durable in the WAL before anyone hears of it. Entries
// are appended from the spine only, in order; the answers they carry are released once the entry
// is durable (a group commit), never before.
using VibeSync.Intents.Authority;
using VibeSync.Intents.Batching;
using VibeSync.Intents.Classification;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.State;
using VibeSync.Wal;
using VibeSync.Wal.Entries;
using VibeSync.Protocol.Intents;

namespace VibeSync.Intents.Pipeline;

public sealed partial class IntentPipeline
{
    /// <summary>A rollback the engines can undo (the intent's own undo); <paramref name="reason"/> one of <see cref="RollbackReasons"/>.</summary>
    private static RollbackInfo Soft(string reason) => new(null, null, "SOFT", reason);

    /// <summary>A rollback after an engine failed: what it holds is repaired by a resync; <paramref name="reason"/> one of <see cref="RollbackReasons"/>.</summary>
    private static RollbackInfo Hard(string reason) => new(null, null, "HARD", reason);

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
