// Design rationale (docs/protocol.md §12.2): an adapter keeps the canonical bytes of the blobs its
// current meshes use, so it can answer the orchestrator's BLOB_WANT after it reported them, and
// the blobs an APPLY brought until that APPLY is applied. Names are trusted here: the link's
// assembler verified every received blob, and the adapter named its own blobs itself.
using System;
using System.Collections.Generic;

namespace VibeSync.Protocol.Blobs
{
    /// <summary>
    /// An adapter's blobs in memory, keyed by name (the Unity core's cache; the Python twin is
    /// <c>vibesync_blender/link/blobs.py</c> <c>BlobCache</c>). Thread-safe: the link's reader
    /// thread answers BLOB_WANT from it while the editor's thread puts and retains.
    /// </summary>
    public sealed class BlobCache : IBlobSource, IBlobSink
    {
        private readonly Dictionary<string, (BlobShape Shape, ReadOnlyMemory<byte> Data)> _blobs = new Dictionary<string, (BlobShape, ReadOnlyMemory<byte>)>(StringComparer.Ordinal);

        /// <summary>Blobs held.</summary>
        public int Count { get { lock (_blobs) return _blobs.Count; } }

        /// <summary>Bytes held.</summary>
        public long Bytes
        {
            get
            {
                long total = 0;
                lock (_blobs) foreach (var b in _blobs.Values) total += b.Data.Length;
                return total;
            }
        }

        /// <summary>Holds blob <paramref name="id"/>; the bytes are kept, not copied (the caller must not change them).</summary>
        /// <exception cref="ArgumentException">A malformed name, or bytes whose length is not the shape's.</exception>
        public void Put(string id, BlobShape shape, ReadOnlyMemory<byte> data)
        {
            if (!BlobId.IsValid(id)) throw new ArgumentException($"'{id}' is not a blob name (64 lowercase hex digits)", nameof(id));
            if (data.Length != shape.ByteLength) throw new ArgumentException($"blob {id}: {data.Length} bytes, its shape takes {shape.ByteLength}", nameof(data));
            lock (_blobs) _blobs[id] = (shape, data);
        }

        /// <summary>Holds a copy of blob <paramref name="id"/> (the sink the scene reader puts the inline form's blobs into).</summary>
        void IBlobSink.Put(string id, BlobShape shape, ReadOnlySpan<byte> payload) => Put(id, shape, payload.ToArray());

        /// <summary>True when blob <paramref name="id"/> is held.</summary>
        public bool Has(string id)
        {
            lock (_blobs) return _blobs.ContainsKey(id);
        }

        /// <inheritdoc />
        public bool TryGet(string id, out BlobShape shape, out ReadOnlyMemory<byte> data)
        {
            lock (_blobs)
            {
                if (_blobs.TryGetValue(id, out var b))
                {
                    shape = b.Shape;
                    data = b.Data;
                    return true;
                }
            }
            shape = null!;
            data = default;
            return false;
        }

        /// <summary>Keeps only the blobs named in <paramref name="ids"/> (those the current meshes and unapplied APPLYs use).</summary>
        public void Retain(IEnumerable<string> ids)
        {
            var keep = new HashSet<string>(ids, StringComparer.Ordinal);
            lock (_blobs)
            {
                var drop = new List<string>();
                foreach (var id in _blobs.Keys) if (!keep.Contains(id)) drop.Add(id);
                foreach (var id in drop) _blobs.Remove(id);
            }
        }
    }
}
