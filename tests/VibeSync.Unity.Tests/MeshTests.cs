using System.Text;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Operations;
using VibeSync.Protocol.State;
using VibeSync.Unity.Adapter;
using VibeSync.Unity.Meshes;
using VibeSync.Unity.Simulator;

namespace VibeSync.Unity.Tests;

/// <summary>
/// Meshes of content schema 2 through the Unity core into the simulator's Unity-like Mesh and back:
/// index format, submeshes per slot, normals, UV channels, colours, tangents, blob names, refusals.
/// </summary>
public sealed class MeshTests
{
    private const string Cube = "5a1d0000-0000-4000-8000-000000000004";
    private const string Tri = "5a1d0000-0000-4000-8000-0000000000b1";
    private const string Made = "7a0c5e0e-1111-4222-8333-4444555566b1";
    private const string Obj = "7a0c5e0e-1111-4222-8333-444455556666";

    private readonly SimScene _scene = SimScene.Load(SimHost.DefaultScene);
    private readonly UnityAdapter _adapter;

    public MeshTests()
    {
        _adapter = new UnityAdapter(_scene);
        _adapter.Attach();
    }

    /// <summary>A canonical mesh: a strip of quads in the XY plane, <paramref name="vertices"/> vertices.</summary>
    private static MeshArrays Strip(int vertices, int slots = 1, bool normals = true, int uvSets = 1, bool colors = false, bool tangents = false)
    {
        var p = new float[vertices * 3];
        for (int i = 0; i < vertices; i++) { p[3 * i] = i / 2; p[3 * i + 1] = i % 2; p[3 * i + 2] = 0.25f * (i % 3); }
        float[] Per(int components, Func<int, int, float> value)
        {
            var a = new float[vertices * components];
            for (int i = 0; i < vertices; i++) for (int c = 0; c < components; c++) a[components * i + c] = value(i, c);
            return a;
        }
        var triangles = new List<uint>[slots];
        for (int s = 0; s < slots; s++) triangles[s] = new List<uint>();
        for (int q = 0; q + 3 < vertices; q += 2)
        {
            var t = triangles[(q / 2) % slots];
            t.AddRange(new uint[] { (uint)q, (uint)q + 2, (uint)q + 1, (uint)q + 1, (uint)q + 2, (uint)q + 3 });
        }
        return new MeshArrays(p,
            normals ? Per(3, (i, c) => c == 2 ? 0.6f : c == 0 ? 0.8f * (i % 2 == 0 ? 1 : -1) : 0) : null, // not what RecalculateNormals gives
            tangents ? Per(4, (i, c) => c == 0 ? 1 : c == 3 ? (i % 2 == 0 ? 1 : -1) : 0) : null,
            colors ? Per(4, (i, c) => c == 3 ? 1 : 0.1f * c + i % 7 * 0.05f) : null,
            Enumerable.Range(0, uvSets).Select(k => Per(2, (i, c) => c == 0 ? i * 0.001f + k : 0.5f - k * 0.1f)).ToList(),
            triangles.Select((t, s) => new SlotTriangles(s, t.ToArray())).Where(t => t.Indices.Length > 0).ToList());
    }

    /// <summary>The record of <paramref name="arrays"/>, its blobs handed to the core as the link would (Received).</summary>
    private Mesh Record(string id, MeshArrays arrays, IReadOnlyList<string>? derived = null) =>
        MeshRecords.Encode(id, arrays, derived ?? Array.Empty<string>(), (blob, shape, bytes) => _adapter.Received.Put(blob, shape, bytes));

    private (byte Type, string Body) Apply(ulong intent, params Operation[] operations) => Applying.Apply(_adapter, intent, operations);

    private Mesh ReadBack(string id) => _adapter.Canonical(new HashSet<string> { id }).Meshes.Single();

    private string Dump() => string.Join("\n", _scene.MeshIds().Select(id => id + "|" + _scene.MeshOf(id).Dump() + "|" + _scene.NotesOf(id)));

    [Fact]
    public void a_mesh_of_70000_vertices_gets_32_bit_indices_and_a_small_one_16()
    {
        var big = Record(Made, Strip(70_000));
        var (type, body) = Apply(1, new CreateMesh(big));
        Assert.True(type == MessageType.Applied, body);
        Assert.Equal(MeshIndexFormat.UInt32, _scene.MeshOf(Made).IndexFormat);
        Assert.Contains(69_999, _scene.MeshOf(Made).GetTriangles(0));
        Assert.Equal(big, ReadBack(Made));

        Assert.Equal(MessageType.Applied, Apply(2, new ReplaceMesh(Record(Made, Strip(100)))).Type);
        Assert.Equal(MeshIndexFormat.UInt16, _scene.MeshOf(Made).IndexFormat);
        Assert.Equal(MeshIndexFormat.UInt16, UnityMeshIo.FormatFor(65_535));
        Assert.Equal(MeshIndexFormat.UInt32, UnityMeshIo.FormatFor(65_536));
    }

    [Fact]
    public void the_simulated_mesh_refuses_an_index_above_65535_under_a_16_bit_format_as_unity_does()
    {
        var mesh = new SimMesh();
        mesh.SetVertices(new float[70_000 * 3]);
        Assert.Equal(MeshIndexFormat.UInt16, mesh.IndexFormat); // Unity's default
        Assert.Throws<ArgumentException>(() => mesh.SetTriangles(new[] { 0, 1, 69_999 }, 0));
        Assert.Throws<ArgumentException>(() => mesh.SetTriangles(new[] { 0, 1, 2 }, 1)); // submesh ≥ subMeshCount
        Assert.Throws<ArgumentException>(() => mesh.SetNormals(new float[3])); // one normal for 70,000 vertices
        mesh.IndexFormat = MeshIndexFormat.UInt32;
        mesh.SetTriangles(new[] { 0, 1, 69_999 }, 0);
        Assert.Throws<ArgumentException>(() => mesh.IndexFormat = MeshIndexFormat.UInt16); // its indices no longer fit
    }

    [Fact]
    public void a_mesh_of_three_slots_gets_three_submeshes_each_drawn_with_its_slots_material()
    {
        var record = Record(Made, Strip(40, slots: 3));
        string[] materials = _adapter.Canonical().Materials.Select(m => m.Uuid).ToArray();
        var slots = new string?[] { materials[0], null, materials[0] };
        var (type, body) = Apply(1, new CreateMesh(record),
            new CreateObject(Obj, "Three", ObjectKind.Mesh, null, Vector3d.Zero, Quaterniond.Identity, Vector3d.One, true, Made, slots));
        Assert.True(type == MessageType.Applied, body);
        var mesh = _scene.MeshOf(Made);
        Assert.Equal(3, mesh.SubMeshCount);
        var canonical = MeshRecords.Decode(record, _adapter.Received);
        for (int s = 0; s < 3; s++)
        {
            var expected = canonical.Primitives[s].Indices;
            var unity = mesh.GetTriangles(s);
            for (int i = 0; i < expected.Length; i += 3) Assert.Equal(new[] { (int)expected[i], (int)expected[i + 2], (int)expected[i + 1] }, unity[i..(i + 3)]);
        }
        // Unity draws submesh k with sharedMaterials[k]: the renderer holds the object's slots in order.
        var o = _scene.Objects().Single(x => x.Id == Obj);
        Assert.Equal(slots, o.Materials);
        Assert.Equal(record, ReadBack(Made));
    }

    [Fact]
    public void a_slot_no_triangle_uses_is_an_empty_submesh_and_reads_back_as_no_primitive()
    {
        var three = Strip(40, slots: 3);
        var gap = new MeshArrays(three.Positions, three.Normals, null, null, three.TexCoords, new[] { three.Primitives[0], three.Primitives[2] });
        var record = Record(Made, gap);
        Assert.Equal(MessageType.Applied, Apply(1, new CreateMesh(record)).Type);
        Assert.Equal(3, _scene.MeshOf(Made).SubMeshCount);
        Assert.Empty(_scene.MeshOf(Made).GetTriangles(1));
        Assert.Equal(new[] { 0, 2 }, ReadBack(Made).Primitives.Select(p => p.Material));
        Assert.Equal(record, ReadBack(Made));
    }

    [Fact]
    public void synced_normals_are_set_as_given_and_never_recalculated()
    {
        var arrays = Strip(12);
        var record = Record(Made, arrays);
        Assert.Equal(MessageType.Applied, Apply(1, new CreateMesh(record)).Type);
        var mesh = _scene.MeshOf(Made);
        Assert.Equal(0, mesh.RecalculateNormalsCalls);
        var normals = mesh.GetNormals();
        for (int i = 0; i < normals.Length; i += 3) Assert.Equal(new[] { -arrays.Normals![i], arrays.Normals[i + 1], arrays.Normals[i + 2] }, normals[i..(i + 3)]); // mirrored in x
        Assert.Equal(record.Attribute(MeshSemantics.Normal), ReadBack(Made).Attribute(MeshSemantics.Normal));
    }

    [Fact]
    public void a_mesh_without_normals_gets_unitys_recalculated_ones_and_reports_none()
    {
        var record = Record(Made, Strip(12, normals: false));
        Assert.Equal(MessageType.Applied, Apply(1, new CreateMesh(record)).Type);
        var mesh = _scene.MeshOf(Made);
        Assert.Equal(1, mesh.RecalculateNormalsCalls);
        Assert.NotEmpty(mesh.GetNormals()); // it shades in Unity
        Assert.Null(ReadBack(Made).Attribute(MeshSemantics.Normal));
        Assert.Equal(record, ReadBack(Made));
    }

    [Fact]
    public void uv_channels_0_to_2_colours_and_tangents_reach_unitys_channels_converted()
    {
        var arrays = Strip(16, uvSets: 3, colors: true, tangents: true);
        var record = Record(Made, arrays);
        Assert.Equal(MessageType.Applied, Apply(1, new CreateMesh(record)).Type);
        var mesh = _scene.MeshOf(Made);
        for (int k = 0; k < 3; k++) Assert.Equal(arrays.TexCoords[k], mesh.GetUVs(k)); // bottom-left origin in both
        Assert.Empty(mesh.GetUVs(3));
        Assert.Equal(arrays.Colors, mesh.GetColors()); // linear in both, as glTFast stores COLOR_0
        var t = mesh.GetTangents();
        for (int i = 0; i < t.Length; i += 4)
            Assert.Equal(new[] { -arrays.Tangents![i], arrays.Tangents[i + 1], arrays.Tangents[i + 2], -arrays.Tangents[i + 3] }, t[i..(i + 4)]);
        Assert.Equal(new[] { "COLOR_0", "NORMAL", "POSITION", "TANGENT", "TEXCOORD_0", "TEXCOORD_1", "TEXCOORD_2" }, ReadBack(Made).SortedSemantics());
    }

    [Fact]
    public void canonical_to_unity_to_canonical_gives_the_same_blob_names_and_the_derived_list()
    {
        var record = Record(Made, Strip(30, slots: 2, uvSets: 2, colors: true, tangents: true), new[] { "Subdivision (SUBSURF)" });
        Assert.Equal(MessageType.Applied, Apply(1, new CreateMesh(record)).Type);
        var back = ReadBack(Made);
        Assert.Equal(record, back);
        Assert.Equal(record.BlobIds(), back.BlobIds());
        Assert.All(back.BlobIds(), id => Assert.True(_adapter.Meshes.Has(id))); // BLOB_WANT can be answered
    }

    [Fact]
    public void bad_content_is_refused_with_its_code_and_changes_nothing()
    {
        var good = Strip(12);
        var before = Dump();
        var rootBefore = _adapter.Canonical();

        var outOfRange = new MeshArrays(good.Positions, good.Normals, null, null, good.TexCoords, new[] { new SlotTriangles(0, new uint[] { 0, 1, 12 }) });
        AssertRefused("INDEX_RANGE", new ReplaceMesh(Record(Tri, outOfRange)));
        var notWhole = new MeshArrays(good.Positions, good.Normals, null, null, good.TexCoords, new[] { new SlotTriangles(0, new uint[] { 0, 1 }) });
        AssertRefused("INDEX_RANGE", new ReplaceMesh(Record(Tri, notWhole)));

        var record = Record(Tri, good);
        var shortNormals = record with { Attributes = new Dictionary<string, string>(record.Attributes) { [MeshSemantics.Normal] = Name(new float[9], 3) } };
        AssertRefused("BLOB_SHAPE", new ReplaceMesh(shortNormals)); // 3 normals for 12 vertices
        var missing = record with { Attributes = new Dictionary<string, string>(record.Attributes) { [MeshSemantics.Color0] = new string('a', 64) } };
        AssertRefused("BLOB_MISSING", new ReplaceMesh(missing));
        // A good create followed by a bad replace in the same intent: the create is undone too.
        AssertRefused("INDEX_RANGE", new CreateMesh(Record(Made, good)), new ReplaceMesh(Record(Tri, outOfRange)));

        Assert.Equal(before, Dump());
        Assert.Equal(rootBefore.Meshes, _adapter.Canonical().Meshes);

        void AssertRefused(string code, params Operation[] ops)
        {
            var (type, body) = Apply(7, ops);
            Assert.Equal(MessageType.Error, type);
            Assert.Contains($"\"code\": \"{code}\"", body);
            Assert.DoesNotContain(7UL, _adapter.ProvisionalIntents);
        }

        string Name(float[] values, int components)
        {
            var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
            var shape = new BlobShape(BlobElement.F32, components, values.Length / components);
            var id = BlobId.Of(shape, bytes);
            _adapter.Received.Put(id, shape, bytes);
            return id;
        }
    }

    [Fact]
    public void a_replaced_mesh_is_restored_exactly_by_rollback()
    {
        var before = Dump();
        var rootBefore = _adapter.Canonical().Meshes.Single(m => m.Uuid == Tri);
        Assert.Equal(MessageType.Applied, Apply(1, new ReplaceMesh(Record(Tri, Strip(20, slots: 2, uvSets: 2, colors: true)))).Type);
        Assert.NotEqual(before, Dump());
        Assert.Equal(MessageType.Ack, _adapter.Rollback(1).Type);
        Assert.Equal(before, Dump());
        Assert.Equal(rootBefore, ReadBack(Tri));
    }

    [Fact]
    public void a_transform_edit_neither_reads_nor_names_a_mesh_again()
    {
        Assert.Equal(MessageType.Applied, Apply(1, new CreateMesh(Record(Made, Strip(70_000)))).Type);
        _adapter.Tick();
        int reads = _adapter.Meshes.Reads;
        var cube = _scene.Objects().Single(o => o.Id == Cube);
        _scene.Write(cube with { LocalPosition = new Vector3d(3, 2, 1) }); // a human drags the cube
        var edit = _adapter.Tick();
        Assert.Contains("set_transform", edit);
        Assert.Equal(MessageType.Applied, Apply(2, new SetTransform(Cube, new Vector3d(1, 1, 1), null, null)).Type);
        _adapter.Tick();
        Assert.Equal(reads, _adapter.Meshes.Reads);
    }

    [Fact]
    public void an_applied_mesh_that_reads_back_as_written_is_reported_with_its_names_unhashed()
    {
        var record = Record(Tri, Strip(300, slots: 2, uvSets: 2, colors: true, tangents: true));
        int named = _adapter.Meshes.Named;
        Assert.Equal(MessageType.Applied, Apply(1, new ReplaceMesh(record)).Type);
        Assert.Equal(record, ReadBack(Tri));
        Assert.Equal(named, _adapter.Meshes.Named);
        Assert.Null(_adapter.Tick()); // and it is no edit
        foreach (var id in record.BlobIds()) Assert.True(_adapter.Meshes.Has(id)); // the BLOB_WANT of a later report is answered
        Assert.Equal(MessageType.Ack, _adapter.Rollback(1).Type);
        Assert.Equal(named, _adapter.Meshes.Named); // what was there before is restored as its own record
    }

    [Fact]
    public void a_held_record_describes_only_arrays_bit_equal_to_its_blobs()
    {
        var arrays = Strip(300, slots: 2, uvSets: 2, colors: true);
        var held = HeldMesh.Of(Record(Tri, arrays), _adapter.Received);
        MeshArrays With(float[]? positions = null, float[]? normals = null, bool dropNormals = false, uint[]? firstIndices = null) =>
            new(positions ?? arrays.Positions, dropNormals ? null : normals ?? arrays.Normals, arrays.Tangents, arrays.Colors, arrays.TexCoords,
                arrays.Primitives.Select((p, j) => j == 0 && firstIndices != null ? new SlotTriangles(p.Slot, firstIndices) : p).ToList());
        float[] Nudged(float[] a, float by) { var b = (float[])a.Clone(); b[4] += by; return b; }
        Assert.True(held.Describes(With(), Array.Empty<string>()));
        Assert.False(held.Describes(With(positions: Nudged(arrays.Positions, 0.5f)), Array.Empty<string>()));
        Assert.False(held.Describes(With(normals: Nudged(arrays.Normals!, 0.1f)), Array.Empty<string>()));
        Assert.False(held.Describes(With(dropNormals: true), Array.Empty<string>()));
        var swapped = (uint[])arrays.Primitives[0].Indices.Clone();
        (swapped[0], swapped[1]) = (swapped[1], swapped[0]);
        Assert.False(held.Describes(With(firstIndices: swapped), Array.Empty<string>()));
        Assert.False(held.Describes(With(), new[] { "Subdivision (SUBSURF)" }));
        var negativeZero = (float[])arrays.Positions.Clone();
        negativeZero[2] = -0f; // 0.0 in the blob: a different bit pattern, though equal as a number
        Assert.Equal(0f, arrays.Positions[2]);
        Assert.False(held.Describes(With(positions: negativeZero), Array.Empty<string>()));
    }

    [Fact]
    public void a_mesh_changed_in_unity_itself_is_reported_as_replace_mesh_with_its_new_blobs()
    {
        var mesh = _scene.MeshOf(Tri);
        var colors = Enumerable.Repeat(0.5f, 4 * mesh.VertexCount).ToArray();
        mesh.SetColors(colors); // e.g. a vertex paint tool in Unity
        var edit = _adapter.Tick()!;
        Assert.Contains("replace_mesh", edit);
        var color = ReadBack(Tri).Attribute(MeshSemantics.Color0)!;
        Assert.Contains(color, edit);
        Assert.True(_adapter.Meshes.TryGet(color, out var shape, out _));
        Assert.Equal(new BlobShape(BlobElement.F32, 4, mesh.VertexCount), shape);
    }

    [Fact]
    public void a_scene_file_carries_record_meshes_with_their_blobs_beside_it()
    {
        var dir = Directory.CreateTempSubdirectory("vibesync-simmesh-");
        try
        {
            Assert.Equal(MessageType.Applied, Apply(1, new CreateMesh(Record(Made, Strip(24, slots: 2, uvSets: 2, colors: true, tangents: true)))).Type);
            var scene = _adapter.Canonical();
            var file = Path.Combine(dir.FullName, "scene.json");
            BlobFolder.Write(BlobFolder.DirectoryOf(file), scene.Meshes.SelectMany(m => m.BlobIds()), _adapter.Meshes);
            File.WriteAllText(file, VibeSync.Protocol.SceneJson.SceneJsonWriter.Write(scene, VibeSync.Protocol.Spaces.Space.Unity));
            var loaded = new UnityAdapter(SimScene.Load(File.ReadAllText(file), BlobFolder.Read(BlobFolder.DirectoryOf(file))));
            loaded.Attach();
            Assert.Equal(scene.Meshes, loaded.Canonical().Meshes);
            var broken = Assert.Throws<VibeSync.Protocol.SceneJson.SceneFormatException>(() => SimScene.Load(File.ReadAllText(file)));
            Assert.Contains("BLOB_MISSING", broken.Message + (broken.InnerException?.Message ?? ""), StringComparison.Ordinal);
        }
        finally { dir.Delete(true); }
    }
}
