using FsCheck;
using FsCheck.Xunit;
using VibeSync.Protocol.Crypto;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Intents;

namespace VibeSync.Wal.Tests;

public sealed class RealityPropertyTests
{
    /// <summary>
    /// Write a random history, cut the log anywhere (at a record boundary or inside a record, as a
    /// crash would), reopen: Reality is exactly what the FINAL entries of the surviving prefix
    /// describe, and the open intents are exactly those whose last surviving phase is open.
    /// </summary>
    [Property(MaxTest = 60)]
    public bool replaying_any_prefix_yields_the_reality_its_final_entries_describe(int seed)
    {
        var r = new Random(seed);
        using var dir = new TempLog();
        var phases = new[] { IntentPhase.Pending, IntentPhase.Provisional, IntentPhase.Final, IntentPhase.RolledBack, IntentPhase.Quarantined, IntentPhase.Refused };
        var entries = Enumerable.Range(0, r.Next(1, 25)).Select(_ => TempLog.Entry((ulong)r.Next(1, 8), phases[r.Next(phases.Length)])).ToList();
        List<WalAppendResult> results;
        var options = new WalOptions { SegmentSize = 4096 };
        using (var log = WriteAheadLog.Open(dir.Path, options)) results = TempLog.AppendEach(log, entries);
        var records = WriteAheadLog.ReadAll(dir.Path, out _);

        // Cut inside the last segment: keep k records, and maybe part of record k+1.
        var lastSegment = records[^1].Segment;
        var inLast = records.Where(x => x.Segment == lastSegment).ToList();
        int cutIndex = r.Next(inLast.Count);
        var cutRecord = inLast[cutIndex];
        long cut = cutRecord.Offset + (r.Next(2) == 0 ? 0 : r.Next(1, 300));
        var path = dir.Segment(lastSegment);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes.AsSpan(0, (int)Math.Min(cut, bytes.Length)).ToArray());
        int kept = (int)cutRecord.Sequence - 1;

        // The model: fold the first `kept` entries.
        var head = new byte[32];
        var open = new SortedDictionary<ulong, IntentPhase>();
        for (int i = 0; i < kept; i++)
        {
            if (entries[i].Phase == IntentPhase.Final) head = Sha256.Hash(head.Concat(results[i].EntryHash).ToArray());
            if (entries[i].Phase is IntentPhase.Pending or IntentPhase.Provisional) open[entries[i].IntentId] = entries[i].Phase;
            else open.Remove(entries[i].IntentId);
        }

        using var reopened = WriteAheadLog.Open(dir.Path, options);
        var rec = reopened.Recovery;
        return rec.LastSequence == (ulong)kept
            && rec.RealityHead == Hex.Encode(head)
            && rec.FinalCount == entries.Take(kept).Count(e => e.Phase == IntentPhase.Final)
            && rec.ToRollBack.SequenceEqual(open.Where(p => p.Value == IntentPhase.Provisional).Select(p => p.Key))
            && rec.Pending.SequenceEqual(open.Where(p => p.Value == IntentPhase.Pending).Select(p => p.Key));
    }

    /// <summary>
    /// Write a random history (intent ids reused, any phase), checkpoint it anywhere (maybe twice),
    /// compact: the log reopens with the same Reality and open intents as the uncompacted copy, and
    /// every intent it shows PENDING still has the PENDING entry start-up recovery restores it from,
    /// byte for byte; <c>wal verify</c> passes.
    /// </summary>
    [Property(MaxTest = 60)]
    public bool compaction_keeps_what_recovery_reads_and_changes_nothing_it_recovers(int seed)
    {
        var r = new Random(seed);
        using var dir = new TempLog();
        using var copy = new TempLog();
        var phases = new[] { IntentPhase.Pending, IntentPhase.Provisional, IntentPhase.Final, IntentPhase.RolledBack, IntentPhase.Refused };
        var entries = Enumerable.Range(0, r.Next(20, 120)).Select(_ => TempLog.Entry((ulong)r.Next(1, 40), phases[r.Next(phases.Length)])).ToList();
        var options = new WalOptions { SegmentSize = 4096 };
        using (var log = WriteAheadLog.Open(dir.Path, options))
        {
            TempLog.AppendEach(log, entries);
            foreach (var at in Enumerable.Range(0, r.Next(1, 3)).Select(_ => (ulong)r.Next(1, entries.Count + 1)).Order())
                log.WriteCheckpointAsync(at, new byte[] { (byte)at }).GetAwaiter().GetResult();
        }
        foreach (var sub in Directory.GetDirectories(dir.Path, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(sub.Replace(dir.Path, copy.Path));
        foreach (var file in Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(dir.Path, copy.Path));

        WriteAheadLog.Compact(dir.Path);
        if (WriteAheadLog.Verify(dir.Path).Corruption != null) return false;
        using var whole = WriteAheadLog.Open(copy.Path, options);
        using var compacted = WriteAheadLog.Open(dir.Path, options);
        var (a, b) = (whole.Recovery, compacted.Recovery);
        static string? FirstPending(IReadOnlyList<WalRecord> records, ulong id) =>
            records.FirstOrDefault(x => x.Entry.IntentId == id && x.Entry.Phase == IntentPhase.Pending) is { } p ? Hex.Encode(p.EntryHash) : null;
        var wholeRecords = WriteAheadLog.ReadAll(copy.Path, out _);
        var compactedRecords = WriteAheadLog.ReadAll(dir.Path, out _);
        return a.RealityHead == b.RealityHead && a.FinalCount == b.FinalCount && a.MaxIntentId == b.MaxIntentId && a.LastSequence == b.LastSequence
            && a.ToRollBack.SequenceEqual(b.ToRollBack) && a.Pending.SequenceEqual(b.Pending)
            && b.Pending.All(id => FirstPending(compactedRecords, id) is { } kept && kept == FirstPending(wholeRecords, id));
    }
}
