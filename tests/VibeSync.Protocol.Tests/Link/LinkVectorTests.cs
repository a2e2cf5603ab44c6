using System.Text.Json;
using VibeSync.Protocol.Hashing;
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
                c.GetProperty("generation").GetInt64());
            Assert.Equal(c.GetProperty("json").GetString(), hello.ToJson());
            var back = Hello.Parse(hello.ToJson());
            Assert.Equal((hello.Engine, hello.ProjectId, hello.Generation), (back.Engine, back.ProjectId, back.Generation));
            Assert.Equal(hello.ClientNonce, back.ClientNonce);
        }
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
