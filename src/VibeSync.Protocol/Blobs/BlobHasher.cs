// Design rationale (docs/protocol.md §12, §12.2): a blob arriving in chunks is named as its bytes
// arrive, so the receiver never re-reads 60 MB to verify it and holds no more than one chunk. The
// pieces may split a value anywhere (a hostile sender's chunk need not end on a float): up to three
// bytes of a value wait for the next piece.
using System;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using VibeSync.Protocol.Hashing;

namespace VibeSync.Protocol.Blobs
{
    /// <summary>Names a blob from its stored bytes given in pieces, in order: the same name as <see cref="BlobId.Of"/>.</summary>
    public sealed class BlobHasher : IDisposable
    {
        private const int Chunk = 8192; // values quantized per hashing step: 64 KiB of i64
        private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly long[]? _quantized;
        private readonly byte[] _partial = new byte[4];
        private int _partialLength;

        /// <summary>Starts naming a blob of <paramref name="shape"/> (checked).</summary>
        /// <exception cref="BlobFormatException">A shape no blob may have.</exception>
        public BlobHasher(BlobShape shape)
        {
            shape.Check();
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("blobs are little-endian; this machine is not");
            Shape = shape;
            Span<byte> header = stackalloc byte[BlobId.HeaderSize];
            BlobId.WriteHeader(shape, header);
            _sha.AppendData(header);
            if (shape.Element == BlobElement.F32) _quantized = new long[Chunk];
        }

        /// <summary>The shape being named.</summary>
        public BlobShape Shape { get; }

        /// <summary>Bytes appended so far.</summary>
        public long Length { get; private set; }

        /// <summary>Appends the next piece of the stored bytes.</summary>
        /// <exception cref="BlobFormatException">More bytes than the shape takes (<c>length</c>), or a float that cannot be named (<c>value[i]</c>).</exception>
        public void Append(ReadOnlySpan<byte> bytes)
        {
            if (Length + bytes.Length > Shape.ByteLength) throw new BlobFormatException("length", $"{Length + bytes.Length} bytes, but {Shape.Count} × {Shape.Components} {Shape.Element} values take {Shape.ByteLength}");
            long valueBase = Length / 4;
            Length += bytes.Length;
            if (_quantized == null)
            {
                _sha.AppendData(bytes);
                return;
            }
            if (_partialLength > 0)
            {
                int take = Math.Min(4 - _partialLength, bytes.Length);
                bytes.Slice(0, take).CopyTo(_partial.AsSpan(_partialLength));
                _partialLength += take;
                bytes = bytes.Slice(take);
                if (_partialLength < 4) return;
                Quantize(MemoryMarshal.Cast<byte, float>(_partial.AsSpan()), valueBase);
                valueBase++;
                _partialLength = 0;
            }
            int whole = bytes.Length / 4 * 4;
            Quantize(MemoryMarshal.Cast<byte, float>(bytes.Slice(0, whole)), valueBase);
            bytes.Slice(whole).CopyTo(_partial);
            _partialLength = bytes.Length - whole;
        }

        /// <summary>The blob's name, once every byte of the shape was appended.</summary>
        /// <exception cref="BlobFormatException">Fewer bytes than the shape takes (<c>length</c>).</exception>
        public string Finish()
        {
            if (Length != Shape.ByteLength) throw new BlobFormatException("length", $"{Length} bytes, but {Shape.Count} × {Shape.Components} {Shape.Element} values take {Shape.ByteLength}");
            return Hex.Encode(_sha.GetHashAndReset());
        }

        /// <inheritdoc />
        public void Dispose() => _sha.Dispose();

        private void Quantize(ReadOnlySpan<float> floats, long valueBase)
        {
            var buffer = _quantized!;
            for (int start = 0; start < floats.Length; start += Chunk)
            {
                int take = Math.Min(Chunk, floats.Length - start);
                for (int i = 0; i < take; i++)
                {
                    double v = floats[start + i]; // the float32 widened, as records quantize stored values
                    if (!Quantizer.IsHashable(v)) throw new BlobFormatException($"value[{valueBase + start + i}]", "not a finite real within ±1e12");
                    buffer[i] = (long)Math.Round(v * Quantizer.Scale, MidpointRounding.ToEven);
                }
                _sha.AppendData(MemoryMarshal.AsBytes(buffer.AsSpan(0, take)));
            }
        }
    }
}
