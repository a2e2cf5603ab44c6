using System.Diagnostics;
using System.Net;
using VibeSync.Link;
using VibeSync.Protocol.Link;
using VibeSync.Protocol.Operations;

namespace VibeSync.Cli.Benchmarks;

/// <summary>
/// What TLS costs the link (<c>bench link --tls</c>, issue #22 item 2): one server with both
/// listeners, a signed HEARTBEAT → ACK round trip on loopback plaintext and one inside TLS 1.3,
/// measured alternately in the same run so the machine's load weighs on both alike.
/// </summary>
internal static class LinkTlsBenchmark
{
    public sealed record RoundTrips(int Samples, double LoopbackP50Us, double LoopbackP99Us, double TlsP50Us, double TlsP99Us, double RatioP50, double RatioP99);

    private sealed class NullHost : ILinkHost
    {
        public void Panic(string engine, string code, string reason) => throw new InvalidOperationException($"unexpected PANIC {code}: {reason}");
        public Task<(string Code, string Message)?> EditAsync(string engine, IntentRequest edit) => Task.FromResult<(string, string)?>(null);
    }

    public static async Task<RoundTrips> RunAsync(int samples, Action<string> progress)
    {
        var dir = Path.Combine(Path.GetTempPath(), "vibesync-bench-tls-" + Guid.NewGuid().ToString("N"));
        try
        {
            var keys = new Dictionary<string, byte[]> { [Engines.Blender] = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), [Engines.Unity] = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32) };
            var tls = Orchestrator.Keys.TlsCertificate.Listen(dir, new IPEndPoint(IPAddress.Loopback, 0));
            await using var server = new LinkServer(new LinkOptions { Tls = tls, RekeyInterval = TimeSpan.Zero, HeartbeatTimeout = TimeSpan.FromMinutes(10) },
                keys, new NullHost(), new LinkLog(TextWriter.Null));
            server.Start();
            using var plain = await LinkClient.ConnectAsync(server.Port, Engines.Blender, keys[Engines.Blender]);
            var keyFile = KeyFile.Parse(Protocol.Hashing.Hex.Encode(keys[Engines.Unity]) + "\ntls-sha256 " + Protocol.Hashing.Hex.Encode(tls.Fingerprint) +
                "\nendpoint " + server.TlsEndpoint + "\n");
            using var secure = await LinkClient.ConnectAsync(keyFile, () => 0, Engines.Unity);

            progress($"signed round trips: {samples:N0} HEARTBEAT → ACK on loopback and {samples:N0} inside TLS 1.3, alternately");
            for (int i = 0; i < 2_000; i++) { await plain.HeartbeatAsync(); await secure.HeartbeatAsync(); } // warm-up
            var loopback = new double[samples];
            var overTls = new double[samples];
            for (int i = 0; i < samples; i++)
            {
                loopback[i] = await Time(plain);
                overTls[i] = await Time(secure);
            }
            double lp50 = Percentiles.Of(loopback, 0.5), lp99 = Percentiles.Of(loopback, 0.99), tp50 = Percentiles.Of(overTls, 0.5), tp99 = Percentiles.Of(overTls, 0.99);
            return new RoundTrips(samples, lp50, lp99, tp50, tp99, tp50 / lp50, tp99 / lp99);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<double> Time(LinkClient client)
    {
        long t = Stopwatch.GetTimestamp();
        await client.HeartbeatAsync();
        return Stopwatch.GetElapsedTime(t).TotalMicroseconds;
    }
}
