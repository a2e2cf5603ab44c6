namespace VibeSync.Orchestrator.Data;

/// <summary>
/// Files of a data directory only their owner may read (issue #16: the WAL and snapshots were
/// world-readable): data files are created 0600 and directories 0700. A directory that exists
/// already is tightened, which also covers files an earlier version left 0644 inside it.
/// </summary>
public static class PrivateFiles
{
    /// <summary>rw------- : a data file.</summary>
    public const UnixFileMode File = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>rwx------ : a directory.</summary>
    public const UnixFileMode Directory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="path"/> (and missing parents) 0700, or tightens it to 0700 if it exists.</summary>
    public static void EnsureDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) { System.IO.Directory.CreateDirectory(path); return; }
        if (!System.IO.Directory.Exists(path)) System.IO.Directory.CreateDirectory(path, Directory);
        else if (System.IO.File.GetUnixFileMode(path) != Directory) System.IO.File.SetUnixFileMode(path, Directory);
    }

    /// <summary>Makes an existing file 0600 (a file an earlier version wrote with the default umask); a missing one is left missing.</summary>
    public static void Tighten(string path)
    {
        if (!OperatingSystem.IsWindows() && System.IO.File.Exists(path) && (System.IO.File.GetUnixFileMode(path) & ~File) != 0)
            System.IO.File.SetUnixFileMode(path, File);
    }

    /// <summary>Options that create a file 0600.</summary>
    public static FileStreamOptions Create(FileMode mode)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = File;
        return options;
    }

    /// <summary>Replaces <paramref name="path"/> atomically: a fresh 0600 temp file, written, fsynced and renamed over it.</summary>
    public static void WriteAtomic(string path, Action<Stream> write)
    {
        var temp = path + ".tmp";
        System.IO.File.Delete(temp); // a leftover keeps its old mode: create afresh
        using (var file = new FileStream(temp, Create(FileMode.CreateNew)))
        {
            write(file);
            file.Flush(flushToDisk: true);
        }
        System.IO.File.Move(temp, path, overwrite: true);
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8) to a file 0600, replacing it.</summary>
    public static void WriteText(string path, string text) =>
        WriteAtomic(path, s => s.Write(System.Text.Encoding.UTF8.GetBytes(text)));

    /// <summary>Writes <paramref name="text"/> (UTF-8) to <paramref name="path"/>, created 0600, without an fsync of its own (git's commit makes snapshot files durable).</summary>
    public static void Write(string path, string text)
    {
        using var file = new FileStream(path, Create(FileMode.Create));
        file.Write(System.Text.Encoding.UTF8.GetBytes(text));
    }

    /// <summary>
    /// Creates <paramref name="path"/> 0600 with <paramref name="text"/> unless it exists; false when
    /// it did. Written whole under another name first, then linked in: a process starting at the same
    /// moment (a second serve) reads either nothing or the whole file, never half of it.
    /// </summary>
    public static bool CreateNew(string path, string text)
    {
        var temp = $"{path}.{Environment.ProcessId}.tmp";
        System.IO.File.Delete(temp);
        using (var file = new FileStream(temp, Create(FileMode.CreateNew)))
        {
            file.Write(System.Text.Encoding.UTF8.GetBytes(text));
            file.Flush(flushToDisk: true);
        }
        try
        {
            System.IO.File.Move(temp, path, overwrite: false);
            return true;
        }
        catch (IOException) when (System.IO.File.Exists(path))
        {
            System.IO.File.Delete(temp);
            return false;
        }
    }
}
