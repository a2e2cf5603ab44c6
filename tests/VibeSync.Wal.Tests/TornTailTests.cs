namespace VibeSync.Wal.Tests;

/// <summary>A crash mid-write leaves part of the last record on disk; recovery cuts it, and only it.</summary>
public sealed class TornTailTests
{
    private static (TempLog dir, long lastOffset, long end, List<WalAppendResult> acked) LogOfFive()
    {
        var dir = new TempLog();
        List<WalAppendResult> acked;
        using (var log = WriteAheadLog.Open(dir.Path, new WalOptions { SegmentSize = 64 * 1024 }))
            acked = TempLog.AppendEach(log, Enumerable.Range(1, 5).Select(i => TempLog.Entry((ulong)i)));
        var records = WriteAheadLog.ReadAll(dir.Path, out var scan);
        return (dir, records[^1].Offset, scan.WriteOffset, acked);
    }

    [Fact]
    public void when_the_file_ends_at_any_byte_of_the_last_record_the_earlier_records_survive()
    {
        var (dir, lastOffset, end, _) = LogOfFive();
        using var cleanup = dir;
        var original = File.ReadAllBytes(dir.Segment(1));
        long unpadded = lastOffset + 8 + BitConverter.ToUInt32(original, (int)lastOffset); // the padding after it is not needed
        for (long cut = lastOffset; cut < end; cut++)
        {
            ulong survivors = cut >= unpadded ? 5UL : 4UL;
            foreach (var extra in Directory.GetFiles(dir.Path, "*.wal").Where(f => f != dir.Segment(1))) File.Delete(extra);
            File.WriteAllBytes(dir.Segment(1), original.AsSpan(0, (int)cut).ToArray());
            var verify = WriteAheadLog.Verify(dir.Path);
            Assert.True(verify.Corruption is null, $"cut at {cut}: {verify.Corruption}");
            Assert.Equal(survivors, verify.LastSequence);
            using (var log = WriteAheadLog.Open(dir.Path, new WalOptions { SegmentSize = 64 * 1024 }))
            {
                Assert.Equal(survivors, log.Recovery.LastSequence);
                Assert.Equal(survivors + 1, log.AppendAsync(TempLog.Entry(6)).Result.Sequence);
            }
            var after = WriteAheadLog.Verify(dir.Path);
            Assert.Null(after.Corruption);
            Assert.Null(after.Torn);
            Assert.Equal(survivors + 1, after.LastSequence);
        }
    }

    [Fact]
    public void when_the_tail_is_zero_filled_inside_the_last_record_it_is_a_torn_tail()
    {
        var (dir, lastOffset, end, _) = LogOfFive();
        using var cleanup = dir;
        var bytes = File.ReadAllBytes(dir.Segment(1));
        for (long i = lastOffset + 40; i < end; i++) bytes[i] = 0; // the record's later sectors never reached the disk
        File.WriteAllBytes(dir.Segment(1), bytes);
        var verify = WriteAheadLog.Verify(dir.Path);
        Assert.Null(verify.Corruption);
        Assert.NotNull(verify.Torn);
        Assert.Equal(lastOffset, verify.Torn!.Offset);
        Assert.Equal(4UL, verify.LastSequence);
    }

    [Fact]
    public void when_a_sector_inside_the_last_record_is_zeroed_it_is_a_torn_tail()
    {
        var dir = new TempLog();
        using var cleanup = dir;
        using (var log = WriteAheadLog.Open(dir.Path, new WalOptions { SegmentSize = 64 * 1024 }))
        {
            TempLog.AppendEach(log, Enumerable.Range(1, 3).Select(i => TempLog.Entry((ulong)i)));
            log.AppendAsync(TempLog.Entry(4, rationale: new string('r', 1500))).Wait(); // spans several sectors
        }
        var records = WriteAheadLog.ReadAll(dir.Path, out _);
        long start = records[^1].Offset;
        long sector = (start / 512 + 1) * 512; // first whole sector inside the record
        var bytes = File.ReadAllBytes(dir.Segment(1));
        Array.Clear(bytes, (int)sector, 512);
        File.WriteAllBytes(dir.Segment(1), bytes);

        var verify = WriteAheadLog.Verify(dir.Path);
        Assert.Null(verify.Corruption);
        Assert.Equal(start, verify.Torn!.Offset);
        using var reopened = WriteAheadLog.Open(dir.Path, new WalOptions { SegmentSize = 64 * 1024 });
        Assert.Equal(3UL, reopened.Recovery.LastSequence);
        Assert.Equal(start, reopened.Recovery.TruncatedTail!.Offset);
    }

    [Fact]
    public void torn_records_of_the_same_unacknowledged_write_are_cut_together()
    {
        // One write carried records 3..6; the crash persisted 5 and 6 but not 3's first sector.
        var dir = new TempLog();
        using var cleanup = dir;
        var fs = new FaultyFileSystem();
        using (var log = WriteAheadLog.Open(dir.Path, new WalOptions { SegmentSize = 64 * 1024, FileSystem = fs }))
        {
            log.AppendAsync(TempLog.Entry(1)).Wait();
            var inFlush = new ManualResetEventSlim();
            var release = new ManualResetEventSlim();
            int armed = fs.Flushes + 1;
            fs.FailFlush = n => { if (n == armed) { inFlush.Set(); release.Wait(); } return null; };
            var second = log.AppendAsync(TempLog.Entry(2));
            Assert.True(inFlush.Wait(5000));                 // the writer is inside record 2's fsync
            var queued = Enumerable.Range(3, 4).Select(i => log.AppendAsync(TempLog.Entry((ulong)i))).ToArray();
            release.Set();                                   // 3..6 now go out in one write
            Task.WaitAll(queued.Append(second).ToArray());
        }
        var records = WriteAheadLog.ReadAll(dir.Path, out _);
        var third = records[2];
        Assert.All(records.Skip(2), r => Assert.Equal(third.Sequence, r.BatchStart));
        var bytes = File.ReadAllBytes(dir.Segment(1));
        Array.Clear(bytes, (int)third.Offset, 16);
        File.WriteAllBytes(dir.Segment(1), bytes);
        var verify = WriteAheadLog.Verify(dir.Path);
        Assert.Null(verify.Corruption);
        Assert.Equal(2UL, verify.LastSequence);
    }
}
