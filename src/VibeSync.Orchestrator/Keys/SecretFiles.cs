using System.Security.Cryptography;
using VibeSync.Protocol.Hashing;

namespace VibeSync.Orchestrator.Keys;

/// <summary>
/// The data directory's secrets, each 32 random bytes written as 64 hex digits (line 1; an engine
/// key file may say more on later lines, <see cref="Protocol.Link.KeyFile"/>) in a file only
/// its owner may read (0600): one bootstrap key per engine instance (<c>keys/blender.key</c>,
/// <c>keys/unity.key</c>, <c>keys/blender.bob.key</c>: <see cref="EngineKeys"/>), the control API's token (<c>keys/control.token</c>, a human's) and the AI
/// credential (<c>keys/ai.token</c>). Created on first start, read afterwards; a file readable by
/// others, a file or <c>keys</c> directory owned by another user, and a symbolic link in their place
/// are refused rather than used.
/// </summary>
public static class SecretFiles
{
    /// <summary>The file of an engine instance's bootstrap key: <c>keys/KIND.key</c> or <c>keys/KIND.NAME.key</c>.</summary>
    /// <exception cref="FormatException">Not an engine instance name.</exception>
    public static string EngineKeyPath(string dataDir, string engine) =>
        Path.Combine(dataDir, "keys", Protocol.Link.EngineInstance.Parse(engine).KeyFileName);

    /// <summary>The control API token's file.</summary>
    public static string ControlTokenPath(string dataDir) => Path.Combine(dataDir, "keys", "control.token");

    /// <summary>
    /// The AI credential's file (<c>keys/ai.token</c>): what <c>vibesync mcp</c> holds. The control
    /// API accepts it only for AI actors, on the routes an agent may use.
    /// </summary>
    public static string AiTokenPath(string dataDir) => Path.Combine(dataDir, "keys", "ai.token");

    /// <summary>Reads the secret at <paramref name="path"/>, creating it (0600) first if it is absent.</summary>
    /// <exception cref="InvalidDataException">
    /// The file is not 64 hex digits, others may read it, or it or its directory is a symbolic link
    /// or owned by another user.
    /// </exception>
    public static byte[] LoadOrCreate(string path)
    {
        var dir = Path.GetDirectoryName(path)!;
        CheckOwnedByUs(dir, directory: true); // before anything is created or chmod-ed through it
        Data.PrivateFiles.EnsureDirectory(dir);
        if (CheckOwnedByUs(path, directory: false) == Data.Posix.Kind.Missing) // a dangling link is refused, never written through
        {
            var secret = RandomNumberGenerator.GetBytes(32);
            if (Data.PrivateFiles.CreateNew(path, Hex.Encode(secret) + "\n")) return secret;
            // created meanwhile by another start: read it
        }
        return Load(path);
    }

    /// <summary>Reads an existing secret.</summary>
    /// <exception cref="InvalidDataException">
    /// Not 64 hex digits, readable by group or others, or it or its directory is a symbolic link or
    /// owned by another user (who could have written a key of their choosing).
    /// </exception>
    public static byte[] Load(string path) => LoadKeyFile(path).Key;

    /// <summary>
    /// Reads an existing key file whole: line 1 the key, then the optional <c>name value</c> lines
    /// (docs/protocol.md §11.11; <see cref="Protocol.Link.KeyFile"/>), after the same checks as <see cref="Load"/>.
    /// </summary>
    public static Protocol.Link.KeyFile LoadKeyFile(string path)
    {
        CheckOwnedByUs(Path.GetDirectoryName(path)!, directory: true);
        CheckOwnedByUs(path, directory: false);
        CheckPrivate(path);
        return Protocol.Link.KeyFile.Read(path);
    }

    /// <summary>Refuses a secret file its group or others may read or write.</summary>
    internal static void CheckPrivate(string path)
    {
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            throw new InvalidDataException($"{path} may be read by others (mode {Convert.ToString((int)File.GetUnixFileMode(path), 8)}); make it 0600 (chmod 600) or delete it to have a new one made");
    }

    /// <summary>
    /// Refuses a key file or key directory that is a symbolic link, is not what it should be, or is
    /// owned by anyone but this process's user: a link could point the keys anywhere, and another
    /// user's file may hold a key they chose. A missing path passes (it is created 0600/0700).
    /// </summary>
    internal static Data.Posix.Kind CheckOwnedByUs(string path, bool directory)
    {
        if (OperatingSystem.IsWindows()) return File.Exists(path) || Directory.Exists(path) ? Data.Posix.Kind.Other : Data.Posix.Kind.Missing;
        var what = directory ? "key directory" : "key file";
        var (kind, owner) = Stat(path, directory);
        switch (kind)
        {
            case Data.Posix.Kind.Missing:
                return kind;
            case Data.Posix.Kind.SymbolicLink:
                throw new InvalidDataException($"the {what} {path} is a symbolic link (to {new FileInfo(path).LinkTarget}): refusing to read or write keys through it; " +
                    "keys live in the data directory itself (remove the link and start serve to have new keys made)");
            case var k when k != (directory ? Data.Posix.Kind.Directory : Data.Posix.Kind.File):
                throw new InvalidDataException($"the {what} {path} is not a {(directory ? "directory" : "regular file")}: refusing it");
        }
        uint me = Data.Posix.geteuid();
        if (owner is { } o && o != me)
            throw new InvalidDataException($"the {what} {path} is owned by uid {o}, not by this user (uid {me}): another user could have written a key of their choosing; " +
                "refusing it (chown it to yourself if it is yours, or delete it to have a new one made)");
        return kind;
    }

    /// <summary>What <paramref name="path"/> is, not following a link, and its owner where the platform tells it (Linux).</summary>
    private static (Data.Posix.Kind Kind, uint? Owner) Stat(string path, bool directory)
    {
        if (Data.Posix.IsLinux)
        {
            var (kind, owner) = Data.Posix.Lstat(path);
            return (kind, owner);
        }
        FileSystemInfo info = directory ? new DirectoryInfo(path) : new FileInfo(path);
        if (info.LinkTarget != null) return (Data.Posix.Kind.SymbolicLink, null);
        if (info.Exists) return (directory ? Data.Posix.Kind.Directory : Data.Posix.Kind.File, null);
        return (File.Exists(path) || Directory.Exists(path) ? Data.Posix.Kind.Other : Data.Posix.Kind.Missing, null);
    }
}
