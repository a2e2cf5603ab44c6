using System.Text;
using System.Text.Json;
using VibeSync.Link.Tests.Support;
using VibeSync.Protocol.Framing;

namespace VibeSync.Link.Tests;

/// <summary>
/// PENDING_INTENTS (docs/protocol.md §11.9) against a real serve: an attached adapter hears of every
/// AI intent waiting for a human, with the console's address, on attach and whenever the set changes;
/// and nothing an adapter sends decides one (adapters are untrusted limbs).
/// </summary>
public sealed class PendingIntentsNoticeTests : IAsyncLifetime
{
    private ServeProcess _serve = null!;

    public async Task InitializeAsync() => _serve = await ServeProcess.StartAsync();

    public async Task DisposeAsync() => await _serve.DisposeAsync();

    [Fact]
    public async Task an_attached_adapter_hears_of_each_pending_ai_intent_and_of_its_denial_and_a_new_session_hears_on_attach()
    {
        using var unity = await AttachedAsync(generation: 1);
        ulong crate = await SubmitAsync("Crate", "ai:claude", "put a crate by the door");
        var first = await NextPendingAsync(unity);
        Assert.Equal(PendingIntents.ConsoleOn(_serve.ApiPort), first.Console);
        Assert.Equal(new[] { new PendingIntent(crate, "ai:claude", "structural", "put a crate by the door") }, first.Intents);
        Assert.Equal(1, first.Total);
        Assert.Equal($"http://127.0.0.1:{_serve.ApiPort}/console/intents/{crate}", first.PageUrl(crate));

        // A rationale over the bound arrives clipped (the journal keeps it whole).
        ulong barrel = await SubmitAsync("Barrel", "ai:layout", new string('r', 2000));
        var second = await NextPendingAsync(unity);
        Assert.Equal(new[] { crate, barrel }, second.Intents.Select(i => i.Id));
        Assert.Equal(new string('r', 499) + "…", second.Intents[1].Rationale);

        using (var denied = await _serve.PostAsync($"/v1/intents/{crate}/deny")) Assert.True(denied.IsSuccessStatusCode, await denied.Content.ReadAsStringAsync());
        var third = await NextPendingAsync(unity);
        Assert.Equal(new[] { barrel }, third.Intents.Select(i => i.Id));

        // The next session of the engine knows none until it attaches; then it is told at once.
        unity.Dispose();
        using var again = await AttachedAsync(generation: 2);
        var onAttach = await NextPendingAsync(again);
        Assert.Equal(new[] { barrel }, onAttach.Intents.Select(i => i.Id));
    }

    [Fact]
    public async Task an_adapter_cannot_change_a_pending_intents_fate()
    {
        using var unity = await AttachedAsync(generation: 1);
        ulong crate = await SubmitAsync("Crate", "ai:claude", "put a crate by the door");
        var heard = await NextPendingAsync(unity, answer: false);
        // It refuses the notice: the intent stays pending (a refusal is the adapter's, not a decision).
        await unity.SendAsync(MessageType.Error, Replies.Error(heard.Sequence, "MALFORMED", "no thanks"));
        // It sends the notice back with an empty list, as if that cleared it: no adapter may send PENDING_INTENTS.
        await unity.SendAsync(MessageType.PendingIntents, new PendingIntents(PendingIntents.ConsoleOn(_serve.ApiPort), Array.Empty<PendingIntent>(), 0).ToJson());
        var bye = await UntilAsync(unity, MessageType.Bye);
        Assert.Contains("UNEXPECTED_TYPE", Encoding.UTF8.GetString(bye.Payload.Span));

        var status = await _serve.StatusAsync();
        Assert.Contains(crate, status.GetProperty("sync").GetProperty("pending").EnumerateArray().Select(p => p.GetUInt64()));
        var intent = JsonDocument.Parse(await _serve.GetStringAsync($"/v1/intents/{crate}")).RootElement;
        Assert.Equal("PENDING", intent.GetProperty("phase").GetString());
        Assert.Contains(Engines.Unity, ServeProcess.Panicked(status)); // the contract violation costs the engine, not the intent
    }

    /// <summary>
    /// An engine's session that reported an empty scene. The notice on attach may arrive before the
    /// SCENE's ACK (serve tells the notices and answers the SCENE independently): frames read while
    /// waiting for that ACK are kept for the reads after it, not dropped.
    /// </summary>
    private async Task<Adapter> AttachedAsync(long generation)
    {
        var client = await _serve.ConnectAsync(Engines.Unity, generation);
        var empty = VibeSync.Protocol.Hashing.Hex.Encode(VibeSync.Protocol.Hashing.SceneHasher.Hash(
            VibeSync.Protocol.SceneJson.SceneJsonReader.ReadCanonicalRecords(VibeSync.Protocol.Json.JsonParser.Parse("{}"))).Root);
        var adapter = new Adapter(client);
        ulong scene = await client.SendAsync(MessageType.Scene, $"{{\"generation\": {generation}, \"root\": \"{empty}\", \"scene\": {{}}}}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(8));
        while (true)
        {
            var frame = await client.ReceiveAsync(timeout.Token) ?? throw new Xunit.Sdk.XunitException("the session ended before the SCENE's answer");
            var text = Encoding.UTF8.GetString(frame.Payload.Span);
            if (frame.Type is MessageType.Ack or MessageType.Error && JsonDocument.Parse(text).RootElement.TryGetProperty("re", out var re) && re.GetUInt64() == scene)
            {
                Assert.True(frame.Type == MessageType.Ack, text);
                return adapter;
            }
            adapter.Early.Enqueue(frame);
        }
    }

    private sealed class Adapter(LinkClient client) : IDisposable
    {
        public LinkClient Client { get; } = client;
        public Queue<Frame> Early { get; } = new();
        public Task SendAsync(byte type, string json) => Client.SendAsync(type, json);
        public void Dispose() => Client.Dispose();
    }

    private async Task<ulong> SubmitAsync(string name, string actor, string rationale)
    {
        var uuid = "7a1d0000-0000-4000-8000-" + (name.GetHashCode() & 0xffffff).ToString("x12");
        var answer = await _serve.SubmitAsync("{\"operations\": [{\"op\": \"create_object\", \"uuid\": \"" + uuid + "\", \"name\": \"" + name + "\", \"kind\": \"empty\", " +
            "\"parent\": null, \"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1]}], \"rationale\": " + JsonSerializer.Serialize(rationale) + "}", actor);
        Assert.True(answer.GetProperty("phase").GetString() == "PENDING", answer.ToString());
        return answer.GetProperty("intent").GetUInt64();
    }

    /// <summary>The next PENDING_INTENTS, read strictly and (unless told not to) acknowledged as an adapter does.</summary>
    private static async Task<(string Console, IReadOnlyList<PendingIntent> Intents, long Total, ulong Sequence, Func<ulong, string> PageUrl)> NextPendingAsync(Adapter client, bool answer = true)
    {
        var frame = await UntilAsync(client, MessageType.PendingIntents);
        var notice = PendingIntents.Parse(Encoding.UTF8.GetString(frame.Payload.Span));
        if (answer) await client.SendAsync(MessageType.Ack, Replies.Ack(frame.Sequence));
        return (notice.Console, notice.Intents, notice.Total, frame.Sequence, notice.PageUrl);
    }

    private static async Task<Frame> UntilAsync(Adapter client, byte type)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(8));
        while (true)
        {
            var frame = client.Early.TryDequeue(out var early) ? early : await client.Client.ReceiveAsync(timeout.Token) ?? throw new Xunit.Sdk.XunitException($"the session ended before {MessageType.Name(type)}");
            if (frame.Type == type) return frame;
            if (frame.Type == MessageType.Bye) throw new Xunit.Sdk.XunitException("BYE: " + Encoding.UTF8.GetString(frame.Payload.Span));
        }
    }
}
