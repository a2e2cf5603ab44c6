using System;
using System.Collections.Generic;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.State;

namespace VibeSync.Protocol.Comparison
{
    /// <summary>
    /// Field-wise comparison of canonical records with tolerance ε (docs/protocol.md §6). A hash
    /// mismatch only counts once this confirms it: values within ε may quantize apart.
    /// </summary>
    public static class FieldComparer
    {
        /// <summary>The fields of two objects that differ by more than <paramref name="epsilon"/>; empty when equal within ε.</summary>
        public static IReadOnlyList<string> Differences(SceneObject a, SceneObject b, double epsilon = Quantizer.Epsilon)
        {
            var diff = new List<string>();
            if (a.Uuid != b.Uuid) diff.Add("uuid");
            if (a.Name != b.Name) diff.Add("name");
            if (a.Kind != b.Kind) diff.Add("kind");
            if (a.Parent != b.Parent) diff.Add("parent");
            Vector(diff, "translation", a.Translation, b.Translation, epsilon);
            if (!RotationsClose(a.Rotation, b.Rotation, epsilon)) diff.Add("rotation");
            Vector(diff, "scale", a.Scale, b.Scale, epsilon);
            if (a.Visible != b.Visible) diff.Add("visible");
            if (!SameIds(a.Materials, b.Materials)) diff.Add("materials");
            if (a.Mesh != b.Mesh) diff.Add("mesh");
            return diff;
        }

        /// <summary>The fields of two materials that differ by more than <paramref name="epsilon"/>.</summary>
        public static IReadOnlyList<string> Differences(Material a, Material b, double epsilon = Quantizer.Epsilon)
        {
            var diff = new List<string>();
            if (a.Uuid != b.Uuid) diff.Add("uuid");
            if (a.Name != b.Name) diff.Add("name");
            Real(diff, "base_color[0]", a.BaseColor.X, b.BaseColor.X, epsilon);
            Real(diff, "base_color[1]", a.BaseColor.Y, b.BaseColor.Y, epsilon);
            Real(diff, "base_color[2]", a.BaseColor.Z, b.BaseColor.Z, epsilon);
            Real(diff, "base_color[3]", a.BaseColor.W, b.BaseColor.W, epsilon);
            Real(diff, "metallic", a.Metallic, b.Metallic, epsilon);
            Real(diff, "roughness", a.Roughness, b.Roughness, epsilon);
            Vector(diff, "emission", a.Emission, b.Emission, epsilon);
            return diff;
        }

        /// <summary>
        /// The fields of two mesh records that differ. Blob ids name ε-quantized arrays, so equal
        /// ids are equal content and different ids differ beyond ε somewhere (docs/protocol.md §12).
        /// </summary>
        public static IReadOnlyList<string> Differences(Mesh a, Mesh b)
        {
            var diff = new List<string>();
            if (a.Uuid != b.Uuid) diff.Add("uuid");
            if (a.VertexCount != b.VertexCount) diff.Add("vertex_count");
            var semantics = new SortedSet<string>(a.Attributes.Keys, StringComparer.Ordinal);
            semantics.UnionWith(b.Attributes.Keys);
            foreach (var s in semantics)
                if (a.Attribute(s) != b.Attribute(s)) diff.Add("attributes." + s);
            if (a.Primitives.Count != b.Primitives.Count) diff.Add("primitives");
            else
                for (int i = 0; i < a.Primitives.Count; i++)
                {
                    if (a.Primitives[i].Material != b.Primitives[i].Material) diff.Add($"primitives[{i}].material");
                    if (a.Primitives[i].Indices != b.Primitives[i].Indices) diff.Add($"primitives[{i}].indices");
                }
            if (!SameIds(a.Derived, b.Derived)) diff.Add("derived");
            return diff;
        }

        /// <summary>
        /// Record-by-record differences between the records an engine should hold and those it
        /// reports, as <c>uuid.field</c>; a missing record is <c>uuid missing</c>, and records
        /// reported beyond the expected ones are one entry. Empty when equal within ε.
        /// </summary>
        public static IReadOnlyList<string> Differences(Scene expected, Scene observed, double epsilon = Quantizer.Epsilon)
        {
            var diff = new List<string>();
            Compare(diff, expected.Objects, observed.Objects, o => o.Uuid, (a, b) => Differences(a, b, epsilon));
            Compare(diff, expected.Materials, observed.Materials, m => m.Uuid, (a, b) => Differences(a, b, epsilon));
            Compare(diff, expected.Meshes, observed.Meshes, m => m.Uuid, (a, b) => Differences(a, b));
            if (observed.Objects.Count + observed.Materials.Count + observed.Meshes.Count
                > expected.Objects.Count + expected.Materials.Count + expected.Meshes.Count)
                diff.Add("records that should not exist");
            return diff;
        }

        private static void Compare<T>(List<string> diff, IReadOnlyList<T> expected, IReadOnlyList<T> observed,
            Func<T, string> uuid, Func<T, T, IReadOnlyList<string>> fields)
        {
            var byId = new Dictionary<string, T>(StringComparer.Ordinal);
            foreach (var o in observed) byId[uuid(o)] = o;
            foreach (var e in expected)
            {
                if (!byId.TryGetValue(uuid(e), out var o)) { diff.Add(uuid(e) + " missing"); continue; }
                foreach (var f in fields(e, o)) diff.Add(uuid(e) + "." + f);
            }
        }

        /// <summary>True when q1 or −q1 lies within ε of q2, component-wise.</summary>
        public static bool RotationsClose(Quaterniond q1, Quaterniond q2, double epsilon = Quantizer.Epsilon)
        {
            bool same = Math.Abs(q1.X - q2.X) <= epsilon && Math.Abs(q1.Y - q2.Y) <= epsilon
                && Math.Abs(q1.Z - q2.Z) <= epsilon && Math.Abs(q1.W - q2.W) <= epsilon;
            bool opposite = Math.Abs(q1.X + q2.X) <= epsilon && Math.Abs(q1.Y + q2.Y) <= epsilon
                && Math.Abs(q1.Z + q2.Z) <= epsilon && Math.Abs(q1.W + q2.W) <= epsilon;
            return same || opposite;
        }

        private static void Vector(List<string> diff, string field, Vector3d a, Vector3d b, double epsilon)
        {
            Real(diff, field + "[0]", a.X, b.X, epsilon);
            Real(diff, field + "[1]", a.Y, b.Y, epsilon);
            Real(diff, field + "[2]", a.Z, b.Z, epsilon);
        }

        private static void Real(List<string> diff, string field, double a, double b, double epsilon)
        {
            if (!(Math.Abs(a - b) <= epsilon)) diff.Add(field);
        }

        private static bool SameIds<T>(IReadOnlyList<T> a, IReadOnlyList<T> b) where T : class?
        {
            if (a.Count != b.Count) return false;
            for (int i = 0; i < a.Count; i++) if (!Equals(a[i], b[i])) return false;
            return true;
        }
    }
}
