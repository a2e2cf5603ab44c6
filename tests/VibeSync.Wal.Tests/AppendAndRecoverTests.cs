using VibeSync.Protocol.Crypto;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Intents;

namespace VibeSync.Wal.Tests;

public sealed class AppendAndRecoverTests
{
    private static bool SameEntry(WalEntry a, WalEntry b) =>
        a.IntentId == b.IntentId && a.Phase == b.Phase && a.TimestampMs == b.TimestampMs
        && EntryBody.Encode(a).AsSpan().SequenceEqual(EntryBody.Encode(b));

    [Fact]
    public void what_was_appended_is_read_back_field_for_field_after_reopening()
    {
        using var dir = new TempLog();
        var entries = new[]
        {
            TempLog.Entry(1, IntentPhase.Pending), TempLog.Entry(1, IntentPhase.Provisional), TempLog.Entry(1, IntentPhase.Final),
            TempLog.Entry(2, IntentPhase.Provisional), TempLog.Entry(2, IntentPhase.RolledBack),
            TempLog.Entry(3, IntentPhase.Provisional, rationale: "ünïcødé 🎲 \"quoted\""),
        };
        using (var log = WriteAheadLog.Open(dir.Path))
            Assert.Equal(new ulong[] { 1, 2, 3, 4, 5, 6 }, TempLog.AppendEach(log, entries).Select(r => r.Sequence));

        var records = WriteAheadLog.ReadAll(dir.Path, out var scan);
        Assert.Null(scan.Corruption);
        Assert.Null(scan.Torn);
        Assert.Equal(entries.Length, records.Count);
        for (int i = 0; i < entries.Length; i++) Assert.True(SameEntry(entries[i], records[i].Entry), $"entry {i} differs");
        for (int i = 1; i < records.Count; i++) Assert.Equal(records[i - 1].EntryHash, records[i].ParentHash);
        Assert.Equal(new byte[32], records[0].ParentHash);
    }

    [Fact]
    public void a_reopened_log_continues_the_sequence_and_the_chain()
    {
        using var dir = new TempLog();
        WalAppendResult last;
        using (var log = WriteAheadLog.Open(dir.Path)) last = TempLog.AppendEach(log, new[] { TempLog.Entry(1), TempLog.Entry(2) })[^1];
        using (var log = WriteAheadLog.Open(dir.Path))
        {
            Assert.Equal(2UL, log.Recovery.LastSequence);
            Assert.Equal(3UL, log.AppendAsync(TempLog.Entry(3)).Result.Sequence);
        }
        var records = WriteAheadLog.ReadAll(dir.Path, out var scan);
        Assert.Null(scan.Corruption);
        Assert.Equal(last.EntryHash, records[2].ParentHash);
    }

    [Fact]
    public void intents_left_provisional_are_returned_to_be_rolled_back()
    {
        using var dir = new TempLog();
        using (var log = WriteAheadLog.Open(dir.Path))
            TempLog.AppendEach(log, new[]
            {
                TempLog.Entry(1, IntentPhase.Provisional), TempLog.Entry(1, IntentPhase.Final),
                TempLog.Entry(2, IntentPhase.Provisional),
                TempLog.Entry(3, IntentPhase.Provisional), TempLog.Entry(3, IntentPhase.RolledBack),
                TempLog.Entry(4, IntentPhase.Pending),
                TempLog.Entry(5, IntentPhase.Provisional),
            });
        using var reopened = WriteAheadLog.Open(dir.Path);
        Assert.Equal(new ulong[] { 2, 5 }, reopened.Recovery.ToRollBack);
        Assert.Equal(new ulong[] { 4 }, reopened.Recovery.Pending);
    }

    [Fact]
    public void only_final_entries_advance_reality()
    {
        using var dir = new TempLog();
        using var log = WriteAheadLog.Open(dir.Path);
        var before = log.RealityHead;
        log.AppendAsync(TempLog.Entry(1, IntentPhase.Provisional)).Wait();
        log.AppendAsync(TempLog.Entry(1, IntentPhase.RolledBack)).Wait();
        Assert.Equal(before, log.RealityHead);
        var final = log.AppendAsync(TempLog.Entry(2, IntentPhase.Final)).Result;
        var expected = Sha256.Hash(new byte[32].Concat(final.EntryHash).ToArray());
        Assert.Equal(Hex.Encode(expected), log.RealityHead);
    }

    [Fact]
    public void an_operation_that_is_not_json_is_refused_before_it_reaches_the_log()
    {
        using var dir = new TempLog();
        using var log = WriteAheadLog.Open(dir.Path);
        Assert.Throws<ArgumentException>(() => { _ = log.AppendAsync(TempLog.Entry(1) with { OperationJson = "{not json" }); });
        Assert.Equal(0UL, log.LastSequence);
    }

    [Fact]
    public async Task an_entry_over_the_record_limit_is_refused_with_its_size_and_the_log_goes_on_appending()
    {
        using var dir = new TempLog();
        using var log = WriteAheadLog.Open(dir.Path);
        var big = TempLog.Entry(1, rationale: new string('r', WriteAheadLog.MaxEntryBytes));
        Assert.True(WriteAheadLog.Encode(big).BodyBytes > WriteAheadLog.MaxEntryBytes);
        var e = Assert.Throws<WalEntryTooLargeException>(() => { _ = log.AppendAsync(big); });
        Assert.Equal(WriteAheadLog.MaxEntryBytes, e.Limit);
        Assert.Null(log.Failure); // a refusal, not the log's failure
        var next = await log.AppendAsync(TempLog.Entry(2));
        Assert.Equal(1UL, next.Sequence);
        Assert.Single(WriteAheadLog.ReadAll(dir.Path, out _));
    }

    [Fact]
    public void a_directory_path_holding_a_nul_is_refused_not_cut_short()
    {
        // The C string would end at the NUL: the fsync would land on the directory before it.
        using var dir = new TempLog();
        var e = Assert.Throws<ArgumentException>(() => VibeSync.Wal.Storage.DirectorySync.Fsync(dir.Path + "\0/elsewhere"));
        Assert.Contains("NUL", e.Message);
    }
}
