// Design rationale (CONTENT-V2 §2, §5): blob names are always those of the canonical arrays, so a
// mesh read from Unity is converted to canonical first and then named, and a record applied to Unity
// is checked whole (every blob present, of the shape its semantic needs, every index in range)
// before a single Mesh member is called: bad content changes nothing.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.State;

namespace VibeSync.Unity.Meshes
{
    /// <summary>A mesh record's content cannot be used; <see cref="Code"/> names why (docs/protocol.md).</summary>
    public sealed class MeshContentException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public MeshContentException(string code, string path, string message) : base($"{path}: {message}") { Code = code; Path = path; }

        /// <summary>BLOB_MISSING, BLOB_SHAPE, INDEX_RANGE or INVALID_VALUE.</summary>
        public string Code { get; }

        /// <summary>What is wrong, as a path (<c>attributes.NORMAL</c>, <c>primitives[1].indices</c>).</summary>
        public string Path { get; }
    }

    /// <summary>Canonical <see cref="MeshArrays"/> ⇄ a mesh record and its blobs.</summary>
    public static class MeshRecords
    {
        /// <summary>
        /// The canonical arrays of <paramref name="record"/>, its blobs read from <paramref name="blobs"/>.
        /// </summary>
        /// <exception cref="MeshContentException">A blob is missing, of the wrong shape or length, or an index is out of range.</exception>
        public static MeshArrays Decode(Mesh record, IBlobSource blobs)
        {
            int n = record.VertexCount;
            float[] Attribute(string semantic) =>
                Floats(record.Attribute(semantic)!, MeshSemantics.ShapeOf(semantic, n), blobs, "attributes." + semantic);
            float[]? Optional(string semantic) => record.Attribute(semantic) != null ? Attribute(semantic) : null;

            if (record.Attribute(MeshSemantics.Position) == null) throw new MeshContentException("INVALID_VALUE", "attributes.POSITION", "a mesh needs POSITION");
            var texCoords = new List<float[]>();
            for (int k = 0; k < MeshSemantics.MaxTexCoords && record.Attribute(MeshSemantics.TexCoord(k)) != null; k++) texCoords.Add(Attribute(MeshSemantics.TexCoord(k)));
            foreach (var semantic in record.Attributes.Keys)
                if (!MeshSemantics.TryComponents(semantic, out _) || MeshSemantics.TexCoordIndex(semantic) >= texCoords.Count)
                    throw new MeshContentException("INVALID_VALUE", "attributes." + semantic, "not a semantic Unity takes here (TEXCOORD sets are contiguous from 0)");
            var primitives = new List<SlotTriangles>(record.Primitives.Count);
            for (int j = 0; j < record.Primitives.Count; j++)
            {
                var p = record.Primitives[j];
                string path = $"primitives[{j}].indices";
                if (j > 0 && p.Material <= record.Primitives[j - 1].Material) throw new MeshContentException("INVALID_VALUE", $"primitives[{j}].material", "slots must be strictly ascending");
                var indices = Indices(p.Indices, blobs, path);
                if (indices.Length % 3 != 0) throw new MeshContentException("INDEX_RANGE", path, $"{indices.Length} indices are not whole triangles");
                for (int i = 0; i < indices.Length; i++)
                    if (indices[i] >= (uint)n) throw new MeshContentException("INDEX_RANGE", path, $"index {i} is {indices[i]}, beyond the {n} vertices");
                if (indices.Length > 0) primitives.Add(new SlotTriangles(p.Material, indices));
            }
            return new MeshArrays(Attribute(MeshSemantics.Position), Optional(MeshSemantics.Normal), Optional(MeshSemantics.Tangent),
                Optional(MeshSemantics.Color0), texCoords, primitives);
        }

        /// <summary>
        /// The record of canonical <paramref name="canonical"/> arrays; every blob it names is given to
        /// <paramref name="keep"/> (id, shape, canonical little-endian bytes).
        /// </summary>
        /// <exception cref="BlobFormatException">A value is NaN, infinite or beyond ±1e12 (it cannot be named).</exception>
        public static Mesh Encode(string uuid, MeshArrays canonical, IReadOnlyList<string> derived, Action<string, BlobShape, byte[]> keep)
        {
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            void Add(string semantic, float[]? values)
            {
                if (values == null) return;
                attributes[semantic] = Name(MeshSemantics.ShapeOf(semantic, canonical.VertexCount), MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), keep);
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
                primitives[j] = new MeshPrimitive(p.Slot, Name(MeshSemantics.IndicesShape(p.Indices.Length), MemoryMarshal.AsBytes(p.Indices.AsSpan()).ToArray(), keep));
            }
            return new Mesh(uuid, canonical.VertexCount, attributes, primitives, derived);
        }

        private static string Name(BlobShape shape, byte[] bytes, Action<string, BlobShape, byte[]> keep)
        {
            var id = BlobId.Of(shape, bytes);
            keep(id, shape, bytes);
            return id;
        }

        private static ReadOnlyMemory<byte> Blob(string id, BlobShape expected, IBlobSource blobs, string path)
        {
            if (!blobs.TryGet(id, out var shape, out var bytes)) throw new MeshContentException("BLOB_MISSING", path, $"blob {id} is not here");
            if (shape.Element != expected.Element || shape.Components != expected.Components || shape.Count != expected.Count)
                throw new MeshContentException("BLOB_SHAPE", path, $"blob {id} holds {shape.Count} × {shape.Components} {shape.Element}, expected {expected.Count} × {expected.Components} {expected.Element}");
            if (bytes.Length != expected.ByteLength) throw new MeshContentException("BLOB_SHAPE", path, $"blob {id} has {bytes.Length} bytes, its shape takes {expected.ByteLength}");
            return bytes;
        }

        private static float[] Floats(string id, BlobShape expected, IBlobSource blobs, string path) =>
            MemoryMarshal.Cast<byte, float>(Blob(id, expected, blobs, path).Span).ToArray();

        private static uint[] Indices(string id, IBlobSource blobs, string path)
        {
            if (!blobs.TryGet(id, out var shape, out _)) throw new MeshContentException("BLOB_MISSING", path, $"blob {id} is not here");
            return MemoryMarshal.Cast<byte, uint>(Blob(id, MeshSemantics.IndicesShape(shape.Count), blobs, path).Span).ToArray();
        }
    }
}
