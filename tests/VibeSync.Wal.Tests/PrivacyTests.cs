namespace VibeSync.Wal.Tests;

/// <summary>The log holds every intent, rationales included: its files are its owner's only (issue #16).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PrivacyTests
{
    private static readonly UnixFileMode OwnerFile = (UnixFileMode)Convert.ToInt32("600", 8);
    private static readonly UnixFileMode OwnerDirectory = (UnixFileMode)Convert.ToInt32("700", 8);

    [Fact]
    public async Task segments_and_checkpoints_are_0600_in_directories_of_0700()
    {
        using var dir = new TempLog();
        var wal = Path.Combine(dir.Path, "wal");
        using (var log = WriteAheadLog.Open(wal, new WalOptions { SegmentSize = 4096 }))
        {
            TempLog.AppendEach(log, Enumerable.Range(1, 40).Select(i => TempLog.Entry((ulong)i)));
            await log.WriteCheckpointAsync(40, new byte[] { 7 });
        }
        var segments = Directory.GetFiles(wal, "*.wal");
        Assert.True(segments.Length > 1, "the test wants several segments (rolls)");
        foreach (var f in segments.Concat(Directory.GetFiles(Path.Combine(wal, "checkpoints"))))
            Assert.True(File.GetUnixFileMode(f) == OwnerFile, $"{f}: {Convert.ToString((int)File.GetUnixFileMode(f), 8)}");
        Assert.Equal(OwnerDirectory, File.GetUnixFileMode(wal));
        Assert.Equal(OwnerDirectory, File.GetUnixFileMode(Path.Combine(wal, "checkpoints")));
    }

    [Fact]
    public void opening_a_log_whose_directory_others_may_read_closes_it()
    {
        using var dir = new TempLog();
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        using (WriteAheadLog.Open(dir.Path)) { }
        Assert.Equal(OwnerDirectory, File.GetUnixFileMode(dir.Path));
    }
}
