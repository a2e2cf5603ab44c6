using System.Text.Json;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;
using VibeSync.Protocol.Tests.Support;

namespace VibeSync.Protocol.Tests.Link;

/// <summary>testdata/link_vectors.json, written by the Python twin: both sides derive the same keys and write the same HELLO.</summary>
public sealed class LinkVectorTests
{
    private static readonly JsonElement Vectors = JsonDocument.Parse(File.ReadAllText(RepoPaths.TestData("link_vectors.json"))).RootElement;

    [Fact]
    public void session_keys_match_the_vectors()
    {
        int n = 0;
        foreach (var c in Vectors.GetProperty("session_keys").EnumerateArray())
        {
            var keys = SessionKeys.Derive(Hex.Decode(c.GetProperty("bootstrap_key").GetString()!), Hex.Decode(c.GetProperty("client_nonce").GetString()!),
                Hex.Decode(c.GetProperty("server_nonce").GetString()!), c.GetProperty("engine").GetString()!, c.GetProperty("session_id").GetString()!,
                c.GetProperty("epoch").GetInt32());
            Assert.Equal(c.GetProperty("client_to_server").GetString(), Hex.Encode(keys.ClientToServer));
            Assert.Equal(c.GetProperty("server_to_client").GetString(), Hex.Encode(keys.ServerToClient));
            n++;
        }
        Assert.True(n >= 5);
    }

    [Fact]
    public void hello_payloads_match_byte_for_byte_and_read_back()
    {
        foreach (var c in Vectors.GetProperty("hellos").EnumerateArray())
        {
            var hello = new Hello(c.GetProperty("engine").GetString()!, c.GetProperty("protocol").GetString()!, c.GetProperty("adapter").GetString()!,
                c.GetProperty("project_id").GetString()!, c.GetProperty("schema").GetInt32(), Hex.Decode(c.GetProperty("client_nonce").GetString()!),
                c.GetProperty("generation").GetInt64(), c.GetProperty("file").GetString()!);
            Assert.Equal(c.GetProperty("json").GetString(), hello.ToJson());
            var back = Hello.Parse(hello.ToJson());
            Assert.Equal((hello.Engine, hello.ProjectId, hello.Schema, hello.Generation, hello.File), (back.Engine, back.ProjectId, back.Schema, back.Generation, back.File));
            Assert.Equal(hello.ClientNonce, back.ClientNonce);
        }
    }

    [Fact]
    public void welcome_payloads_match_byte_for_byte_and_read_back()
    {
        int n = 0;
        foreach (var c in Vectors.GetProperty("welcomes").EnumerateArray())
        {
            var limits = c.GetProperty("limits");
            var welcome = new Welcome(c.GetProperty("session_id").GetString()!, Hex.Decode(c.GetProperty("server_nonce").GetString()!), c.GetProperty("protocol").GetString()!,
                c.GetProperty("heartbeat_ms").GetInt64(), c.GetProperty("heartbeat_timeout_ms").GetInt64(), c.GetProperty("project_id").GetString()!,
                c.GetProperty("schema").GetInt32(), new LinkLimits(limits.GetProperty("frame_bytes").GetInt64(), limits.GetProperty("mesh_vertices").GetInt64(),
                    limits.GetProperty("blob_bytes").GetInt64(), limits.GetProperty("chunk_bytes").GetInt64()))
            { Tangents = c.TryGetProperty("tangents", out var t) && t.GetBoolean() };
            Assert.Equal(c.GetProperty("json").GetString(), welcome.ToJson());
            var back = Welcome.Parse(welcome.ToJson());
            Assert.Equal((welcome.ProjectId, welcome.Schema, welcome.Limits, welcome.Tangents), (back.ProjectId, back.Schema, back.Limits, back.Tangents));
            n++;
        }
        Assert.True(n >= 1);
    }

    [Fact]
    public void a_welcome_whose_tangent_policy_is_not_a_boolean_is_refused_at_tangents()
    {
        var json = Vectors.GetProperty("welcomes")[0].GetProperty("json").GetString()!;
        var e = Assert.Throws<JsonFieldException>(() => Welcome.Parse(json[..^1] + ", \"tangents\": 1}"));
        Assert.Equal("tangents", e.Path);
        Assert.False(Welcome.Parse(json).Tangents); // absent: off, as Blender's glTF exporter's default
    }

    [Theory]
    [InlineData("{\"engine\": \"blender\", \"protocol\": \"1.1\", \"adapter\": \"a\", \"project_id\": \"\", \"schema\": 1, \"client_nonce\": \"0000000000000000000000000000000000000000000000000000000000000000\", \"generation\": 1}", "file")]
    [InlineData("{\"engine\": \"blender\", \"protocol\": \"1.1\", \"adapter\": \"a\", \"project_id\": \"\", \"schema\": -1, \"client_nonce\": \"0000000000000000000000000000000000000000000000000000000000000000\", \"generation\": 1, \"file\": \"\"}", "schema")]
    public void a_hello_without_its_file_or_with_a_negative_schema_is_refused(string json, string path)
    {
        var e = Assert.Throws<JsonFieldException>(() => Hello.Parse(json));
        Assert.Equal(path, e.Path);
    }

    [Fact]
    public void not_synced_items_are_read_strictly_and_written_back_alike()
    {
        var items = new[] { new NotSyncedItem("Rig", "ARMATURE", "UNSUPPORTED_TYPE", "armatures sync in a later version", null),
            new NotSyncedItem("Scan ✓", "MESH", "RESOURCE_LIMIT", "490,000 vertices > 400,000", "5a1d0000-0000-4000-8000-000000000001") };
        var json = NotSyncedItem.PayloadJson(items);
        var o = (VibeSync.Protocol.Json.JsonObject)VibeSync.Protocol.Json.JsonParser.Parse(json);
        Assert.Equal(items, NotSyncedItem.ReadList(o.Get("items")!, "items"));
        var bad = Assert.Throws<JsonFieldException>(() => NotSyncedItem.ReadList(VibeSync.Protocol.Json.JsonParser.Parse(
            "[{\"name\": \"x\", \"type\": \"CURVE\", \"code\": \"SOMETHING\", \"reason\": \"r\"}]"), "items"));
        Assert.Equal("items[0].code", bad.Path);
        bad = Assert.Throws<JsonFieldException>(() => NotSyncedItem.ReadList(VibeSync.Protocol.Json.JsonParser.Parse(
            "[{\"name\": \"x\", \"type\": \"CURVE\", \"code\": \"READ_FAILED\", \"reason\": \"r\", \"extra\": 1}]"), "items"));
        Assert.Equal("items[0].extra", bad.Path);
    }

    [Fact]
    public void version_skew_rules_match_the_vectors()
    {
        foreach (var c in Vectors.GetProperty("versions").EnumerateArray())
            Assert.Equal(c.GetProperty("compatible").GetBoolean(),
                ProtocolVersion.Incompatibility(c.GetProperty("ours").GetString()!, c.GetProperty("peer").GetString()!) == null);
    }

    [Fact]
    public void sessions_and_directions_never_share_a_key()
    {
        var key = new byte[32];
        var a = SessionKeys.Derive(key, new byte[32], new byte[32], Engines.Blender, new string('a', 32), 0);
        var b = SessionKeys.Derive(key, new byte[32], new byte[32], Engines.Unity, new string('a', 32), 0);
        var c = SessionKeys.Derive(key, new byte[32], new byte[32], Engines.Blender, new string('a', 32), 1);
        var all = new[] { a.ClientToServer, a.ServerToClient, b.ClientToServer, b.ServerToClient, c.ClientToServer, c.ServerToClient }.Select(k => Hex.Encode(k)).ToArray();
        Assert.Equal(all.Length, all.Distinct().Count());
    }

    [Fact]
    public void the_sequence_guard_refuses_repeats_gaps_and_stale_clocks()
    {
        var guard = new SequenceGuard(2);
        Assert.Null(guard.Check(2, 1_000, 1_000, out _));
        Assert.Equal("BAD_SEQUENCE", guard.Check(2, 1_000, 1_000, out var repeat));
        Assert.Contains("replay", repeat);
        Assert.Equal("BAD_SEQUENCE", guard.Check(4, 1_000, 1_000, out _));
        Assert.Equal("STALE_TIMESTAMP", guard.Check(3, 1_000, 7_000, out _));
        Assert.Null(guard.Check(3, 1_000, 5_999, out _)); // a refused frame is not counted
    }
}
