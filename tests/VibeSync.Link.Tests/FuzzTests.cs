using System.Net.Sockets;
using System.Text;
using VibeSync.Link.Tests.Support;
using VibeSync.Protocol.Framing;

namespace VibeSync.Link.Tests;

/// <summary>
/// Seeded fuzzers against a real serve process. The first: valid frames (HELLOs and session frames),
/// mutated (bit flips, byte changes, truncation, extension, length field edits, spliced header
/// fields), sent on fresh connections. ≥ 10,000 cases here; VIBESYNC_LONG=1 runs 1,000,000.
/// The server must stay up, the honest session must carry on, and nothing may change.
/// </summary>
[Collection(UnderAttack.Name)]
public sealed class FuzzTests
{
    [Fact]
    public async Task mutated_frames_never_crash_the_server_nor_change_anything()
    {
        int cases = Environment.GetEnvironmentVariable("VIBESYNC_LONG") == "1" ? 1_000_000 : 10_000;
        await using var serve = await ServeProcess.StartAsync("--frame-timeout", "0.5");
        // HELLO templates are welcomed once first, so an intact copy inside a mutated case is a replay.
        var hellos = new[] { await WelcomedHelloAsync(serve, Engines.Blender), await WelcomedHelloAsync(serve, Engines.Unity) };
        using var honest = await serve.ConnectAsync(Engines.Unity);
        using var beating = new CancellationTokenSource();
        var heartbeats = Task.Run(async () => // the honest adapter heartbeats throughout, as a real one does
        {
            while (!beating.IsCancellationRequested)
            {
                Assert.Equal(MessageType.Ack, (await honest.HeartbeatAsync()).Type);
                try { await Task.Delay(1000, beating.Token); } catch (OperationCanceledException) { }
            }
        });
        var attacker = await serve.ConnectAsync(Engines.Blender); // its session frames are the templates for session-level mutations
        var templates = new List<byte[]>
        {
            hellos[0], hellos[1],
            attacker.Encode(MessageType.Heartbeat, "{\"state\": \"ready\", \"generation\": 1, \"undo_depth\": 0}"),
            attacker.Encode(MessageType.Edit, "{\"operations\": [{\"op\": \"set_visibility\", \"uuid\": \"00000000-0000-4000-8000-000000000004\", \"visible\": false}]}"),
        };
        attacker.Dispose();

        long done = 0;
        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var r = new Random(1234 + w);
            while (Interlocked.Increment(ref done) <= cases)
            {
                var bytes = Mutate(templates[r.Next(templates.Count)], r);
                using var tcp = new TcpClient();
                await tcp.ConnectAsync("127.0.0.1", serve.LinkPort);
                var stream = tcp.GetStream();
                try
                {
                    await stream.WriteAsync(bytes);
                    tcp.Client.Shutdown(SocketShutdown.Send);
                    var sink = new byte[512];
                    while (await stream.ReadAsync(sink).AsTask().WaitAsync(TimeSpan.FromSeconds(10)) > 0) { }
                }
                catch (IOException) { }
                catch (SocketException) { }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        beating.Cancel();
        await heartbeats;

        Assert.False(serve.HasExited);
        Assert.Equal(MessageType.Ack, (await honest.HeartbeatAsync()).Type);
        var status = await serve.StatusAsync();
        Assert.Equal(0, status.GetProperty("link").GetProperty("edits_accepted").GetInt64());
        Assert.Empty(ServeProcess.Panicked(status));
        Assert.Equal(0, status.GetProperty("link").GetProperty("violations").GetInt64());
        Assert.False(ServeProcess.EngineIn(status, Engines.Blender).GetProperty("connected").GetBoolean());
        Assert.Equal(2, serve.Log.Count(line => line.Contains("\"session_start\"") && line.Contains("adapter fuzz"))); // the two sent intact; no mutated HELLO got in
        Assert.True(status.GetProperty("link").GetProperty("junk_dropped").GetInt64() >= cases * 9 / 10);
        Assert.True(serve.Log.Count < cases / 10, $"{serve.Log.Count} log lines for {cases} junk connections: junk is summarized, a line a second per kind");
    }

    /// <summary>A HELLO of <paramref name="engine"/> that serve welcomed (a busy machine may time the first one out: then another).</summary>
    private static async Task<byte[]> WelcomedHelloAsync(ServeProcess serve, string engine)
    {
        for (int attempt = 0; ; attempt++)
        {
            var hello = ServeProcess.HelloFrame(serve.KeyOf(engine), engine, adapter: "fuzz");
            using var once = new TcpClient();
            await once.ConnectAsync("127.0.0.1", serve.LinkPort);
            await once.GetStream().WriteAsync(hello);
            var answer = await new FrameReader(once.GetStream()).ReadAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            if (answer != null && FrameCodec.Decode(serve.KeyOf(engine), answer).Type == MessageType.Welcome) return hello;
            Assert.True(attempt < 5, $"{engine}'s HELLO was never welcomed");
        }
    }

    /// <summary>Strings an engine stores as names and reasons: code-shaped ones are data too.</summary>
    private static readonly string[] Names =
    {
        "Cube", "Rock__01__LOD", "os.system(x)__import__", "__import__('os').system('rm -rf /')", "exec(open('x').read())",
        "subprocess.Popen", "import os", "System.Reflection.Assembly.Load", "Process.Start(\"cmd\")", "pickle.loads", "ünïcödé ✓", "a\"b\\c",
    };

    /// <summary>
    /// A process holding Blender's key, in seeded random sessions, tries every authenticated case of
    /// issue #16 — edits before attaching (of hidden objects too), names and reasons full of blocked
    /// patterns, HUMAN_ACTIVE locks left behind by a reconnect of the same or the next generation,
    /// SCENEs in parts left unfinished or over the bound, bursts of edits — while a keyless process
    /// floods the link and the honest Unity engine (the real simulator) drags an object throughout.
    /// Nothing it does may revoke it for data, move Reality, leave a lock, or cost Unity anything.
    /// 300 actions here; VIBESYNC_LONG=1 runs 20,000.
    /// </summary>
    [Fact]
    public async Task a_keyholder_in_random_hostile_sessions_never_moves_reality_nor_costs_the_honest_engine()
    {
        int actions = Environment.GetEnvironmentVariable("VIBESYNC_LONG") == "1" ? 20_000 : 300;
        await using var serve = await ServeProcess.StartAsync();
        await using var sim = SimProcess.Start(serve);
        await sim.LiveAsync(serve);
        var realityBefore = System.Text.Json.JsonDocument.Parse(await serve.GetStringAsync("/v1/state?engine=reality&space=unity")).RootElement;
        await using var flood = JunkFlood.Start(serve.LinkPort, 600);
        using var dragging = new CancellationTokenSource();
        double lastX = 1;
        var drag = Task.Run(async () =>
        {
            for (int i = 1; !dragging.IsCancellationRequested; i++)
            {
                sim.MoveCube(lastX = 1 + i * 0.001);
                await Task.Delay(33); // 30 Hz
            }
        });

        var r = new Random(16);
        var uuids = new[] { SimProcess.Cube, "5a1d0000-0000-4000-8000-000000000003", "h-5a1d0000-0000-4000-8000-000000000009", "00000000-0000-4000-8000-0000000000ff" };
        LinkClient? attacker = null;
        long generation = 1;
        int scenePart = -1, sceneParts = 0;
        var counts = new Dictionary<string, int>();
        for (int a = 0; a < actions; a++)
        {
            if (attacker == null)
            {
                attacker = await serve.ConnectAsync(Engines.Blender, generation);
                scenePart = -1;
            }
            string name = Names[r.Next(Names.Length)], uuid = uuids[r.Next(uuids.Length)];
            string kind;
            Frame? reply = null;
            switch (r.Next(8))
            {
                case 0 or 1: // an edit, never allowed before the session attached
                    kind = "edit";
                    reply = await attacker.RequestAsync(MessageType.Edit, r.Next(2) == 0
                        ? $"{{\"operations\": [{{\"op\": \"rename\", \"uuid\": \"{uuid}\", \"name\": {System.Text.Json.JsonSerializer.Serialize(name)}}}]}}"
                        : $"{{\"operations\": [{{\"op\": \"set_transform\", \"uuid\": \"{uuid}\", \"translation\": [{r.Next(100)}, 0, 0]}}]}}");
                    Assert.Equal("NOT_ATTACHED", Code(reply));
                    break;
                case 2: // a burst of edits without waiting
                    kind = "burst";
                    var frames = Enumerable.Range(0, 20).Select(i => attacker.Encode(MessageType.Edit,
                        $"{{\"operations\": [{{\"op\": \"set_visibility\", \"uuid\": \"{uuid}\", \"visible\": {(i % 2 == 0 ? "true" : "false")}}}]}}", sequence: attacker.NextSequence + (ulong)i)).ToArray();
                    attacker.Advance((ulong)frames.Length);
                    await attacker.SendRawAsync(frames.SelectMany(f => f).ToArray());
                    for (int i = 0; i < frames.Length; i++)
                        Assert.Equal("NOT_ATTACHED", Code(await attacker.ReceiveAsync() ?? throw new IOException("closed")));
                    break;
                case 3: // a lock, taken and maybe left behind
                    kind = "human_active";
                    reply = await attacker.RequestAsync(MessageType.HumanActive, $"{{\"uuids\": [\"{uuid}\"], \"active\": {(r.Next(3) > 0 ? "true" : "false")}}}");
                    Assert.Equal(MessageType.Ack, reply.Type);
                    break;
                case 4: // a part of a SCENE in parts, never finished
                    kind = "scene_part";
                    if (scenePart < 0) { scenePart = 0; sceneParts = r.Next(2, 4096); }
                    if (scenePart + 1 >= sceneParts) { kind = "heartbeat"; reply = await attacker.HeartbeatAsync(); break; }
                    var objects = string.Join(", ", Enumerable.Range(0, r.Next(1, 50)).Select(i =>
                        $"{{\"uuid\": \"00000000-0000-4000-8000-{a:x4}{i:x8}\", \"name\": {System.Text.Json.JsonSerializer.Serialize(Names[r.Next(Names.Length)])}, \"kind\": \"empty\", \"parent\": null, " +
                        "\"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1], \"visible\": true, \"materials\": [], \"mesh\": null}"));
                    reply = await attacker.RequestAsync(MessageType.Scene,
                        $"{{\"generation\": {generation}, \"root\": \"{new string('a', 64)}\", \"part\": {scenePart}, \"parts\": {sceneParts}, \"scene\": {{\"objects\": [{objects}]}}}}");
                    Assert.Contains(Code(reply), new[] { "ACK", "RESOURCE_LIMIT" }); // over its time (60 s), the rest of a transfer is refused
                    scenePart++;
                    break;
                case 5: // what it does not sync, named with code-shaped strings
                    kind = "not_synced";
                    reply = await attacker.RequestAsync(MessageType.NotSynced,
                        $"{{\"items\": [{{\"name\": {System.Text.Json.JsonSerializer.Serialize(name)}, \"type\": \"CURVE\", \"code\": \"UNSUPPORTED_TYPE\", \"reason\": {System.Text.Json.JsonSerializer.Serialize(Names[r.Next(Names.Length)] + " is not synced")}}}]}}");
                    Assert.Equal(MessageType.Ack, reply.Type);
                    break;
                case 6: // gone, and back with the same or the next generation
                    kind = "reconnect";
                    attacker.Dispose();
                    if (r.Next(2) == 0) generation++;
                    attacker = null;
                    break;
                default:
                    kind = "heartbeat";
                    reply = await attacker.HeartbeatAsync();
                    Assert.Equal(MessageType.Ack, reply.Type);
                    break;
            }
            counts[kind] = counts.GetValueOrDefault(kind) + 1;
        }
        attacker?.Dispose();
        dragging.Cancel();
        await drag;

        var status = await serve.StatusAsync();
        string summary = string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}"));
        Assert.Equal(0, status.GetProperty("link").GetProperty("violations").GetInt64());
        Assert.Empty(ServeProcess.Panicked(status));
        Assert.Equal("live", ServeProcess.PhaseOf(status, Engines.Unity));
        var unity = ServeProcess.EngineIn(status, Engines.Unity);
        Assert.Equal(100, unity.GetProperty("trust").GetInt32());
        Assert.Equal(0, serve.Log.Count(l => l.Contains("\"RATE_LIMITED\"") && l.Contains("\"unity\"")));
        Assert.DoesNotContain("human:blender", await serve.GetStringAsync("/v1/wal?since=0&limit=1000"));
        for (int i = 0; i < 100 && status.GetProperty("sync").GetProperty("locks").GetArrayLength() > 0; i++)
        {
            await Task.Delay(50);
            status = await serve.StatusAsync();
        }
        Assert.Empty(status.GetProperty("sync").GetProperty("locks").EnumerateArray()); // its last session is gone: so are its locks
        // Reality moved only where the person in Unity moved it.
        var after = System.Text.Json.JsonDocument.Parse(await serve.GetStringAsync("/v1/state?engine=reality&space=unity")).RootElement;
        for (int i = 0; i < 100 && Math.Abs(CubeX(after) - lastX) > 1e-6; i++)
        {
            await Task.Delay(100);
            after = System.Text.Json.JsonDocument.Parse(await serve.GetStringAsync("/v1/state?engine=reality&space=unity")).RootElement;
        }
        Assert.True(Math.Abs(CubeX(after) - lastX) < 1e-6, $"Reality's Cube is at {CubeX(after)}, the person left it at {lastX} ({summary})");
        Assert.Equal(Without(realityBefore, SimProcess.Cube), Without(after, SimProcess.Cube));
        Assert.True(serve.ResidentBytes() < 1L << 30, $"serve holds {serve.ResidentBytes() >> 20} MiB");
    }

    private static string Code(Frame reply) =>
        reply.Type == MessageType.Ack ? "ACK" : System.Text.Json.JsonDocument.Parse(reply.Payload.ToArray()).RootElement.GetProperty("code").GetString()!;

    private static double CubeX(System.Text.Json.JsonElement scene) =>
        scene.GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("uuid").GetString() == SimProcess.Cube).GetProperty("localPosition")[0].GetDouble();

    private static string Without(System.Text.Json.JsonElement scene, string uuid) =>
        string.Join("\n", scene.GetProperty("objects").EnumerateArray().Where(o => o.GetProperty("uuid").GetString() != uuid).Select(o => o.GetRawText())
            .Concat(scene.GetProperty("materials").EnumerateArray().Select(m => m.GetRawText())).Concat(scene.GetProperty("meshes").EnumerateArray().Select(m => m.GetRawText())));

    /// <summary>At least one byte differs from the template (so a mutated HELLO can never be a valid one).</summary>
    private static byte[] Mutate(byte[] template, Random r)
    {
        var b = template.ToArray();
        switch (r.Next(7))
        {
            case 0: b[r.Next(b.Length)] ^= (byte)(1 << r.Next(8)); break;
            case 1: for (int i = 0, n = r.Next(1, 8); i < n; i++) { int at = r.Next(b.Length); b[at] = (byte)(b[at] + r.Next(1, 256)); } break;
            case 2: b = b[..r.Next(1, b.Length)]; b[^1] ^= 0xff; break;
            case 3: b = b.Concat(Enumerable.Range(0, r.Next(1, 64)).Select(_ => (byte)r.Next(256))).ToArray(); b[r.Next(4, b.Length)] ^= 1; break;
            case 4: BitConverter.GetBytes(r.Next(2) == 0 ? (uint)r.Next() : (uint)(b.Length - 4 + r.Next(-8, 8) | 1)).CopyTo(b, 0); b[8] ^= 0x40; break;
            case 5: b[4 + r.Next(20)] = (byte)(b[4 + r.Next(20)] + 1 + r.Next(255)); break;
            default: b = Enumerable.Range(0, r.Next(1, 200)).Select(_ => (byte)r.Next(256)).ToArray(); break;
        }
        if (b.AsSpan().SequenceEqual(template)) b[^1] ^= 0x5a;
        return b;
    }
}
