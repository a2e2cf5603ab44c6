using System;
using VibeSync.Protocol.Blobs;

namespace VibeSync.Unity.Meshes
{
    /// <summary>Blobs looked up in one source, then another (what an APPLY brought, then what the scene already holds).</summary>
    public sealed class FirstOf : IBlobSource
    {
        private readonly IBlobSource _first, _second;

        /// <summary>Looks in <paramref name="first"/>, then <paramref name="second"/>.</summary>
        public FirstOf(IBlobSource first, IBlobSource second) { _first = first; _second = second; }

        /// <inheritdoc />
        public bool TryGet(string id, out BlobShape shape, out ReadOnlyMemory<byte> payload) =>
            _first.TryGet(id, out shape, out payload) || _second.TryGet(id, out shape, out payload);
    }
}
