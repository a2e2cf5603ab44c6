using System;
using VibeSync.Protocol.Link;

namespace VibeSync.Unity.Link
{
    /// <summary>
    /// When to dial the orchestrator again, and which refusal to show. Failed attempts back off from
    /// 0.5 s to at most 5 s (so a human's <c>vibesync pair --replace</c> takes effect within seconds);
    /// a refusal (another project's scene, a schema or protocol the orchestrator does not speak) is
    /// said once, again only when it changes, and not after a session has been welcomed since.
    /// </summary>
    public sealed class Reconnection
    {
        private static readonly TimeSpan First = TimeSpan.FromMilliseconds(500), Cap = TimeSpan.FromSeconds(5);
        private TimeSpan _delay = First;

        /// <summary>The refusal in force (the last attempt's), or null.</summary>
        public (string Code, string Message)? Refusal { get; private set; }

        /// <summary>
        /// An attempt failed (with <paramref name="error"/> when known); returns how long to wait before
        /// the next. A standby's NOT_LEADER is not backed off from: leadership is changing hands within
        /// seconds (docs/protocol.md §11.12), so the next attempt comes after 0.5 s.
        /// </summary>
        public TimeSpan Failed(Exception? error = null)
        {
            if (error is LinkRefusedException refused && refused.Code == LeaderHint.NotLeader)
            {
                _delay = First;
                return First;
            }
            var wait = _delay;
            _delay = _delay + _delay < Cap ? _delay + _delay : Cap;
            return wait;
        }

        /// <summary>The orchestrator refused; true when this refusal is news (show it).</summary>
        public bool Refused(LinkRefusedException refusal)
        {
            var now = (refusal.Code, refusal.Reason);
            bool news = Refusal != now;
            Refusal = now;
            return news;
        }

        /// <summary>A session was welcomed: the next failure starts from 0.5 s and any refusal is over.</summary>
        public void Connected()
        {
            _delay = First;
            Refusal = null;
        }
    }
}
