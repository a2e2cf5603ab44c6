using System.Text.Json;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;
using VibeSync.Protocol.Tests.Support;

namespace VibeSync.Protocol.Tests.Link;

/// <summary>testdata/time_vectors.json, written by the Python twin: TIME written byte for byte, read back, and refused at the same field.</summary>
public sealed class TimeVectorTests
{
    private static readonly JsonElement Vectors = JsonDocument.Parse(File.ReadAllText(RepoPaths.TestData("time_vectors.json"))).RootElement;

    [Fact]
    public void time_payloads_are_written_byte_for_byte_and_read_back_exactly()
    {
        int n = 0;
        foreach (var c in Vectors.GetProperty("payloads").EnumerateArray())
        {
            var time = new SceneTime(c.GetProperty("seconds").GetDouble(), c.GetProperty("seq").GetInt64());
            Assert.Equal(c.GetProperty("json").GetString(), time.ToJson());
            Assert.Equal(time, SceneTime.Parse(c.GetProperty("json").GetString()!));
            n++;
        }
        Assert.True(n >= 7);
    }

    [Fact]
    public void malformed_time_payloads_are_refused_at_the_field_the_vectors_name()
    {
        int n = 0;
        foreach (var c in Vectors.GetProperty("refusals").EnumerateArray())
        {
            var name = c.GetProperty("name").GetString();
            var e = Assert.Throws<JsonFieldException>(() => SceneTime.Parse(c.GetProperty("json").GetString()!));
            Assert.True(c.GetProperty("path").GetString() == e.Path, $"{name}: refused at {e.Path}: {e.Reason}");
            n++;
        }
        Assert.True(n >= 15);
    }

    [Fact]
    public void time_is_a_known_frame_type_named_TIME() =>
        Assert.Equal((true, "TIME"), (MessageType.IsKnown(MessageType.Time), MessageType.Name(MessageType.Time)));
}
