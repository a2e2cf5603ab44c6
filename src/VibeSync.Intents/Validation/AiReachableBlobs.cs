using VibeSync.Intents.Reality;
using VibeSync.Protocol.Blobs;

namespace VibeSync.Intents.Validation;

/// <summary>
/// The blobs an AI may name: those of the records it sees (its view of Reality's meshes and
/// images, <see cref="Protocol.State.Scene.BlobIds"/>) and those it put itself; any other answers
/// as absent, in the same words, so it cannot probe for hidden data.
/// </summary>
internal sealed class AiReachableBlobs : IBlobSource, IBlobShapes
{
    private readonly IBlobSource _inner;
    private readonly HashSet<string> _ids;

    public AiReachableBlobs(IBlobSource inner, RealityScene reality, IReadOnlyCollection<string> uploaded)
    {
        _inner = inner;
        _ids = new HashSet<string>(AiVisibility.View(reality).BlobIds(), StringComparer.Ordinal);
        _ids.UnionWith(uploaded);
    }

    public bool TryGet(string id, out BlobShape shape, out ReadOnlyMemory<byte> payload)
    {
        if (_ids.Contains(id)) return _inner.TryGet(id, out shape, out payload);
        shape = null!;
        payload = default;
        return false;
    }

    /// <summary>A reachable blob's shape from the store's header when it keeps one (no payload read).</summary>
    public bool TryGetShape(string id, out BlobShape shape)
    {
        if (_ids.Contains(id)) return _inner is IBlobShapes shapes ? shapes.TryGetShape(id, out shape) : _inner.TryGet(id, out shape, out _);
        shape = null!;
        return false;
    }
}
