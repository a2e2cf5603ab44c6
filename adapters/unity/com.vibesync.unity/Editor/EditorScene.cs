// The thin glue: the core's scene port with UnityEditor calls and nothing else. Every write goes
// through Undo so a human can Ctrl+Z what VibeSync did; rollback itself is the core's (it writes the
// recorded values back). Compiled here against the API stub (adapters/unity/ApiStub); it has never
// run in a Unity editor on our machines.
// A destroyed UnityEngine.Object equals null only through Unity's == and its bool conversion, so
// this glue tests Unity objects with those and never with ??, ?., "is null" or "is { }" (a test
// enforces it).
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using UnityEditor;
using UnityEngine;
using UnityEngine.SceneManagement;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.State;
using VibeSync.Unity.Hierarchy;
using VibeSync.Unity.Looks;
using VibeSync.Unity.Meshes;
using Material = UnityEngine.Material;
using Mesh = UnityEngine.Mesh;
using VibeSyncId = VibeSync.Unity.Components.VibeSyncId;
using VibeSyncProject = VibeSync.Unity.Components.VibeSyncProject;

namespace VibeSync.Unity.Editor
{
    /// <summary>The open scene as the core's <see cref="IUnityScene"/>.</summary>
    internal sealed partial class EditorScene : IUnityScene
    {
        private const string UndoName = "VibeSync";
        private const string ProjectObjectName = "VibeSyncProject";
        private readonly Dictionary<int, (bool Active, HideFlags Flags)> _pendingDelete = new Dictionary<int, (bool, HideFlags)>();
        private readonly AssetIds _assets = new AssetIds(Path.Combine(Path.GetDirectoryName(Application.dataPath)!, "ProjectSettings", "VibeSyncAssetIds.txt"));

        public string State => EditorApplication.isCompiling ? "compiling" : EditorApplication.isPlayingOrWillChangePlaymode ? "play" : "ready";

        public ProjectStamp? Project
        {
            get
            {
                var stamp = FindProject();
                return stamp ? new ProjectStamp(stamp.Id, stamp.Schema) : null;
            }
            set
            {
                var stamp = FindProject();
                if (value == null)
                {
                    if (stamp) Undo.DestroyObjectImmediate(stamp.gameObject);
                    return;
                }
                if (stamp)
                {
                    Undo.RecordObject(stamp, UndoName);
                }
                else
                {
                    var holder = new GameObject(ProjectObjectName) { hideFlags = HideFlags.HideInHierarchy }; // in the active scene, saved with it
                    stamp = holder.AddComponent<VibeSyncProject>();
                    Undo.RegisterCreatedObjectUndo(holder, UndoName);
                }
                stamp.Id = value.Id;
                stamp.Schema = value.Schema;
            }
        }

        private static VibeSyncProject? FindProject()
        {
            foreach (var root in SceneManager.GetActiveScene().GetRootGameObjects())
            {
                var stamp = root.GetComponent<VibeSyncProject>();
                if (stamp) return stamp;
            }
            return null;
        }

        public IReadOnlyList<UnityObject> Objects()
        {
            var all = new List<UnityObject>();
            foreach (var root in SceneManager.GetActiveScene().GetRootGameObjects()) Walk(root.transform, all);
            return all;
        }

        private void Walk(Transform t, List<UnityObject> into)
        {
            var go = t.gameObject;
            // Hidden: a provisional delete, or the project stamp (never a synced object).
            if (_pendingDelete.ContainsKey(go.GetInstanceID()) || (go.hideFlags & HideFlags.HideInHierarchy) != 0 || go.GetComponent<VibeSyncProject>()) return;
            into.Add(Read(go));
            for (int i = 0; i < t.childCount; i++) Walk(t.GetChild(i), into);
        }

        private UnityObject Read(GameObject go)
        {
            var t = go.transform;
            var vibeSyncId = go.GetComponent<VibeSyncId>();
            var skinned = go.GetComponent<SkinnedMeshRenderer>();
            var kind = go.GetComponent<Camera>() ? ObjectKind.Camera : go.GetComponent<Light>() ? ObjectKind.Light
                : go.GetComponent<MeshFilter>() || skinned ? ObjectKind.Mesh : KindOf(vibeSyncId);
            var renderer = go.GetComponent<Renderer>();
            var filter = go.GetComponent<MeshFilter>();
            var mesh = skinned ? skinned.sharedMesh : filter ? filter.sharedMesh : null;
            var prefab = PrefabUtility.IsAnyPrefabInstanceRoot(go) ? PrefabUtility.GetPrefabAssetPathOfNearestInstanceRoot(go) : null;
            var camera = go.GetComponent<Camera>();
            var light = go.GetComponent<Light>();
            return new UnityObject(go.GetInstanceID(), vibeSyncId ? vibeSyncId.Id : null, go.name, kind,
                t.parent ? t.parent.gameObject.GetInstanceID() : (int?)null,
                new Vector3d(t.localPosition.x, t.localPosition.y, t.localPosition.z),
                new Quaterniond(t.localRotation.x, t.localRotation.y, t.localRotation.z, t.localRotation.w),
                new Vector3d(t.localScale.x, t.localScale.y, t.localScale.z), go.activeSelf,
                renderer ? renderer.sharedMaterials.Select(m => m ? _assets.IdOf(m) : null).ToArray() : new string?[0],
                mesh ? _assets.IdOf(mesh) : null,
                prefab != null ? AssetId(prefab) : null, go.tag == "HumanOnly",
                camera ? new UnityCamera(camera.orthographic, camera.fieldOfView, camera.orthographicSize, camera.nearClipPlane, camera.farClipPlane, camera.aspect) : null,
                light ? new UnityLight((UnityLightType)(int)light.type, new UnityColor(light.color.r, light.color.g, light.color.b, light.color.a), light.intensity, light.range, light.spotAngle, light.innerSpotAngle) : null,
                skinned ? ReadSkinned(skinned) : null);
        }

        /// <summary>The live GameObject of a handle, or a false-y one (destroyed, or never was).</summary>
        private static GameObject? Lookup(int handle) => EditorUtility.InstanceIDToObject(handle) as GameObject;

        private static GameObject Object(int handle)
        {
            var go = Lookup(handle);
            if (!go) throw new InvalidOperationException($"GameObject {handle} is gone");
            return go;
        }

        public UnityObject? Find(int handle)
        {
            if (_pendingDelete.ContainsKey(handle)) return null;
            var go = Lookup(handle);
            return go ? Read(go) : null;
        }

        public void SetId(int handle, string id)
        {
            var go = Object(handle);
            var component = go.GetComponent<VibeSyncId>();
            if (!component) component = Undo.AddComponent<VibeSyncId>(go); // Ctrl+Z removes it with the rest of VibeSync's step
            Undo.RecordObject(component, UndoName);
            component.Id = id;
        }

        public void Write(UnityObject values)
        {
            var go = Object(values.Handle);
            var t = go.transform;
            Undo.RecordObject(go, UndoName);
            Undo.RecordObject(t, UndoName);
            go.name = values.Name;
            var parent = values.Parent is int p ? Object(p).transform : null;
            if (t.parent != parent) Undo.SetTransformParent(t, parent, false, UndoName); // keeps the local values, as the operation does
            t.localPosition = new Vector3((float)values.LocalPosition.X, (float)values.LocalPosition.Y, (float)values.LocalPosition.Z);
            t.localRotation = new Quaternion((float)values.LocalRotation.X, (float)values.LocalRotation.Y, (float)values.LocalRotation.Z, (float)values.LocalRotation.W);
            t.localScale = new Vector3((float)values.LocalScale.X, (float)values.LocalScale.Y, (float)values.LocalScale.Z);
            if (go.activeSelf != values.Active) go.SetActive(values.Active);
            var camera = go.GetComponent<Camera>();
            if (camera && values.Camera != null)
            {
                Undo.RecordObject(camera, UndoName);
                camera.orthographic = values.Camera.Orthographic;
                camera.fieldOfView = values.Camera.FieldOfView;
                camera.orthographicSize = values.Camera.OrthographicSize;
                camera.nearClipPlane = values.Camera.NearClipPlane;
                camera.farClipPlane = values.Camera.FarClipPlane; // aspect is Unity's (the screen's): never written
            }
            var light = go.GetComponent<Light>();
            if (light && values.Light != null)
            {
                Undo.RecordObject(light, UndoName);
                light.type = (UnityEngine.LightType)(int)values.Light.Type;
                light.color = new Color(values.Light.Color.R, values.Light.Color.G, values.Light.Color.B, values.Light.Color.A);
                light.intensity = values.Light.Intensity;
                light.range = values.Light.Range;
                light.spotAngle = values.Light.SpotAngle;
                light.innerSpotAngle = values.Light.InnerSpotAngle;
            }
            if (values.Kind == ObjectKind.Mesh) WriteRenderer(go, values); // MeshFilter + MeshRenderer, or a SkinnedMeshRenderer
            var renderer = go.GetComponent<Renderer>();
            if (renderer)
            {
                Undo.RecordObject(renderer, UndoName);
                renderer.sharedMaterials = values.Materials.Select(id => id == null ? null! : _assets.Load<Material>(id)).ToArray();
            }
        }

        public int Create(UnityObject values)
        {
            var go = new GameObject(values.Name);
            if (values.Kind == ObjectKind.Camera) go.AddComponent<Camera>();
            if (values.Kind == ObjectKind.Light) go.AddComponent<Light>();
            if (values.Kind == ObjectKind.Armature || values.Kind == ObjectKind.Joint) go.AddComponent<VibeSyncId>().Kind = KindName(values.Kind); // SetId adds the ID
            if (values.Kind == ObjectKind.Mesh)
            {
                var filter = go.AddComponent<MeshFilter>();
                if (values.Mesh != null) filter.sharedMesh = _assets.Load<Mesh>(values.Mesh);
                go.AddComponent<MeshRenderer>();
            }
            Undo.RegisterCreatedObjectUndo(go, UndoName);
            Write(values with { Handle = go.GetInstanceID() });
            return go.GetInstanceID();
        }

        public int Instantiate(string prefab, UnityObject values)
        {
            var asset = AssetDatabase.LoadAssetAtPath<GameObject>("Assets/" + prefab + ".prefab");
            if (!asset) throw new UnknownAssetException($"no prefab Assets/{prefab}.prefab in this project");
            var go = (GameObject)PrefabUtility.InstantiatePrefab(asset);
            Undo.RegisterCreatedObjectUndo(go, UndoName);
            Write(values with { Handle = go.GetInstanceID() });
            return go.GetInstanceID();
        }

        public int Duplicate(int handle)
        {
            // Instantiate(original) alone would leave the copy at the scene root; with the parent and
            // worldPositionStays false the copy keeps the original's local values under the same parent
            // (the core writes them anyway). Unity copies the children too: the operation copies one object.
            var original = Object(handle);
            var copy = UnityEngine.Object.Instantiate(original, original.transform.parent, false);
            for (int i = copy.transform.childCount - 1; i >= 0; i--) UnityEngine.Object.DestroyImmediate(copy.transform.GetChild(i).gameObject);
            Undo.RegisterCreatedObjectUndo(copy, UndoName);
            return copy.GetInstanceID();
        }

        public void Destroy(int handle)
        {
            _pendingDelete.Remove(handle);
            var go = Lookup(handle);
            if (go) Undo.DestroyObjectImmediate(go);
        }

        public void SetPendingDelete(int handle, bool pending)
        {
            if (pending)
            {
                var go = Object(handle);
                Undo.RecordObject(go, UndoName);
                _pendingDelete[handle] = (go.activeSelf, go.hideFlags);
                go.SetActive(false);
                go.hideFlags |= HideFlags.HideInHierarchy | HideFlags.DontSave; // out of sight, and never saved while provisional
            }
            else if (_pendingDelete.TryGetValue(handle, out var before))
            {
                _pendingDelete.Remove(handle);
                var go = Lookup(handle);
                if (!go) return; // destroyed meanwhile: nothing to bring back
                Undo.RecordObject(go, UndoName);
                go.hideFlags = before.Flags;
                go.SetActive(before.Active);
            }
        }

        // ---- materials: the core's mapping table decides every value; this only copies them in and out ----

        public string NewMaterialShader => Shader.Find(ShaderFamily.UrpLit.Shader) ? ShaderFamily.UrpLit.Shader : ShaderFamily.Standard.Shader;

        public IReadOnlyList<string> MaterialIds() =>
            Objects().SelectMany(o => o.Materials).Where(id => id != null).Select(id => id!).Concat(_createdMaterials).Distinct().ToList();

        public UnityMaterialState ReadMaterial(string id)
        {
            var m = LoadAsset<Material>(id);
            var family = ShaderFamily.Of(m.shader ? m.shader.name : "");
            var s = new UnityMaterialState { Name = m.name, Shader = m.shader ? m.shader.name : "", RenderQueue = m.renderQueue, RenderType = m.GetTag("RenderType", false) };
            foreach (var name in family.FloatNames) if (m.HasProperty(name)) s.Floats[name] = m.GetFloat(name);
            foreach (var name in family.ColorNames) if (m.HasProperty(name)) { var c = m.GetColor(name); s.Colors[name] = new UnityColor(c.r, c.g, c.b, c.a); }
            foreach (var name in family.TextureNames)
            {
                if (!m.HasProperty(name)) continue;
                var texture = m.GetTexture(name);
                if (texture)
                {
                    // A texture derived for Unity's channels stands for its source image, which the record binds.
                    var derived = DerivedFrom(texture); // a tuple, not a Unity object
                    if (derived.HasValue) { s.Textures[name] = derived.Value.Source; s.Derived[name] = derived.Value.Name; }
                    else s.Textures[name] = _assets.IdOf(texture);
                }
                Vector2 scale = m.GetTextureScale(name), offset = m.GetTextureOffset(name);
                s.ScaleOffsets[name] = new UnityScaleOffset(scale.x, scale.y, offset.x, offset.y);
            }
            foreach (var keyword in family.KeywordNames) if (m.IsKeywordEnabled(keyword)) s.Keywords.Add(keyword);
            return s;
        }

        public void WriteMaterial(string id, UnityMaterialState values)
        {
            var m = LoadAsset<Material>(id);
            Undo.RecordObject(m, UndoName);
            Fill(m, values);
        }

        private void Fill(Material m, UnityMaterialState values)
        {
            m.name = values.Name;
            if (!m.shader || m.shader.name != values.Shader)
            {
                var shader = Shader.Find(values.Shader);
                if (shader) m.shader = shader;
            }
            foreach (var f in values.Floats) m.SetFloat(f.Key, f.Value);
            foreach (var c in values.Colors) m.SetColor(c.Key, new Color(c.Value.R, c.Value.G, c.Value.B, c.Value.A));
            var family = ShaderFamily.Of(values.Shader);
            foreach (var name in family.TextureNames)
            {
                m.SetTexture(name, !values.Textures.TryGetValue(name, out var image) ? null!
                    : values.Derived.TryGetValue(name, out var derived) ? LoadDerived(derived) : LoadAsset<Texture2D>(image));
                var st = values.ScaleOffsets.TryGetValue(name, out var v) ? v : UnityScaleOffset.Identity;
                m.SetTextureScale(name, new Vector2(st.ScaleX, st.ScaleY));
                m.SetTextureOffset(name, new Vector2(st.OffsetX, st.OffsetY));
            }
            foreach (var keyword in family.KeywordNames)
                if (values.Keywords.Contains(keyword)) m.EnableKeyword(keyword); else m.DisableKeyword(keyword);
            m.SetOverrideTag("RenderType", values.RenderType);
            m.renderQueue = values.RenderQueue;
        }

        private T LoadAsset<T>(string id) where T : UnityEngine.Object
        {
            try { return _assets.Load<T>(id); }
            catch (InvalidOperationException e) { throw new UnknownAssetException(e.Message); }
        }

        // ---- textures: imported assets under Assets/VibeSync/Textures/ (FINALIZE); until then in memory ----

        private const string TextureFolder = "Assets/VibeSync/Textures";
        private readonly Dictionary<string, (UnityTexture Settings, byte[] Bytes, long Version)> _pendingTextures = new Dictionary<string, (UnityTexture, byte[], long)>();
        private long _textureWrites;

        public IReadOnlyList<string> ImageIds()
        {
            var ids = new List<string>(_pendingTextures.Keys);
            foreach (var id in MaterialIds())
                foreach (var image in ReadMaterial(id).Textures.Values) ids.Add(image);
            return ids.Distinct().ToList();
        }

        private string TexturePath(string id)
        {
            var path = AssetDatabase.GetAssetPath(LoadAsset<Texture2D>(id));
            if (string.IsNullOrEmpty(path)) throw new UnknownAssetException($"the texture {id} is not an imported file");
            return path;
        }

        private static TextureImporter Importer(string path)
        {
            var importer = AssetImporter.GetAtPath(path) as TextureImporter;
            if (!importer) throw new UnknownAssetException($"{path} is not imported as a texture");
            return importer!;
        }

        public UnityTexture ReadImage(string id)
        {
            if (_pendingTextures.TryGetValue(id, out var pending)) return pending.Settings;
            var path = TexturePath(id);
            var importer = Importer(path);
            var texture = LoadAsset<Texture2D>(id);
            // The file's own size (an import may downscale it: the texture's width is what Unity made of it).
            var mime = Header(ProjectPath(path), out int width, out int height);
            if (mime == null) // a .tga, .psd, .exr a human bound: a texture all the same, whose binding is listed as not synced
                return new UnityTexture(texture.name, "", texture.width, texture.height, importer.sRGBTexture, importer.textureType == TextureImporterType.NormalMap,
                    (UnityWrap)(int)importer.wrapModeU, (UnityWrap)(int)importer.wrapModeV, (UnityFilter)(int)importer.filterMode)
                { Unreadable = $"{path} is neither a PNG nor a JPEG file" };
            return new UnityTexture(texture.name, mime, width, height, importer.sRGBTexture, importer.textureType == TextureImporterType.NormalMap,
                (UnityWrap)(int)importer.wrapModeU, (UnityWrap)(int)importer.wrapModeV, (UnityFilter)(int)importer.filterMode);
        }

        /// <summary>
        /// The file's mime and size from its header: the first 64 KiB, then the whole file only when they do not
        /// hold it (a JPEG's SOF may follow large metadata). Reads run for every binding on every whole-scene diff,
        /// so a 4096² texture is not read whole each time.
        /// </summary>
        private static string? Header(string file, out int width, out int height)
        {
            byte[] head;
            long length;
            using (var stream = File.OpenRead(file))
            {
                length = stream.Length;
                head = new byte[(int)Math.Min(length, 64 * 1024)];
                int read = 0, n;
                while (read < head.Length && (n = stream.Read(head, read, head.Length - read)) > 0) read += n;
            }
            var mime = ImageHeader.Read(head, out width, out height);
            return mime != null || length <= head.Length ? mime : ImageHeader.Read(File.ReadAllBytes(file), out width, out height);
        }

        // The imported file's write time: Unity reimports when it changes, and so does the core's naming of its bytes.
        public long ImageVersion(string id) =>
            _pendingTextures.TryGetValue(id, out var pending) ? pending.Version : File.GetLastWriteTimeUtc(ProjectPath(TexturePath(id))).Ticks;

        public byte[] ImageBytes(string id) =>
            _pendingTextures.TryGetValue(id, out var pending) ? pending.Bytes : File.ReadAllBytes(ProjectPath(TexturePath(id)));

        public void WriteImage(string id, UnityTexture texture, byte[]? bytes)
        {
            if (_pendingTextures.TryGetValue(id, out var pending))
            {
                _pendingTextures[id] = bytes == null ? (texture, pending.Bytes, pending.Version) : (texture, bytes, ++_textureWrites);
                var made = LoadAsset<Texture2D>(id);
                made.name = texture.Name;
                if (bytes != null) made.LoadImage(bytes);
                return;
            }
            // An imported file: not on Unity's Undo stack (a file write is not an object change); the core's own undo restores it.
            var path = TexturePath(id);
            if (bytes != null) File.WriteAllBytes(ProjectPath(path), bytes);
            Import(path, texture);
        }

        public void CreateImage(string id, UnityTexture texture, byte[] bytes)
        {
            var made = new Texture2D(2, 2) { name = texture.Name, hideFlags = HideFlags.DontSave };
            made.LoadImage(bytes); // the in-memory texture materials use until FINALIZE imports the file
            _pendingTextures[id] = (texture, bytes, ++_textureWrites);
            _assets.AddUnsaved(id, made);
        }

        /// <summary>Imports (or reimports) a texture file with the settings the core asked for.</summary>
        private static void Import(string path, UnityTexture texture)
        {
            var importer = Importer(path);
            importer.textureType = texture.NormalMap ? TextureImporterType.NormalMap : TextureImporterType.Default;
            importer.sRGBTexture = texture.Srgb;
            importer.wrapModeU = (TextureWrapMode)(int)texture.WrapU;
            importer.wrapModeV = (TextureWrapMode)(int)texture.WrapV;
            importer.filterMode = (FilterMode)(int)texture.Filter;
            importer.maxTextureSize = 16384; // the default 2048 would downscale a 4096² image
            importer.SaveAndReimport();
        }

        private static string ProjectPath(string assetPath) => Path.Combine(Path.GetDirectoryName(Application.dataPath)!, assetPath);

        private static void EnsureTextureFolder()
        {
            if (!AssetDatabase.IsValidFolder("Assets/VibeSync")) AssetDatabase.CreateFolder("Assets", "VibeSync");
            if (!AssetDatabase.IsValidFolder(TextureFolder)) AssetDatabase.CreateFolder("Assets/VibeSync", "Textures");
        }

        // ---- derived textures: Unity's channels for glTF's metallic-roughness and occlusion (ChannelRepack) ----

        private const string DerivedMark = "vibesync-derived-from:";

        private static string DerivedPath(string name) => TextureFolder + "/" + name + ".png";

        private static Texture2D LoadDerived(string name)
        {
            var texture = AssetDatabase.LoadAssetAtPath<Texture2D>(DerivedPath(name));
            if (!texture) throw new UnknownAssetException($"no derived texture {DerivedPath(name)}");
            return texture;
        }

        /// <summary>The source image and name of a derived texture (its importer's userData names the source), or null.</summary>
        private static (string Source, string Name)? DerivedFrom(Texture texture)
        {
            var path = AssetDatabase.GetAssetPath(texture);
            if (string.IsNullOrEmpty(path) || !path.StartsWith(TextureFolder + "/" + ChannelRepack.Prefix, StringComparison.Ordinal)) return null;
            var importer = AssetImporter.GetAtPath(path);
            if (!importer || !importer.userData.StartsWith(DerivedMark, StringComparison.Ordinal)) return null;
            return (importer.userData.Substring(DerivedMark.Length), Path.GetFileNameWithoutExtension(path));
        }

        public string? Derive(string image, string name, Func<byte[], byte[]> convert)
        {
            var path = DerivedPath(name);
            if (AssetDatabase.LoadAssetAtPath<Texture2D>(path)) return null; // named by its source's bytes: made once
            var settings = ReadImage(image);
            var source = new Texture2D(2, 2) { hideFlags = HideFlags.DontSave };
            try
            {
                // Unity's own decoder (PNG and JPEG, any bit depth it reads); GetPixels32 gives 8-bit RGBA.
                if (!source.LoadImage(ImageBytes(image))) return $"Unity could not decode texture {settings.Name}";
                var pixels = source.GetPixels32();
                var rgba = new byte[pixels.Length * 4];
                for (int i = 0; i < pixels.Length; i++) { rgba[4 * i] = pixels[i].r; rgba[4 * i + 1] = pixels[i].g; rgba[4 * i + 2] = pixels[i].b; rgba[4 * i + 3] = pixels[i].a; }
                var converted = convert(rgba);
                for (int i = 0; i < pixels.Length; i++) pixels[i] = new Color32(converted[4 * i], converted[4 * i + 1], converted[4 * i + 2], converted[4 * i + 3]);
                var derived = new Texture2D(source.width, source.height, TextureFormat.RGBA32, false, true) { hideFlags = HideFlags.DontSave };
                byte[] png;
                try
                {
                    derived.SetPixels32(pixels);
                    derived.Apply();
                    png = derived.EncodeToPNG();
                }
                finally { UnityEngine.Object.DestroyImmediate(derived); }
                EnsureTextureFolder();
                File.WriteAllBytes(ProjectPath(path), png);
                AssetDatabase.ImportAsset(path);
                var importer = Importer(path);
                importer.sRGBTexture = false; // data, not colour: metallic, occlusion, smoothness
                importer.wrapModeU = (TextureWrapMode)(int)settings.WrapU;
                importer.wrapModeV = (TextureWrapMode)(int)settings.WrapV;
                importer.filterMode = (FilterMode)(int)settings.Filter;
                importer.maxTextureSize = 16384;
                importer.userData = DerivedMark + image;
                importer.SaveAndReimport();
                return null;
            }
            finally { UnityEngine.Object.DestroyImmediate(source); }
        }

        private void PersistTexture(string id)
        {
            var (settings, bytes, _) = _pendingTextures[id];
            EnsureTextureFolder();
            // The image's ID names the file: image names repeat and may hold characters a path cannot.
            var path = TextureFolder + "/" + id + (settings.Mime == "image/png" ? ".png" : ".jpg");
            File.WriteAllBytes(ProjectPath(path), bytes);
            AssetDatabase.ImportAsset(path);
            Import(path, settings);
            var imported = AssetDatabase.LoadAssetAtPath<Texture2D>(path);
            var made = LoadAsset<Texture2D>(id);
            // Materials that use the in-memory texture now use the imported one.
            foreach (var materialId in MaterialIds())
            {
                var m = LoadAsset<Material>(materialId);
                foreach (var name in ShaderFamily.Of(m.shader ? m.shader.name : "").TextureNames)
                    if (m.HasProperty(name) && m.GetTexture(name) == made) m.SetTexture(name, imported);
            }
            _pendingTextures.Remove(id);
            _assets.Adopt(id, imported);
            UnityEngine.Object.DestroyImmediate(made);
        }

        // ---- what the core keeps beside materials, cameras and lights, across domain reloads ----

        // In SessionState, as the mesh notes: they survive a domain reload, not an editor restart (after one, Unity's
        // values are read back by the inverse mapping alone: what Unity cannot hold takes glTF's defaults).
        private const string LookNotesKey = "VibeSync.LookNotes";
        private LookNotes? _notes;

        public LookNotes Notes
        {
            get
            {
                if (_notes != null) return _notes;
                var notes = new LookNotes();
                notes.Load(SessionState.GetString(LookNotesKey, ""));
                notes.Changed += () => SessionState.SetString(LookNotesKey, notes.ToText());
                return _notes = notes;
            }
        }

        public IReadOnlyList<string> MeshIds() =>
            Objects().Select(o => o.Mesh).Where(id => id != null).Select(id => id!).Concat(_createdMeshes).Distinct().ToList();

        // Unity bumps an object's dirty count when it is changed through the editor (Undo.RecordObject, SetDirty);
        // that a script's direct Mesh.SetVertices bumps it too is not verified here.
        public long MeshVersion(string id) => EditorUtility.GetDirtyCount(_assets.Load<Mesh>(id));

        public IUnityMeshApi Mesh(string id) => new UnityMeshApi(_assets.Load<Mesh>(id));

        public IUnityMeshApi EditMesh(string id)
        {
            var mesh = _assets.Load<Mesh>(id);
            Undo.RecordObject(mesh, UndoName);
            return new UnityMeshApi(mesh);
        }

        // Kept for this editor session (across domain reloads, in SessionState); not saved with the project.
        public MeshNotes NotesOf(string id)
        {
            var text = SessionState.GetString(NotesKey + id, "");
            if (text.Length == 0) return MeshNotes.None;
            // Line 0: normals computed; line 1: targets without NORMAL (unit-separated); then the derived list.
            var parts = text.Split('\n');
            return new MeshNotes(parts.Skip(2).Where(p => p.Length > 0).ToArray(), parts[0] == "1")
            {
                TargetsWithoutNormals = parts.Length > 1 ? parts[1].Split('\u001f').Where(p => p.Length > 0).ToArray() : new string[0],
            };
        }

        public void SetNotes(string id, MeshNotes notes) =>
            SessionState.SetString(NotesKey + id, (notes.NormalsComputed ? "1" : "0") + "\n" + string.Join("\u001f", notes.TargetsWithoutNormals) + "\n" + string.Join("\n", notes.Derived));

        private const string NotesKey = "VibeSync.MeshNotes.";
        private readonly HashSet<string> _createdMeshes = new HashSet<string>();

        private readonly HashSet<string> _createdMaterials = new HashSet<string>();

        // Created materials, meshes and textures live in memory (DontSave: never written by a save)
        // until FINALIZE makes them assets under Assets/VibeSync/ (textures: Assets/VibeSync/Textures/).
        public void CreateMaterial(string id, UnityMaterialState values)
        {
            var m = new Material(Shader.Find(values.Shader)) { name = values.Name, hideFlags = HideFlags.DontSave };
            _assets.AddUnsaved(id, m);
            _createdMaterials.Add(id);
            Fill(m, values);
        }

        public void CreateMesh(string id)
        {
            _assets.AddUnsaved(id, new Mesh { name = id, hideFlags = HideFlags.DontSave });
            _createdMeshes.Add(id);
        }

        public void RemoveAsset(string id)
        {
            if (RemoveClip(id)) return;
            _createdMeshes.Remove(id);
            _createdMaterials.Remove(id);
            _pendingTextures.Remove(id);
            var made = _assets.RemoveUnsaved(id);
            if (made) UnityEngine.Object.DestroyImmediate(made);
        }

        public void PersistAsset(string id)
        {
            if (!AssetDatabase.IsValidFolder("Assets/VibeSync")) AssetDatabase.CreateFolder("Assets", "VibeSync");
            _createdMaterials.Remove(id);
            if (PersistClip(id)) return;
            if (_pendingTextures.ContainsKey(id))
            {
                PersistTexture(id);
                return;
            }
            var asset = _assets.Load<UnityEngine.Object>(id);
            _assets.Persist(id, "Assets/VibeSync/" + id + (asset is Material ? ".mat" : ".asset"));
        }

        private static string AssetId(string assetPath) =>
            assetPath.StartsWith("Assets/", StringComparison.Ordinal) && assetPath.EndsWith(".prefab", StringComparison.Ordinal) ? assetPath.Substring(7, assetPath.Length - 14) : assetPath;
    }
}
