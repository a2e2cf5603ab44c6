namespace VibeSync.Wal.Tests;

public sealed class SegmentTests
{
    [Fact]
    public void records_roll_over_into_new_segments_and_the_chain_runs_across_them()
    {
        using var dir = new TempLog();
        using (var log = WriteAheadLog.Open(dir.Path, new WalOptions { SegmentSize = 4096 }))
            TempLog.AppendEach(log, Enumerable.Range(1, 50).Select(i => TempLog.Entry((ulong)i)));
        var records = WriteAheadLog.ReadAll(dir.Path, out var scan);
        Assert.Null(scan.Corruption);
        Assert.True(scan.Segments >= 4, $"{scan.Segments} segments");
        Assert.Equal(50, records.Count);
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (ulong)i), records.Select(r => r.Sequence));
        Assert.All(Directory.GetFiles(dir.Path, "*.wal"), f => Assert.Equal(4096, new FileInfo(f).Length));
    }

    [Fact]
    public void the_next_segment_is_preallocated_before_the_roll_needs_it_and_never_outlives_the_log()
    {
        using var dir = new TempLog();
        var fs = new FaultyFileSystem();
        var prepared = new List<string>();
        fs.FailPreallocate = path => { lock (prepared) prepared.Add(System.IO.Path.GetFileName(path)); return null; };
        using (var log = WriteAheadLog.Open(dir.Path, new WalOptions { FileSystem = fs, SegmentSize = 4096 }))
        {
            // Half of segment 1 written: segment 2's file is being made, as a temp file, before any roll.
            ulong i = 0;
            while (!File.Exists(dir.Segment(2) + ".tmp") && !File.Exists(dir.Segment(2)) && i < 6)
                log.AppendAsync(TempLog.Entry(++i)).Wait();
            SpinWait.SpinUntil(() => File.Exists(dir.Segment(2) + ".tmp"), 5000);
            Assert.False(File.Exists(dir.Segment(2)), "prepared, not yet part of the log");
            Assert.True(File.Exists(dir.Segment(2) + ".tmp"));
            TempLog.AppendEach(log, Enumerable.Range(100, 30).Select(n => TempLog.Entry((ulong)n)));
        }
        lock (prepared) Assert.Equal(prepared.Distinct().Count(), prepared.Count); // each segment's file made once: the roll took the spare
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp")); // the last spare, never sealed, went with the log
        var records = WriteAheadLog.ReadAll(dir.Path, out var scan);
        Assert.Null(scan.Corruption);
        Assert.True(scan.Segments >= 3);
        Assert.All(Directory.GetFiles(dir.Path, "*.wal"), f => Assert.Equal(4096, new FileInfo(f).Length));
    }

    [Fact]
    public void a_record_larger_than_a_segment_gets_a_segment_of_its_own()
    {
        using var dir = new TempLog();
        using (var log = WriteAheadLog.Open(dir.Path, new WalOptions { SegmentSize = 4096 }))
        {
            log.AppendAsync(TempLog.Entry(1)).Wait();
            log.AppendAsync(TempLog.Entry(2, rationale: new string('x', 10_000))).Wait();
            log.AppendAsync(TempLog.Entry(3)).Wait();
        }
        var records = WriteAheadLog.ReadAll(dir.Path, out var scan);
        Assert.Null(scan.Corruption);
        Assert.Equal(3, records.Count);
        Assert.Equal(10_000, records[1].Entry.Rationale!.Length);
    }

    [Fact]
    public void when_a_crash_interrupts_a_roll_the_half_made_segment_is_discarded()
    {
        using var dir = new TempLog();
        using (var log = WriteAheadLog.Open(dir.Path, new WalOptions { SegmentSize = 4096 }))
            TempLog.AppendEach(log, Enumerable.Range(1, 5).Select(i => TempLog.Entry((ulong)i)));
        // What a crash between preallocation and rename leaves behind:
        var leftover = Path.Combine(dir.Path, "0000000009.wal.tmp");
        File.WriteAllBytes(leftover, new byte[4096]);
        using (var log = WriteAheadLog.Open(dir.Path, new WalOptions { SegmentSize = 4096 }))
        {
            Assert.Equal(5UL, log.Recovery.LastSequence);
            log.AppendAsync(TempLog.Entry(6)).Wait();
        }
        Assert.False(File.Exists(leftover));
        Assert.Null(WriteAheadLog.Verify(dir.Path).Corruption);
    }

    [Fact]
    public void a_torn_tail_in_a_fresh_segment_after_a_roll_is_cut()
    {
        using var dir = new TempLog();
        using (var log = WriteAheadLog.Open(dir.Path, new WalOptions { SegmentSize = 4096 }))
            TempLog.AppendEach(log, Enumerable.Range(1, 30).Select(i => TempLog.Entry((ulong)i)));
        var records = WriteAheadLog.ReadAll(dir.Path, out var scan);
        var last = records[^1];
        Assert.True(last.Segment > 1);
        var path = dir.Segment(last.Segment);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes.AsSpan(0, (int)last.Offset + 20).ToArray());
        using var reopened = WriteAheadLog.Open(dir.Path, new WalOptions { SegmentSize = 4096 });
        Assert.Equal(29UL, reopened.Recovery.LastSequence);
        Assert.Equal(30UL, reopened.AppendAsync(TempLog.Entry(31)).Result.Sequence);
    }
}
