namespace VibeSync.Wal.Tests;

public sealed class GroupCommitTests
{
    [Fact]
    public async Task concurrent_appends_share_fsyncs_and_all_become_durable()
    {
        using var dir = new TempLog();
        var fs = new FaultyFileSystem();
        using (var log = WriteAheadLog.Open(dir.Path, new WalOptions { FileSystem = fs }))
        {
            int before = fs.Flushes;
            var tasks = Enumerable.Range(1, 64).Select(w => Task.Run(async () =>
            {
                for (int i = 0; i < 50; i++) await log.AppendAsync(TempLog.Entry((ulong)(w * 1000 + i)));
            })).ToArray();
            await Task.WhenAll(tasks);
            int flushes = fs.Flushes - before;
            Assert.True(flushes < 64 * 50 / 2, $"{flushes} fsyncs for {64 * 50} appends: no group commit");
        }
        var records = WriteAheadLog.ReadAll(dir.Path, out var scan);
        Assert.Null(scan.Corruption);
        Assert.Equal(64 * 50, records.Count);
        Assert.Equal(64 * 50, records.Select(r => r.Entry.IntentId).Distinct().Count());
    }

    [Fact]
    public async Task an_append_is_not_acknowledged_before_its_fsync_returns()
    {
        using var dir = new TempLog();
        var release = new ManualResetEventSlim(false);
        var inFlush = new ManualResetEventSlim(false);
        var fs = new FaultyFileSystem();
        using var log = WriteAheadLog.Open(dir.Path, new WalOptions { FileSystem = fs });
        int armed = fs.Flushes + 1;
        fs.FailFlush = n =>
        {
            if (n == armed) { inFlush.Set(); release.Wait(); }
            return null;
        };
        var append = log.AppendAsync(TempLog.Entry(1));
        Assert.True(inFlush.Wait(5000));
        await Task.Delay(100);
        Assert.False(append.IsCompleted);
        release.Set();
        Assert.Equal(1UL, (await append).Sequence);
    }

    [Fact]
    public async Task a_batch_never_exceeds_the_configured_size()
    {
        using var dir = new TempLog();
        var fs = new FaultyFileSystem();
        using (var log = WriteAheadLog.Open(dir.Path, new WalOptions { FileSystem = fs, MaxBatchBytes = 4096 }))
            await Task.WhenAll(Enumerable.Range(1, 200).Select(i => log.AppendAsync(TempLog.Entry((ulong)i))));
        var records = WriteAheadLog.ReadAll(dir.Path, out _);
        foreach (var batch in records.GroupBy(r => r.BatchStart))
            Assert.True(batch.Count() <= 4096 / 300, $"batch {batch.Key} holds {batch.Count()} records of about 360 bytes");
        Assert.True(records.Select(r => r.BatchStart).Distinct().Count() > 1);
    }
}
