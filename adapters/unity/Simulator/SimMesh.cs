using VibeSync.Unity.Meshes;

namespace VibeSync.Unity.Simulator;

/// <summary>
/// A UnityEngine.Mesh in memory, with the rules of Unity's that the core's call order depends on, so
/// a wrong order fails here as it would fail in Unity (where most of these are a logged error and the
/// call is ignored; here they throw, so a test sees them):
/// <list type="bullet">
/// <item>indices beyond the vertices, or above 65,535 while <see cref="IndexFormat"/> is UInt16, are
/// refused (Unity: "Some indices are referencing out of bounds vertices"; the 16-bit index buffer
/// cannot hold them);</item>
/// <item>a triangle list not a multiple of 3, and a submesh index ≥ <see cref="SubMeshCount"/>
/// (Mesh.cs <c>CheckCanAccessSubmesh</c>: "Submesh index is out of bounds");</item>
/// <item>normals, tangents, colours and UVs must have one element per vertex ("The supplied array
/// needs to be the same size as the Mesh.vertices array"); vertices fewer than the indices use;</item>
/// <item><see cref="Clear"/> with the layout kept leaves the attributes it had, zero-filled to the next
/// vertex count; without it they are gone; a getter of an absent attribute returns nothing.</item>
/// </list>
/// It also counts <see cref="RecalculateNormalsCalls"/>, so tests can see that synced normals are never recalculated.
/// </summary>
public sealed class SimMesh : IUnityMeshApi
{
    private float[] _vertices = Array.Empty<float>();
    private float[]? _normals, _tangents, _colors;
    private readonly float[]?[] _uvs = new float[]?[8];
    private List<int[]> _submeshes = new() { Array.Empty<int>() };
    private MeshIndexFormat _format = MeshIndexFormat.UInt16;
    private int[] _boneIndices = Array.Empty<int>();
    private float[] _boneWeights = Array.Empty<float>();
    private float[] _bindposes = Array.Empty<float>();
    private readonly List<(string Name, float Weight, float[] Vertices, float[] Normals)> _shapes = new();

    /// <summary>Times <see cref="RecalculateNormals"/> ran.</summary>
    public int RecalculateNormalsCalls { get; private set; }

    /// <summary>Writes so far (the host's version token).</summary>
    public long Version { get; private set; }

    /// <inheritdoc />
    public void Clear(bool keepVertexLayout)
    {
        Version++;
        _vertices = Array.Empty<float>();
        _submeshes = new List<int[]> { Array.Empty<int>() };
        float[]? Keep(float[]? a) => keepVertexLayout && a != null ? Array.Empty<float>() : null;
        _normals = Keep(_normals); _tangents = Keep(_tangents); _colors = Keep(_colors);
        for (int k = 0; k < _uvs.Length; k++) _uvs[k] = Keep(_uvs[k]);
        // Bone weights and blend shapes are per-vertex data, gone with the vertices; bind poses are per bone, and stay.
        _boneIndices = Array.Empty<int>(); _boneWeights = Array.Empty<float>();
        _shapes.Clear();
    }

    /// <inheritdoc />
    public void SetBoneWeights(int[] indices, float[] weights)
    {
        if (indices.Length != weights.Length || (indices.Length != 0 && indices.Length != 4 * VertexCount))
            throw new ArgumentException($"Mesh.boneWeights is out of bounds. The supplied array needs to be the same size as the Mesh.vertices array ({indices.Length / 4} for {VertexCount} vertices).");
        Version++;
        _boneIndices = (int[])indices.Clone();
        _boneWeights = (float[])weights.Clone();
    }

    /// <inheritdoc />
    public void GetBoneWeights(out int[] indices, out float[] weights)
    {
        indices = (int[])_boneIndices.Clone();
        weights = (float[])_boneWeights.Clone();
    }

    /// <inheritdoc />
    public float[] Bindposes
    {
        get => (float[])_bindposes.Clone();
        set
        {
            if (value.Length % 16 != 0) throw new ArgumentException("Mesh.bindposes: 16 floats per matrix");
            Version++;
            _bindposes = (float[])value.Clone();
        }
    }

    /// <inheritdoc />
    public void ClearBlendShapes()
    {
        Version++;
        _shapes.Clear();
    }

    /// <inheritdoc />
    public void AddBlendShapeFrame(string name, float frameWeight, float[] deltaVertices, float[]? deltaNormals)
    {
        // Unity: "Mesh.AddBlendShapeFrame: The array sizes must match the vertex count", and a new name makes a new shape.
        if (deltaVertices.Length != _vertices.Length || (deltaNormals != null && deltaNormals.Length != _vertices.Length))
            throw new ArgumentException("Mesh.AddBlendShapeFrame: the delta arrays must have one element per vertex");
        if (_shapes.Any(s => s.Name == name)) throw new ArgumentException($"Mesh.AddBlendShapeFrame: blend shape {name} already has a frame (VibeSync adds one per shape)");
        Version++;
        _shapes.Add((name, frameWeight, (float[])deltaVertices.Clone(), deltaNormals == null ? new float[_vertices.Length] : (float[])deltaNormals.Clone()));
    }

    /// <inheritdoc />
    public int BlendShapeCount => _shapes.Count;

    /// <inheritdoc />
    public string GetBlendShapeName(int shapeIndex) => _shapes[shapeIndex].Name;

    /// <inheritdoc />
    public int GetBlendShapeFrameCount(int shapeIndex) => 1;

    /// <inheritdoc />
    public void GetBlendShapeFrameVertices(int shapeIndex, int frameIndex, float[] deltaVertices, float[] deltaNormals)
    {
        if (frameIndex != 0) throw new ArgumentOutOfRangeException(nameof(frameIndex));
        _shapes[shapeIndex].Vertices.CopyTo(deltaVertices, 0);
        _shapes[shapeIndex].Normals.CopyTo(deltaNormals, 0);
    }

    /// <inheritdoc />
    public MeshIndexFormat IndexFormat
    {
        get => _format;
        set
        {
            if (value == MeshIndexFormat.UInt16 && _submeshes.Any(s => s.Any(i => i > UnityMeshIo.UInt16Vertices)))
                throw new ArgumentException("Mesh.indexFormat: the mesh has indices above 65,535, which a 16-bit index buffer cannot hold");
            Version++;
            _format = value;
        }
    }

    /// <inheritdoc />
    public int VertexCount => _vertices.Length / 3;

    /// <inheritdoc />
    public int SubMeshCount
    {
        get => _submeshes.Count;
        set
        {
            if (value < 0) throw new ArgumentException("Mesh.subMeshCount cannot be negative");
            Version++;
            while (_submeshes.Count > value) _submeshes.RemoveAt(_submeshes.Count - 1);
            while (_submeshes.Count < value) _submeshes.Add(Array.Empty<int>());
        }
    }

    /// <inheritdoc />
    public void SetVertices(float[] xyz)
    {
        int n = xyz.Length / 3;
        int highest = _submeshes.SelectMany(s => s).DefaultIfEmpty(-1).Max();
        if (highest >= n) throw new ArgumentException($"Mesh.vertices is too small: the triangles use vertex {highest}, {n} vertices supplied");
        Version++;
        _vertices = (float[])xyz.Clone();
        float[]? Resize(float[]? a, int components) => a == null ? null : a.Length == n * components ? a : new float[n * components];
        _normals = Resize(_normals, 3); _tangents = Resize(_tangents, 4); _colors = Resize(_colors, 4);
        for (int k = 0; k < _uvs.Length; k++) _uvs[k] = Resize(_uvs[k], 2);
    }

    /// <inheritdoc />
    public float[] GetVertices() => (float[])_vertices.Clone();

    /// <inheritdoc />
    public void SetNormals(float[] xyz) => _normals = PerVertex(xyz, 3, "normals");

    /// <inheritdoc />
    public float[] GetNormals() => Copy(_normals);

    /// <inheritdoc />
    public void SetTangents(float[] xyzw) => _tangents = PerVertex(xyzw, 4, "tangents");

    /// <inheritdoc />
    public float[] GetTangents() => Copy(_tangents);

    /// <inheritdoc />
    public void SetColors(float[] rgba) => _colors = PerVertex(rgba, 4, "colors");

    /// <inheritdoc />
    public float[] GetColors() => Copy(_colors);

    /// <inheritdoc />
    public void SetUVs(int channel, float[] uv)
    {
        if (channel < 0 || channel > 7) throw new ArgumentOutOfRangeException(nameof(channel), channel, "The uv index is invalid. Must be in the range 0 to 7.");
        _uvs[channel] = PerVertex(uv, 2, "uv" + channel);
    }

    /// <inheritdoc />
    public float[] GetUVs(int channel)
    {
        if (channel < 0 || channel > 7) throw new IndexOutOfRangeException("The uv index is invalid. Must be in the range 0 to 7.");
        return Copy(_uvs[channel]);
    }

    /// <inheritdoc />
    public void SetTriangles(int[] triangles, int submesh)
    {
        if (submesh < 0 || submesh >= _submeshes.Count) throw new ArgumentException($"Failed setting triangles. Submesh index {submesh} is out of bounds ({_submeshes.Count} submeshes).");
        if (triangles.Length % 3 != 0) throw new ArgumentException("Failed setting triangles. The number of supplied triangle indices must be a multiple of 3.");
        foreach (int i in triangles)
        {
            if (i < 0 || i >= VertexCount) throw new ArgumentException($"Failed setting triangles. Some indices are referencing out of bounds vertices (index {i}, {VertexCount} vertices).");
            if (_format == MeshIndexFormat.UInt16 && i > UnityMeshIo.UInt16Vertices)
                throw new ArgumentException($"Failed setting triangles: index {i} does not fit the mesh's 16-bit index format (set indexFormat to UInt32 first).");
        }
        Version++;
        _submeshes[submesh] = (int[])triangles.Clone();
    }

    /// <inheritdoc />
    public int[] GetTriangles(int submesh)
    {
        if (submesh < 0 || submesh >= _submeshes.Count) throw new IndexOutOfRangeException("Specified sub mesh is out of range. Must be greater or equal to 0 and less than subMeshCount.");
        return (int[])_submeshes[submesh].Clone();
    }

    /// <summary>
    /// Area-weighted face normals summed per vertex index and normalized (vertices are not merged by
    /// position: a split vertex keeps its own normal, as in Unity). A vertex no triangle uses gets (0, 0, 0)
    /// here; what Unity gives it is not documented. The result is this simulator's, not Unity's, bit for bit.
    /// </summary>
    public void RecalculateNormals()
    {
        RecalculateNormalsCalls++;
        Version++;
        var n = new double[_vertices.Length];
        foreach (var tris in _submeshes)
            for (int t = 0; t + 2 < tris.Length; t += 3)
            {
                int a = 3 * tris[t], b = 3 * tris[t + 1], c = 3 * tris[t + 2];
                double ux = _vertices[b] - _vertices[a], uy = _vertices[b + 1] - _vertices[a + 1], uz = _vertices[b + 2] - _vertices[a + 2];
                double vx = _vertices[c] - _vertices[a], vy = _vertices[c + 1] - _vertices[a + 1], vz = _vertices[c + 2] - _vertices[a + 2];
                // Clockwise front faces in a left-handed frame: the plain (b − a) × (c − a) points to the front.
                double fx = uy * vz - uz * vy, fy = uz * vx - ux * vz, fz = ux * vy - uy * vx;
                foreach (int v in new[] { a, b, c }) { n[v] += fx; n[v + 1] += fy; n[v + 2] += fz; }
            }
        var normals = new float[n.Length];
        for (int v = 0; v < n.Length; v += 3)
        {
            double len = Math.Sqrt(n[v] * n[v] + n[v + 1] * n[v + 1] + n[v + 2] * n[v + 2]);
            if (len > 0) { normals[v] = (float)(n[v] / len); normals[v + 1] = (float)(n[v + 1] / len); normals[v + 2] = (float)(n[v + 2] / len); }
        }
        _normals = normals;
    }

    /// <inheritdoc />
    public void RecalculateBounds() { } // bounds are not part of a record

    /// <summary>Everything this mesh stores, as text (tests compare it before and after a rollback).</summary>
    public string Dump()
    {
        static string F(float[]? a) => a == null ? "-" : string.Join(",", a.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        var uvs = string.Join("|", _uvs.Select(F));
        var shapes = string.Join("|", _shapes.Select(s => $"{s.Name}:{s.Weight}:{F(s.Vertices)}:{F(s.Normals)}"));
        return $"{_format}|{F(_vertices)}|{F(_normals)}|{F(_tangents)}|{F(_colors)}|{uvs}|{string.Join("/", _submeshes.Select(s => string.Join(",", s)))}"
            + $"|{string.Join(",", _boneIndices)}|{F(_boneWeights)}|{F(_bindposes)}|{shapes}";
    }

    private float[] PerVertex(float[] values, int components, string what)
    {
        if (values.Length != VertexCount * components)
            throw new ArgumentException($"Mesh.{what} is out of bounds. The supplied array needs to be the same size as the Mesh.vertices array ({values.Length / components} for {VertexCount} vertices).");
        Version++;
        return (float[])values.Clone();
    }

    private static float[] Copy(float[]? a) => a == null ? Array.Empty<float>() : (float[])a.Clone();
}
