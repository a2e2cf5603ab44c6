using System.Collections.Generic;
using System.Linq;
using VibeSync.Protocol.State;

namespace VibeSync.Unity.Adapter
{
    /// <summary>
    /// Splits a scene for SCENE reports (docs/protocol.md §11.6): a frame holds at most 16 MiB, and a
    /// scene of 100,000 GameObjects is about 25 MB of JSON. Parts hold at most 5,000 objects,
    /// materials, mesh, image, skin or animation records (each names its arrays by blob id, whatever their size).
    /// </summary>
    public static class SceneParts
    {
        private const int RecordsPerPart = 5_000;

        /// <summary>The parts, in order; never empty (an empty scene is one empty part).</summary>
        public static List<Scene> Split(Scene scene)
        {
            var parts = new List<Scene>();
            for (int i = 0; i < scene.Objects.Count; i += RecordsPerPart)
                parts.Add(new Scene(scene.Objects.Skip(i).Take(RecordsPerPart).ToList(), new Material[0], new Mesh[0]));
            for (int i = 0; i < scene.Materials.Count; i += RecordsPerPart)
                parts.Add(new Scene(new SceneObject[0], scene.Materials.Skip(i).Take(RecordsPerPart).ToList(), new Mesh[0]));
            // Mesh records name their arrays by blob id (the bytes travel as BLOB_CHUNKs): small, like materials.
            for (int i = 0; i < scene.Meshes.Count; i += RecordsPerPart)
                parts.Add(new Scene(new SceneObject[0], new Material[0], scene.Meshes.Skip(i).Take(RecordsPerPart).ToList()));
            for (int i = 0; i < scene.Images.Count; i += RecordsPerPart)
                parts.Add(Scene.Empty with { Images = scene.Images.Skip(i).Take(RecordsPerPart).ToList() });
            // Skins and animations (content schema 4) after the objects and meshes they name; records small (blob ids).
            for (int i = 0; i < scene.Skins.Count; i += RecordsPerPart)
                parts.Add(Scene.Empty with { Skins = scene.Skins.Skip(i).Take(RecordsPerPart).ToList() });
            for (int i = 0; i < scene.Animations.Count; i += RecordsPerPart)
                parts.Add(Scene.Empty with { Animations = scene.Animations.Skip(i).Take(RecordsPerPart).ToList() });
            if (parts.Count == 0) parts.Add(Scene.Empty);
            return parts;
        }
    }
}
