// Design rationale: the order of the calls that fill a UnityEngine.Mesh matters to Unity (indices
// beyond the vertices, or beyond 65,535 under a 16-bit index format, are refused; a subMeshCount set
// after the triangles drops them), so that order is written once, in the core (MeshWriter), against
// this narrow mirror of the Mesh members it uses. The glue wraps a real UnityEngine.Mesh in it
// (Editor/UnityMeshApi.cs), the simulator implements it with Unity's rules (Simulator/SimMesh.cs):
// the simulator's tests therefore exercise the exact sequence the glue runs.
namespace VibeSync.Unity.Meshes
{
    /// <summary>Unity's <c>UnityEngine.Rendering.IndexFormat</c> (same values).</summary>
    public enum MeshIndexFormat
    {
        /// <summary>16-bit indices: vertices 0…65,535 only.</summary>
        UInt16 = 0,
        /// <summary>32-bit indices.</summary>
        UInt32 = 1,
    }

    /// <summary>
    /// The members of <c>UnityEngine.Mesh</c> the core uses, engine-free: flat float arrays instead of
    /// <c>List&lt;Vector3&gt;</c> (x, y, z per vertex; UVs u, v; colours r, g, b, a; tangents x, y, z, w),
    /// Unity space. Each member behaves as the Unity member named in its summary (adapters/unity/ApiStub/README.md
    /// lists where each was checked); a getter of an attribute the mesh lacks returns an empty array, as
    /// Unity's <c>GetNormals(List)</c> leaves the list empty.
    /// </summary>
    public interface IUnityMeshApi
    {
        /// <summary>
        /// <c>Mesh.Clear(bool keepVertexLayout)</c>: no vertices, no indices. With the layout kept, the
        /// attributes the mesh had come back zero-filled once vertices are set; without it they are gone.
        /// </summary>
        void Clear(bool keepVertexLayout);

        /// <summary><c>Mesh.indexFormat</c>.</summary>
        MeshIndexFormat IndexFormat { get; set; }

        /// <summary><c>Mesh.vertexCount</c>.</summary>
        int VertexCount { get; }

        /// <summary><c>Mesh.subMeshCount</c>.</summary>
        int SubMeshCount { get; set; }

        /// <summary><c>Mesh.SetVertices(List&lt;Vector3&gt;)</c>.</summary>
        void SetVertices(float[] xyz);

        /// <summary><c>Mesh.GetVertices(List&lt;Vector3&gt;)</c>.</summary>
        float[] GetVertices();

        /// <summary><c>Mesh.SetNormals(List&lt;Vector3&gt;)</c>: as many as there are vertices.</summary>
        void SetNormals(float[] xyz);

        /// <summary><c>Mesh.GetNormals(List&lt;Vector3&gt;)</c>.</summary>
        float[] GetNormals();

        /// <summary><c>Mesh.SetTangents(List&lt;Vector4&gt;)</c>.</summary>
        void SetTangents(float[] xyzw);

        /// <summary><c>Mesh.GetTangents(List&lt;Vector4&gt;)</c>.</summary>
        float[] GetTangents();

        /// <summary><c>Mesh.SetColors(List&lt;Color&gt;)</c> (float RGBA, stored as given).</summary>
        void SetColors(float[] rgba);

        /// <summary><c>Mesh.GetColors(List&lt;Color&gt;)</c>.</summary>
        float[] GetColors();

        /// <summary><c>Mesh.SetUVs(int channel, List&lt;Vector2&gt;)</c>, channel 0…7.</summary>
        void SetUVs(int channel, float[] uv);

        /// <summary><c>Mesh.GetUVs(int channel, List&lt;Vector2&gt;)</c>.</summary>
        float[] GetUVs(int channel);

        /// <summary><c>Mesh.SetTriangles(List&lt;int&gt;, int submesh)</c>: Unity-wound triangles of one submesh.</summary>
        void SetTriangles(int[] triangles, int submesh);

        /// <summary><c>Mesh.GetTriangles(List&lt;int&gt;, int submesh)</c>.</summary>
        int[] GetTriangles(int submesh);

        /// <summary>
        /// <c>Mesh.boneWeights = BoneWeight[]</c>: per vertex <c>boneIndex0…3</c> (<paramref name="indices"/>, 4 per
        /// vertex) and <c>weight0…3</c> (<paramref name="weights"/>); empty arrays clear them.
        /// </summary>
        void SetBoneWeights(int[] indices, float[] weights);

        /// <summary><c>Mesh.boneWeights</c> (get): 4 indices and 4 weights per vertex; empty when the mesh has none.</summary>
        void GetBoneWeights(out int[] indices, out float[] weights);

        /// <summary><c>Mesh.bindposes</c>: 16 floats per bone, column-major as <c>Matrix4x4</c>'s m00, m10, m20, m30, m01, ….</summary>
        float[] Bindposes { get; set; }

        /// <summary><c>Mesh.ClearBlendShapes()</c>.</summary>
        void ClearBlendShapes();

        /// <summary>
        /// <c>Mesh.AddBlendShapeFrame(string, float, Vector3[], Vector3[], Vector3[])</c>: a new blend shape
        /// (a frame of a new name) with vertex and normal deltas (<paramref name="deltaNormals"/> null: none), no tangent deltas.
        /// </summary>
        void AddBlendShapeFrame(string name, float frameWeight, float[] deltaVertices, float[]? deltaNormals);

        /// <summary><c>Mesh.blendShapeCount</c>.</summary>
        int BlendShapeCount { get; }

        /// <summary><c>Mesh.GetBlendShapeName(int)</c>.</summary>
        string GetBlendShapeName(int shapeIndex);

        /// <summary><c>Mesh.GetBlendShapeFrameCount(int)</c>.</summary>
        int GetBlendShapeFrameCount(int shapeIndex);

        /// <summary><c>Mesh.GetBlendShapeFrameVertices(int, int, Vector3[], Vector3[], Vector3[])</c>: fills 3 floats per vertex of each.</summary>
        void GetBlendShapeFrameVertices(int shapeIndex, int frameIndex, float[] deltaVertices, float[] deltaNormals);

        /// <summary><c>Mesh.RecalculateNormals()</c>.</summary>
        void RecalculateNormals();

        /// <summary><c>Mesh.RecalculateBounds()</c>.</summary>
        void RecalculateBounds();
    }
}
