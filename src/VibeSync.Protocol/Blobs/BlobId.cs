// Design rationale (DESIGN §11): heavy content — vertex attributes, indices, keyframes, images —
// travels and is stored as typed little-endian arrays named by SHA-256, so a record holds a
// 64-digit reference instead of a million numbers and a transform edit never re-hashes a mesh.
// A float array is named by its ε-quantized values (docs/protocol.md §3), not its bytes: the same
// mesh stored as float32 in Blender and in Unity, or held as doubles by the orchestrator, has one
// name, exactly as records compare. Integer arrays and encoded images are named by their bytes.
//
//   id = lowercase hex SHA-256( header ‖ hashed payload )
//   +------+------+------------+-----------+-------------------------------------------+
//   | u8   | u8   | u8         | u64       | F32: count × components × i64 q(v)        |
//   | 0x20 | elem | components | count     | U32/U16/U8: the little-endian bytes as is |
//   +------+------+------------+-----------+-------------------------------------------+
using System;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace VibeSync.Protocol.Blobs
{
    /// <summary>The element type of a blob's array (its byte in the blob header).</summary>
    public enum BlobElement : byte
    {
        /// <summary>IEEE-754 float32, named by its quantized values.</summary>
        F32 = 1,
        /// <summary>Unsigned 32-bit integers (indices, joints).</summary>
        U32 = 2,
        /// <summary>Unsigned 16-bit integers.</summary>
        U16 = 3,
        /// <summary>Bytes (an image's encoded file, as the file holds it).</summary>
        U8 = 4,
    }

    /// <summary>What a blob's bytes are: <paramref name="Count"/> elements of <paramref name="Components"/> values of <paramref name="Element"/>.</summary>
    /// <param name="Element">The value type.</param>
    /// <param name="Components">Values per element: 3 for positions and normals, 2 for UVs, 4 for colours and tangents, 16 for matrices, 1 for indices and bytes.</param>
    /// <param name="Count">Elements (vertices, indices, bytes).</param>
    public sealed record BlobShape(BlobElement Element, int Components, long Count)
    {
        /// <summary>Most components per element (a 4×4 matrix).</summary>
        public const int MaxComponents = 16;

        /// <summary>Bytes one value takes.</summary>
        public int ValueSize => Element switch { BlobElement.F32 => 4, BlobElement.U32 => 4, BlobElement.U16 => 2, _ => 1 };

        /// <summary>Bytes the whole array takes.</summary>
        public long ByteLength => Count * Components * ValueSize;

        /// <summary>Refuses a shape no blob may have.</summary>
        /// <exception cref="BlobFormatException">An unknown element type, components outside 1–16, or a negative count.</exception>
        public void Check()
        {
            if (Element < BlobElement.F32 || Element > BlobElement.U8) throw new BlobFormatException("element", $"unknown element type {(byte)Element}");
            if (Components < 1 || Components > MaxComponents) throw new BlobFormatException("components", $"expected 1–{MaxComponents}, got {Components}");
            if (Count < 0 || Count > long.MaxValue / (MaxComponents * 4)) throw new BlobFormatException("count", $"out of range: {Count}");
        }
    }

    /// <summary>A blob's bytes or shape are not what its name or its kind say.</summary>
    public sealed class BlobFormatException : Exception
    {
        /// <summary>Creates the exception; <paramref name="field"/> names what is wrong.</summary>
        public BlobFormatException(string field, string reason) : base($"{field}: {reason}") { Field = field; Reason = reason; }

        /// <summary>What is wrong (element, components, count, length, value[i], …).</summary>
        public string Field { get; }

        /// <summary>Why.</summary>
        public string Reason { get; }
    }

    /// <summary>Names blobs (docs/protocol.md §12): the SHA-256 of the header and the hashed payload.</summary>
    public static class BlobId
    {
        /// <summary>The header's first byte, apart from record tags (0x10–0x12) and Merkle nodes (0x01).</summary>
        public const byte Tag = 0x20;

        /// <summary>Bytes of the header.</summary>
        public const int HeaderSize = 11;

        /// <summary>True for a well-formed blob name: 64 lowercase hex digits.</summary>
        public static bool IsValid(string? id)
        {
            if (id == null || id.Length != 64) return false;
            foreach (char c in id) if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) return false;
            return true;
        }

        /// <summary>The header bytes of <paramref name="shape"/>.</summary>
        public static void WriteHeader(BlobShape shape, Span<byte> header)
        {
            header[0] = Tag;
            header[1] = (byte)shape.Element;
            header[2] = (byte)shape.Components;
            BinaryPrimitives.WriteUInt64LittleEndian(header.Slice(3, 8), (ulong)shape.Count);
        }

        /// <summary>The name of the blob whose stored bytes (little-endian, in its element type) are <paramref name="payload"/>.</summary>
        /// <exception cref="BlobFormatException">A bad shape, a length that does not match it, or a float that is NaN, infinite or beyond ±1e12.</exception>
        public static string Of(BlobShape shape, ReadOnlySpan<byte> payload)
        {
            shape.Check();
            if (payload.Length != shape.ByteLength) throw new BlobFormatException("length", $"{payload.Length} bytes, but {shape.Count} × {shape.Components} {shape.Element} values take {shape.ByteLength}");
            using var hasher = new BlobHasher(shape);
            hasher.Append(payload);
            return hasher.Finish();
        }

        /// <summary>The name of a float array of <paramref name="components"/> values per element.</summary>
        /// <exception cref="BlobFormatException">The length is not a whole number of elements, or a value cannot be hashed.</exception>
        public static string OfFloats(ReadOnlySpan<float> values, int components)
        {
            if (components < 1 || values.Length % components != 0) throw new BlobFormatException("length", $"{values.Length} values are not whole elements of {components}");
            return Of(new BlobShape(BlobElement.F32, components, values.Length / components), ToBytes(values));
        }

        /// <summary>The name of an index array (u32, one component).</summary>
        public static string OfIndices(ReadOnlySpan<uint> indices) => Of(new BlobShape(BlobElement.U32, 1, indices.Length), ToBytes(indices));

        /// <summary>The name of a byte blob (an image's encoded file).</summary>
        public static string OfBytes(ReadOnlySpan<byte> bytes) => Of(new BlobShape(BlobElement.U8, 1, bytes.Length), bytes);

        private static ReadOnlySpan<byte> ToBytes<T>(ReadOnlySpan<T> values) where T : struct
        {
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("blobs are little-endian; this machine is not");
            return MemoryMarshal.AsBytes(values);
        }
    }
}
