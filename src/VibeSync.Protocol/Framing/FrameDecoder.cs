using System;
using System.Buffers.Binary;
using System.Collections.Generic;

namespace VibeSync.Protocol.Framing
{
    /// <summary>
    /// Splits a byte stream into authenticated frames. The length field is checked the moment its
    /// four bytes arrive, so an oversize claim is refused before its body is buffered. After an
    /// error the decoder is poisoned: the caller drops the connection.
    /// </summary>
    public sealed class FrameDecoder
    {
        private readonly byte[] _key;
        private readonly int _maxFrame;
        private byte[] _buffer = new byte[4096];
        private int _count;
        private int _expected = -1; // whole frame size once the length field is known
        private FrameException? _failed;

        /// <summary>Creates a decoder for frames MAC'd with <paramref name="key"/>.</summary>
        public FrameDecoder(ReadOnlySpan<byte> key, int maxFrame = FrameCodec.DefaultMaxFrame)
        {
            _key = key.ToArray();
            _maxFrame = maxFrame;
        }

        /// <summary>Bytes buffered towards an incomplete frame.</summary>
        public int Pending => _count;

        /// <summary>Feeds received bytes; returns every frame they complete.</summary>
        /// <exception cref="FrameException">A frame was refused; the decoder stays failed.</exception>
        public IReadOnlyList<Frame> Feed(ReadOnlySpan<byte> data)
        {
            if (_failed != null) throw _failed;
            var frames = new List<Frame>();
            try
            {
                while (!data.IsEmpty)
                {
                    int want = _expected < 0 ? FrameCodec.LengthSize : _expected;
                    int take = Math.Min(want - _count, data.Length);
                    Append(data.Slice(0, take));
                    data = data.Slice(take);
                    if (_count < want) break;
                    if (_expected < 0)
                    {
                        uint body = BinaryPrimitives.ReadUInt32LittleEndian(_buffer);
                        _expected = FrameCodec.LengthSize + FrameCodec.CheckLength(body, _maxFrame);
                        continue;
                    }
                    frames.Add(FrameCodec.Authenticate(_key, _buffer.AsSpan(0, _count)));
                    _count = 0;
                    _expected = -1;
                }
            }
            catch (FrameException e)
            {
                _failed = e;
                throw;
            }
            return frames;
        }

        /// <summary>Call at end of stream: refuses a frame left half-received.</summary>
        /// <exception cref="FrameException">Truncated, when bytes of an incomplete frame remain.</exception>
        public void Complete()
        {
            if (_failed != null) throw _failed;
            if (_count > 0)
                throw _failed = new FrameException(FrameErrorCode.Truncated, $"stream ended {_count} bytes into a frame");
        }

        private void Append(ReadOnlySpan<byte> bytes)
        {
            if (_count + bytes.Length > _buffer.Length)
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _count + bytes.Length));
            bytes.CopyTo(_buffer.AsSpan(_count));
            _count += bytes.Length;
        }
    }
}
