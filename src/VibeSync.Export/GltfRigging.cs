// Design rationale (content schema 4, issue #19): skins, morph targets and animations are glTF's own
// model in the records, so the export only wires them to the nodes and meshes GltfExport built:
// a skin's joints are the joint objects' nodes in the record's order. The record's inverse bind
// matrices are in its skeleton's space (the armature's; the world's when it has none) and a mesh's
// vertices in its object's, while glTF ignores a skinned node's transform and binds the vertices as
// they are: so each skinned object gets its own glTF skin, bound with IBM × skeleton world⁻¹ × object
// world (column-major floats are glTF's layout and System.Numerics' row-vector layout at once);
// morph targets become every primitive's target accessors with the mesh's default weights and the
// target names in `extras.targetNames`, where Blender's exporter puts them; animations are written
// sampled per frame, LINEAR (FrameSampling says why).
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using SharpGLTF.Schema2;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.State;
using GltfMesh = SharpGLTF.Schema2.Mesh;
using Mesh = VibeSync.Protocol.State.Mesh;
using Scene = VibeSync.Protocol.State.Scene;
using AnimationChannel = VibeSync.Protocol.State.AnimationChannel;

namespace VibeSync.Export;

/// <summary>Skins, morph targets and animations of a scene added to the glTF model of its nodes and meshes.</summary>
internal static class GltfRigging
{
    /// <summary>Gives every primitive of <paramref name="gltf"/> the mesh record's morph targets, and the mesh its default weights and target names.</summary>
    public static void AddTargets(ModelRoot model, GltfMesh gltf, Mesh mesh, IBlobSource blobs)
    {
        if (mesh.Targets.Count == 0) return;
        var accessors = mesh.Targets.Select(t =>
        {
            var target = new Dictionary<string, Accessor> { [MeshSemantics.Position] = GltfExport.Vertices(model, Floats(blobs, t.Position), 3) };
            if (t.Normal != null) target[MeshSemantics.Normal] = GltfExport.Vertices(model, Floats(blobs, t.Normal), 3);
            return target;
        }).ToList();
        foreach (var primitive in gltf.Primitives)
            for (int i = 0; i < accessors.Count; i++) primitive.SetMorphTargetAccessors(i, accessors[i]);
        gltf.SetMorphWeights(mesh.Weights.Select(w => (float)w).ToArray());
        var extras = gltf.Extras as JsonObject ?? new JsonObject();
        extras["targetNames"] = new JsonArray(mesh.Targets.Select(t => (JsonNode)JsonValue.Create(t.Name)!).ToArray());
        gltf.Extras = extras;
    }

    /// <summary>JOINTS_0 as glTF wants it: unsigned shorts, four per vertex.</summary>
    public static Accessor Joints(ModelRoot model, ReadOnlyMemory<byte> payload)
    {
        var bytes = payload.ToArray();
        var view = model.UseBufferView(bytes, 0, bytes.Length, 0, BufferMode.ARRAY_BUFFER);
        var accessor = model.CreateAccessor();
        accessor.SetVertexData(view, 0, bytes.Length / 8, new SharpGLTF.Memory.AttributeFormat(DimensionType.VEC4, EncodingType.UNSIGNED_SHORT));
        return accessor;
    }

    /// <summary>Binds every skinned object's node to a glTF skin of its skin record (one per object: see the top of the file).</summary>
    /// <exception cref="InvalidDataException">A skin names a joint or skeleton that is not a node, or its matrices do not fit.</exception>
    public static void AddSkins(ModelRoot model, Scene scene, IReadOnlyDictionary<string, Node> nodes, IBlobSource blobs)
    {
        var records = scene.Skins.ToDictionary(s => s.Uuid, StringComparer.Ordinal);
        foreach (var o in scene.Objects)
        {
            if (o.Skin == null || !nodes.TryGetValue(o.Uuid, out var node) || node.Mesh == null) continue;
            if (!records.TryGetValue(o.Skin, out var s)) throw new InvalidDataException($"object {o.Uuid} names skin {o.Skin}, which the scene does not hold");
            var matrices = Floats(blobs, s.InverseBindMatrices);
            if (matrices.Length != 16 * s.Joints.Count)
                throw new InvalidDataException($"skin {s.Uuid}: {matrices.Length / 16} inverse bind matrices for {s.Joints.Count} joints");
            var skeleton = s.Skeleton == null ? null : NodeOf(nodes, s.Skeleton, $"skin {s.Uuid} skeleton");
            if (!Matrix4x4.Invert(skeleton?.WorldMatrix ?? Matrix4x4.Identity, out var fromSkeleton))
                throw new InvalidDataException($"skin {s.Uuid}: its skeleton's world matrix cannot be inverted");
            var meshInSkeleton = node.WorldMatrix * fromSkeleton; // row-vector order: object world, then skeleton world⁻¹
            var joints = new List<(Node, Matrix4x4)>(s.Joints.Count);
            for (int i = 0; i < s.Joints.Count; i++)
            {
                var m = matrices.AsSpan(16 * i, 16);
                var ibm = new Matrix4x4(m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9], m[10], m[11], m[12], m[13], m[14], m[15]);
                joints.Add((NodeOf(nodes, s.Joints[i], $"skin {s.Uuid} joint"), meshInSkeleton * ibm));
            }
            var skin = model.CreateSkin(s.Name);
            skin.BindJoints(joints);
            if (skeleton != null) skin.Skeleton = skeleton;
            skin.Extras = new JsonObject { ["vibesync_uuid"] = s.Uuid };
            node.Skin = skin;
        }
    }

    /// <summary>Writes the scene's animations, every channel sampled once per frame of its animation, LINEAR.</summary>
    /// <exception cref="InvalidDataException">A channel names an object that is not a node, or its values do not fit its times.</exception>
    public static void AddAnimations(ModelRoot model, Scene scene, IReadOnlyDictionary<string, Node> nodes, IBlobSource blobs)
    {
        var meshes = scene.Meshes.ToDictionary(m => m.Uuid, StringComparer.Ordinal);
        var objects = scene.Objects.ToDictionary(o => o.Uuid, StringComparer.Ordinal);
        foreach (var a in scene.Animations)
        {
            if (a.Channels.Count == 0) continue; // glTF requires at least one channel
            var animation = model.CreateAnimation(a.Name);
            animation.Extras = new JsonObject { ["vibesync_uuid"] = a.Uuid, ["frame_rate"] = a.FrameRate };
            foreach (var c in a.Channels)
            {
                var node = NodeOf(nodes, c.Target, $"animation {a.Uuid} channel");
                var times = Floats(blobs, c.Times);
                var values = Floats(blobs, c.Values);
                int width = c.Path == AnimationPath.Weights ? TargetCount(c.Target, objects, meshes) : 1;
                int components = AnimationChannel.Components(c.Path);
                if (values.Length != AnimationChannel.ValueCount(c.Path, c.Interpolation, times.Length, width) * components)
                    throw new InvalidDataException($"animation {a.Uuid}: the {c.Path} channel of {c.Target} has {values.Length} values for {times.Length} keyframes");
                var at = FrameSampling.Times(times, a.FrameRate);
                float[] Sample(float t) => FrameSampling.Evaluate(times, values, c.Interpolation, components, width, c.Path == AnimationPath.Rotation, t);
                switch (c.Path)
                {
                    case AnimationPath.Translation:
                        animation.CreateTranslationChannel(node, at.ToDictionary(t => t, t => Vector(Sample(t))), true);
                        break;
                    case AnimationPath.Scale:
                        animation.CreateScaleChannel(node, at.ToDictionary(t => t, t => Vector(Sample(t))), true);
                        break;
                    case AnimationPath.Rotation:
                        animation.CreateRotationChannel(node, at.ToDictionary(t => t, t => { var q = Sample(t); return new Quaternion(q[0], q[1], q[2], q[3]); }), true);
                        break;
                    default:
                        animation.CreateMorphChannel(node, at.ToDictionary(t => t, Sample), width, true);
                        break;
                }
            }
        }
    }

    private static int TargetCount(string target, IReadOnlyDictionary<string, SceneObject> objects, IReadOnlyDictionary<string, Mesh> meshes) =>
        objects.TryGetValue(target, out var o) && o.Mesh != null && meshes.TryGetValue(o.Mesh, out var mesh) && mesh.Targets.Count > 0
            ? mesh.Targets.Count
            : throw new InvalidDataException($"a weights channel targets {target}, whose mesh has no morph targets");

    private static Vector3 Vector(float[] v) => new(v[0], v[1], v[2]);

    private static Node NodeOf(IReadOnlyDictionary<string, Node> nodes, string uuid, string who) =>
        nodes.TryGetValue(uuid, out var node) ? node : throw new InvalidDataException($"{who} names {uuid}, which the scene does not hold");

    private static float[] Floats(IBlobSource blobs, string id) => MemoryMarshal.Cast<byte, float>(GltfExport.Payload(blobs, id).Span).ToArray();
}
