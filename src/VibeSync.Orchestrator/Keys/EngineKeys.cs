using VibeSync.Protocol.Link;

namespace VibeSync.Orchestrator.Keys;

/// <summary>One engine instance's key file in <c>DIR/keys</c>.</summary>
/// <param name="Instance">The instance it admits.</param>
/// <param name="Path">The file.</param>
public sealed record EngineKeyFile(EngineInstance Instance, string Path);

/// <summary>
/// The engine instances of a data directory: one per bootstrap key file in <c>DIR/keys</c>
/// (<c>KIND.key</c> for a default instance, <c>KIND.NAME.key</c> for a named one, docs/team.md
/// "Engine instances"). The defaults always exist (made at serve start); named ones exist once
/// <c>vibesync keys add KIND:NAME</c> made their file. Each file is read by <see cref="SecretFiles"/>,
/// with its checks (0600, owner, no symbolic link).
/// </summary>
public static class EngineKeys
{
    /// <summary>
    /// Every instance with a key file, the defaults first (created when missing), then the named
    /// ones by name; files in <c>DIR/keys</c> that name no instance (tokens, <c>Blender.key</c>) are
    /// not keys of an engine and are left alone.
    /// </summary>
    public static IReadOnlyList<EngineKeyFile> Files(string dataDir, bool createDefaults)
    {
        var files = Engines.All.Select(kind => new EngineKeyFile(EngineInstance.Default(kind), SecretFiles.EngineKeyPath(dataDir, kind)))
            .Where(f => createDefaults || File.Exists(f.Path)).ToList();
        var dir = Path.Combine(dataDir, "keys");
        if (!Directory.Exists(dir)) return files;
        files.AddRange(Directory.EnumerateFiles(dir, "*.key")
            .Select(path => (Instance: EngineInstance.FromKeyFileName(Path.GetFileName(path)), Path: path))
            .Where(f => f.Instance is { IsDefault: false })
            .OrderBy(f => f.Instance!.ToString(), StringComparer.Ordinal)
            .Select(f => new EngineKeyFile(f.Instance!, f.Path)));
        return files;
    }

    /// <summary>Every instance's bootstrap key, by instance name, the defaults created when missing (serve start).</summary>
    /// <exception cref="InvalidDataException">A key file is not a key or may be read by others (<see cref="SecretFiles.Load"/>).</exception>
    public static Dictionary<string, byte[]> LoadAll(string dataDir) =>
        Files(dataDir, createDefaults: true).ToDictionary(f => f.Instance.ToString(), f => SecretFiles.LoadOrCreate(f.Path), StringComparer.Ordinal);

    /// <summary>
    /// Creates <paramref name="instance"/>'s key file (0600) and returns its path. An existing file
    /// is never replaced: an adapter holding it would be locked out without a word.
    /// </summary>
    /// <exception cref="IOException">The file exists already (the message says how to replace it on purpose).</exception>
    public static string Add(string dataDir, EngineInstance instance)
    {
        var path = SecretFiles.EngineKeyPath(dataDir, instance.ToString());
        if (File.Exists(path) || new FileInfo(path).LinkTarget != null)
            throw new IOException($"{instance} has a key already ({path}); it is left as it is. To give {instance} a new key, delete that file and add it again " +
                "(its adapter then needs the new file; a running serve takes it at its next start)");
        SecretFiles.LoadOrCreate(path);
        return path;
    }
}
