using System.Net;
using System.Net.Sockets;
using System.Text;
using VibeSync.Protocol.Framing;
using VibeSync.Protocol.Link;

namespace VibeSync.Cli.Chaos;

/// <summary>
/// Strangers on the adapter link's port: random bytes, well-formed frames under a key that is not
/// the engine's (bad MAC), and connections that open and then go silent halfway through a frame.
/// The orchestrator must drop them all and carry on with the honest adapters.
/// </summary>
internal static class JunkConnections
{
    /// <summary>A few connections that each send random bytes and hang up; returns how many connected.</summary>
    public static async Task<int> RandomBytesAsync(int port, Random random)
    {
        int connections = 3 + random.Next(6), made = 0;
        for (int i = 0; i < connections; i++)
        {
            var bytes = new byte[16 + random.Next(4096)];
            random.NextBytes(bytes);
            if (await SendAsync(port, bytes)) made++;
        }
        return made;
    }

    /// <summary>HELLO-shaped frames (and one session frame) MAC'd with a key that is not the engine's.</summary>
    public static async Task<int> BadMacFramesAsync(int port, Random random)
    {
        int connections = 2 + random.Next(5), made = 0;
        for (int i = 0; i < connections; i++)
        {
            var key = new byte[32];
            random.NextBytes(key);
            string engine = random.Next(2) == 0 ? "blender" : "unity";
            var nonce = new byte[32];
            random.NextBytes(nonce);
            // Plausible to a parser, never parsed: the MAC is checked first.
            string payload = $"{{\"engine\": \"{engine}\", \"protocol\": \"{ProtocolVersion.Current}\", \"adapter\": \"chaos-junk\", \"project_id\": \"p\", " +
                             $"\"generation\": {1 + random.Next(100)}, \"nonce\": \"{Convert.ToHexStringLower(nonce)}\"}}";
            byte type = random.Next(3) == 0 ? MessageType.Edit : MessageType.Hello;
            var frame = FrameCodec.Encode(key, new Frame(type, (ulong)(1 + random.Next(1000)), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Encoding.UTF8.GetBytes(payload)));
            if (await SendAsync(port, frame)) made++;
        }
        return made;
    }

    /// <summary>Connections that send part of a frame header (or nothing) and then hold the socket open for <paramref name="hold"/>.</summary>
    public static async Task<int> HalfOpenAsync(int port, Random random, TimeSpan hold)
    {
        int connections = 2 + random.Next(8);
        var held = new List<TcpClient>();
        try
        {
            for (int i = 0; i < connections; i++)
            {
                var tcp = new TcpClient();
                try { await tcp.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(5)); }
                catch (Exception e) when (e is SocketException or TimeoutException) { tcp.Dispose(); continue; }
                held.Add(tcp);
                var partial = new byte[random.Next(FrameCodec.HeaderSize)]; // a length field and some header, never the rest
                if (partial.Length >= 4) BitConverter.TryWriteBytes(partial, 64 + random.Next(1024));
                try { if (partial.Length > 0) await tcp.GetStream().WriteAsync(partial); }
                catch (IOException) { }
            }
            await Task.Delay(hold);
            return held.Count;
        }
        finally
        {
            foreach (var tcp in held) tcp.Dispose();
        }
    }

    private static async Task<bool> SendAsync(int port, byte[] bytes)
    {
        using var tcp = new TcpClient();
        try { await tcp.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(5)); }
        catch (Exception e) when (e is SocketException or TimeoutException) { return false; }
        try
        {
            var stream = tcp.GetStream();
            await stream.WriteAsync(bytes);
            tcp.Client.Shutdown(SocketShutdown.Send);
            // Read until the server hangs up (it drops junk), at most a few seconds.
            var sink = new byte[512];
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            while (await stream.ReadAsync(sink, patience.Token) > 0) { }
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException) { }
        return true;
    }
}
