using System;
using System.Buffers.Binary;
using VibeSync.Protocol.Crypto;

namespace VibeSync.Protocol.Framing
{
    /// <summary>
    /// Encodes and checks frames. Layout (docs/protocol.md §10, keep in sync):
    /// <code>
    ///  0       4   5   6       8               16              24            24+P        56+P
    ///  | len   |ver|typ| flags | seq           | time_ms       | payload     | mac       |
    ///  | u32   |u8 |u8 | u16   | u64           | i64           | P bytes     | 32 bytes  |
    ///  len = 52 + P;  mac = HMAC-SHA256(key, bytes [0, 24+P));  little-endian
    /// </code>
    /// </summary>
    public static class FrameCodec
    {
        /// <summary>Protocol version carried in every frame.</summary>
        public const byte Version = 1;
        /// <summary>Size of the length field.</summary>
        public const int LengthSize = 4;
        /// <summary>Size of the fixed header, length field included.</summary>
        public const int HeaderSize = 24;
        /// <summary>Smallest value of the length field: header after it plus the MAC.</summary>
        public const int MinBodyLength = HeaderSize - LengthSize + Mac.Size;
        /// <summary>Default largest value of the length field (16 MiB).</summary>
        public const int DefaultMaxFrame = 16 * 1024 * 1024;

        /// <summary>Encodes one frame and MACs it with <paramref name="key"/>.</summary>
        public static byte[] Encode(ReadOnlySpan<byte> key, Frame frame)
        {
            int total = HeaderSize + frame.Payload.Length + Mac.Size;
            var bytes = new byte[total];
            var span = bytes.AsSpan();
            BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)(total - LengthSize));
            span[4] = Version;
            span[5] = frame.Type;
            BinaryPrimitives.WriteUInt16LittleEndian(span.Slice(6), 0);
            BinaryPrimitives.WriteUInt64LittleEndian(span.Slice(8), frame.Sequence);
            BinaryPrimitives.WriteInt64LittleEndian(span.Slice(16), frame.TimeMs);
            frame.Payload.Span.CopyTo(span.Slice(HeaderSize));
            Mac.Compute(key, span.Slice(0, total - Mac.Size), span.Slice(total - Mac.Size));
            return bytes;
        }

        /// <summary>
        /// Checks a length field against the limits before anything after it is buffered.
        /// </summary>
        /// <exception cref="FrameException">TooShort or TooLarge.</exception>
        public static int CheckLength(uint bodyLength, int maxFrame = DefaultMaxFrame)
        {
            if (bodyLength < MinBodyLength)
                throw new FrameException(FrameErrorCode.TooShort, $"frame length {bodyLength} is below the minimum {MinBodyLength}");
            if (bodyLength > (uint)maxFrame)
                throw new FrameException(FrameErrorCode.TooLarge, $"frame length {bodyLength} exceeds the limit {maxFrame}");
            return (int)bodyLength;
        }

        /// <summary>
        /// Decodes exactly one whole frame: length limits, then the MAC in constant time, and only
        /// then the header fields.
        /// </summary>
        /// <exception cref="FrameException">Any check failed; nothing was interpreted.</exception>
        public static Frame Decode(ReadOnlySpan<byte> key, ReadOnlySpan<byte> bytes, int maxFrame = DefaultMaxFrame)
        {
            if (bytes.Length < LengthSize)
                throw new FrameException(FrameErrorCode.Truncated, "stream ended inside a length field");
            int body = CheckLength(BinaryPrimitives.ReadUInt32LittleEndian(bytes), maxFrame);
            if (bytes.Length < LengthSize + body)
                throw new FrameException(FrameErrorCode.Truncated, $"stream ended after {bytes.Length} of {LengthSize + body} bytes");
            if (bytes.Length > LengthSize + body)
                throw new FrameException(FrameErrorCode.Truncated, "bytes follow the frame");
            return Authenticate(key, bytes);
        }

        /// <summary>Verifies and parses a whole frame whose length is already checked.</summary>
        internal static Frame Authenticate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> frame)
        {
            int macAt = frame.Length - Mac.Size;
            if (!Mac.Verify(key, frame.Slice(0, macAt), frame.Slice(macAt)))
                throw new FrameException(FrameErrorCode.BadMac, "frame MAC does not verify");
            if (frame[4] != Version)
                throw new FrameException(FrameErrorCode.BadVersion, $"frame version {frame[4]} is not {Version}");
            if (BinaryPrimitives.ReadUInt16LittleEndian(frame.Slice(6)) != 0)
                throw new FrameException(FrameErrorCode.BadFlags, "reserved frame flags are set");
            return new Frame(
                frame[5],
                BinaryPrimitives.ReadUInt64LittleEndian(frame.Slice(8)),
                BinaryPrimitives.ReadInt64LittleEndian(frame.Slice(16)),
                frame.Slice(HeaderSize, macAt - HeaderSize).ToArray());
        }
    }
}
