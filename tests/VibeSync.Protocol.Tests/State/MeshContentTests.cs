using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.State;

namespace VibeSync.Protocol.Tests.State;

/// <summary>A mesh record checked against the bytes of its blobs (CONTENT-V2 §2): codes and paths.</summary>
public sealed class MeshContentTests
{
    private const string Uuid = "00000000-0000-4000-8000-000000000009";
    private readonly BlobMemory _blobs = new();

    private Mesh Triangle(uint[]? indices = null, float[]? normals = null)
    {
        var positions = new float[] { 0, 0, 0, 1, 0, 0, 0, 1, 0 };
        var attributes = new Dictionary<string, string> { [MeshSemantics.Position] = InlineMesh.Floats(positions, 3, _blobs) };
        if (normals != null) attributes[MeshSemantics.Normal] = InlineMesh.Floats(normals, 3, _blobs);
        var primitive = new MeshPrimitive(0, InlineMesh.Indices(indices ?? new uint[] { 0, 1, 2 }, _blobs));
        return new Mesh(Uuid, 3, attributes, new[] { primitive }, Array.Empty<string>());
    }

    /// <summary>A store that remembers index bounds and counts the blobs read whole.</summary>
    private sealed class BoundsMemo : IBlobSource, IBlobShapes, IBlobIndexBounds
    {
        private readonly BlobMemory _inner;
        private readonly Dictionary<string, uint> _bounds = new();
        public BoundsMemo(BlobMemory inner) { _inner = inner; }
        public List<string> Read { get; } = new();
        public bool TryGet(string id, out BlobShape shape, out ReadOnlyMemory<byte> payload) { Read.Add(id); return _inner.TryGet(id, out shape, out payload); }
        public bool TryGetShape(string id, out BlobShape shape) => _inner.TryGet(id, out shape, out _); // a header, not a read
        public bool TryGetIndexBound(string id, out uint largest) => _bounds.TryGetValue(id, out largest);
        public void RememberIndexBound(string id, uint largest) => _bounds[id] = largest;
    }

    [Fact]
    public void indices_checked_once_are_not_read_again_for_as_many_vertices_and_fewer_vertices_are_still_refused()
    {
        var mesh = Triangle(new uint[] { 0, 1, 2, 2, 1, 0 });
        var memo = new BoundsMemo(_blobs);
        MeshContent.Check(mesh, memo, "meshes[0]");
        string indices = mesh.Primitives[0].Indices;
        Assert.Equal(new[] { indices }, memo.Read);
        memo.Read.Clear();
        MeshContent.Check(mesh, memo, "meshes[0]"); // a vertex edit keeping its indices
        Assert.Empty(memo.Read);
        var two = new Dictionary<string, string> { [MeshSemantics.Position] = InlineMesh.Floats(new float[] { 0, 0, 0, 1, 0, 0 }, 3, _blobs) };
        var e = Assert.Throws<MeshContentException>(() => MeshContent.Check(mesh with { VertexCount = 2, Attributes = two }, memo, "meshes[0]"));
        Assert.Equal(MeshContentException.IndexRange, e.Code); // the bound does not fit: read again, refused as before
        Assert.Contains("index 2 at 2", e.Reason);
    }

    [Fact]
    public void a_mesh_whose_blobs_fit_is_accepted() => MeshContent.Check(Triangle(normals: new float[] { 0, 0, 1, 0, 0, 1, 0, 0, 1 }), _blobs, "meshes[0]");

    [Fact]
    public void a_blob_in_no_store_is_blob_missing()
    {
        var mesh = Triangle();
        var e = Assert.Throws<MeshContentException>(() => MeshContent.Check(mesh, new BlobMemory(), "meshes[2]"));
        Assert.Equal((MeshContentException.BlobMissing, "meshes[2].attributes.POSITION"), (e.Code, e.Path));
    }

    [Fact]
    public void an_attribute_of_the_wrong_count_is_blob_shape()
    {
        var e = Assert.Throws<MeshContentException>(() => MeshContent.Check(Triangle(normals: new float[] { 0, 0, 1, 0, 0, 1 }), _blobs, "meshes[0]"));
        Assert.Equal((MeshContentException.BlobShape, "meshes[0].attributes.NORMAL"), (e.Code, e.Path));
    }

    [Fact]
    public void an_attribute_of_the_wrong_components_is_blob_shape()
    {
        var mesh = Triangle();
        var uv3 = InlineMesh.Floats(new float[] { 0, 0, 0, 1, 0, 0, 0, 1, 0 }, 3, _blobs); // TEXCOORD is 2 per vertex
        var bad = mesh with { Attributes = new Dictionary<string, string>(mesh.Attributes) { [MeshSemantics.TexCoord(0)] = uv3 } };
        var e = Assert.Throws<MeshContentException>(() => MeshContent.Check(bad, _blobs, "meshes[0]"));
        Assert.Equal((MeshContentException.BlobShape, "meshes[0].attributes.TEXCOORD_0"), (e.Code, e.Path));
    }

    [Fact]
    public void indices_that_are_not_whole_triangles_or_beyond_the_vertices_are_index_range()
    {
        var e = Assert.Throws<MeshContentException>(() => MeshContent.Check(Triangle(new uint[] { 0, 1 }), _blobs, "operations[0]"));
        Assert.Equal((MeshContentException.IndexRange, "operations[0].primitives[0].indices"), (e.Code, e.Path));
        e = Assert.Throws<MeshContentException>(() => MeshContent.Check(Triangle(new uint[] { 0, 1, 3 }), _blobs, "operations[0]"));
        Assert.Equal(MeshContentException.IndexRange, e.Code);
        Assert.Contains("index 3 at 2", e.Reason);
    }

    [Fact]
    public void a_float_blob_as_indices_is_blob_shape()
    {
        var mesh = Triangle();
        var bad = mesh with { Primitives = new[] { new MeshPrimitive(0, mesh.Attributes[MeshSemantics.Position]) } };
        var e = Assert.Throws<MeshContentException>(() => MeshContent.Check(bad, _blobs, "meshes[0]"));
        Assert.Equal((MeshContentException.BlobShape, "meshes[0].primitives[0].indices"), (e.Code, e.Path));
    }

    [Fact]
    public void a_record_hash_covers_each_array_by_its_id_only()
    {
        var a = Triangle();
        var moved = a with { Attributes = new Dictionary<string, string> { [MeshSemantics.Position] = InlineMesh.Floats(new float[] { 0, 0, 0, 2, 0, 0, 0, 1, 0 }, 3, _blobs) } };
        Assert.NotEqual(Convert.ToHexString(RecordEncoder.Encode(a)), Convert.ToHexString(RecordEncoder.Encode(moved)));
        Assert.Equal(RecordEncoder.MeshTag, RecordEncoder.Encode(a)[0]);
        Assert.True(RecordEncoder.Encode(a).Length < 200); // 32 bytes per array whatever its size
        Assert.Equal(a, Triangle()); // value equality over the collections
    }
}
