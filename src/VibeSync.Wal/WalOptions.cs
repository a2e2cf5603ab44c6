using VibeSync.Wal.Storage;

namespace VibeSync.Wal;

/// <summary>How a log is laid out and how it commits.</summary>
public sealed class WalOptions
{
    /// <summary>Preallocated size of each segment file; a record that does not fit rolls to a new one.</summary>
    public long SegmentSize { get; init; } = 64L * 1024 * 1024;

    /// <summary>Most bytes one write (and so one fsync) carries. Bounds latency and the size of a torn tail.</summary>
    public int MaxBatchBytes { get; init; } = 1024 * 1024;

    /// <summary>File system seam; tests inject failures here.</summary>
    internal WalFileSystem FileSystem { get; init; } = WalFileSystem.Os;

    internal void Validate()
    {
        if (SegmentSize < 4096) throw new ArgumentOutOfRangeException(nameof(SegmentSize), SegmentSize, "segments must be at least 4 KiB");
        if (MaxBatchBytes < 4096) throw new ArgumentOutOfRangeException(nameof(MaxBatchBytes), MaxBatchBytes, "a batch must allow at least 4 KiB");
    }
}
