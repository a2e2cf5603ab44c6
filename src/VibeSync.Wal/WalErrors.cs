using VibeSync.Wal.Recovery;

namespace VibeSync.Wal;

/// <summary>The log is corrupt where it must not be; it refuses to open rather than lose anything.</summary>
public sealed class WalCorruptException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WalCorruptException(WalCorruption corruption) : base($"write-ahead log is corrupt at {corruption}") { Corruption = corruption; }

    /// <summary>Segment, offset and reason.</summary>
    public WalCorruption Corruption { get; }
}

/// <summary>
/// A write or fsync failed earlier. The log is fail-stop: after an fsync error the kernel may have
/// dropped the dirty pages and a later fsync may falsely succeed, so no further append is accepted.
/// </summary>
public sealed class WalFailedException : IOException
{
    /// <summary>Creates the exception.</summary>
    public WalFailedException(string message, Exception? cause) : base(message, cause) { }
}

/// <summary>
/// An entry too large for one record: nothing was appended, and the log goes on. A caller that
/// accepts content from outside checks its size first (<see cref="WriteAheadLog.Encode"/>).
/// </summary>
public sealed class WalEntryTooLargeException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public WalEntryTooLargeException(int bytes, int limit)
        : base($"an entry of {bytes:N0} bytes is over the write-ahead log's record limit of {limit:N0} bytes", "entry")
    {
        Bytes = bytes;
        Limit = limit;
    }

    /// <summary>The entry's body, in bytes.</summary>
    public int Bytes { get; }

    /// <summary>The most a body may take.</summary>
    public int Limit { get; }
}
