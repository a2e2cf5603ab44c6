using System.Runtime.InteropServices;

namespace VibeSync.Orchestrator.Data;

/// <summary>
/// The few libc calls .NET does not expose: flock on a descriptor .NET does not manage (its own
/// FileShare emulation takes flock too, and would refuse even a read of the holder's pid), the
/// effective uid, and a file's owner and type without following a symbolic link (statx, whose
/// layout is the same on every Linux architecture).
/// </summary>
internal static class Posix
{
    public static bool IsLinux => OperatingSystem.IsLinux();
    public static bool IsUnix => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS();

    public const int O_RDONLY = 0, O_RDWR = 2;
    public static int O_CREAT => OperatingSystem.IsMacOS() ? 0x200 : 0x40;
    public static int O_CLOEXEC => OperatingSystem.IsMacOS() ? 0x1000000 : 0x80000;
    public static int O_NOFOLLOW => OperatingSystem.IsMacOS() ? 0x100 : 0x20000;
    public const int LOCK_EX = 2, LOCK_NB = 4;
    public const int EWOULDBLOCK_LINUX = 11, EWOULDBLOCK_MAC = 35;

    /// <summary>open(2) of a path; a path holding a NUL is refused (the call would read it cut short, as another path).</summary>
    public static int Open(string path, int flags, int mode) => open(NoNul(path), flags, mode);

    /// <summary><paramref name="path"/>, checked to hold no NUL before it becomes a C string.</summary>
    /// <exception cref="ArgumentException">It holds one.</exception>
    public static string NoNul(string path) =>
        path.Contains('\0') ? throw new ArgumentException($"the path \"{path.Replace("\0", "\\0")}\" holds a NUL character: refused, never cut", nameof(path)) : path;

    [DllImport("libc", SetLastError = true)] private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);
    [DllImport("libc", SetLastError = true)] public static extern int close(int fd);
    [DllImport("libc", SetLastError = true)] public static extern int flock(int fd, int operation);
    [DllImport("libc", SetLastError = true)] public static extern int ftruncate(int fd, long length);
    [DllImport("libc", SetLastError = true)] public static extern nint pwrite(int fd, byte[] buffer, nint count, long offset);
    [DllImport("libc", SetLastError = true)] public static extern nint pread(int fd, byte[] buffer, nint count, long offset);
    [DllImport("libc")] public static extern uint geteuid();
    [DllImport("libc", SetLastError = true)] private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    public static int Errno => Marshal.GetLastPInvokeError();

    public static bool WouldBlock(int errno) => errno == (OperatingSystem.IsMacOS() ? EWOULDBLOCK_MAC : EWOULDBLOCK_LINUX);

    /// <summary>What a path is, itself (a symbolic link is not followed).</summary>
    public enum Kind { Missing, File, Directory, SymbolicLink, Other }

    /// <summary>The owner and kind of <paramref name="path"/> without following a symbolic link; Linux only.</summary>
    /// <exception cref="IOException">statx failed for another reason than a missing path.</exception>
    public static (Kind Kind, uint Owner) Lstat(string path)
    {
        const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, ENOENT = 2;
        const uint STATX_TYPE = 0x1, STATX_UID = 0x8;
        var buffer = new byte[256]; // struct statx: stx_uid at 20, stx_mode (u16) at 28
        if (statx(AT_FDCWD, NoNul(path), AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_UID, buffer) != 0)
        {
            int errno = Errno;
            if (errno == ENOENT) return (Kind.Missing, 0);
            throw new IOException($"cannot stat {path} (errno {errno})");
        }
        uint owner = BitConverter.ToUInt32(buffer, 20);
        int type = BitConverter.ToUInt16(buffer, 28) & 0xF000;
        return (type switch { 0x8000 => Kind.File, 0x4000 => Kind.Directory, 0xA000 => Kind.SymbolicLink, _ => Kind.Other }, owner);
    }
}
