using System.Collections.Generic;
using System.Linq;
using VibeSync.Protocol.State;

namespace VibeSync.Unity.Adapter
{
    /// <summary>
    /// Splits a scene for SCENE reports (docs/protocol.md §11.6): a frame holds at most 16 MiB, and a
    /// scene of 100,000 GameObjects is about 25 MB of JSON. Parts hold at most 5,000 objects or
    /// materials, or meshes of at most 100,000 vertices together (a larger single mesh is its own part).
    /// </summary>
    public static class SceneParts
    {
        private const int RecordsPerPart = 5_000, VerticesPerPart = 100_000;

        /// <summary>The parts, in order; never empty (an empty scene is one empty part).</summary>
        public static List<Scene> Split(Scene scene)
        {
            var parts = new List<Scene>();
            for (int i = 0; i < scene.Objects.Count; i += RecordsPerPart)
                parts.Add(new Scene(scene.Objects.Skip(i).Take(RecordsPerPart).ToList(), new Material[0], new Mesh[0]));
            for (int i = 0; i < scene.Materials.Count; i += RecordsPerPart)
                parts.Add(new Scene(new SceneObject[0], scene.Materials.Skip(i).Take(RecordsPerPart).ToList(), new Mesh[0]));
            var meshes = new List<Mesh>();
            int vertices = 0;
            foreach (var m in scene.Meshes)
            {
                if (meshes.Count > 0 && vertices + m.VertexCount > VerticesPerPart)
                {
                    parts.Add(new Scene(new SceneObject[0], new Material[0], meshes));
                    meshes = new List<Mesh>();
                    vertices = 0;
                }
                meshes.Add(m);
                vertices += m.VertexCount;
            }
            if (meshes.Count > 0 || parts.Count == 0) parts.Add(new Scene(new SceneObject[0], new Material[0], meshes));
            return parts;
        }
    }
}
