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
    public async Task junk_from_the_loopback_address_every_process_shares_costs_the_next_honest_connection_nothing()
    {
        // Every local process connects from 127.0.0.1: a penalty on that address would make the next
        // honest reconnect pay for another process's junk (issue #16: reconnects took 1–3 s).
        await using var server = new LinkServer(new LinkOptions(), _keys, _host, new LinkLog(TextWriter.Null));
        server.Start();
        var unity = await LinkClient.ConnectAsync(server.Port, Engines.Unity, _keys[Engines.Unity]);
        for (int i = 0; i < 30; i++)
        {
            using var junk = new System.Net.Sockets.TcpClient();
            await junk.ConnectAsync("127.0.0.1", server.Port);
            await junk.GetStream().WriteAsync(new byte[64]); // a length of 0: FRAME_TOO_SHORT
            try { while (await junk.GetStream().ReadAsync(new byte[16]) > 0) { } } catch (IOException) { }
        }
        var next = System.Diagnostics.Stopwatch.StartNew();
        using (var blender = await LinkClient.ConnectAsync(server.Port, Engines.Blender, _keys[Engines.Blender])) { }
        Assert.True(next.ElapsedMilliseconds < 200, $"the next connection waited {next.ElapsedMilliseconds} ms");
        var beat = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(MessageType.Ack, (await unity.HeartbeatAsync()).Type);
        Assert.True(beat.ElapsedMilliseconds < 300, "an established session is never slowed down");
        Assert.Equal(30, server.Status().JunkDropped);
        Assert.Equal(100, server.Status().Engines.Single(e => e.Engine == Engines.Unity).Trust); // nothing unauthenticated costs trust
    }

    [Fact]
    public async Task strangers_beyond_the_limit_close_the_oldest_so_an_adapter_always_gets_in()
    {
        await using var server = new LinkServer(new LinkOptions { MaxPendingConnections = 8 }, _keys, _host, new LinkLog(TextWriter.Null));
        server.Start();
        var idle = new List<System.Net.Sockets.TcpClient>();
        try
        {
            for (int i = 0; i < 40; i++) // connections that never send a byte, held open
            {
                var c = new System.Net.Sockets.TcpClient();
                await c.ConnectAsync("127.0.0.1", server.Port);
                idle.Add(c);
            }
            var sw = System.Diagnostics.Stopwatch.StartNew();
            using var blender = await LinkClient.ConnectAsync(server.Port, Engines.Blender, _keys[Engines.Blender]).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(MessageType.Ack, (await blender.HeartbeatAsync()).Type);
            Assert.True(sw.ElapsedMilliseconds < 1000, $"the adapter took {sw.ElapsedMilliseconds} ms to get in");
            // The oldest idle strangers were closed to make room; the newest are still waiting.
            var first = idle[0].GetStream();
            int n;
            try { n = await first.ReadAsync(new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(5)); } catch (IOException) { n = 0; }
            Assert.Equal(0, n);
            await Eventually(() => server.Status().ConnectionsRefused >= 32, $"the oldest strangers were closed ({server.Status().ConnectionsRefused})");
        }
        finally { foreach (var c in idle) c.Dispose(); }
    }

    [Fact]
    public async Task trust_taken_by_a_rate_limit_comes_back_with_good_behaviour()
    {
        var unity = await Connect(Engines.Unity);
        Assert.Equal(MessageType.Ack, (await unity.RequestAsync(MessageType.Scene, EmptyScene)).Type);
        string move = "{\"operations\": [{\"op\": \"set_transform\", \"uuid\": \"00000000-0000-4000-8000-000000000004\", \"translation\": [1, 0, 0]}]}";
        int limited = 0;
        for (int i = 0; i < 62; i++) // the burst is 60 edits of one object at once (the clock stands still)
            if (Encoding.UTF8.GetString((await unity.RequestAsync(MessageType.Edit, move)).Payload.Span).Contains("RATE_LIMITED")) limited++;
        Assert.Equal(2, limited);
        Assert.Equal(80, _server.Status().Engines.Single(e => e.Engine == Engines.Unity).Trust);
        _clock.Advance(TimeSpan.FromSeconds(0.25)); // 240 a second refill the bucket
        Assert.Equal(MessageType.Ack, (await unity.RequestAsync(MessageType.Edit, move)).Type);
        for (int i = 0; i < 4; i++) // 20 s of good behaviour, heartbeating: a point a second
        {
            _clock.Advance(TimeSpan.FromSeconds(5));
            Assert.Equal(MessageType.Ack, (await unity.HeartbeatAsync()).Type);
        }
        Assert.Equal(100, _server.Status().Engines.Single(e => e.Engine == Engines.Unity).Trust);
    }

    [Fact]
    public async Task an_edit_before_the_session_reported_its_scene_is_refused_without_cost()
    {
        var unity = await Connect(Engines.Unity);
        var reply = await unity.RequestAsync(MessageType.Edit, "{\"operations\": [{\"op\": \"set_visibility\", \"uuid\": \"00000000-0000-4000-8000-000000000004\", \"visible\": false}]}");
        Assert.Equal(MessageType.Error, reply.Type);
        Assert.Contains("NOT_ATTACHED", Encoding.UTF8.GetString(reply.Payload.Span));
        Assert.Equal(100, _server.Status().Engines.Single(e => e.Engine == Engines.Unity).Trust);
        Assert.Equal(0, _server.Status().EditsAccepted);
        Assert.Equal(MessageType.Ack, (await unity.HeartbeatAsync()).Type);
    }

    [Fact]
    public async Task an_unfinished_scene_in_parts_is_dropped_when_its_time_is_up_and_its_late_parts_are_refused_not_revoked()
    {
        var unity = await Connect(Engines.Unity);
        var root = new string('0', 64);
        string Part(int part) => $"{{\"generation\": 1, \"root\": \"{root}\", \"part\": {part}, \"parts\": 3, \"scene\": {{}}}}";
        Assert.Equal(MessageType.Ack, (await unity.RequestAsync(MessageType.Scene, Part(0))).Type);
        for (int i = 0; i < 13; i++) // 65 s, heartbeating as an adapter does
        {
            _clock.Advance(TimeSpan.FromSeconds(5));
            Assert.Equal(MessageType.Ack, (await unity.HeartbeatAsync()).Type);
        }
        await Eventually(() => _log.ToString().Contains("unfinished 60 s after its first part"), "the transfer is dropped by the watchdog");
        var late = await unity.RequestAsync(MessageType.Scene, Part(1));
        Assert.Equal(MessageType.Error, late.Type);
        Assert.Contains("RESOURCE_LIMIT", Encoding.UTF8.GetString(late.Payload.Span));
        Assert.Equal(MessageType.Error, (await unity.RequestAsync(MessageType.Scene, Part(2))).Type);
        Assert.Equal(MessageType.Ack, (await unity.RequestAsync(MessageType.Scene, Part(0))).Type); // and a new transfer may start
        Assert.Empty(_host.Panics);
    }

    private static readonly string EmptyScene = $"{{\"generation\": 1, \"root\": \"{VibeSync.Protocol.Hashing.Hex.Encode(VibeSync.Protocol.Hashing.SceneHasher.Hash(VibeSync.Protocol.State.Scene.Empty).Root)}\", \"scene\": {{}}}}";

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
