using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;
using static VibeSync.Protocol.Json.JsonFields;

namespace VibeSync.Link.Sessions;

/// <summary>What part 0 of a SCENE says besides its records (the other parts carry only records).</summary>
internal sealed record SceneHeader(string? File, bool Unsaved, IReadOnlyList<string> Ambiguous, IReadOnlyList<NotSyncedItem> NotSynced, IReadOnlyList<ulong> Dropped)
{
    /// <summary>Reads the optional fields of part 0; only these are kept, not the part's JSON.</summary>
    /// <exception cref="JsonFieldException">A field of the wrong shape.</exception>
    public static SceneHeader Read(JsonObject o) => new(
        o.Get("file") is { } f ? Text(f, "file") : null,
        o.Get("unsaved") is JsonBool { Value: true },
        o.Get("ambiguous") is { } a ? AsArray(a, "ambiguous").Items.Select((x, i) => Id(x, $"ambiguous[{i}]")).ToArray() : Array.Empty<string>(),
        o.Get("not_synced") is { } ns ? NotSyncedItem.ReadList(ns, "not_synced") : Array.Empty<NotSyncedItem>(),
        o.Get("dropped_intents") is { } d
            ? AsArray(d, "dropped_intents").Items.Select((x, i) => x is JsonNumber { IsInteger: true } n && n.Value >= 0 ? (ulong)n.Value : throw new JsonFieldException($"dropped_intents[{i}]", "expected an intent id")).ToArray()
            : Array.Empty<ulong>());
}

/// <summary>
/// A SCENE arriving in parts (docs/protocol.md §11.6): each part's records are read as it arrives
/// and held until the last, within bounds — at most 4,096 parts, <see cref="LinkOptions.MaxSceneBytes"/>
/// of payload, <see cref="LinkOptions.SceneTransferTimeout"/> from the first part — so an unfinished
/// transfer cannot grow the orchestrator's memory without end.
/// </summary>
internal sealed class SceneTransfer
{
    private readonly List<Protocol.State.Scene> _parts = new();

    public SceneTransfer(int expected, string root, SceneHeader header, DateTimeOffset started)
    {
        Expected = expected;
        Root = root;
        Header = header;
        Started = started;
    }

    /// <summary>Parts announced.</summary>
    public int Expected { get; }

    /// <summary>The root every part carries.</summary>
    public string Root { get; }

    /// <summary>What part 0 said besides its records.</summary>
    public SceneHeader Header { get; }

    public DateTimeOffset Started { get; }

    /// <summary>Parts received.</summary>
    public int Received => _parts.Count;

    /// <summary>Payload bytes received.</summary>
    public long Bytes { get; private set; }

    public void Add(Protocol.State.Scene records, long bytes)
    {
        _parts.Add(records);
        Bytes += bytes;
    }

    /// <summary>Every part's records as one scene.</summary>
    public Protocol.State.Scene Whole() => _parts.Aggregate(Protocol.State.Scene.Empty, (whole, part) => whole.Concat(part));
}
