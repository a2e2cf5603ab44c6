// Design rationale (CONTENT-V2 §3): content schema 1 carried meshes as JSON arrays. They still load
// (old scene files, WAL seeds, small intents), turned into the record of schema 2 at the edge: the
// values rounded to float32 (what any engine stores) and named as blobs, one primitive of slot 0.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using VibeSync.Protocol.Blobs;

namespace VibeSync.Protocol.State
{
    /// <summary>The inline (schema-1) mesh form: positions, triangles and uv0 as arrays, canonical.</summary>
    public static class InlineMesh
    {
        /// <summary>
        /// The record of an inline mesh whose values are already canonical (positions converted,
        /// triangles counter-clockwise, indices checked). Each blob made is put into
        /// <paramref name="sink"/> when one is given (otherwise only named).
        /// </summary>
        /// <exception cref="BlobFormatException">A value is not finite within ±1e12 (field <c>value[i]</c>).</exception>
        public static Mesh ToRecord(string uuid, IReadOnlyList<Vector3d> positions, IReadOnlyList<Triangle> triangles,
            IReadOnlyList<Vector2d>? uv0, IBlobSink? sink)
        {
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            var xyz = new float[positions.Count * 3];
            for (int i = 0; i < positions.Count; i++)
            {
                xyz[3 * i] = (float)positions[i].X; xyz[3 * i + 1] = (float)positions[i].Y; xyz[3 * i + 2] = (float)positions[i].Z;
            }
            attributes[MeshSemantics.Position] = Floats(xyz, 3, sink);
            if (uv0 != null)
            {
                var uv = new float[uv0.Count * 2];
                for (int i = 0; i < uv0.Count; i++) { uv[2 * i] = (float)uv0[i].X; uv[2 * i + 1] = (float)uv0[i].Y; }
                attributes[MeshSemantics.TexCoord(0)] = Floats(uv, 2, sink);
            }
            var primitives = Array.Empty<MeshPrimitive>();
            if (triangles.Count > 0)
            {
                var indices = new uint[triangles.Count * 3];
                for (int i = 0; i < triangles.Count; i++)
                {
                    indices[3 * i] = (uint)triangles[i].A; indices[3 * i + 1] = (uint)triangles[i].B; indices[3 * i + 2] = (uint)triangles[i].C;
                }
                primitives = new[] { new MeshPrimitive(0, Indices(indices, sink)) };
            }
            return new Mesh(uuid, positions.Count, attributes, primitives, Array.Empty<string>());
        }

        /// <summary>Names a float array (and puts it into <paramref name="sink"/>).</summary>
        public static string Floats(float[] values, int components, IBlobSink? sink)
        {
            var shape = new BlobShape(BlobElement.F32, components, values.Length / components);
            var bytes = MemoryMarshal.AsBytes(values.AsSpan());
            string id = BlobId.Of(shape, bytes);
            sink?.Put(id, shape, bytes);
            return id;
        }

        /// <summary>Names an index array (and puts it into <paramref name="sink"/>).</summary>
        public static string Indices(uint[] indices, IBlobSink? sink)
        {
            var shape = MeshSemantics.IndicesShape(indices.Length);
            var bytes = MemoryMarshal.AsBytes(indices.AsSpan());
            string id = BlobId.Of(shape, bytes);
            sink?.Put(id, shape, bytes);
            return id;
        }
    }
}
