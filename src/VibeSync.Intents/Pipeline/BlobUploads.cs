using System.Collections.Concurrent;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.Blobs;

namespace VibeSync.Intents.Pipeline;

/// <summary>
/// The blobs each AI actor put itself, by actor: an AI may name those and the blobs of meshes it
/// sees, nothing else (AiVisibility for blobs). Kept in memory: after a restart an agent's
/// unreferenced uploads are its to send again (the have/want exchange makes that cheap).
/// </summary>
public sealed class BlobUploads
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _byActor = new(StringComparer.Ordinal);

    /// <summary>Remembers that <paramref name="actor"/> put <paramref name="id"/>.</summary>
    public void Add(Actor actor, string id) => _byActor.GetOrAdd(actor.ToString(), _ => new(StringComparer.Ordinal))[id] = 0;

    /// <summary>The blobs <paramref name="actor"/> put.</summary>
    public IReadOnlyCollection<string> Of(Actor actor) =>
        _byActor.TryGetValue(actor.ToString(), out var ids) ? ids.Keys.ToArray() : Array.Empty<string>();
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
