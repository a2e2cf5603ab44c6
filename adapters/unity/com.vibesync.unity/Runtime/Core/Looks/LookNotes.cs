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
        private readonly Dictionary<string, UnityCamera> _unsyncedCameras = new Dictionary<string, UnityCamera>(StringComparer.Ordinal);
        private readonly Dictionary<string, UnityLight> _unsyncedLights = new Dictionary<string, UnityLight>(StringComparer.Ordinal);
        private readonly Dictionary<string, UnitySampler> _samplers = new Dictionary<string, UnitySampler>(StringComparer.Ordinal);

        private readonly Dictionary<string, string> _underived = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>
        /// Why no texture could be derived from image <paramref name="image"/> for Unity's channels (its
        /// file did not decode), or null. Kept in memory only: the next write of a material binding it tries again.
        /// </summary>
        public string? Underived(string image) => _underived.TryGetValue(image, out var r) ? r : null;

        /// <summary>Notes why <paramref name="image"/> could not be derived (null: it was).</summary>
        public void SetUnderived(string image, string? reason)
        {
            if (reason == null) _underived.Remove(image); else _underived[image] = reason;
        }

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

        /// <summary>
        /// A camera whose parameters are not synced (created by create_object, which carries none, or
        /// loaded so): the Unity values it had then. While it still holds them its record has no
        /// camera (null); a human's change makes it report its values. Null: not marked.
        /// </summary>
        public UnityCamera? UnsyncedCamera(string id) => _unsyncedCameras.TryGetValue(id, out var c) ? c : null;

        /// <summary>As <see cref="UnsyncedCamera"/>, for a light.</summary>
        public UnityLight? UnsyncedLight(string id) => _unsyncedLights.TryGetValue(id, out var l) ? l : null;

        /// <summary>Marks object <paramref name="id"/>'s camera as not synced while it holds <paramref name="held"/> (null: unmark).</summary>
        public void SetUnsyncedCamera(string id, UnityCamera? held) => Set(_unsyncedCameras, id, held);

        /// <summary>Marks object <paramref name="id"/>'s light as not synced while it holds <paramref name="held"/> (null: unmark).</summary>
        public void SetUnsyncedLight(string id, UnityLight? held) => Set(_unsyncedLights, id, held);

        /// <summary>The wrap and filter a material binding last wrote to texture <paramref name="id"/>, or null: a change from these is a human's.</summary>
        public UnitySampler? Sampler(string id) => _samplers.TryGetValue(id, out var s) ? s : null;

        /// <summary>Notes the wrap and filter written to texture <paramref name="id"/> (null: forget).</summary>
        public void SetSampler(string id, UnitySampler? written) => Set(_samplers, id, written);

        /// <summary>Every material note (for saving).</summary>
        public IReadOnlyDictionary<string, Material> Materials => _materials;
        /// <summary>Every camera note (for saving).</summary>
        public IReadOnlyDictionary<string, CameraParameters> Cameras => _cameras;
        /// <summary>Every light note (for saving).</summary>
        public IReadOnlyDictionary<string, LightParameters> Lights => _lights;

        /// <summary>
        /// The notes as JSON (<c>{"materials": [records], "cameras": {id: camera}, "lights": {id: light}, …, "samplers": {texture id: [wrapU, wrapV, filter]}}</c>,
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
            sb.Append("}, \"unsynced_cameras\": {");
            first = true;
            foreach (var c in _unsyncedCameras.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                if (!first) sb.Append(", "); first = false;
                Floats(JsonText.AppendString(sb, c.Key).Append(": "), c.Value.Orthographic ? 1 : 0, c.Value.FieldOfView, c.Value.OrthographicSize, c.Value.NearClipPlane, c.Value.FarClipPlane, c.Value.Aspect);
            }
            sb.Append("}, \"unsynced_lights\": {");
            first = true;
            foreach (var l in _unsyncedLights.OrderBy(l => l.Key, StringComparer.Ordinal))
            {
                if (!first) sb.Append(", "); first = false;
                var u = l.Value;
                Floats(JsonText.AppendString(sb, l.Key).Append(": "), (int)u.Type, u.Color.R, u.Color.G, u.Color.B, u.Color.A, u.Intensity, u.Range, u.SpotAngle, u.InnerSpotAngle);
            }
            sb.Append("}, \"samplers\": {");
            first = true;
            foreach (var t in _samplers.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                if (!first) sb.Append(", "); first = false;
                Floats(JsonText.AppendString(sb, t.Key).Append(": "), (int)t.Value.WrapU, (int)t.Value.WrapV, (int)t.Value.Filter);
            }
            return sb.Append("}}").ToString();
        }

        /// <summary>Replaces the notes with those <see cref="ToText"/> wrote; text that does not read (none yet, another version) leaves them empty.</summary>
        public void Load(string text)
        {
            _materials.Clear(); _cameras.Clear(); _lights.Clear(); _unsyncedCameras.Clear(); _unsyncedLights.Clear(); _samplers.Clear();
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
                if (root.Get("unsynced_cameras") is JsonObject cams)
                    foreach (var c in cams.Members)
                    {
                        var f = Floats(c.Value);
                        _unsyncedCameras[c.Key] = new UnityCamera(f[0] != 0, f[1], f[2], f[3], f[4], f[5]);
                    }
                if (root.Get("unsynced_lights") is JsonObject ls)
                    foreach (var l in ls.Members)
                    {
                        var f = Floats(l.Value);
                        _unsyncedLights[l.Key] = new UnityLight((UnityLightType)(int)f[0], new UnityColor(f[1], f[2], f[3], f[4]), f[5], f[6], f[7], f[8]);
                    }
                if (root.Get("samplers") is JsonObject samplers)
                    foreach (var t in samplers.Members)
                    {
                        var f = Floats(t.Value);
                        _samplers[t.Key] = new UnitySampler((UnityWrap)(int)f[0], (UnityWrap)(int)f[1], (UnityFilter)(int)f[2]);
                    }
            }
            catch (Exception e) when (e is JsonParseException or JsonFieldException or InvalidCastException or NullReferenceException or IndexOutOfRangeException)
            {
                _materials.Clear(); _cameras.Clear(); _lights.Clear(); _unsyncedCameras.Clear(); _unsyncedLights.Clear(); _samplers.Clear(); // unreadable: Unity's values are read back by the inverse mapping alone
            }
        }

        // float32 values exactly: a double holds every float, and JSON reals round-trip doubles.
        private static void Floats(StringBuilder sb, params float[] values)
        {
            sb.Append('[');
            for (int i = 0; i < values.Length; i++) JsonText.AppendReal(i > 0 ? sb.Append(", ") : sb, values[i]);
            sb.Append(']');
        }

        private static float[] Floats(JsonNode node) => ((JsonArray)node).Items.Select(n => (float)((JsonNumber)n).Value).ToArray();

        private void Set<T>(Dictionary<string, T> into, string id, T? value) where T : class
        {
            if (value == null) into.Remove(id); else into[id] = value;
            Changed?.Invoke();
        }
    }
}
