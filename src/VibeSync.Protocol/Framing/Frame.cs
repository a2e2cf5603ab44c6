using System;

namespace VibeSync.Protocol.Framing
{
    /// <summary>One authenticated message on the adapter link (docs/protocol.md §10).</summary>
    /// <param name="Type">Message kind; the registry belongs to the link layer.</param>
    /// <param name="Sequence">Per-direction sequence number.</param>
    /// <param name="TimeMs">Sender's Unix time in milliseconds.</param>
    /// <param name="Payload">UTF-8 JSON.</param>
    public sealed record Frame(byte Type, ulong Sequence, long TimeMs, ReadOnlyMemory<byte> Payload);

    /// <summary>Why a frame was refused, in the order the checks run.</summary>
    public enum FrameErrorCode
    {
        /// <summary>The length field is below the fixed overhead.</summary>
        TooShort,
        /// <summary>The length field exceeds the configured limit.</summary>
        TooLarge,
        /// <summary>The stream ended inside a frame.</summary>
        Truncated,
        /// <summary>The MAC does not verify under the key.</summary>
        BadMac,
        /// <summary>Authentic, but of a protocol version this side does not speak.</summary>
        BadVersion,
        /// <summary>Authentic, but with reserved flags set.</summary>
        BadFlags,
    }

    /// <summary>A refused frame. Nothing in it was acted on.</summary>
    public sealed class FrameException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public FrameException(FrameErrorCode code, string message) : base(message) { Code = code; }

        /// <summary>Why the frame was refused.</summary>
        public FrameErrorCode Code { get; }

        /// <summary>The code as it appears in logs and vectors, e.g. <c>FRAME_BAD_MAC</c>.</summary>
        public string WireCode => Code switch
        {
            FrameErrorCode.TooShort => "FRAME_TOO_SHORT",
            FrameErrorCode.TooLarge => "FRAME_TOO_LARGE",
            FrameErrorCode.Truncated => "FRAME_TRUNCATED",
            FrameErrorCode.BadMac => "FRAME_BAD_MAC",
            FrameErrorCode.BadVersion => "FRAME_BAD_VERSION",
            _ => "FRAME_BAD_FLAGS",
        };
    }
}
