// Design rationale: TIME is a pose of the timeline, not a change of the scene: nothing of it reaches
// the host (no journal, no intent, no lock). A refused TIME (policy off, malformed) is answered
// ERROR and the session stays up: an adapter that missed a config change costs nothing. Forwarded
// TIMEs carry the server's own sequence so a receiver's "latest wins" survives the sender reconnecting.
using System.Text;
using VibeSync.Protocol.Framing;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;

namespace VibeSync.Link.Sessions;

internal sealed partial class Session
{
    private long _lastTimeSeq; // the last TIME taken from this adapter (its seq): a lower one is late

    private async Task TimeAsync(Frame frame, JsonObject o, CancellationToken cancel)
    {
        if (!_server.Options.SceneTime)
        {
            _server.Log.Summarized("refused", "TIME_SYNC_OFF", Engine, _remote, "a TIME while sync.scene_time is off; not forwarded");
            await ErrorAsync(frame, "TIME_SYNC_OFF", "scene time sync is off in this project (config.json sync.scene_time): the TIME was not forwarded", cancel).ConfigureAwait(false);
            return;
        }
        SceneTime time;
        try { time = SceneTime.Read(o); }
        catch (JsonFieldException e)
        {
            _server.Log.Summarized("refused", "MALFORMED", Engine, _remote, $"TIME {e.Message}");
            await ErrorAsync(frame, "MALFORMED", $"TIME {e.Message}; nothing was forwarded", cancel).ConfigureAwait(false);
            return;
        }
        if (time.Seq > _lastTimeSeq)
        {
            _lastTimeSeq = time.Seq;
            _server.ForwardTime(this, time.Seconds);
        }
        await SendAsync(MessageType.Ack, Replies.Ack(frame.Sequence), cancel).ConfigureAwait(false);
    }

    /// <summary>TIME to this session's adapter (not answered): another engine's timeline is at <paramref name="time"/>'s seconds.</summary>
    internal async Task SendTimeAsync(SceneTime time)
    {
        if (!_sceneReported) return; // only a live engine is posed; one attaching reports its own time
        try
        {
            await _send.WaitAsync(_end.Token).ConfigureAwait(false);
            try
            {
                _outbox.Write(FrameCodec.Encode(_sendKeys.ServerToClient, new Frame(MessageType.Time, _nextOut++, _server.Time.GetUtcNow().ToUnixTimeMilliseconds(),
                    Encoding.UTF8.GetBytes(time.ToJson()))));
                await FlushOutboxAsync(_end.Token).ConfigureAwait(false);
            }
            finally { _send.Release(); }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            // The session ended: a pose is not worth keeping; the next TIME says where the timeline is.
        }
    }
}
