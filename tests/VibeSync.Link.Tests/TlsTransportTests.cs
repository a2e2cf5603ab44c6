using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using VibeSync.Link.Tests.Support;
using VibeSync.Link.Transport;
using VibeSync.Orchestrator.Keys;
using VibeSync.Protocol.Framing;
using VibeSync.Protocol.Hashing;

namespace VibeSync.Link.Tests;

/// <summary>
/// The link across the LAN (issue #22 item 2): a real TLS 1.3 listener on loopback port 0 with the
/// certificate serve makes, real clients. The HMAC session runs inside; everything else is refused
/// before a frame is read.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TlsTransportTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vibesync-tls-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, byte[]> _keys = new() { [Engines.Blender] = Enumerable.Repeat((byte)3, 32).ToArray(), [Engines.Unity] = Enumerable.Repeat((byte)9, 32).ToArray() };
    private readonly StringWriter _log = new();
    private LinkServer _server = null!;
    private TlsListen _tls = null!;

    public Task InitializeAsync()
    {
        _tls = TlsCertificate.Listen(_dir, new IPEndPoint(IPAddress.Loopback, 0));
        _server = new LinkServer(new LinkOptions { Tls = _tls }, _keys, new RecordingHost(), new LinkLog(TextWriter.Synchronized(_log)));
        _server.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private int TlsPort => _server.TlsEndpoint!.Port;

    private KeyFile KeyFileFor(string engine, byte[]? pin = null, params string[] endpoints) =>
        KeyFile.Parse(Hex.Encode(_keys[engine]) + "\ntls-sha256 " + Hex.Encode(pin ?? _tls.Fingerprint) + "\n" +
            string.Concat((endpoints.Length == 0 ? new[] { $"127.0.0.1:{TlsPort}" } : endpoints).Select(e => "endpoint " + e + "\n")));

    private async Task Eventually(Func<bool> condition, string what)
    {
        for (int i = 0; i < 200 && !condition(); i++) await Task.Delay(25);
        Assert.True(condition(), what + "\n" + _log);
    }

    [Fact]
    public async Task an_adapter_with_a_key_file_naming_the_endpoint_gets_a_signed_session_inside_tls_1_3()
    {
        using var client = await LinkClient.ConnectAsync(KeyFileFor(Engines.Unity), () => throw new InvalidOperationException("loopback must not be used"), Engines.Unity, file: "tls.unity");
        Assert.Equal(TlsPort, client.Endpoint!.Port);
        Assert.Equal(MessageType.Ack, (await client.HeartbeatAsync()).Type);
        var status = _server.Status();
        var unity = status.Engines.Single(e => e.Engine == Engines.Unity).Session!;
        Assert.Equal("tls", unity.Transport);
        Assert.Equal(client.SessionId, unity.SessionId);
        Assert.Equal($"127.0.0.1:{TlsPort}", status.Listen);
        Assert.Equal(Hex.Encode(_tls.Fingerprint), status.TlsSha256);
    }

    [Fact]
    public async Task a_certificate_other_than_the_pinned_one_is_refused_with_TLS_PIN_MISMATCH_and_nothing_is_sent()
    {
        var wrong = (byte[])_tls.Fingerprint.Clone();
        wrong[^1] ^= 1;
        var e = await Assert.ThrowsAsync<LinkRefusedException>(() => LinkClient.ConnectAsync(KeyFileFor(Engines.Unity, wrong), () => 0, Engines.Unity));
        Assert.Equal(TlsDialer.PinMismatch, e.Code);
        Assert.Contains(Hex.Encode(_tls.Fingerprint), e.Message); // says which certificate it saw
        await Task.Delay(100);
        Assert.False(_server.Status().Engines.Single(x => x.Engine == Engines.Unity).Connected); // no HELLO ever left
    }

    [Fact]
    public async Task endpoints_are_tried_in_order_and_the_first_that_answers_is_used()
    {
        int dead = FreePorts.Next();
        using var client = await LinkClient.ConnectAsync(KeyFileFor(Engines.Blender, null, $"127.0.0.1:{dead}", $"127.0.0.1:{TlsPort}"), () => 0, Engines.Blender);
        Assert.Equal(TlsPort, client.Endpoint!.Port);
        var none = await Assert.ThrowsAsync<IOException>(() => LinkClient.ConnectAsync(KeyFileFor(Engines.Blender, null, $"127.0.0.1:{dead}"), () => 0, Engines.Blender));
        Assert.Contains($"127.0.0.1:{dead}", none.Message); // never a silent fallback to loopback
    }

    [Fact]
    public async Task a_plaintext_client_on_the_tls_port_is_dropped_as_junk_without_a_session()
    {
        long junk = _server.Status().JunkDropped;
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var plain = await LinkClient.ConnectAsync(TlsPort, Engines.Unity, _keys[Engines.Unity]);
        });
        await Eventually(() => _server.Status().JunkDropped > junk, "the plaintext connection is counted as junk");
        await Eventually(() => _log.ToString().Contains("TLS_HANDSHAKE"), "logged as a failed TLS handshake (the count comes just before the line)");
        Assert.False(_server.Status().Engines.Single(x => x.Engine == Engines.Unity).Connected);
    }

    [Fact]
    public async Task a_client_that_offers_only_tls_1_2_is_refused()
    {
#pragma warning disable SYSLIB0039 // TLS 1.2 on purpose: the server must refuse it
        var e = await Assert.ThrowsAsync<IOException>(() => TlsDialer.ConnectAsync(new LinkEndpoint("127.0.0.1", TlsPort), new[] { _tls.Fingerprint }, CancellationToken.None, SslProtocols.Tls12));
#pragma warning restore SYSLIB0039
        Assert.Contains("handshake", e.Message);
        await Eventually(() => _log.ToString().Contains("TLS_HANDSHAKE"), "the server logs the refused handshake");
        using var client = await LinkClient.ConnectAsync(KeyFileFor(Engines.Unity), () => 0, Engines.Unity); // TLS 1.3 still gets in
        Assert.Equal(MessageType.Ack, (await client.HeartbeatAsync()).Type);
    }

    [Fact]
    public async Task a_tls_handshake_that_never_completes_is_closed_after_the_handshake_timeout()
    {
        // Its own server with a short handshake timeout (the fixture's is the default 5 s, which a loaded machine's honest handshakes need).
        await using var server = new LinkServer(new LinkOptions { Tls = _tls, HandshakeTimeout = TimeSpan.FromMilliseconds(700) }, _keys, new RecordingHost(), new LinkLog(TextWriter.Synchronized(_log)));
        server.Start();
        using var stalled = new TcpClient();
        await stalled.ConnectAsync(IPAddress.Loopback, server.TlsEndpoint!.Port);
        await stalled.GetStream().WriteAsync(new byte[] { 0x16, 0x03, 0x01, 0x00, 0x80, 0x01 }); // the start of a ClientHello, never finished
        var started = System.Diagnostics.Stopwatch.StartNew();
        var buffer = new byte[64];
        int read;
        try { read = await stalled.GetStream().ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10)); }
        catch (IOException) { read = 0; } // reset
        Assert.Equal(0, read);
        Assert.InRange(started.ElapsedMilliseconds, 300, 5_000); // the 700 ms timeout, not forever
        await Eventually(() => _log.ToString().Contains("HANDSHAKE_TIMEOUT"), "logged as a handshake timeout");
    }

    [Fact]
    public async Task idle_tls_strangers_filling_the_pool_make_room_for_an_honest_adapter()
    {
        // The stranger pool is the loopback one: half-open TLS connections count against it and the idle ones are evicted.
        await using var server = new LinkServer(new LinkOptions { Tls = _tls, MaxPendingConnections = 4 }, _keys, new RecordingHost(), new LinkLog(TextWriter.Synchronized(_log)));
        server.Start();
        var idle = new List<TcpClient>();
        for (int i = 0; i < 8; i++)
        {
            var c = new TcpClient();
            await c.ConnectAsync(IPAddress.Loopback, server.TlsEndpoint!.Port);
            idle.Add(c);
        }
        await Task.Delay(100); // older than a HELLO takes to arrive: idle
        var keyFile = KeyFile.Parse(Hex.Encode(_keys[Engines.Unity]) + "\ntls-sha256 " + Hex.Encode(_tls.Fingerprint) + "\nendpoint 127.0.0.1:" + server.TlsEndpoint!.Port + "\n");
        using var honest = await LinkClient.ConnectAsync(keyFile, () => 0, Engines.Unity).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(MessageType.Ack, (await honest.HeartbeatAsync()).Type);
        Assert.True(server.Status().ConnectionsRefused >= 4, "idle strangers beyond the pool were closed\n" + _log);
        foreach (var c in idle) c.Dispose();
    }

    [Fact]
    public async Task loopback_without_tls_stays_open_beside_the_tls_listener()
    {
        using var client = await LinkClient.ConnectAsync(_server.Port, Engines.Blender, _keys[Engines.Blender]);
        Assert.Null(client.Endpoint);
        Assert.Equal(MessageType.Ack, (await client.HeartbeatAsync()).Type);
        Assert.Equal("loopback", _server.Status().Engines.Single(e => e.Engine == Engines.Blender).Session!.Transport);
    }

    [Fact]
    public void the_certificate_is_made_once_kept_0600_and_reused()
    {
        var path = TlsCertificate.PathIn(_dir);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var again = TlsCertificate.Listen(_dir, new IPEndPoint(IPAddress.Any, 0));
        Assert.Equal(_tls.Fingerprint, again.Fingerprint);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        Assert.Throws<InvalidDataException>(() => TlsCertificate.Listen(_dir, new IPEndPoint(IPAddress.Any, 0)));
    }
}
