using System;
using VibeSync.Protocol.Blobs;

namespace VibeSync.Unity.Meshes
{
    /// <summary>Blobs looked up in one source, then the next (what an APPLY brought, then what the scene's meshes and textures already hold).</summary>
    public sealed class FirstOf : IBlobSource
    {
        private readonly IBlobSource[] _sources;

        /// <summary>Looks in each of <paramref name="sources"/> in turn.</summary>
        public FirstOf(params IBlobSource[] sources) { _sources = sources; }

        /// <inheritdoc />
        public bool TryGet(string id, out BlobShape shape, out ReadOnlyMemory<byte> payload)
        {
            foreach (var source in _sources)
                if (source.TryGet(id, out shape, out payload)) return true;
            shape = null!;
            payload = default;
            return false;
        }
    }
}
