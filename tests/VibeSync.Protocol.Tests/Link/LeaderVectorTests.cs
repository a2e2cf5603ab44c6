using System.Text.Json;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;
using VibeSync.Protocol.Tests.Support;

namespace VibeSync.Protocol.Tests.Link;

/// <summary>testdata/leader_vectors.json, written by the Python twin: a standby's REFUSED NOT_LEADER and the order endpoints are dialed in.</summary>
public sealed class LeaderVectorTests
{
    private static readonly JsonElement Vectors = JsonDocument.Parse(File.ReadAllText(RepoPaths.TestData("leader_vectors.json"))).RootElement;

    [Fact]
    public void refusal_payloads_give_their_code_message_and_leader()
    {
        int n = 0;
        foreach (var c in Vectors.GetProperty("refusals").EnumerateArray())
        {
            var (code, message, leader) = LeaderHint.ParseRefusal(c.GetProperty("payload").GetString()!);
            Assert.Equal(c.GetProperty("code").GetString(), code);
            Assert.Equal(c.GetProperty("message").GetString(), message);
            var expected = c.GetProperty("leader");
            if (expected.ValueKind == JsonValueKind.Null) Assert.Null(leader);
            else
            {
                Assert.NotNull(leader);
                Assert.Equal(expected.GetProperty("host").GetString(), leader!.Host);
                Assert.Equal(expected.GetProperty("port").GetInt32(), leader.Port);
            }
            n++;
        }
        Assert.True(n >= 6);
    }

    [Fact]
    public void endpoints_are_dialed_in_the_order_the_vectors_give()
    {
        int n = 0;
        foreach (var c in Vectors.GetProperty("dial_orders").EnumerateArray())
        {
            var order = new DialOrder(c.GetProperty("endpoints").EnumerateArray().Select(e => LinkEndpoint.TryParse(e.GetString()!)!));
            var dialed = new List<string>();
            var answers = c.GetProperty("answers");
            for (var endpoint = order.Next(); endpoint != null; endpoint = order.Next())
            {
                dialed.Add(endpoint.ToString());
                if (!answers.TryGetProperty(endpoint.ToString(), out var answer)) continue;
                var leader = answer[1].ValueKind == JsonValueKind.Null ? null : LinkEndpoint.TryParse(answer[1].GetString()!);
                order.Refused(answer[0].GetString()!, leader);
            }
            Assert.Equal(c.GetProperty("dialed").EnumerateArray().Select(e => e.GetString()!), dialed);
            n++;
        }
        Assert.True(n >= 5);
    }

    [Fact]
    public void a_not_leader_refusal_written_by_the_orchestrator_names_the_leader_its_reader_finds()
    {
        var (code, message, leader) = LeaderHint.ParseRefusal(Replies.Refusal(LeaderHint.NotLeader, "not the leader: alpha leads (term 2) at h1:7420", "h1:7420"));
        Assert.Equal((LeaderHint.NotLeader, "not the leader: alpha leads (term 2) at h1:7420"), (code, message));
        Assert.Equal("h1:7420", leader?.ToString());
        Assert.Null(LeaderHint.ParseRefusal(Replies.Refusal("PROJECT_MISMATCH", "another project")).Leader);
    }

    [Fact]
    public void a_refusal_without_code_or_message_is_refused()
    {
        Assert.ThrowsAny<JsonFieldException>(() => LeaderHint.ParseRefusal("{\"code\": \"NOT_LEADER\"}"));
        Assert.ThrowsAny<JsonFieldException>(() => LeaderHint.ParseRefusal("[]"));
    }
}
