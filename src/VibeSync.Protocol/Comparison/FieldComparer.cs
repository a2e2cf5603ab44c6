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
            CameraDifferences(diff, a.Camera, b.Camera, epsilon);
            LightDifferences(diff, a.Light, b.Light, epsilon);
            if (a.Skin != b.Skin) diff.Add("skin");
            return diff;
        }

        private static void CameraDifferences(List<string> diff, CameraParameters? a, CameraParameters? b, double epsilon)
        {
            if (a is null || b is null) { if (!(a is null && b is null)) diff.Add("camera"); return; }
            if (a.Type != b.Type) { diff.Add("camera.type"); return; }
            if (a.Type == CameraType.Perspective)
            {
                Real(diff, "camera.yfov", a.YFov, b.YFov, epsilon);
                Real(diff, "camera.aspect", a.Aspect, b.Aspect, epsilon);
            }
            else
            {
                Real(diff, "camera.xmag", a.XMag, b.XMag, epsilon);
                Real(diff, "camera.ymag", a.YMag, b.YMag, epsilon);
            }
            Real(diff, "camera.znear", a.ZNear, b.ZNear, epsilon);
            Real(diff, "camera.zfar", a.ZFar, b.ZFar, epsilon);
        }

        private static void LightDifferences(List<string> diff, LightParameters? a, LightParameters? b, double epsilon)
        {
            if (a is null || b is null) { if (!(a is null && b is null)) diff.Add("light"); return; }
            if (a.Type != b.Type) diff.Add("light.type");
            Vector(diff, "light.color", a.Color, b.Color, epsilon);
            Real(diff, "light.intensity", a.Intensity, b.Intensity, epsilon);
            if (a.Range is null || b.Range is null) { if (!(a.Range is null && b.Range is null)) diff.Add("light.range"); }
            else Real(diff, "light.range", a.Range.Value, b.Range.Value, epsilon);
            Real(diff, "light.inner_cone", a.InnerCone, b.InnerCone, epsilon);
            Real(diff, "light.outer_cone", a.OuterCone, b.OuterCone, epsilon);
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
            Real(diff, "emissive_strength", a.EmissiveStrength, b.EmissiveStrength, epsilon);
            if (a.AlphaMode != b.AlphaMode) diff.Add("alpha_mode");
            Real(diff, "alpha_cutoff", a.AlphaCutoff, b.AlphaCutoff, epsilon);
            if (a.DoubleSided != b.DoubleSided) diff.Add("double_sided");
            Real(diff, "normal_scale", a.NormalScale, b.NormalScale, epsilon);
            Real(diff, "occlusion_strength", a.OcclusionStrength, b.OcclusionStrength, epsilon);
            for (var slot = TextureSlot.BaseColor; slot <= TextureSlot.Emissive; slot++)
                TextureDifferences(diff, "textures." + GltfNames.TextureSlots[(int)slot], a.Texture(slot), b.Texture(slot), epsilon);
            if (a.Unsynced != b.Unsynced) diff.Add("unsynced");
            return diff;
        }

        private static void TextureDifferences(List<string> diff, string field, TextureBinding? a, TextureBinding? b, double epsilon)
        {
            if (a is null || b is null) { if (!(a is null && b is null)) diff.Add(field); return; }
            if (a.Image != b.Image) diff.Add(field + ".image");
            if (a.TexCoord != b.TexCoord) diff.Add(field + ".texcoord");
            if (a.WrapS != b.WrapS) diff.Add(field + ".wrap_s");
            if (a.WrapT != b.WrapT) diff.Add(field + ".wrap_t");
            if (a.MagFilter != b.MagFilter) diff.Add(field + ".mag_filter");
            if (a.MinFilter != b.MinFilter) diff.Add(field + ".min_filter");
            Real(diff, field + ".offset[0]", a.Offset.X, b.Offset.X, epsilon);
            Real(diff, field + ".offset[1]", a.Offset.Y, b.Offset.Y, epsilon);
            Real(diff, field + ".rotation", a.Rotation, b.Rotation, epsilon);
            Real(diff, field + ".scale[0]", a.Scale.X, b.Scale.X, epsilon);
            Real(diff, field + ".scale[1]", a.Scale.Y, b.Scale.Y, epsilon);
        }

        /// <summary>The fields of two image records that differ (integers, names and a blob id: exact).</summary>
        public static IReadOnlyList<string> Differences(Image a, Image b)
        {
            var diff = new List<string>();
            if (a.Uuid != b.Uuid) diff.Add("uuid");
            if (a.Name != b.Name) diff.Add("name");
            if (a.Mime != b.Mime) diff.Add("mime");
            if (a.Blob != b.Blob) diff.Add("blob");
            if (a.Width != b.Width) diff.Add("width");
            if (a.Height != b.Height) diff.Add("height");
            if (a.ColorSpace != b.ColorSpace) diff.Add("color_space");
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
            if (a.Targets.Count != b.Targets.Count) diff.Add("targets");
            else
                for (int i = 0; i < a.Targets.Count; i++)
                {
                    if (a.Targets[i].Name != b.Targets[i].Name) diff.Add($"targets[{i}].name");
                    if (a.Targets[i].Position != b.Targets[i].Position) diff.Add($"targets[{i}].POSITION");
                    if (a.Targets[i].Normal != b.Targets[i].Normal) diff.Add($"targets[{i}].NORMAL");
                }
            if (a.Weights.Count != b.Weights.Count) diff.Add("weights");
            else
                for (int i = 0; i < a.Weights.Count; i++) Real(diff, $"weights[{i}]", a.Weights[i], b.Weights[i], Quantizer.Epsilon);
            return diff;
        }

        /// <summary>The fields of two skin records that differ (names, ids and a blob id: exact).</summary>
        public static IReadOnlyList<string> Differences(Skin a, Skin b)
        {
            var diff = new List<string>();
            if (a.Uuid != b.Uuid) diff.Add("uuid");
            if (a.Name != b.Name) diff.Add("name");
            if (!SameIds(a.Joints, b.Joints)) diff.Add("joints");
            if (a.InverseBindMatrices != b.InverseBindMatrices) diff.Add("inverse_bind_matrices");
            if (a.Skeleton != b.Skeleton) diff.Add("skeleton");
            return diff;
        }

        /// <summary>
        /// The fields of two animation records that differ: a channel is named by its target and path
        /// (<c>channels.TARGET.rotation.values</c>), one missing on either side by itself.
        /// </summary>
        public static IReadOnlyList<string> Differences(Animation a, Animation b)
        {
            var diff = new List<string>();
            if (a.Uuid != b.Uuid) diff.Add("uuid");
            if (a.Name != b.Name) diff.Add("name");
            int i = 0, j = 0;
            while (i < a.Channels.Count || j < b.Channels.Count)
            {
                int order = i == a.Channels.Count ? 1 : j == b.Channels.Count ? -1 : AnimationChannel.Compare(a.Channels[i], b.Channels[j]);
                var c = order <= 0 ? a.Channels[i] : b.Channels[j];
                string field = $"channels.{c.Target}.{GltfNames.AnimationPaths[(int)c.Path]}";
                if (order != 0) diff.Add(field);
                else
                {
                    var d = b.Channels[j];
                    if (c.Interpolation != d.Interpolation) diff.Add(field + ".interpolation");
                    if (c.Times != d.Times) diff.Add(field + ".times");
                    if (c.Values != d.Values) diff.Add(field + ".values");
                    if (c.Sampled != d.Sampled) diff.Add(field + ".sampled");
                }
                if (order <= 0) i++;
                if (order >= 0) j++;
            }
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
            Compare(diff, expected.Images, observed.Images, i => i.Uuid, (a, b) => Differences(a, b));
            Compare(diff, expected.Skins, observed.Skins, s => s.Uuid, (a, b) => Differences(a, b));
            Compare(diff, expected.Animations, observed.Animations, a => a.Uuid, (a, b) => Differences(a, b));
            if (observed.RecordCount > expected.RecordCount)
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
