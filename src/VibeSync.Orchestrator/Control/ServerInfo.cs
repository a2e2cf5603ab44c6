using System.Text.Json;
using System.Text.Json.Serialization;

namespace VibeSync.Orchestrator.Control;

/// <summary>
/// <c>DIR/serve.json</c>: how the CLI, the headless Blender runner and the MCP server find a
/// running orchestrator. Written when it is ready, removed on a clean stop. A stale file (its
/// process gone) means the last run did not stop cleanly.
/// </summary>
public sealed record ServerInfo(
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("link_port")] int LinkPort,
    [property: JsonPropertyName("api_port")] int ApiPort,
    [property: JsonPropertyName("started_at")] DateTimeOffset StartedAt,
    [property: JsonPropertyName("protocol")] string Protocol)
{
    /// <summary>Where adapters across the LAN connect over TLS 1.3 (<c>serve --listen</c>), or null.</summary>
    [JsonPropertyName("listen")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Listen { get; init; }

    /// <summary>SHA-256 of the TLS certificate (hex), as key files pin it, or null.</summary>
    [JsonPropertyName("tls_sha256")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TlsSha256 { get; init; }

    /// <summary>Where it lives in a data directory.</summary>
    public static string PathIn(string dataDir) => System.IO.Path.Combine(dataDir, "serve.json");

    /// <summary>Reads it, or null when no server has written one.</summary>
    /// <exception cref="InvalidDataException">The file is not what a server writes.</exception>
    public static ServerInfo? Read(string dataDir)
    {
        var path = PathIn(dataDir);
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<ServerInfo>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty"); }
        catch (JsonException e) { throw new InvalidDataException($"{path} is not a server record: {e.Message}", e); }
    }

    /// <summary>Writes it atomically (write, fsync, rename), readable by its owner only.</summary>
    public void Write(string dataDir)
    {
        Data.PrivateFiles.WriteAtomic(PathIn(dataDir), file => JsonSerializer.Serialize(file, this, new JsonSerializerOptions { WriteIndented = true }));
    }
}
