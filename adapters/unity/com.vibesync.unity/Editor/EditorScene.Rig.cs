// The glue's part of content schema 4: SkinnedMeshRenderers, joints and armatures (a kind kept on the
// VibeSyncId component), and animation clips on legacy Animation components, copied in and out exactly
// as the core decided (Runtime/Core/Rigging). Compiled against the API stub; never run in a Unity editor.
// Unity objects are tested with == and bool only (see EditorScene.cs).
using System;
using System.Collections.Generic;
using System.Linq;
using UnityEditor;
using UnityEngine;
using VibeSync.Protocol.State;
using VibeSync.Unity.Hierarchy;
using VibeSync.Unity.Rigging;
using Animation = UnityEngine.Animation;
using Mesh = UnityEngine.Mesh;
using Material = UnityEngine.Material;
using VibeSyncId = VibeSync.Unity.Components.VibeSyncId;

namespace VibeSync.Unity.Editor
{
    internal sealed partial class EditorScene : VibeSync.Unity.Adapter.IScenePoser
    {
        private const string ClipFolder = "Assets/VibeSync/Animations";
        private readonly HashSet<string> _createdClips = new HashSet<string>();
        // Kept across domain reloads in SessionState, as the look and mesh notes (not across an editor restart):
        // written once before the reload (SaveRig; its blobs make it too large to write on every change), read
        // back when the new domain first asks.
        private const string RigNotesKey = "VibeSync.RigNotes";
        private RigNotes? _rig;

        public RigNotes Rig
        {
            get
            {
                if (_rig != null) return _rig;
                var rig = new RigNotes();
                rig.Load(SessionState.GetString(RigNotesKey, ""));
                return _rig = rig;
            }
        }

        /// <summary>Before a domain reload: the rig notes into SessionState, for the next domain's <see cref="Rig"/>.</summary>
        public void SaveRig() => SessionState.SetString(RigNotesKey, Rig.ToText());

        private static ObjectKind KindOf(VibeSyncId? id) =>
            !id ? ObjectKind.Empty : id.Kind == "joint" ? ObjectKind.Joint : id.Kind == "armature" ? ObjectKind.Armature : ObjectKind.Empty;

        private static string KindName(ObjectKind kind) => kind == ObjectKind.Joint ? "joint" : kind == ObjectKind.Armature ? "armature" : "";

        private static UnitySkinned ReadSkinned(SkinnedMeshRenderer r)
        {
            var bones = r.bones.Select(b => b ? b.gameObject.GetInstanceID() : 0).ToArray();
            var mesh = r.sharedMesh;
            var weights = new float[mesh ? mesh.blendShapeCount : 0];
            for (int i = 0; i < weights.Length; i++) weights[i] = r.GetBlendShapeWeight(i);
            return new UnitySkinned(bones, r.rootBone ? r.rootBone.gameObject.GetInstanceID() : (int?)null, weights);
        }

        /// <summary>
        /// A mesh object's renderer as <paramref name="values"/> says: a SkinnedMeshRenderer (bones, root bone,
        /// blend shape weights) when <c>Skinned</c> is given, else a MeshFilter and MeshRenderer; the mesh set on
        /// whichever holds it. Swapping one for the other keeps the materials (written after this by Write).
        /// </summary>
        private void WriteRenderer(GameObject go, UnityObject values)
        {
            var mesh = values.Mesh == null ? null : _assets.Load<Mesh>(values.Mesh);
            var skinned = go.GetComponent<SkinnedMeshRenderer>();
            if (values.Skinned != null)
            {
                if (!skinned)
                {
                    var filter = go.GetComponent<MeshFilter>();
                    var plain = go.GetComponent<MeshRenderer>();
                    var materials = plain ? plain.sharedMaterials : new Material[0];
                    if (plain) Undo.DestroyObjectImmediate(plain);
                    if (filter) Undo.DestroyObjectImmediate(filter);
                    skinned = Undo.AddComponent<SkinnedMeshRenderer>(go);
                    skinned.sharedMaterials = materials;
                }
                Undo.RecordObject(skinned, UndoName);
                if (skinned.sharedMesh != mesh) skinned.sharedMesh = mesh!;
                skinned.bones = values.Skinned.Bones.Select(h => Object(h).transform).ToArray();
                skinned.rootBone = values.Skinned.RootBone is int root ? Object(root).transform : null!;
                for (int i = 0; i < values.Skinned.BlendShapeWeights.Count; i++) skinned.SetBlendShapeWeight(i, values.Skinned.BlendShapeWeights[i]);
                return;
            }
            if (skinned)
            {
                var materials = skinned.sharedMaterials;
                Undo.DestroyObjectImmediate(skinned);
                Undo.AddComponent<MeshFilter>(go);
                Undo.AddComponent<MeshRenderer>(go).sharedMaterials = materials;
            }
            var meshFilter = go.GetComponent<MeshFilter>();
            if (meshFilter && meshFilter.sharedMesh != mesh)
            {
                Undo.RecordObject(meshFilter, UndoName);
                meshFilter.sharedMesh = mesh!;
            }
        }

        // ---- scene time: the core's poses sampled with AnimationMode (never an edit; StopAnimationMode restores) ----

        public void Pose(IReadOnlyList<VibeSync.Unity.Adapter.PoseSample> samples)
        {
            if (!AnimationMode.InAnimationMode()) AnimationMode.StartAnimationMode();
            AnimationMode.BeginSampling();
            try
            {
                foreach (var s in samples)
                {
                    var go = Lookup(s.Holder);
                    var clip = _assets.Load<UnityEngine.Object>(s.Clip) as AnimationClip;
                    if (go && clip) AnimationMode.SampleAnimationClip(go, clip, s.Time);
                }
            }
            finally { AnimationMode.EndSampling(); }
        }

        public void Rest()
        {
            if (AnimationMode.InAnimationMode()) AnimationMode.StopAnimationMode();
        }

        // ---- clips: assets under Assets/VibeSync/Animations/, on the Animation component of their holder ----

        public IReadOnlyList<string> ClipIds()
        {
            var ids = new List<string>(_createdClips);
            if (AssetDatabase.IsValidFolder(ClipFolder))
                foreach (var guid in AssetDatabase.FindAssets("t:AnimationClip", new[] { ClipFolder }))
                {
                    var clip = AssetDatabase.LoadAssetAtPath<AnimationClip>(AssetDatabase.GUIDToAssetPath(guid));
                    if (clip) ids.Add(_assets.IdOf(clip));
                }
            return ids.Distinct().ToList();
        }

        public UnityClip ReadClip(string id)
        {
            var clip = LoadAsset<AnimationClip>(id);
            var holder = HolderOf(clip);
            var curves = new List<UnityCurve>();
            foreach (var binding in AnimationUtility.GetCurveBindings(clip))
            {
                var keys = AnimationUtility.GetEditorCurve(clip, binding).keys.Select(k => new UnityKey(k.time, k.value, k.inTangent, k.outTangent)).ToList();
                curves.Add(new UnityCurve(binding.path, binding.type == typeof(Transform) ? ClipMapping.TransformType
                    : binding.type == typeof(SkinnedMeshRenderer) ? ClipMapping.RendererType : binding.type.Name, binding.propertyName, keys));
            }
            return new UnityClip(clip.name, clip.frameRate, holder ? holder.GetInstanceID() : (int?)null, curves);
        }

        public void WriteClip(string id, UnityClip values)
        {
            var clip = LoadAsset<AnimationClip>(id);
            var old = HolderOf(clip); // by the clip's current name, before a rename
            Undo.RecordObject(clip, UndoName);
            clip.name = values.Name;
            clip.frameRate = values.FrameRate;
            // Curves the clip has and the values lack are removed (SetEditorCurve with a null curve removes it).
            var wanted = new HashSet<(string, string, string)>(values.Curves.Select(c => (c.Path, c.Component, c.Property)));
            foreach (var binding in AnimationUtility.GetCurveBindings(clip))
            {
                string component = binding.type == typeof(Transform) ? ClipMapping.TransformType : binding.type == typeof(SkinnedMeshRenderer) ? ClipMapping.RendererType : binding.type.Name;
                if (!wanted.Contains((binding.path, component, binding.propertyName))) AnimationUtility.SetEditorCurve(clip, binding, null!);
            }
            foreach (var c in values.Curves)
            {
                var type = c.Component == ClipMapping.RendererType ? typeof(SkinnedMeshRenderer) : typeof(Transform);
                var curve = new AnimationCurve(c.Keys.Select(k => new Keyframe(k.Time, k.Value, k.InTangent, k.OutTangent)).ToArray());
                AnimationUtility.SetEditorCurve(clip, EditorCurveBinding.FloatCurve(c.Path, type, c.Property), curve);
            }
            if (old)
            {
                var animation = old.GetComponent<Animation>();
                Undo.RecordObject(animation, UndoName);
                animation.RemoveClip(clip);
            }
            if (values.Holder is int h)
            {
                var go = Object(h);
                var animation = go.GetComponent<Animation>();
                if (!animation) animation = Undo.AddComponent<Animation>(go); // legacy: plays the clip without an Animator controller
                Undo.RecordObject(animation, UndoName);
                animation.AddClip(clip, values.Name);
            }
        }

        public void CreateClip(string id, UnityClip values)
        {
            // Legacy, so an Animation component plays it; in memory (DontSave) until FINALIZE makes it an asset.
            var clip = new AnimationClip { name = values.Name, legacy = true, hideFlags = HideFlags.DontSave };
            _assets.AddUnsaved(id, clip);
            _createdClips.Add(id);
            WriteClip(id, values);
        }

        /// <summary>The GameObject whose Animation component holds <paramref name="clip"/> under its name, or a false-y one.</summary>
        private GameObject? HolderOf(AnimationClip clip)
        {
            foreach (var o in Objects())
            {
                var go = Lookup(o.Handle);
                if (!go) continue;
                var animation = go.GetComponent<Animation>();
                if (animation && animation.GetClip(clip.name) == clip) return go;
            }
            return null;
        }

        /// <summary>Removes clip <paramref name="id"/> from its holder and the project (a created clip, or a delete_animation); false when it is no clip.</summary>
        private bool RemoveClip(string id)
        {
            var clip = _assets.Load<UnityEngine.Object>(id) as AnimationClip;
            if (!clip) return false;
            var holder = HolderOf(clip);
            if (holder)
            {
                var animation = holder.GetComponent<Animation>();
                Undo.RecordObject(animation, UndoName);
                animation.RemoveClip(clip);
            }
            if (_createdClips.Remove(id))
            {
                var made = _assets.RemoveUnsaved(id);
                if (made) UnityEngine.Object.DestroyImmediate(made);
            }
            else AssetDatabase.DeleteAsset(AssetDatabase.GetAssetPath(clip)); // not on Unity's Undo stack; the core's rollback makes the clip again, in memory
            return true;
        }

        /// <summary>FINALIZE of a created clip: the asset <c>Assets/VibeSync/Animations/&lt;uuid&gt;.anim</c>; false when it is no created clip.</summary>
        private bool PersistClip(string id)
        {
            if (!_createdClips.Remove(id)) return false;
            if (!AssetDatabase.IsValidFolder(ClipFolder)) AssetDatabase.CreateFolder("Assets/VibeSync", "Animations");
            _assets.Persist(id, ClipFolder + "/" + id + ".anim");
            return true;
        }
    }
}
