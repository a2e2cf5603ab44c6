// Design rationale: frames leave in sequence order under one send lock. A reply is held in the
// outbox while more whole frames already wait to be read, so a burst of requests is answered with
// one write instead of one per frame; the outbox is flushed as soon as the reader runs dry.
using System.Text;
using VibeSync.Protocol.Framing;
using VibeSync.Protocol.Json;

namespace VibeSync.Link.Sessions;

internal sealed partial class Session
{
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
}
