using System;
using System.Collections.Generic;
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
                    Field(sb, "name").Append(Quote(m.MaterialName));
                    Reals(Field(sb, "base_color"), m.BaseColor.X, m.BaseColor.Y, m.BaseColor.Z, m.BaseColor.W);
                    JsonText.AppendReal(Field(sb, "metallic"), m.Metallic);
                    JsonText.AppendReal(Field(sb, "roughness"), m.Roughness);
                    Vector(Field(sb, "emission"), m.Emission);
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
