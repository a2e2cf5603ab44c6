using System.Text.Json;
using VibeSync.Link.Tests.Support;

namespace VibeSync.Link.Tests;

/// <summary>
/// Journal reads come from an index kept as the log is written (the chaos soak saw serve grow past
/// 1 GiB while MCP's wait_intent polled an intent: every read scanned every segment).
/// </summary>
public sealed class JournalReadTests
{
    [Fact]
    public async Task intent_and_wal_reads_answer_from_the_index_without_growing_serves_memory()
    {
        await using var serve = await ServeProcess.StartAsync();
        var ids = new List<ulong>();
        for (int i = 0; i < 20; i++)
        {
            // No engine is attached: each is refused (an unknown uuid), journaled REFUSED all the same.
            using var reply = await serve.PostJsonAsync("/v1/intents?actor=human:cli",
                $$"""{"operations": [{"op": "set_visibility", "uuid": "5a1d0000-0000-4000-8000-{{i:D12}}", "visible": false}], "rationale": "r{{i}}"}""");
            ids.Add(JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement.GetProperty("intent").GetUInt64());
        }
        var one = JsonDocument.Parse(await serve.GetStringAsync($"/v1/intents/{ids[7]}")).RootElement;
        Assert.Equal("REFUSED", one.GetProperty("phase").GetString());
        Assert.All(one.GetProperty("history").EnumerateArray(), e => Assert.Equal(ids[7], e.GetProperty("intent").GetUInt64()));
        var page = JsonDocument.Parse(await serve.GetStringAsync("/v1/wal?since=3&limit=5")).RootElement;
        Assert.Equal(new ulong[] { 4, 5, 6, 7, 8 }, page.EnumerateArray().Select(e => e.GetProperty("sequence").GetUInt64()));

        long before = serve.ResidentBytes();
        for (int i = 0; i < 400; i++) await serve.GetStringAsync($"/v1/intents/{ids[i % ids.Count]}");
        long grown = serve.ResidentBytes() - before;
        Assert.True(grown < 64L << 20, $"400 intent reads grew serve by {grown >> 20} MiB");
    }
}
