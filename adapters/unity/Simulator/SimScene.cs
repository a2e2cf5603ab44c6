using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using VibeSync.Protocol.Blobs;
using VibeSync.Unity.Adapter;
using VibeSync.Unity.Hierarchy;
using VibeSync.Unity.Looks;
using VibeSync.Unity.Meshes;
using VibeSync.Unity.Rigging;

namespace VibeSync.Unity.Simulator;

/// <summary>
/// A Unity-like scene in memory: GameObjects with local TRS stored as float32 (as Unity stores
/// them), activeSelf, a VibeSyncId, renderers' materials, mesh filters, prefab instances, Camera and
/// Light components (their members named as Unity's), materials as shader properties by name
/// (<see cref="UnityMaterialState"/>: what the mapping table wrote, so tests can check it), and
/// textures holding their encoded files with their import settings. It is a
/// simulator of the editor's scene, not Unity: no components beyond those, no physics, no assets
/// on disk. It reads and writes Unity-space scene JSON, the shape `vibesync hash --space unity` reads.
/// Where the glue relies on how Unity behaves, the simulator behaves the same way, so the core's
/// tests catch a wrong assumption: <see cref="Duplicate"/> is Unity's Object.Instantiate (the copy
/// at the scene root, named "X(Clone)"), and a destroyed GameObject's handle resolves to
/// nothing, as a destroyed UnityEngine.Object equals null.
/// </summary>
public sealed class SimScene : IUnityScene
{
    private readonly Dictionary<int, UnityObject> _objects = new();
    private readonly HashSet<int> _pendingDelete = new();
    private readonly Dictionary<string, UnityMaterialState> _materials = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (UnityTexture Texture, byte[] Bytes, long Version)> _textures = new(StringComparer.Ordinal);
    private long _textureWrites;
    private readonly Dictionary<string, (SimMesh Mesh, MeshNotes Notes)> _meshes = new(StringComparer.Ordinal);
    private int _nextHandle = 1000;
    private readonly Dictionary<string, UnityClip> _clips = new(StringComparer.Ordinal);

    /// <summary>Prefab asset ids that instantiate.</summary>
    public HashSet<string> Prefabs { get; } = new(StringComparer.Ordinal) { "props/crate", "props/barrel" };

    /// <inheritdoc />
    public string State { get; set; } = "ready";

    /// <inheritdoc />
    public ProjectStamp? Project { get; set; }

    /// <inheritdoc />
    public LookNotes Notes { get; } = new();

    /// <inheritdoc />
    public RigNotes Rig { get; } = new();

    /// <inheritdoc />
    public string NewMaterialShader { get; set; } = ShaderFamily.Standard.Shader;

    /// <summary>What Unity's <c>AddComponent&lt;Camera&gt;()</c> starts with (fieldOfView 60, near 0.3, far 1000, orthographicSize 5; aspect 16:9 for a 1920×1080 view).</summary>
    public static UnityCamera DefaultCamera { get; } = new(false, 60, 5, 0.3f, 1000, 16f / 9f);

    /// <summary>What Unity's <c>AddComponent&lt;Light&gt;()</c> starts with (a white point light, intensity 1, range 10, spotAngle 30, innerSpotAngle 21.80208).</summary>
    public static UnityLight DefaultLight { get; } = new(UnityLightType.Point, new UnityColor(1, 1, 1, 1), 1, 10, 30, 21.80208f);

    /// <summary>
    /// Loads a scene file (<see cref="SceneFile"/>): Unity-space scene JSON, IDs from the file becoming
    /// VibeSyncId components, and its project stamp.
    /// </summary>
    /// <param name="text">The file's text: meshes in the inline form (Unity-space positions, triangles, uv0)
    /// or the record form, whose blobs (canonical arrays) come from <paramref name="blobs"/>.</param>
    /// <param name="blobs">Where record-form meshes' blobs are (<see cref="BlobFolder"/> beside the file); none: only inline meshes load.</param>
    /// <exception cref="SceneFormatException">The file is not a valid scene, or a mesh's blobs are missing or do not fit it.</exception>
    public static SimScene Load(string text, IBlobSource? blobs = null)
    {
        var (json, stamp) = SceneFile.Split(text);
        var made = new BlobMemory(); // the inline form's arrays, named as blobs by the reader
        var canonical = SceneJsonReader.ReadCanonical(json, Space.Unity, made);
        var source = blobs == null ? (IBlobSource)made : new FirstOf(made, blobs);
        var native = EngineStorage.RoundToFloat32(SceneConverter.FromCanonical(canonical, Space.Unity));
        var scene = new SimScene();
        var handles = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var o in native.Objects) handles[o.Uuid] = scene._nextHandle++;
        foreach (var o in native.Objects)
        {
            // The file's records as if VibeSync had written them into this project: through the mapping tables, noted.
            var camera = o.Kind == ObjectKind.Camera ? DefaultCamera : null;
            var light = o.Kind == ObjectKind.Light ? DefaultLight : null;
            if (o.Camera != null) camera = LookRecords.CameraFor(scene, o.Uuid, o.Camera, camera!);
            else if (camera != null) scene.Notes.SetUnsyncedCamera(o.Uuid, camera); // no parameters in the file: not synced (schema 2's meaning)
            if (o.Light != null) light = LookRecords.LightFor(scene, o.Uuid, o.Light, light!);
            else if (light != null) scene.Notes.SetUnsyncedLight(o.Uuid, light);
            scene._objects[handles[o.Uuid]] = new UnityObject(handles[o.Uuid], o.Uuid, o.Name, o.Kind, o.Parent == null ? null : handles[o.Parent],
                o.Translation, o.Rotation, o.Scale, o.Visible, o.Materials, o.Mesh, null, false, camera, light);
        }
        for (int i = 0; i < native.Images.Count; i++)
        {
            var image = native.Images[i];
            if (!source.TryGet(image.Blob, out _, out var bytes)) throw new SceneFormatException($"images[{i}].blob", $"BLOB_MISSING: blob {image.Blob} is not beside the scene file");
            scene.CreateImage(image.Uuid, ImageCache.ToUnity(image, null), bytes.ToArray());
        }
        var unused = new List<Action>();
        foreach (var m in native.Materials)
        {
            try { LookRecords.WriteMaterial(scene, m, true, unused); }
            catch (UnknownAssetException e) { throw new SceneFormatException($"materials[{native.Materials.ToList().IndexOf(m)}].textures", e.Message); }
        }
        for (int i = 0; i < native.Meshes.Count; i++)
        {
            var record = native.Meshes[i];
            MeshArrays arrays;
            try { arrays = MeshRecords.Decode(record, source); }
            catch (MeshContentException e) { throw new SceneFormatException($"meshes[{i}].{e.Path}", $"{e.Code}: {e.Message}"); }
            var mesh = new SimMesh();
            scene._meshes[record.Uuid] = (mesh, MeshCache.Fill(mesh, arrays, record.Derived));
        }
        // Skins, bindings, morph weights and clips as if VibeSync had written them: noted, then made Unity's.
        int? HandleOf(string id) => handles.TryGetValue(id, out var h) ? h : null;
        try
        {
            foreach (var skin in native.Skins)
            {
                scene.Rig.Keep(new[] { skin.InverseBindMatrices }, source, "skins " + skin.Uuid);
                scene.Rig.SetSkin(skin.Uuid, skin);
            }
            foreach (var m in native.Meshes) if (m.Targets.Count > 0) scene.Rig.SetWeights(m.Uuid, m.Weights);
            foreach (var o in native.Objects) if (o.Skin != null) scene.Rig.SetSkinOf(o.Uuid, o.Skin);
            var unused2 = new List<Action>();
            foreach (var o in native.Objects) SkinBinding.Refresh(scene, HandleOf, scene._objects[handles[o.Uuid]], null, unused2);
            foreach (var a in native.Animations)
            {
                scene.Rig.Keep(a.BlobIds(), source, "animations " + a.Uuid);
                var clip = ClipMapping.ToUnity(scene, HandleOf, a, scene.Rig.Blobs);
                scene._clips[a.Uuid] = clip;
                scene.Rig.SetClip(a.Uuid, a, clip);
            }
        }
        catch (Exception e) when (e is MeshContentException or ApplyException)
        {
            throw new SceneFormatException("skins/animations", e.Message);
        }
        scene.Project = stamp;
        return scene;
    }

    /// <summary>An empty scene.</summary>
    public SimScene() { }

    /// <summary>Finds a live object by name (scripted human edits name objects, as a person would).</summary>
    public UnityObject? Named(string name) => Objects().FirstOrDefault(o => o.Name == name);

    /// <summary>How many times the whole scene was listed (<see cref="Objects"/>): tests check that an edit reported by handle lists none.</summary>
    public int Walks { get; private set; }

    /// <inheritdoc />
    public IReadOnlyList<UnityObject> Objects()
    {
        Walks++;
        if (_pendingDelete.Count == 0) return _objects.Values.ToList(); // order does not matter: the root sorts by ID
        bool Gone(UnityObject o)
        {
            for (UnityObject? c = o; c != null; c = c.Parent is int p ? _objects.GetValueOrDefault(p) : null)
                if (_pendingDelete.Contains(c.Handle)) return true;
            return false;
        }
        return _objects.Values.Where(o => !Gone(o)).ToList();
    }

    /// <inheritdoc />
    public UnityObject? Find(int handle) => _objects.TryGetValue(handle, out var o) && !_pendingDelete.Contains(handle) ? o : null;

    /// <inheritdoc />
    public void SetId(int handle, string id)
    {
        _objects[handle] = Live(handle) with { Id = id };
        Changes?.Everything();
    }

    /// <summary>
    /// Where the simulator reports its changes, as Unity's <c>ObjectChangeEvents</c> do: a written
    /// GameObject by handle, anything else (a creation, a destruction, an asset) as a change only
    /// the whole diff places. Null: nothing is reported (the adapter diffs the whole scene).
    /// </summary>
    public ChangeSet? Changes { get; set; }

    /// <summary>The object behind a handle, as the glue's instance-ID lookup: a destroyed one is gone.</summary>
    private UnityObject Live(int handle) =>
        _objects.TryGetValue(handle, out var o) ? o : throw new InvalidOperationException($"GameObject {handle} is gone");

    /// <summary>
    /// Fault injection: the next this-many object writes store the position 0.5 m off on x, as an
    /// engine that silently stores something else would (the orchestrator must catch it by hash).
    /// </summary>
    public int TamperWrites { get; set; }

    /// <summary>When set, tampering stops at this time whatever <see cref="TamperWrites"/> says (a fault that lasts, not a count).</summary>
    public DateTime? TamperUntil { get; set; }

    /// <inheritdoc />
    public void Write(UnityObject values)
    {
        var o = Live(values.Handle);
        if (values.Parent is int p) Live(p);
        if (TamperUntil is { } until && DateTime.UtcNow > until) (TamperWrites, TamperUntil) = (0, null);
        if (TamperWrites > 0)
        {
            TamperWrites--;
            values = values with { LocalPosition = new Vector3d(values.LocalPosition.X + 0.5, values.LocalPosition.Y, values.LocalPosition.Z) };
        }
        _objects[values.Handle] = Stored(values with { Id = o.Id, Kind = o.Kind, Camera = values.Camera ?? o.Camera, Light = values.Light ?? o.Light });
        Changes?.Object(values.Handle);
    }

    /// <inheritdoc />
    public int Create(UnityObject values)
    {
        int h = _nextHandle++;
        // AddComponent<Camera>() / AddComponent<Light>() start with Unity's defaults.
        values = values with
        {
            Camera = values.Kind == ObjectKind.Camera ? values.Camera ?? DefaultCamera : null,
            Light = values.Kind == ObjectKind.Light ? values.Light ?? DefaultLight : null,
        };
        _objects[h] = Stored(values with { Handle = h, Id = null });
        Changes?.Everything();
        return h;
    }

    /// <inheritdoc />
    public int Instantiate(string prefab, UnityObject values)
    {
        if (!Prefabs.Contains(prefab)) throw new UnknownAssetException($"no prefab '{prefab}' in this project");
        int h = Create(values with { Kind = ObjectKind.Empty });
        _objects[h] = _objects[h] with { Prefab = prefab };
        return h;
    }

    /// <summary>
    /// Unity's <c>Object.Instantiate(original)</c> as the port asks for it: the GameObject with its
    /// components (VibeSyncId included) at the scene root, its local values kept, named "X(Clone)".
    /// (Unity copies the children too; the glue destroys those copies before anyone sees them.)
    /// </summary>
    public int Duplicate(int handle)
    {
        var original = Live(handle);
        int h = _nextHandle++;
        _objects[h] = original with { Handle = h, Parent = null, Name = original.Name + "(Clone)" };
        Changes?.Everything();
        return h;
    }

    /// <inheritdoc />
    public void Destroy(int handle)
    {
        foreach (var child in _objects.Values.Where(o => o.Parent == handle).Select(o => o.Handle).ToList()) Destroy(child);
        _objects.Remove(handle);
        _pendingDelete.Remove(handle);
        Changes?.Everything();
    }

    /// <inheritdoc />
    public void SetPendingDelete(int handle, bool pending)
    {
        if (pending) _pendingDelete.Add(Live(handle).Handle); else _pendingDelete.Remove(handle);
        Changes?.Everything();
    }

    /// <inheritdoc />
    public IReadOnlyList<string> MaterialIds() => _materials.Keys.OrderBy(id => id, StringComparer.Ordinal).ToList();

    /// <inheritdoc />
    public UnityMaterialState ReadMaterial(string id) => MaterialOf(id).Copy();

    /// <summary>The simulated material behind <paramref name="id"/>, its properties by shader property name (tests check the mapping on it).</summary>
    public UnityMaterialState MaterialOf(string id) => _materials.TryGetValue(id, out var m) ? m : throw new UnknownAssetException($"no material '{id}' in this project");

    /// <summary>A material by its name (scripted human edits name materials, as a person would).</summary>
    public string MaterialNamed(string name) => _materials.First(m => m.Value.Name == name).Key;

    /// <summary>The ID of the texture named <paramref name="name"/> (a test's or an edit step's handle).</summary>
    public string TextureNamed(string name) =>
        _textures.FirstOrDefault(t => t.Value.Texture.Name == name).Key ?? throw new UnknownAssetException($"no texture named '{name}' in this project");

    /// <inheritdoc />
    public void WriteMaterial(string id, UnityMaterialState values)
    {
        MaterialOf(id);
        CreateMaterial(id, values);
        Changes?.Everything();
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ImageIds() => _textures.Keys.OrderBy(id => id, StringComparer.Ordinal).ToList();

    /// <inheritdoc />
    public UnityTexture ReadImage(string id) => TextureOf(id).Texture;

    private (UnityTexture Texture, byte[] Bytes, long Version) TextureOf(string id) =>
        _textures.TryGetValue(id, out var t) ? t : throw new UnknownAssetException($"no texture '{id}' in this project");

    /// <inheritdoc />
    public long ImageVersion(string id) => TextureOf(id).Version;

    /// <inheritdoc />
    public byte[] ImageBytes(string id) => TextureOf(id).Bytes;

    /// <inheritdoc />
    public void WriteImage(string id, UnityTexture texture, byte[]? bytes)
    {
        var t = TextureOf(id);
        _textures[id] = (texture, bytes ?? t.Bytes, bytes == null ? t.Version : ++_textureWrites);
        Changes?.Everything();
    }

    /// <inheritdoc />
    public void CreateImage(string id, UnityTexture texture, byte[] bytes)
    {
        _textures[id] = (texture, bytes, ++_textureWrites);
        Changes?.Everything();
    }

    private readonly Dictionary<string, (string Source, byte[] Png)> _derived = new(StringComparer.Ordinal);

    /// <summary>How many derived textures were made (tests: an unchanged source is not derived again).</summary>
    public int Derivations { get; private set; }

    /// <inheritdoc />
    public string? Derive(string image, string name, Func<byte[], byte[]> convert)
    {
        var source = TextureOf(image);
        if (_derived.ContainsKey(name)) return null;
        byte[] pixels;
        int width, height;
        try { pixels = PngCodec.Decode(source.Bytes, out width, out height); }
        catch (PngFormatException e) { return $"the simulator cannot decode {source.Texture.Name}: {e.Message}"; }
        _derived[name] = (image, PngCodec.Encode(width, height, convert(pixels)));
        Derivations++;
        return null;
    }

    /// <summary>The derived texture <paramref name="name"/>'s PNG file (tests decode it to check the pixels).</summary>
    public byte[] DerivedPng(string name) => _derived.TryGetValue(name, out var d) ? d.Png : throw new UnknownAssetException($"no derived texture '{name}'");

    /// <summary>
    /// A human drops a file into the project and Unity imports it as a texture (a new VibeSync ID): any file;
    /// one that is neither PNG nor JPEG is a texture all the same, whose record cannot be made
    /// (<see cref="UnityTexture.Unreadable"/>). Returns its ID.
    /// </summary>
    public string ImportFile(string name, byte[] bytes)
    {
        var id = Guid.NewGuid().ToString("D");
        var mime = ImageHeader.Read(bytes, out int width, out int height);
        var texture = new UnityTexture(name, mime ?? "", width, height, true, false, UnityWrap.Repeat, UnityWrap.Repeat, UnityFilter.Bilinear)
        {
            Unreadable = mime == null ? $"{name} is neither a PNG nor a JPEG file" : null,
        };
        CreateImage(id, texture, bytes);
        return id;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ClipIds() => _clips.Keys.OrderBy(id => id, StringComparer.Ordinal).ToList();

    /// <inheritdoc />
    public UnityClip ReadClip(string id) => _clips.TryGetValue(id, out var c) ? c : throw new UnknownAssetException($"no clip '{id}' in this project");

    /// <inheritdoc />
    public void WriteClip(string id, UnityClip clip)
    {
        ReadClip(id);
        CreateClip(id, clip);
    }

    /// <inheritdoc />
    public void CreateClip(string id, UnityClip clip)
    {
        if (clip.Holder is int h) Live(h); // the Animation component is on a GameObject of this scene
        _clips[id] = clip;
        Changes?.Everything(); // an asset: only the whole diff places it
    }

    /// <summary>A clip by its name (scripted human edits name clips, as a person would).</summary>
    public string ClipNamed(string name) => _clips.First(c => c.Value.Name == name).Key;

    /// <inheritdoc />
    public IReadOnlyList<string> MeshIds() => _meshes.Keys.OrderBy(id => id, StringComparer.Ordinal).ToList();

    /// <inheritdoc />
    public long MeshVersion(string id) => MeshOf(id).Version;

    /// <inheritdoc />
    public IUnityMeshApi Mesh(string id) => MeshOf(id);

    /// <inheritdoc />
    public IUnityMeshApi EditMesh(string id)
    {
        Changes?.Everything(); // a mesh asset edited
        return MeshOf(id);
    }

    /// <summary>The simulated UnityEngine.Mesh behind <paramref name="id"/> (tests look at its submeshes, index format, normals).</summary>
    public SimMesh MeshOf(string id) => _meshes.TryGetValue(id, out var m) ? m.Mesh : throw new UnknownAssetException($"no mesh '{id}' in this project");

    /// <inheritdoc />
    public MeshNotes NotesOf(string id) => _meshes.TryGetValue(id, out var m) ? m.Notes : MeshNotes.None;

    /// <inheritdoc />
    public void SetNotes(string id, MeshNotes notes) => _meshes[id] = (MeshOf(id), notes);

    /// <inheritdoc />
    public void CreateMaterial(string id, UnityMaterialState values)
    {
        // A texture property names a texture of this project, as a Unity material references an asset.
        foreach (var image in values.Textures.Values) TextureOf(image);
        foreach (var derived in values.Derived.Values) DerivedPng(derived);
        _materials[id] = values.Copy();
        Changes?.Everything();
    }

    /// <inheritdoc />
    public void CreateMesh(string id)
    {
        _meshes[id] = (new SimMesh(), MeshNotes.None);
        Changes?.Everything();
    }

    /// <inheritdoc />
    public void RemoveAsset(string id)
    {
        _materials.Remove(id);
        _meshes.Remove(id);
        _clips.Remove(id);
        Changes?.Everything();
        _textures.Remove(id);
    }

    /// <inheritdoc />
    public void PersistAsset(string id) { } // the simulator's project is its scene file, written on exit

    private static UnityObject Stored(UnityObject o) => o with
    {
        LocalPosition = F(o.LocalPosition),
        LocalRotation = new Quaterniond((float)o.LocalRotation.X, (float)o.LocalRotation.Y, (float)o.LocalRotation.Z, (float)o.LocalRotation.W),
        LocalScale = F(o.LocalScale),
    };

    private static Vector3d F(Vector3d v) => new((float)v.X, (float)v.Y, (float)v.Z);
}
