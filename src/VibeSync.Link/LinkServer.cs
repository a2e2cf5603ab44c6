using VibeSync.Blobs;
using System.Net;
using System.Net.Sockets;
using VibeSync.Link.Sessions;
using VibeSync.Link.Transport;
using VibeSync.Link.Trust;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Link;

namespace VibeSync.Link;

/// <summary>One engine's session as <c>status</c> reports it.</summary>
public sealed record SessionStatus(string Engine, string SessionId, long Generation, string State, long UndoDepth,
    DateTimeOffset ConnectedAt, long LastHeartbeatMsAgo, long FramesIn, int KeyEpoch, SceneReport? Scene, IReadOnlyList<string> HumanActive,
    IReadOnlyList<Protocol.Link.NotSyncedItem> NotSynced)
{
    /// <summary><c>tls</c> for a session across the LAN (serve's <c>--listen</c>), <c>loopback</c> otherwise.</summary>
    public string Transport { get; init; } = "loopback";
}

/// <summary>
/// The scene an engine last reported (SCENE, on attach and after every rebind). <paramref name="Root"/>
/// is the orchestrator's own hash of the records received; <paramref name="MatchesClaim"/> says
/// whether the adapter computed the same root. <paramref name="DroppedIntents"/>: provisional
/// intents the engine lost in a rebind (domain reload, undo, file load), which the orchestrator rolls back.
/// </summary>
public sealed record SceneReport(string Root, bool MatchesClaim, int Objects, int Materials, int Meshes, string? File, bool Unsaved,
    IReadOnlyList<string> Ambiguous, IReadOnlyList<ulong> DroppedIntents, DateTimeOffset ReportedAt)
{
    /// <summary>What the adapter said, with the scene, that it does not sync.</summary>
    public IReadOnlyList<Protocol.Link.NotSyncedItem> NotSynced { get; init; } = Array.Empty<Protocol.Link.NotSyncedItem>();
}

/// <summary>One engine's standing: its session if connected, its trust, its quarantine.</summary>
public sealed record EngineStatus(string Engine, bool Connected, SessionStatus? Session, int Trust, bool Quarantined,
    DateTimeOffset? QuarantinedUntil, string? QuarantineReason);

/// <summary>The link at a glance.</summary>
public sealed record LinkStatus(int Port, IReadOnlyList<EngineStatus> Engines, long JunkDropped, long Violations,
    long ConnectionsRefused, long EditsAccepted)
{
    /// <summary>Where adapters across the LAN connect over TLS 1.3 (<c>ADDR:PORT</c>), or null when serve listens on loopback only.</summary>
    public string? Listen { get; init; }

    /// <summary>SHA-256 of the TLS certificate (hex) that key files pin, or null without <see cref="Listen"/>.</summary>
    public string? TlsSha256 { get; init; }
}

/// <summary>
/// The orchestrator's end of the adapter link: listens on loopback (and, with
/// <see cref="LinkOptions.Tls"/>, on a LAN address over TLS 1.3), runs one
/// <see cref="Session"/> per connection and keeps at most one session per engine (a newer
/// handshake replaces the older: an adapter reconnecting after a reload).
/// </summary>
public sealed class LinkServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly TcpListener? _tlsListener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TrustLedger> _trust = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _nonces = new(StringComparer.Ordinal);
    private readonly List<Task> _running = new();
    private Task _accepting = Task.CompletedTask, _acceptingTls = Task.CompletedTask;
    private long _violations, _refused, _edits, _junk;

    /// <summary>
    /// A server for the engines whose bootstrap keys are given. <paramref name="blobs"/> is the store
    /// blobs named on the link are received into and served from (docs/protocol.md §12.2); without
    /// one, messages naming blobs pass as they are.
    /// </summary>
    public LinkServer(LinkOptions options, IReadOnlyDictionary<string, byte[]> bootstrapKeys, ILinkHost host, LinkLog log, TimeProvider? time = null, BlobStore? blobs = null)
    {
        Blobs = blobs;
        Options = options;
        BootstrapKeys = bootstrapKeys.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => (k.Key, k.Value)).ToArray();
        Host = host;
        Log = log;
        Time = time ?? TimeProvider.System;
        Strangers = new StrangerPool(options.MaxPendingConnections);
        foreach (var (engine, _) in BootstrapKeys) _trust[engine] = new TrustLedger(options, Time);
        _listener = new TcpListener(IPAddress.Loopback, options.Port);
        if (options.Tls is { } tls) _tlsListener = new TcpListener(tls.Address);
    }

    internal LinkOptions Options { get; }
    internal (string Engine, byte[] Key)[] BootstrapKeys { get; }
    internal ILinkHost Host { get; }
    internal LinkLog Log { get; }
    internal TimeProvider Time { get; }
    internal StrangerPool Strangers { get; }
    internal BlobStore? Blobs { get; }

    /// <summary>How long the accept loop waits for room among strangers before it closes a newcomer: past the grace after which an idle one makes room.</summary>
    private static readonly TimeSpan StrangerPatience = Session.HelloGrace + TimeSpan.FromMilliseconds(300);

    /// <summary>The port it listens on (after <see cref="Start"/>).</summary>
    public int Port { get; private set; }

    /// <summary>Where adapters across the LAN connect over TLS (after <see cref="Start"/>), or null without <see cref="LinkOptions.Tls"/>.</summary>
    public IPEndPoint? TlsEndpoint { get; private set; }

    /// <summary>Binds 127.0.0.1 (and the TLS address, when asked) and starts accepting.</summary>
    public void Start()
    {
        _listener.Start(backlog: 4096); // the kernel caps it at somaxconn: room for a flood while the accept loop waits for strangers to finish
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        if (_tlsListener != null)
        {
            try { _tlsListener.Start(backlog: 4096); }
            catch { _listener.Stop(); throw; }
            TlsEndpoint = (IPEndPoint)_tlsListener.LocalEndpoint;
            _acceptingTls = AcceptAsync(_tlsListener, Options.Tls);
            Log.Write("listening", null, null, TlsEndpoint.ToString(), "adapter link over TLS 1.3, certificate SHA-256 " + Hex.Encode(Options.Tls!.Fingerprint));
        }
        _accepting = AcceptAsync(_listener, null);
        Log.Write("listening", null, null, $"127.0.0.1:{Port}", "adapter link ready");
    }

    // The same loop for both listeners: the stranger pool, the junk accounting and every session
    // rule apply to a TLS connection as to a loopback one; only the stream differs.
    private async Task AcceptAsync(TcpListener listener, TlsListen? tls)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient tcp;
            try { tcp = await listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            catch (SocketException e) when (!_stop.IsCancellationRequested)
            {
                Log.Write("accept_error", "ACCEPT", null, null, e.Message);
                await Task.Delay(10).ConfigureAwait(false);
                continue;
            }
            catch (ObjectDisposedException) { return; }
            Session session;
            try { session = new Session(this, tcp, tls); }
            catch (Exception e) when (e is SocketException or IOException or InvalidOperationException or ObjectDisposedException)
            {
                // The peer left between accept and here; the loop must outlive any one connection.
                tcp.Dispose();
                CountJunk();
                Log.Summarized("junk", "DISCONNECTED", null, null, "a connection closed before it could be read: " + e.Message);
                continue;
            }
            // Beyond the limit of strangers an idle one makes room, or else the newcomer is closed (StrangerPool).
            Session? closed;
            try { closed = await Strangers.AdmitAsync(session, StrangerPatience, _stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { tcp.Dispose(); return; }
            if (closed != null)
            {
                if (ReferenceEquals(closed, session))
                {
                    Interlocked.Increment(ref _refused);
                    Log.Summarized("refused", "CONNECTION_LIMIT", null, tcp.Client.RemoteEndPoint?.ToString(),
                        $"more than {Options.MaxPendingConnections} connections without a handshake, none idle for {StrangerPatience.TotalMilliseconds:F0} ms: closed");
                    tcp.Dispose();
                    continue;
                }
                closed.Evict($"more than {Options.MaxPendingConnections} connections without a handshake: the oldest idle one is closed");
            }
            var run = Task.Run(() => session.RunAsync(_stop.Token));
            lock (_running)
            {
                _running.RemoveAll(t => t.IsCompleted);
                _running.Add(run);
            }
        }
    }

    /// <summary>
    /// A session completed its handshake: it replaces any older one of its engine. The older one
    /// has ended for the orchestrator as if it had closed (its locks are released, its engine is
    /// detached until the new session attaches), before the new session reads anything: a lock
    /// the new session takes is never released on the old one's behalf.
    /// </summary>
    internal void Attach(Session session)
    {
        Session? old;
        lock (_sessions)
        {
            _sessions.TryGetValue(session.Engine, out old);
            _sessions[session.Engine] = session;
        }
        if (old != null)
        {
            Log.Write("session_end", "REPLACED", old.Engine, null, $"session {old.SessionId} replaced by {session.SessionId}");
            old.Close();
            Host.Detached(old.Engine);
        }
    }

    internal void Detach(Session session)
    {
        bool current;
        lock (_sessions)
            if (current = _sessions.TryGetValue(session.Engine, out var s) && ReferenceEquals(s, session)) _sessions.Remove(session.Engine);
        if (current) Host.Detached(session.Engine);
    }

    internal TrustLedger TrustOf(string engine) => _trust[engine];

    /// <summary>
    /// Offers blobs that <paramref name="from"/>'s engine is sending to every other engine's session
    /// (docs/protocol.md §12.2, forwarding): they usually are what the next APPLY there names.
    /// </summary>
    internal void Forward(Session from, IReadOnlyList<string> ids)
    {
        List<Session> others;
        lock (_sessions) others = _sessions.Values.Where(s => s.Engine != from.Engine).ToList();
        foreach (var other in others) _ = other.OfferAsync(ids);
    }

    private long _timeSeq; // TIMEs forwarded by this server: each carries the next, so receivers keep the latest

    /// <summary>
    /// Forwards <paramref name="from"/>'s scene time to every other engine's live session (config
    /// <c>sync.scene_time</c>; docs/protocol.md §11.10). Agents never see it: it is not state.
    /// </summary>
    internal void ForwardTime(Session from, double seconds)
    {
        List<Session> others;
        lock (_sessions) others = _sessions.Values.Where(s => s.Engine != from.Engine).ToList();
        foreach (var other in others) _ = other.SendTimeAsync(new SceneTime(seconds, Interlocked.Increment(ref _timeSeq)));
    }

    /// <summary>
    /// Sends a request to an engine's current session and returns its answer (the frame that
    /// echoes it: ACK, ERROR, APPLIED or STATE, with its payload).
    /// </summary>
    /// <exception cref="EngineUnavailableException">No session for that engine, it ended, or no answer in time.</exception>
    public Task<LinkReply> RequestAsync(string engine, byte type, string json, TimeSpan timeout, CancellationToken cancel = default)
    {
        Session? s;
        lock (_sessions) _sessions.TryGetValue(engine, out s);
        if (s == null) throw new EngineUnavailableException(engine, $"{engine} is not connected");
        return s.RequestAsync(type, json, timeout, cancel);
    }

    /// <summary>False for a HELLO nonce seen within the last minute (a replayed HELLO).</summary>
    internal bool FreshNonce(byte[] nonce)
    {
        var key = Hex.Encode(nonce);
        var now = Time.GetUtcNow();
        lock (_nonces)
        {
            if (_nonces.Count > 10_000)
                foreach (var stale in _nonces.Where(n => now - n.Value > TimeSpan.FromMinutes(1)).Select(n => n.Key).ToList()) _nonces.Remove(stale);
            if (_nonces.TryGetValue(key, out var seen) && now - seen < TimeSpan.FromMinutes(1)) return false;
            _nonces[key] = now;
            return true;
        }
    }

    internal void CountViolation() => Interlocked.Increment(ref _violations);
    internal void CountJunk() => Interlocked.Increment(ref _junk);
    internal void CountRefused() => Interlocked.Increment(ref _refused);
    internal void CountEdit() => Interlocked.Increment(ref _edits);

    /// <summary>Sessions, trust and counters now.</summary>
    public LinkStatus Status()
    {
        var now = Time.GetUtcNow();
        var engines = new List<EngineStatus>();
        foreach (var (engine, _) in BootstrapKeys)
        {
            Session? s;
            lock (_sessions) _sessions.TryGetValue(engine, out s);
            var trust = _trust[engine];
            bool quarantined = trust.IsQuarantined;
            engines.Add(new EngineStatus(engine, s != null,
                s == null ? null : new SessionStatus(s.Engine, s.SessionId, s.Generation, s.State, s.UndoDepth, s.ConnectedAt,
                    (long)(now - s.LastHeartbeat).TotalMilliseconds, s.FramesIn, s.Epoch, s.Scene, s.HumanActive, s.NotSynced) { Transport = s.Tls ? "tls" : "loopback" },
                trust.Score, quarantined, quarantined ? trust.QuarantinedUntil : null, trust.QuarantineReason));
        }
        return new LinkStatus(Port, engines, Interlocked.Read(ref _junk), Interlocked.Read(ref _violations), Interlocked.Read(ref _refused), Interlocked.Read(ref _edits))
        {
            Listen = TlsEndpoint?.ToString(),
            TlsSha256 = Options.Tls is { } tls ? Hex.Encode(tls.Fingerprint) : null,
        };
    }

    /// <summary>Stops listening and ends every session.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        _tlsListener?.Stop();
        await _accepting.ConfigureAwait(false);
        await _acceptingTls.ConfigureAwait(false);
        Task[] running;
        lock (_running) running = _running.ToArray();
        await Task.WhenAll(running).ConfigureAwait(false);
    }
}
