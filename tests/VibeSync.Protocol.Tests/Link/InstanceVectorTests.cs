using System.Text.Json;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Link;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.Tests.Support;

namespace VibeSync.Protocol.Tests.Link;

/// <summary>testdata/instance_vectors.json, written by the Python twin: engine instance names, their key files and spaces, and per-instance session keys.</summary>
public sealed class InstanceVectorTests
{
    private static readonly JsonElement Vectors = JsonDocument.Parse(File.ReadAllText(RepoPaths.TestData("instance_vectors.json"))).RootElement;

    [Fact]
    public void valid_instance_names_give_their_kind_key_file_and_space()
    {
        int n = 0;
        foreach (var c in Vectors.GetProperty("valid").EnumerateArray())
        {
            var i = EngineInstance.Parse(c.GetProperty("text").GetString()!);
            var name = c.GetProperty("name");
            Assert.Equal(c.GetProperty("kind").GetString(), i.Kind);
            Assert.Equal(name.ValueKind == JsonValueKind.Null ? null : name.GetString(), i.Name);
            Assert.Equal(c.GetProperty("key_file").GetString(), i.KeyFileName);
            Assert.Equal(c.GetProperty("space").GetString(), SpaceNames.Name(i.Space));
            Assert.Equal(c.GetProperty("text").GetString(), i.ToString());
            Assert.Equal(i, EngineInstance.FromKeyFileName(i.KeyFileName));
            n++;
        }
        Assert.True(n >= 8);
    }

    [Fact]
    public void invalid_instance_names_are_refused_with_a_reason_and_in_hello()
    {
        int n = 0;
        foreach (var c in Vectors.GetProperty("invalid").EnumerateArray())
        {
            var text = c.GetString()!;
            Assert.False(EngineInstance.TryParse(text, out _, out var why), text);
            Assert.Contains("not an engine instance", why);
            var hello = new Hello(text, "1.1", "test", "", 1, new byte[32], 1, "").ToJson();
            Assert.Equal("engine", Assert.Throws<Json.JsonFieldException>(() => Hello.Parse(hello)).Path);
            n++;
        }
        Assert.True(n >= 15);
    }

    [Fact]
    public void a_hello_carries_a_named_instance()
    {
        var hello = new Hello("blender:bob", "1.1", "test", "", 1, new byte[32], 1, "");
        Assert.Equal("blender:bob", Hello.Parse(hello.ToJson()).Engine);
    }

    [Fact]
    public void key_file_names_map_to_their_instance_or_to_none()
    {
        foreach (var c in Vectors.GetProperty("key_files").EnumerateArray())
        {
            var expected = c.GetProperty("instance");
            Assert.Equal(expected.ValueKind == JsonValueKind.Null ? null : expected.GetString(), EngineInstance.FromKeyFileName(c.GetProperty("file").GetString()!)?.ToString());
        }
    }

    [Fact]
    public void one_bootstrap_key_gives_each_instance_its_own_session_keys()
    {
        var seen = new HashSet<string>();
        foreach (var c in Vectors.GetProperty("session_keys").EnumerateArray())
        {
            var keys = SessionKeys.Derive(Hex.Decode(c.GetProperty("bootstrap_key").GetString()!), Hex.Decode(c.GetProperty("client_nonce").GetString()!),
                Hex.Decode(c.GetProperty("server_nonce").GetString()!), c.GetProperty("engine").GetString()!, c.GetProperty("session_id").GetString()!, c.GetProperty("epoch").GetInt32());
            Assert.Equal(c.GetProperty("client_to_server").GetString(), Hex.Encode(keys.ClientToServer));
            Assert.Equal(c.GetProperty("server_to_client").GetString(), Hex.Encode(keys.ServerToClient));
            seen.Add(Hex.Encode(keys.ClientToServer));
        }
        Assert.Equal(4, seen.Count);
    }
}
