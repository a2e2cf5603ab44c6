using System;
using System.Buffers.Binary;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using VibeSync.Protocol.Framing;

namespace VibeSync.Protocol.Link
{
    /// <summary>
    /// Reads whole frames off a stream, one at a time, unauthenticated: the length is checked the
    /// moment its four bytes arrive, before the body is read, and the caller chooses the key to
    /// verify with (the handshake and a rekey change keys between frames).
    /// </summary>
    public sealed class FrameReader
    {
        private readonly Stream _stream;
        private readonly int _maxFrame;
        private readonly byte[] _length = new byte[FrameCodec.LengthSize];

        /// <summary>Reads from <paramref name="stream"/>.</summary>
        public FrameReader(Stream stream, int maxFrame = FrameCodec.DefaultMaxFrame)
        {
            _stream = stream;
            _maxFrame = maxFrame;
        }

        /// <summary>True once a frame's first byte has arrived and until it is whole.</summary>
        public bool InFrame { get; private set; }

        /// <summary>
        /// The next frame's bytes (length field included), or null at a clean end of stream. Once
        /// its first byte has arrived the whole frame must follow within <paramref name="frameTimeout"/>
        /// (if given): a frame held open half-way is refused.
        /// </summary>
        /// <exception cref="FrameException">Too short, too large, held open, or the stream ended inside the frame.</exception>
        public async Task<byte[]?> ReadAsync(CancellationToken cancel, TimeSpan frameTimeout = default)
        {
            if (await FillAsync(_length, 0, 1, cancel).ConfigureAwait(false) == 0) return null;
            InFrame = true;
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel))
            {
                if (frameTimeout > TimeSpan.Zero) deadline.CancelAfter(frameTimeout);
                try
                {
                    if (await FillAsync(_length, 1, _length.Length - 1, deadline.Token).ConfigureAwait(false) < _length.Length - 1)
                        throw new FrameException(FrameErrorCode.Truncated, "stream ended inside a length field");
                    int body = FrameCodec.CheckLength(BinaryPrimitives.ReadUInt32LittleEndian(_length), _maxFrame);
                    var frame = new byte[FrameCodec.LengthSize + body];
                    _length.CopyTo(frame, 0);
                    if (await FillAsync(frame, FrameCodec.LengthSize, body, deadline.Token).ConfigureAwait(false) < body)
                        throw new FrameException(FrameErrorCode.Truncated, $"stream ended inside a frame of {frame.Length} bytes");
                    InFrame = false;
                    return frame;
                }
                catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                {
                    throw new FrameException(FrameErrorCode.Truncated, $"a frame was held open for more than {frameTimeout.TotalSeconds:F1} s");
                }
            }
        }

        private async Task<int> FillAsync(byte[] buffer, int offset, int count, CancellationToken cancel)
        {
            int total = 0;
            while (total < count)
            {
                int n = await _stream.ReadAsync(buffer, offset + total, count - total, cancel).ConfigureAwait(false);
                if (n == 0) break;
                total += n;
            }
            return total;
        }
    }
}
