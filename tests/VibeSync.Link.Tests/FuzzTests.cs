using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using VibeSync.Link.Tests.Support;
using VibeSync.Protocol.Framing;

namespace VibeSync.Link.Tests;

/// <summary>
/// A seeded fuzzer against a real serve process: valid frames (HELLOs and session frames),
/// mutated (bit flips, byte changes, truncation, extension, length field edits, spliced header
/// fields), sent on fresh connections. ≥ 10,000 cases here; VIBESYNC_LONG=1 runs 1,000,000.
/// The server must stay up, the honest session must carry on, and nothing may change.
/// </summary>
public sealed class FuzzTests
{
    [Fact]
    public async Task mutated_frames_never_crash_the_server_nor_change_anything()
    {
        int cases = Environment.GetEnvironmentVariable("VIBESYNC_LONG") == "1" ? 1_000_000 : 10_000;
        await using var serve = await ServeProcess.StartAsync("--junk-penalty-max", "0", "--frame-timeout", "0.5");
        // HELLO templates are sent once first, so an intact copy inside a mutated case is a replay.
        var hellos = new[] { ServeProcess.HelloFrame(serve.BlenderKey, Engines.Blender, adapter: "fuzz"), ServeProcess.HelloFrame(serve.UnityKey, Engines.Unity, adapter: "fuzz") };
        foreach (var hello in hellos)
        {
            using var once = new TcpClient();
            await once.ConnectAsync("127.0.0.1", serve.LinkPort);
            await once.GetStream().WriteAsync(hello);
            await new FrameReader(once.GetStream()).ReadAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }
        using var honest = await serve.ConnectAsync(Engines.Unity);
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

        Assert.False(serve.HasExited);
        Assert.Equal(MessageType.Ack, (await honest.HeartbeatAsync()).Type);
        var status = await serve.StatusAsync();
        Assert.Equal(0, status.GetProperty("link").GetProperty("edits_accepted").GetInt64());
        Assert.Empty(ServeProcess.Panicked(status));
        Assert.Equal(0, status.GetProperty("link").GetProperty("violations").GetInt64());
        Assert.False(ServeProcess.EngineIn(status, Engines.Blender).GetProperty("connected").GetBoolean());
        Assert.Equal(2, serve.Log.Count(line => line.Contains("\"session_start\"") && line.Contains("adapter fuzz"))); // the two sent intact; no mutated HELLO got in
        Assert.True(status.GetProperty("link").GetProperty("junk_dropped").GetInt64() >= cases * 9 / 10);
    }

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
