// Design rationale: every phase change is durable in the WAL before anyone hears of it. Entries
// are appended from the spine only, in order; the answers they carry are released once the entry
// is durable (a group commit), never before.
// FINAL entries are queued, not written, by a batch's close (issue #20: encoding a whole batch's
// FINAL entries at once held every admission that arrived meanwhile behind it). The spine journals
// them in chunks between admissions, oldest first, so FINAL entries keep batch order. The log keeps
// cause before effect: an entry of any other intent on an object a queued FINAL touches (or on no
// object) is written only after that FINAL and every one queued before it, so a reader of the log
// (a replay, the interleaving properties) never sees an intent act on an object before the FINAL
// that made the object what it acted on. Anything that must see a settled log (flush, exclusive
// work, a seed, a note, an emergency unlock, shutdown) journals the whole queue first. A crash
// before a queued FINAL is durable leaves its intent PROVISIONAL in the log, which a restart rolls
// back as it always has (its FINAL answer was never given: answers wait for the entry's fsync).
using System.Diagnostics;
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

    /// <summary>A verified member whose FINAL entry is still to be journaled (see the rationale above), with its answer.</summary>
    private sealed record QueuedFinal(BatchMember Member, Verification Verification, Task? Finalized, IntentOutcome Outcome);

    /// <summary>
    /// Queues <paramref name="member"/>'s FINAL entry behind those already queued; its answers follow
    /// the entry's fsync and <paramref name="finalized"/> (the engines' FINALIZE of its batch, when not
    /// awaited), or, when it is null, the FINALIZE the engines are asked for with its chunk.
    /// </summary>
    private void QueueFinal(BatchMember member, Verification verification, Task? finalized, IntentOutcome outcome)
    {
        _finals.Enqueue(new QueuedFinal(member, verification, finalized, outcome));
        _finalsQueued++;
        foreach (var uuid in member.Footprint) _finalAt[uuid] = _finalsQueued;
    }

    /// <summary>Journals at most <paramref name="max"/> queued FINAL entries, oldest first, and defers their answers to their fsync.</summary>
    private void JournalFinals(int max)
    {
        if (_finals.Count == 0) return;
        long start = Stopwatch.GetTimestamp();
        int written = 0;
        List<BatchMember>? toFinalize = null;
        while (written < max && _finals.TryPeek(out var queued)) // dequeued once journaled: a failed append leaves it for Fail to answer
        {
            var member = queued.Member;
            string why = FinalRationale(member);
            Journal(member, IntentPhase.Final, verification: queued.Verification, rationale: why.Length == 0 ? null : why);
            if (queued.Finalized == null) (toFinalize ??= new()).Add(member);
            else if (!queued.Finalized.IsCompleted) _appends.Add(queued.Finalized);
            _finals.Dequeue();
            _finalsJournaled++;
            _deferred.Add((member.Settled, queued.Outcome));
            foreach (var follower in member.Followers) _deferred.Add((follower, queued.Outcome));
            written++;
        }
        if (toFinalize != null) _ = FinalizeInEngines(toFinalize, wait: false); // runs to its end at once: nothing is awaited without wait
        if (_finals.Count == 0) _finalAt.Clear();
        _options.OnSpineSpan?.Invoke(new SpineSpan(SpineWork.Finals, start, Stopwatch.GetTimestamp(), written));
    }

    /// <summary>
    /// A FINAL entry's rationale: the intent's own, its conflict notes and how many micro-intents
    /// joined it, the non-empty ones joined by "; ". Built in one builder, not three iterators and a
    /// join per entry (issue #20).
    /// </summary>
    private static string FinalRationale(BatchMember member)
    {
        var why = new System.Text.StringBuilder(member.Request.Rationale ?? "", (member.Request.Rationale?.Length ?? 0) + 128);
        foreach (var note in member.Notes)
            if (note.Length > 0) (why.Length > 0 ? why.Append("; ") : why).Append(note);
        if (member.Joined > 0)
            (why.Length > 0 ? why.Append("; ") : why).Append("coalesced with ").Append(member.Joined).Append(" micro-intent(s) of ")
                .Append(member.Actor.ToString()).Append(" on the same objects");
        return why.ToString();
    }

    /// <summary>
    /// Before an entry on <paramref name="uuids"/> (an empty list: on anything) is written, the queued
    /// FINAL entries it must follow are: the last one touching any of them, and every one before it.
    /// </summary>
    private void JournalFinalsBefore(IReadOnlyList<string> uuids)
    {
        long through = uuids.Count == 0 ? _finalsQueued : 0;
        foreach (var uuid in uuids)
            if (_finalAt.TryGetValue(uuid, out long at) && at > through) through = at;
        if (through > _finalsJournaled) JournalFinals((int)Math.Min(int.MaxValue, through - _finalsJournaled));
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
        if (_finals.Count > 0 && phase != IntentPhase.Final) JournalFinalsBefore(uuids); // FINAL entries come only from the queue, in its order
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
