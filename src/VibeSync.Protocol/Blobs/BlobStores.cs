// Design rationale (CONTENT-V2 §3, §6): readers of the inline mesh form and the link receive blob
// bytes that must land somewhere before the record naming them is used. The protocol library does
// not know where (the orchestrator's durable store, an adapter's cache, a test's memory), so it
// talks to two small interfaces; BlobMemory is the in-memory one for tools, tests and caches.
using System;
using System.Collections.Generic;

namespace VibeSync.Protocol.Blobs
{
    /// <summary>Where a reader puts the blobs it makes (the inline mesh form turned into blobs).</summary>
    public interface IBlobSink
    {
        /// <summary>
        /// Keeps the blob <paramref name="id"/> (already computed from these bytes by the caller) of
        /// <paramref name="shape"/>; returns once it is kept as the sink promises (the orchestrator's
        /// store: durably). Idempotent.
        /// </summary>
        /// <exception cref="BlobFormatException">The bytes do not match the shape or the name.</exception>
        void Put(string id, BlobShape shape, ReadOnlySpan<byte> payload);
    }

    /// <summary>Where blob bytes are read from (the orchestrator's store, an adapter's cache).</summary>
    public interface IBlobSource
    {
        /// <summary>The shape and canonical little-endian bytes of <paramref name="id"/>; false when not held.</summary>
        bool TryGet(string id, out BlobShape shape, out ReadOnlyMemory<byte> payload);
    }

    /// <summary>
    /// A blob source that can tell a blob's shape without reading its bytes (the orchestrator's store,
    /// whose <see cref="IBlobSource.TryGet"/> reads the file and verifies the name: 100 ms for a
    /// million-vertex mesh, where a check of shapes needs only the 11-byte headers).
    /// </summary>
    public interface IBlobShapes
    {
        /// <summary>The shape of <paramref name="id"/>; false when not held.</summary>
        bool TryGetShape(string id, out BlobShape shape);
    }

    /// <summary>
    /// A blob source that can read a blob's first bytes without the rest (the orchestrator's store: an
    /// image's format and size are in its first bytes, where a verified read re-hashes the whole file,
    /// tens of MB for a 4096² texture).
    /// </summary>
    public interface IBlobPrefixes
    {
        /// <summary>Up to <paramref name="length"/> leading payload bytes of <paramref name="id"/>, not verified against its name; false when not held.</summary>
        bool TryGetPrefix(string id, int length, out ReadOnlyMemory<byte> prefix);
    }

    /// <summary>
    /// A blob source that remembers the largest value of the index blobs a check read (the
    /// orchestrator's store): a blob's bytes never change under its name, so a vertex edit that keeps
    /// its 24 MB of indices need not read and hash them again to know they are in range.
    /// </summary>
    public interface IBlobIndexBounds
    {
        /// <summary>The largest index in u32 blob <paramref name="id"/>, as a check found it; false when not known.</summary>
        bool TryGetIndexBound(string id, out uint largest);

        /// <summary>Remembers the largest index of <paramref name="id"/>, read from bytes verified against its name.</summary>
        void RememberIndexBound(string id, uint largest);
    }

    /// <summary>A place that keeps blobs and gives them back (the orchestrator's store, a cache).</summary>
    public interface IBlobStore : IBlobSink, IBlobSource
    {
    }

    /// <summary>
    /// Blobs held in memory, by id: the orchestrator's tools and tests, and the Unity core's caches
    /// (the blobs its current meshes and images use, so it can answer BLOB_WANT after reporting them,
    /// and the blobs an APPLY brought until it is applied; the Python twin is
    /// <c>vibesync_blender/link/blobs.py</c>). Names are trusted: whoever puts a blob named it or had
    /// it verified (the link's assembler). Thread-safe: a link's reader thread answers BLOB_WANT from it
    /// while the editor's thread puts and retains.
    /// </summary>
    public sealed class BlobMemory : IBlobStore
    {
        private readonly Dictionary<string, (BlobShape Shape, ReadOnlyMemory<byte> Payload)> _blobs = new Dictionary<string, (BlobShape, ReadOnlyMemory<byte>)>(StringComparer.Ordinal);

        /// <summary>Blobs held.</summary>
        public int Count { get { lock (_blobs) return _blobs.Count; } }

        /// <summary>Bytes held.</summary>
        public long Bytes
        {
            get
            {
                long total = 0;
                lock (_blobs) foreach (var b in _blobs.Values) total += b.Payload.Length;
                return total;
            }
        }

        /// <summary>Every id held.</summary>
        public IReadOnlyCollection<string> Ids { get { lock (_blobs) return new List<string>(_blobs.Keys); } }

        /// <summary>True when <paramref name="id"/> is held.</summary>
        public bool Has(string id) { lock (_blobs) return _blobs.ContainsKey(id); }

        /// <summary>Keeps a copy of blob <paramref name="id"/>.</summary>
        /// <exception cref="BlobFormatException">The bytes' length is not the shape's.</exception>
        public void Put(string id, BlobShape shape, ReadOnlySpan<byte> payload)
        {
            if (payload.Length != shape.ByteLength) throw new BlobFormatException("length", $"{payload.Length} bytes, but the shape takes {shape.ByteLength}");
            lock (_blobs) if (!_blobs.ContainsKey(id)) _blobs[id] = (shape, payload.ToArray());
        }

        /// <summary>
        /// Keeps blob <paramref name="id"/> without copying it (a mesh's arrays: tens of MB); the caller
        /// must not change the bytes afterwards.
        /// </summary>
        /// <exception cref="ArgumentException">A malformed name, or bytes whose length is not the shape's (the caller's mistake: it named them).</exception>
        public void Hold(string id, BlobShape shape, ReadOnlyMemory<byte> payload)
        {
            if (!BlobId.IsValid(id)) throw new ArgumentException($"'{id}' is not a blob name (64 lowercase hex digits)", nameof(id));
            if (payload.Length != shape.ByteLength) throw new ArgumentException($"blob {id}: {payload.Length} bytes, its shape takes {shape.ByteLength}", nameof(payload));
            lock (_blobs) _blobs[id] = (shape, payload);
        }

        /// <summary>Names and keeps a blob, verifying nothing else: the id is computed here.</summary>
        public string Put(BlobShape shape, ReadOnlySpan<byte> payload)
        {
            string id = BlobId.Of(shape, payload);
            Put(id, shape, payload);
            return id;
        }

        /// <inheritdoc />
        public bool TryGet(string id, out BlobShape shape, out ReadOnlyMemory<byte> payload)
        {
            lock (_blobs)
            {
                if (_blobs.TryGetValue(id, out var blob)) { shape = blob.Shape; payload = blob.Payload; return true; }
            }
            shape = null!;
            payload = default;
            return false;
        }

        /// <summary>Drops blob <paramref name="id"/> if held (an offered blob no APPLY claimed, past the adapter's bound).</summary>
        public void Remove(string id) { lock (_blobs) _blobs.Remove(id); }

        /// <summary>Drops every blob not in <paramref name="ids"/> (a cache keeps what its current records and unapplied APPLYs use).</summary>
        public void Retain(IEnumerable<string> ids)
        {
            var keep = ids as ISet<string> ?? new HashSet<string>(ids, StringComparer.Ordinal);
            lock (_blobs)
                foreach (var id in new List<string>(_blobs.Keys))
                    if (!keep.Contains(id)) _blobs.Remove(id);
        }
    }
}
