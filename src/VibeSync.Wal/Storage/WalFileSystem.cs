using Microsoft.Win32.SafeHandles;

namespace VibeSync.Wal.Storage;

/// <summary>
/// The file operations the log needs, behind one seam so tests can inject the failures a real
/// disk produces (fsync errors, a full device) without a special file system.
/// </summary>
internal class WalFileSystem
{
    public static WalFileSystem Os { get; } = new();

    // The log holds every intent ever made, rationales included: its owner's only (issue #16).
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = PrivateFile | UnixFileMode.UserExecute;

    /// <summary>Creates (or replaces) a file of <paramref name="size"/> zero bytes, 0600, with its blocks reserved up front.</summary>
    public virtual SegmentFile CreatePreallocated(string path, long size)
    {
        var handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, FileOptions.None, preallocationSize: size);
        try
        {
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(handle, PrivateFile); // before a byte is written
            RandomAccess.SetLength(handle, size);
            return new SegmentFile(handle, path, this);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public virtual SegmentFile OpenExisting(string path, bool writable) =>
        new(File.OpenHandle(path, FileMode.Open, writable ? FileAccess.ReadWrite : FileAccess.Read,
            writable ? FileShare.Read : FileShare.ReadWrite | FileShare.Delete), path, this);

    /// <summary>
    /// Creates <paramref name="path"/> 0700 and returns true, or tightens an existing one to 0700
    /// (which also shields files an earlier version left 0644 in it) and returns false.
    /// </summary>
    public virtual bool EnsurePrivateDirectory(string path)
    {
        bool created = !Directory.Exists(path);
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
        else if (created) Directory.CreateDirectory(path, PrivateDirectory);
        else if (File.GetUnixFileMode(path) != PrivateDirectory) File.SetUnixFileMode(path, PrivateDirectory);
        return created;
    }

    public virtual void Write(SafeFileHandle handle, ReadOnlySpan<byte> data, long offset) => RandomAccess.Write(handle, data, offset);

    public virtual void Flush(SafeFileHandle handle) => RandomAccess.FlushToDisk(handle);

    public virtual void Rename(string from, string to) => File.Move(from, to, overwrite: false);

    public virtual void Delete(string path) => File.Delete(path);

    /// <summary>fsync on the directory, so a created or renamed entry survives a crash.</summary>
    public virtual void SyncDirectory(string directory) => DirectorySync.Fsync(directory);
}

/// <summary>An open segment file; writes and flushes go through its <see cref="WalFileSystem"/>.</summary>
internal sealed class SegmentFile : IDisposable
{
    private readonly WalFileSystem _fs;

    public SegmentFile(SafeFileHandle handle, string path, WalFileSystem fs) { Handle = handle; Path = path; _fs = fs; }

    public SafeFileHandle Handle { get; }
    public string Path { get; }
    public long Length => RandomAccess.GetLength(Handle);

    public void Write(ReadOnlySpan<byte> data, long offset) => _fs.Write(Handle, data, offset);
    public void Flush() => _fs.Flush(Handle);
    public void SetLength(long length) => RandomAccess.SetLength(Handle, length);

    public int ReadAll(byte[] buffer)
    {
        int total = 0;
        long length = Length;
        while (total < length)
        {
            int n = RandomAccess.Read(Handle, buffer.AsSpan(total, (int)(length - total)), total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    public void Dispose() => Handle.Dispose();
}
