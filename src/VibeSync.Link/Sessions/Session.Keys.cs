// Design rationale: a silent engine is a dead engine (the watchdog puts it in PANIC after the
// heartbeat timeout), and keys are rotated on a timer (REKEY, then REKEY_ACK) so a session's key
// never protects more than one interval's traffic (docs/protocol.md §11.5).
using System.Text;
using VibeSync.Protocol.Framing;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;
using static VibeSync.Protocol.Json.JsonFields;

namespace VibeSync.Link.Sessions;

internal sealed partial class Session
{
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
}
