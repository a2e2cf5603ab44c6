// Design rationale: nothing is parsed before a HELLO's MAC verifies under an engine's bootstrap
// key; the answer (WELCOME or REFUSED) is MAC'd with the same key, and the session keys are derived
// from both nonces. A handshake that is late, malformed or from a stranger costs the sender its
// connection and a growing pause, never the orchestrator's state (docs/protocol.md §11.2).
using System.Security.Cryptography;
using System.Text;
using VibeSync.Link.Firewall;
using VibeSync.Protocol.Framing;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;

namespace VibeSync.Link.Sessions;

internal sealed partial class Session
{
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
                Encoding.UTF8.GetBytes(Replies.Refusal(refusedCode, refusedWhy, refusedCode == LeaderHint.NotLeader ? _server.Host.LeaderEndpoint : null)))), cancel).ConfigureAwait(false);
            throw new SessionEnded(refusedCode, refusedWhy, violation: false, refused: true);
        }

        var serverNonce = RandomNumberGenerator.GetBytes(SessionKeys.NonceSize);
        _welcome = new Welcome(Hex.Encode(RandomNumberGenerator.GetBytes(16)), serverNonce, ProtocolVersion.Current,
            (long)_server.Options.HeartbeatInterval.TotalMilliseconds, (long)_server.Options.HeartbeatTimeout.TotalMilliseconds,
            _server.Options.ProjectId, ContentSchema.Current, new LinkLimits(_server.Options.MaxFrame, _server.Options.MaxMeshVertices, _server.Options.MaxBlobBytes, _server.Options.ChunkBytes))
        { Tangents = _server.Options.Tangents, SceneTime = _server.Options.SceneTime };
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
}
