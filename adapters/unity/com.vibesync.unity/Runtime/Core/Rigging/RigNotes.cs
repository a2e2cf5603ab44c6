// Design rationale (CONTENT-V4 §3, §5): Unity has no skin object and no place for a VibeSync ID on an
// AnimationClip's channels: a skin is bones on a SkinnedMeshRenderer plus bind poses on its mesh, a
// morph weight lives on each renderer (0–100), an animation is a clip of float curves. What a record
// says that these cannot hold — a skin's uuid, name, skeleton and bind matrices in the skeleton's
// space, the weight a record gave (a double) — is kept here, with the Unity values it was written as,
// as LookNotes does for materials: a value Unity still holds exactly as written reads back as the
// record, one a human changed is converted from Unity's.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.State;

namespace VibeSync.Unity.Rigging
{
    /// <summary>Skins, skin bindings, morph weights and animation records the core last wrote, and the blobs they name.</summary>
    public sealed class RigNotes
    {
        private readonly Dictionary<string, Skin> _skins = new Dictionary<string, Skin>(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _skinOf = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly Dictionary<string, IReadOnlyList<double>> _weights = new Dictionary<string, IReadOnlyList<double>>(StringComparer.Ordinal);
        private readonly Dictionary<string, (Animation Record, UnityClip Written)> _clips = new Dictionary<string, (Animation, UnityClip)>(StringComparer.Ordinal);
        private readonly Dictionary<string, float[]> _bindposes = new Dictionary<string, float[]>(StringComparer.Ordinal);

        /// <summary>
        /// The bytes of every blob a skin or animation record written here names (inverse bind matrices,
        /// keyframe times and values) and of those named from Unity's clips: bind poses are computed from
        /// them again when a skinned object moves, and they answer BLOB_WANT.
        /// </summary>
        public BlobMemory Blobs { get; } = new BlobMemory();

        /// <summary>Skin records, by uuid.</summary>
        public IReadOnlyCollection<Skin> Skins => _skins.Values;

        /// <summary>The skin record <paramref name="id"/>, or null.</summary>
        public Skin? Skin(string id) => _skins.TryGetValue(id, out var s) ? s : null;

        /// <summary>Keeps <paramref name="skin"/> (null: forgets <paramref name="id"/>).</summary>
        public void SetSkin(string id, Skin? skin) => Set(_skins, id, skin);

        /// <summary>The skin object <paramref name="objectId"/> is bound to, or null.</summary>
        public string? SkinOf(string objectId) => _skinOf.TryGetValue(objectId, out var s) ? s : null;

        /// <summary>Binds object <paramref name="objectId"/> to skin <paramref name="skin"/> (null: unbinds).</summary>
        public void SetSkinOf(string objectId, string? skin) => Set(_skinOf, objectId, skin);

        /// <summary>Objects bound to a skin, with it.</summary>
        public IReadOnlyDictionary<string, string> Bindings => _skinOf;

        /// <summary>The morph weights last written for mesh <paramref name="meshId"/> (0…1), or null.</summary>
        public IReadOnlyList<double>? Weights(string meshId) => _weights.TryGetValue(meshId, out var w) ? w : null;

        /// <summary>Notes the weights written for mesh <paramref name="meshId"/> (null: forgets).</summary>
        public void SetWeights(string meshId, IReadOnlyList<double>? weights) => Set(_weights, meshId, weights);

        /// <summary>The animation record last written to clip <paramref name="id"/> and the clip it was written as, or null.</summary>
        public (Animation Record, UnityClip Written)? Clip(string id) => _clips.TryGetValue(id, out var c) ? c : ((Animation, UnityClip)?)null;

        /// <summary>Notes <paramref name="record"/> written as <paramref name="written"/> (record null: forgets).</summary>
        public void SetClip(string id, Animation? record, UnityClip? written)
        {
            if (record == null || written == null) _clips.Remove(id);
            else _clips[id] = (record, written);
        }

        /// <summary>The bind poses last written to mesh <paramref name="meshId"/> (16 floats each, Unity's frame), or null: others there are a human's.</summary>
        public float[]? Bindposes(string meshId) => _bindposes.TryGetValue(meshId, out var b) ? b : null;

        /// <summary>Notes the bind poses written to mesh <paramref name="meshId"/> (null: forgets).</summary>
        public void SetBindposes(string meshId, float[]? written) => Set(_bindposes, meshId, written);

        /// <summary>Keeps the bytes of every blob <paramref name="ids"/> names that <paramref name="source"/> holds (copied: a received blob goes away).</summary>
        /// <exception cref="MeshContentException">A blob is in neither (BLOB_MISSING).</exception>
        public void Keep(IEnumerable<string> ids, IBlobSource source, string path)
        {
            foreach (var id in ids)
            {
                if (Blobs.Has(id)) continue;
                if (!source.TryGet(id, out var shape, out var bytes))
                    throw new MeshContentException(MeshContentException.BlobMissing, path, $"blob {id} is in no store (upload it first)");
                Blobs.Put(id, shape, bytes.Span);
            }
        }

        // ---- across domain reloads: the glue keeps this text in SessionState ----

        /// <summary>
        /// Everything noted, as JSON text (records by the protocol's own writers; floats and blobs as base64 of
        /// their bytes, so every value and every ±∞ tangent comes back bit for bit). Handles are kept as they are:
        /// Unity's instance IDs survive a domain reload.
        /// </summary>
        public string ToText()
        {
            var sb = new StringBuilder("{\"skins\": [");
            Join(sb, _skins.Values.OrderBy(s => s.Uuid, StringComparer.Ordinal), (b, s) => RiggingJson.Append(b, s));
            sb.Append("], \"bindings\": {");
            Join(sb, _skinOf.OrderBy(b => b.Key, StringComparer.Ordinal), (b, p) => JsonText.AppendString(JsonText.AppendString(b, p.Key).Append(": "), p.Value));
            sb.Append("}, \"weights\": {");
            Join(sb, _weights.OrderBy(w => w.Key, StringComparer.Ordinal), (b, p) => Base64(JsonText.AppendString(b, p.Key).Append(": "), MemoryMarshal.AsBytes(p.Value.ToArray().AsSpan())));
            sb.Append("}, \"bindposes\": {");
            Join(sb, _bindposes.OrderBy(w => w.Key, StringComparer.Ordinal), (b, p) => Base64(JsonText.AppendString(b, p.Key).Append(": "), MemoryMarshal.AsBytes(p.Value.AsSpan())));
            sb.Append("}, \"clips\": [");
            Join(sb, _clips.OrderBy(c => c.Key, StringComparer.Ordinal), (b, c) =>
            {
                var w = c.Value.Written;
                RiggingJson.Append(b.Append("{\"record\": "), c.Value.Record);
                JsonText.AppendString(b.Append(", \"name\": "), w.Name).Append(", \"frame_rate\": ");
                Base64(b, BitConverter.GetBytes(w.FrameRate)).Append(", \"holder\": ").Append(w.Holder is int h ? h.ToString(System.Globalization.CultureInfo.InvariantCulture) : "null").Append(", \"curves\": [");
                Join(b, w.Curves, (cb, curve) =>
                {
                    JsonText.AppendString(cb.Append("["), curve.Path).Append(", ");
                    JsonText.AppendString(cb, curve.Component).Append(", ");
                    JsonText.AppendString(cb, curve.Property).Append(", ");
                    var keys = curve.Keys.SelectMany(k => new[] { k.Time, k.Value, k.InTangent, k.OutTangent }).ToArray();
                    Base64(cb, MemoryMarshal.AsBytes(keys.AsSpan())).Append(']');
                });
                b.Append("]}");
            });
            sb.Append("], \"blobs\": {");
            Join(sb, Blobs.Ids.OrderBy(i => i, StringComparer.Ordinal), (b, id) =>
            {
                Blobs.TryGet(id, out var shape, out var bytes);
                JsonText.AppendString(b, id).Append(": [").Append((int)shape.Element).Append(", ").Append(shape.Components).Append(", ");
                Base64(b, bytes.Span).Append(']');
            });
            return sb.Append("}}").ToString();
        }

        /// <summary>Replaces the notes with those <see cref="ToText"/> wrote; text that does not read (none yet, another version) leaves them empty.</summary>
        public void Load(string text)
        {
            _skins.Clear(); _skinOf.Clear(); _weights.Clear(); _bindposes.Clear(); _clips.Clear();
            if (text.Length == 0) return;
            try
            {
                var root = JsonFields.AsObject(JsonParser.Parse(text), "rig notes");
                if (root.Get("blobs") is JsonObject blobs)
                    foreach (var m in blobs.Members)
                    {
                        var a = (JsonArray)m.Value;
                        var bytes = FromBase64(a.Items[2]);
                        var element = (BlobElement)(int)((JsonNumber)a.Items[0]).Value;
                        int components = (int)((JsonNumber)a.Items[1]).Value;
                        var shape = new BlobShape(element, components, bytes.Length / (components * new BlobShape(element, components, 0).ValueSize));
                        Blobs.Put(m.Key, shape, bytes);
                    }
                if (root.Get("skins") is JsonArray skins)
                    foreach (var item in skins.Items)
                    {
                        var o = JsonFields.AsObject(item, "skins[]");
                        var uuid = ((JsonString)o.Get("uuid")!).Value;
                        _skins[uuid] = RiggingJson.ReadSkin(o, "skins[]", uuid);
                    }
                if (root.Get("bindings") is JsonObject bindings) foreach (var m in bindings.Members) _skinOf[m.Key] = ((JsonString)m.Value).Value;
                if (root.Get("weights") is JsonObject weights) foreach (var m in weights.Members) _weights[m.Key] = MemoryMarshal.Cast<byte, double>(FromBase64(m.Value)).ToArray();
                if (root.Get("bindposes") is JsonObject poses) foreach (var m in poses.Members) _bindposes[m.Key] = MemoryMarshal.Cast<byte, float>(FromBase64(m.Value)).ToArray();
                if (root.Get("clips") is JsonArray clips)
                    foreach (var item in clips.Items)
                    {
                        var o = JsonFields.AsObject(item, "clips[]");
                        var r = JsonFields.AsObject(o.Get("record")!, "clips[].record");
                        var uuid = ((JsonString)r.Get("uuid")!).Value;
                        var record = RiggingJson.ReadAnimation(r, "clips[].record", uuid);
                        var curves = new List<UnityCurve>();
                        foreach (var c in ((JsonArray)o.Get("curves")!).Items)
                        {
                            var a = (JsonArray)c;
                            var f = MemoryMarshal.Cast<byte, float>(FromBase64(a.Items[3]));
                            var keys = new List<UnityKey>();
                            for (int k = 0; k + 3 < f.Length; k += 4) keys.Add(new UnityKey(f[k], f[k + 1], f[k + 2], f[k + 3]));
                            curves.Add(new UnityCurve(((JsonString)a.Items[0]).Value, ((JsonString)a.Items[1]).Value, ((JsonString)a.Items[2]).Value, keys));
                        }
                        int? holder = o.Get("holder") is JsonNumber n ? (int)n.Value : (int?)null;
                        float rate = BitConverter.ToSingle(FromBase64(o.Get("frame_rate")!), 0);
                        _clips[uuid] = (record, new UnityClip(((JsonString)o.Get("name")!).Value, rate, holder, curves));
                    }
            }
            catch (Exception e) when (e is JsonParseException or JsonFieldException or InvalidCastException or NullReferenceException or FormatException or ArgumentException or IndexOutOfRangeException or BlobFormatException)
            {
                _skins.Clear(); _skinOf.Clear(); _weights.Clear(); _bindposes.Clear(); _clips.Clear(); // half a note is worse than none: the next verification resyncs
            }
        }

        private static void Join<T>(StringBuilder sb, IEnumerable<T> items, Action<StringBuilder, T> append)
        {
            bool first = true;
            foreach (var item in items) { if (!first) sb.Append(", "); first = false; append(sb, item); }
        }

        private static StringBuilder Base64(StringBuilder sb, ReadOnlySpan<byte> bytes) => sb.Append('"').Append(Convert.ToBase64String(bytes.ToArray())).Append('"');

        private static byte[] FromBase64(JsonNode node) => Convert.FromBase64String(((JsonString)node).Value);

        private static void Set<T>(Dictionary<string, T> map, string id, T? value) where T : class
        {
            if (value == null) map.Remove(id);
            else map[id] = value;
        }
    }
}
