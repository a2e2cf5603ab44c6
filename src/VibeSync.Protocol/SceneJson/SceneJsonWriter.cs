using System.Text;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;

namespace VibeSync.Protocol.SceneJson
{
    /// <summary>
    /// Writes a canonical scene as the scene JSON of docs/protocol.md §8 in any space, the shape
    /// <see cref="SceneJsonReader"/> and <c>vibesync hash</c> read. Reals round-trip exactly.
    /// </summary>
    public static class SceneJsonWriter
    {
        /// <summary>Converts <paramref name="canonical"/> to <paramref name="space"/> and writes it.</summary>
        public static string Write(Scene canonical, Space space, double unitScale = 1.0)
        {
            var s = SceneConverter.FromCanonical(canonical, space, unitScale);
            string t, r, sc;
            switch (space)
            {
                case Space.Blender: t = "location"; r = "rotation_quaternion"; sc = "scale"; break;
                case Space.Unity: t = "localPosition"; r = "localRotation"; sc = "localScale"; break;
                default: t = "translation"; r = "rotation"; sc = "scale"; break;
            }
            var sb = new StringBuilder("{");
            if (space == Space.Blender) JsonText.AppendReal(sb.Append("\"unit_scale\": "), unitScale).Append(", ");
            sb.Append("\"objects\": [");
            for (int i = 0; i < s.Objects.Count; i++)
            {
                var o = s.Objects[i];
                if (i > 0) sb.Append(", ");
                sb.Append("{\"uuid\": ");
                JsonText.AppendString(sb, o.Uuid).Append(", \"name\": ");
                JsonText.AppendString(sb, o.Name).Append(", \"kind\": \"").Append(ObjectKindNames.Name(o.Kind)).Append("\", \"parent\": ");
                Id(sb, o.Parent).Append(", \"").Append(t).Append("\": ");
                Reals(sb, o.Translation.X, o.Translation.Y, o.Translation.Z).Append(", \"").Append(r).Append("\": ");
                var q = o.Rotation;
                if (space == Space.Blender) Reals(sb, q.W, q.X, q.Y, q.Z); else Reals(sb, q.X, q.Y, q.Z, q.W);
                sb.Append(", \"").Append(sc).Append("\": ");
                Reals(sb, o.Scale.X, o.Scale.Y, o.Scale.Z).Append(", \"visible\": ").Append(o.Visible ? "true" : "false").Append(", \"materials\": [");
                for (int m = 0; m < o.Materials.Count; m++) Id(m > 0 ? sb.Append(", ") : sb, o.Materials[m]);
                sb.Append("], \"mesh\": ");
                Id(sb, o.Mesh);
                if (o.Camera != null) ViewJson.Append(sb.Append(", \"camera\": "), o.Camera);
                if (o.Light != null) ViewJson.Append(sb.Append(", \"light\": "), o.Light);
                if (o.Skin != null) JsonText.AppendString(sb.Append(", \"skin\": "), o.Skin);
                sb.Append('}');
            }
            sb.Append("], \"materials\": [");
            for (int i = 0; i < s.Materials.Count; i++)
            {
                var m = s.Materials[i];
                if (i > 0) sb.Append(", ");
                MaterialJson.Append(sb, m);
            }
            sb.Append("], \"meshes\": [");
            for (int i = 0; i < s.Meshes.Count; i++)
            {
                var m = s.Meshes[i];
                if (i > 0) sb.Append(", ");
                MeshJson.Append(sb, m);
            }
            sb.Append("], \"images\": [");
            for (int i = 0; i < s.Images.Count; i++) ImageJson.Append(i > 0 ? sb.Append(", ") : sb, s.Images[i]);
            sb.Append("], \"skins\": [");
            for (int i = 0; i < s.Skins.Count; i++) RiggingJson.Append(i > 0 ? sb.Append(", ") : sb, s.Skins[i]);
            sb.Append("], \"animations\": [");
            for (int i = 0; i < s.Animations.Count; i++) RiggingJson.Append(i > 0 ? sb.Append(", ") : sb, s.Animations[i]);
            return sb.Append("]}").ToString();
        }

        private static StringBuilder Reals(StringBuilder sb, params double[] values) => MaterialJson.AppendReals(sb, values);

        private static StringBuilder Id(StringBuilder sb, string? id) => id is null ? sb.Append("null") : JsonText.AppendString(sb, id);
    }
}
