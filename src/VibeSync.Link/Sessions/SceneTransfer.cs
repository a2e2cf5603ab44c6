// Design rationale: a SCENE in parts is read and checked in full as each part arrives (a malformed
// part is refused at once), but what is kept until the last part is the part's payload bytes, not
// its records: records take about five times their JSON (a 256 MiB transfer held as records cost
// serve 1.2–1.5 GiB), so a peer that never finishes would hold five times the bound. With the last
// part the held parts are read again, in order, each part's bytes let go as its records are taken:
// a finished transfer costs a second read of its parts (CPU), never both forms of the whole scene.
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
/// A SCENE arriving in parts (docs/protocol.md §11.6), within bounds — at most 4,096 parts,
/// <see cref="LinkOptions.MaxSceneBytes"/> of payload, <see cref="LinkOptions.SceneTransferTimeout"/>
/// from the first part — so an unfinished transfer cannot grow the orchestrator's memory without end.
/// </summary>
internal sealed class SceneTransfer
{
    private readonly List<ReadOnlyMemory<byte>> _parts = new(); // each part's payload, as it arrived

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

    /// <summary>Parts received (the last one is not held: it completes the transfer).</summary>
    public int Received => _parts.Count;

    /// <summary>Payload bytes received.</summary>
    public long Bytes { get; private set; }

    /// <summary>Holds a part that was read and checked (<see cref="Records"/>) and is not the last.</summary>
    public void Add(ReadOnlyMemory<byte> payload)
    {
        _parts.Add(payload);
        Bytes += payload.Length;
    }

    /// <summary>A part's records (its <c>scene</c>), read and checked as the scene reader does.</summary>
    /// <exception cref="Protocol.SceneJson.SceneFormatException">The records are malformed.</exception>
    public static Protocol.State.Scene Records(JsonObject part) => Protocol.SceneJson.SceneJsonReader.ReadCanonicalRecords(part.Get("scene")!);

    /// <summary>
    /// The whole scene: the held parts' records, each read again from its bytes (it read cleanly on
    /// arrival, and reading is deterministic) and its bytes let go, then the <paramref name="last"/> part's.
    /// The transfer is spent afterwards.
    /// </summary>
    public Protocol.State.Scene Whole(Protocol.State.Scene last)
    {
        if (_parts.Count == 0) return last; // a scene in one frame: nothing to assemble
        return Protocol.State.Scene.Join(InOrder(last));
    }

    private IEnumerable<Protocol.State.Scene> InOrder(Protocol.State.Scene last)
    {
        for (int i = 0; i < _parts.Count; i++)
        {
            var payload = _parts[i];
            _parts[i] = default; // let go as soon as it is read: the bytes and the records are not both held for the whole scene
            yield return Records(Session.ReadPayload(payload.Span));
        }
        yield return last;
    }
}
