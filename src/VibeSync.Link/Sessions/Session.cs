// Design rationale: every connection is hostile until its HELLO verifies under an engine's
// bootstrap key, and every frame after that is hostile until its MAC verifies under that
// session's key. Nothing is parsed before the MAC: junk costs the attacker a dropped connection
// and a growing pause, and changes nothing. Once authenticated, a peer that breaks the contract
// (sequence, clock, unknown type, malformed JSON, unknown fields, blocked patterns, drift) is the
// engine itself misbehaving: its session is revoked and that engine alone goes to PANIC.
// Split by concern: this file holds the session's state and lifecycle; .Handshake, .Messages (one
// handler per message type), .Keys (heartbeat watchdog and rekeying), .Outbox (sending) and
// .Blobs (the have/want exchange).
using System.Collections.Concurrent;
using System.Net;
using System.ComponentModel;
using System.Net.Sockets;
using VibeSync.Intents;
using VibeSync.Protocol.Operations;
using VibeSync.Link.Firewall;
using VibeSync.Protocol.Framing;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;
using static VibeSync.Protocol.Json.JsonFields;

namespace VibeSync.Link.Sessions;

/// <summary>Why a connection ends; the code is logged.</summary>
internal sealed class SessionEnded : Exception
{
    public SessionEnded(string code, string message, bool violation, bool refused = false) : base(message)
    {
        Code = code;
        Violation = violation;
        Refused = refused;
    }

    /// <summary>True when an authenticated HELLO was answered REFUSED (version, project, schema): not junk, no trust lost.</summary>
    public bool Refused { get; }

    public string Code { get; }

    /// <summary>True for an authenticated contract violation: revoke and PANIC.</summary>
    public bool Violation { get; }

    /// <summary>
    /// An authenticated message whose fields break its schema, a violation: <c>ILLEGAL_FIELD</c> for a
    /// field the message does not have, <c>MALFORMED</c> for a missing or ill-formed one.
    /// </summary>
    public static SessionEnded BadFields(string message, JsonFieldException e) =>
        new(e.IsUnknownField ? "ILLEGAL_FIELD" : "MALFORMED", $"{message} {e.Path}: {e.Reason}", violation: true);
}

/// <summary>One connection: its handshake, then its session until it ends.</summary>
internal sealed partial class Session
{
    private static readonly string[] States = { "ready", "busy", "play", "compiling", "panic" };
    private readonly LinkServer _server;
    private readonly TcpClient _tcp;
    private Stream _stream;              // the socket's, or the TLS stream over it once its handshake is done
    private FrameReader _reader;
    private readonly Transport.TlsListen? _tls;
    private readonly string _remote;
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly MemoryStream _outbox = new(); // replies held while more frames are already buffered: one write for a burst
    private readonly CancellationTokenSource _end = new();
    private readonly EditBudget _budget;
    private byte[] _bootstrapKey = Array.Empty<byte>();
    private Hello _hello = null!;
    private Welcome _welcome = null!;
    private SessionKeys _sendKeys = null!, _receiveKeys = null!;
    private readonly object _keyLock = new(); // rekey timer vs. the session loop reading REKEY_ACK
    private SessionKeys? _pendingKeys;         // sent REKEY for these, not yet acknowledged
    private long _lastHeartbeatMs;             // read by the watchdog timer: one atomic word
    private SequenceGuard _inbound = null!;
    private ulong _nextOut = 1;
    private ITimer? _watchdog, _rekey;
    private bool _attached;
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<LinkReply>> _requests = new(); // the orchestrator's, by sequence
    private readonly HashSet<string> _humanActive = new(StringComparer.Ordinal);
    private readonly object _transferGate = new(); // the session loop vs. the watchdog dropping an expired transfer
    private SceneTransfer? _transfer;              // a SCENE arriving in parts
    private (string Root, int Parts)? _refusedTransfer; // its later parts are answered RESOURCE_LIMIT, not read
    private volatile bool _sceneReported;          // a whole SCENE of this session was read: it has attached
    private volatile string? _evicted;             // closed by the stranger pool, and why
    private volatile bool _firstFrameRead;         // a whole HELLO (or junk) arrived: being judged, not idle
    private readonly long _accepted = System.Diagnostics.Stopwatch.GetTimestamp();

    public Session(LinkServer server, TcpClient tcp, Transport.TlsListen? tls = null)
    {
        _server = server;
        _tls = tls;
        _tcp = tcp;
        _tcp.NoDelay = true;
        _stream = tcp.GetStream();
        _reader = new FrameReader(_stream, server.Options.MaxHandshakeFrame); // raised once the HELLO verifies
        _budget = new EditBudget(server.Options);
        var endpoint = (IPEndPoint)tcp.Client.RemoteEndPoint!;
        _remote = endpoint.ToString();
    }

    public string Engine => _hello.Engine;

    /// <summary>Across the LAN over TLS (serve's <c>--listen</c>), not loopback.</summary>
    public bool Tls => _tls != null;
    public string SessionId => _welcome.SessionId;
    public long Generation => _hello.Generation;
    public string State { get; private set; } = "ready";
    public long UndoDepth { get; private set; }
    public DateTimeOffset ConnectedAt { get; private set; }
    public DateTimeOffset LastHeartbeat
    {
        get => DateTimeOffset.FromUnixTimeMilliseconds(Interlocked.Read(ref _lastHeartbeatMs));
        private set => Interlocked.Exchange(ref _lastHeartbeatMs, value.ToUnixTimeMilliseconds());
    }
    public long FramesIn { get; private set; }
    public int Epoch => _sendKeys.Epoch;
    public SceneReport? Scene { get; private set; }

    /// <summary>What the adapter said it does not sync (SCENE's list, then each NOT_SYNCED).</summary>
    public IReadOnlyList<NotSyncedItem> NotSynced { get; private set; } = Array.Empty<NotSyncedItem>();
    public IReadOnlyList<string> HumanActive { get { lock (_humanActive) return _humanActive.OrderBy(u => u, StringComparer.Ordinal).ToArray(); } }

    /// <summary>Runs the connection to its end; never throws.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, _end.Token);
        bool established = false;
        try
        {
            if (_tls != null) await SecureAsync(_tls, linked.Token).ConfigureAwait(false);
            await HandshakeAsync(linked.Token).ConfigureAwait(false);
            established = true;
            _server.Strangers.Leave(this);
            await ServeAsync(linked.Token).ConfigureAwait(false);
        }
        catch (SessionEnded e) when (e.Refused)
        {
            _server.CountRefused();
            _server.Log.Summarized("refused", e.Code, Engine, _remote, e.Message);
        }
        catch (SessionEnded e)
        {
            End(e.Code, e.Message, e.Violation, established);
        }
        catch (FrameException e)
        {
            Junk(e.WireCode, e.Message, established);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            if (established) _server.Log.Write("session_end", "SHUTDOWN", Engine, _remote, "the orchestrator is shutting down");
        }
        catch (OperationCanceledException) when (_evicted is { } why)
        {
            _server.CountRefused();
            _server.Log.Summarized("refused", "CONNECTION_LIMIT", null, _remote, why);
        }
        catch (OperationCanceledException)
        {
            // ended from outside (revoked, replaced, heartbeat lost): already logged
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            if (established) _server.Log.Write("session_end", "DISCONNECTED", Engine, _remote, e.Message);
            else Junk("DISCONNECTED", "the connection closed during the handshake: " + e.Message, established: false);
        }
        finally
        {
            foreach (var pending in _requests.Values) pending.TrySetException(new EngineUnavailableException(established ? Engine : "?", "the session ended before the engine answered"));
            if (!established) _server.Strangers.Leave(this);
            _watchdog?.Dispose();
            _rekey?.Dispose();
            EndBlobs();
            if (_attached) _server.Detach(this);
            _stream.Dispose();
            _tcp.Dispose();
        }
    }

    /// <summary>
    /// The TLS handshake of a connection to the LAN listener, before any frame is read: a peer that
    /// does not speak TLS 1.3, or never finishes, is unauthenticated junk like a bad HELLO.
    /// </summary>
    private async Task SecureAsync(Transport.TlsListen tls, CancellationToken cancel)
    {
        try { _stream = await tls.AcceptAsync(_stream, _server.Options.HandshakeTimeout, cancel).ConfigureAwait(false); }
        catch (TimeoutException e) { throw new SessionEnded("HANDSHAKE_TIMEOUT", e.Message, violation: false); }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException or Win32Exception)
        {
            throw new SessionEnded("TLS_HANDSHAKE", "TLS 1.3 handshake failed: " + e.Message, violation: false);
        }
        _reader = new FrameReader(_stream, _server.Options.MaxHandshakeFrame);
    }

    /// <summary>Ends the session from outside (replaced by a newer one, heartbeat lost, shutdown).</summary>
    public void Close() => _end.Cancel();

    /// <summary>
    /// How long after its accept a stranger with nothing sent may still be an honest adapter whose
    /// HELLO is on its way: the adapter sends it as it connects, but on a loaded machine its process
    /// may wait that long for a CPU between the connect and the write (a 10 ms grace evicted honest
    /// reconnects during a junk flood at load 40 on 2 cores).
    /// </summary>
    internal static readonly TimeSpan HelloGrace = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// A stranger with nothing to read: connected for longer than <see cref="HelloGrace"/>, no whole
    /// first frame yet, and no bytes waiting in its socket (an honest adapter's HELLO, sent as it
    /// connected, would be).
    /// </summary>
    public bool Idle
    {
        get
        {
            if (_firstFrameRead || System.Diagnostics.Stopwatch.GetElapsedTime(_accepted) < HelloGrace) return false;
            try { return _tcp.Available == 0; }
            catch (Exception e) when (e is ObjectDisposedException or SocketException) { return true; }
        }
    }

    /// <summary>Closes a connection that has not authenticated, to make room for a newer one.</summary>
    public void Evict(string why)
    {
        _evicted = why;
        _end.Cancel();
    }

    /// <summary>
    /// Unauthenticated junk: the connection is dropped and counted, and that is all it costs.
    /// Nothing is remembered against its address (on loopback every process shares it: a penalty
    /// there would make the next honest reconnect pay for someone else's junk).
    /// </summary>
    private void Junk(string code, string message, bool established)
    {
        _server.CountJunk();
        _server.Log.Summarized("junk", code, established ? Engine : null, _remote, message + "; connection dropped");
    }

    private void End(string code, string message, bool violation, bool established)
    {
        if (!violation)
        {
            if (established) _server.Log.Write("session_end", code, Engine, _remote, message);
            else Junk(code, message, established);
            return;
        }
        _server.CountViolation();
        _server.Log.Write("violation", code, Engine, _remote, message + "; session revoked, engine in PANIC");
        try { SendAsync(MessageType.Bye, Replies.Refusal(code, message), CancellationToken.None, flush: true).Wait(TimeSpan.FromSeconds(1)); }
        catch (Exception e) when (e is AggregateException or IOException or ObjectDisposedException) { }
        _server.Host.Panic(Engine, code, message);
    }
}
