using System.Text;
using VibeSync.Protocol.Framing;
using Microsoft.Extensions.Time.Testing;
using VibeSync.Protocol.Operations;
using VibeSync.Link.Tests.Support;

namespace VibeSync.Link.Tests;

/// <summary>The link's timing rules on a fake clock (in process, real sockets), and one real heartbeat loss.</summary>
public sealed class SessionClockTests : IAsyncLifetime
{
    private sealed class Host : ILinkHost
    {
        public readonly List<(string Engine, string Code)> Panics = new();
        public void Panic(string engine, string code, string reason) { lock (Panics) Panics.Add((engine, code)); }
        public Task<(string Code, string Message)?> EditAsync(string engine, IntentRequest edit) => Task.FromResult<(string, string)?>(null);
    }

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly Host _host = new();
    private readonly StringWriter _log = new();
    private readonly Dictionary<string, byte[]> _keys = new() { [Engines.Blender] = new byte[32], [Engines.Unity] = Enumerable.Repeat((byte)7, 32).ToArray() };
    private LinkServer _server = null!;

    public Task InitializeAsync()
    {
        _server = new LinkServer(new LinkOptions { RekeyInterval = TimeSpan.FromSeconds(60) }, _keys, _host, new LinkLog(TextWriter.Synchronized(_log), _clock), _clock);
        _server.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<LinkClient> Connect(string engine) =>
        LinkClient.ConnectAsync(_server.Port, engine, _keys[engine], clock: () => _clock.GetUtcNow().ToUnixTimeMilliseconds());

    private async Task Eventually(Func<bool> condition, string what)
    {
        for (int i = 0; i < 200 && !condition(); i++) await Task.Delay(25);
        Assert.True(condition(), what);
    }

    [Fact]
    public async Task silence_beyond_the_heartbeat_timeout_opens_the_circuit_breaker_for_that_engine_only()
    {
        var blender = await Connect(Engines.Blender);
        var unity = await Connect(Engines.Unity);
        _clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(MessageType.Ack, (await unity.HeartbeatAsync()).Type);
        await Task.Delay(100);
        Assert.Empty(_host.Panics); // 9 s of silence is within the limit

        _clock.Advance(TimeSpan.FromSeconds(2.6)); // Blender silent 11.6 s, Unity 2.6 s
        await Eventually(() => _host.Panics.Contains((Engines.Blender, "HEARTBEAT_LOST")), "Blender's circuit breaker opens");
        Assert.Null(await blender.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(10))); // its connection is closed
        Assert.Equal(MessageType.Ack, (await unity.HeartbeatAsync()).Type);
        Assert.DoesNotContain(_host.Panics, p => p.Engine == Engines.Unity);
    }

    [Fact]
    public async Task keys_are_re_derived_at_the_interval_and_the_session_carries_on()
    {
        var unity = await Connect(Engines.Unity);
        var before = unity.Keys.ClientToServer;
        for (int i = 0; i < 13; i++) // 65 s, heartbeating every 5 s as an adapter does
        {
            _clock.Advance(TimeSpan.FromSeconds(5));
            Frame reply;
            try { reply = await unity.HeartbeatAsync().WaitAsync(TimeSpan.FromSeconds(10)); } // answers the REKEY on the way
            catch (TimeoutException) { throw new Xunit.Sdk.XunitException($"step {i} timed out; epoch {unity.Keys.Epoch}\n{_log}"); }
            Assert.True(reply.Type == MessageType.Ack, $"step {i}: {MessageType.Name(reply.Type)} {Encoding.UTF8.GetString(reply.Payload.Span)}\n{_log}");
        }
        Assert.Equal(1, unity.Keys.Epoch);
        Assert.NotEqual(before, unity.Keys.ClientToServer);
        Assert.Equal(MessageType.Ack, (await unity.HeartbeatAsync().WaitAsync(TimeSpan.FromSeconds(10))).Type); // under the new keys
        await Eventually(() => _server.Status().Engines.Single(e => e.Engine == Engines.Unity).Session?.KeyEpoch == 1, "the server switched too");
        Assert.Contains("\"rekey\"", _log.ToString());
    }

    [Fact]
    public async Task a_newer_handshake_of_an_engine_replaces_its_older_session()
    {
        var first = await Connect(Engines.Unity);
        var second = await LinkClient.ConnectAsync(_server.Port, Engines.Unity, _keys[Engines.Unity], generation: 2, clock: () => _clock.GetUtcNow().ToUnixTimeMilliseconds());
        Assert.Null(await first.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(MessageType.Ack, (await second.HeartbeatAsync(generation: 2)).Type);
        Assert.Equal(2, _server.Status().Engines.Single(e => e.Engine == Engines.Unity).Session!.Generation);
        Assert.Empty(_host.Panics); // a reload with a new handshake is not drift
    }

    [Fact]
    public async Task a_source_that_keeps_sending_junk_is_slowed_down_while_the_honest_session_is_not()
    {
        await using var server = new LinkServer(new LinkOptions { MaxJunkPenalty = TimeSpan.FromMilliseconds(400) }, _keys, _host, new LinkLog(TextWriter.Null));
        server.Start();
        var unity = await LinkClient.ConnectAsync(server.Port, Engines.Unity, _keys[Engines.Unity]);
        for (int i = 0; i < 12; i++)
        {
            using var junk = new System.Net.Sockets.TcpClient();
            await junk.ConnectAsync("127.0.0.1", server.Port);
            await junk.GetStream().WriteAsync(new byte[64]); // a length of 0: FRAME_TOO_SHORT
            try { while (await junk.GetStream().ReadAsync(new byte[16]) > 0) { } } catch (IOException) { }
        }
        var slowed = System.Diagnostics.Stopwatch.StartNew();
        using (var next = await LinkClient.ConnectAsync(server.Port, Engines.Blender, _keys[Engines.Blender])) { }
        Assert.True(slowed.ElapsedMilliseconds >= 350, $"the next connection from the junk source waited only {slowed.ElapsedMilliseconds} ms");
        var beat = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(MessageType.Ack, (await unity.HeartbeatAsync()).Type);
        Assert.True(beat.ElapsedMilliseconds < 300, "an established session is never slowed down");
        Assert.True(server.Status().JunkDropped >= 12);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task serve_stops_cleanly_on_sigterm_and_keeps_its_keys_private()
    {
        var serve = await ServeProcess.StartAsync();
        var dir = serve.DataDirectory;
        foreach (var file in new[] { "blender.key", "unity.key", "control.token" })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "keys", file)));
        var code = await serve.StopAsync();
        Assert.Equal(0, code);
        Assert.False(File.Exists(Path.Combine(dir, "serve.json"))); // a clean stop leaves no server record
        Assert.Contains(serve.Log, l => l.Contains("\"stopped\""));
        await serve.DisposeAsync();
    }

    [Fact]
    public async Task a_real_heartbeat_loss_reaches_panic()
    {
        await using var serve = await ServeProcess.StartAsync("--heartbeat-timeout", "1");
        using var blender = await serve.ConnectAsync(Engines.Blender);
        var logged = await serve.LoggedAsync("HEARTBEAT_LOST", Engines.Blender);
        Assert.Contains("circuit breaker open", logged.GetProperty("message").GetString());
        Assert.Contains(Engines.Blender, ServeProcess.Panicked(await serve.StatusAsync()));
    }

    [Fact]
    public async Task rapid_real_rekeys_under_a_busy_session_never_break_it()
    {
        // A REKEY every 20 ms while the adapter sends as fast as it can: timers, the session loop
        // and the adapter's REKEY_ACK (which can arrive before the server's write returns) interleave.
        await using var serve = await ServeProcess.StartAsync("--rekey-interval", "0.02");
        using var unity = await serve.ConnectAsync(Engines.Unity);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        int beats = 0;
        while (DateTime.UtcNow < until)
        {
            var reply = await unity.HeartbeatAsync().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(reply.Type == MessageType.Ack, $"beat {beats} at epoch {unity.Keys.Epoch}: {MessageType.Name(reply.Type)} {Encoding.UTF8.GetString(reply.Payload.Span)}");
            beats++;
        }
        Assert.True(unity.Keys.Epoch >= 10, $"only {unity.Keys.Epoch} rekeys in 2 s");
        Assert.Empty(ServeProcess.Panicked(await serve.StatusAsync()));
        Assert.DoesNotContain(serve.Log, l => l.Contains("BAD_REKEY"));
    }
}
