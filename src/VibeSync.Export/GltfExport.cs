// Design rationale (DESIGN §11): the canonical space *is* glTF's (right-handed, +Y up, metres,
// quaternions x-y-z-w, cameras and lights looking down −Z), so a scene's records become nodes,
// meshes and materials without any change of basis. Two deliberate differences are undone here:
// canonical texture coordinates keep the origin bottom-left (docs/protocol.md §1), glTF's is
// top-left, so v' = 1 − v; and materials belong to objects' slots in VibeSync but to mesh primitives
// in glTF, so each (mesh, slot materials) combination objects use becomes one glTF mesh, with one
// primitive per material slot of the record sharing the vertex accessors (content schema 2).
// Vertex data and images are read from the blobs the records name (canonical arrays: glTF's already;
// images as their encoded files). Cameras and lights look down local −Z in both spaces, so their
// nodes keep the record's transform and get a glTF camera or KHR_lights_punctual light from the
// record's parameters. Skins, morph targets and animations are GltfRigging's. Nothing is made up: a camera or light whose parameters are null (schema 2,
// or a light glTF cannot represent) gets no camera or light; its node carries its kind in `extras`.
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using SharpGLTF.Schema2;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.State;
using GltfMesh = SharpGLTF.Schema2.Mesh;
using Scene = VibeSync.Protocol.State.Scene;

namespace VibeSync.Export;

/// <summary>A canonical scene written as glTF 2.0.</summary>
public static class GltfExport
{
    /// <summary>The model for <paramref name="scene"/> (canonical values): a scene of nodes in parent order, mesh data read from <paramref name="blobs"/>.</summary>
    /// <exception cref="InvalidDataException">A record names a parent, mesh, material or blob that is not there, a blob does not fit its mesh, or a parent cycle.</exception>
    public static ModelRoot Build(Scene scene, IBlobSource blobs, string title = "VibeSync")
    {
        var model = ModelRoot.CreateModel();
        model.Asset.Generator = "VibeSync";
        var root = model.UseScene(title);
        var gltfMaterials = new GltfMaterials(model, scene.Images, blobs);
        var materials = scene.Materials.ToDictionary(m => m.Uuid, gltfMaterials.Create, StringComparer.Ordinal);
        var meshes = scene.Meshes.ToDictionary(m => m.Uuid, StringComparer.Ordinal);
        var built = new Dictionary<string, GltfMesh?>(StringComparer.Ordinal);
        var nodes = new Dictionary<string, Node>(StringComparer.Ordinal);

        foreach (var o in InParentOrder(scene.Objects))
        {
            Node node;
            if (o.Parent == null) node = root.CreateNode(o.Name);
            else if (nodes.TryGetValue(o.Parent, out var parent)) node = parent.CreateNode(o.Name);
            else throw new InvalidDataException($"object {o.Uuid} names parent {o.Parent}, which the scene does not hold");
            nodes[o.Uuid] = node;
            node.LocalTransform = new SharpGLTF.Transforms.AffineTransform(
                new Vector3((float)o.Scale.X, (float)o.Scale.Y, (float)o.Scale.Z),
                new Quaternion((float)o.Rotation.X, (float)o.Rotation.Y, (float)o.Rotation.Z, (float)o.Rotation.W),
                new Vector3((float)o.Translation.X, (float)o.Translation.Y, (float)o.Translation.Z));
            var extras = new JsonObject { ["vibesync_uuid"] = o.Uuid, ["vibesync_kind"] = ObjectKindNames.Name(o.Kind) };
            if (!o.Visible) extras["visible"] = false;
            node.Extras = extras;
            if (o.Camera is { } camera) node.Camera = Camera(model, o.Name, camera);
            if (o.Light is { } light) node.PunctualLight = Light(model, o.Name, light);
            if (o.Kind != ObjectKind.Mesh || o.Mesh == null) continue;
            if (!meshes.TryGetValue(o.Mesh, out var mesh)) throw new InvalidDataException($"object {o.Uuid} names mesh {o.Mesh}, which the scene does not hold");
            var slotMaterials = new SharpGLTF.Schema2.Material?[mesh.Primitives.Count];
            for (int j = 0; j < slotMaterials.Length; j++)
            {
                int slot = mesh.Primitives[j].Material;
                string? materialId = slot < o.Materials.Count ? o.Materials[slot] : null;
                if (materialId == null) continue;
                if (!materials.TryGetValue(materialId, out var material)) throw new InvalidDataException($"object {o.Uuid} names material {materialId}, which the scene does not hold");
                slotMaterials[j] = material;
            }
            string key = mesh.Uuid + "|" + string.Join("|", slotMaterials.Select(m => m?.LogicalIndex ?? -1));
            if (!built.TryGetValue(key, out var gltf)) built[key] = gltf = Mesh(model, mesh, slotMaterials, blobs);
            if (gltf != null) node.Mesh = gltf;
        }
        GltfRigging.AddSkins(model, scene, nodes, blobs);
        GltfRigging.AddAnimations(model, scene, nodes, blobs);
        return model;
    }

    /// <summary>Writes <paramref name="scene"/> as a binary glTF (GLB) to <paramref name="path"/>.</summary>
    public static void WriteGlb(Scene scene, IBlobSource blobs, string path, string title = "VibeSync") => Build(scene, blobs, title).SaveGLB(path);

    /// <summary><paramref name="scene"/> as the bytes of a binary glTF (GLB), as <see cref="WriteGlb"/> writes them.</summary>
    public static byte[] Glb(Scene scene, IBlobSource blobs, string title = "VibeSync") => Build(scene, blobs, title).WriteGLB().ToArray();

    private static Camera Camera(ModelRoot model, string name, CameraParameters p)
    {
        var camera = model.CreateCamera(name);
        if (p.Type == VibeSync.Protocol.State.CameraType.Orthographic) camera.SetOrthographicMode((float)p.XMag, (float)p.YMag, (float)p.ZNear, (float)p.ZFar);
        else camera.SetPerspectiveMode((float)p.Aspect, (float)p.YFov, (float)p.ZNear, (float)p.ZFar);
        return camera;
    }

    private static PunctualLight Light(ModelRoot model, string name, LightParameters p)
    {
        var type = p.Type switch { LightType.Spot => PunctualLightType.Spot, LightType.Directional => PunctualLightType.Directional, _ => PunctualLightType.Point };
        var light = model.CreatePunctualLight(name, type);
        // glTF has no range for a directional light (SharpGLTF drops it); an absent range is infinite.
        light.SetColor(new Vector3((float)p.Color.X, (float)p.Color.Y, (float)p.Color.Z), (float)p.Intensity, p.Range is { } range ? (float)range : float.PositiveInfinity);
        if (type == PunctualLightType.Spot) light.SetSpotCone((float)p.InnerCone, (float)p.OuterCone);
        return light;
    }

    /// <summary>The glTF mesh of a record with these slot materials; null when it has no triangles (glTF has no empty primitive).</summary>
    private static GltfMesh? Mesh(ModelRoot model, VibeSync.Protocol.State.Mesh mesh, SharpGLTF.Schema2.Material?[] slotMaterials, IBlobSource blobs)
    {
        try { MeshContent.Check(mesh, blobs, "mesh " + mesh.Uuid); }
        catch (MeshContentException e) { throw new InvalidDataException($"{e.Code}: {e.Message}"); }
        var withTriangles = Enumerable.Range(0, mesh.Primitives.Count).Where(j => Payload(blobs, mesh.Primitives[j].Indices).Length > 0).ToList();
        if (mesh.VertexCount == 0 || withTriangles.Count == 0) return null;

        var gltf = model.CreateMesh(mesh.Uuid);
        gltf.Extras = new JsonObject { ["vibesync_uuid"] = mesh.Uuid, ["derived"] = new JsonArray(mesh.Derived.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray()) };
        var accessors = new List<(string Semantic, Accessor Accessor)>();
        foreach (var semantic in mesh.SortedSemantics())
        {
            if (semantic == MeshSemantics.Joints0)
            {
                accessors.Add((semantic, GltfRigging.Joints(model, Payload(blobs, mesh.Attributes[semantic]))));
                continue;
            }
            var values = MemoryMarshal.Cast<byte, float>(Payload(blobs, mesh.Attributes[semantic]).Span).ToArray();
            MeshSemantics.TryComponents(semantic, out int components);
            if (MeshSemantics.TexCoordIndex(semantic) >= 0)
                for (int i = 1; i < values.Length; i += 2) values[i] = 1 - values[i]; // glTF's origin is top-left
            accessors.Add((semantic, Vertices(model, values, components)));
        }
        foreach (int j in withTriangles)
        {
            var primitive = gltf.CreatePrimitive();
            foreach (var (semantic, accessor) in accessors) primitive.SetVertexAccessor(semantic, accessor);
            var bytes = Payload(blobs, mesh.Primitives[j].Indices).ToArray();
            var view = model.UseBufferView(bytes, 0, bytes.Length, 0, BufferMode.ELEMENT_ARRAY_BUFFER);
            var indices = model.CreateAccessor();
            indices.SetIndexData(view, 0, bytes.Length / 4, IndexEncodingType.UNSIGNED_INT);
            primitive.SetIndexAccessor(indices);
            primitive.DrawPrimitiveType = PrimitiveType.TRIANGLES;
            if (slotMaterials[j] is { } material) primitive.Material = material;
        }
        GltfRigging.AddTargets(model, gltf, mesh, blobs);
        return gltf;
    }

    /// <summary>A blob's bytes, or the export's refusal when no store holds it.</summary>
    internal static ReadOnlyMemory<byte> Payload(IBlobSource blobs, string id) =>
        blobs.TryGet(id, out _, out var payload) ? payload : throw new InvalidDataException($"blob {id} is in no store");

    /// <summary>A float vertex accessor of <paramref name="components"/> (2–4) per vertex over its own buffer view.</summary>
    internal static Accessor Vertices(ModelRoot model, float[] values, int components)
    {
        var dimensions = components switch { 2 => DimensionType.VEC2, 3 => DimensionType.VEC3, _ => DimensionType.VEC4 };
        var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        var view = model.UseBufferView(bytes, 0, bytes.Length, 0, BufferMode.ARRAY_BUFFER);
        var accessor = model.CreateAccessor();
        accessor.SetVertexData(view, 0, values.Length / components, new SharpGLTF.Memory.AttributeFormat(dimensions, EncodingType.FLOAT));
        return accessor;
    }

    /// <summary>Objects with every parent before its children; a cycle is refused.</summary>
    private static IEnumerable<SceneObject> InParentOrder(IReadOnlyList<SceneObject> objects)
    {
        var byParent = objects.ToLookup(o => o.Parent ?? "", StringComparer.Ordinal);
        var ids = objects.Select(o => o.Uuid).ToHashSet(StringComparer.Ordinal);
        var queue = new Queue<SceneObject>(objects.Where(o => o.Parent == null || !ids.Contains(o.Parent)));
        int emitted = 0;
        while (queue.Count > 0)
        {
            var o = queue.Dequeue();
            emitted++;
            yield return o;
            foreach (var child in byParent[o.Uuid]) queue.Enqueue(child);
        }
        if (emitted < objects.Count) throw new InvalidDataException($"{objects.Count - emitted} object(s) are in a parent cycle");
    }
}
