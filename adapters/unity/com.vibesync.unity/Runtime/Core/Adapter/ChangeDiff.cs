using System.Collections.Generic;
using System.Linq;
using VibeSync.Protocol.Operations;
using VibeSync.Protocol.State;

namespace VibeSync.Unity.Adapter
{
    /// <summary>
    /// Human edits found by diffing: the operations that turn the records the orchestrator has into
    /// the records the scene holds now (canonical values). Unity reports changes per object
    /// (ObjectChangeEvents) without values, so diffing the records is the one reliable source.
    /// </summary>
    public static class ChangeDiff
    {
        /// <summary>New materials and meshes, creations parents first, then changes, then deletions (children reparented, as Unity's delete does not do: say so).</summary>
        public static List<Operation> Operations(IReadOnlyDictionary<string, object> known, IReadOnlyDictionary<string, object> current)
        {
            var ops = new List<Operation>();
            // New images, materials and meshes first: the materials and objects created next may use them.
            foreach (var i in current.Values.OfType<Image>().Where(i => !known.ContainsKey(i.Uuid)))
                ops.Add(new CreateImage(i));
            foreach (var m in current.Values.OfType<Material>().Where(m => !known.ContainsKey(m.Uuid)))
                ops.Add(new CreateMaterial(m));
            foreach (var m in current.Values.OfType<Mesh>().Where(m => !known.ContainsKey(m.Uuid)))
                ops.Add(new CreateMesh(m));
            var createdAnimations = current.Values.OfType<Animation>().Where(a => !known.ContainsKey(a.Uuid)).ToList();
            var created = current.Values.OfType<SceneObject>().Where(o => !known.ContainsKey(o.Uuid)).ToList();
            foreach (var o in ParentsFirst(created))
                ops.Add(new CreateObject(o.Uuid, o.Name, o.Kind, o.Parent, o.Translation, o.Rotation, o.Scale, o.Visible,
                    o.Kind == ObjectKind.Mesh ? o.Mesh : null, o.Kind == ObjectKind.Mesh ? o.Materials : new string?[0]) { Camera = o.Camera, Light = o.Light });
            foreach (var pair in current)
            {
                if (!known.TryGetValue(pair.Key, out var before)) continue;
                switch (pair.Value)
                {
                    case SceneObject now when before is SceneObject was:
                        if (now.Mesh != was.Mesh && now.Mesh != null) ops.Add(new SetMesh(now.Uuid, now.Mesh)); // after the meshes created above
                        if (now.Parent != was.Parent) ops.Add(new SetParent(now.Uuid, now.Parent));
                        if (!now.Translation.Equals(was.Translation) || !now.Rotation.Equals(was.Rotation) || !now.Scale.Equals(was.Scale))
                            ops.Add(new SetTransform(now.Uuid, now.Translation.Equals(was.Translation) ? (Vector3d?)null : now.Translation,
                                now.Rotation.Equals(was.Rotation) ? (Quaterniond?)null : now.Rotation, now.Scale.Equals(was.Scale) ? (Vector3d?)null : now.Scale));
                        if (now.Visible != was.Visible) ops.Add(new SetVisibility(now.Uuid, now.Visible));
                        if (now.Name != was.Name) ops.Add(new Rename(now.Uuid, now.Name));
                        for (int slot = 0; slot < now.Materials.Count; slot++)
                            if (slot >= was.Materials.Count || now.Materials[slot] != was.Materials[slot]) ops.Add(new AssignMaterial(now.Uuid, slot, now.Materials[slot]));
                        if (now.Camera is { } camera && !camera.Equals(was.Camera)) // the whole camera: set_camera needs a new type's fields
                            ops.Add(new SetCamera(now.Uuid, camera.Type, Perspective(camera) ? camera.YFov : (double?)null, Perspective(camera) ? camera.Aspect : (double?)null,
                                Perspective(camera) ? (double?)null : camera.XMag, Perspective(camera) ? (double?)null : camera.YMag, camera.ZNear, camera.ZFar));
                        if (now.Light is { } light && !light.Equals(was.Light))
                            ops.Add(new SetLight(now.Uuid, light.Type, light.Color, light.Intensity, true, light.Range,
                                light.Type == LightType.Spot ? light.InnerCone : (double?)null, light.Type == LightType.Spot ? light.OuterCone : (double?)null));
                        break;
                    case Material now when before is Material was:
                        if (MaterialChange(was, now) is { } change) ops.Add(change);
                        if (now.Name != was.Name) ops.Add(new Rename(now.Uuid, now.Name));
                        break;
                    case Image now when before is Image was:
                        if (now.Blob != was.Blob || now.Mime != was.Mime || now.Width != was.Width || now.Height != was.Height || now.ColorSpace != was.ColorSpace)
                            ops.Add(new ReplaceImage(now.Uuid, now.Blob, now.Mime, now.Width, now.Height, now.ColorSpace));
                        if (now.Name != was.Name) ops.Add(new Rename(now.Uuid, now.Name));
                        break;
                    case Mesh now when before is Mesh was:
                        // Morph weights alone (a blend shape slider) are the cosmetic set_morph_weights, coalesced like a drag.
                        if ((now with { Weights = was.Weights }).Equals(was)) { if (!now.Equals(was)) ops.Add(new SetMorphWeights(now.Uuid, now.Weights)); }
                        else ops.Add(new ReplaceMesh(now)); // blob ids: a changed array has another name
                        break;
                    case Skin now when before is Skin was:
                        // Bones, root bone or bind poses changed in Unity, or a joint's rest moved (after its set_transform above).
                        if (!now.Equals(was))
                            ops.Add(new UpdateSkin(now.Uuid, now.Joints.SequenceEqual(was.Joints) ? null : now.Joints,
                                now.InverseBindMatrices == was.InverseBindMatrices ? null : now.InverseBindMatrices, now.Skeleton != was.Skeleton, now.Skeleton));
                        break;
                    case Animation now when before is Animation was:
                        // A keyframe edit: each channel that differs is set (or removed), the cosmetic set_animation_channel.
                        foreach (var c in now.Channels.Where(c => !was.Channels.Contains(c)))
                            ops.Add(new SetAnimationChannel(now.Uuid, c.Target, c.Path, c));
                        foreach (var c in was.Channels.Where(c => !now.Channels.Any(n => n.Target == c.Target && n.Path == c.Path)))
                            ops.Add(new SetAnimationChannel(now.Uuid, c.Target, c.Path, null));
                        break;
                }
            }
            foreach (var a in createdAnimations) ops.Add(new CreateAnimation(a)); // after the objects it may target
            foreach (var gone in known.Values.OfType<SceneObject>().Where(o => !current.ContainsKey(o.Uuid)))
                ops.Add(new DeleteObject(gone.Uuid, ChildrenPolicy.Reparent));
            return ops;
        }

        private static bool Perspective(CameraParameters c) => c.Type == CameraType.Perspective;

        /// <summary>
        /// The fields a human changed in Unity, as one set_material_params (null: none). A "not synced"
        /// reason is Blender's to state, never Unity's: it is never part of the change.
        /// </summary>
        private static SetMaterialParams? MaterialChange(Material was, Material now)
        {
            Dictionary<TextureSlot, TextureBinding?>? textures = null;
            foreach (var slot in now.Textures.Keys.Concat(was.Textures.Keys).Distinct())
            {
                var after = now.Texture(slot);
                if (after == null ? was.Texture(slot) == null : after.Equals(was.Texture(slot))) continue;
                (textures ??= new Dictionary<TextureSlot, TextureBinding?>())[slot] = after;
            }
            T? Changed<T>(T a, T b) where T : struct => a.Equals(b) ? (T?)null : b;
            var change = new SetMaterialParams(now.Uuid, Changed(was.BaseColor, now.BaseColor), Changed(was.Metallic, now.Metallic),
                Changed(was.Roughness, now.Roughness), Changed(was.Emission, now.Emission))
            {
                EmissiveStrength = Changed(was.EmissiveStrength, now.EmissiveStrength),
                AlphaMode = Changed(was.AlphaMode, now.AlphaMode),
                AlphaCutoff = Changed(was.AlphaCutoff, now.AlphaCutoff),
                DoubleSided = Changed(was.DoubleSided, now.DoubleSided),
                NormalScale = Changed(was.NormalScale, now.NormalScale),
                OcclusionStrength = Changed(was.OcclusionStrength, now.OcclusionStrength),
                Textures = textures,
            };
            bool any = change.BaseColor != null || change.Metallic != null || change.Roughness != null || change.Emission != null || change.EmissiveStrength != null
                || change.AlphaMode != null || change.AlphaCutoff != null || change.DoubleSided != null || change.NormalScale != null || change.OcclusionStrength != null || textures != null;
            return any ? change : null;
        }

        private static IEnumerable<SceneObject> ParentsFirst(List<SceneObject> objects)
        {
            var byId = objects.ToDictionary(o => o.Uuid);
            var done = new HashSet<string>();
            var order = new List<SceneObject>();
            void Visit(SceneObject o)
            {
                if (!done.Add(o.Uuid)) return;
                if (o.Parent != null && byId.TryGetValue(o.Parent, out var p)) Visit(p);
                order.Add(o);
            }
            foreach (var o in objects) Visit(o);
            return order;
        }
    }
}
