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

    [Fact]
    public async Task waiting_for_an_intent_answers_when_it_settles_or_says_it_timed_out()
    {
        await using var serve = await ServeProcess.StartAsync();
        // An AI's structural intent waits for a human under the default trust mode: PENDING.
        using var reply = await serve.PostJsonAsync("/v1/intents?actor=ai:claude",
            """{"operations": [{"op": "create_object", "uuid": "7a1d0000-0000-4000-8000-000000000001", "name": "Crate", "kind": "empty", "parent": null, "translation": [0, 0, 0], "rotation": [0, 0, 0, 1], "scale": [1, 1, 1]}], "rationale": "a crate"}""");
        var submitted = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("PENDING", submitted.GetProperty("phase").GetString());
        ulong id = submitted.GetProperty("intent").GetUInt64();

        var started = DateTime.UtcNow;
        var waited = JsonDocument.Parse(await serve.GetStringAsync($"/v1/intents/{id}?wait=settled&timeout_ms=400")).RootElement;
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(390), "it waited its timeout");
        Assert.True(waited.GetProperty("timed_out").GetBoolean());
        Assert.False(waited.GetProperty("settled").GetBoolean());

        // A long wait is answered by the decision, not by its timeout.
        var waiting = serve.GetStringAsync($"/v1/intents/{id}?wait=settled&timeout_ms=50000");
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        started = DateTime.UtcNow;
        using (await serve.PostJsonAsync($"/v1/intents/{id}/deny", "{}")) { }
        var settled = JsonDocument.Parse(await waiting.WaitAsync(TimeSpan.FromSeconds(20))).RootElement;
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        Assert.True(settled.GetProperty("settled").GetBoolean());
        Assert.False(settled.GetProperty("timed_out").GetBoolean());
        Assert.Equal("REFUSED", settled.GetProperty("phase").GetString());
        // Without wait=, the answer is at once and carries no timed_out.
        Assert.False(JsonDocument.Parse(await serve.GetStringAsync($"/v1/intents/{id}")).RootElement.TryGetProperty("timed_out", out _));
    }
}
