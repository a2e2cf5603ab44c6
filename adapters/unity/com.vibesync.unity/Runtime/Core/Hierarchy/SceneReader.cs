using System;
using System.Collections.Generic;
using System.Linq;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using VibeSync.Unity.Looks;
using VibeSync.Unity.Meshes;

namespace VibeSync.Unity.Hierarchy
{
    /// <summary>
    /// The scene as records: first in Unity space, exactly as the host stores it, then converted to
    /// canonical by the shared protocol code (<see cref="SceneConverter"/>), so the root equals what
    /// <c>vibesync hash --space unity</c> computes for the same values.
    /// </summary>
    public static class SceneReader
    {
        /// <summary>
        /// Records in Unity space: all, or only <paramref name="only"/>. Mesh records are the same in
        /// every space (their blobs are always the canonical arrays); <paramref name="meshes"/> reads a
        /// mesh's geometry only when the host says it changed; image records too (<paramref name="images"/>
        /// names a texture's file only when it changed). Materials, cameras and lights are read through
        /// the mapping tables (<see cref="LookRecords"/>).
        /// </summary>
        public static Protocol.State.Scene Native(IUnityScene scene, IdentityIndex index, MeshCache meshes, ImageCache images, ISet<string>? only = null)
        {
            var objects = new List<SceneObject>();
            if (only == null)
            {
                foreach (var o in scene.Objects())
                    if (index.IdOf(o.Handle) is string id) objects.Add(Record(scene, o, id, index));
            }
            else
            {
                foreach (var id in only) // a few records: look each up, do not walk the scene
                    if (index.HandleOf(id) is int h && scene.Find(h) is { } o) objects.Add(Record(scene, o, id, index));
            }
            // A whole scene is its objects and the materials and meshes they use, and the images those
            // materials use (docs/sync.md), as Blender reports it: an asset nothing uses any more is
            // not part of the scene.
            var wanted = only ?? Used(objects);
            var materials = scene.MaterialIds().Where(wanted.Contains).Select(id => LookRecords.Material(scene, id)).ToList();
            var ids = scene.MeshIds();
            var records = ids.Where(wanted.Contains).Select(id => Weighted(scene, meshes.Record(scene, id))).ToList();
            if (only == null) meshes.Retain(new HashSet<string>(ids, StringComparer.Ordinal));
            // A texture whose file cannot be a record (a .tga a human bound) is left out, its bindings listed
            // as not synced (LookCaveats); a binding kept as noted names a texture that may no longer be used.
            var imageIds = scene.ImageIds().Concat(materials.SelectMany(m => m.ImageIds())).Distinct()
                .Where(id => !LookRecords.NotAnImage(scene, id)).ToList();
            var wantedImages = only ?? new HashSet<string>(materials.SelectMany(m => m.ImageIds()), StringComparer.Ordinal);
            var imageRecords = imageIds.Where(wantedImages.Contains).Select(id => images.Record(scene, id)).ToList();
            if (only == null) images.Retain(new HashSet<string>(imageIds, StringComparer.Ordinal));
            var rig = scene.Rig;
            var skins = rig.Skins.Where(k => wanted.Contains(k.Uuid)).OrderBy(k => k.Uuid, StringComparer.Ordinal).ToList();
            var animations = scene.ClipIds().Where(id => only == null || only.Contains(id)).OrderBy(id => id, StringComparer.Ordinal)
                .Select(id => Animation(scene, index, id)).ToList();
            return new Protocol.State.Scene(objects, materials, records, imageRecords) { Skins = skins, Animations = animations };
        }

        /// <summary>
        /// A mesh record with the morph weights its renderers hold (Unity keeps them per renderer, 0–100):
        /// the first SkinnedMeshRenderer using it with one weight per blend shape, else the weights last written.
        /// </summary>
        private static Mesh Weighted(IUnityScene scene, Mesh record)
        {
            if (record.Targets.Count == 0) return record;
            var noted = scene.Rig.Weights(record.Uuid);
            var user = scene.Objects().Where(o => o.Mesh == record.Uuid && o.Skinned?.BlendShapeWeights.Count == record.Targets.Count).OrderBy(o => o.Handle).FirstOrDefault();
            var weights = user != null ? Rigging.SkinBinding.FromUnityWeights(user.Skinned!.BlendShapeWeights, noted)
                : noted != null && noted.Count == record.Targets.Count ? noted : record.Weights;
            return record with { Weights = weights };
        }

        /// <summary>Clip <paramref name="id"/>'s record: the one last written while the clip holds exactly what it was written as, else read from its curves.</summary>
        private static Animation Animation(IUnityScene scene, IdentityIndex index, string id)
        {
            var clip = scene.ReadClip(id);
            if (scene.Rig.Clip(id) is { } noted && noted.Written.Equals(clip)) return noted.Record;
            return Rigging.ClipMapping.FromUnity(scene, index, id, clip, (blob, shape, bytes) => scene.Rig.Blobs.Put(blob, shape, bytes));
        }

        private static HashSet<string> Used(List<SceneObject> objects)
        {
            var used = new HashSet<string>(StringComparer.Ordinal);
            foreach (var o in objects) used.UnionWith(o.Uses());
            return used;
        }

        /// <summary>Records in canonical space. A subset still converts each object against its real parent's frame.</summary>
        public static Protocol.State.Scene Canonical(IUnityScene scene, IdentityIndex index, MeshCache meshes, ImageCache images, ISet<string>? only = null)
        {
            var native = Native(scene, index, meshes, images, only);
            if (only == null) return SceneConverter.ToCanonical(native, Space.Unity);
            // A parent outside the subset joins as a root stand-in: only its kind matters to the conversion.
            var present = new HashSet<string>(native.Objects.Select(o => o.Uuid));
            var standIns = new List<SceneObject>();
            foreach (var o in native.Objects)
                if (o.Parent != null && !present.Contains(o.Parent) && present.Add(o.Parent) && index.HandleOf(o.Parent) is int h && scene.Find(h) is { } p)
                    standIns.Add(new SceneObject(o.Parent, p.Name, p.Kind, null, Vector3d.Zero, Quaterniond.Identity, Vector3d.One, true, new string?[0], null));
            var widened = native with { Objects = native.Objects.Concat(standIns).ToList() };
            var canonical = SceneConverter.ToCanonical(widened, Space.Unity);
            return canonical with { Objects = canonical.Objects.Take(native.Objects.Count).ToList() };
        }

        /// <summary>A GameObject's record in Unity space (camera and light parameters are glTF's in every space).</summary>
        public static SceneObject Record(IUnityScene scene, UnityObject o, string id, IdentityIndex index) =>
            new SceneObject(id, o.Name, o.Kind, o.Parent is int p ? index.IdOf(p) : null,
                o.LocalPosition, o.LocalRotation, o.LocalScale, o.Active, o.Kind == ObjectKind.Mesh ? o.Materials : new string?[0],
                o.Kind == ObjectKind.Mesh ? o.Mesh : null)
            {
                Skin = o.Kind == ObjectKind.Mesh ? scene.Rig.SkinOf(id) : null,
                Camera = o.Kind == ObjectKind.Camera && o.Camera != null ? LookRecords.Camera(scene, id, o.Camera) : null,
                Light = o.Kind == ObjectKind.Light && o.Light != null ? LookRecords.Light(scene, id, o.Light) : null,
            };
    }
}
