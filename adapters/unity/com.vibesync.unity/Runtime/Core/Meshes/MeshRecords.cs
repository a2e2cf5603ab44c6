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
            // Weights negative or not summing to 1, and every target's shapes, were checked with the rest (RiggingContent.CheckMesh).
            if ((record.Attribute(MeshSemantics.Joints0) == null) != (record.Attribute(MeshSemantics.Weights0) == null))
                throw new MeshContentException(MeshContentException.InvalidValue, "mesh", "JOINTS_0 and WEIGHTS_0 come together (CONTENT-V4 §3)");
            float[] FloatsOf(string id) => MemoryMarshal.Cast<byte, float>(Bytes(id, blobs).Span).ToArray();
            float[] Floats(string semantic) => FloatsOf(record.Attributes[semantic]);
            float[]? Optional(string semantic) => record.Attribute(semantic) != null ? Floats(semantic) : null;
            var texCoords = new List<float[]>();
            for (int k = 0; k < MeshSemantics.MaxTexCoords && record.Attribute(MeshSemantics.TexCoord(k)) != null; k++) texCoords.Add(Floats(MeshSemantics.TexCoord(k)));
            var primitives = new List<SlotTriangles>(record.Primitives.Count);
            foreach (var p in record.Primitives)
            {
                var indices = MemoryMarshal.Cast<byte, uint>(Bytes(p.Indices, blobs).Span).ToArray();
                if (indices.Length > 0) primitives.Add(new SlotTriangles(p.Material, indices));
            }
            var targets = new List<MorphArrays>(record.Targets.Count);
            foreach (var t in record.Targets) targets.Add(new MorphArrays(t.Name, FloatsOf(t.Position), t.Normal == null ? null : FloatsOf(t.Normal)));
            return new MeshArrays(Floats(MeshSemantics.Position), Optional(MeshSemantics.Normal), Optional(MeshSemantics.Tangent),
                Optional(MeshSemantics.Color0), texCoords, primitives)
            {
                Joints = record.Attribute(MeshSemantics.Joints0) is { } j ? MemoryMarshal.Cast<byte, ushort>(Bytes(j, blobs).Span).ToArray() : null,
                Weights = Optional(MeshSemantics.Weights0),
                Targets = targets,
            };
        }

        /// <summary>
        /// The record of canonical <paramref name="canonical"/> arrays; every blob it names is given to
        /// <paramref name="keep"/> (id, shape, canonical little-endian bytes).
        /// <paramref name="verified"/>: a record already shown to name exactly these arrays
        /// (<see cref="HeldMesh.Describes"/>); its names are taken as they are, nothing is hashed or kept.
        /// </summary>
        /// <exception cref="BlobFormatException">A value is NaN, infinite or beyond ±1e12 (it cannot be named).</exception>
        /// <remarks>
        /// Morph weights are not a mesh's in Unity (each renderer has its own): the record gets
        /// <paramref name="verified"/>'s, else zeros, and <c>SceneReader</c> puts the renderers' in.
        /// <paramref name="noNormals"/>: targets whose record had no NORMAL (Unity always holds normal deltas, zero for those).
        /// </remarks>
        public static Mesh Encode(string uuid, MeshArrays canonical, IReadOnlyList<string> derived, Action<string, BlobShape, byte[]> keep, Mesh? verified = null,
            ICollection<string>? noNormals = null)
        {
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            void Add<T>(string semantic, T[]? values) where T : struct
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
            Add(MeshSemantics.Joints0, canonical.Joints);
            Add(MeshSemantics.Weights0, canonical.Weights);
            var deltas = MeshSemantics.ShapeOf(MeshSemantics.Position, canonical.VertexCount);
            var targets = new MorphTarget[canonical.Targets.Count];
            for (int i = 0; i < targets.Length; i++)
            {
                var t = canonical.Targets[i];
                targets[i] = verified?.Targets[i] ?? new MorphTarget(t.Name, Name(deltas, MemoryMarshal.AsBytes(t.Positions.AsSpan()).ToArray(), keep),
                    t.Normals == null || noNormals?.Contains(t.Name) == true ? null : Name(deltas, MemoryMarshal.AsBytes(t.Normals.AsSpan()).ToArray(), keep));
            }
            var primitives = new MeshPrimitive[canonical.Primitives.Count];
            for (int j = 0; j < primitives.Length; j++)
            {
                var p = canonical.Primitives[j];
                primitives[j] = new MeshPrimitive(p.Slot, verified?.Primitives[j].Indices
                    ?? Name(MeshSemantics.IndicesShape(p.Indices.Length), MemoryMarshal.AsBytes(p.Indices.AsSpan()).ToArray(), keep));
            }
            return new Mesh(uuid, canonical.VertexCount, attributes, primitives, derived)
            {
                Targets = targets,
                Weights = verified != null && verified.Weights.Count == targets.Length ? verified.Weights : new double[targets.Length],
            };
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
