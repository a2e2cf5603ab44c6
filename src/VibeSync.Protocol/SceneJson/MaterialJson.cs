// Design rationale (CONTENT-V3 §2): one reader and one writer of the material record's JSON, shared
// by scene JSON and create_material/set_material_params, so both refuse alike with the same paths.
// Range rules live here too: a value out of range is a located error in a scene and INVALID_VALUE
// in an operation (OperationReader maps the reason), never two spellings of one rule.
using System.Collections.Generic;
using System.Text;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.State;
using static VibeSync.Protocol.Json.JsonFields;

namespace VibeSync.Protocol.SceneJson
{
    /// <summary>Reads and writes material records and texture bindings (docs/protocol.md §2, §8).</summary>
    public static class MaterialJson
    {
        /// <summary>The fields every material record has (schema 1 and 2 had only these).</summary>
        public static readonly string[] RequiredFields = { "uuid", "name", "base_color", "metallic", "roughness", "emission" };

        /// <summary>The schema-3 fields, optional in input (absent → glTF's default).</summary>
        public static readonly string[] OptionalFields =
            { "emissive_strength", "alpha_mode", "alpha_cutoff", "double_sided", "normal_scale", "occlusion_strength", "textures", "unsynced" };

        /// <summary>The fields of a texture binding (only <c>image</c> is required in input).</summary>
        public static readonly string[] TextureFields =
            { "texcoord", "wrap_s", "wrap_t", "mag_filter", "min_filter", "offset", "rotation", "scale" };

        /// <summary>Reads a whole material record (<paramref name="uuid"/> read by the caller, so operations can name it differently).</summary>
        /// <exception cref="JsonFieldException">A field is missing, unknown, malformed or out of range.</exception>
        public static Material Read(JsonObject o, string path, string uuid)
        {
            var m = new Material(uuid, Name(Required(o, path, "name"), path + ".name"),
                BaseColor(Required(o, path, "base_color"), path + ".base_color"),
                Unit(Required(o, path, "metallic"), path + ".metallic"),
                Unit(Required(o, path, "roughness"), path + ".roughness"),
                Emission(Required(o, path, "emission"), path + ".emission"));
            return ReadOptional(o, path, m);
        }

        /// <summary>The schema-3 fields present in <paramref name="o"/> applied to <paramref name="m"/>.</summary>
        public static Material ReadOptional(JsonObject o, string path, Material m)
        {
            if (o.Get("emissive_strength") is { } es) m = m with { EmissiveStrength = NonNegative(es, path + ".emissive_strength") };
            if (o.Get("alpha_mode") is { } am) m = m with { AlphaMode = (AlphaMode)Enum(am, path + ".alpha_mode", GltfNames.AlphaModes) };
            if (o.Get("alpha_cutoff") is { } ac) m = m with { AlphaCutoff = Unit(ac, path + ".alpha_cutoff") };
            if (o.Get("double_sided") is { } ds) m = m with { DoubleSided = Bool(ds, path + ".double_sided") };
            if (o.Get("normal_scale") is { } ns) m = m with { NormalScale = Finite(ns, path + ".normal_scale") };
            if (o.Get("occlusion_strength") is { } os) m = m with { OcclusionStrength = Unit(os, path + ".occlusion_strength") };
            if (o.Get("textures") is { } tx)
            {
                var textures = new Dictionary<TextureSlot, TextureBinding>();
                foreach (var pair in Textures(tx, path + ".textures", allowNull: false))
                    textures[pair.Key] = pair.Value!;
                m = m with { Textures = textures };
            }
            if (o.Get("unsynced") is { } un) m = m with { Unsynced = Unsynced(un, path + ".unsynced") };
            return m;
        }

        /// <summary>null, or a non-empty reason why Blender's node graph cannot be represented.</summary>
        public static string? Unsynced(JsonNode node, string path)
        {
            if (node is JsonNull) return null;
            var reason = Name(node, path);
            return reason.Length > 0 ? reason
                : throw new JsonFieldException(path, "expected null or the reason the material is not synced, got an empty string");
        }

        /// <summary>
        /// A <c>textures</c> object: slot name → binding (or null, when <paramref name="allowNull"/>:
        /// set_material_params removing a slot). Keys only from the five slots.
        /// </summary>
        public static IReadOnlyDictionary<TextureSlot, TextureBinding?> Textures(JsonNode node, string path, bool allowNull)
        {
            var o = AsObject(node, path);
            var result = new Dictionary<TextureSlot, TextureBinding?>();
            foreach (var member in o.Members)
            {
                string sp = path + "." + member.Key;
                int slot = GltfNames.IndexOf(GltfNames.TextureSlots, member.Key);
                if (slot < 0) throw new JsonFieldException(sp, $"unknown texture slot (expected {GltfNames.Choices(GltfNames.TextureSlots)})");
                if (member.Value is JsonNull)
                {
                    if (!allowNull) throw new JsonFieldException(sp, "expected a texture binding, got null");
                    result[(TextureSlot)slot] = null;
                }
                else result[(TextureSlot)slot] = Texture(member.Value, sp);
            }
            return result;
        }

        /// <summary>One texture binding; everything but <c>image</c> optional (glTF's defaults).</summary>
        public static TextureBinding Texture(JsonNode node, string path)
        {
            var o = AsObject(node, path);
            var required = new[] { "image" };
            CheckFields(o, path, required, TextureFields);
            var t = TextureBinding.Of(Id(o.Get("image")!, path + ".image"));
            if (o.Get("texcoord") is { } tc) t = t with { TexCoord = (int)Integer(tc, path + ".texcoord", 0, TextureBinding.MaxTexCoord, "a texture coordinate set") };
            if (o.Get("wrap_s") is { } ws) t = t with { WrapS = (TextureWrap)Enum(ws, path + ".wrap_s", GltfNames.Wraps) };
            if (o.Get("wrap_t") is { } wt) t = t with { WrapT = (TextureWrap)Enum(wt, path + ".wrap_t", GltfNames.Wraps) };
            if (o.Get("mag_filter") is { } mf) t = t with { MagFilter = (MagFilter)Enum(mf, path + ".mag_filter", GltfNames.MagFilters) };
            if (o.Get("min_filter") is { } nf) t = t with { MinFilter = (MinFilter)Enum(nf, path + ".min_filter", GltfNames.MinFilters) };
            if (o.Get("offset") is { } of) t = t with { Offset = Pair(of, path + ".offset") };
            if (o.Get("rotation") is { } ro) t = t with { Rotation = Finite(ro, path + ".rotation") };
            if (o.Get("scale") is { } sc) t = t with { Scale = Pair(sc, path + ".scale") };
            return t;
        }

        /// <summary>Appends the whole record (every field; <c>textures</c> with the slots present).</summary>
        public static StringBuilder Append(StringBuilder sb, Material m)
        {
            sb.Append("{\"uuid\": ");
            JsonText.AppendString(sb, m.Uuid).Append(", \"name\": ");
            JsonText.AppendString(sb, m.Name).Append(", \"base_color\": ");
            AppendReals(sb, m.BaseColor.X, m.BaseColor.Y, m.BaseColor.Z, m.BaseColor.W).Append(", \"metallic\": ");
            JsonText.AppendReal(sb, m.Metallic).Append(", \"roughness\": ");
            JsonText.AppendReal(sb, m.Roughness).Append(", \"emission\": ");
            AppendReals(sb, m.Emission.X, m.Emission.Y, m.Emission.Z).Append(", \"emissive_strength\": ");
            JsonText.AppendReal(sb, m.EmissiveStrength).Append(", \"alpha_mode\": \"").Append(GltfNames.AlphaModes[(int)m.AlphaMode]).Append("\", \"alpha_cutoff\": ");
            JsonText.AppendReal(sb, m.AlphaCutoff).Append(", \"double_sided\": ").Append(m.DoubleSided ? "true" : "false").Append(", \"normal_scale\": ");
            JsonText.AppendReal(sb, m.NormalScale).Append(", \"occlusion_strength\": ");
            JsonText.AppendReal(sb, m.OcclusionStrength).Append(", \"textures\": ");
            AppendTextures(sb, m.Textures).Append(", \"unsynced\": ");
            return (m.Unsynced is null ? sb.Append("null") : JsonText.AppendString(sb, m.Unsynced)).Append('}');
        }

        /// <summary>Appends a material's <c>textures</c> object, slots in encoding order.</summary>
        public static StringBuilder AppendTextures(StringBuilder sb, IReadOnlyDictionary<TextureSlot, TextureBinding> textures) =>
            AppendSlots(sb, (TextureSlot slot, out TextureBinding? t) => { bool found = textures.TryGetValue(slot, out var b); t = b; return found; });

        /// <summary>Appends set_material_params' <c>textures</c> changes; a removed slot is written as null.</summary>
        public static StringBuilder AppendTextureChanges(StringBuilder sb, IReadOnlyDictionary<TextureSlot, TextureBinding?> changes) =>
            AppendSlots(sb, changes.TryGetValue);

        private delegate bool SlotLookup(TextureSlot slot, out TextureBinding? binding);

        private static StringBuilder AppendSlots(StringBuilder sb, SlotLookup lookup)
        {
            sb.Append('{');
            bool first = true;
            for (var slot = TextureSlot.BaseColor; slot <= TextureSlot.Emissive; slot++)
            {
                if (!lookup(slot, out var t)) continue;
                if (!first) sb.Append(", ");
                first = false;
                sb.Append('"').Append(GltfNames.TextureSlots[(int)slot]).Append("\": ");
                if (t is null) sb.Append("null"); else AppendTexture(sb, t);
            }
            return sb.Append('}');
        }

        /// <summary>Appends one binding with every field.</summary>
        public static StringBuilder AppendTexture(StringBuilder sb, TextureBinding t)
        {
            sb.Append("{\"image\": ");
            JsonText.AppendString(sb, t.Image).Append(", \"texcoord\": ").Append(t.TexCoord)
                .Append(", \"wrap_s\": \"").Append(GltfNames.Wraps[(int)t.WrapS])
                .Append("\", \"wrap_t\": \"").Append(GltfNames.Wraps[(int)t.WrapT])
                .Append("\", \"mag_filter\": \"").Append(GltfNames.MagFilters[(int)t.MagFilter])
                .Append("\", \"min_filter\": \"").Append(GltfNames.MinFilters[(int)t.MinFilter]).Append("\", \"offset\": ");
            AppendReals(sb, t.Offset.X, t.Offset.Y).Append(", \"rotation\": ");
            JsonText.AppendReal(sb, t.Rotation).Append(", \"scale\": ");
            return AppendReals(sb, t.Scale.X, t.Scale.Y).Append('}');
        }

        // ---- values and their ranges (CONTENT-V3 §2) -------------------------------------------

        /// <summary>A linear RGBA colour, each component 0…1.</summary>
        public static Vector4d BaseColor(JsonNode node, string path)
        {
            var c = Reals(node, path, 4);
            for (int i = 0; i < 4; i++) InUnit(c[i], $"{path}[{i}]");
            return new Vector4d(c[0], c[1], c[2], c[3]);
        }

        /// <summary>A linear RGB emission, each component ≥ 0 (and within the hash range).</summary>
        public static Vector3d Emission(JsonNode node, string path)
        {
            var c = Reals(node, path, 3);
            for (int i = 0; i < 3; i++) AtLeastZero(c[i], $"{path}[{i}]");
            return new Vector3d(c[0], c[1], c[2]);
        }

        /// <summary>A number from 0 to 1.</summary>
        public static double Unit(JsonNode node, string path) => InUnit(Real(node, path), path);

        /// <summary>A number ≥ 0 within the hash range.</summary>
        public static double NonNegative(JsonNode node, string path) => AtLeastZero(Real(node, path), path);

        /// <summary>Any number within the hash range (±1e12).</summary>
        public static double Finite(JsonNode node, string path) => Hashable(Real(node, path), path);

        /// <summary>A real within the hash range (±1e12), else a refusal at <paramref name="path"/>.</summary>
        public static double Hashable(double v, string path) =>
            Hashing.Quantizer.IsHashable(v) ? v : throw new JsonFieldException(path, $"expected a finite number within ±1e12, got {v:R}");

        /// <summary>Two numbers within the hash range.</summary>
        public static Vector2d Pair(JsonNode node, string path)
        {
            var v = Reals(node, path, 2);
            return new Vector2d(Hashable(v[0], path + "[0]"), Hashable(v[1], path + "[1]"));
        }

        /// <summary>One of <paramref name="names"/>, as its index.</summary>
        public static int Enum(JsonNode node, string path, string[] names)
        {
            var text = Text(node, path);
            int i = GltfNames.IndexOf(names, text);
            return i >= 0 ? i : throw new JsonFieldException(path, $"unknown value \"{text}\" (expected {GltfNames.Choices(names)})");
        }

        /// <summary>true or false.</summary>
        public static bool Bool(JsonNode node, string path) =>
            node is JsonBool b ? b.Value : throw new JsonFieldException(path, "expected true or false");

        private static double InUnit(double v, string path) =>
            v >= 0 && v <= 1 ? v : throw new JsonFieldException(path, $"expected a number from 0 to 1, got {v:R}");

        private static double AtLeastZero(double v, string path) =>
            v >= 0 ? Hashable(v, path) : throw new JsonFieldException(path, $"expected a number ≥ 0, got {v:R}");

        internal static StringBuilder AppendReals(StringBuilder sb, params double[] values)
        {
            sb.Append('[');
            for (int i = 0; i < values.Length; i++) JsonText.AppendReal(i > 0 ? sb.Append(", ") : sb, values[i]);
            return sb.Append(']');
        }
    }
}
