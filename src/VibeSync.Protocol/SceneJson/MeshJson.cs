// Design rationale (CONTENT-V2 §2–§3): one reader and one writer of the mesh record's JSON, shared by
// scene JSON and the create_mesh/replace_mesh operations, so both refuse alike with the same paths.
// The record is read structurally (no bytes); its blobs are checked where they are (MeshContent).
using System;
using System.Collections.Generic;
using System.Text;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using static VibeSync.Protocol.Json.JsonFields;

namespace VibeSync.Protocol.SceneJson
{
    /// <summary>Reads and writes mesh records (docs/protocol.md §2, §8) in their record and inline forms.</summary>
    public static class MeshJson
    {
        /// <summary>The fields of the record form.</summary>
        public static readonly string[] RecordFields = { "uuid", "vertex_count", "attributes", "primitives", "derived" };

        /// <summary>The optional fields of the record form (content schema 4's morph targets).</summary>
        public static readonly string[] OptionalFields = { "targets", "weights" };

        /// <summary>The most vertices a record may declare (u32 in the encoding; arrays index with int).</summary>
        public const long MaxVertexCount = int.MaxValue;

        /// <summary>True when <paramref name="o"/> is in the inline (schema-1) form: it has positions, triangles or uv0.</summary>
        public static bool IsInline(JsonObject o) => o.Get("positions") != null || o.Get("triangles") != null || o.Get("uv0") != null;

        /// <summary>
        /// Reads a mesh record's fields from <paramref name="o"/> (the uuid read by the caller, so
        /// operations can name it differently). <paramref name="derivedRequired"/>: scene JSON
        /// always says <c>derived</c>; an operation may leave it out (then empty).
        /// </summary>
        /// <exception cref="JsonFieldException">A structural rule is broken; the path names the field.</exception>
        public static Mesh ReadRecord(JsonObject o, string path, string uuid, bool derivedRequired)
        {
            long vertexCount = Integer(Required(o, path, "vertex_count"), path + ".vertex_count", 0, MaxVertexCount, "a vertex count");
            var attributesObject = AsObject(Required(o, path, "attributes"), path + ".attributes");
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var member in attributesObject.Members)
            {
                string ap = path + ".attributes." + member.Key;
                if (!MeshSemantics.TryComponents(member.Key, out _))
                    throw new JsonFieldException(ap, "unknown attribute (expected POSITION, NORMAL, TANGENT, TEXCOORD_0…TEXCOORD_7, COLOR_0, JOINTS_0 or WEIGHTS_0)");
                attributes[member.Key] = BlobId(member.Value, ap);
            }
            if (!attributes.ContainsKey(MeshSemantics.Position))
                throw new JsonFieldException(path + ".attributes.POSITION", JsonFieldException.MissingField);
            bool joints = attributes.ContainsKey(MeshSemantics.Joints0), weights = attributes.ContainsKey(MeshSemantics.Weights0);
            if (joints != weights)
            {
                var (has, lacks) = joints ? (MeshSemantics.Joints0, MeshSemantics.Weights0) : (MeshSemantics.Weights0, MeshSemantics.Joints0);
                throw new JsonFieldException(path + ".attributes." + lacks, $"missing field ({has} and {lacks} come together)");
            }
            foreach (var semantic in attributes.Keys)
            {
                int k = MeshSemantics.TexCoordIndex(semantic);
                if (k > 0 && !attributes.ContainsKey(MeshSemantics.TexCoord(k - 1)))
                    throw new JsonFieldException(path + ".attributes." + semantic, $"texture coordinate sets are contiguous from 0: {semantic} without {MeshSemantics.TexCoord(k - 1)}");
            }

            var primitivesArray = AsArray(Required(o, path, "primitives"), path + ".primitives");
            var primitives = new MeshPrimitive[primitivesArray.Items.Count];
            for (int j = 0; j < primitives.Length; j++)
            {
                string pp = $"{path}.primitives[{j}]";
                var p = AsObject(primitivesArray.Items[j], pp);
                CheckFields(p, pp, new[] { "material", "indices" }, Array.Empty<string>());
                int slot = (int)Integer(p.Get("material")!, pp + ".material", 0, MeshSemantics.MaxMaterialSlot, "a material slot");
                if (j > 0 && slot <= primitives[j - 1].Material)
                    throw new JsonFieldException(pp + ".material", $"primitives are strictly ascending by material slot: {slot} after {primitives[j - 1].Material}");
                primitives[j] = new MeshPrimitive(slot, BlobId(p.Get("indices")!, pp + ".indices"));
            }

            var derived = Array.Empty<string>();
            var derivedNode = derivedRequired ? Required(o, path, "derived") : o.Get("derived");
            if (derivedNode != null)
            {
                var derivedArray = AsArray(derivedNode, path + ".derived");
                derived = new string[derivedArray.Items.Count];
                for (int i = 0; i < derived.Length; i++)
                {
                    derived[i] = Name(derivedArray.Items[i], $"{path}.derived[{i}]");
                    if (derived[i].Length == 0) throw new JsonFieldException($"{path}.derived[{i}]", "expected what derived the mesh, got an empty string");
                }
            }
            var (targets, weightValues) = RiggingJson.ReadTargets(o, path);
            return new Mesh(uuid, (int)vertexCount, attributes, primitives, derived) { Targets = targets, Weights = weightValues };
        }

        /// <summary>
        /// Reads the inline form (<c>positions</c>, <c>triangles</c>, <c>uv0</c>?) written in
        /// <paramref name="space"/>, converts it to canonical (positions, winding), checks every
        /// value's range, and turns it into a record whose blobs go to <paramref name="sink"/>.
        /// </summary>
        /// <exception cref="JsonFieldException">A field is malformed or a value out of range.</exception>
        public static Mesh ReadInline(JsonObject o, string path, string uuid, Space space, double unitScale, IBlobSink? sink)
        {
            var positionsArray = AsArray(Required(o, path, "positions"), path + ".positions");
            var positions = new Vector3d[positionsArray.Items.Count];
            for (int i = 0; i < positions.Length; i++)
                positions[i] = Vector(positionsArray.Items[i], $"{path}.positions[{i}]");

            var trianglesArray = AsArray(Required(o, path, "triangles"), path + ".triangles");
            var triangles = new Triangle[trianglesArray.Items.Count];
            for (int i = 0; i < triangles.Length; i++)
            {
                string tp = $"{path}.triangles[{i}]";
                var t = AsArray(trianglesArray.Items[i], tp);
                if (t.Items.Count != 3) throw new JsonFieldException(tp, $"expected 3 indices, got {t.Items.Count}");
                triangles[i] = new Triangle(
                    Index(t.Items[0], tp + "[0]", positions.Length),
                    Index(t.Items[1], tp + "[1]", positions.Length),
                    Index(t.Items[2], tp + "[2]", positions.Length));
            }

            Vector2d[]? uv = null;
            if (o.Get("uv0") is { } uvNode)
            {
                var uvArray = AsArray(uvNode, path + ".uv0");
                uv = new Vector2d[uvArray.Items.Count];
                for (int i = 0; i < uv.Length; i++)
                {
                    var pair = Reals(uvArray.Items[i], $"{path}.uv0[{i}]", 2);
                    uv[i] = new Vector2d(pair[0], pair[1]);
                }
                if (uv.Length != positions.Length)
                    throw new JsonFieldException(path + ".uv0", $"expected one pair per position ({positions.Length}), got {uv.Length}");
            }

            for (int i = 0; i < positions.Length; i++)
            {
                var p = space switch
                {
                    Space.Blender => FrameMaps.PositionFromBlender(positions[i], unitScale),
                    Space.Unity => FrameMaps.PositionUnity(positions[i]),
                    _ => positions[i],
                };
                Range($"{path}.positions[{i}]", p.X, p.Y, p.Z);
                positions[i] = p;
            }
            if (space == Space.Unity)
                for (int i = 0; i < triangles.Length; i++) triangles[i] = triangles[i].Flipped(); // a mirror flips the winding
            if (uv != null)
                for (int i = 0; i < uv.Length; i++) Range($"{path}.uv0[{i}]", uv[i].X, uv[i].Y);
            return InlineMesh.ToRecord(uuid, positions, triangles, uv, sink);
        }

        private static void Range(string path, params double[] values)
        {
            foreach (var v in values)
                if (!Quantizer.IsHashable(v))
                    throw new JsonFieldException(path, $"expected a finite number within ±1e12 in canonical units, got {v:R}"); // NON_FINITE in an operation (docs/intents.md "Numbers")
        }

        /// <summary>Appends the record's fields after <c>"uuid": …</c>: <c>, "vertex_count": …, "attributes": {…}, "primitives": […], "derived": […], "targets": […], "weights": […]</c>.</summary>
        public static StringBuilder AppendFields(StringBuilder sb, Mesh m)
        {
            sb.Append(", \"vertex_count\": ").Append(m.VertexCount).Append(", \"attributes\": {");
            var semantics = m.SortedSemantics();
            for (int i = 0; i < semantics.Length; i++)
                (i > 0 ? sb.Append(", ") : sb).Append('"').Append(semantics[i]).Append("\": \"").Append(m.Attributes[semantics[i]]).Append('"');
            sb.Append("}, \"primitives\": [");
            for (int i = 0; i < m.Primitives.Count; i++)
                (i > 0 ? sb.Append(", ") : sb).Append("{\"material\": ").Append(m.Primitives[i].Material)
                    .Append(", \"indices\": \"").Append(m.Primitives[i].Indices).Append("\"}");
            sb.Append("], \"derived\": [");
            for (int i = 0; i < m.Derived.Count; i++) JsonText.AppendString(i > 0 ? sb.Append(", ") : sb, m.Derived[i]);
            return RiggingJson.AppendTargets(sb.Append(']'), m);
        }

        /// <summary>The whole record as JSON: <c>{"uuid": …, …}</c>.</summary>
        public static StringBuilder Append(StringBuilder sb, Mesh m) =>
            AppendFields(JsonText.AppendString(sb.Append("{\"uuid\": "), m.Uuid), m).Append('}');
    }
}
