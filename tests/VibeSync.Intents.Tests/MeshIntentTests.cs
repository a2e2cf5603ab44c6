using VibeSync.Intents.Pipeline;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.State;
using VibeSync.Protocol.Intents;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

/// <summary>
/// create_mesh / replace_mesh of content schema 2 (CONTENT-V2 §2–§3): inline meshes become blobs in
/// the store before they are journaled, records are checked against their blobs, derived meshes
/// belong to Blender, an AI reaches only blobs it may see, and limits hold.
/// </summary>
public sealed class MeshIntentTests : ClockedPipeline
{
    private const string NewMesh = "6e300000-0000-4000-8000-000000000001";
    private static readonly Actor BlenderHuman = new(ActorKind.Human, "blender");
    private readonly BlobMemory _store = new();
    private BlobMemory? _options;

    private protected override PipelineOptions Options => new() { Blobs = _options ??= _store, Limits = new AdmissionLimits { MaxMeshVertices = 100, MaxBlobBytes = 1024 } };

    private async Task<IntentOutcome> SettleAsync(IntentRequest request, Actor actor, string? origin = null)
    {
        var ticket = Pipeline.Submit(request, actor, origin: origin);
        await ticket.Provisional.WaitAsync(Patience);
        await Elapse(1000);
        return await WhileTimePassesAsync(ticket.Settled);
    }

    private string Floats(params float[] values) => InlineMesh.Floats(values, 3, _store);

    private string Indices(params uint[] values) => InlineMesh.Indices(values, _store);

    private static string Record(string op, string uuid, int vertices, string position, string indices, string derived = "[]") =>
        $"{{\"op\": \"{op}\", \"uuid\": \"{uuid}\", \"vertex_count\": {vertices}, \"attributes\": {{\"POSITION\": \"{position}\"}}, " +
        $"\"primitives\": [{{\"material\": 0, \"indices\": \"{indices}\"}}], \"derived\": {derived}}}";

    private string Triangle(string op, string uuid, string derived = "[]") =>
        Record(op, uuid, 3, Floats(0, 0, 0, 1, 0, 0, 0, 1, 0), Indices(0, 1, 2), derived);

    [Fact]
    public async Task an_inline_mesh_is_put_into_the_store_and_journaled_as_its_record()
    {
        var request = OperationReader.Read("{\"operations\": [{\"op\": \"create_mesh\", \"uuid\": \"" + NewMesh +
            "\", \"positions\": [[0, 0, 0], [2, 0, 0], [0, 2, 0]], \"triangles\": [[0, 1, 2]]}]}", Pipeline.SinkFor(Human));
        var position = BlobId.OfFloats(new float[] { 0, 0, 0, 2, 0, 0, 0, 2, 0 }, 3);
        Assert.True(_store.Has(position)); // before the intent is even submitted
        var done = await SettleAsync(request, Human);
        Assert.Equal(IntentPhase.Final, done.Phase);
        var mesh = Pipeline.Reality.Meshes[NewMesh];
        Assert.Equal((3, position), (mesh.VertexCount, mesh.Attribute(MeshSemantics.Position)));
        Assert.Contains("vertex_count", Entries(done.IntentId).First().OperationJson);
        Assert.DoesNotContain("positions", Entries(done.IntentId).First().OperationJson);
    }

    [Fact]
    public async Task a_record_naming_a_blob_in_no_store_is_refused_as_blob_missing_and_changes_nothing()
    {
        var absent = new string('e', 64);
        var refused = await SettleAsync(Intent(Record("create_mesh", NewMesh, 3, absent, Indices(0, 1, 2))), Human);
        Assert.Equal(IntentPhase.Refused, refused.Phase);
        Assert.Contains("BLOB_MISSING at operations[0].attributes.POSITION", refused.Reason);
        Assert.False(Pipeline.Reality.Meshes.ContainsKey(NewMesh));
        Assert.Equal(0, Blender.Applies);
    }

    [Fact]
    public async Task indices_beyond_the_vertices_are_index_range_and_a_short_attribute_is_blob_shape()
    {
        var range = await SettleAsync(Intent(Record("create_mesh", NewMesh, 3, Floats(0, 0, 0, 1, 0, 0, 0, 1, 0), Indices(0, 1, 3))), Human);
        Assert.Contains("INDEX_RANGE at operations[0].primitives[0].indices", range.Reason);
        var shape = await SettleAsync(Intent(Record("create_mesh", NewMesh, 4, Floats(0, 0, 0, 1, 0, 0, 0, 1, 0), Indices(0, 1, 2))), Human);
        Assert.Contains("BLOB_SHAPE at operations[0].attributes.POSITION", shape.Reason);
        Assert.False(Pipeline.Reality.Meshes.ContainsKey(NewMesh));
    }

    [Fact]
    public async Task an_ai_naming_a_blob_it_did_not_put_and_no_visible_mesh_uses_is_told_it_is_missing()
    {
        // A human's upload that no record names yet: it exists, but not for the AI.
        string theirs = Floats(5, 5, 5, 6, 5, 5, 5, 6, 5), indices = Indices(0, 1, 2);
        var ai = await SettleAsync(Intent(Record("create_mesh", NewMesh, 3, theirs, indices)), Ai);
        var absent = await SettleAsync(Intent(Record("create_mesh", NewMesh, 3, new string('e', 64), indices)), Ai);
        Assert.Equal(IntentPhase.Refused, ai.Phase);
        Assert.Equal(absent.Reason.Replace(new string('e', 64), theirs), ai.Reason); // the same words as a blob nobody has
        Assert.Contains("BLOB_MISSING", ai.Reason);
        // What it put itself, it may name (the inline form counts as its upload).
        var own = OperationReader.Read("{\"operations\": [{\"op\": \"create_mesh\", \"uuid\": \"" + NewMesh +
            "\", \"positions\": [[0, 0, 0], [3, 0, 0], [0, 3, 0]], \"triangles\": [[0, 1, 2]]}], \"rationale\": \"a mesh\"}", Pipeline.SinkFor(Ai));
        var mine = Pipeline.Submit(own, Ai);
        var outcome = await mine.Provisional.WaitAsync(Patience);
        Assert.NotEqual(IntentPhase.Refused, outcome.Phase);
    }

    [Fact]
    public async Task a_derived_mesh_is_replaced_only_from_blender()
    {
        var made = await SettleAsync(Intent(Triangle("create_mesh", NewMesh, "[\"Subdivision (SUBSURF)\"]")), BlenderHuman, origin: "blender");
        Assert.Equal(IntentPhase.Final, made.Phase);
        Assert.True(Pipeline.Reality.Meshes[NewMesh].IsDerived);
        foreach (var (actor, origin) in new[] { (Ai, (string?)null), (Human, null), (new Actor(ActorKind.Human, "unity"), "unity"), (new Actor(ActorKind.Engine, "unity"), null) })
        {
            var refused = await SettleAsync(Intent(Triangle("replace_mesh", NewMesh)), actor, origin);
            Assert.Equal(IntentPhase.Refused, refused.Phase);
            Assert.Contains("DERIVED_MESH at operations[0].uuid", refused.Reason);
            Assert.Contains("Subdivision (SUBSURF)", refused.Reason);
        }
        var fromBlender = await SettleAsync(Intent(Record("replace_mesh", NewMesh, 3, Floats(0, 0, 0, 4, 0, 0, 0, 4, 0), Indices(0, 1, 2))), BlenderHuman, origin: "blender");
        Assert.Equal(IntentPhase.Final, fromBlender.Phase);
        Assert.False(Pipeline.Reality.Meshes[NewMesh].IsDerived);
    }

    [Fact]
    public async Task an_object_moves_onto_its_derived_mesh_and_back_only_from_blender()
    {
        const string Authored = "6e300000-0000-4000-8000-000000000002";
        var cubeMesh = Pipeline.Reality.Meshes[CubeMesh];
        // Blender: the Cube gained a Subdivision modifier; it shows its own evaluated mesh now, and
        // the authored mesh it no longer uses leaves Reality as it left Blender's report.
        var gained = await SettleAsync(Intent(Triangle("create_mesh", NewMesh, "[\"Subdivision (SUBSURF)\"]"),
            $"{{\"op\": \"set_mesh\", \"uuid\": \"{Cube}\", \"mesh\": \"{NewMesh}\"}}"), BlenderHuman, origin: "blender");
        Assert.Equal(IntentPhase.Final, gained.Phase);
        Assert.Equal(NewMesh, Pipeline.Reality.Objects[Cube].Mesh);
        Assert.Equal(new string?[] { Red }, Pipeline.Reality.Objects[Cube].Materials); // slots stay the object's
        Assert.False(Pipeline.Reality.Meshes.ContainsKey(CubeMesh));
        // Nobody else may point another object at a derived mesh: it is one object's evaluated geometry.
        var onto = await SettleAsync(Intent(Create("Twin", NewMesh)), new Actor(ActorKind.Human, "unity"), "unity");
        Assert.Contains("DERIVED_MESH at operations[0].mesh", onto.Reason);
        foreach (var (actor, origin) in new[] { (Ai, (string?)null), (Human, null), (new Actor(ActorKind.Human, "unity"), "unity") })
        {
            var off = await SettleAsync(Intent(Triangle("create_mesh", Authored), $"{{\"op\": \"set_mesh\", \"uuid\": \"{Cube}\", \"mesh\": \"{Authored}\"}}"), actor, origin);
            Assert.Contains("DERIVED_MESH at operations[1].uuid", off.Reason);
            Assert.Contains("Subdivision (SUBSURF)", off.Reason);
        }
        // The modifier removed: Blender reports the authored mesh again under its own ID (pruned
        // records are not tombstoned), and the derived one leaves with its only user.
        var back = await SettleAsync(Intent(Record("create_mesh", CubeMesh, cubeMesh.VertexCount, cubeMesh.Attributes["POSITION"], cubeMesh.Primitives[0].Indices),
            $"{{\"op\": \"set_mesh\", \"uuid\": \"{Cube}\", \"mesh\": \"{CubeMesh}\"}}"), BlenderHuman, origin: "blender");
        Assert.Equal(IntentPhase.Final, back.Phase);
        Assert.Equal(CubeMesh, Pipeline.Reality.Objects[Cube].Mesh);
        Assert.False(Pipeline.Reality.Meshes.ContainsKey(NewMesh));
    }

    private static string Create(string name, string mesh) =>
        $"{{\"op\": \"create_object\", \"uuid\": \"{Fresh}\", \"name\": \"{name}\", \"kind\": \"mesh\", \"parent\": null, " +
        $"\"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1], \"mesh\": \"{mesh}\"}}";

    [Fact]
    public async Task only_blender_reports_a_derived_mesh()
    {
        var refused = await SettleAsync(Intent(Triangle("create_mesh", NewMesh, "[\"curve\"]")), new Actor(ActorKind.Human, "unity"), origin: "unity");
        Assert.Contains("DERIVED_MESH at operations[0].derived", refused.Reason);
    }

    [Fact]
    public async Task a_mesh_over_the_vertex_or_blob_limit_is_resource_limit_naming_it()
    {
        var vertices = await SettleAsync(Intent(Record("create_mesh", NewMesh, 101, new string('e', 64), Indices(0, 1, 2))), Human);
        Assert.Contains("RESOURCE_LIMIT at operations[0].vertex_count", vertices.Reason);
        Assert.Contains("limits.max_mesh_vertices", vertices.Reason);
        var big = new float[90 * 3]; // 1,080 bytes: over the 1,024 of this pipeline
        var blob = await SettleAsync(Intent(Record("create_mesh", NewMesh, 90, InlineMesh.Floats(big, 3, _store), Indices(0, 1, 2))), Human);
        Assert.Contains("RESOURCE_LIMIT", blob.Reason);
        Assert.Contains("limits.max_blob_bytes", blob.Reason);
        Assert.False(Pipeline.Reality.Meshes.ContainsKey(NewMesh));
    }
}
