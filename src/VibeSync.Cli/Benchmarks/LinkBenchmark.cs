using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using VibeSync.Protocol.Operations;
using VibeSync.Link;
using VibeSync.Protocol.Link;

namespace VibeSync.Cli.Benchmarks;

/// <summary>
/// The adapter link on loopback, in one process with real sockets: a signed request/response
/// round trip (HEARTBEAT → ACK, through the whole server path: MAC, sequence, clock, JSON,
/// firewall, reply) against an unsigned echo of the same frame bytes over a bare socket, and the
/// rate of small signed frames one connection carries.
/// </summary>
internal static class LinkBenchmark
{
    public sealed record RoundTrip(int Samples, double SignedP50Us, double SignedP99Us, double UnsignedP50Us, double UnsignedP99Us, double RatioP50, double RatioP99);

    public sealed record Throughput(int Frames, double Seconds, double FramesPerSecond, int FrameBytes);

    private sealed class NullHost : ILinkHost
    {
        public void Panic(string engine, string code, string reason) => throw new InvalidOperationException($"unexpected PANIC {code}: {reason}");
        public Task<(string Code, string Message)?> EditAsync(string engine, IntentRequest edit) => Task.FromResult<(string, string)?>(null);
    }

    private const string Beat = "{\"state\": \"ready\", \"generation\": 1, \"undo_depth\": 0}";

    public static async Task<(RoundTrip, Throughput)> RunAsync(int samples, int frames, Action<string> progress)
    {
        var key = new byte[32];
        System.Security.Cryptography.RandomNumberGenerator.Fill(key);
        var keys = new Dictionary<string, byte[]> { [Engines.Blender] = key, [Engines.Unity] = new byte[32] };
        await using var server = new LinkServer(new LinkOptions { RekeyInterval = TimeSpan.Zero, HeartbeatTimeout = TimeSpan.FromMinutes(10) },
            keys, new NullHost(), new LinkLog(TextWriter.Null));
        server.Start();
        using var client = await LinkClient.ConnectAsync(server.Port, Engines.Blender, key);

        progress($"signed round trips: {samples:N0} HEARTBEAT → ACK");
        for (int i = 0; i < 2_000; i++) await client.HeartbeatAsync(); // warm-up
        var signed = new double[samples];
        for (int i = 0; i < samples; i++)
        {
            long t = Stopwatch.GetTimestamp();
            await client.HeartbeatAsync();
            signed[i] = Stopwatch.GetElapsedTime(t).TotalMicroseconds;
        }
        int frameBytes = client.Encode(MessageType.Heartbeat, Beat).Length;

        progress($"unsigned round trips: {samples:N0} echoes of {frameBytes}-byte frames over a bare socket");
        var unsigned = await UnsignedAsync(samples, frameBytes);

        progress($"throughput: {frames:N0} signed frames on one connection, pipelined");
        long acked = 0;
        var sw = Stopwatch.StartNew();
        var reader = Task.Run(async () =>
        {
            while (Interlocked.Read(ref acked) < frames)
            {
                var f = await client.ReceiveAsync() ?? throw new IOException("closed");
                if (f.Type == MessageType.Ack) Interlocked.Increment(ref acked);
            }
        });
        for (int i = 0; i < frames; i++) await client.SendAsync(MessageType.Heartbeat, Beat);
        await reader;
        double seconds = sw.Elapsed.TotalSeconds;

        var rt = new RoundTrip(samples, Percentiles.Of(signed, 0.5), Percentiles.Of(signed, 0.99), Percentiles.Of(unsigned, 0.5), Percentiles.Of(unsigned, 0.99),
            Percentiles.Of(signed, 0.5) / Percentiles.Of(unsigned, 0.5), Percentiles.Of(signed, 0.99) / Percentiles.Of(unsigned, 0.99));
        return (rt, new Throughput(frames, seconds, frames / seconds, frameBytes));
    }

    /// <summary>The baseline: a length-prefixed echo over a plain loopback socket, no MAC, no parsing.</summary>
    private static async Task<double[]> UnsignedAsync(int samples, int frameBytes)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var echo = Task.Run(async () =>
        {
            using var peer = await listener.AcceptTcpClientAsync();
            peer.NoDelay = true;
            var s = peer.GetStream();
            var buffer = new byte[frameBytes];
            while (true)
            {
                if (!await Fill(s, buffer)) return;
                await s.WriteAsync(buffer);
            }
        });
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var stream = tcp.GetStream();
        var frame = new byte[frameBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)(frameBytes - 4));
        var back = new byte[frameBytes];
        for (int i = 0; i < 2_000; i++) { await stream.WriteAsync(frame); await Fill(stream, back); }
        var times = new double[samples];
        for (int i = 0; i < samples; i++)
        {
            long t = Stopwatch.GetTimestamp();
            await stream.WriteAsync(frame);
            await Fill(stream, back);
            times[i] = Stopwatch.GetElapsedTime(t).TotalMicroseconds;
        }
        tcp.Close();
        listener.Stop();
        try { await echo; } catch (IOException) { }
        return times;
    }

    private static async Task<bool> Fill(NetworkStream s, byte[] buffer)
    {
        int got = 0;
        while (got < buffer.Length)
        {
            int n = await s.ReadAsync(buffer.AsMemory(got));
            if (n == 0) return false;
            got += n;
        }
        return true;
    }
}
