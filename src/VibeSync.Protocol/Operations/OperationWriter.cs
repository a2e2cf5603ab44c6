using System;
using System.Linq;
using System.Text;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.State;

namespace VibeSync.Protocol.Operations
{
    /// <summary>
    /// Writes intents and operations as the JSON <see cref="OperationReader"/> reads: what is
    /// journaled for a coalesced intent, and what the link sends to engines. Reading what is written
    /// gives the same operations back (a tested round trip).
    /// </summary>
    public static class OperationWriter
    {
        /// <summary>The intent as JSON: operations, then based_on and rationale when present.</summary>
        public static string Write(IntentRequest request)
        {
            var sb = new StringBuilder(128 * request.Operations.Count + 64);
            sb.Append("{\"operations\": [");
            for (int i = 0; i < request.Operations.Count; i++)
            {
                if (i > 0) sb.Append(", ");
                Append(sb, request.Operations[i]);
            }
            sb.Append(']');
            if (request.BasedOn.Count > 0)
            {
                sb.Append(", \"based_on\": {");
                bool first = true;
                foreach (var (uuid, hash) in request.BasedOn.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first) sb.Append(", ");
                    first = false;
                    JsonText.AppendString(sb, uuid).Append(": ");
                    JsonText.AppendString(sb, hash);
                }
                sb.Append('}');
            }
            if (request.Rationale != null)
            {
                sb.Append(", \"rationale\": ");
                JsonText.AppendString(sb, request.Rationale);
            }
            return sb.Append('}').ToString();
        }

        /// <summary>Appends one operation as a JSON object.</summary>
        public static StringBuilder Append(StringBuilder sb, Operation op)
        {
            sb.Append("{\"op\": ");
            JsonText.AppendString(sb, op.Name);
            Field(sb, "uuid").Append(Quote(op.Uuid));
            switch (op)
            {
                case SetTransform t:
                    if (t.Translation is { } tr) Vector(Field(sb, "translation"), tr);
                    if (t.Rotation is { } r) Quaternion(Field(sb, "rotation"), r);
                    if (t.Scale is { } sc) Vector(Field(sb, "scale"), sc);
                    break;
                case SetVisibility v:
                    Field(sb, "visible").Append(v.Visible ? "true" : "false");
                    break;
                case SetMaterialParams m:
                    if (m.BaseColor is { } color) Reals(Field(sb, "base_color"), color.X, color.Y, color.Z, color.W);
                    if (m.Metallic is { } metallic) JsonText.AppendReal(Field(sb, "metallic"), metallic);
                    if (m.Roughness is { } roughness) JsonText.AppendReal(Field(sb, "roughness"), roughness);
                    if (m.Emission is { } e) Vector(Field(sb, "emission"), e);
                    if (m.EmissiveStrength is { } es) JsonText.AppendReal(Field(sb, "emissive_strength"), es);
                    if (m.AlphaMode is { } am) Field(sb, "alpha_mode").Append('"').Append(GltfNames.AlphaModes[(int)am]).Append('"');
                    if (m.AlphaCutoff is { } ac) JsonText.AppendReal(Field(sb, "alpha_cutoff"), ac);
                    if (m.DoubleSided is { } ds) Field(sb, "double_sided").Append(ds ? "true" : "false");
                    if (m.NormalScale is { } ns) JsonText.AppendReal(Field(sb, "normal_scale"), ns);
                    if (m.OcclusionStrength is { } os) JsonText.AppendReal(Field(sb, "occlusion_strength"), os);
                    if (m.Textures != null) MaterialJson.AppendTextureChanges(Field(sb, "textures"), m.Textures);
                    if (m.SetsUnsynced) Field(sb, "unsynced").Append(Quote(m.Unsynced));
                    break;
                case AssignMaterial a:
                    Field(sb, "slot").Append(a.Slot);
                    Field(sb, "material").Append(Quote(a.Material));
                    break;
                case SetParent p:
                    Field(sb, "parent").Append(Quote(p.Parent));
                    break;
                case SetMesh m:
                    Field(sb, "mesh").Append(Quote(m.Mesh));
                    break;
                case CreateObject c:
                    Field(sb, "name").Append(Quote(c.ObjectName));
                    Field(sb, "kind").Append(Quote(ObjectKindNames.Name(c.Kind)));
                    Field(sb, "parent").Append(Quote(c.Parent));
                    Vector(Field(sb, "translation"), c.Translation);
                    Quaternion(Field(sb, "rotation"), c.Rotation);
                    Vector(Field(sb, "scale"), c.Scale);
                    Field(sb, "visible").Append(c.Visible ? "true" : "false");
                    if (c.Mesh != null) Field(sb, "mesh").Append(Quote(c.Mesh));
                    if (c.Materials.Count > 0) Field(sb, "materials").Append('[').Append(string.Join(", ", c.Materials.Select(Quote))).Append(']');
                    if (c.Camera != null) ViewJson.Append(Field(sb, "camera"), c.Camera);
                    if (c.Light != null) ViewJson.Append(Field(sb, "light"), c.Light);
                    if (c.Skin != null) Field(sb, "skin").Append(Quote(c.Skin));
                    break;
                case SetSkin k:
                    Field(sb, "skin").Append(Quote(k.Skin));
                    break;
                case CreateSkin k:
                    AppendAfterUuid(sb, RiggingJson.Append(new StringBuilder(), k.Skin).ToString());
                    break;
                case UpdateSkin u:
                    if (u.Joints != null) RiggingJson.AppendIds(Field(sb, "joints"), u.Joints);
                    if (u.InverseBindMatrices != null) Field(sb, "inverse_bind_matrices").Append(Quote(u.InverseBindMatrices));
                    if (u.SetsSkeleton) Field(sb, "skeleton").Append(Quote(u.Skeleton));
                    break;
                case SetMorphWeights w:
                    Reals(Field(sb, "weights"), w.Weights.ToArray());
                    break;
                case CreateAnimation a:
                    AppendAfterUuid(sb, RiggingJson.Append(new StringBuilder(), a.Animation).ToString());
                    break;
                case SetAnimationChannel c:
                    Field(sb, "target").Append(Quote(c.Target));
                    Field(sb, "path").Append('"').Append(GltfNames.AnimationPaths[(int)c.Path]).Append('"');
                    if (c.Channel is { } channel) RiggingJson.AppendSampler(sb, channel);
                    else Field(sb, "remove").Append("true");
                    break;
                case DeleteSkin:
                case DeleteAnimation:
                    break;
                case InstantiatePrefab i:
                    Field(sb, "prefab").Append(Quote(i.Prefab));
                    Field(sb, "name").Append(Quote(i.ObjectName));
                    Field(sb, "parent").Append(Quote(i.Parent));
                    Vector(Field(sb, "translation"), i.Translation);
                    Quaternion(Field(sb, "rotation"), i.Rotation);
                    Vector(Field(sb, "scale"), i.Scale);
                    break;
                case DuplicateObject d:
                    Field(sb, "new_uuid").Append(Quote(d.NewUuid));
                    if (d.NewName != null) Field(sb, "name").Append(Quote(d.NewName));
                    break;
                case DeleteObject d:
                    Field(sb, "children").Append(d.Children == ChildrenPolicy.Delete ? "\"delete\"" : "\"reparent\"");
                    break;
                case ReplaceMesh m:
                    MeshJson.AppendFields(sb, m.Mesh);
                    break;
                case CreateMesh m:
                    MeshJson.AppendFields(sb, m.Mesh);
                    break;
                case CreateMaterial m:
                    // The record's fields after its uuid: MaterialJson writes "{"uuid": …, rest}".
                    AppendAfterUuid(sb, MaterialJson.Append(new StringBuilder(), m.Material).ToString());
                    break;
                case CreateImage i:
                    AppendAfterUuid(sb, ImageJson.Append(new StringBuilder(), i.Image).ToString());
                    break;
                case ReplaceImage ri:
                    Field(sb, "blob").Append(Quote(ri.Blob));
                    Field(sb, "mime").Append(Quote(ri.Mime));
                    Field(sb, "width").Append(ri.Width);
                    Field(sb, "height").Append(ri.Height);
                    if (ri.ColorSpace is { } cs) Field(sb, "color_space").Append('"').Append(GltfNames.ColorSpaces[(int)cs]).Append('"');
                    break;
                case SetCamera c:
                    if (c.Type is { } ct) Field(sb, "type").Append('"').Append(GltfNames.CameraTypes[(int)ct]).Append('"');
                    Optional(sb, "yfov", c.YFov); Optional(sb, "aspect", c.Aspect); Optional(sb, "xmag", c.XMag);
                    Optional(sb, "ymag", c.YMag); Optional(sb, "znear", c.ZNear); Optional(sb, "zfar", c.ZFar);
                    break;
                case SetLight l:
                    if (l.Type is { } lt) Field(sb, "type").Append('"').Append(GltfNames.LightTypes[(int)lt]).Append('"');
                    if (l.Color is { } color3) Vector(Field(sb, "color"), color3);
                    Optional(sb, "intensity", l.Intensity);
                    if (l.SetsRange) { if (l.Range is { } range) JsonText.AppendReal(Field(sb, "range"), range); else Field(sb, "range").Append("null"); }
                    Optional(sb, "inner_cone", l.InnerCone); Optional(sb, "outer_cone", l.OuterCone);
                    break;
                case ReplaceAsset a:
                    Field(sb, "asset").Append(Quote(a.Asset));
                    break;
                case Rename n:
                    Field(sb, "name").Append(Quote(n.NewName));
                    break;
                default:
                    throw new ArgumentException($"no JSON form for {op.GetType().Name}", nameof(op));
            }
            return sb.Append('}');
        }

        private static void Optional(StringBuilder sb, string name, double? value)
        {
            if (value is { } v) JsonText.AppendReal(Field(sb, name), v);
        }

        /// <summary>Appends a record's JSON members after its leading <c>"uuid": "…"</c> (the operation wrote its own uuid).</summary>
        private static void AppendAfterUuid(StringBuilder sb, string record)
        {
            int comma = record.IndexOf(", ", StringComparison.Ordinal); // after the uuid, which needs no escaping (validated ID)
            sb.Append(record, comma, record.Length - comma - 1);
        }

        private static StringBuilder Field(StringBuilder sb, string name) => JsonText.AppendString(sb.Append(", "), name).Append(": ");

        private static string Quote(string? s) => s == null ? "null" : JsonText.AppendString(new StringBuilder(s.Length + 2), s).ToString();

        private static void Vector(StringBuilder sb, Vector3d v) => Reals(sb, v.X, v.Y, v.Z);

        private static void Quaternion(StringBuilder sb, Quaterniond q) => Reals(sb, q.X, q.Y, q.Z, q.W);

        private static void Reals(StringBuilder sb, params double[] values)
        {
            sb.Append('[');
            for (int i = 0; i < values.Length; i++)
            {
                if (i > 0) sb.Append(", ");
                JsonText.AppendReal(sb, values[i]);
            }
            sb.Append(']');
        }
    }
}
