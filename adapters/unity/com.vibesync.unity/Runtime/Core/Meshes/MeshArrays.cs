using System.Collections.Generic;

namespace VibeSync.Unity.Meshes
{
    /// <summary>The triangles of one material slot: u32 indices, three per triangle.</summary>
    /// <param name="Slot">The object material slot (the Unity submesh of the same index).</param>
    /// <param name="Indices">Vertex indices, in the winding of the space the arrays are in.</param>
    public sealed record SlotTriangles(int Slot, uint[] Indices);

    /// <summary>
    /// One mesh's arrays, all in one space (canonical or Unity), as float32 and u32: what blobs hold
    /// (canonical) or what a UnityEngine.Mesh holds (Unity). Flat: x, y, z per vertex for positions
    /// and normals, x, y, z, w for tangents, u, v per TEXCOORD set, r, g, b, a for COLOR_0.
    /// </summary>
    public sealed class MeshArrays
    {
        /// <summary>Creates the arrays; <paramref name="texCoords"/>[k] is TEXCOORD_k.</summary>
        public MeshArrays(float[] positions, float[]? normals, float[]? tangents, float[]? colors, IReadOnlyList<float[]> texCoords, IReadOnlyList<SlotTriangles> primitives)
        {
            Positions = positions;
            Normals = normals;
            Tangents = tangents;
            Colors = colors;
            TexCoords = texCoords;
            Primitives = primitives;
        }

        /// <summary>POSITION, 3 per vertex.</summary>
        public float[] Positions { get; }

        /// <summary>NORMAL, or null.</summary>
        public float[]? Normals { get; }

        /// <summary>TANGENT (w = handedness), or null.</summary>
        public float[]? Tangents { get; }

        /// <summary>COLOR_0 (linear RGBA), or null.</summary>
        public float[]? Colors { get; }

        /// <summary>TEXCOORD_0…n, contiguous from 0.</summary>
        public IReadOnlyList<float[]> TexCoords { get; }

        /// <summary>Triangles per material slot, ascending by slot, each non-empty.</summary>
        public IReadOnlyList<SlotTriangles> Primitives { get; }

        /// <summary>Vertices.</summary>
        public int VertexCount => Positions.Length / 3;
    }
}
