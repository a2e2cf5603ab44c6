// Design rationale (docs/protocol.md §12.2): whoever names a blob in a message must be able to
// send its bytes when the other side asks (BLOB_WANT). The orchestrator answers from its store,
// the Unity core from its cache; the link's sender needs only this one question.
using System;

namespace VibeSync.Protocol.Blobs
{
    /// <summary>Somewhere blobs can be read from by name: the orchestrator's store, an adapter's cache.</summary>
    public interface IBlobSource
    {
        /// <summary>
        /// The shape and canonical little-endian bytes of blob <paramref name="id"/>, or false when
        /// it is not held (the asker is then told BLOB_GONE).
        /// </summary>
        bool TryGet(string id, out BlobShape shape, out ReadOnlyMemory<byte> data);
    }
}
