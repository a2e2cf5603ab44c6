// Design rationale (issue #17): a record written into Unity was named by the orchestrator and its
// bytes verified against those names when they arrived (or it is the record the core itself named
// before). Reading the mesh back and hashing 56 MB again only to find the same names costs ~100 ms
// per million vertices; comparing the bytes read back with the bytes the names were verified on
// costs a memcmp and proves the same thing: a name is a function of the shape and the bytes.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.State;

namespace VibeSync.Unity.Meshes
{
    /// <summary>
    /// A mesh record with the bytes of its blobs (references, not copies), held apart from any cache
    /// that may drop them: what an APPLY writes, or what a rollback restores.
    /// </summary>
    public sealed class HeldMesh
    {
        private HeldMesh(Mesh record, BlobMemory blobs)
        {
            Record = record;
            Blobs = blobs;
        }

        /// <summary>The record.</summary>
        public Mesh Record { get; }

        /// <summary>The blobs the record names.</summary>
        public IBlobSource Blobs { get; }

        /// <summary>
        /// <paramref name="record"/> with the blobs it names as <paramref name="source"/> holds them now.
        /// </summary>
        /// <exception cref="MeshContentException">A blob is missing (BLOB_MISSING).</exception>
        public static HeldMesh Of(Mesh record, IBlobSource source)
        {
            var blobs = new BlobMemory();
            foreach (var id in record.BlobIds())
            {
                if (!source.TryGet(id, out var shape, out var data))
                    throw new MeshContentException(MeshContentException.BlobMissing, "mesh " + record.Uuid, $"blob {id} is not here");
                blobs.Hold(id, shape, data);
            }
            return new HeldMesh(record, blobs);
        }

        /// <summary>The canonical arrays (checked whole: shapes, index range).</summary>
        /// <exception cref="MeshContentException">The record does not fit its blobs.</exception>
        public MeshArrays Arrays() => MeshRecords.Decode(Record, Blobs);

        /// <summary>
        /// True when canonical <paramref name="read"/> (a mesh read back from the host) and
        /// <paramref name="derived"/> are exactly this record: the same attributes and primitives, every
        /// array bit for bit the bytes its blob was named from. Its names then stand without hashing.
        /// </summary>
        public bool Describes(MeshArrays read, IReadOnlyList<string> derived)
        {
            var r = Record;
            if (r.VertexCount != read.VertexCount || !Same(r.Derived, derived)) return false;
            int attributes = 1 + (read.Normals != null ? 1 : 0) + (read.Tangents != null ? 1 : 0) + (read.Colors != null ? 1 : 0) + read.TexCoords.Count
                + (read.Joints != null ? 1 : 0) + (read.Weights != null ? 1 : 0);
            if (r.Attributes.Count != attributes) return false;
            bool Attribute(string semantic, float[]? values) =>
                Holds(r.Attribute(semantic), values, MeshSemantics.ShapeOf(semantic, read.VertexCount));
            if (!Attribute(MeshSemantics.Position, read.Positions) || !Attribute(MeshSemantics.Normal, read.Normals)
                || !Attribute(MeshSemantics.Tangent, read.Tangents) || !Attribute(MeshSemantics.Color0, read.Colors))
                return false;
            for (int k = 0; k < read.TexCoords.Count; k++)
                if (!Attribute(MeshSemantics.TexCoord(k), read.TexCoords[k])) return false;
            if (!Holds(r.Attribute(MeshSemantics.Joints0), read.Joints, MeshSemantics.ShapeOf(MeshSemantics.Joints0, read.VertexCount))
                || !Attribute(MeshSemantics.Weights0, read.Weights)) return false;
            if (r.Targets.Count != read.Targets.Count) return false;
            var deltas = MeshSemantics.ShapeOf(MeshSemantics.Position, read.VertexCount);
            for (int i = 0; i < read.Targets.Count; i++)
            {
                var (want, got) = (r.Targets[i], read.Targets[i]);
                // Unity holds normal deltas for every blend shape (zero where the record had none).
                bool normals = want.Normal == null ? got.Normals == null || AllZero(got.Normals) : Holds(want.Normal, got.Normals, deltas);
                if (want.Name != got.Name || !Holds(want.Position, got.Positions, deltas) || !normals) return false;
            }
            if (r.Primitives.Count != read.Primitives.Count) return false;
            for (int j = 0; j < read.Primitives.Count; j++)
            {
                var indices = read.Primitives[j].Indices;
                if (r.Primitives[j].Material != read.Primitives[j].Slot || !Holds(r.Primitives[j].Indices, indices, MeshSemantics.IndicesShape(indices.Length))) return false;
            }
            return true;
        }

        private bool Holds<T>(string? id, T[]? values, BlobShape shape) where T : struct
        {
            if (id == null || values == null) return id == null && values == null;
            return Blobs.TryGet(id, out var held, out var data) && held == shape && MemoryMarshal.AsBytes(values.AsSpan()).SequenceEqual(data.Span);
        }

        private static bool AllZero(float[] values)
        {
            foreach (var v in values) if (v != 0) return false;
            return true;
        }

        private static bool Same(IReadOnlyList<string> a, IReadOnlyList<string> b)
        {
            if (a.Count != b.Count) return false;
            for (int i = 0; i < a.Count; i++) if (!string.Equals(a[i], b[i], StringComparison.Ordinal)) return false;
            return true;
        }
    }
}
