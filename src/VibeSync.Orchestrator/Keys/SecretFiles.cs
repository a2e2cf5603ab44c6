using System.Security.Cryptography;
using VibeSync.Protocol.Hashing;

namespace VibeSync.Orchestrator.Keys;

/// <summary>
/// The data directory's secrets, each 32 random bytes written as 64 hex digits in a file only
/// its owner may read (0600): one bootstrap key per engine (<c>keys/blender.key</c>,
/// <c>keys/unity.key</c>), the control API's token (<c>keys/control.token</c>, a human's) and the AI
/// credential (<c>keys/ai.token</c>). Created on
/// first start, read afterwards; a file readable by others is refused rather than used.
/// </summary>
public static class SecretFiles
{
    /// <summary>The file of an engine's bootstrap key.</summary>
    public static string EngineKeyPath(string dataDir, string engine) => Path.Combine(dataDir, "keys", engine + ".key");

    /// <summary>The control API token's file.</summary>
    public static string ControlTokenPath(string dataDir) => Path.Combine(dataDir, "keys", "control.token");

    /// <summary>
    /// The AI credential's file (<c>keys/ai.token</c>): what <c>vibesync mcp</c> holds. The control
    /// API accepts it only for AI actors, on the routes an agent may use.
    /// </summary>
    public static string AiTokenPath(string dataDir) => Path.Combine(dataDir, "keys", "ai.token");

    /// <summary>Reads the secret at <paramref name="path"/>, creating it (0600) first if it is absent.</summary>
    /// <exception cref="InvalidDataException">The file is not 64 hex digits, or others may read it.</exception>
    public static byte[] LoadOrCreate(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!OperatingSystem.IsWindows() && Directory.Exists(Path.GetDirectoryName(path)))
            File.SetUnixFileMode(Path.GetDirectoryName(path)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (!File.Exists(path))
        {
            var secret = RandomNumberGenerator.GetBytes(32);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            try
            {
                using var file = new FileStream(path, options);
                using var writer = new StreamWriter(file);
                writer.Write(Hex.Encode(secret) + "\n");
                writer.Flush();
                file.Flush(flushToDisk: true);
                return secret;
            }
            catch (IOException) when (File.Exists(path)) { /* created meanwhile by another start: read it */ }
        }
        return Load(path);
    }

    /// <summary>Reads an existing secret.</summary>
    /// <exception cref="InvalidDataException">Not 64 hex digits, or readable by group or others.</exception>
    public static byte[] Load(string path)
    {
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            throw new InvalidDataException($"{path} may be read by others (mode {Convert.ToString((int)File.GetUnixFileMode(path), 8)}); make it 0600 (chmod 600) or delete it to have a new one made");
        var text = File.ReadAllText(path).Trim();
        if (text.Length != 64 || !text.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f'))
            throw new InvalidDataException($"{path} is not a key (expected 64 lowercase hex digits)");
        return Hex.Decode(text);
    }
}
