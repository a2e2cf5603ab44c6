using System.Text.Json;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;
using VibeSync.Protocol.Tests.Support;

namespace VibeSync.Protocol.Tests.Link;

/// <summary>testdata/pending_vectors.json, written by the Python twin: PENDING_INTENTS written byte for byte, read back, and refused at the same field.</summary>
public sealed class PendingVectorTests
{
    private static readonly JsonElement Vectors = JsonDocument.Parse(File.ReadAllText(RepoPaths.TestData("pending_vectors.json"))).RootElement;

    [Fact]
    public void pending_intents_payloads_are_written_byte_for_byte_and_read_back_with_their_pages()
    {
        int n = 0;
        foreach (var c in Vectors.GetProperty("payloads").EnumerateArray())
        {
            var intents = c.GetProperty("intents").EnumerateArray().Select(i => new PendingIntent(i.GetProperty("id").GetUInt64(), i.GetProperty("actor").GetString()!,
                i.GetProperty("class").GetString()!, i.GetProperty("rationale").GetString()!)).ToList();
            var payload = new PendingIntents(c.GetProperty("console").GetString()!, intents, c.GetProperty("total").GetInt64());
            Assert.Equal(c.GetProperty("json").GetString(), payload.ToJson());
            var back = PendingIntents.Parse(c.GetProperty("json").GetString()!);
            Assert.Equal(intents, back.Intents);
            Assert.Equal((payload.Console, payload.Total), (back.Console, back.Total));
            Assert.Equal(c.GetProperty("pages").EnumerateArray().Select(p => p.GetString()), back.Intents.Select(i => back.PageUrl(i.Id)));
            n++;
        }
        Assert.True(n >= 4);
    }

    [Fact]
    public void malformed_pending_intents_payloads_are_refused_at_the_field_the_vectors_name()
    {
        int n = 0;
        foreach (var c in Vectors.GetProperty("refusals").EnumerateArray())
        {
            var name = c.GetProperty("name").GetString();
            var e = Assert.Throws<JsonFieldException>(() => PendingIntents.Parse(c.GetProperty("json").GetString()!));
            Assert.True(c.GetProperty("path").GetString() == e.Path, $"{name}: refused at {e.Path}: {e.Reason}");
            n++;
        }
        Assert.True(n >= 25);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(500, 500)]
    [InlineData(501, 500)]
    [InlineData(5000, 500)]
    public void the_orchestrator_clips_a_rationale_to_the_bound_without_cutting_a_character(int length, int expected)
    {
        var text = string.Concat(Enumerable.Repeat("😀", length));
        var clipped = PendingIntents.ClipRationale(text);
        Assert.Equal(expected, clipped.EnumerateRunes().Count());
        Assert.Equal(length > 500, clipped.EndsWith('…'));
        PendingIntents.Parse(new PendingIntents(PendingIntents.ConsoleOn(1), new[] { new PendingIntent(1, "ai:a", "cosmetic", clipped) }, 1).ToJson());
    }
}
