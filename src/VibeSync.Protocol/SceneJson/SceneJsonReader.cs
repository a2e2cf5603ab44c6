using System;
using System.Collections.Generic;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using static VibeSync.Protocol.Json.JsonFields;

namespace VibeSync.Protocol.SceneJson
{
    /// <summary>
    /// Reads the scene JSON of docs/protocol.md §8 in any space, validates it (§2) and returns it in
    /// canonical space. Every refusal names the record and field, in the same words as the Python
    /// reader, so the two can be checked against one set of error vectors.
    /// </summary>
    public sealed class SceneJsonReader
    {
        private readonly Space _space;
        private readonly string _translationField, _rotationField, _scaleField;

        private readonly IBlobSink? _sink;
        private bool _recordsOnly;
        private double _unitScale = 1.0;

        private SceneJsonReader(Space space, IBlobSink? sink)
        {
            _space = space;
            _sink = sink;
            (_translationField, _rotationField, _scaleField) = space switch
            {
                Space.Blender => ("location", "rotation_quaternion", "scale"),
                Space.Unity => ("localPosition", "localRotation", "localScale"),
                _ => ("translation", "rotation", "scale"),
            };
        }

        /// <summary>
        /// Parses, validates and converts <paramref name="text"/> to a canonical scene. Meshes in the
        /// inline form become records whose blobs are put into <paramref name="sink"/> (when given;
        /// otherwise they are only named, enough to hash the scene).
        /// </summary>
        /// <exception cref="SceneFormatException">The text is not a valid scene in <paramref name="space"/>.</exception>
        public static Scene ReadCanonical(string text, Space space, IBlobSink? sink = null)
        {
            JsonNode root;
            try { root = JsonParser.Parse(text); }
            catch (JsonParseException e) { throw new SceneFormatException("json", e.Message); }
            return ReadCanonical(root, space, sink);
        }

        /// <summary>
        /// Some records of a canonical scene (an engine's answer to READ of a few uuids): every record
        /// is checked as in a scene, but references may point outside the set (a parent, a mesh or a
        /// material not asked for), so references and cycles are not checked.
        /// </summary>
        /// <exception cref="SceneFormatException">A record is not valid.</exception>
        public static Scene ReadCanonicalRecords(JsonNode root, IBlobSink? sink = null)
        {
            try { return new SceneJsonReader(Space.Canonical, sink) { _recordsOnly = true }.Read(root); }
            catch (JsonFieldException e) { throw new SceneFormatException(e.Path, e.Reason); }
        }

        /// <summary>Validates and converts an already parsed scene (e.g. one nested in a link message).</summary>
        /// <exception cref="SceneFormatException">It is not a valid scene in <paramref name="space"/>.</exception>
        public static Scene ReadCanonical(JsonNode root, Space space, IBlobSink? sink = null)
        {
            try { return new SceneJsonReader(space, sink).Read(root); }
            catch (JsonFieldException e) { throw new SceneFormatException(e.Path, e.Reason); }
        }

        private Scene Read(JsonNode root)
        {
            var top = AsObject(root, "json");
            // Blender's scenes carry their unit scale; a Unity scene file may carry its project stamp
            // (the simulator saves it there, docs/protocol.md §8), which is not part of any record.
            var allowed = _space == Space.Blender ? new[] { "objects", "materials", "meshes", "images", "skins", "animations", "unit_scale" }
                : _space == Space.Unity ? new[] { "objects", "materials", "meshes", "images", "skins", "animations", "vibesync_project" }
                : new[] { "objects", "materials", "meshes", "images", "skins", "animations" };
            CheckFields(top, "", Array.Empty<string>(), allowed);

            double unitScale = 1.0;
            if (top.Get("unit_scale") is { } us)
            {
                unitScale = Real(us, "unit_scale");
                if (!(unitScale > 0)) throw new SceneFormatException("unit_scale", "must be greater than 0");
            }
            _unitScale = unitScale;

            var materials = ReadList(top, "materials", ReadMaterial);
            var meshes = ReadList(top, "meshes", ReadMesh);
            var images = ReadList(top, "images", ReadImage);
            var skins = ReadList(top, "skins", ReadSkin);
            var animations = ReadList(top, "animations", ReadAnimation);
            var objects = ReadList(top, "objects", ReadObject);
            var native = new Scene(objects, materials, meshes, images) { Skins = skins, Animations = animations };

            CheckUniqueIds(native);
            if (!_recordsOnly)
            {
                CheckReferences(native);
                CheckAcyclic(native);
                CheckRigging(native);
            }
            var canonical = SceneConverter.ToCanonical(native, _space, unitScale);
            CheckRange(canonical);
            return canonical;
        }

        // ---- records ----------------------------------------------------------------------

        private SceneObject ReadObject(JsonObject o, string path)
        {
            CheckFields(o, path,
                new[] { "uuid", "name", "kind", "parent", _translationField, _rotationField, _scaleField, "visible", "materials", "mesh" },
                new[] { "camera", "light", "skin" });
            var kindNode = Required(o, path, "kind");
            var kindText = Text(kindNode, path + ".kind");
            if (!ObjectKindNames.TryParse(kindText, out var kind))
                throw new SceneFormatException(path + ".kind", $"unknown kind \"{kindText}\" (expected {ObjectKindNames.Choices})");
            var r = Reals(Required(o, path, _rotationField), path + "." + _rotationField, 4);
            var rotation = _space == Space.Blender
                ? new Quaterniond(r[1], r[2], r[3], r[0]) // Blender writes (w, x, y, z)
                : new Quaterniond(r[0], r[1], r[2], r[3]);
            var slotsNode = Required(o, path, "materials");
            var slotsArray = AsArray(slotsNode, path + ".materials");
            var slots = new string?[slotsArray.Items.Count];
            for (int i = 0; i < slots.Length; i++)
                slots[i] = OptionalId(slotsArray.Items[i], $"{path}.materials[{i}]");
            var visible = Required(o, path, "visible") as JsonBool
                ?? throw new SceneFormatException(path + ".visible", "expected true or false");
            return new SceneObject(
                Id(Required(o, path, "uuid"), path + ".uuid"),
                Name(Required(o, path, "name"), path + ".name"),
                kind,
                OptionalId(Required(o, path, "parent"), path + ".parent"),
                Vector(Required(o, path, _translationField), path + "." + _translationField),
                rotation,
                Vector(Required(o, path, _scaleField), path + "." + _scaleField),
                visible.Value,
                slots,
                OptionalId(Required(o, path, "mesh"), path + ".mesh"))
            {
                Camera = o.Get("camera") is { } camera ? OnlyFor(kind, ObjectKind.Camera, ViewJson.Camera(camera, path + ".camera"), path + ".camera") : null,
                Light = o.Get("light") is { } light ? OnlyFor(kind, ObjectKind.Light, ViewJson.Light(light, path + ".light"), path + ".light") : null,
                Skin = o.Get("skin") is { } skin ? SkinOnlyForMesh(kind, OptionalId(skin, path + ".skin"), path + ".skin") : null,
            };
        }

        /// <summary>Camera parameters only on a camera, light parameters only on a light (null allowed on any kind).</summary>
        private static T? OnlyFor<T>(ObjectKind kind, ObjectKind owner, T? value, string path) where T : class
        {
            if (value != null && kind != owner)
                throw new SceneFormatException(path, $"an object of kind {ObjectKindNames.Name(kind)} has no {ObjectKindNames.Name(owner)} parameters (expected null)");
            return value;
        }

        /// <summary>A skin only on a mesh object (null allowed on any kind).</summary>
        private static string? SkinOnlyForMesh(ObjectKind kind, string? skin, string path) =>
            skin != null && kind != ObjectKind.Mesh
                ? throw new SceneFormatException(path, $"an object of kind {ObjectKindNames.Name(kind)} has no skin (expected null)")
                : skin;

        private Skin ReadSkin(JsonObject o, string path)
        {
            CheckFields(o, path, RiggingJson.SkinFields, RiggingJson.SkinOptional);
            return RiggingJson.ReadSkin(o, path, Id(Required(o, path, "uuid"), path + ".uuid"));
        }

        private Animation ReadAnimation(JsonObject o, string path)
        {
            CheckFields(o, path, RiggingJson.AnimationFields, Array.Empty<string>());
            return RiggingJson.ReadAnimation(o, path, Id(Required(o, path, "uuid"), path + ".uuid"));
        }

        private Material ReadMaterial(JsonObject o, string path)
        {
            CheckFields(o, path, MaterialJson.RequiredFields, MaterialJson.OptionalFields);
            return MaterialJson.Read(o, path, Id(Required(o, path, "uuid"), path + ".uuid"));
        }

        private Image ReadImage(JsonObject o, string path)
        {
            CheckFields(o, path, ImageJson.Fields, Array.Empty<string>());
            return ImageJson.Read(o, path, Id(Required(o, path, "uuid"), path + ".uuid"));
        }

        private Mesh ReadMesh(JsonObject o, string path)
        {
            if (MeshJson.IsInline(o))
            {
                CheckFields(o, path, new[] { "uuid", "positions", "triangles" }, new[] { "uv0" });
                return MeshJson.ReadInline(o, path, Id(Required(o, path, "uuid"), path + ".uuid"), _space, _unitScale, _sink);
            }
            CheckFields(o, path, MeshJson.RecordFields, MeshJson.OptionalFields);
            return MeshJson.ReadRecord(o, path, Id(Required(o, path, "uuid"), path + ".uuid"), derivedRequired: true);
        }

        private static List<T> ReadList<T>(JsonObject top, string field, Func<JsonObject, string, T> read)
        {
            var list = new List<T>();
            if (top.Get(field) is not { } node) return list;
            var array = AsArray(node, field);
            for (int i = 0; i < array.Items.Count; i++)
            {
                string path = $"{field}[{i}]";
                list.Add(read(AsObject(array.Items[i], path), path));
            }
            return list;
        }


        // ---- whole-scene checks -------------------------------------------------------------

        /// <summary>
        /// The whole-scene rules (unique IDs, references, no cycles, joints and skeletons) on a scene
        /// assembled from records read separately (a SCENE report sent in parts).
        /// </summary>
        /// <exception cref="SceneFormatException">The records do not make a valid scene.</exception>
        public static void CheckClosed(Scene scene)
        {
            CheckUniqueIds(scene);
            CheckReferences(scene);
            CheckAcyclic(scene);
            CheckRigging(scene);
        }

        private static void CheckUniqueIds(Scene s)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < s.Objects.Count; i++)
                if (!seen.Add(s.Objects[i].Uuid)) throw Duplicate($"objects[{i}]", s.Objects[i].Uuid);
            for (int i = 0; i < s.Materials.Count; i++)
                if (!seen.Add(s.Materials[i].Uuid)) throw Duplicate($"materials[{i}]", s.Materials[i].Uuid);
            for (int i = 0; i < s.Meshes.Count; i++)
                if (!seen.Add(s.Meshes[i].Uuid)) throw Duplicate($"meshes[{i}]", s.Meshes[i].Uuid);
            for (int i = 0; i < s.Images.Count; i++)
                if (!seen.Add(s.Images[i].Uuid)) throw Duplicate($"images[{i}]", s.Images[i].Uuid);
            for (int i = 0; i < s.Skins.Count; i++)
                if (!seen.Add(s.Skins[i].Uuid)) throw Duplicate($"skins[{i}]", s.Skins[i].Uuid);
            for (int i = 0; i < s.Animations.Count; i++)
                if (!seen.Add(s.Animations[i].Uuid)) throw Duplicate($"animations[{i}]", s.Animations[i].Uuid);
        }

        private static SceneFormatException Duplicate(string path, string uuid) =>
            new SceneFormatException(path + ".uuid", $"duplicate uuid {uuid}");

        private static void CheckReferences(Scene s)
        {
            var objects = new Dictionary<string, SceneObject>(StringComparer.Ordinal);
            foreach (var o in s.Objects) objects[o.Uuid] = o;
            var materials = new HashSet<string>(StringComparer.Ordinal);
            foreach (var m in s.Materials) materials.Add(m.Uuid);
            var meshes = new Dictionary<string, Mesh>(StringComparer.Ordinal);
            foreach (var m in s.Meshes) meshes[m.Uuid] = m;
            var skins = new HashSet<string>(StringComparer.Ordinal);
            foreach (var k in s.Skins) skins.Add(k.Uuid);
            var images = new HashSet<string>(StringComparer.Ordinal);
            foreach (var i in s.Images) images.Add(i.Uuid);
            for (int i = 0; i < s.Materials.Count; i++)
                foreach (var t in s.Materials[i].Textures)
                    if (!images.Contains(t.Value.Image))
                        throw new SceneFormatException($"materials[{i}].textures.{GltfNames.TextureSlots[(int)t.Key]}.image",
                            $"image {t.Value.Image} is not an image in the scene");

            for (int i = 0; i < s.Objects.Count; i++)
            {
                var o = s.Objects[i];
                string path = $"objects[{i}]";
                SceneObject? parent = null;
                if (o.Parent != null && !objects.TryGetValue(o.Parent, out parent))
                    throw new SceneFormatException(path + ".parent", $"parent {o.Parent} is not an object in the scene");
                if (o.Kind == ObjectKind.Joint && !(parent?.Kind is ObjectKind.Joint or ObjectKind.Armature))
                    throw new SceneFormatException(path + ".parent", parent == null
                        ? "a joint needs a parent (a joint or an armature)"
                        : $"a joint's parent is a joint or an armature, not an object of kind {ObjectKindNames.Name(parent.Kind)}");
                if (o.Kind == ObjectKind.Mesh)
                {
                    if (o.Mesh == null) throw new SceneFormatException(path + ".mesh", "an object of kind mesh needs a mesh");
                    if (!meshes.TryGetValue(o.Mesh, out var mesh)) throw new SceneFormatException(path + ".mesh", $"mesh {o.Mesh} is not a mesh in the scene");
                    if (o.Skin != null)
                    {
                        if (!skins.Contains(o.Skin)) throw new SceneFormatException(path + ".skin", $"skin {o.Skin} is not a skin in the scene");
                        if (mesh.Attribute(MeshSemantics.Joints0) == null)
                            throw new SceneFormatException(path + ".skin", $"a skinned object's mesh needs JOINTS_0 and WEIGHTS_0 (mesh {o.Mesh} has none)");
                    }
                    for (int j = 0; j < o.Materials.Count; j++)
                        if (o.Materials[j] is { } m && !materials.Contains(m))
                            throw new SceneFormatException($"{path}.materials[{j}]", $"material {m} is not a material in the scene");
                }
                else
                {
                    if (o.Mesh != null) throw new SceneFormatException(path + ".mesh", $"an object of kind {ObjectKindNames.Name(o.Kind)} has no mesh (expected null)");
                    if (o.Materials.Count != 0) throw new SceneFormatException(path + ".materials", $"an object of kind {ObjectKindNames.Name(o.Kind)} has no material slots (expected [])");
                }
            }

            for (int i = 0; i < s.Skins.Count; i++)
            {
                var skin = s.Skins[i];
                for (int j = 0; j < skin.Joints.Count; j++)
                {
                    string jp = $"skins[{i}].joints[{j}]";
                    if (!objects.TryGetValue(skin.Joints[j], out var joint)) throw new SceneFormatException(jp, $"joint {skin.Joints[j]} is not an object in the scene");
                    if (joint.Kind != ObjectKind.Joint) throw new SceneFormatException(jp, $"object {joint.Uuid} is not a joint (kind {ObjectKindNames.Name(joint.Kind)})");
                }
                if (skin.Skeleton != null)
                {
                    string sp = $"skins[{i}].skeleton";
                    if (!objects.TryGetValue(skin.Skeleton, out var root)) throw new SceneFormatException(sp, $"skeleton {skin.Skeleton} is not an object in the scene");
                    if (!(root.Kind is ObjectKind.Joint or ObjectKind.Armature))
                        throw new SceneFormatException(sp, $"a skeleton is a joint or an armature, not an object of kind {ObjectKindNames.Name(root.Kind)}");
                }
            }

            for (int i = 0; i < s.Animations.Count; i++)
            {
                var channels = s.Animations[i].Channels;
                for (int j = 0; j < channels.Count; j++)
                {
                    string cp = $"animations[{i}].channels[{j}]";
                    if (!objects.TryGetValue(channels[j].Target, out var target))
                        throw new SceneFormatException(cp + ".target", $"target {channels[j].Target} is not an object in the scene");
                    if (channels[j].Path == AnimationPath.Weights
                        && !(target.Mesh != null && meshes.TryGetValue(target.Mesh, out var mesh) && mesh.Targets.Count > 0))
                        throw new SceneFormatException(cp + ".path", $"weights animate morph targets: object {target.Uuid} has no mesh with targets");
                }
            }
        }

        /// <summary>Each skin's skeleton is an ancestor (or the same object) of every joint it names; runs once parents are known acyclic.</summary>
        private static void CheckRigging(Scene s)
        {
            if (s.Skins.Count == 0) return;
            var parent = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var o in s.Objects) parent[o.Uuid] = o.Parent;
            for (int i = 0; i < s.Skins.Count; i++)
            {
                var skin = s.Skins[i];
                if (skin.Skeleton == null) continue;
                foreach (var joint in skin.Joints)
                {
                    string? at = joint;
                    while (at != null && at != skin.Skeleton) at = parent[at];
                    if (at == null)
                        throw new SceneFormatException($"skins[{i}].skeleton", $"skeleton {skin.Skeleton} is not an ancestor of joint {joint}");
                }
            }
        }

        private static void CheckAcyclic(Scene s)
        {
            var parent = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var o in s.Objects) parent[o.Uuid] = o.Parent;
            var settled = new HashSet<string>(StringComparer.Ordinal); // known to reach a root
            for (int i = 0; i < s.Objects.Count; i++)
            {
                var path = new HashSet<string>(StringComparer.Ordinal);
                string? at = s.Objects[i].Uuid;
                while (at != null && !settled.Contains(at))
                {
                    if (!path.Add(at))
                    {
                        // A cycle is reachable from objects[i]; report the first object in input order on it.
                        var cycle = new HashSet<string>(StringComparer.Ordinal);
                        string c = at;
                        do { cycle.Add(c); c = parent[c]!; } while (c != at);
                        for (int k = 0; k < s.Objects.Count; k++)
                            if (cycle.Contains(s.Objects[k].Uuid))
                                throw new SceneFormatException($"objects[{k}].parent", "parent links form a cycle");
                    }
                    at = parent[at];
                }
                foreach (var p in path) settled.Add(p);
            }
        }

        private void CheckRange(Scene c)
        {
            for (int i = 0; i < c.Objects.Count; i++)
            {
                var o = c.Objects[i];
                string path = $"objects[{i}]";
                Range(path + "." + _translationField, o.Translation.X, o.Translation.Y, o.Translation.Z);
                Range(path + "." + _rotationField, o.Rotation.X, o.Rotation.Y, o.Rotation.Z, o.Rotation.W);
                Range(path + "." + _scaleField, o.Scale.X, o.Scale.Y, o.Scale.Z);
            }
            for (int i = 0; i < c.Materials.Count; i++)
            {
                var m = c.Materials[i];
                string path = $"materials[{i}]";
                Range(path + ".base_color", m.BaseColor.X, m.BaseColor.Y, m.BaseColor.Z, m.BaseColor.W);
                Range(path + ".metallic", m.Metallic);
                Range(path + ".roughness", m.Roughness);
                Range(path + ".emission", m.Emission.X, m.Emission.Y, m.Emission.Z);
            }
            // Mesh values are checked as they are read (MeshJson): a record holds no values.
        }

        private static void Range(string path, params double[] values)
        {
            foreach (var v in values)
                if (!Quantizer.IsHashable(v))
                    throw new SceneFormatException(path, $"value {v:R} is out of range (|v| ≤ 1e12 in canonical units)");
        }

        // ---- fields -----------------------------------------------------------------------

    }
}
