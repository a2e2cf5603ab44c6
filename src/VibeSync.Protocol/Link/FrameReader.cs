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
    /// verify with (the handshake and a rekey change keys between frames). Reads are buffered, so
    /// a burst of small frames costs one system call, not two per frame. A frame's memory grows
    /// with the bytes that actually arrive, never with what its length field claims: a peer that
    /// sends a 4-byte header announcing 16 MiB and then stalls holds 64 KiB, not 16 MiB. While only
    /// small frames are accepted (a server before a HELLO has verified) the buffer is 4 KiB, so a
    /// stranger's connection costs that much, not 64 KiB.
    /// </summary>
    public sealed class FrameReader
    {
        private const int SmallBuffer = 4 * 1024, LargeBuffer = 64 * 1024;
        private readonly Stream _stream;
        private byte[] _buffer;
        private int _start, _end;
        private int _maxFrame;

        /// <summary>Reads from <paramref name="stream"/>.</summary>
        public FrameReader(Stream stream, int maxFrame = FrameCodec.DefaultMaxFrame)
        {
            _stream = stream;
            _buffer = new byte[maxFrame <= LargeBuffer ? SmallBuffer : LargeBuffer];
            _maxFrame = maxFrame;
        }

        /// <summary>
        /// The largest frame body accepted, checked as soon as a length field arrives. A server
        /// lowers it until a peer has authenticated (a HELLO is small) and raises it after (the
        /// buffer grows with it).
        /// </summary>
        public int MaxFrame
        {
            get => _maxFrame;
            set
            {
                _maxFrame = value;
                if (value > LargeBuffer && _buffer.Length < LargeBuffer)
                {
                    var larger = new byte[LargeBuffer];
                    Buffer.BlockCopy(_buffer, _start, larger, 0, _end - _start);
                    _end -= _start;
                    _start = 0;
                    _buffer = larger;
                }
            }
        }

        /// <summary>True once a frame's first byte has arrived and until it is whole.</summary>
        public bool InFrame { get; private set; }

        /// <summary>Bytes received and not yet returned: when non-zero, the next frame may need no read at all.</summary>
        public int Buffered => _end - _start;

        /// <summary>True when a whole frame is already buffered: reading it needs no system call.</summary>
        public bool HasWholeFrame =>
            Buffered >= FrameCodec.LengthSize && Buffered - FrameCodec.LengthSize >= BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start));

        /// <summary>
        /// The next frame's bytes (length field included), or null at a clean end of stream. Once
        /// its first byte has arrived the whole frame must follow within <paramref name="frameTimeout"/>
        /// (if given): a frame held open half-way is refused.
        /// </summary>
        /// <exception cref="FrameException">Too short, too large, held open, or the stream ended inside the frame.</exception>
        public async Task<byte[]?> ReadAsync(CancellationToken cancel, TimeSpan frameTimeout = default)
        {
            if (Buffered == 0 && !await ReceiveAsync(cancel).ConfigureAwait(false)) return null;
            InFrame = true;
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel))
            {
                if (frameTimeout > TimeSpan.Zero) deadline.CancelAfter(frameTimeout);
                try
                {
                    while (Buffered < FrameCodec.LengthSize)
                        if (!await ReceiveAsync(deadline.Token).ConfigureAwait(false))
                            throw new FrameException(FrameErrorCode.Truncated, "stream ended inside a length field");
                    int body = FrameCodec.CheckLength(BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start)), MaxFrame);
                    int total = FrameCodec.LengthSize + body;
                    var frame = new byte[Math.Min(total, _buffer.Length)];
                    int have = 0;
                    while (have < total)
                    {
                        if (Buffered == 0 && !await ReceiveAsync(deadline.Token).ConfigureAwait(false))
                            throw new FrameException(FrameErrorCode.Truncated, $"stream ended inside a frame of {total} bytes");
                        int take = Math.Min(Buffered, total - have);
                        if (have + take > frame.Length) Array.Resize(ref frame, (int)Math.Min(total, Math.Max(2L * frame.Length, have + take)));
                        Buffer.BlockCopy(_buffer, _start, frame, have, take);
                        _start += take;
                        have += take;
                    }
                    InFrame = false;
                    return frame;
                }
                catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                {
                    throw new FrameException(FrameErrorCode.Truncated, $"a frame was held open for more than {frameTimeout.TotalSeconds:F1} s");
                }
            }
        }

        /// <summary>Reads what the stream has into the buffer; false at end of stream.</summary>
        private async Task<bool> ReceiveAsync(CancellationToken cancel)
        {
            if (_start > 0 && _start == _end) _start = _end = 0;
            if (_end == _buffer.Length)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            int n = await _stream.ReadAsync(_buffer, _end, _buffer.Length - _end, cancel).ConfigureAwait(false);
            _end += n;
            return n > 0;
        }
    }
}
