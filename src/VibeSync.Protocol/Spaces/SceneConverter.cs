using System;
using System.Collections.Generic;
using VibeSync.Protocol.State;

namespace VibeSync.Protocol.Spaces
{
    /// <summary>
    /// Converts whole scenes between spaces; whole scenes because an object's conversion depends
    /// on its parent's kind (docs/protocol.md §7.1). Conversion happens once, at the edge.
    /// </summary>
    public static class SceneConverter
    {
        /// <summary>Converts a scene whose values are in <paramref name="from"/> space to canonical.</summary>
        /// <param name="scene">Values in <paramref name="from"/> space.</param>
        /// <param name="from">The space of <paramref name="scene"/>.</param>
        /// <param name="unitScale">Blender's <c>unit_settings.scale_length</c> (ignored for other spaces).</param>
        /// <exception cref="ArgumentException">A parent is not in the scene, or the unit scale is not a positive finite number.</exception>
        public static Scene ToCanonical(Scene scene, Space from, double unitScale = 1.0) =>
            from switch
            {
                Space.Blender => Convert(scene, unitScale, toCanonical: true, blender: true),
                Space.Unity => Convert(scene, unitScale, toCanonical: true, blender: false),
                _ => scene,
            };

        /// <summary>Converts a canonical scene to <paramref name="to"/> space.</summary>
        /// <exception cref="ArgumentException">A parent is not in the scene, or the unit scale is not a positive finite number.</exception>
        public static Scene FromCanonical(Scene canonical, Space to, double unitScale = 1.0) =>
            to switch
            {
                Space.Blender => Convert(canonical, unitScale, toCanonical: false, blender: true),
                Space.Unity => Convert(canonical, unitScale, toCanonical: false, blender: false),
                _ => canonical,
            };

        private static Scene Convert(Scene scene, double unitScale, bool toCanonical, bool blender)
        {
            if (blender && !(unitScale > 0 && !double.IsInfinity(unitScale)))
                throw new ArgumentException("unit scale must be a positive finite number", nameof(unitScale));
            var viewAxis = new Dictionary<string, bool>(scene.Objects.Count, StringComparer.Ordinal);
            foreach (var o in scene.Objects) viewAxis[o.Uuid] = o.HasViewAxis;

            var objects = new SceneObject[scene.Objects.Count];
            for (int i = 0; i < objects.Length; i++)
            {
                var o = scene.Objects[i];
                bool parentAxis = false;
                if (o.Parent != null && !viewAxis.TryGetValue(o.Parent, out parentAxis))
                    throw new ArgumentException($"object {o.Uuid}: parent {o.Parent} is not in the scene");
                bool selfAxis = o.HasViewAxis;
                objects[i] = blender
                    ? o with
                    {
                        Translation = toCanonical
                            ? FrameMaps.TranslationFromBlender(o.Translation, parentAxis, unitScale)
                            : FrameMaps.TranslationToBlender(o.Translation, parentAxis, unitScale),
                        Rotation = toCanonical
                            ? FrameMaps.RotationFromBlender(o.Rotation, parentAxis, selfAxis)
                            : FrameMaps.RotationToBlender(o.Rotation, parentAxis, selfAxis),
                        Scale = FrameMaps.ScaleBlender(o.Scale, selfAxis),
                    }
                    : o with
                    {
                        Translation = FrameMaps.TranslationUnity(o.Translation, parentAxis),
                        Rotation = toCanonical
                            ? FrameMaps.RotationFromUnity(o.Rotation, parentAxis, selfAxis)
                            : FrameMaps.RotationToUnity(o.Rotation, parentAxis, selfAxis),
                    };
            }

            // Mesh records name canonical blobs in every space (docs/protocol.md §7.3): an engine
            // converts the blob contents locally (MeshConversions), the records pass unchanged.
            return scene with { Objects = objects };
        }
    }
}
