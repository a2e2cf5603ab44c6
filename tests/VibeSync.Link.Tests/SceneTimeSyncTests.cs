using System.Text;
using System.Text.Json;
using VibeSync.Link.Tests.Support;
using VibeSync.Protocol.Framing;

namespace VibeSync.Link.Tests;

/// <summary>
/// TIME (docs/protocol.md §11.10) against a real serve with two attached engines: with
/// <c>sync.scene_time</c> on, one engine's scene time reaches the other (latest wins, a late one is
/// dropped); off (the default), it is refused and reaches nobody; malformed, it is refused and the
/// session stays up. Never a journal entry either way: the WAL's bytes do not change.
/// </summary>
public sealed class SceneTimeSyncTests
{
    [Fact]
    public async Task with_scene_time_sync_on_one_engines_time_reaches_the_other_and_the_journal_is_untouched()
    {
        await using var serve = await StartAsync(sceneTime: true);
        using var blender = await AttachedAsync(serve, Engines.Blender);
        using var unity = await AttachedAsync(serve, Engines.Unity);
        Assert.True(blender.Welcome.SceneTime && unity.Welcome.SceneTime, "WELCOME tells adapters the policy");
        long wal = await SettledWalBytesAsync(serve);

        Assert.Equal(MessageType.Ack, (await blender.RequestAsync(MessageType.Time, new SceneTime(37 / 24.0, 1).ToJson())).Type);
        var first = SceneTime.Parse(Encoding.UTF8.GetString((await UntilAsync(unity, MessageType.Time)).Payload.Span));
        Assert.Equal(37 / 24.0, first.Seconds);

        // A late TIME (seq not above the last) is dropped; the next one arrives with a higher seq.
        Assert.Equal(MessageType.Ack, (await blender.RequestAsync(MessageType.Time, new SceneTime(99, 1).ToJson())).Type);
        Assert.Equal(MessageType.Ack, (await blender.RequestAsync(MessageType.Time, new SceneTime(2.5, 2).ToJson())).Type);
        var second = SceneTime.Parse(Encoding.UTF8.GetString((await UntilAsync(unity, MessageType.Time)).Payload.Span));
        Assert.Equal((2.5, true), (second.Seconds, second.Seq > first.Seq));

        // And the other way: Unity's timeline poses Blender.
        Assert.Equal(MessageType.Ack, (await unity.RequestAsync(MessageType.Time, new SceneTime(0.5, 1).ToJson())).Type);
        Assert.Equal(0.5, SceneTime.Parse(Encoding.UTF8.GetString((await UntilAsync(blender, MessageType.Time)).Payload.Span)).Seconds);

        // Malformed: refused by name, nothing forwarded, the session stays up.
        foreach (var bad in new[] { "{\"seconds\": -1, \"seq\": 3}", "{\"seconds\": 1e300, \"seq\": 3}", "{\"seconds\": \"1\", \"seq\": 3}", "{\"seconds\": 1, \"seq\": 0}" })
        {
            var refused = await blender.RequestAsync(MessageType.Time, bad);
            Assert.True(refused.Type == MessageType.Error, bad);
            Assert.Contains("MALFORMED", Encoding.UTF8.GetString(refused.Payload.Span));
        }
        Assert.Equal(MessageType.Ack, (await blender.RequestAsync(MessageType.Time, new SceneTime(4, 3).ToJson())).Type);
        Assert.Equal(4.0, SceneTime.Parse(Encoding.UTF8.GetString((await UntilAsync(unity, MessageType.Time)).Payload.Span)).Seconds);

        Assert.Equal(wal, WalBytes(serve));
    }

    [Fact]
    public async Task with_scene_time_sync_off_a_time_is_refused_reaches_nobody_and_the_journal_is_untouched()
    {
        await using var serve = await StartAsync(sceneTime: false);
        using var blender = await AttachedAsync(serve, Engines.Blender);
        using var unity = await AttachedAsync(serve, Engines.Unity);
        Assert.False(blender.Welcome.SceneTime || unity.Welcome.SceneTime);
        long wal = await SettledWalBytesAsync(serve);

        var refused = await blender.RequestAsync(MessageType.Time, new SceneTime(1.5, 1).ToJson());
        Assert.Equal(MessageType.Error, refused.Type);
        Assert.Contains("TIME_SYNC_OFF", Encoding.UTF8.GetString(refused.Payload.Span));
        // Unity hears nothing of it.
        using (var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(700)))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await UntilAsync(unity, MessageType.Time, quiet.Token));
        Assert.Equal(MessageType.Ack, (await blender.RequestAsync(MessageType.Heartbeat, "{\"state\": \"ready\", \"generation\": 1, \"undo_depth\": 0}")).Type);
        Assert.Equal(wal, WalBytes(serve));
    }

    private static async Task<ServeProcess> StartAsync(bool sceneTime)
    {
        var dir = Path.Combine(Path.GetTempPath(), "vibesync-time-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), $"{{\"sync\": {{\"scene_time\": {(sceneTime ? "true" : "false")}}}, \"limits\": {{\"heartbeat_timeout_s\": 3600}}}}");
        return await ServeProcess.StartInAsync(dir);
    }

    private static async Task<LinkClient> AttachedAsync(ServeProcess serve, string engine)
    {
        var client = await serve.ConnectAsync(engine);
        var empty = VibeSync.Protocol.Hashing.Hex.Encode(VibeSync.Protocol.Hashing.SceneHasher.Hash(
            VibeSync.Protocol.SceneJson.SceneJsonReader.ReadCanonicalRecords(VibeSync.Protocol.Json.JsonParser.Parse("{}"))).Root);
        var answer = await client.RequestAsync(MessageType.Scene, $"{{\"generation\": 1, \"root\": \"{empty}\", \"scene\": {{}}}}");
        Assert.True(answer.Type == MessageType.Ack, Encoding.UTF8.GetString(answer.Payload.Span));
        return client;
    }

    private static long WalBytes(ServeProcess serve)
    {
        var wal = Path.Combine(serve.DataDirectory, "wal");
        return Directory.Exists(wal) ? Directory.EnumerateFiles(wal, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) : 0;
    }

    /// <summary>The WAL's bytes once both engines are live (pairing journals what it does first).</summary>
    private static async Task<long> SettledWalBytesAsync(ServeProcess serve)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < until)
        {
            var status = await serve.StatusAsync();
            if (ServeProcess.PhaseOf(status, Engines.Blender) == "live" && ServeProcess.PhaseOf(status, Engines.Unity) == "live") break;
            await Task.Delay(100);
        }
        long bytes;
        do { bytes = WalBytes(serve); await Task.Delay(300); } while (bytes != WalBytes(serve));
        return bytes;
    }

    private static async Task<Frame> UntilAsync(LinkClient client, byte type, CancellationToken cancel = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        if (!cancel.CanBeCanceled) timeout.CancelAfter(TimeSpan.FromSeconds(8));
        while (true)
        {
            var frame = await client.ReceiveAsync(timeout.Token) ?? throw new Xunit.Sdk.XunitException($"the session ended before {MessageType.Name(type)}");
            if (frame.Type == type) return frame;
            if (frame.Type == MessageType.Bye) throw new Xunit.Sdk.XunitException("BYE: " + Encoding.UTF8.GetString(frame.Payload.Span));
        }
    }
}
