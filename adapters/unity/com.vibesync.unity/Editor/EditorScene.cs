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
using VibeSync.Protocol.State;
using VibeSync.Unity.Hierarchy;
using VibeSync.Unity.Meshes;
using Material = UnityEngine.Material;
using Mesh = UnityEngine.Mesh;
using VibeSyncId = VibeSync.Unity.Components.VibeSyncId;
using VibeSyncProject = VibeSync.Unity.Components.VibeSyncProject;

namespace VibeSync.Unity.Editor
{
    /// <summary>The open scene as the core's <see cref="IUnityScene"/>.</summary>
    internal sealed class EditorScene : IUnityScene
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
            var kind = go.GetComponent<Camera>() ? ObjectKind.Camera : go.GetComponent<Light>() ? ObjectKind.Light : go.GetComponent<MeshFilter>() ? ObjectKind.Mesh : ObjectKind.Empty;
            var renderer = go.GetComponent<Renderer>();
            var filter = go.GetComponent<MeshFilter>();
            var prefab = PrefabUtility.IsAnyPrefabInstanceRoot(go) ? PrefabUtility.GetPrefabAssetPathOfNearestInstanceRoot(go) : null;
            var vibeSyncId = go.GetComponent<VibeSyncId>();
            return new UnityObject(go.GetInstanceID(), vibeSyncId ? vibeSyncId.Id : null, go.name, kind,
                t.parent ? t.parent.gameObject.GetInstanceID() : (int?)null,
                new Vector3d(t.localPosition.x, t.localPosition.y, t.localPosition.z),
                new Quaterniond(t.localRotation.x, t.localRotation.y, t.localRotation.z, t.localRotation.w),
                new Vector3d(t.localScale.x, t.localScale.y, t.localScale.z), go.activeSelf,
                renderer ? renderer.sharedMaterials.Select(m => m ? _assets.IdOf(m) : null).ToArray() : new string?[0],
                filter && filter.sharedMesh ? _assets.IdOf(filter.sharedMesh) : null,
                prefab != null ? AssetId(prefab) : null, go.tag == "HumanOnly");
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

        public IReadOnlyList<Protocol.State.Material> Materials() =>
            Objects().SelectMany(o => o.Materials).Where(id => id != null).Distinct().Select(id => MaterialRecord(id!)).ToList();

        private Protocol.State.Material MaterialRecord(string id)
        {
            var m = _assets.Load<Material>(id);
            var color = (m.HasProperty("_BaseColor") ? m.GetColor("_BaseColor") : m.GetColor("_Color")).linear; // materials hold sRGB; the model is linear
            var smoothness = m.HasProperty("_Smoothness") ? m.GetFloat("_Smoothness") : m.GetFloat("_Glossiness");
            var emission = m.HasProperty("_EmissionColor") ? m.GetColor("_EmissionColor").linear : new Color(0, 0, 0, 1);
            return new Protocol.State.Material(id, m.name, new Vector4d(color.r, color.g, color.b, color.a), m.GetFloat("_Metallic"), 1.0 - smoothness,
                new Vector3d(emission.r, emission.g, emission.b));
        }

        public void WriteMaterial(Protocol.State.Material material)
        {
            var m = _assets.Load<Material>(material.Uuid);
            Undo.RecordObject(m, UndoName);
            m.name = material.Name;
            var linear = new Color((float)material.BaseColor.X, (float)material.BaseColor.Y, (float)material.BaseColor.Z, (float)material.BaseColor.W);
            m.SetColor(m.HasProperty("_BaseColor") ? "_BaseColor" : "_Color", linear.gamma);
            m.SetFloat("_Metallic", (float)material.Metallic);
            m.SetFloat(m.HasProperty("_Smoothness") ? "_Smoothness" : "_Glossiness", (float)(1.0 - material.Roughness));
            if (m.HasProperty("_EmissionColor")) m.SetColor("_EmissionColor", new Color((float)material.Emission.X, (float)material.Emission.Y, (float)material.Emission.Z, 1).gamma);
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
            var parts = text.Split('\n');
            return new MeshNotes(parts.Skip(1).Where(p => p.Length > 0).ToArray(), parts[0] == "1");
        }

        public void SetNotes(string id, MeshNotes notes) =>
            SessionState.SetString(NotesKey + id, (notes.NormalsComputed ? "1" : "0") + "\n" + string.Join("\n", notes.Derived));

        private const string NotesKey = "VibeSync.MeshNotes.";
        private readonly HashSet<string> _createdMeshes = new HashSet<string>();

        // Created materials and meshes live in memory (DontSave: never written by a save) until
        // FINALIZE makes them assets under Assets/VibeSync/.
        public void CreateMaterial(Protocol.State.Material material)
        {
            var shader = Shader.Find("Universal Render Pipeline/Lit");
            if (!shader) shader = Shader.Find("Standard"); // the built-in pipeline
            var m = new Material(shader) { name = material.Name, hideFlags = HideFlags.DontSave };
            _assets.AddUnsaved(material.Uuid, m);
            WriteMaterial(material);
        }

        public void CreateMesh(string id)
        {
            _assets.AddUnsaved(id, new Mesh { name = id, hideFlags = HideFlags.DontSave });
            _createdMeshes.Add(id);
        }

        public void RemoveAsset(string id)
        {
            _createdMeshes.Remove(id);
            var made = _assets.RemoveUnsaved(id);
            if (made) UnityEngine.Object.DestroyImmediate(made);
        }

        public void PersistAsset(string id)
        {
            if (!AssetDatabase.IsValidFolder("Assets/VibeSync")) AssetDatabase.CreateFolder("Assets", "VibeSync");
            var asset = _assets.Load<UnityEngine.Object>(id);
            _assets.Persist(id, "Assets/VibeSync/" + id + (asset is Material ? ".mat" : ".asset"));
        }

        private static string AssetId(string assetPath) =>
            assetPath.StartsWith("Assets/", StringComparison.Ordinal) && assetPath.EndsWith(".prefab", StringComparison.Ordinal) ? assetPath.Substring(7, assetPath.Length - 14) : assetPath;
    }
}
