// Design rationale (CONTENT-V3 §4): camera and light parameters as glTF writes them, in every space
// (the engines convert lens and watts at their edge). The field set depends on the type, so a
// perspective camera with xmag is refused as an unknown field rather than silently ignored.
using System;
using System.Text;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.State;
using static VibeSync.Protocol.Json.JsonFields;

namespace VibeSync.Protocol.SceneJson
{
    /// <summary>Reads and writes the <c>camera</c> and <c>light</c> parameters of an object (docs/protocol.md §2).</summary>
    public static class ViewJson
    {
        /// <summary>The fields of a perspective camera.</summary>
        public static readonly string[] PerspectiveFields = { "type", "yfov", "aspect", "znear", "zfar" };
        /// <summary>The fields of an orthographic camera.</summary>
        public static readonly string[] OrthographicFields = { "type", "xmag", "ymag", "znear", "zfar" };
        /// <summary>The fields of a light (range and, except for spot, the cones optional in input).</summary>
        public static readonly string[] LightFields = { "type", "color", "intensity", "range", "inner_cone", "outer_cone" };

        /// <summary>Camera parameters, or null for JSON null.</summary>
        /// <exception cref="JsonFieldException">Malformed or out of range.</exception>
        public static CameraParameters? Camera(JsonNode node, string path)
        {
            if (node is JsonNull) return null;
            var o = AsObject(node, path);
            var type = (CameraType)MaterialJson.Enum(Required(o, path, "type"), path + ".type", GltfNames.CameraTypes);
            CheckFields(o, path, type == CameraType.Perspective ? PerspectiveFields : OrthographicFields, Array.Empty<string>());
            var c = type == CameraType.Perspective
                ? CameraParameters.Perspective(Real(o.Get("yfov")!, path + ".yfov"), Real(o.Get("aspect")!, path + ".aspect"),
                    Real(o.Get("znear")!, path + ".znear"), Real(o.Get("zfar")!, path + ".zfar"))
                : CameraParameters.Orthographic(Real(o.Get("xmag")!, path + ".xmag"), Real(o.Get("ymag")!, path + ".ymag"),
                    Real(o.Get("znear")!, path + ".znear"), Real(o.Get("zfar")!, path + ".zfar"));
            CheckCamera(c, path);
            return c;
        }

        /// <summary>The camera ranges (glTF's, with zfar required): the first broken rule, as a refusal at its field.</summary>
        public static void CheckCamera(CameraParameters c, string path)
        {
            if (c.Type == CameraType.Perspective)
            {
                if (!(c.YFov > 0 && c.YFov < Math.PI)) throw new JsonFieldException(path + ".yfov", $"expected radians greater than 0 and less than π, got {c.YFov:R}");
                Positive(c.Aspect, path + ".aspect");
            }
            else
            {
                Positive(c.XMag, path + ".xmag");
                Positive(c.YMag, path + ".ymag");
            }
            Positive(c.ZNear, path + ".znear");
            if (!(c.ZFar > c.ZNear)) throw new JsonFieldException(path + ".zfar", $"expected a number greater than znear ({c.ZNear:R}), got {c.ZFar:R}");
            MaterialJson.Hashable(c.ZFar, path + ".zfar");
        }

        /// <summary>Light parameters, or null for JSON null.</summary>
        /// <exception cref="JsonFieldException">Malformed or out of range.</exception>
        public static LightParameters? Light(JsonNode node, string path)
        {
            if (node is JsonNull) return null;
            var o = AsObject(node, path);
            var type = (LightType)MaterialJson.Enum(Required(o, path, "type"), path + ".type", GltfNames.LightTypes);
            // Only a spot light needs its cones; the others may state them as 0 (output always writes them).
            CheckFields(o, path, type == LightType.Spot ? new[] { "type", "color", "intensity", "inner_cone", "outer_cone" } : new[] { "type", "color", "intensity" },
                type == LightType.Spot ? new[] { "range" } : new[] { "range", "inner_cone", "outer_cone" });
            var color = Reals(o.Get("color")!, path + ".color", 3);
            double? range = o.Get("range") is { } r && r is not JsonNull ? Real(r, path + ".range") : null;
            var light = new LightParameters(type, new Vector3d(color[0], color[1], color[2]), Real(o.Get("intensity")!, path + ".intensity"), range,
                o.Get("inner_cone") is { } ic ? Real(ic, path + ".inner_cone") : 0,
                o.Get("outer_cone") is { } oc ? Real(oc, path + ".outer_cone") : 0);
            CheckLight(light, path);
            return light;
        }

        /// <summary>The light ranges: the first broken rule, as a refusal at its field.</summary>
        public static void CheckLight(LightParameters l, string path)
        {
            InUnit(l.Color.X, path + ".color[0]"); InUnit(l.Color.Y, path + ".color[1]"); InUnit(l.Color.Z, path + ".color[2]");
            if (!(l.Intensity >= 0)) throw new JsonFieldException(path + ".intensity", $"expected a number ≥ 0, got {l.Intensity:R}");
            MaterialJson.Hashable(l.Intensity, path + ".intensity");
            if (l.Range is { } range) { Positive(range, path + ".range"); }
            if (l.Type == LightType.Spot)
            {
                if (!(l.OuterCone > 0 && l.OuterCone <= Math.PI / 2))
                    throw new JsonFieldException(path + ".outer_cone", $"expected radians greater than 0 and at most π/2, got {l.OuterCone:R}");
                if (!(l.InnerCone >= 0 && l.InnerCone < l.OuterCone))
                    throw new JsonFieldException(path + ".inner_cone", $"expected radians from 0 to less than outer_cone ({l.OuterCone:R}), got {l.InnerCone:R}");
            }
            else
            {
                if (l.InnerCone != 0) throw new JsonFieldException(path + ".inner_cone", $"only a spot light has cones (expected 0), got {l.InnerCone:R}");
                if (l.OuterCone != 0) throw new JsonFieldException(path + ".outer_cone", $"only a spot light has cones (expected 0), got {l.OuterCone:R}");
            }
        }

        /// <summary>
        /// One camera or light number of set_camera/set_light, with the range it has on its own
        /// (rules between fields, zfar &gt; znear and inner &lt; outer, are checked once merged).
        /// </summary>
        public static double Field(string name, JsonNode node, string path)
        {
            double v = Real(node, path);
            switch (name)
            {
                case "yfov":
                    if (!(v > 0 && v < Math.PI)) throw new JsonFieldException(path, $"expected radians greater than 0 and less than π, got {v:R}");
                    return v;
                case "intensity":
                    if (!(v >= 0)) throw new JsonFieldException(path, $"expected a number ≥ 0, got {v:R}");
                    return MaterialJson.Hashable(v, path);
                case "outer_cone":
                    if (!(v > 0 && v <= Math.PI / 2)) throw new JsonFieldException(path, $"expected radians greater than 0 and at most π/2, got {v:R}");
                    return v;
                case "inner_cone":
                    if (!(v >= 0 && v < Math.PI / 2)) throw new JsonFieldException(path, $"expected radians from 0 to less than π/2, got {v:R}");
                    return v;
                default: // aspect, xmag, ymag, znear, zfar, range
                    Positive(v, path);
                    return v;
            }
        }

        /// <summary>A light colour: three numbers 0…1.</summary>
        public static Vector3d Color(JsonNode node, string path)
        {
            var c = Reals(node, path, 3);
            for (int i = 0; i < 3; i++) InUnit(c[i], $"{path}[{i}]");
            return new Vector3d(c[0], c[1], c[2]);
        }

        /// <summary>Appends camera parameters (only the type's fields).</summary>
        public static StringBuilder Append(StringBuilder sb, CameraParameters c)
        {
            sb.Append("{\"type\": \"").Append(GltfNames.CameraTypes[(int)c.Type]).Append('"');
            if (c.Type == CameraType.Perspective)
            {
                JsonText.AppendReal(sb.Append(", \"yfov\": "), c.YFov);
                JsonText.AppendReal(sb.Append(", \"aspect\": "), c.Aspect);
            }
            else
            {
                JsonText.AppendReal(sb.Append(", \"xmag\": "), c.XMag);
                JsonText.AppendReal(sb.Append(", \"ymag\": "), c.YMag);
            }
            JsonText.AppendReal(sb.Append(", \"znear\": "), c.ZNear);
            JsonText.AppendReal(sb.Append(", \"zfar\": "), c.ZFar);
            return sb.Append('}');
        }

        /// <summary>Appends light parameters (every field).</summary>
        public static StringBuilder Append(StringBuilder sb, LightParameters l)
        {
            sb.Append("{\"type\": \"").Append(GltfNames.LightTypes[(int)l.Type]).Append("\", \"color\": ");
            MaterialJson.AppendReals(sb, l.Color.X, l.Color.Y, l.Color.Z);
            JsonText.AppendReal(sb.Append(", \"intensity\": "), l.Intensity);
            sb.Append(", \"range\": ");
            if (l.Range is { } r) JsonText.AppendReal(sb, r); else sb.Append("null");
            JsonText.AppendReal(sb.Append(", \"inner_cone\": "), l.InnerCone);
            JsonText.AppendReal(sb.Append(", \"outer_cone\": "), l.OuterCone);
            return sb.Append('}');
        }

        private static void Positive(double v, string path)
        {
            if (!(v > 0)) throw new JsonFieldException(path, $"expected a number greater than 0, got {v:R}");
            MaterialJson.Hashable(v, path);
        }

        private static void InUnit(double v, string path)
        {
            if (!(v >= 0 && v <= 1)) throw new JsonFieldException(path, $"expected a number from 0 to 1, got {v:R}");
        }
    }
}
