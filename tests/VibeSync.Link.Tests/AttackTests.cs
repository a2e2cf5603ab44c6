using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using VibeSync.Link.Tests.Support;
using VibeSync.Protocol.Framing;

namespace VibeSync.Link.Tests;

/// <summary>
/// Every attack of issue #5 against a real <c>vibesync serve</c> on loopback. In each case the
/// server stays up, the honest session (Unity's, unless the test says otherwise) carries on,
/// nothing is accepted that should not be, and the log names the error code.
/// </summary>
public sealed class AttackTests : IAsyncLifetime
{
    private const string Cube = "00000000-0000-4000-8000-000000000004";
    private ServeProcess _serve = null!;
    private LinkClient _honest = null!;

    public async Task InitializeAsync()
    {
        _serve = await ServeProcess.StartAsync("--frame-timeout", "1", "--quarantine-cool-off", "2", "--max-mesh-vertices", "100");
        _honest = await _serve.ConnectAsync(Engines.Unity);
        Assert.Equal(MessageType.Ack, (await _honest.HeartbeatAsync()).Type);
    }

    public async Task DisposeAsync()
    {
        _honest.Dispose();
        await _serve.DisposeAsync();
    }

    /// <summary>The engine reports an empty scene and waits until it is live (the first one seeds Reality): its edits count from then on.</summary>
    private async Task AttachAsync(LinkClient client, string engine, string scene = "{}")
    {
        var records = VibeSync.Protocol.SceneJson.SceneJsonReader.ReadCanonicalRecords(VibeSync.Protocol.Json.JsonParser.Parse(scene));
        var root = VibeSync.Protocol.Hashing.Hex.Encode(VibeSync.Protocol.Hashing.SceneHasher.Hash(records).Root);
        var answer = await client.RequestAsync(MessageType.Scene, $"{{\"generation\": 1, \"root\": \"{root}\", \"scene\": {scene}}}");
        Assert.True(answer.Type == MessageType.Ack, Encoding.UTF8.GetString(answer.Payload.Span));
        for (int i = 0; i < 200 && ServeProcess.PhaseOf(await _serve.StatusAsync(), engine) != "live"; i++) await Task.Delay(25);
        Assert.Equal("live", ServeProcess.PhaseOf(await _serve.StatusAsync(), engine));
    }

    private static string Move(double x, string uuid = Cube) =>
        $"{{\"operations\": [{{\"op\": \"set_transform\", \"uuid\": \"{uuid}\", \"translation\": [{x}, 0, 0]}}]}}";

    /// <summary>The honest session still answers, nothing else was accepted, and only the expected engines panicked.</summary>
    private async Task StillHonest(long editsAccepted = 0, params string[] panicked)
    {
        Assert.Equal(MessageType.Ack, (await _honest.HeartbeatAsync()).Type);
        var status = await _serve.StatusAsync();
        Assert.Equal(editsAccepted, status.GetProperty("link").GetProperty("edits_accepted").GetInt64());
        Assert.Equal(panicked.OrderBy(p => p), ServeProcess.Panicked(status).OrderBy(p => p));
        Assert.False(_serve.HasExited);
    }

    private Task<byte[]> SendRawAndWaitClose(byte[] bytes) => _serve.SendRawAndWaitCloseAsync(bytes);

    [Fact]
    public async Task garbage_bytes_are_dropped_and_counted()
    {
        Assert.Empty(await SendRawAndWaitClose(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
        await _serve.LoggedAsync("FRAME_TOO_LARGE"); // "GET " read as a length is ~542 MB
        Assert.True((await _serve.StatusAsync()).GetProperty("link").GetProperty("junk_dropped").GetInt64() >= 1);
        await StillHonest();
    }

    [Fact]
    public async Task a_huge_length_prefix_is_refused_before_anything_is_read()
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, uint.MaxValue);
        Assert.Empty(await SendRawAndWaitClose(bytes));
        await _serve.LoggedAsync("FRAME_TOO_LARGE");
        await StillHonest();
    }

    [Fact]
    public async Task a_stranger_may_not_announce_a_frame_larger_than_a_hello()
    {
        // 1 MiB is fine for an authenticated session but not before one: 256 pending strangers
        // announcing 16 MiB each must not be able to make the server hold 4 GiB.
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, 1024 * 1024);
        Assert.Empty(await SendRawAndWaitClose(bytes));
        var logged = await _serve.LoggedAsync("FRAME_TOO_LARGE");
        Assert.Contains("16384", logged.GetProperty("message").GetString());
        await StillHonest();
    }

    [Fact]
    public async Task a_wrong_mac_and_a_wrong_bootstrap_key_get_nothing()
    {
        Assert.Empty(await SendRawAndWaitClose(ServeProcess.HelloFrame(RandomNumberGenerator.GetBytes(32), Engines.Blender)));
        await _serve.LoggedAsync("FRAME_BAD_MAC");
        Assert.Empty(await SendRawAndWaitClose(ServeProcess.HelloFrame(_serve.UnityKey, Engines.Blender))); // Unity's key, claiming to be Blender
        await _serve.LoggedAsync("IMPERSONATION");
        Assert.False(ServeProcess.EngineIn(await _serve.StatusAsync(), Engines.Blender).GetProperty("connected").GetBoolean());
        await StillHonest();
    }

    [Fact]
    public async Task a_replayed_hello_is_refused()
    {
        var hello = ServeProcess.HelloFrame(_serve.BlenderKey, Engines.Blender);
        using (var first = new TcpClient())
        {
            await first.ConnectAsync("127.0.0.1", _serve.LinkPort);
            await first.GetStream().WriteAsync(hello);
            var welcome = await new FrameReader(first.GetStream()).ReadAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(MessageType.Welcome, FrameCodec.Decode(_serve.BlenderKey, welcome).Type); // the first time it is welcomed
        }
        Assert.Empty(await SendRawAndWaitClose(hello));
        await _serve.LoggedAsync("REPLAYED_HELLO");
        await StillHonest();
    }

    [Fact]
    public async Task a_stale_hello_is_refused()
    {
        Assert.Empty(await SendRawAndWaitClose(ServeProcess.HelloFrame(_serve.BlenderKey, Engines.Blender, time: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000)));
        await _serve.LoggedAsync("STALE_TIMESTAMP");
        await StillHonest();
    }

    [Fact]
    public async Task version_skew_beyond_one_minor_is_refused_with_a_clear_message()
    {
        var e = await Assert.ThrowsAsync<LinkRefusedException>(() => _serve.ConnectAsync(Engines.Blender, protocol: "1.7"));
        Assert.Equal("VERSION_SKEW", e.Code);
        Assert.Contains("more than one minor version", e.Message);
        await _serve.ConnectAsync(Engines.Blender, protocol: "1.2"); // one minor apart is fine
        await StillHonest();
    }

    [Theory]
    [InlineData("replayed", "BAD_SEQUENCE")]
    [InlineData("skipped", "BAD_SEQUENCE")]
    [InlineData("stale", "STALE_TIMESTAMP")]
    [InlineData("malformed", "MALFORMED")]
    [InlineData("unknown_type", "UNKNOWN_TYPE")]
    [InlineData("nan", "MALFORMED")]
    [InlineData("illegal_field", "ILLEGAL_FIELD")]
    [InlineData("drift", "GENERATION_DRIFT")]
    public async Task an_authenticated_contract_violation_revokes_that_session_and_panics_that_engine_only(string attack, string code)
    {
        var blender = await _serve.ConnectAsync(Engines.Blender);
        Assert.Equal(MessageType.Ack, (await blender.HeartbeatAsync()).Type);
        switch (attack)
        {
            case "replayed":
                var frame = blender.Encode(MessageType.Heartbeat, "{\"state\": \"ready\", \"generation\": 1, \"undo_depth\": 0}");
                blender.Advance();
                await blender.SendRawAsync(frame);
                await blender.ReceiveAsync();
                await blender.SendRawAsync(frame); // the same bytes again
                break;
            case "skipped":
                await blender.SendRawAsync(blender.Encode(MessageType.Heartbeat, "{\"state\": \"ready\", \"generation\": 1, \"undo_depth\": 0}", sequence: blender.NextSequence + 1));
                break;
            case "stale":
                await blender.SendRawAsync(blender.Encode(MessageType.Heartbeat, "{\"state\": \"ready\", \"generation\": 1, \"undo_depth\": 0}", timeMs: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 30_000));
                break;
            case "malformed": await blender.SendAsync(MessageType.Edit, "{\"operations\": [}"); break;
            case "unknown_type": await blender.SendAsync(0x7f, "{}"); break;
            case "nan": await blender.SendAsync(MessageType.Edit, $"{{\"operations\": [{{\"op\": \"set_transform\", \"uuid\": \"{Cube}\", \"translation\": [NaN, 0, 0]}}]}}"); break;
            case "illegal_field": await blender.SendAsync(MessageType.Edit, $"{{\"operations\": [{{\"op\": \"set_visibility\", \"uuid\": \"{Cube}\", \"visible\": true, \"script\": \"x\"}}]}}"); break;
            case "drift": await blender.SendAsync(MessageType.Heartbeat, "{\"state\": \"ready\", \"generation\": 2, \"undo_depth\": 0}"); break;
        }
        var logged = await _serve.LoggedAsync(code, Engines.Blender);
        Assert.Contains("revoked", logged.GetProperty("message").GetString());
        await _serve.LoggedAsync(code, Engines.Blender); // and the PANIC names it too
        var status = await _serve.StatusAsync();
        Assert.Contains(Engines.Blender, ServeProcess.Panicked(status));
        Assert.False(ServeProcess.EngineIn(status, Engines.Blender).GetProperty("connected").GetBoolean());
        await StillHonest(0, Engines.Blender); // Unity carries on
        blender.Dispose();
    }

    [Fact]
    public async Task a_frame_under_the_unity_session_key_on_the_blender_session_is_junk()
    {
        var blender = await _serve.ConnectAsync(Engines.Blender);
        // Unity's session key, on Blender's connection: the MAC cannot verify.
        var forged = _honest.Encode(MessageType.Heartbeat, "{\"state\": \"ready\", \"generation\": 1, \"undo_depth\": 0}", sequence: blender.NextSequence);
        await blender.SendRawAsync(forged);
        Assert.Null(await blender.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(10))); // dropped
        await _serve.LoggedAsync("FRAME_BAD_MAC", Engines.Blender);
        await StillHonest(); // no PANIC: an unauthenticated frame changes nothing
    }

    [Fact]
    public async Task a_frame_held_open_half_way_is_cut_off()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", _serve.LinkPort);
        var hello = ServeProcess.HelloFrame(_serve.BlenderKey, Engines.Blender);
        await tcp.GetStream().WriteAsync(hello.AsMemory(0, hello.Length / 2));
        var buffer = new byte[16];
        int n;
        try { n = await tcp.GetStream().ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10)); }
        catch (IOException) { n = 0; }
        Assert.Equal(0, n);
        var logged = await _serve.LoggedAsync("FRAME_TRUNCATED");
        Assert.Contains("held open", logged.GetProperty("message").GetString());
        await StillHonest();
    }

    [Fact]
    public async Task a_thousand_connections_at_once_do_not_take_the_server_down()
    {
        var clients = new List<TcpClient>();
        try
        {
            var opening = Enumerable.Range(0, 1000).Select(async _ =>
            {
                var tcp = new TcpClient();
                try { await tcp.ConnectAsync("127.0.0.1", _serve.LinkPort); }
                catch (SocketException) { }
                lock (clients) clients.Add(tcp);
            });
            await Task.WhenAll(opening);
            await StillHonest();
            var status = await _serve.StatusAsync();
            Assert.True(status.GetProperty("link").GetProperty("connections_refused").GetInt64() > 0, "beyond the pending limit connections are refused");
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
        await _serve.LoggedAsync("CONNECTION_LIMIT");
        var blender = await _serve.ConnectAsync(Engines.Blender); // and a new honest session still gets in
        Assert.Equal(MessageType.Ack, (await blender.HeartbeatAsync()).Type);
    }

    [Fact]
    public async Task a_flood_depletes_trust_into_quarantine_which_cools_off()
    {
        var blender = await _serve.ConnectAsync(Engines.Blender);
        await AttachAsync(blender, Engines.Blender);
        // A loop between two misbehaving adapters: edits of one object back to back, not waiting for
        // answers. The first burst is absorbed (60 at once); the rest are limited until trust is gone.
        var frames = Enumerable.Range(0, 200).Select(i => blender.Encode(MessageType.Edit, Move(2 + i * 0.001), sequence: blender.NextSequence + (ulong)i)).ToArray();
        blender.Advance((ulong)frames.Length);
        await blender.SendRawAsync(frames.SelectMany(f => f).ToArray());
        var codes = new List<string>();
        while (codes.Count < frames.Length)
        {
            var reply = await blender.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(10)) ?? throw new IOException("closed");
            var text = Encoding.UTF8.GetString(reply.Payload.Span);
            codes.Add(reply.Type == MessageType.Ack ? "ACK" : System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("code").GetString()!);
        }
        int limited = codes.Count(c => c == "RATE_LIMITED");
        Assert.InRange(codes.TakeWhile(c => c == "ACK").Count(), 60, 199); // the burst
        Assert.InRange(limited, 1, 10); // 100 trust, 10 per violation (regained at a point a second: not within this burst)
        Assert.Equal("QUARANTINED", codes[^1]);
        await _serve.LoggedAsync("RATE_LIMITED", Engines.Blender);
        var engine = ServeProcess.EngineIn(await _serve.StatusAsync(), Engines.Blender);
        Assert.True(engine.GetProperty("quarantined").GetBoolean());
        long accepted = (await _serve.StatusAsync()).GetProperty("link").GetProperty("edits_accepted").GetInt64();
        for (int i = 0; i < 5; i++) // read-only now: every edit is refused, even on other objects
            Assert.Contains("\"code\": \"QUARANTINED\"", Encoding.UTF8.GetString((await blender.RequestAsync(MessageType.Edit, Move(i, $"00000000-0000-4000-8000-00000000010{i}"))).Payload.Span));
        Assert.Equal(accepted, (await _serve.StatusAsync()).GetProperty("link").GetProperty("edits_accepted").GetInt64());
        Assert.Equal(MessageType.Ack, (await blender.HeartbeatAsync()).Type); // still connected: quarantine is read-only, not a PANIC

        await Task.Delay(2200); // the cool-off
        Assert.Equal(MessageType.Ack, (await blender.RequestAsync(MessageType.Edit, Move(3, "00000000-0000-4000-8000-000000000005"))).Type);
        await StillHonest(accepted + 1);
    }

    [Fact]
    public async Task a_forbidden_path_quarantines_at_once_and_oversize_meshes_are_refused_with_a_clear_error_that_costs_no_trust()
    {
        var blender = await _serve.ConnectAsync(Engines.Blender);
        await AttachAsync(_honest, Engines.Unity);
        var positions = string.Join(", ", Enumerable.Repeat("[0, 0, 0]", 101));
        int trust = ServeProcess.EngineIn(await _serve.StatusAsync(), Engines.Unity).GetProperty("trust").GetInt32();
        var oversize = await _honest.RequestAsync(MessageType.Edit,
            $"{{\"operations\": [{{\"op\": \"replace_mesh\", \"uuid\": \"{Cube}\", \"positions\": [{positions}], \"triangles\": [[0, 1, 2]]}}]}}");
        Assert.Equal(MessageType.Error, oversize.Type);
        var text = Encoding.UTF8.GetString(oversize.Payload.Span);
        Assert.Contains("\"RESOURCE_LIMIT\"", text);
        Assert.Contains("101 vertices exceeds limits.max_mesh_vertices = 100", text);
        var unity = ServeProcess.EngineIn(await _serve.StatusAsync(), Engines.Unity);
        Assert.False(unity.GetProperty("quarantined").GetBoolean());
        Assert.Equal(trust, unity.GetProperty("trust").GetInt32()); // a limit is a fact about content, not misbehaviour
        var reply = await blender.RequestAsync(MessageType.Edit, $"{{\"operations\": [{{\"op\": \"replace_asset\", \"uuid\": \"{Cube}\", \"asset\": \"../../etc/passwd\"}}]}}");
        Assert.Contains("FORBIDDEN_PATH", Encoding.UTF8.GetString(reply.Payload.Span));
        Assert.True(ServeProcess.EngineIn(await _serve.StatusAsync(), Engines.Blender).GetProperty("quarantined").GetBoolean());
        await StillHonest();
    }

    [Fact]
    public async Task an_edit_from_a_session_that_never_reported_its_scene_is_refused_and_costs_nothing()
    {
        var blender = await _serve.ConnectAsync(Engines.Blender);
        var reply = await blender.RequestAsync(MessageType.Edit, Move(1));
        Assert.Equal(MessageType.Error, reply.Type);
        Assert.Contains("\"NOT_ATTACHED\"", Encoding.UTF8.GetString(reply.Payload.Span));
        Assert.Equal(100, ServeProcess.EngineIn(await _serve.StatusAsync(), Engines.Blender).GetProperty("trust").GetInt32());
        await StillHonest();
    }

    [Fact]
    public async Task names_full_of_blocked_patterns_are_data_in_every_report_and_never_revoke()
    {
        // Nothing in protocol 1 is evaluated as code (docs/protocol.md §11.3): a name is a name.
        const string name = "__import__('os').system('rm -rf /')";
        var blender = await _serve.ConnectAsync(Engines.Blender);
        string scene = $"{{\"objects\": [{{\"uuid\": \"{Cube}\", \"name\": {System.Text.Json.JsonSerializer.Serialize(name)}, \"kind\": \"empty\", \"parent\": null, " +
            "\"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1], \"visible\": true, \"materials\": [], \"mesh\": null}]}";
        await AttachAsync(blender, Engines.Blender, scene); // seeds Reality with that name
        var notSynced = $"{{\"items\": [{{\"name\": \"subprocess.Popen\", \"type\": \"CURVE\", \"code\": \"UNSUPPORTED_TYPE\", \"reason\": {System.Text.Json.JsonSerializer.Serialize("eval(open('x').read()) is not synced")}}}]}}";
        Assert.Equal(MessageType.Ack, (await blender.RequestAsync(MessageType.NotSynced, notSynced)).Type);
        var rename = await blender.RequestAsync(MessageType.Edit, $"{{\"operations\": [{{\"op\": \"rename\", \"uuid\": \"{Cube}\", \"name\": \"Rock__01__LOD\"}}]}}");
        Assert.Equal(MessageType.Ack, rename.Type);
        Assert.Equal(MessageType.Ack, (await blender.HeartbeatAsync()).Type);
        await StillHonest(1);
        Assert.DoesNotContain(_serve.Log, l => l.Contains("BLOCKED_PATTERN"));
    }

    [Fact]
    public async Task an_honest_edit_is_accepted_and_counted()
    {
        await AttachAsync(_honest, Engines.Unity);
        var reply = await _honest.RequestAsync(MessageType.Edit, Move(1.5));
        Assert.Equal(MessageType.Ack, reply.Type);
        await StillHonest(1);
    }
}
