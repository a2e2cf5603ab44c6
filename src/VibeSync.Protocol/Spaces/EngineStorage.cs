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
            for (int i = 0; i < objects.Length; i++) objects[i] = RoundToFloat32(scene.Objects[i]);
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
                    EmissiveStrength = F(m.EmissiveStrength),
                    AlphaCutoff = F(m.AlphaCutoff),
                    NormalScale = F(m.NormalScale),
                    OcclusionStrength = F(m.OcclusionStrength),
                    Textures = F(m.Textures),
                };
            }
            // Mesh records hold blob ids of float32 arrays: already what an engine stores.
            // Image records hold integers and a blob id: nothing to round.
            return scene with { Objects = objects, Materials = materials };
        }

        /// <summary>
        /// Every real of one object rounded to the nearest float32, as <see cref="RoundToFloat32(Scene)"/>
        /// rounds each: for an engine storing one changed object without building a scene around it.
        /// </summary>
        public static SceneObject RoundToFloat32(SceneObject o) => RoundToFloat32(o, o.Translation, o.Rotation, o.Scale);

        /// <summary>
        /// <paramref name="o"/> with this transform, every real rounded to the nearest float32: what
        /// <see cref="RoundToFloat32(SceneObject)"/> makes of <paramref name="o"/> moved there, in one record.
        /// </summary>
        public static SceneObject RoundToFloat32(SceneObject o, Vector3d translation, Quaterniond rotation, Vector3d scale) => o with
        {
            Translation = F(translation), Rotation = F(rotation), Scale = F(scale),
            Camera = o.Camera is { } c ? new CameraParameters(c.Type, F(c.YFov), F(c.Aspect), F(c.XMag), F(c.YMag), F(c.ZNear), F(c.ZFar)) : null,
            Light = o.Light is { } l ? new LightParameters(l.Type, F(l.Color), F(l.Intensity), l.Range is { } r ? F(r) : null, F(l.InnerCone), F(l.OuterCone)) : null,
        };

        private static IReadOnlyDictionary<TextureSlot, TextureBinding> F(IReadOnlyDictionary<TextureSlot, TextureBinding> textures)
        {
            if (textures.Count == 0) return textures;
            var rounded = new Dictionary<TextureSlot, TextureBinding>(textures.Count);
            foreach (var pair in textures)
            {
                var t = pair.Value;
                rounded[pair.Key] = t with { Offset = F(t.Offset), Rotation = F(t.Rotation), Scale = F(t.Scale) };
            }
            return rounded;
        }

        private static double F(double v) => (float)v;
        private static Vector2d F(Vector2d v) => new Vector2d(F(v.X), F(v.Y));
        private static Vector3d F(Vector3d v) => new Vector3d(F(v.X), F(v.Y), F(v.Z));
        private static Quaterniond F(Quaterniond q) => new Quaterniond(F(q.X), F(q.Y), F(q.Z), F(q.W));
    }
}
