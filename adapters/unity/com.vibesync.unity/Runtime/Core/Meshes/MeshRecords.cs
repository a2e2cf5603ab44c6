// Design rationale (CONTENT-V2 §2, §5): blob names are always those of the canonical arrays, so a
// mesh read from Unity is converted to canonical first and then named, and a record applied to Unity
// is checked whole (the protocol's MeshContent: every blob present, of the shape its semantic needs,
// every index in range) before a single Mesh member is called: bad content changes nothing.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.State;

namespace VibeSync.Unity.Meshes
{
    /// <summary>Canonical <see cref="MeshArrays"/> ⇄ a mesh record and its blobs.</summary>
    public static class MeshRecords
    {
        /// <summary>
        /// The canonical arrays of <paramref name="record"/>, its blobs read from <paramref name="blobs"/>.
        /// </summary>
        /// <exception cref="MeshContentException">A blob is missing, of the wrong shape, or an index is out of range (BLOB_MISSING, BLOB_SHAPE, INDEX_RANGE).</exception>
        public static MeshArrays Decode(Mesh record, IBlobSource blobs)
        {
            MeshContent.Check(record, blobs, "mesh"); // the protocol's one check: presence, shapes, index range
            // Content schema 4's skin attributes and morph targets have no Unity mapping yet (issue #19's
            // Unity part): refused by name rather than dropped, which would only surface as a hash mismatch.
            if (record.Attribute(MeshSemantics.Joints0) != null || record.Targets.Count > 0)
                throw new MeshContentException(MeshContentException.InvalidValue, "mesh",
                    "skin weights (JOINTS_0/WEIGHTS_0) and morph targets are not built in the Unity core yet (content schema 4)");
            float[] Floats(string semantic) => MemoryMarshal.Cast<byte, float>(Bytes(record.Attributes[semantic], blobs).Span).ToArray();
            float[]? Optional(string semantic) => record.Attribute(semantic) != null ? Floats(semantic) : null;
            var texCoords = new List<float[]>();
            for (int k = 0; k < MeshSemantics.MaxTexCoords && record.Attribute(MeshSemantics.TexCoord(k)) != null; k++) texCoords.Add(Floats(MeshSemantics.TexCoord(k)));
            var primitives = new List<SlotTriangles>(record.Primitives.Count);
            foreach (var p in record.Primitives)
            {
                var indices = MemoryMarshal.Cast<byte, uint>(Bytes(p.Indices, blobs).Span).ToArray();
                if (indices.Length > 0) primitives.Add(new SlotTriangles(p.Material, indices));
            }
            return new MeshArrays(Floats(MeshSemantics.Position), Optional(MeshSemantics.Normal), Optional(MeshSemantics.Tangent),
                Optional(MeshSemantics.Color0), texCoords, primitives);
        }

        /// <summary>
        /// The record of canonical <paramref name="canonical"/> arrays; every blob it names is given to
        /// <paramref name="keep"/> (id, shape, canonical little-endian bytes).
        /// <paramref name="verified"/>: a record already shown to name exactly these arrays
        /// (<see cref="HeldMesh.Describes"/>); its names are taken as they are, nothing is hashed or kept.
        /// </summary>
        /// <exception cref="BlobFormatException">A value is NaN, infinite or beyond ±1e12 (it cannot be named).</exception>
        public static Mesh Encode(string uuid, MeshArrays canonical, IReadOnlyList<string> derived, Action<string, BlobShape, byte[]> keep, Mesh? verified = null)
        {
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            void Add(string semantic, float[]? values)
            {
                if (values == null) return;
                attributes[semantic] = verified?.Attribute(semantic)
                    ?? Name(MeshSemantics.ShapeOf(semantic, canonical.VertexCount), MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), keep);
            }
            Add(MeshSemantics.Position, canonical.Positions);
            Add(MeshSemantics.Normal, canonical.Normals);
            Add(MeshSemantics.Tangent, canonical.Tangents);
            Add(MeshSemantics.Color0, canonical.Colors);
            for (int k = 0; k < canonical.TexCoords.Count; k++) Add(MeshSemantics.TexCoord(k), canonical.TexCoords[k]);
            var primitives = new MeshPrimitive[canonical.Primitives.Count];
            for (int j = 0; j < primitives.Length; j++)
            {
                var p = canonical.Primitives[j];
                primitives[j] = new MeshPrimitive(p.Slot, verified?.Primitives[j].Indices
                    ?? Name(MeshSemantics.IndicesShape(p.Indices.Length), MemoryMarshal.AsBytes(p.Indices.AsSpan()).ToArray(), keep));
            }
            return new Mesh(uuid, canonical.VertexCount, attributes, primitives, derived);
        }

        private static string Name(BlobShape shape, byte[] bytes, Action<string, BlobShape, byte[]> keep)
        {
            var id = BlobId.Of(shape, bytes);
            keep(id, shape, bytes);
            return id;
        }

        private static ReadOnlyMemory<byte> Bytes(string id, IBlobSource blobs) =>
            blobs.TryGet(id, out _, out var bytes) ? bytes : throw new InvalidOperationException($"blob {id} went away while it was read");
    }
}
