using System.Runtime.InteropServices;

namespace VibeSync.Wal.Storage;

/// <summary>
/// fsync of a directory: a created, renamed or removed entry survives a crash only once its
/// directory is synced. One place for the WAL, the blob store and every other durable file.
/// </summary>
public static class DirectorySync
{
    /// <summary>Syncs <paramref name="directory"/> (a no-op where the OS has no directory fsync).</summary>
    /// <exception cref="IOException">The directory cannot be opened or synced.</exception>
    public static void Fsync(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return; // Windows has no directory fsync
        // A NUL would cut the C string: the fsync would land on another directory than this one.
        if (directory.Contains('\0')) throw new ArgumentException($"the directory \"{directory.Replace("\0", "\\0")}\" holds a NUL character: refused, never cut", nameof(directory));
        int fd = Native.open(directory, Native.O_RDONLY | Native.O_DIRECTORY);
        if (fd < 0) throw new IOException($"cannot open directory {directory} to fsync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Native.fsync(fd) != 0) throw new IOException($"fsync of directory {directory} failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            Native.close(fd);
        }
    }

    private static class Native
    {
        public const int O_RDONLY = 0;
        public static readonly int O_DIRECTORY = OperatingSystem.IsMacOS() ? 0x100000 : 0x10000;

        [DllImport("libc", SetLastError = true)] public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
        [DllImport("libc", SetLastError = true)] public static extern int fsync(int fd);
        [DllImport("libc", SetLastError = true)] public static extern int close(int fd);
    }
}
