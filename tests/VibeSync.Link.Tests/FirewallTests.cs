using System.Text.Json;
using VibeSync.Link.Firewall;
using VibeSync.Link.Tests.Support;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Operations;

namespace VibeSync.Link.Tests;

/// <summary>
/// Issue #16 item 7: the firewall judges what an engine could execute, not names. The blocked
/// patterns apply to the code fields only (none in protocol 1), the same list the adapter audits
/// and docs/protocol.md states; testdata/firewall_vectors.json pins both halves.
/// </summary>
public sealed class FirewallTests
{
    private static readonly JsonElement Vectors = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "testdata", "firewall_vectors.json"))).RootElement;

    private static IEnumerable<string> Names => Vectors.GetProperty("names").EnumerateArray().Select(n => n.GetString()!);

    private static JsonObject Payload(string json) => (JsonObject)JsonParser.Parse(json);

    [Fact]
    public void protocol_1_has_no_code_field_and_the_adapter_and_the_docs_say_the_same()
    {
        Assert.Empty(CodeFields.All);
        Assert.Equal(CodeFields.All.Select(f => $"{f.Type} {f.Path}"), Vectors.GetProperty("code_fields").EnumerateArray().Select(f => $"{f[0].GetInt32()} {f[1].GetString()}"));
        var protocol = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "protocol.md"));
        var checks = protocol[protocol.IndexOf("### 11.3", StringComparison.Ordinal)..protocol.IndexOf("### 11.4", StringComparison.Ordinal)];
        Assert.Contains("Code fields in protocol 1: none", checks);
        foreach (var field in CodeFields.All) Assert.Contains($"`{field.Path}`", checks);
    }

    [Fact]
    public void names_are_data_wherever_they_are_reported_and_admitted_alike()
    {
        foreach (var name in Names)
        {
            string quoted = JsonSerializer.Serialize(name);
            var rename = $"{{\"operations\": [{{\"op\": \"rename\", \"uuid\": \"00000000-0000-4000-8000-000000000004\", \"name\": {quoted}}}], \"rationale\": {quoted}}}";
            Assert.Null(CodeFields.Find(MessageType.Edit, Payload(rename)));
            Assert.Equal(name, ((Rename)OperationReader.Read(rename).Operations[0]).NewName); // admission reads the same operation, and takes the name
            var scene = $"{{\"generation\": 1, \"root\": \"{new string('0', 64)}\", \"file\": {quoted}, \"scene\": {{\"objects\": [{{\"uuid\": \"00000000-0000-4000-8000-000000000004\", \"name\": {quoted}}}], \"materials\": [{{\"name\": {quoted}}}]}}}}";
            Assert.Null(CodeFields.Find(MessageType.Scene, Payload(scene)));
            Assert.Null(CodeFields.Find(MessageType.State, Payload(scene.Replace("\"generation\": 1", "\"re\": 7"))));
            var notSynced = $"{{\"items\": [{{\"name\": {quoted}, \"type\": \"CURVE\", \"code\": \"UNSUPPORTED_TYPE\", \"reason\": {quoted}}}]}}";
            Assert.Null(CodeFields.Find(MessageType.NotSynced, Payload(notSynced)));
        }
    }

    [Fact]
    public void a_code_field_is_judged_by_the_blocked_patterns_and_nothing_beside_it_is()
    {
        var fields = new[] { new CodeField(MessageType.Edit, "operations[].expression", "a driver engine (a test field)") };
        var payload = Payload("""{"operations": [{"op": "x", "name": "__import__('os')", "expression": "frame * 2"}, {"op": "x", "name": "Rock__01__LOD", "expression": "__import__('os').system('x')"}]}""");
        var hit = CodeFields.Find(payload, fields);
        Assert.Equal(("operations[1].expression", "__import__"), hit);
        Assert.Null(CodeFields.Find(Payload("""{"operations": [{"name": "os.system(x)", "expression": "sin(frame)"}]}"""), fields));
        Assert.Null(CodeFields.Find(Payload("""{"operations": {"expression": "eval('1')"}}"""), fields)); // not the declared shape: a schema matter, not a match
    }

    [Fact]
    public void an_expression_the_adapter_allows_is_never_blocked_and_one_the_link_blocks_the_adapter_refuses()
    {
        foreach (var e in Vectors.GetProperty("expressions").EnumerateArray())
        {
            string text = e.GetProperty("text").GetString()!;
            bool blocked = BlockedPatterns.Match(text) != null;
            Assert.True(blocked == e.GetProperty("blocked").GetBoolean(), $"{text}: the link's patterns say blocked = {blocked}");
            Assert.False(blocked && e.GetProperty("allowed").GetBoolean(), $"{text} is allowed by the adapter's audit but blocked by the link");
        }
    }
}
