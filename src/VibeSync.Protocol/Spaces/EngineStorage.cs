using System.Collections.Generic;
using VibeSync.Protocol.State;

namespace VibeSync.Protocol.Spaces
{
    /// <summary>
    /// Predicts what an engine will hold after it stores canonical values as float32, so the hash
    /// the orchestrator expects from it matches bit for bit (docs/protocol.md §7.2).
    /// </summary>
    public static class EngineStorage
    {
        /// <summary>canonical → <paramref name="engine"/> native → float32 → canonical.</summary>
        public static Scene StoredAs(Scene canonical, Space engine, double unitScale = 1.0)
        {
            var native = SceneConverter.FromCanonical(canonical, engine, unitScale);
            return SceneConverter.ToCanonical(RoundToFloat32(native), engine, unitScale);
        }

        /// <summary>Every real of the scene rounded to the nearest float32 (ties to even).</summary>
        public static Scene RoundToFloat32(Scene scene)
        {
            var objects = new SceneObject[scene.Objects.Count];
            for (int i = 0; i < objects.Length; i++)
            {
                var o = scene.Objects[i];
                objects[i] = o with { Translation = F(o.Translation), Rotation = F(o.Rotation), Scale = F(o.Scale) };
            }
            var materials = new Material[scene.Materials.Count];
            for (int i = 0; i < materials.Length; i++)
            {
                var m = scene.Materials[i];
                materials[i] = m with
                {
                    BaseColor = new Vector4d(F(m.BaseColor.X), F(m.BaseColor.Y), F(m.BaseColor.Z), F(m.BaseColor.W)),
                    Metallic = F(m.Metallic),
                    Roughness = F(m.Roughness),
                    Emission = F(m.Emission),
                };
            }
            // Mesh records hold blob ids of float32 arrays: already what an engine stores.
            return new Scene(objects, materials, scene.Meshes);
        }

        private static double F(double v) => (float)v;
        private static Vector3d F(Vector3d v) => new Vector3d(F(v.X), F(v.Y), F(v.Z));
        private static Quaterniond F(Quaterniond q) => new Quaterniond(F(q.X), F(q.Y), F(q.Z), F(q.W));
    }
}
