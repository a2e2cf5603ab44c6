using System;
using System.Collections.Generic;
using System.Linq;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using static VibeSync.Protocol.Json.JsonFields;

namespace VibeSync.Protocol.Operations
{
    /// <summary>What a submitted intent asks for, before validation against Reality.</summary>
    /// <param name="Operations">One operation, or an ordered list that lands atomically.</param>
    /// <param name="BasedOn">Record hashes (hex) the submitter read, by uuid; a change since makes it STALE.</param>
    /// <param name="Rationale">Why (mandatory for AI actors).</param>
    public sealed record IntentRequest(IReadOnlyList<Operation> Operations, IReadOnlyDictionary<string, string> BasedOn, string? Rationale)
    {
        /// <summary>The intent as submitted (JSON), journaled with it as its operation.</summary>
        public string Json { get; init; } = "{}";
    }

    /// <summary>
    /// Reads an intent's JSON strictly: every operation has a schema, unknown fields are refused,
    /// every number of every field is finite and within ±1e12. Shape (canonical space; see docs/intents.md):
    /// <c>{"operations": [{"op": "set_transform", "uuid": "…", "translation": [x, y, z]}, …],
    /// "based_on": {"uuid": "hash"}, "rationale": "…"}</c>.
    /// </summary>
    public static class OperationReader
    {
        /// <summary>
        /// Parses an intent. A create_mesh/replace_mesh in the inline form becomes a mesh record
        /// whose blobs are put into <paramref name="sink"/> (the orchestrator's store: durably,
        /// before the intent can be journaled); without a sink they are only named. The request's
        /// <c>Json</c> (what is journaled) is then the record form.
        /// </summary>
        /// <exception cref="IntentRefusedException">Malformed, unknown operation or field, bad value.</exception>
        public static IntentRequest Read(string json, IBlobSink? sink = null)
        {
            JsonNode root;
            try { root = JsonParser.Parse(json); }
            catch (JsonParseException e) { throw new IntentRefusedException(IntentErrorCode.Malformed, "json", e.Message); }
            try
            {
                var top = AsObject(root, "json");
                CheckFields(top, "", new[] { "operations" }, new[] { "based_on", "rationale" });
                var operations = List(top.Get("operations")!, sink);
                var basedOn = new Dictionary<string, string>(StringComparer.Ordinal);
                if (top.Get("based_on") is { } b)
                    foreach (var m in AsObject(b, "based_on").Members)
                    {
                        if (!VibeSyncId.IsValid(m.Key)) throw new JsonFieldException($"based_on.{m.Key}", "not a VibeSync ID");
                        var hash = Text(m.Value, $"based_on.{m.Key}");
                        if (hash.Length != 64 || !hash.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f'))
                            throw new JsonFieldException($"based_on.{m.Key}", "expected a record hash: 64 lowercase hex digits");
                        basedOn[m.Key] = hash;
                    }
                string? rationale = top.Get("rationale") is { } r ? Name(r, "rationale") : null;
                var request = new IntentRequest(operations, basedOn, rationale);
                // An inline mesh is journaled as the record it became (CONTENT-V2 §3): the WAL
                // names blobs, so collection sees every blob a journaled intent needs.
                bool inline = false;
                foreach (var node in AsArray(top.Get("operations")!, "operations").Items)
                    if (node is JsonObject op && op.Get("op") is JsonString { Value: "create_mesh" or "replace_mesh" } && MeshJson.IsInline(op)) inline = true;
                return request with { Json = inline ? OperationWriter.Write(request) : json };
            }
            catch (JsonFieldException e)
            {
                throw new IntentRefusedException(CodeOf(e.Reason), e.Path, e.Reason);
            }
        }

        /// <summary>An already parsed, non-empty list of operations (an APPLY's <c>operations</c>).</summary>
        /// <exception cref="IntentRefusedException">Not a list of valid operations.</exception>
        public static IReadOnlyList<Operation> ReadOperations(JsonNode operations, IBlobSink? sink = null)
        {
            try { return List(operations, sink); }
            catch (JsonFieldException e) { throw new IntentRefusedException(CodeOf(e.Reason), e.Path, e.Reason); }
        }

        private static List<Operation> List(JsonNode node, IBlobSink? sink)
        {
            var ops = AsArray(node, "operations");
            if (ops.Items.Count == 0) throw new JsonFieldException("operations", "an intent has at least one operation");
            var operations = new List<Operation>(ops.Items.Count);
            for (int i = 0; i < ops.Items.Count; i++) operations.Add(ReadOperation(AsObject(ops.Items[i], $"operations[{i}]"), $"operations[{i}]", sink));
            return operations;
        }

        private static IntentErrorCode CodeOf(string reason) =>
            reason == JsonFieldException.UnknownField ? IntentErrorCode.UnknownField
            : reason == JsonFieldException.MissingField ? IntentErrorCode.MissingField
            : reason.StartsWith("expected a finite number", StringComparison.Ordinal) ? IntentErrorCode.NonFinite
            : reason.StartsWith("unknown operation", StringComparison.Ordinal) ? IntentErrorCode.UnknownOperation
            : IntentErrorCode.InvalidValue;

        private static Operation ReadOperation(JsonObject o, string path, IBlobSink? sink)
        {
            var name = Text(Required(o, path, "op"), path + ".op");
            string[] Fields(params string[] f) => f.Prepend("op").Prepend("uuid").ToArray();
            switch (name)
            {
                case "set_transform":
                    CheckFields(o, path, Fields(), new[] { "translation", "rotation", "scale" });
                    if (o.Members.Count == 2) throw new JsonFieldException(path, "set_transform needs translation, rotation or scale");
                    return new SetTransform(Uuid(o, path),
                        o.Get("translation") is { } t ? Coordinates(t, path + ".translation") : null,
                        o.Get("rotation") is { } r ? Rotation(r, path + ".rotation") : null,
                        o.Get("scale") is { } s ? Coordinates(s, path + ".scale") : null);
                case "set_visibility":
                    CheckFields(o, path, Fields("visible"), Array.Empty<string>());
                    return new SetVisibility(Uuid(o, path), Bool(o.Get("visible")!, path + ".visible"));
                case "set_material_params":
                    return MaterialParams(o, path);
                case "assign_material":
                    CheckFields(o, path, Fields("slot", "material"), Array.Empty<string>());
                    return new AssignMaterial(Uuid(o, path), Count(o.Get("slot")!, path + ".slot"), OptionalId(o.Get("material")!, path + ".material"));
                case "set_parent":
                    CheckFields(o, path, Fields("parent"), Array.Empty<string>());
                    return new SetParent(Uuid(o, path), OptionalId(o.Get("parent")!, path + ".parent"));
                case "set_mesh":
                    CheckFields(o, path, Fields("mesh"), Array.Empty<string>());
                    return new SetMesh(Uuid(o, path), Id(o.Get("mesh")!, path + ".mesh"));
                case "create_object":
                    CheckFields(o, path, Fields("name", "kind", "parent", "translation", "rotation", "scale"), new[] { "visible", "mesh", "materials", "camera", "light", "skin" });
                    var kindText = Text(o.Get("kind")!, path + ".kind");
                    if (!ObjectKindNames.TryParse(kindText, out var kind))
                        throw new JsonFieldException(path + ".kind", $"unknown kind \"{kindText}\" (expected {ObjectKindNames.Choices})");
                    var slots = o.Get("materials") is { } ms ? AsArray(ms, path + ".materials").Items.Select((n, i) => OptionalId(n, $"{path}.materials[{i}]")).ToArray() : Array.Empty<string?>();
                    return new CreateObject(Uuid(o, path), Name(o.Get("name")!, path + ".name"), kind, OptionalId(o.Get("parent")!, path + ".parent"),
                        Coordinates(o.Get("translation")!, path + ".translation"), Rotation(o.Get("rotation")!, path + ".rotation"),
                        Coordinates(o.Get("scale")!, path + ".scale"),
                        o.Get("visible") is { } v ? Bool(v, path + ".visible") : true,
                        o.Get("mesh") is { } mesh ? OptionalId(mesh, path + ".mesh") : null, slots)
                    {
                        Camera = o.Get("camera") is { } cam ? OnlyFor(kind, ObjectKind.Camera, ViewJson.Camera(cam, path + ".camera"), path + ".camera") : null,
                        Light = o.Get("light") is { } lamp ? OnlyFor(kind, ObjectKind.Light, ViewJson.Light(lamp, path + ".light"), path + ".light") : null,
                        Skin = o.Get("skin") is { } skin ? SkinOnlyForMesh(kind, OptionalId(skin, path + ".skin"), path + ".skin") : null,
                    };
                case "set_skin":
                    CheckFields(o, path, Fields("skin"), Array.Empty<string>());
                    return new SetSkin(Uuid(o, path), OptionalId(o.Get("skin")!, path + ".skin"));
                case "create_skin":
                    CheckFields(o, path, Fields("name", "joints", "inverse_bind_matrices"), RiggingJson.SkinOptional);
                    return new CreateSkin(RiggingJson.ReadSkin(o, path, Uuid(o, path)));
                case "update_skin":
                    CheckFields(o, path, Fields(), new[] { "joints", "inverse_bind_matrices", "skeleton" });
                    if (o.Members.Count == 2) throw new JsonFieldException(path, "update_skin needs joints, inverse_bind_matrices or skeleton");
                    return new UpdateSkin(Uuid(o, path),
                        o.Get("joints") is { } joints ? RiggingJson.Joints(joints, path + ".joints") : null,
                        o.Get("inverse_bind_matrices") is { } ibm ? BlobId(ibm, path + ".inverse_bind_matrices") : null,
                        o.Get("skeleton") != null, o.Get("skeleton") is { } skeleton ? OptionalId(skeleton, path + ".skeleton") : null);
                case "delete_skin":
                    CheckFields(o, path, Fields(), Array.Empty<string>());
                    return new DeleteSkin(Uuid(o, path));
                case "set_morph_weights":
                    CheckFields(o, path, Fields("weights"), Array.Empty<string>());
                    return new SetMorphWeights(Uuid(o, path), RiggingJson.Weights(o.Get("weights")!, path + ".weights", -1));
                case "create_animation":
                    CheckFields(o, path, Fields("name", "frame_rate", "channels"), Array.Empty<string>());
                    return new CreateAnimation(RiggingJson.ReadAnimation(o, path, Uuid(o, path)));
                case "set_animation_channel":
                {
                    bool remove = o.Get("remove") != null;
                    CheckFields(o, path, remove ? Fields("target", "path", "remove") : Fields("target", "path", "interpolation", "times", "values"),
                        remove ? Array.Empty<string>() : RiggingJson.ChannelOptional);
                    var target = Id(o.Get("target")!, path + ".target");
                    var animationPath = (AnimationPath)MaterialJson.Enum(o.Get("path")!, path + ".path", GltfNames.AnimationPaths);
                    if (remove && !(o.Get("remove") is JsonBool { Value: true }))
                        throw new JsonFieldException(path + ".remove", "expected true (to remove the channel), or leave it out and give interpolation, times and values");
                    return new SetAnimationChannel(Uuid(o, path), target, animationPath, remove ? null : RiggingJson.ReadChannel(o, path, target, animationPath));
                }
                case "delete_animation":
                    CheckFields(o, path, Fields(), Array.Empty<string>());
                    return new DeleteAnimation(Uuid(o, path));
                case "instantiate_prefab":
                    CheckFields(o, path, Fields("prefab", "name", "parent", "translation", "rotation", "scale"), Array.Empty<string>());
                    return new InstantiatePrefab(Uuid(o, path), AssetId(o.Get("prefab")!, path + ".prefab"), Name(o.Get("name")!, path + ".name"),
                        OptionalId(o.Get("parent")!, path + ".parent"),
                        Coordinates(o.Get("translation")!, path + ".translation"), Rotation(o.Get("rotation")!, path + ".rotation"),
                        Coordinates(o.Get("scale")!, path + ".scale"));
                case "duplicate_object":
                    CheckFields(o, path, Fields("new_uuid"), new[] { "name" });
                    return new DuplicateObject(Uuid(o, path), Id(o.Get("new_uuid")!, path + ".new_uuid"), o.Get("name") is { } n ? Name(n, path + ".name") : null);
                case "delete_object":
                    CheckFields(o, path, Fields("children"), Array.Empty<string>());
                    var policy = Text(o.Get("children")!, path + ".children") switch
                    {
                        "delete" => ChildrenPolicy.Delete,
                        "reparent" => ChildrenPolicy.Reparent,
                        var other => throw new JsonFieldException(path + ".children", $"\"{other}\": say what happens to the children: \"delete\" or \"reparent\""),
                    };
                    return new DeleteObject(Uuid(o, path), policy);
                case "replace_mesh":
                    return new ReplaceMesh(MeshOf(o, path, sink));
                case "create_mesh":
                    return new CreateMesh(MeshOf(o, path, sink));
                case "create_material":
                    CheckFields(o, path, Fields("name", "base_color", "metallic", "roughness", "emission"), MaterialJson.OptionalFields);
                    return new CreateMaterial(MaterialJson.Read(o, path, Uuid(o, path)));
                case "create_image":
                    CheckFields(o, path, Fields("name", "mime", "blob", "width", "height", "color_space"), Array.Empty<string>());
                    return new CreateImage(ImageJson.Read(o, path, Uuid(o, path)));
                case "replace_image":
                    CheckFields(o, path, Fields("blob", "mime", "width", "height"), new[] { "color_space" });
                    return new ReplaceImage(Uuid(o, path), BlobId(o.Get("blob")!, path + ".blob"), ImageJson.Mime(o.Get("mime")!, path + ".mime"),
                        ImageJson.Size(o.Get("width")!, path + ".width"), ImageJson.Size(o.Get("height")!, path + ".height"),
                        o.Get("color_space") is { } cs ? ImageJson.ColorSpace(cs, path + ".color_space") : null);
                case "set_camera":
                {
                    CheckFields(o, path, Fields(), new[] { "type", "yfov", "aspect", "xmag", "ymag", "znear", "zfar" });
                    if (o.Members.Count == 2) throw new JsonFieldException(path, "set_camera needs type, yfov, aspect, xmag, ymag, znear or zfar");
                    double? F(string name) => o.Get(name) is { } n ? ViewJson.Field(name, n, path + "." + name) : null;
                    return new SetCamera(Uuid(o, path),
                        o.Get("type") is { } ct ? (CameraType)MaterialJson.Enum(ct, path + ".type", GltfNames.CameraTypes) : null,
                        F("yfov"), F("aspect"), F("xmag"), F("ymag"), F("znear"), F("zfar"));
                }
                case "set_light":
                {
                    CheckFields(o, path, Fields(), new[] { "type", "color", "intensity", "range", "inner_cone", "outer_cone" });
                    if (o.Members.Count == 2) throw new JsonFieldException(path, "set_light needs type, color, intensity, range, inner_cone or outer_cone");
                    double? F(string name) => o.Get(name) is { } n ? ViewJson.Field(name, n, path + "." + name) : null;
                    var range = o.Get("range");
                    return new SetLight(Uuid(o, path),
                        o.Get("type") is { } lt ? (LightType)MaterialJson.Enum(lt, path + ".type", GltfNames.LightTypes) : null,
                        o.Get("color") is { } c ? ViewJson.Color(c, path + ".color") : null,
                        F("intensity"), range != null, range is null or JsonNull ? null : ViewJson.Field("range", range, path + ".range"),
                        F("inner_cone"), F("outer_cone"));
                }
                case "replace_asset":
                    CheckFields(o, path, Fields("asset"), Array.Empty<string>());
                    return new ReplaceAsset(Uuid(o, path), AssetId(o.Get("asset")!, path + ".asset"));
                case "rename":
                    CheckFields(o, path, Fields("name"), Array.Empty<string>());
                    return new Rename(Uuid(o, path), Name(o.Get("name")!, path + ".name"));
                default:
                    throw new JsonFieldException(path + ".op", $"unknown operation \"{name}\"");
            }
        }

        private static string Uuid(JsonObject o, string path) => Id(o.Get("uuid")!, path + ".uuid");

        private static T? OnlyFor<T>(ObjectKind kind, ObjectKind owner, T? value, string path) where T : class =>
            value != null && kind != owner
                ? throw new JsonFieldException(path, $"an object of kind {ObjectKindNames.Name(kind)} has no {ObjectKindNames.Name(owner)} parameters (expected null)")
                : value;

        private static string? SkinOnlyForMesh(ObjectKind kind, string? skin, string path) =>
            skin != null && kind != ObjectKind.Mesh
                ? throw new JsonFieldException(path, $"an object of kind {ObjectKindNames.Name(kind)} has no skin (expected null)")
                : skin;

        /// <summary>set_material_params: any non-empty subset of the material's fields, each with its range (MaterialJson).</summary>
        private static SetMaterialParams MaterialParams(JsonObject o, string path)
        {
            var optional = new[] { "base_color", "metallic", "roughness", "emission" }.Concat(MaterialJson.OptionalFields).ToArray();
            CheckFields(o, path, new[] { "uuid", "op" }, optional);
            if (o.Members.Count == 2) throw new JsonFieldException(path, $"set_material_params needs at least one of {string.Join(", ", optional)}");
            double? F(string name, Func<JsonNode, string, double> read) => o.Get(name) is { } n ? read(n, path + "." + name) : null;
            return new SetMaterialParams(Uuid(o, path),
                o.Get("base_color") is { } c ? MaterialJson.BaseColor(c, path + ".base_color") : null,
                F("metallic", MaterialJson.Unit), F("roughness", MaterialJson.Unit),
                o.Get("emission") is { } e ? MaterialJson.Emission(e, path + ".emission") : null)
            {
                EmissiveStrength = F("emissive_strength", MaterialJson.NonNegative),
                AlphaMode = o.Get("alpha_mode") is { } am ? (AlphaMode)MaterialJson.Enum(am, path + ".alpha_mode", GltfNames.AlphaModes) : null,
                AlphaCutoff = F("alpha_cutoff", MaterialJson.Unit),
                DoubleSided = o.Get("double_sided") is { } ds ? MaterialJson.Bool(ds, path + ".double_sided") : null,
                NormalScale = F("normal_scale", MaterialJson.Finite),
                OcclusionStrength = F("occlusion_strength", MaterialJson.Unit),
                Textures = o.Get("textures") is { } t ? MaterialJson.Textures(t, path + ".textures", allowNull: true) : null,
                SetsUnsynced = o.Get("unsynced") != null,
                Unsynced = o.Get("unsynced") is { } u ? MaterialJson.Unsynced(u, path + ".unsynced") : null,
            };
        }

        /// <summary>
        /// The mesh create_mesh and replace_mesh carry: the record form (blob references;
        /// <c>derived</c> optional, empty when left out) or the inline form (arrays, canonical),
        /// turned into blobs put into <paramref name="sink"/>.
        /// </summary>
        private static Mesh MeshOf(JsonObject o, string path, IBlobSink? sink)
        {
            if (MeshJson.IsInline(o))
            {
                CheckFields(o, path, new[] { "op", "uuid", "positions", "triangles" }, new[] { "uv0" });
                return MeshJson.ReadInline(o, path, Uuid(o, path), Space.Canonical, 1.0, sink);
            }
            CheckFields(o, path, new[] { "op", "uuid", "vertex_count", "attributes", "primitives" }, new[] { "derived", "targets", "weights" });
            return MeshJson.ReadRecord(o, path, Uuid(o, path), derivedRequired: false);
        }

        private static bool Bool(JsonNode node, string path) =>
            node is JsonBool b ? b.Value : throw new JsonFieldException(path, "expected true or false");

        private static int Count(JsonNode node, string path) =>
            node is JsonNumber { IsInteger: true } n && n.Value >= 0 && n.Value <= 1024 ? (int)n.Value
            : throw new JsonFieldException(path, "expected a slot number from 0 to 1024");

        /// <summary>Prefab and asset ids are opaque names, never paths or code: a conservative alphabet.</summary>
        private static string AssetId(JsonNode node, string path)
        {
            var s = Text(node, path);
            if (s.Length is 0 or > 200 || !s.All(c => (c < 128 && char.IsLetterOrDigit(c)) || c is '_' or '-' or '.' or '/') || s.Contains("..") || s.StartsWith('/'))
                throw new JsonFieldException(path, "expected an asset id: 1–200 letters, digits, '_', '-', '.', '/', no '..' and not absolute");
            return s;
        }

        private static Quaterniond Rotation(JsonNode node, string path)
        {
            var r = Reals(node, path, 4);
            var q = new Quaterniond(r[0], r[1], r[2], r[3]);
            foreach (var v in r) Checked(v, path);
            double n = Math.Sqrt(q.X * q.X + q.Y * q.Y + q.Z * q.Z + q.W * q.W);
            if (Math.Abs(n - 1) > 1e-3) throw new JsonFieldException(path, $"expected a unit quaternion (x, y, z, w); its length is {n:G6}");
            return q;
        }

        /// <summary>
        /// The one range of every real in every operation, whatever its field (docs/intents.md
        /// "Numbers"): finite and within ±1e12, the state hash's range (docs/protocol.md §3), which
        /// the float32 both engines store holds. A field that skips it reaches an engine that
        /// cannot hash what it stored (issue #16: <c>uv0</c> of 1e13 crashed the simulator).
        /// </summary>
        private static double Checked(double v, string path) =>
            VibeSync.Protocol.Hashing.Quantizer.IsHashable(v) ? v : throw new JsonFieldException(path, $"expected a finite number within ±1e12, got {v:R}");

        /// <summary>A number of an operation: finite and within the one range.</summary>
        private static double Number(JsonNode node, string path) => Checked(Real(node, path), path);

        /// <summary>Three numbers of an operation (a translation, a scale, a position, an emission), each within the one range.</summary>
        private static Vector3d Coordinates(JsonNode node, string path) => Checked(Vector(node, path), path);

        private static Vector3d Checked(Vector3d v, string path)
        {
            Checked(v.X, path); Checked(v.Y, path); Checked(v.Z, path);
            return v;
        }
    }
}
