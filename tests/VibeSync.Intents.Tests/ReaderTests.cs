namespace VibeSync.Intents.Tests;

public sealed class ReaderTests
{
    private const string U = "00000000-0000-4000-8000-000000000001";

    [Theory]
    [InlineData("{\"operations\": []}", IntentErrorCode.InvalidValue, "operations")]
    [InlineData("{\"operations\": [", IntentErrorCode.Malformed, "json")]
    [InlineData("{\"operations\": [{\"op\": \"run_python\", \"uuid\": \"" + U + "\", \"code\": \"import os\"}]}", IntentErrorCode.UnknownOperation, "operations[0].op")]
    [InlineData("{\"operations\": [{\"op\": \"set_transform\", \"uuid\": \"" + U + "\", \"translation\": [1, 2, 3], \"driver\": \"os.system('x')\"}]}", IntentErrorCode.UnknownField, "operations[0].driver")]
    [InlineData("{\"operations\": [{\"op\": \"set_transform\", \"uuid\": \"" + U + "\"}]}", IntentErrorCode.InvalidValue, "operations[0]")]
    [InlineData("{\"operations\": [{\"op\": \"set_transform\", \"uuid\": \"" + U + "\", \"translation\": [1, 2, 1e400]}]}", IntentErrorCode.NonFinite, "operations[0].translation[2]")]
    [InlineData("{\"operations\": [{\"op\": \"set_transform\", \"uuid\": \"" + U + "\", \"translation\": [1, 2, NaN]}]}", IntentErrorCode.Malformed, "json")]
    [InlineData("{\"operations\": [{\"op\": \"set_transform\", \"uuid\": \"" + U + "\", \"translation\": [1, 2, 3e12]}]}", IntentErrorCode.NonFinite, "operations[0].translation")]
    [InlineData("{\"operations\": [{\"op\": \"set_transform\", \"uuid\": \"" + U + "\", \"rotation\": [0, 0, 0, 2]}]}", IntentErrorCode.InvalidValue, "operations[0].rotation")]
    [InlineData("{\"operations\": [{\"op\": \"set_visibility\", \"uuid\": \"" + U + "\"}]}", IntentErrorCode.MissingField, "operations[0].visible")]
    [InlineData("{\"operations\": [{\"op\": \"delete_object\", \"uuid\": \"" + U + "\", \"children\": \"whatever\"}]}", IntentErrorCode.InvalidValue, "operations[0].children")]
    [InlineData("{\"operations\": [{\"op\": \"replace_asset\", \"uuid\": \"" + U + "\", \"asset\": \"../../etc/passwd\"}]}", IntentErrorCode.InvalidValue, "operations[0].asset")]
    [InlineData("{\"operations\": [{\"op\": \"rename\", \"uuid\": \"NOT-A-UUID\", \"name\": \"x\"}]}", IntentErrorCode.InvalidValue, "operations[0].uuid")]
    [InlineData("{\"operations\": [{\"op\": \"rename\", \"uuid\": \"" + U + "\", \"name\": \"x\"}], \"based_on\": {\"" + U + "\": \"abc\"}}", IntentErrorCode.InvalidValue, "based_on." + U)]
    public void bad_intents_are_refused_with_a_code_and_the_path(string json, IntentErrorCode code, string path)
    {
        var e = Assert.Throws<IntentRefusedException>(() => OperationReader.Read(json));
        Assert.Equal(code, e.Code);
        Assert.Equal(path, e.Path);
    }

    [Fact]
    public void a_full_intent_reads_into_typed_operations()
    {
        var intent = OperationReader.Read("{\"operations\": [" +
            "{\"op\": \"set_transform\", \"uuid\": \"" + U + "\", \"translation\": [1, 2, 3], \"rotation\": [0, 0, 0.6, 0.8]}," +
            "{\"op\": \"replace_mesh\", \"uuid\": \"" + U + "\", \"positions\": [[0, 0, 0], [1, 0, 0], [0, 1, 0]], \"triangles\": [[0, 1, 2]], \"uv0\": [[0, 0], [1, 0], [0, 1]]}" +
            "], \"rationale\": \"tidy up\", \"based_on\": {\"" + U + "\": \"" + new string('a', 64) + "\"}}");
        var t = Assert.IsType<SetTransform>(intent.Operations[0]);
        Assert.Equal(3, t.Translation!.Value.Z);
        Assert.Null(t.Scale);
        Assert.Equal(0.8, t.Rotation!.Value.W);
        var m = Assert.IsType<ReplaceMesh>(intent.Operations[1]);
        // The inline form became the record (CONTENT-V2 §3): three vertices, POSITION and TEXCOORD_0, one primitive of slot 0.
        Assert.Equal(3, m.Mesh.VertexCount);
        Assert.Equal(new[] { "POSITION", "TEXCOORD_0" }, m.Mesh.SortedSemantics());
        Assert.Equal(0, Assert.Single(m.Mesh.Primitives).Material);
        Assert.Equal(m.Mesh.Attribute("POSITION"), VibeSync.Protocol.Blobs.BlobId.OfFloats(new float[] { 0, 0, 0, 1, 0, 0, 0, 1, 0 }, 3));
        Assert.Contains("\"vertex_count\": 3", intent.Json); // journaled as the record, not the arrays
        Assert.Equal("tidy up", intent.Rationale);
        Assert.Equal(new string('a', 64), intent.BasedOn[U]);
    }
}
