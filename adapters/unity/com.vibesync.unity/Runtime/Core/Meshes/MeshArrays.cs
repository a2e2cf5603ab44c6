using System.Collections.Generic;

namespace VibeSync.Unity.Meshes
{
    /// <summary>The triangles of one material slot: u32 indices, three per triangle.</summary>
    /// <param name="Slot">The object material slot (the Unity submesh of the same index).</param>
    /// <param name="Indices">Vertex indices, in the winding of the space the arrays are in.</param>
    public sealed record SlotTriangles(int Slot, uint[] Indices);

    /// <summary>One morph target (Unity: a blend shape of one frame): deltas from the base mesh, 3 per vertex.</summary>
    /// <param name="Name">The target's name (the blend shape's).</param>
    /// <param name="Positions">Position deltas.</param>
    /// <param name="Normals">Normal deltas, or null (the record has no NORMAL for this target).</param>
    public sealed record MorphArrays(string Name, float[] Positions, float[]? Normals);

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

        /// <summary>JOINTS_0: four joint indices per vertex (Unity: <c>BoneWeight.boneIndex0…3</c>), or null.</summary>
        public ushort[]? Joints { get; init; }

        /// <summary>WEIGHTS_0: four weights per vertex, paired with <see cref="Joints"/> (Unity: <c>BoneWeight.weight0…3</c>), or null.</summary>
        public float[]? Weights { get; init; }

        /// <summary>Morph targets in record order (Unity: blend shapes in index order).</summary>
        public IReadOnlyList<MorphArrays> Targets { get; init; } = new MorphArrays[0];

        /// <summary>Vertices.</summary>
        public int VertexCount => Positions.Length / 3;
    }
}
