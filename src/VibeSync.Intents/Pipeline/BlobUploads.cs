using System.Collections.Concurrent;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.Blobs;

namespace VibeSync.Intents.Pipeline;

/// <summary>
/// The blobs each actor put itself (inline meshes, an agent's <c>put_blob</c>), by actor: an AI may
/// name those and the blobs of meshes it sees, nothing else (AiVisibility for blobs). An upload is
/// remembered for <see cref="Lifetime"/> after it was last put; until then it is also a root of
/// blob collection, so it is there when the intent naming it comes. Kept in memory: after a
/// restart an agent's unreferenced uploads are its to send again.
/// </summary>
public sealed class BlobUploads
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, DateTimeOffset>> _byActor = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    /// <summary>Uploads expire <paramref name="lifetime"/> (default one hour) after they were last put.</summary>
    public BlobUploads(TimeSpan? lifetime = null, TimeProvider? time = null)
    {
        Lifetime = lifetime ?? TimeSpan.FromHours(1);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>How long an upload is remembered after it was last put.</summary>
    public TimeSpan Lifetime { get; }

    /// <summary>Remembers that <paramref name="actor"/> put <paramref name="id"/> (now).</summary>
    public void Add(Actor actor, string id) => _byActor.GetOrAdd(actor.ToString(), _ => new(StringComparer.Ordinal))[id] = _time.GetUtcNow();

    /// <summary>The unexpired blobs <paramref name="actor"/> put.</summary>
    public IReadOnlyCollection<string> Of(Actor actor) =>
        _byActor.TryGetValue(actor.ToString(), out var ids) ? Unexpired(ids).ToArray() : Array.Empty<string>();

    /// <summary>Every unexpired upload of every actor (roots of blob collection); forgets the expired ones.</summary>
    public IReadOnlyCollection<string> Live()
    {
        var live = new HashSet<string>(StringComparer.Ordinal);
        var cutoff = _time.GetUtcNow() - Lifetime;
        foreach (var ids in _byActor.Values)
            foreach (var (id, at) in ids)
                if (at > cutoff) live.Add(id);
                else ids.TryRemove(new KeyValuePair<string, DateTimeOffset>(id, at));
        return live;
    }

    private IEnumerable<string> Unexpired(ConcurrentDictionary<string, DateTimeOffset> ids)
    {
        var cutoff = _time.GetUtcNow() - Lifetime;
        return ids.Where(p => p.Value > cutoff).Select(p => p.Key);
    }
}

/// <summary>A sink that puts into the store and remembers the blob as the actor's upload.</summary>
internal sealed class UploadSink(IBlobSink store, BlobUploads uploads, Actor actor) : IBlobSink
{
    public void Put(string id, BlobShape shape, ReadOnlySpan<byte> payload)
    {
        store.Put(id, shape, payload);
        uploads.Add(actor, id);
    }
}
