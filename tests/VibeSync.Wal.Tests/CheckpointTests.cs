using VibeSync.Protocol.Intents;
namespace VibeSync.Wal.Tests;

public sealed class CheckpointTests
{
    private static readonly WalOptions Small = new() { SegmentSize = 4096 };

    private static List<WalEntry> History(int count, int seed)
    {
        var r = new Random(seed);
        var phases = new[] { IntentPhase.Provisional, IntentPhase.Final, IntentPhase.RolledBack, IntentPhase.Pending };
        return Enumerable.Range(0, count).Select(_ => TempLog.Entry((ulong)r.Next(1, 30), phases[r.Next(phases.Length)])).ToList();
    }

    [Fact]
    public async Task a_restart_after_a_checkpoint_reads_only_the_segments_after_it_and_recovers_the_same_reality()
    {
        using var dir = new TempLog();
        var entries = History(200, 1);
        using (var log = WriteAheadLog.Open(dir.Path, Small))
        {
            TempLog.AppendEach(log, entries.Take(150));
            await log.WriteCheckpointAsync(150, new byte[] { 1, 2, 3 });
            TempLog.AppendEach(log, entries.Skip(150));
        }
        var full = WriteAheadLog.Verify(dir.Path); // always the whole log
        using var reopened = WriteAheadLog.Open(dir.Path, Small);
        var rec = reopened.Recovery;
        Assert.Equal(150UL, rec.CheckpointSequence);
        Assert.Equal(new byte[] { 1, 2, 3 }, rec.CheckpointState);
        Assert.True(rec.Records < 100, $"read {rec.Records} records; the checkpoint should have skipped most of 200");
        Assert.Equal(200UL, rec.LastSequence);
        Assert.Equal(VibeSync.Protocol.Hashing.Hex.Encode(full.Reality.Head), rec.RealityHead);
        Assert.Equal(full.Reality.FinalCount, rec.FinalCount);
        Assert.Equal(full.Reality.ToRollBack, rec.ToRollBack);
        Assert.Equal(full.MaxIntentId, rec.MaxIntentId);
    }

    [Fact]
    public async Task compaction_removes_only_segments_the_checkpoint_covers_and_the_log_still_opens()
    {
        using var dir = new TempLog();
        // Every intent settled: one still open at the checkpoint would hold compaction back (the next test).
        var entries = History(120, 2).Select(e => TempLog.Entry(e.IntentId, e.Phase is IntentPhase.Pending or IntentPhase.Provisional ? IntentPhase.RolledBack : e.Phase)).ToList();
        string headBefore;
        using (var log = WriteAheadLog.Open(dir.Path, Small))
        {
            TempLog.AppendEach(log, entries.Take(100));
            await log.WriteCheckpointAsync(90, Array.Empty<byte>());
            TempLog.AppendEach(log, entries.Skip(100));
            headBefore = log.RealityHead;
        }
        int before = Directory.GetFiles(dir.Path, "*.wal").Length;
        var deleted = WriteAheadLog.Compact(dir.Path, out var kept);
        Assert.NotEmpty(deleted);
        Assert.Null(kept);
        Assert.Equal(before - deleted.Count, Directory.GetFiles(dir.Path, "*.wal").Length);

        var remaining = WriteAheadLog.ReadAll(dir.Path, out var scan);
        Assert.Null(scan.Corruption);
        Assert.True(remaining[0].Sequence <= 91, "a record after the checkpoint was compacted away");
        Assert.Equal(120UL, scan.LastSequence);
        using var reopened = WriteAheadLog.Open(dir.Path, Small);
        Assert.Equal(headBefore, reopened.RealityHead);
    }

    /// <summary>
    /// 30 settled intents, intent 31 PENDING (an AI's, waiting for a human), 30 more settled, the
    /// checkpoint, 10 more: the log a compaction must not take intent 31's entry from.
    /// </summary>
    internal static async Task<string> WithAnIntentPendingAtTheCheckpoint(TempLog dir)
    {
        var settled = Enumerable.Range(1, 30).Select(i => TempLog.Entry((ulong)i)).ToList();
        using var log = WriteAheadLog.Open(dir.Path, Small);
        TempLog.AppendEach(log, settled);
        var pending = TempLog.AppendEach(log, new[] { TempLog.Entry(31, IntentPhase.Pending) with { Actor = "ai:claude" } }).Single();
        TempLog.AppendEach(log, Enumerable.Range(32, 30).Select(i => TempLog.Entry((ulong)i)));
        await log.WriteCheckpointAsync(log.LastSequence, new byte[] { 7 });
        TempLog.AppendEach(log, Enumerable.Range(62, 10).Select(i => TempLog.Entry((ulong)i)));
        Assert.True(Directory.GetFiles(dir.Path, "*.wal").Length > 4, "the history should span several segments");
        return dir.Segment(WriteAheadLog.ReadAll(dir.Path, out _).Single(r => r.Sequence == pending.Sequence).Segment);
    }

    [Fact]
    public async Task compaction_keeps_the_entry_of_an_intent_pending_at_the_checkpoint_and_the_chain_still_verifies()
    {
        using var dir = new TempLog();
        var holding = await WithAnIntentPendingAtTheCheckpoint(dir);
        var expected = WriteAheadLog.ReadAll(dir.Path, out _).Single(r => r.Entry.IntentId == 31);

        var deleted = WriteAheadLog.Compact(dir.Path, out var kept);
        Assert.NotEmpty(deleted); // the segments before it still go
        Assert.DoesNotContain(holding, deleted);
        Assert.True(File.Exists(holding));
        Assert.Equal(31UL, kept!.IntentId);
        Assert.Equal(IntentPhase.Pending, kept.Phase);
        Assert.Equal(expected.Sequence, kept.Sequence);

        var pending = WriteAheadLog.ReadAll(dir.Path, out var scan).Single(r => r.Entry.IntentId == 31);
        Assert.Null(scan.Corruption);
        Assert.Equal(expected.Entry.OperationJson, pending.Entry.OperationJson);
        Assert.Equal(Convert.ToHexString(expected.EntryHash), Convert.ToHexString(pending.EntryHash));
        Assert.Null(WriteAheadLog.Verify(dir.Path).Corruption);
        using var reopened = WriteAheadLog.Open(dir.Path, Small);
        Assert.Equal(new ulong[] { 31 }, reopened.Recovery.Pending);

        Assert.Empty(WriteAheadLog.Compact(dir.Path)); // again: nothing more may go while it waits
    }

    [Fact]
    public async Task a_damaged_checkpoint_is_skipped_not_trusted()
    {
        using var dir = new TempLog();
        using (var log = WriteAheadLog.Open(dir.Path, Small))
        {
            TempLog.AppendEach(log, History(60, 3));
            await log.WriteCheckpointAsync(20, new byte[] { 20 });
            await log.WriteCheckpointAsync(50, new byte[] { 50 });
        }
        var newest = Directory.GetFiles(Path.Combine(dir.Path, "checkpoints")).Max()!;
        var bytes = File.ReadAllBytes(newest);
        bytes[30] ^= 0xFF;
        File.WriteAllBytes(newest, bytes);
        using var reopened = WriteAheadLog.Open(dir.Path, Small);
        Assert.Equal(20UL, reopened.Recovery.CheckpointSequence);
        Assert.Equal(new byte[] { 20 }, reopened.Recovery.CheckpointState);
    }

    [Fact]
    public async Task a_checkpoint_that_does_not_match_the_log_refuses_to_open()
    {
        using var dir = new TempLog();
        using (var log = WriteAheadLog.Open(dir.Path, Small))
        {
            TempLog.AppendEach(log, History(30, 4));
            await log.WriteCheckpointAsync(25, Array.Empty<byte>());
        }
        // Replace the log with a different history of the same length: the checkpoint no longer describes it.
        foreach (var f in Directory.GetFiles(dir.Path, "*.wal")) File.Delete(f);
        var checkpoints = Path.Combine(dir.Path, "checkpoints");
        Directory.Move(checkpoints, checkpoints + ".aside");
        using (var other = WriteAheadLog.Open(dir.Path, Small)) TempLog.AppendEach(other, History(30, 5));
        Directory.Move(checkpoints + ".aside", checkpoints);
        var e = Assert.Throws<WalCorruptException>(() => WriteAheadLog.Open(dir.Path, Small));
        Assert.Contains("checkpoint", e.Message);
    }

    [Fact]
    public void a_checkpoint_must_name_a_durable_sequence()
    {
        using var dir = new TempLog();
        using var log = WriteAheadLog.Open(dir.Path, Small);
        TempLog.AppendEach(log, History(3, 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = log.WriteCheckpointAsync(4, Array.Empty<byte>()); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = log.WriteCheckpointAsync(0, Array.Empty<byte>()); });
    }

    [Fact]
    public async Task a_ranged_read_scans_only_from_the_segment_holding_its_first_record_and_equals_the_full_reads_records()
    {
        // Blob collection reads what was appended since its last read; with the only checkpoint at
        // the seed, a scan from the checkpoint (as before) read nearly the whole log every time.
        using var dir = new TempLog();
        var entries = History(400, 3);
        IJournal journal;
        using (var log = WriteAheadLog.Open(dir.Path, Small))
        {
            TempLog.AppendEach(log, entries.Take(1));
            await log.WriteCheckpointAsync(1, new byte[] { 9 });
            TempLog.AppendEach(log, entries.Skip(1));
            journal = log;
            var full = WriteAheadLog.ReadAll(dir.Path, out _);
            var ranged = journal.ReadRange(380, 400);
            Assert.Equal(full.Skip(380).Select(r => Convert.ToHexString(r.EntryHash)), ranged.Select(r => Convert.ToHexString(r.EntryHash)));
            Assert.Equal(Enumerable.Range(381, 20).Select(i => (ulong)i), ranged.Select(r => r.Sequence));
            var everything = journal.ReadRange(0, 400);
            Assert.Equal(full.Select(r => r.Sequence), everything.Select(r => r.Sequence));
        }
        WriteAheadLog.ReadThrough(dir.Path, 380, 400, out var scan);
        Assert.Null(scan.Corruption);
        int segments = Directory.GetFiles(dir.Path, "*.wal").Length;
        Assert.True(segments > 10, $"the log should span many segments, not {segments}");
        long perSegment = 400 / segments + 1;
        Assert.True(scan.Records <= 20 + 2 * perSegment, $"reading 20 records scanned {scan.Records} of 400");
    }
}

public sealed class CheckpointVerificationTests
{
    [Fact]
    public async Task verify_reads_every_segment_and_checks_the_checkpoint_against_the_log()
    {
        using var dir = new TempLog();
        using (var log = WriteAheadLog.Open(dir.Path, new WalOptions { SegmentSize = 4096 }))
        {
            TempLog.AppendEach(log, Enumerable.Range(1, 60).Select(i => TempLog.Entry((ulong)i)));
            await log.WriteCheckpointAsync(40, Array.Empty<byte>());
        }
        var scan = WriteAheadLog.Verify(dir.Path);
        Assert.Null(scan.Corruption);
        Assert.Equal(60, scan.Records);

        // A checkpoint whose Reality head was altered (its CRC repaired) is caught by verify.
        var file = Directory.GetFiles(Path.Combine(dir.Path, "checkpoints")).Single();
        var bytes = File.ReadAllBytes(file);
        bytes[60] ^= 0x01;
        var crc = VibeSync.Wal.Format.Crc32C.Compute(bytes.AsSpan(0, bytes.Length - 4));
        BitConverter.GetBytes(crc).CopyTo(bytes, bytes.Length - 4);
        File.WriteAllBytes(file, bytes);
        var bad = WriteAheadLog.Verify(dir.Path);
        Assert.NotNull(bad.Corruption);
        Assert.Contains("disagrees", bad.Corruption!.Reason);
    }

    [Fact]
    public async Task verify_after_compaction_builds_on_the_checkpoint()
    {
        using var dir = new TempLog();
        string head;
        using (var log = WriteAheadLog.Open(dir.Path, new WalOptions { SegmentSize = 4096 }))
        {
            TempLog.AppendEach(log, Enumerable.Range(1, 60).Select(i => TempLog.Entry((ulong)i)));
            await log.WriteCheckpointAsync(45, Array.Empty<byte>());
            head = log.RealityHead;
        }
        Assert.NotEmpty(WriteAheadLog.Compact(dir.Path));
        var scan = WriteAheadLog.Verify(dir.Path);
        Assert.Null(scan.Corruption);
        Assert.Equal(head, VibeSync.Protocol.Hashing.Hex.Encode(scan.Reality.Head));
        Assert.Equal(60UL, scan.LastSequence);
    }
}
