// Design rationale: every connection is hostile until its HELLO verifies under an engine's
// bootstrap key, and every frame after that is hostile until its MAC verifies under that
// session's key. Nothing is parsed before the MAC: junk costs the attacker a dropped connection
// and a growing pause, and changes nothing. Once authenticated, a peer that breaks the contract
// (sequence, clock, unknown type, malformed JSON, unknown fields, blocked patterns, drift) is the
// engine itself misbehaving: its session is revoked and that engine alone goes to PANIC.
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using VibeSync.Intents;
using VibeSync.Protocol.Operations;
using VibeSync.Link.Firewall;
using VibeSync.Protocol.Framing;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
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
}

/// <summary>One connection: its handshake, then its session until it ends.</summary>
internal sealed partial class Session
{
    private static readonly string[] States = { "ready", "busy", "play", "compiling", "panic" };
    private readonly LinkServer _server;
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly FrameReader _reader;
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

    public Session(LinkServer server, TcpClient tcp)
    {
        _server = server;
        _tcp = tcp;
        _tcp.NoDelay = true;
        _stream = tcp.GetStream();
        _reader = new FrameReader(_stream, server.Options.MaxHandshakeFrame); // raised once the HELLO verifies
        _budget = new EditBudget(server.Options);
        var endpoint = (IPEndPoint)tcp.Client.RemoteEndPoint!;
        _remote = endpoint.ToString();
    }

    public string Engine => _hello.Engine;
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
            _tcp.Dispose();
        }
    }

    /// <summary>Ends the session from outside (replaced by a newer one, heartbeat lost, shutdown).</summary>
    public void Close() => _end.Cancel();

    /// <summary>
    /// A stranger with nothing to read: connected for longer than a HELLO takes to arrive, no whole
    /// first frame yet, and no bytes waiting in its socket (an honest adapter's HELLO, sent as it
    /// connected, would be).
    /// </summary>
    public bool Idle
    {
        get
        {
            if (_firstFrameRead || System.Diagnostics.Stopwatch.GetElapsedTime(_accepted) < TimeSpan.FromMilliseconds(10)) return false;
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
        try { SendAsync(MessageType.Bye, $"{{\"code\": \"{code}\", \"message\": {Quote(message)}}}", CancellationToken.None, flush: true).Wait(TimeSpan.FromSeconds(1)); }
        catch (Exception e) when (e is AggregateException or IOException or ObjectDisposedException) { }
        _server.Host.Panic(Engine, code, message);
    }

    // ---- handshake ----

    private async Task HandshakeAsync(CancellationToken cancel)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(_server.Options.HandshakeTimeout);
        byte[]? bytes;
        try { bytes = await _reader.ReadAsync(deadline.Token, _server.Options.FrameTimeout).ConfigureAwait(false); }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            if (_reader.InFrame) throw new FrameException(FrameErrorCode.Truncated, $"a HELLO was held open for more than {_server.Options.HandshakeTimeout.TotalSeconds:F1} s");
            throw new SessionEnded("HANDSHAKE_TIMEOUT", $"no HELLO within {_server.Options.HandshakeTimeout.TotalSeconds:F1} s", violation: false);
        }
        if (bytes == null) throw new SessionEnded("DISCONNECTED", "closed before a HELLO", violation: false);
        _firstFrameRead = true;

        // Which engine's bootstrap key verifies it says who this is; no key: junk.
        // The MAC is checked under each key without decoding (junk costs one exception, not one per key).
        string? engine = null;
        int macAt = bytes.Length - Protocol.Crypto.Mac.Size;
        foreach (var (name, key) in _server.BootstrapKeys)
            if (macAt > 0 && Protocol.Crypto.Mac.Verify(key, bytes.AsSpan(0, macAt), bytes.AsSpan(macAt)))
            {
                engine = name;
                _bootstrapKey = key;
                break;
            }
        if (engine == null) throw new FrameException(FrameErrorCode.BadMac, "frame MAC does not verify");
        var frame = FrameCodec.Decode(_bootstrapKey, bytes, _server.Options.MaxHandshakeFrame);
        if (frame.Type != MessageType.Hello) throw new SessionEnded("HANDSHAKE_EXPECTED", $"expected HELLO, got {MessageType.Name(frame.Type)}", violation: false);
        try { _hello = Hello.Parse(Encoding.UTF8.GetString(frame.Payload.Span)); }
        catch (Exception e) when (e is JsonFieldException or JsonParseException or FormatException or DecoderFallbackException)
        {
            throw new SessionEnded("MALFORMED_HELLO", e.Message, violation: false);
        }
        if (_hello.Engine != engine)
            throw new SessionEnded("IMPERSONATION", $"a HELLO MAC'd with {engine}'s key claims to be {_hello.Engine}", violation: false);
        long now = _server.Time.GetUtcNow().ToUnixTimeMilliseconds();
        if (frame.Sequence != 1) throw new SessionEnded("BAD_SEQUENCE", $"HELLO must have sequence 1, not {frame.Sequence}", violation: false);
        if (Math.Abs(now - frame.TimeMs) > _server.Options.ClockWindowMs)
            throw new SessionEnded("STALE_TIMESTAMP", $"HELLO timestamp is {Math.Abs(now - frame.TimeMs)} ms off", violation: false);
        if (!_server.FreshNonce(_hello.ClientNonce))
            throw new SessionEnded("REPLAYED_HELLO", "this HELLO's nonce was seen before: a replay", violation: false);
        // An honest adapter the orchestrator cannot take (another protocol, another project's file,
        // a newer schema) is told why, before anything is read from or written to its editor.
        var refusal = ProtocolVersion.Incompatibility(ProtocolVersion.Current, _hello.Protocol) is { } skew ? ("VERSION_SKEW", skew) : _server.Host.AdmitHello(_hello);
        if (refusal is var (refusedCode, refusedWhy))
        {
            await WriteAsync(FrameCodec.Encode(_bootstrapKey, new Frame(MessageType.Refused, 1, now,
                Encoding.UTF8.GetBytes($"{{\"code\": \"{refusedCode}\", \"message\": {Quote(refusedWhy)}}}"))), cancel).ConfigureAwait(false);
            throw new SessionEnded(refusedCode, refusedWhy, violation: false, refused: true);
        }

        var serverNonce = RandomNumberGenerator.GetBytes(SessionKeys.NonceSize);
        _welcome = new Welcome(Hex.Encode(RandomNumberGenerator.GetBytes(16)), serverNonce, ProtocolVersion.Current,
            (long)_server.Options.HeartbeatInterval.TotalMilliseconds, (long)_server.Options.HeartbeatTimeout.TotalMilliseconds,
            _server.Options.ProjectId, ContentSchema.Current, new LinkLimits(_server.Options.MaxFrame, _server.Options.MaxMeshVertices, _server.Options.MaxBlobBytes, _server.Options.ChunkBytes))
        { Tangents = _server.Options.Tangents };
        _sendKeys = _receiveKeys = SessionKeys.Derive(_bootstrapKey, _hello.ClientNonce, serverNonce, _hello.Engine, _welcome.SessionId, 0);
        _inbound = new SequenceGuard(2, _server.Options.ClockWindowMs);
        _reader.MaxFrame = _server.Options.MaxFrame;
        // Registered before WELCOME leaves: once an adapter holds a WELCOME its session is the
        // engine's current one, so a later handshake (a reconnect) always replaces it, not the reverse.
        ConnectedAt = LastHeartbeat = _server.Time.GetUtcNow();
        _server.Attach(this);
        _attached = true;
        await WriteAsync(FrameCodec.Encode(_bootstrapKey, new Frame(MessageType.Welcome, _nextOut++, now, Encoding.UTF8.GetBytes(_welcome.ToJson()))), cancel)
            .ConfigureAwait(false);
        _server.Log.Write("session_start", null, Engine, _remote, $"session {SessionId}, generation {Generation}, adapter {_hello.Adapter}, project {_hello.ProjectId}");

        var beat = _server.Options.HeartbeatTimeout;
        _watchdog = _server.Time.CreateTimer(_ => CheckHeartbeat(), null, beat / 4, beat / 4);
        if (_server.Options.RekeyInterval > TimeSpan.Zero)
            _rekey = _server.Time.CreateTimer(_ => _ = RekeyAsync(), null, _server.Options.RekeyInterval, _server.Options.RekeyInterval);
    }

    // ---- the session ----

    private async Task ServeAsync(CancellationToken cancel)
    {
        while (true)
        {
            if (!_reader.HasWholeFrame) await FlushHeldAsync(cancel).ConfigureAwait(false); // nothing more to answer without waiting: send what is held
            var bytes = await _reader.ReadAsync(cancel, _server.Options.FrameTimeout).ConfigureAwait(false);
            if (bytes == null) throw new SessionEnded("DISCONNECTED", "the adapter closed the connection", violation: false);
            var frame = FrameCodec.Decode(_receiveKeys.ClientToServer, bytes, _server.Options.MaxFrame); // throws: junk, connection dropped
            FramesIn++;
            long now = _server.Time.GetUtcNow().ToUnixTimeMilliseconds();
            if (_inbound.Check(frame.Sequence, frame.TimeMs, now, out var why) is { } code) throw new SessionEnded(code, why, violation: true);
            if (!MessageType.IsKnown(frame.Type)) throw new SessionEnded("UNKNOWN_TYPE", $"frame type {MessageType.Name(frame.Type)} is not in the registry", violation: true);

            if (frame.Type == MessageType.BlobChunk)
            {
                await ChunkAsync(frame, cancel).ConfigureAwait(false); // the one binary payload
                continue;
            }
            JsonObject payload;
            try { payload = AsObject(JsonParser.Parse(Encoding.UTF8.GetString(frame.Payload.Span)), "payload"); }
            catch (Exception e) when (e is JsonParseException or JsonFieldException or DecoderFallbackException)
            {
                throw new SessionEnded("MALFORMED", $"{MessageType.Name(frame.Type)} payload: {e.Message}", violation: true);
            }
            // Only fields an engine could evaluate as code are judged by the blocked patterns: names
            // and other plain strings are data (a name the orchestrator admitted comes back in every
            // report of that engine, and must never revoke it).
            if (CodeFields.Find(frame.Type, payload) is { } hit)
                throw new SessionEnded("BLOCKED_PATTERN", $"{MessageType.Name(frame.Type)} payload at {hit.Path} holds '{hit.Match}'", violation: true);

            if (frame.Type is MessageType.Scene or MessageType.Edit or MessageType.State && await HoldAsync(frame, payload, cancel).ConfigureAwait(false)) continue;
            await HandleAsync(frame, payload, cancel).ConfigureAwait(false);
        }
    }

    /// <summary>Handles one authenticated, parsed and firewalled frame (or a held one whose blobs are now in the store).</summary>
    private async Task HandleAsync(Frame frame, JsonObject payload, CancellationToken cancel)
    {
            switch (frame.Type)
            {
                case MessageType.Heartbeat: await HeartbeatAsync(frame, payload, cancel).ConfigureAwait(false); break;
                case MessageType.BlobWant: await BlobWantAsync(frame, payload, cancel).ConfigureAwait(false); break;
                case MessageType.BlobGone: await BlobGoneAsync(frame, payload, cancel).ConfigureAwait(false); break;
                case MessageType.Edit: await EditAsync(frame, payload, cancel).ConfigureAwait(false); break;
                case MessageType.RekeyAck: RekeyAck(payload); break;
                case MessageType.Scene: await SceneAsync(frame, payload, cancel).ConfigureAwait(false); break;
                case MessageType.HumanActive: await HumanActiveAsync(frame, payload, cancel).ConfigureAwait(false); break;
                case MessageType.NotSynced: await NotSyncedAsync(frame, payload, cancel).ConfigureAwait(false); break;
                case MessageType.Observed: await ObservedAsync(frame, payload, cancel).ConfigureAwait(false); break;
                case MessageType.Ack or MessageType.Error or MessageType.Applied or MessageType.State: Answer(frame, payload); break;
                case MessageType.Bye: throw new SessionEnded("BYE", "the adapter ended the session", violation: false);
                default: throw new SessionEnded("UNEXPECTED_TYPE", $"an adapter does not send {MessageType.Name(frame.Type)}", violation: true);
            }
    }

    private async Task HeartbeatAsync(Frame frame, JsonObject o, CancellationToken cancel)
    {
        try
        {
            CheckFields(o, "", new[] { "state", "generation", "undo_depth" }, Array.Empty<string>());
            var state = Text(o.Get("state")!, "state");
            if (Array.IndexOf(States, state) < 0) throw new JsonFieldException("state", $"unknown state '{state}' (ready, busy, play, compiling, panic)");
            long generation = WholeNumber(o, "generation"), undo = WholeNumber(o, "undo_depth");
            if (generation != Generation)
                throw new SessionEnded("GENERATION_DRIFT", $"heartbeat says generation {generation}, the handshake said {Generation}: a reload without a new handshake", violation: true);
            State = state;
            UndoDepth = undo;
            LastHeartbeat = _server.Time.GetUtcNow();
        }
        catch (JsonFieldException e)
        {
            throw new SessionEnded(e.Reason == "unknown field" ? "ILLEGAL_FIELD" : "MALFORMED", $"HEARTBEAT {e.Path}: {e.Reason}", violation: true);
        }
        await SendAsync(MessageType.Ack, $"{{\"re\": {frame.Sequence}}}", cancel).ConfigureAwait(false);
    }

    private async Task EditAsync(Frame frame, JsonObject o, CancellationToken cancel)
    {
        var trust = _server.TrustOf(Engine);
        if (trust.IsQuarantined)
        {
            await ErrorAsync(frame, "QUARANTINED", $"{Engine} is quarantined (read-only) until {trust.QuarantinedUntil:O}: {trust.QuarantineReason}", cancel).ConfigureAwait(false);
            return;
        }
        IntentRequest edit;
        try { edit = OperationReader.Read(Encoding.UTF8.GetString(frame.Payload.Span)); }
        catch (IntentRefusedException e)
        {
            switch (e.Code)
            {
                case IntentErrorCode.Malformed or IntentErrorCode.UnknownField or IntentErrorCode.UnknownOperation or IntentErrorCode.NonFinite or IntentErrorCode.MissingField:
                    throw new SessionEnded(e.Code == IntentErrorCode.UnknownField ? "ILLEGAL_FIELD" : IntentRefusedException.WireName(e.Code), $"EDIT {e.Message}", violation: true);
                case IntentErrorCode.InvalidValue when e.Reason.StartsWith("expected an asset id", StringComparison.Ordinal):
                    trust.Quarantine($"forbidden path at {e.Path}");
                    _server.Log.Write("quarantine", "FORBIDDEN_PATH", Engine, _remote, e.Message);
                    await ErrorAsync(frame, "FORBIDDEN_PATH", e.Message + "; the engine is quarantined", cancel).ConfigureAwait(false);
                    return;
                default:
                    await MinorAsync(frame, IntentRefusedException.WireName(e.Code), e.Message, 10, cancel).ConfigureAwait(false);
                    return;
            }
        }

        if (!_sceneReported)
        {
            // An engine edits only once it has attached (reported its scene): whatever key it holds,
            // a session that never said what it holds changes nothing. Not a violation: an honest
            // adapter's first edit may race its SCENE. The orchestrator also waits for parity.
            _server.Log.Summarized("refused", "NOT_ATTACHED", Engine, _remote, "an EDIT before this session reported its scene; refused");
            await ErrorAsync(frame, "NOT_ATTACHED", $"{Engine} has not attached: report the scene (SCENE) first; edits count once the engine is live", cancel).ConfigureAwait(false);
            return;
        }
        // Over a limit is refused, but costs no trust: an honest adapter reports such content as
        // not synced instead, and a limit is a fact about content, not a sign of misbehaviour.
        foreach (var op in edit.Operations)
            if ((op is ReplaceMesh m ? m.Mesh.VertexCount : op is CreateMesh c ? c.Mesh.VertexCount : 0) is var count && count > _server.Options.MaxMeshVertices)
            {
                _server.Log.Summarized("resource_limit", "RESOURCE_LIMIT", Engine, _remote, $"{op.Name} of {op.Uuid}: {count:N0} vertices, limit {_server.Options.MaxMeshVertices:N0}");
                await ErrorAsync(frame, "RESOURCE_LIMIT", $"{op.Name} of {op.Uuid}: a mesh of {count:N0} vertices exceeds limits.max_mesh_vertices = {_server.Options.MaxMeshVertices:N0}; nothing was transferred", cancel).ConfigureAwait(false);
                return;
            }
        if (_budget.Take(edit, _server.Time.GetUtcNow()) is { } limited)
        {
            await MinorAsync(frame, "RATE_LIMITED", limited, 10, cancel).ConfigureAwait(false);
            return;
        }
        if (await _server.Host.EditAsync(Engine, edit).ConfigureAwait(false) is { } refused)
        {
            await ErrorAsync(frame, refused.Code, refused.Message, cancel).ConfigureAwait(false);
            return;
        }
        _server.CountEdit();
        await SendAsync(MessageType.Ack, $"{{\"re\": {frame.Sequence}}}", cancel).ConfigureAwait(false);
    }

    private async Task SceneAsync(Frame frame, JsonObject o, CancellationToken cancel)
    {
        // A scene too large for one frame comes in parts (part 0…parts-1, in order, same root):
        // each part's records are read and checked as they arrive, the whole scene once complete.
        Protocol.State.Scene scene;
        string claimed;
        SceneReport report;
        int part, parts;
        try
        {
            CheckFields(o, "", new[] { "generation", "root", "scene" }, new[] { "file", "unsaved", "stamped", "ambiguous", "dropped_intents", "reason", "part", "parts", "not_synced" });
            if (WholeNumber(o, "generation") != Generation)
                throw new SessionEnded("GENERATION_DRIFT", $"SCENE says generation {WholeNumber(o, "generation")}, the handshake said {Generation}", violation: true);
            claimed = Text(o.Get("root")!, "root");
            part = o.Get("part") != null ? (int)Math.Min(WholeNumber(o, "part"), int.MaxValue) : 0;
            parts = o.Get("parts") != null ? (int)Math.Min(WholeNumber(o, "parts"), int.MaxValue) : 1;
            if (parts < 1 || parts > 4096) throw new JsonFieldException("parts", "expected 1 to 4096 parts");
            ExpireTransfer();
            bool rest;
            lock (_transferGate)
            {
                rest = _refusedTransfer is var (refusedRoot, refusedParts) && part > 0 && refusedRoot == claimed && refusedParts == parts;
                if (part == 0 || (rest && part + 1 == parts)) _refusedTransfer = null;
            }
            if (rest)
            {
                // The rest of a transfer already refused: answered, not read, and no violation.
                await ErrorAsync(frame, "RESOURCE_LIMIT", $"part {part} of a SCENE already refused (see the first refusal); send the scene again from part 0", cancel).ConfigureAwait(false);
                return;
            }
            var transfer = _transfer;
            if (part != (transfer?.Received ?? 0) || (part > 0 && (parts != transfer!.Expected || claimed != transfer.Root)))
                throw new JsonFieldException("part", $"expected part {transfer?.Received ?? 0} of {(part > 0 ? transfer?.Expected : parts)} for root {(part > 0 ? transfer?.Root : claimed)}");
            long bytes = (transfer?.Bytes ?? 0) + frame.Payload.Length;
            if (bytes > _server.Options.MaxSceneBytes)
            {
                RefuseTransfer(claimed, parts, part, $"a SCENE in parts holds at most {_server.Options.MaxSceneBytes:N0} bytes until its last part; part {part} of {parts} brings it to {bytes:N0}: the transfer is dropped");
                await ErrorAsync(frame, "RESOURCE_LIMIT", $"SCENE part {part} of {parts}: an unfinished scene may hold at most {_server.Options.MaxSceneBytes:N0} bytes, this part brings it to {bytes:N0}; nothing of it was kept", cancel).ConfigureAwait(false);
                return;
            }
            var records = SceneJsonReader.ReadCanonicalRecords(o.Get("scene")!);
            if (part == 0) transfer = new SceneTransfer(parts, claimed, SceneHeader.Read(o), _server.Time.GetUtcNow());
            transfer!.Add(records, frame.Payload.Length);
            if (part + 1 < parts)
            {
                lock (_transferGate) _transfer = transfer;
                await SendAsync(MessageType.Ack, $"{{\"re\": {frame.Sequence}, \"part\": {part}}}", cancel).ConfigureAwait(false);
                return;
            }
            lock (_transferGate) _transfer = null;
            scene = transfer.Whole();
            SceneJsonReader.CheckClosed(scene);
            var header = transfer.Header;
            var root = Hex.Encode(SceneHasher.Hash(scene).Root);
            report = new SceneReport(root, root == claimed, scene.Objects.Count, scene.Materials.Count, scene.Meshes.Count, header.File, header.Unsaved, header.Ambiguous,
                header.Dropped, _server.Time.GetUtcNow()) { NotSynced = header.NotSynced };
        }
        catch (JsonFieldException e) { DropTransfer(); throw new SessionEnded(e.Reason == "unknown field" ? "ILLEGAL_FIELD" : "MALFORMED", $"SCENE {e.Path}: {e.Reason}", violation: true); }
        catch (SceneFormatException e) { DropTransfer(); throw new SessionEnded("MALFORMED", $"SCENE scene.{e.Path}: {e.Reason}", violation: true); }
        Scene = report;
        NotSynced = report.NotSynced;
        _server.Log.Write("scene", report.MatchesClaim ? null : "ROOT_MISMATCH", Engine, _remote,
            $"{report.Objects} objects, {report.Materials} materials, {report.Meshes} meshes, root {report.Root}" + (parts > 1 ? $", in {parts} parts" : "") + (report.MatchesClaim ? "" : $"; the adapter claimed {claimed}"));
        _server.Host.SceneReported(Engine, scene, report);
        if (!report.MatchesClaim)
        {
            await ErrorAsync(frame, "ROOT_MISMATCH", $"the records sent hash to {report.Root}, not the {claimed} the adapter computed", cancel).ConfigureAwait(false);
            return;
        }
        _sceneReported = true;
        await SendAsync(MessageType.Ack, $"{{\"re\": {frame.Sequence}, \"scene_root\": \"{report.Root}\"}}", cancel).ConfigureAwait(false);
    }

    private void DropTransfer()
    {
        lock (_transferGate) _transfer = null;
    }

    /// <summary>Drops the unfinished transfer; its later parts (up to the last) are answered RESOURCE_LIMIT without being read.</summary>
    private void RefuseTransfer(string root, int parts, int part, string why)
    {
        lock (_transferGate)
        {
            _transfer = null;
            _refusedTransfer = part + 1 < parts ? (root, parts) : null;
        }
        _server.Log.Summarized("resource_limit", "RESOURCE_LIMIT", Engine, _remote, why);
    }

    /// <summary>An unfinished transfer older than its time is dropped (called by the session loop and by the watchdog).</summary>
    private void ExpireTransfer()
    {
        SceneTransfer? expired;
        lock (_transferGate)
        {
            expired = _transfer;
            if (expired == null || _server.Time.GetUtcNow() - expired.Started <= _server.Options.SceneTransferTimeout) return;
            _transfer = null;
            _refusedTransfer = (expired.Root, expired.Expected);
        }
        _server.Log.Summarized("resource_limit", "RESOURCE_LIMIT", Engine, _remote,
            $"a SCENE in parts was unfinished {_server.Options.SceneTransferTimeout.TotalSeconds:F0} s after its first part ({expired.Received} of {expired.Expected} parts, {expired.Bytes:N0} bytes): dropped");
    }

    private async Task HumanActiveAsync(Frame frame, JsonObject o, CancellationToken cancel)
    {
        string[] uuids;
        bool active;
        try
        {
            CheckFields(o, "", new[] { "uuids", "active" }, Array.Empty<string>());
            uuids = AsArray(o.Get("uuids")!, "uuids").Items.Select((x, i) => Id(x, $"uuids[{i}]")).ToArray();
            active = o.Get("active") is JsonBool b ? b.Value : throw new JsonFieldException("active", "expected true or false");
        }
        catch (JsonFieldException e) { throw new SessionEnded(e.Reason == "unknown field" ? "ILLEGAL_FIELD" : "MALFORMED", $"HUMAN_ACTIVE {e.Path}: {e.Reason}", violation: true); }
        lock (_humanActive)
            foreach (var u in uuids)
                if (active) _humanActive.Add(u); else _humanActive.Remove(u);
        _server.Host.HumanActive(Engine, uuids, active);
        await SendAsync(MessageType.Ack, $"{{\"re\": {frame.Sequence}}}", cancel).ConfigureAwait(false);
    }

    private async Task NotSyncedAsync(Frame frame, JsonObject o, CancellationToken cancel)
    {
        IReadOnlyList<NotSyncedItem> items;
        try
        {
            CheckFields(o, "", new[] { "items" }, Array.Empty<string>());
            items = NotSyncedItem.ReadList(o.Get("items")!, "items");
        }
        catch (JsonFieldException e) { throw new SessionEnded(e.Reason == "unknown field" ? "ILLEGAL_FIELD" : "MALFORMED", $"NOT_SYNCED {e.Path}: {e.Reason}", violation: true); }
        NotSynced = items;
        _server.Log.Write("not_synced", null, Engine, _remote, items.Count == 0 ? "everything syncs" :
            $"{items.Count} not synced: " + string.Join("; ", items.Take(3).Select(i => $"{i.Name} ({i.Code})")) + (items.Count > 3 ? "; …" : ""));
        _server.Host.NotSynced(Engine, items);
        await SendAsync(MessageType.Ack, $"{{\"re\": {frame.Sequence}}}", cancel).ConfigureAwait(false);
    }

    private async Task ObservedAsync(Frame frame, JsonObject o, CancellationToken cancel)
    {
        ulong intent;
        var records = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            CheckFields(o, "", new[] { "intent", "records" }, new[] { "absent" });
            intent = (ulong)WholeNumber(o, "intent");
            foreach (var m in AsObject(o.Get("records")!, "records").Members)
            {
                var hash = Text(m.Value, $"records.{m.Key}");
                if (!VibeSync.Protocol.State.VibeSyncId.IsValid(m.Key) || hash.Length != 64) throw new JsonFieldException($"records.{m.Key}", "expected a VibeSync ID and a 64-digit record hash");
                records[m.Key] = hash;
            }
        }
        catch (JsonFieldException e) { throw new SessionEnded(e.Reason == "unknown field" ? "ILLEGAL_FIELD" : "MALFORMED", $"OBSERVED {e.Path}: {e.Reason}", violation: true); }
        _server.Host.Observed(Engine, intent, records);
        await SendAsync(MessageType.Ack, $"{{\"re\": {frame.Sequence}}}", cancel).ConfigureAwait(false);
    }

    /// <summary>An answer to one of the orchestrator's requests; an answer to nothing breaks the contract.</summary>
    private void Answer(Frame frame, JsonObject o)
    {
        ulong re;
        try { re = (ulong)WholeNumber(o, "re"); }
        catch (JsonFieldException e) { throw new SessionEnded("MALFORMED", $"{MessageType.Name(frame.Type)} {e.Path}: {e.Reason}", violation: true); }
        if (!_requests.TryRemove(re, out var pending))
            throw new SessionEnded("UNEXPECTED_REPLY", $"{MessageType.Name(frame.Type)} answers sequence {re}, which asked nothing (or was already answered)", violation: true);
        pending.TrySetResult(new LinkReply(frame.Type, o));
    }

    /// <summary>Sends a request to the adapter and waits for the frame that answers it.</summary>
    public async Task<LinkReply> RequestAsync(byte type, string json, TimeSpan timeout, CancellationToken cancel)
    {
        var answer = new TaskCompletionSource<LinkReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        ulong seq;
        await _send.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            seq = _nextOut++;
            _requests[seq] = answer;
            Offer(seq, json);
            _outbox.Write(FrameCodec.Encode(_sendKeys.ServerToClient, new Frame(type, seq, _server.Time.GetUtcNow().ToUnixTimeMilliseconds(), Encoding.UTF8.GetBytes(json))));
            await FlushOutboxAsync(cancel).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            throw new EngineUnavailableException(Engine, $"{Engine}'s session ended: {e.Message}");
        }
        finally { _send.Release(); }
        try
        {
            // The deadline is extended while blob chunks flow (an APPLY naming a 60 MB mesh is answered once it crossed).
            while (true)
            {
                var since = _server.Time.GetUtcNow();
                try { return await answer.Task.WaitAsync(timeout, cancel).ConfigureAwait(false); }
                catch (TimeoutException) when (LastBlobProgress > since) { }
            }
        }
        catch (TimeoutException)
        {
            _requests.TryRemove(seq, out _);
            throw new EngineUnavailableException(Engine, $"{Engine} did not answer {MessageType.Name(type)} within {timeout.TotalSeconds:F1} s");
        }
        finally { Withdraw(seq); }
    }

    private async Task MinorAsync(Frame frame, string code, string message, int cost, CancellationToken cancel)
    {
        var trust = _server.TrustOf(Engine);
        bool quarantined = trust.Deplete(cost, $"{code}: {message}");
        _server.Log.Summarized(quarantined ? "quarantine" : "minor", code, Engine, _remote, message + (quarantined ? "; trust depleted, the engine is quarantined" : $"; trust {trust.Score}"));
        await ErrorAsync(frame, code, message, cancel).ConfigureAwait(false);
    }

    private Task ErrorAsync(Frame frame, string code, string message, CancellationToken cancel) =>
        SendAsync(MessageType.Error, $"{{\"re\": {frame.Sequence}, \"code\": \"{code}\", \"message\": {Quote(message)}}}", cancel);

    // ---- heartbeat and keys ----

    private void CheckHeartbeat()
    {
        ExpireTransfer();
        var silent = _server.Time.GetUtcNow() - LastHeartbeat;
        if (silent <= _server.Options.HeartbeatTimeout || _end.IsCancellationRequested) return;
        string why = $"no heartbeat for {silent.TotalSeconds:F1} s (limit {_server.Options.HeartbeatTimeout.TotalSeconds:F1} s): circuit breaker open";
        _server.Log.Write("circuit_open", "HEARTBEAT_LOST", Engine, _remote, why);
        _server.Host.Panic(Engine, "HEARTBEAT_LOST", why);
        Close();
    }

    private async Task RekeyAsync()
    {
        try
        {
            await _send.WaitAsync(_end.Token).ConfigureAwait(false);
            try
            {
                byte[] rekey;
                lock (_keyLock)
                {
                    if (_pendingKeys != null) return; // the last one is not acknowledged yet
                    int epoch = _sendKeys.Epoch + 1;
                    rekey = FrameCodec.Encode(_sendKeys.ServerToClient, new Frame(MessageType.Rekey, _nextOut++,
                        _server.Time.GetUtcNow().ToUnixTimeMilliseconds(), Encoding.UTF8.GetBytes($"{{\"epoch\": {epoch}}}")));
                    // Switched before the REKEY leaves: a fast adapter's REKEY_ACK may be read
                    // by the session loop before this write even returns.
                    _pendingKeys = _sendKeys = SessionKeys.Derive(_bootstrapKey, _hello.ClientNonce, _welcome.ServerNonce, Engine, SessionId, epoch);
                }
                await FlushOutboxAsync(_end.Token).ConfigureAwait(false);
                await WriteAsync(rekey, _end.Token).ConfigureAwait(false);
            }
            finally { _send.Release(); }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException) { }
    }

    private void RekeyAck(JsonObject o)
    {
        long epoch;
        try
        {
            CheckFields(o, "", new[] { "epoch" }, Array.Empty<string>());
            epoch = WholeNumber(o, "epoch");
        }
        catch (JsonFieldException e) { throw new SessionEnded("MALFORMED", $"REKEY_ACK {e.Path}: {e.Reason}", violation: true); }
        lock (_keyLock)
        {
            if (_pendingKeys == null || _pendingKeys.Epoch != epoch) throw new SessionEnded("BAD_REKEY", $"REKEY_ACK for epoch {epoch}, none pending", violation: true);
            _receiveKeys = _pendingKeys;
            _pendingKeys = null;
        }
        _server.Log.Write("rekey", null, Engine, _remote, $"session keys re-derived: epoch {epoch}");
    }

    // ---- sending ----

    private async Task SendAsync(byte type, string json, CancellationToken cancel, bool flush = false)
    {
        await _send.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            _outbox.Write(FrameCodec.Encode(_sendKeys.ServerToClient, new Frame(type, _nextOut++, _server.Time.GetUtcNow().ToUnixTimeMilliseconds(),
                Encoding.UTF8.GetBytes(json))));
            if (flush || !_reader.HasWholeFrame) await FlushOutboxAsync(cancel).ConfigureAwait(false);
        }
        finally { _send.Release(); }
    }

    private async Task FlushHeldAsync(CancellationToken cancel)
    {
        if (_outbox.Length == 0) return;
        await _send.WaitAsync(cancel).ConfigureAwait(false);
        try { await FlushOutboxAsync(cancel).ConfigureAwait(false); }
        finally { _send.Release(); }
    }

    /// <summary>Writes the held replies. Called under the send lock.</summary>
    private async Task FlushOutboxAsync(CancellationToken cancel)
    {
        if (_outbox.Length == 0) return;
        await WriteAsync(_outbox.GetBuffer().AsMemory(0, (int)_outbox.Length), cancel).ConfigureAwait(false);
        _outbox.SetLength(0);
    }

    private async Task WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancel)
    {
        await _stream.WriteAsync(bytes, cancel).ConfigureAwait(false);
        await _stream.FlushAsync(cancel).ConfigureAwait(false);
    }

    private static long WholeNumber(JsonObject o, string field) =>
        o.Get(field) is JsonNumber { IsInteger: true } n && n.Value >= 0 && n.Value <= 9.007199254740992e15 ? (long)n.Value
        : throw new JsonFieldException(field, "expected a whole number ≥ 0");

    private static string Quote(string s) => JsonText.AppendString(new StringBuilder(), s).ToString();
}
