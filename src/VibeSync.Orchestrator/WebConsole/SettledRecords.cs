using VibeSync.Intents.Authority;
using VibeSync.Intents.Reality;
using VibeSync.Intents.Validation;
using VibeSync.Orchestrator.Journal;
using VibeSync.Protocol.Operations;
using VibeSync.Wal;
using VibeSync.Wal.Entries;

namespace VibeSync.Orchestrator.WebConsole;

/// <summary>What a settled intent did to the records it touched, rebuilt from the journal.</summary>
/// <param name="Applied">True for FINAL (before → after), false for ROLLED_BACK (before, not applied).</param>
/// <param name="OperationJson">Its operations as journaled, or null.</param>
/// <param name="Changes">Field by field; for a rollback the fields it would have changed, their after values not applied.</param>
/// <param name="Unavailable">Why the records before it cannot be shown (history no longer in the journal, too far back), or null.</param>
internal sealed record SettledChange(bool Applied, string? OperationJson, IReadOnlyList<FieldChange> Changes, string? Unavailable);

/// <summary>
/// The records of a settled intent before and after it: Reality replayed from the journal (the newest
/// checkpoint's scene, then the FINAL entries folded as a restart does, <see cref="RealityReplay"/>)
/// up to the entry before the intent's FINAL (or ROLLED_BACK) and through it. A settled intent never
/// changes, so each answer is kept; the Realities passed on the way are kept too (a few, immutable,
/// sharing their records), so looking at another intent replays only from the nearest one. One replay
/// runs at a time, and one reads at most <see cref="MaxReplay"/> records: a page view never costs
/// more than that. It reads through <see cref="IJournal"/> (a ranged read), so it works the same over
/// the local WAL and team mode's JetStream journal.
/// </summary>
internal sealed class SettledRecords(IJournal journal)
{
    /// <summary>The most records one page view folds; further back, the page says so.</summary>
    public const int MaxReplay = 200_000;

    private const int KeptAnswers = 512, KeptRealities = 32;
    private readonly SemaphoreSlim _one = new(1, 1);
    private readonly Dictionary<ulong, SettledChange> _answers = new();
    private readonly Queue<ulong> _answerOrder = new();
    private readonly SortedList<ulong, RealityScene> _realities = new(); // Reality after folding through that sequence
    private readonly Queue<ulong> _realityOrder = new();
    private ulong _checkpoint = ulong.MaxValue; // the checkpoint the kept Realities were replayed from

    /// <summary>The intent's records before and after, or null when it neither became FINAL nor was rolled back.</summary>
    public async Task<SettledChange?> OfAsync(IReadOnlyList<JournalEntry> history)
    {
        var settled = history.Where(e => e.Phase is "FINAL" or "ROLLED_BACK").ToList();
        if (settled.Count == 0) return null;
        ulong id = history[0].Intent;
        await _one.WaitAsync();
        try
        {
            if (_answers.TryGetValue(id, out var known)) return known;
            var answer = await Task.Run(() => Replay(settled));
            _answers[id] = answer;
            _answerOrder.Enqueue(id);
            if (_answerOrder.Count > KeptAnswers) _answers.Remove(_answerOrder.Dequeue());
            return answer;
        }
        finally { _one.Release(); }
    }

    private SettledChange Replay(List<JournalEntry> settled)
    {
        bool applied = settled.Any(e => e.Phase == "FINAL");
        var ends = settled.Where(e => e.Phase == (applied ? "FINAL" : "ROLLED_BACK")).Select(e => e.Sequence).ToList();
        ulong first = ends[0], last = ends[^1];
        var checkpoint = journal.NewestCheckpoint();
        ulong baseSequence = checkpoint?.Sequence ?? 0;
        if (first <= baseSequence)
            return Gone($"Reality before it is no longer in the journal: the log is replayed from a checkpoint at WAL sequence {baseSequence}, after this intent (older entries may be compacted away).");
        if (_checkpoint != baseSequence) ForgetRealities(baseSequence); // a newer checkpoint: what was replayed from the old one may not be in the log any more
        // Start from the latest Reality kept before the intent, else the checkpoint's scene.
        ulong from = baseSequence;
        RealityScene reality = Sync.RealityStore.AtCheckpoint(checkpoint?.State);
        for (int i = _realities.Count - 1; i >= 0; i--)
            if (_realities.Keys[i] < first)
            {
                (from, reality) = (_realities.Keys[i], _realities.Values[i]);
                break;
            }
        if (last - from > MaxReplay)
            return Gone($"Reality before it is {last - from:N0} journal entries back from the nearest point kept, more than a page view replays ({MaxReplay:N0}).");
        IReadOnlyList<WalRecord> records;
        try { records = journal.ReadRange(from, last); }
        catch (WalCorruptException e) { return Gone($"the journal cannot be read up to it: {e.Corruption}"); }
        var before = RealityReplay.Fold(reality, records.Where(r => r.Sequence < first));
        Keep(first - 1, before);
        var own = records.Where(r => r.Sequence >= first && r.Sequence <= last && r.Entry.IntentId == settled[0].Intent).ToList();
        string? json = own.Select(r => r.Entry.OperationJson).LastOrDefault(j => j != null)
            ?? records.LastOrDefault(r => r.Entry.IntentId == settled[0].Intent && r.Entry.OperationJson != null)?.Entry.OperationJson;
        if (json == null) return new SettledChange(applied, null, Array.Empty<FieldChange>(), null); // a note, a seed: no operation journaled
        var request = OperationReader.Read(json);
        var touched = request.Operations.SelectMany(Admission.Touches).ToArray();
        if (applied)
        {
            // Its own FINAL entries folded over Reality just before them: what it changed, whatever else settled meanwhile.
            var after = RealityReplay.Fold(before, own.Where(r => r.Entry.Phase == Protocol.Intents.IntentPhase.Final));
            if (first == last) Keep(first, after); // Reality through its one FINAL entry (with several, others may have settled between them)
            return new SettledChange(true, json, FieldDiff.Between(before, after, touched), null);
        }
        // Rolled back: Reality kept its before; the fields it would have changed are shown, their after not applied.
        RealityScene wouldBe;
        try { wouldBe = IntentValidator.Check(before, request, Sight.Everything).Reality; }
        catch (IntentRefusedException) { wouldBe = RealityScene.Empty; } // no longer applies: every field of what it touched
        return new SettledChange(false, json, FieldDiff.Between(before, wouldBe, touched), null);
    }

    private static SettledChange Gone(string why) => new(false, null, Array.Empty<FieldChange>(), why);

    private void Keep(ulong sequence, RealityScene reality)
    {
        if (_realities.ContainsKey(sequence)) return;
        _realities[sequence] = reality;
        _realityOrder.Enqueue(sequence);
        if (_realityOrder.Count > KeptRealities) _realities.Remove(_realityOrder.Dequeue());
    }

    private void ForgetRealities(ulong checkpoint)
    {
        _realities.Clear();
        _realityOrder.Clear();
        _checkpoint = checkpoint;
    }
}
