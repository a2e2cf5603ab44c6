using System;

namespace VibeSync.Protocol.Link
{
    /// <summary>
    /// The receiving side's checks on an authenticated frame: its sequence number is exactly the
    /// last one + 1 (no gap, no repeat, so no replay), and its timestamp is within the window of
    /// this side's clock. One guard per direction of one session.
    /// </summary>
    public sealed class SequenceGuard
    {
        /// <summary>The default clock window (DESIGN §6): 5 s.</summary>
        public const long DefaultWindowMs = 5_000;

        private readonly long _windowMs;

        /// <summary>A guard expecting <paramref name="next"/> first.</summary>
        public SequenceGuard(ulong next, long windowMs = DefaultWindowMs)
        {
            Next = next;
            _windowMs = windowMs;
        }

        /// <summary>The sequence number the next frame must carry.</summary>
        public ulong Next { get; private set; }

        /// <summary>
        /// Checks a frame; null when it passes (and it is then counted), else the error code:
        /// <c>BAD_SEQUENCE</c> or <c>STALE_TIMESTAMP</c>. A refused frame is not counted.
        /// </summary>
        public string? Check(ulong sequence, long timeMs, long nowMs, out string reason)
        {
            if (sequence != Next)
            {
                reason = sequence < Next ? $"sequence {sequence} repeats (expected {Next}): a replay" : $"sequence {sequence} skips ahead (expected {Next})";
                return "BAD_SEQUENCE";
            }
            if (Math.Abs(nowMs - timeMs) > _windowMs)
            {
                reason = $"timestamp {timeMs} is {Math.Abs(nowMs - timeMs)} ms from this side's clock (window {_windowMs} ms)";
                return "STALE_TIMESTAMP";
            }
            Next++;
            reason = "";
            return null;
        }
    }
}
