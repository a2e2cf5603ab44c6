using System.Diagnostics;

namespace VibeSync.Wal.Tests;

/// <summary>I/O errors: the log stops, says why, and loses nothing it acknowledged.</summary>
public sealed class FailureTests
{
    [Fact]
    public async Task when_fsync_fails_the_log_stops_for_good_even_if_fsync_would_work_again()
    {
        using var dir = new TempLog();
        var fs = new FaultyFileSystem();
        using var log = WriteAheadLog.Open(dir.Path, new WalOptions { FileSystem = fs });
        await log.AppendAsync(TempLog.Entry(1));
        int failing = fs.Flushes + 1;
        fs.FailFlush = n => n == failing ? new IOException("Input/output error (EIO)") : null;

        var failed = await Assert.ThrowsAsync<WalFailedException>(() => log.AppendAsync(TempLog.Entry(2)));
        Assert.Contains("EIO", failed.Message);
        var refused = Assert.Throws<WalFailedException>(() => { _ = log.AppendAsync(TempLog.Entry(3)); });
        Assert.Contains("stopped", refused.Message);
        Assert.NotNull(log.Failure);
        Assert.Equal(1UL, log.LastSequence);
    }

    [Fact]
    public async Task when_the_disk_is_full_during_an_append_it_fails_cleanly_and_keeps_what_was_acknowledged()
    {
        using var dir = new TempLog();
        var fs = new FaultyFileSystem();
        using (var log = WriteAheadLog.Open(dir.Path, new WalOptions { FileSystem = fs }))
        {
            await log.AppendAsync(TempLog.Entry(1));
            await log.AppendAsync(TempLog.Entry(2));
            fs.FailWrite = _ => FaultyFileSystem.NoSpace();
            var e = await Assert.ThrowsAsync<WalFailedException>(() => log.AppendAsync(TempLog.Entry(3)));
            Assert.Contains("No space left", e.Message);
        }
        using var reopened = WriteAheadLog.Open(dir.Path);
        Assert.Equal(2UL, reopened.Recovery.LastSequence);
    }

    [Fact]
    public async Task when_preallocating_the_next_segment_fails_the_append_fails_and_nothing_is_half_created()
    {
        using var dir = new TempLog();
        var fs = new FaultyFileSystem();
        var options = new WalOptions { FileSystem = fs, SegmentSize = 4096 };
        ulong acked = 0;
        using (var log = WriteAheadLog.Open(dir.Path, options))
        {
            fs.FailPreallocate = path => path.Contains("0000000002") ? FaultyFileSystem.NoSpace() : null;
            try
            {
                for (ulong i = 1; i < 100; i++) acked = (await log.AppendAsync(TempLog.Entry(i))).Sequence;
                Assert.Fail("the segment never rolled");
            }
            catch (WalFailedException e)
            {
                Assert.Contains("preallocate", e.Message);
            }
        }
        Assert.False(File.Exists(dir.Segment(2)));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
        using var reopened = WriteAheadLog.Open(dir.Path, new WalOptions { SegmentSize = 4096 });
        Assert.Equal(acked, reopened.Recovery.LastSequence);
    }

    [Fact]
    public async Task on_a_real_full_file_system_appends_stop_at_the_roll_and_every_acknowledged_one_survives()
    {
        // A real size-limited tmpfs. Mounting needs root, which the test machines and CI have.
        if (Environment.UserName != "root")
            throw new InvalidOperationException("this test mounts a 1 MiB tmpfs and must run as root");
        var mount = Path.Combine(Path.GetTempPath(), "vibesync-full-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(mount);
        Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount);
        try
        {
            var options = new WalOptions { SegmentSize = 256 * 1024 };
            ulong acked = 0;
            using (var log = WriteAheadLog.Open(mount, options))
            {
                var e = await Assert.ThrowsAsync<WalFailedException>(async () =>
                {
                    for (ulong i = 1; i < 100_000; i++) acked = (await log.AppendAsync(TempLog.Entry(i))).Sequence;
                });
                Assert.Contains("preallocate", e.Message);
            }
            Assert.True(acked > 1000, $"only {acked} appends fit");
            var scan = WriteAheadLog.Verify(mount);
            Assert.Null(scan.Corruption);
            Assert.Equal(acked, scan.LastSequence);
        }
        finally
        {
            Run("umount", mount);
            Directory.Delete(mount);
        }
    }

    private static void Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {p.StandardError.ReadToEnd()}");
    }
}
