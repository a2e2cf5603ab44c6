using System.Text.Json;
using VibeSync.Orchestrator.Control;

namespace VibeSync.Cli.Chaos;

/// <summary>The parts of <c>vibesync status --json</c> the soak reads.</summary>
internal static class StatusView
{
    public static string Phase(JsonElement status, string engine) => ControlApiClient.Phase(status, engine);

    public static bool BothLive(JsonElement status) => Phase(status, ChaosStage.Blender) == "live" && Phase(status, ChaosStage.Unity) == "live";

    public static bool AnySyncing(JsonElement status) =>
        status.GetProperty("sync").GetProperty("engines").EnumerateArray().Any(e => e.GetProperty("phase").GetString() == "syncing");

    public static int Pid(JsonElement status) => status.GetProperty("pid").GetInt32();

    /// <summary>The engine's current link session id, or null when it is not connected.</summary>
    public static string? SessionId(JsonElement status, string engine)
    {
        foreach (var e in status.GetProperty("link").GetProperty("engines").EnumerateArray())
            if (e.GetProperty("engine").GetString() == engine)
                return e.TryGetProperty("session", out var s) && s.ValueKind == JsonValueKind.Object ? s.GetProperty("session_id").GetString() : null;
        return null;
    }

    public static IReadOnlyList<ulong> Pending(JsonElement status) =>
        status.GetProperty("sync").GetProperty("pending").EnumerateArray().Select(p => p.GetUInt64()).ToList();

    public static string? SafeMode(JsonElement status) =>
        status.GetProperty("sync").GetProperty("safe_mode") is { ValueKind: JsonValueKind.String } s ? s.GetString() : null;

    public static IReadOnlyList<string> Panics(JsonElement status) =>
        status.GetProperty("panics").EnumerateArray().Select(p => $"{p.GetProperty("engine").GetString()}: {p.GetProperty("code").GetString()} {p.GetProperty("reason").GetString()}").ToList();

    public static long JunkDropped(JsonElement status) => status.GetProperty("link").GetProperty("junk_dropped").GetInt64();

    /// <summary>Each engine's phase and reason, on one line, for evidence.</summary>
    public static string Engines(JsonElement status) => string.Join("; ", status.GetProperty("sync").GetProperty("engines").EnumerateArray()
        .Select(e => $"{e.GetProperty("engine").GetString()} {e.GetProperty("phase").GetString()}" + (e.GetProperty("reason").GetString() is { Length: > 0 } r ? $" ({r})" : "")));
}
