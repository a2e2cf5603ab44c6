using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.State;

namespace VibeSync.Unity.Looks
{
    /// <summary>
    /// What the adapter keeps beside Unity's materials, cameras and lights: the record it last wrote
    /// to each (as Unity stores it, float32), by VibeSync ID. Unity cannot hold all of a record
    /// (emissive strength, a texture's UV set, sampler and rotation, a camera's aspect, a material's
    /// "not synced" reason); <see cref="MaterialMapping"/>, <see cref="CameraMapping"/> and
    /// <see cref="LightMapping"/> read those from here. The simulator keeps them in memory, the glue
    /// in SessionState (it listens to <see cref="Changed"/>), so they survive a domain reload.
    /// </summary>
    public sealed class LookNotes
    {
        private readonly Dictionary<string, Material> _materials = new Dictionary<string, Material>(StringComparer.Ordinal);
        private readonly Dictionary<string, CameraParameters> _cameras = new Dictionary<string, CameraParameters>(StringComparer.Ordinal);
        private readonly Dictionary<string, LightParameters> _lights = new Dictionary<string, LightParameters>(StringComparer.Ordinal);

        /// <summary>Raised after every change (the glue saves the notes then).</summary>
        public event Action? Changed;

        /// <summary>The material record last written to <paramref name="id"/>, or null.</summary>
        public Material? Material(string id) => _materials.TryGetValue(id, out var m) ? m : null;

        /// <summary>The camera parameters last written to object <paramref name="id"/>, or null.</summary>
        public CameraParameters? Camera(string id) => _cameras.TryGetValue(id, out var c) ? c : null;

        /// <summary>The light parameters last written to object <paramref name="id"/>, or null.</summary>
        public LightParameters? Light(string id) => _lights.TryGetValue(id, out var l) ? l : null;

        /// <summary>Notes <paramref name="written"/> for its material (null: forget <paramref name="id"/>).</summary>
        public void SetMaterial(string id, Material? written) => Set(_materials, id, written);

        /// <summary>Notes camera parameters for object <paramref name="id"/> (null: forget).</summary>
        public void SetCamera(string id, CameraParameters? written) => Set(_cameras, id, written);

        /// <summary>Notes light parameters for object <paramref name="id"/> (null: forget).</summary>
        public void SetLight(string id, LightParameters? written) => Set(_lights, id, written);

        /// <summary>Every material note (for saving).</summary>
        public IReadOnlyDictionary<string, Material> Materials => _materials;
        /// <summary>Every camera note (for saving).</summary>
        public IReadOnlyDictionary<string, CameraParameters> Cameras => _cameras;
        /// <summary>Every light note (for saving).</summary>
        public IReadOnlyDictionary<string, LightParameters> Lights => _lights;

        /// <summary>
        /// The notes as JSON (<c>{"materials": [records], "cameras": {id: camera}, "lights": {id: light}}</c>,
        /// written by the protocol's own record writers), for the glue's SessionState.
        /// </summary>
        public string ToText()
        {
            var sb = new StringBuilder("{\"materials\": [");
            bool first = true;
            foreach (var m in _materials.Values.OrderBy(m => m.Uuid, StringComparer.Ordinal)) { if (!first) sb.Append(", "); first = false; MaterialJson.Append(sb, m); }
            sb.Append("], \"cameras\": {");
            first = true;
            foreach (var c in _cameras.OrderBy(c => c.Key, StringComparer.Ordinal)) { if (!first) sb.Append(", "); first = false; ViewJson.Append(JsonText.AppendString(sb, c.Key).Append(": "), c.Value); }
            sb.Append("}, \"lights\": {");
            first = true;
            foreach (var l in _lights.OrderBy(l => l.Key, StringComparer.Ordinal)) { if (!first) sb.Append(", "); first = false; ViewJson.Append(JsonText.AppendString(sb, l.Key).Append(": "), l.Value); }
            return sb.Append("}}").ToString();
        }

        /// <summary>Replaces the notes with those <see cref="ToText"/> wrote; text that does not read (none yet, another version) leaves them empty.</summary>
        public void Load(string text)
        {
            _materials.Clear(); _cameras.Clear(); _lights.Clear();
            if (text.Length == 0) return;
            try
            {
                var root = JsonFields.AsObject(JsonParser.Parse(text), "notes");
                if (root.Get("materials") is JsonArray materials)
                    foreach (var item in materials.Items)
                    {
                        var o = JsonFields.AsObject(item, "materials[]");
                        var uuid = ((JsonString)o.Get("uuid")!).Value;
                        _materials[uuid] = MaterialJson.Read(o, "materials[]", uuid);
                    }
                if (root.Get("cameras") is JsonObject cameras)
                    foreach (var c in cameras.Members) if (ViewJson.Camera(c.Value, "cameras") is { } camera) _cameras[c.Key] = camera;
                if (root.Get("lights") is JsonObject lights)
                    foreach (var l in lights.Members) if (ViewJson.Light(l.Value, "lights") is { } light) _lights[l.Key] = light;
            }
            catch (Exception e) when (e is JsonParseException or JsonFieldException or InvalidCastException or NullReferenceException)
            {
                _materials.Clear(); _cameras.Clear(); _lights.Clear(); // unreadable notes: Unity's values are read back by the inverse mapping alone
            }
        }

        private void Set<T>(Dictionary<string, T> into, string id, T? value) where T : class
        {
            if (value == null) into.Remove(id); else into[id] = value;
            Changed?.Invoke();
        }
    }
}
