using Microsoft.Win32.SafeHandles;
using VibeSync.Wal.Storage;

namespace VibeSync.Wal.Tests;

/// <summary>An injected device: counts flushes, and fails writes, flushes or preallocation on demand.</summary>
internal sealed class FaultyFileSystem : WalFileSystem
{
    public int Flushes;
    public int Writes;
    public Func<int, Exception?> FailFlush = _ => null;     // argument: flush number (1-based)
    public Func<int, Exception?> FailWrite = _ => null;
    public Func<string, Exception?> FailPreallocate = _ => null;

    public static IOException NoSpace() => new("No space left on device", 28);

    public override void Write(SafeFileHandle handle, ReadOnlySpan<byte> data, long offset)
    {
        if (FailWrite(Interlocked.Increment(ref Writes)) is { } e) throw e;
        base.Write(handle, data, offset);
    }

    public override void Flush(SafeFileHandle handle)
    {
        if (FailFlush(Interlocked.Increment(ref Flushes)) is { } e) throw e;
        base.Flush(handle);
    }

    public override SegmentFile CreatePreallocated(string path, long size)
    {
        if (FailPreallocate(path) is { } e) throw e;
        return base.CreatePreallocated(path, size);
    }
}
