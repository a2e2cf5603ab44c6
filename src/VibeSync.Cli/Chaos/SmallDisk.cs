using System.Diagnostics;

namespace VibeSync.Cli.Chaos;

/// <summary>
/// serve's data directory on a small tmpfs of its own, so the disk can really fill up under it:
/// a filler file takes every free byte, is held, and is deleted. Mounting needs root (CI runs as
/// root); without it the full-disk fault is skipped and the summary says so.
/// </summary>
internal sealed class SmallDisk
{
    private const string FillerName = "chaos-filler";
    private readonly string _mount;

    private SmallDisk(string mount, int megabytes)
    {
        _mount = mount;
        Megabytes = megabytes;
    }

    public int Megabytes { get; }

    public bool IsFull { get; private set; }

    /// <summary>Mounts a tmpfs of <paramref name="megabytes"/> MiB on the empty directory <paramref name="mount"/>; null and the reason when it cannot.</summary>
    public static (SmallDisk? Disk, string? WhyNot) Mount(string mount, int megabytes)
    {
        if (!OperatingSystem.IsLinux()) return (null, "the full-disk fault needs Linux (a tmpfs)");
        if (!Environment.IsPrivilegedProcess) return (null, "not root: mounting a tmpfs for the full-disk fault needs root, so that fault is skipped");
        Directory.CreateDirectory(mount);
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m,mode=0700", "tmpfs", mount);
        return code == 0 ? (new SmallDisk(mount, megabytes), null) : (null, $"mount -t tmpfs failed ({code}): {output.Trim()}");
    }

    /// <summary>Unmounts a tmpfs an interrupted soak left on <paramref name="mount"/>; the failure, or null.</summary>
    public static string? UnmountLeftover(string mount)
    {
        string full = Path.GetFullPath(mount).TrimEnd('/');
        bool mounted = File.Exists("/proc/mounts") && File.ReadLines("/proc/mounts").Any(l => l.Split(' ') is { Length: > 1 } f && f[1] == full);
        if (!mounted) return null;
        var (code, output) = Run("umount", full);
        return code == 0 ? null : $"{full} is still mounted and umount failed ({code}): {output.Trim()}";
    }

    /// <summary>Writes a filler file until the device refuses another byte; returns how many it took.</summary>
    public long Fill()
    {
        long written = 0;
        var path = Path.Combine(_mount, FillerName);
        using (var filler = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0))
        {
            foreach (int chunk in new[] { 1 << 20, 4096, 1 })
            {
                var bytes = new byte[chunk];
                try
                {
                    while (true)
                    {
                        filler.Write(bytes);
                        written += chunk;
                    }
                }
                catch (IOException) { } // ENOSPC: on to smaller writes, to the last byte
            }
        }
        IsFull = true;
        return written;
    }

    public void Free()
    {
        File.Delete(Path.Combine(_mount, FillerName));
        IsFull = false;
    }

    /// <summary>Unmounts; with <paramref name="keep"/> what was on it is copied to the directory underneath first.</summary>
    public string? Unmount(bool keep)
    {
        if (IsFull) Free();
        string? copy = null;
        if (keep)
        {
            copy = _mount.TrimEnd('/') + ".kept";
            var (c, o) = Run("cp", "-a", _mount + "/.", copy);
            if (c != 0) return $"copying the data directory off the tmpfs failed: {o.Trim()}";
        }
        var (code, output) = Run("umount", _mount);
        if (code != 0) return $"umount {_mount} failed ({code}): {output.Trim()}";
        if (copy != null)
        {
            Directory.Delete(_mount);
            Directory.Move(copy, _mount);
        }
        return null;
    }

    private static (int Code, string Output) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(info)!;
            string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception e) { return (127, e.Message); }
    }
}
