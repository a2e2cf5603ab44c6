using System.Net;
using VibeSync.Protocol.Link;

namespace VibeSync.Orchestrator.Keys;

/// <summary>
/// Tells adapters where serve takes them across the LAN: the <c>tls-sha256</c> and <c>endpoint</c>
/// lines of every engine key file (<c>DIR/keys/*.key</c>, docs/protocol.md §11.11). Line 1, the key,
/// and lines of names this version does not know are kept; a file already saying the same is not
/// rewritten; a rewrite is atomic and 0600. Without <c>--listen</c> the TLS lines are removed, so
/// an adapter reading the file is never sent to an endpoint that is gone.
/// </summary>
public static class KeyFileEndpoints
{
    /// <summary>The engine key files of a data directory.</summary>
    public static IEnumerable<string> KeyFiles(string dataDir)
    {
        var dir = Path.Combine(dataDir, "keys");
        return Directory.Exists(dir) ? Directory.EnumerateFiles(dir, "*.key").Order(StringComparer.Ordinal) : Enumerable.Empty<string>();
    }

    /// <summary>
    /// Writes <paramref name="fingerprint"/> and <paramref name="endpoints"/> into every engine key
    /// file (none of either: removes them); returns the files rewritten.
    /// </summary>
    /// <exception cref="InvalidDataException">A key file that is not ours (owner, link, mode) or not a key file.</exception>
    public static IReadOnlyList<string> Write(string dataDir, byte[]? fingerprint, IReadOnlyList<LinkEndpoint> endpoints)
    {
        var written = new List<string>();
        foreach (var path in KeyFiles(dataDir))
        {
            var text = File.ReadAllText(path);
            var file = SecretFiles.LoadKeyFile(path);
            if (fingerprint == null && file.Pins.Count == 0 && file.Endpoints.Count == 0) continue; // nothing to remove: left as it is
            var wanted = file.With(fingerprint, endpoints);
            if (wanted == text) continue;
            Data.PrivateFiles.WriteText(path, wanted);
            written.Add(path);
        }
        return written;
    }

    /// <summary>
    /// The endpoint adapters are told for a bound address: the address itself, or this host's name
    /// when it is a wildcard (0.0.0.0, ::), which no remote machine can dial.
    /// </summary>
    public static LinkEndpoint For(IPEndPoint bound) =>
        new(bound.Address.Equals(IPAddress.Any) || bound.Address.Equals(IPAddress.IPv6Any) ? Dns.GetHostName() : bound.Address.ToString(), bound.Port);
}
