// Design rationale (issue #16 §4): serve.json said who was serving, but it is written late and can
// be removed, so two serves started together, or one after serve.json was deleted, both ran and
// both wrote the WAL. An exclusive, non-blocking flock on a file in the directory is atomic,
// belongs to the process, and is dropped by the kernel however the process ends (kill -9
// included), so a stale file can never block a restart. The file is never deleted: unlinking a
// lock file lets a third process lock a new inode while a second still holds the old one.
using System.Text;

namespace VibeSync.Orchestrator.Data;

/// <summary>
/// The one-writer lock of a data directory (<c>DIR/serve.lock</c>): taken before anything in the
/// directory is opened for writing, held for the life of the process. It holds the holder's pid,
/// which another start names in its refusal.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    /// <summary>The lock file's name in a data directory.</summary>
    public const string FileName = "serve.lock";

    private int _fd = -1;
    private FileStream? _windows;

    private DataDirectoryLock() { }

    /// <summary>Takes the lock of <paramref name="dataDir"/> (which must exist), or refuses at once.</summary>
    /// <exception cref="InvalidOperationException">Another process holds it; the message names its pid.</exception>
    /// <exception cref="IOException">The lock file cannot be created or locked.</exception>
    public static DataDirectoryLock Acquire(string dataDir)
    {
        string path = Path.Combine(dataDir, FileName);
        var held = new DataDirectoryLock();
        if (!Posix.IsUnix)
        {
            try { held._windows = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read); }
            catch (IOException) { throw Busy(dataDir, path, ReadPid(path)); }
            held._windows.SetLength(0);
            held._windows.Write(Encoding.ASCII.GetBytes(Environment.ProcessId + "\n"));
            held._windows.Flush();
            return held;
        }
        int fd = Posix.Open(path, Posix.O_RDWR | Posix.O_CREAT | Posix.O_CLOEXEC | Posix.O_NOFOLLOW, Convert.ToInt32("600", 8));
        if (fd < 0) throw new IOException($"cannot open {path} to lock the data directory (errno {Posix.Errno})");
        if (Posix.flock(fd, Posix.LOCK_EX | Posix.LOCK_NB) != 0)
        {
            int errno = Posix.Errno;
            Posix.close(fd);
            if (!Posix.WouldBlock(errno)) throw new IOException($"cannot lock {path} (errno {errno})");
            throw Busy(dataDir, path, ReadPid(path));
        }
        held._fd = fd;
        var pid = Encoding.ASCII.GetBytes(Environment.ProcessId + "\n");
        if (Posix.ftruncate(fd, 0) != 0 || Posix.pwrite(fd, pid, pid.Length, 0) != pid.Length)
        {
            held.Dispose();
            throw new IOException($"cannot write the pid into {path} (errno {Posix.Errno})");
        }
        return held;
    }

    private static InvalidOperationException Busy(string dataDir, string path, int? pid) => new(
        $"an orchestrator ({(pid is { } p ? "pid " + p : "pid not yet written")}) is already serving {Path.GetFullPath(dataDir)}: it holds {path}. " +
        "One data directory has one writer; stop that one first");

    /// <summary>The holder's pid; it writes it right after taking the lock, so a start that lost the race waits a moment for it.</summary>
    private static int? ReadPid(string path)
    {
        for (int attempt = 0; attempt < 40; attempt++)
        {
            if (TryRead(path) is { } text && int.TryParse(text.Trim(), out int pid) && pid > 0) return pid;
            Thread.Sleep(50);
        }
        return null;
    }

    private static string? TryRead(string path)
    {
        if (!Posix.IsUnix)
        {
            try
            {
                using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                return new StreamReader(f).ReadToEnd();
            }
            catch (IOException) { return null; }
        }
        // Read with a descriptor of our own: .NET's FileShare emulation would ask for a shared flock and be refused.
        int fd = Posix.Open(path, Posix.O_RDONLY | Posix.O_CLOEXEC | Posix.O_NOFOLLOW, 0);
        if (fd < 0) return null;
        try
        {
            var buffer = new byte[32];
            nint n = Posix.pread(fd, buffer, buffer.Length, 0);
            return n > 0 ? Encoding.ASCII.GetString(buffer, 0, (int)n) : null;
        }
        finally { Posix.close(fd); }
    }

    /// <summary>Releases the lock (the process's end releases it too).</summary>
    public void Dispose()
    {
        if (_fd >= 0) { Posix.close(_fd); _fd = -1; }
        _windows?.Dispose();
        _windows = null;
    }
}
