using System;
using System.Collections.Generic;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using VibeSync.Unity.Hierarchy;

namespace VibeSync.Unity.Looks
{
    /// <summary>
    /// Materials, cameras and lights as records, read and written through the port with the mapping
    /// tables, noting what was written (<see cref="LookNotes"/>) as Unity stores it (float32), which is
    /// what the orchestrator predicts the report to be (<see cref="EngineStorage"/>).
    /// </summary>
    public static class LookRecords
    {
        /// <summary>The record of material <paramref name="id"/>.</summary>
        /// <exception cref="UnknownAssetException">No such material.</exception>
        public static Material Material(IUnityScene scene, string id) =>
            MaterialMapping.FromUnity(id, scene.ReadMaterial(id), scene.Notes.Material(id), image => Sampler(scene, image), image => NotAnImage(scene, image));

        /// <summary>True when texture <paramref name="image"/> cannot be an image record: gone, not an imported file, or neither PNG nor JPEG.</summary>
        public static bool NotAnImage(IUnityScene scene, string image)
        {
            try { return scene.ReadImage(image).Unreadable != null; }
            catch (UnknownAssetException) { return true; }
        }

        private static (UnitySampler Now, UnitySampler? Written)? Sampler(IUnityScene scene, string image)
        {
            try { return (scene.ReadImage(image).Sampler, scene.Notes.Sampler(image)); }
            catch (UnknownAssetException) { return null; } // a binding whose texture is gone keeps its own sampler
        }

        /// <summary>
        /// Writes <paramref name="m"/> into its Unity material (created when <paramref name="create"/>,
        /// with the host's shader for new materials; else keeping the material's shader), and the import
        /// settings its bindings imply into their textures; each texture's former settings are restored
        /// by the actions added to <paramref name="undo"/>.
        /// </summary>
        /// <exception cref="UnknownAssetException">No such material, or a binding names no texture.</exception>
        public static void WriteMaterial(IUnityScene scene, Material m, bool create, List<Action> undo, ImageCache? images = null)
        {
            foreach (var b in m.Textures) scene.ReadImage(b.Value.Image); // every texture exists before anything is written
            var family = ShaderFamily.Of(create ? scene.NewMaterialShader : scene.ReadMaterial(m.Uuid).Shader);
            var stored = Stored(m); // mapped from what is noted, so a read compares like with like
            var values = MaterialMapping.ToUnity(stored, family);
            Derive(scene, m, family, values, images ?? new ImageCache());
            if (create) scene.CreateMaterial(m.Uuid, values); else scene.WriteMaterial(m.Uuid, values);
            scene.Notes.SetMaterial(m.Uuid, stored);
            foreach (var b in m.Textures)
            {
                var image = b.Value.Image;
                var before = scene.ReadImage(image);
                var after = ImageCache.ForBinding(before, b.Key, b.Value);
                var noted = scene.Notes.Sampler(image);
                scene.Notes.SetSampler(image, after.Sampler); // what a human's change of the texture is found against
                undo.Add(() => scene.Notes.SetSampler(image, noted));
                if (after == before) continue;
                scene.WriteImage(image, after, null);
                undo.Add(() => scene.WriteImage(image, before, null));
            }
        }

        /// <summary>
        /// Binds the metallic-roughness and occlusion textures through a texture derived from their image
        /// (<see cref="ChannelRepack"/>), named by the image file's blob id: made once per file, shared by both
        /// slots and every material. An image that does not decode is bound as it is, and the reason noted.
        /// </summary>
        private static void Derive(IUnityScene scene, Material m, ShaderFamily family, UnityMaterialState values, ImageCache images)
        {
            foreach (var b in m.Textures)
            {
                if (!ChannelRepack.Converts(b.Key)) continue;
                var image = b.Value.Image;
                var name = ChannelRepack.DerivedName(images.Record(scene, image).Blob);
                var problem = scene.Derive(image, name, ChannelRepack.GltfToUnity);
                scene.Notes.SetUnderived(image, problem);
                if (problem == null) values.Derived[family.TextureProperty(b.Key)] = name;
            }
        }

        /// <summary>Restores material <paramref name="id"/>'s Unity values and note exactly (an undo step).</summary>
        public static Action Snapshot(IUnityScene scene, string id)
        {
            var values = scene.ReadMaterial(id);
            var note = scene.Notes.Material(id);
            return () => { scene.WriteMaterial(id, values); scene.Notes.SetMaterial(id, note); };
        }

        /// <summary>The camera parameters of object <paramref name="id"/> holding <paramref name="camera"/>; null while it is marked not synced and unchanged.</summary>
        public static CameraParameters? Camera(IUnityScene scene, string id, UnityCamera camera) =>
            scene.Notes.UnsyncedCamera(id) is { } held && held == camera ? null : CameraMapping.FromUnity(camera, scene.Notes.Camera(id));

        /// <summary>The light parameters of object <paramref name="id"/> holding <paramref name="light"/>; null for an area light, or while marked not synced and unchanged.</summary>
        public static LightParameters? Light(IUnityScene scene, string id, UnityLight light) =>
            scene.Notes.UnsyncedLight(id) is { } held && held == light ? null : LightMapping.FromUnity(light, scene.Notes.Light(id));

        /// <summary>The Camera values for <paramref name="c"/> on object <paramref name="id"/> (its note taken); the caller writes them.</summary>
        public static UnityCamera CameraFor(IUnityScene scene, string id, CameraParameters c, UnityCamera current)
        {
            var stored = Stored(c);
            scene.Notes.SetCamera(id, stored);
            scene.Notes.SetUnsyncedCamera(id, null);
            return CameraMapping.ToUnity(stored, current);
        }

        /// <summary>The Light values for <paramref name="l"/> on object <paramref name="id"/> (its note taken); the caller writes them.</summary>
        public static UnityLight LightFor(IUnityScene scene, string id, LightParameters l, UnityLight current)
        {
            var stored = Stored(l);
            scene.Notes.SetLight(id, stored);
            scene.Notes.SetUnsyncedLight(id, null);
            return LightMapping.ToUnity(stored, current);
        }

        /// <summary>A material record as Unity stores it (every real float32).</summary>
        public static Material Stored(Material m) =>
            EngineStorage.RoundToFloat32(new Scene(Array.Empty<SceneObject>(), new[] { m }, Array.Empty<Mesh>())).Materials[0];

        /// <summary>Camera parameters as Unity stores them (every real float32).</summary>
        public static CameraParameters Stored(CameraParameters c) => Stored(ObjectKind.Camera, c, null).Camera!;

        /// <summary>Light parameters as Unity stores them (every real float32).</summary>
        public static LightParameters Stored(LightParameters l) => Stored(ObjectKind.Light, null, l).Light!;

        private static SceneObject Stored(ObjectKind kind, CameraParameters? c, LightParameters? l) =>
            EngineStorage.RoundToFloat32(new Scene(new[] { new SceneObject("", "", kind, null, Vector3d.Zero, Quaterniond.Identity, Vector3d.One, true, new string?[0], null) { Camera = c, Light = l } },
                Array.Empty<Material>(), Array.Empty<Mesh>())).Objects[0];
    }
}
