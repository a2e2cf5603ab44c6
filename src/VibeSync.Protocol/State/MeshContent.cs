// Design rationale (CONTENT-V2 §2): a mesh record is checked twice. Its structure when it is read
// (MeshJson: no bytes needed), its content once the blobs it names are present: every attribute of
// the shape its semantic and vertex_count say, every index a whole triangle within the vertices.
// Floats need no check here: a blob whose floats are not finite within ±1e12 has no name.
using System;
using System.Runtime.InteropServices;
using VibeSync.Protocol.Blobs;

namespace VibeSync.Protocol.State
{
    /// <summary>A mesh record whose blobs are missing or do not fit it; <see cref="Code"/> is the refusal's code.</summary>
    public sealed class MeshContentException : Exception
    {
        /// <summary>A referenced blob is in no store.</summary>
        public const string BlobMissing = "BLOB_MISSING";
        /// <summary>A blob's element type, components or count is not what the record needs.</summary>
        public const string BlobShape = "BLOB_SHAPE";
        /// <summary>An index blob is not whole triangles, or names a vertex beyond vertex_count (or a joint beyond the skin's).</summary>
        public const string IndexRange = "INDEX_RANGE";
        /// <summary>A blob holds a value its record cannot have (content schema 4: weights, times, rotations).</summary>
        public const string InvalidValue = "INVALID_VALUE";

        /// <summary>Creates the exception.</summary>
        public MeshContentException(string code, string path, string reason) : base($"{path}: {reason}")
        {
            Code = code; Path = path; Reason = reason;
        }

        /// <summary><see cref="BlobMissing"/>, <see cref="BlobShape"/>, <see cref="IndexRange"/> or <see cref="InvalidValue"/>.</summary>
        public string Code { get; }
        /// <summary>The field, e.g. <c>meshes[2].attributes.NORMAL</c> or <c>operations[0].primitives[1].indices</c>.</summary>
        public string Path { get; }
        /// <summary>What is wrong, for humans.</summary>
        public string Reason { get; }
    }

    /// <summary>Checks a mesh record against the bytes of the blobs it names.</summary>
    public static class MeshContent
    {
        /// <summary>
        /// Refuses the first blob of <paramref name="mesh"/> that <paramref name="blobs"/> lacks or
        /// that does not fit (paths under <paramref name="path"/>, e.g. <c>meshes[2]</c>).
        /// </summary>
        /// <exception cref="MeshContentException">BLOB_MISSING, BLOB_SHAPE, INDEX_RANGE or INVALID_VALUE (skin weights).</exception>
        public static void Check(Mesh mesh, IBlobSource blobs, string path)
        {
            foreach (var semantic in mesh.SortedSemantics())
            {
                string ap = path + ".attributes." + semantic;
                var shape = ShapeOf(blobs, mesh.Attributes[semantic], ap); // only indices are read: their range is checked
                var wanted = MeshSemantics.ShapeOf(semantic, mesh.VertexCount);
                if (shape != wanted)
                    throw new MeshContentException(MeshContentException.BlobShape, ap,
                        $"expected {Describe(wanted)} ({semantic} of {mesh.VertexCount} vertices), blob {mesh.Attributes[semantic]} holds {Describe(shape)}");
            }
            for (int j = 0; j < mesh.Primitives.Count; j++)
            {
                string ip = $"{path}.primitives[{j}].indices";
                var id = mesh.Primitives[j].Indices;
                if (blobs is IBlobIndexBounds known && known.TryGetIndexBound(id, out uint largest) && largest < (uint)mesh.VertexCount
                    && ShapeOf(blobs, id, ip) is { Element: BlobElement.U32, Components: 1 } knownShape && knownShape.Count % 3 == 0)
                    continue; // read and verified before: in range for this many vertices
                var shape = Get(blobs, id, ip, out var payload);
                if (shape.Element != BlobElement.U32 || shape.Components != 1)
                    throw new MeshContentException(MeshContentException.BlobShape, ip, $"expected u32 × 1 indices, blob {id} holds {Describe(shape)}");
                if (shape.Count % 3 != 0)
                    throw new MeshContentException(MeshContentException.IndexRange, ip, $"{shape.Count} indices are not whole triangles (a multiple of 3)");
                var indices = MemoryMarshal.Cast<byte, uint>(payload.Span);
                uint limit = (uint)mesh.VertexCount, max = 0;
                for (int i = 0; i < indices.Length; i++)
                {
                    if (indices[i] >= limit)
                        throw new MeshContentException(MeshContentException.IndexRange, ip,
                            $"index {indices[i]} at {i} is out of range (the mesh has {mesh.VertexCount} vertices)");
                    if (indices[i] > max) max = indices[i];
                }
                if (indices.Length > 0 && blobs is IBlobIndexBounds bounds) bounds.RememberIndexBound(id, max);
            }
            RiggingContent.CheckMesh(mesh, blobs, path);
        }

        /// <summary>The shape of blob <paramref name="id"/>, from the header alone where <paramref name="blobs"/> can tell it so.</summary>
        /// <exception cref="MeshContentException">BLOB_MISSING.</exception>
        public static BlobShape ShapeOf(IBlobSource blobs, string id, string path)
        {
            if (!(blobs is IBlobShapes shapes)) return Get(blobs, id, path, out _);
            if (!shapes.TryGetShape(id, out var shape))
                throw new MeshContentException(MeshContentException.BlobMissing, path, $"blob {id} is in no store (upload it first)");
            return shape;
        }

        private static BlobShape Get(IBlobSource blobs, string id, string path, out ReadOnlyMemory<byte> payload)
        {
            if (!blobs.TryGet(id, out var shape, out payload))
                throw new MeshContentException(MeshContentException.BlobMissing, path, $"blob {id} is in no store (upload it first)");
            return shape;
        }

        private static string Describe(BlobShape s) => $"{s.Element.ToString().ToLowerInvariant()} × {s.Components}, count {s.Count}";
    }
}
