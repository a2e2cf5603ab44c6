using System;
using System.Buffers.Binary;
using System.Text;
using VibeSync.Protocol.State;

namespace VibeSync.Protocol.Hashing
{
    /// <summary>
    /// The byte-exact record encodings of docs/protocol.md §4, kept in sync with the diagram there:
    /// <code>
    /// object:   u8 0x10 | str uuid | str name | u8 kind | opt parent | i64×3 t | i64×4 r | i64×3 s
    ///           | u8 visible | u32 n | opt×n material | opt mesh
    /// material: u8 0x11 | str uuid | str name | i64×4 base | i64 metallic | i64 roughness | i64×3 emission
    /// mesh:     u8 0x13 | str uuid | u32 vertex_count | u8 k | k × (str semantic | 32 bytes blob id), ascending ordinal
    ///           | u32 p | p × (u32 material slot | 32 bytes indices blob id) | u32 d | d × str
    /// str = u32 byte length | UTF-8;  opt = u8 0 | u8 1 str;  all little-endian
    /// </code>
    /// Every method writes into a reused per-thread buffer; callers copy or hash the span at once.
    /// </summary>
    public static class RecordEncoder
    {
        /// <summary>Tag byte of an object record.</summary>
        public const byte ObjectTag = 0x10;
        /// <summary>Tag byte of a material record.</summary>
        public const byte MaterialTag = 0x11;
        /// <summary>Tag byte of a mesh record (content schema 2; 0x12, schema 1's inline mesh, is retired).</summary>
        public const byte MeshTag = 0x13;

        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);

        [ThreadStatic] private static byte[]? _buffer;

        /// <summary>Encodes an object record (canonical values).</summary>
        public static ReadOnlySpan<byte> Encode(SceneObject o)
        {
            var w = new Writer(256 + 3 * (o.Name.Length + 64) + o.Materials.Count * 48);
            w.Byte(ObjectTag);
            w.String(o.Uuid);
            w.String(o.Name);
            w.Byte((byte)o.Kind);
            w.OptionalString(o.Parent);
            w.Vector(o.Translation);
            Span<long> q = stackalloc long[4];
            Quantizer.QuantizeRotation(o.Rotation.X, o.Rotation.Y, o.Rotation.Z, o.Rotation.W, q);
            for (int i = 0; i < 4; i++) w.Int64(q[i]);
            w.Vector(o.Scale);
            w.Byte(o.Visible ? (byte)1 : (byte)0);
            w.UInt32((uint)o.Materials.Count);
            for (int i = 0; i < o.Materials.Count; i++) w.OptionalString(o.Materials[i]);
            w.OptionalString(o.Mesh);
            return w.Written;
        }

        /// <summary>Encodes a material record.</summary>
        public static ReadOnlySpan<byte> Encode(Material m)
        {
            var w = new Writer(160 + 3 * m.Name.Length);
            w.Byte(MaterialTag);
            w.String(m.Uuid);
            w.String(m.Name);
            w.Real(m.BaseColor.X); w.Real(m.BaseColor.Y); w.Real(m.BaseColor.Z); w.Real(m.BaseColor.W);
            w.Real(m.Metallic);
            w.Real(m.Roughness);
            w.Vector(m.Emission);
            return w.Written;
        }

        /// <summary>
        /// Encodes a mesh record: 32 bytes per array, whatever its size, so a record hash never
        /// reads geometry. The ids must be well-formed (the readers check them).
        /// </summary>
        public static ReadOnlySpan<byte> Encode(Mesh m)
        {
            var w = new Writer(64 + m.Attributes.Count * 48 + m.Primitives.Count * 36 + m.Derived.Count * 40);
            w.Byte(MeshTag);
            w.String(m.Uuid);
            w.UInt32((uint)m.VertexCount);
            var semantics = m.SortedSemantics();
            w.Byte((byte)semantics.Length);
            foreach (var semantic in semantics)
            {
                w.String(semantic);
                w.BlobId(m.Attributes[semantic]);
            }
            w.UInt32((uint)m.Primitives.Count);
            foreach (var p in m.Primitives)
            {
                w.UInt32((uint)p.Material);
                w.BlobId(p.Indices);
            }
            w.UInt32((uint)m.Derived.Count);
            foreach (var d in m.Derived) w.String(d);
            return w.Written;
        }

        /// <summary>Append-only little-endian writer over the per-thread buffer.</summary>
        private ref struct Writer
        {
            private byte[] _bytes;
            private int _length;

            public Writer(int capacityHint)
            {
                _bytes = _buffer is { } b && b.Length >= capacityHint ? b : (_buffer = new byte[Math.Max(capacityHint, 1024)]);
                _length = 0;
            }

            public ReadOnlySpan<byte> Written => new ReadOnlySpan<byte>(_bytes, 0, _length);

            private Span<byte> Take(int count)
            {
                if (_length + count > _bytes.Length)
                {
                    var grown = new byte[Math.Max(_bytes.Length * 2, _length + count)];
                    Buffer.BlockCopy(_bytes, 0, grown, 0, _length);
                    _bytes = _buffer = grown;
                }
                var span = new Span<byte>(_bytes, _length, count);
                _length += count;
                return span;
            }

            public void Byte(byte b) => Take(1)[0] = b;
            public void UInt32(uint v) => BinaryPrimitives.WriteUInt32LittleEndian(Take(4), v);
            public void Int64(long v) => BinaryPrimitives.WriteInt64LittleEndian(Take(8), v);
            public void Real(double v) => Int64(Quantizer.Quantize(v));
            public void Vector(Vector3d v) { Real(v.X); Real(v.Y); Real(v.Z); }
            public void BlobId(string id) => Hex.DecodeInto(id, Take(32));

            public void String(string s)
            {
                int max = StrictUtf8.GetMaxByteCount(s.Length);
                Take(4); // length, patched below once the UTF-8 size is known
                int start = _length;
                var body = Take(max);
                int written = StrictUtf8.GetBytes(s.AsSpan(), body);
                _length = start + written;
                BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(_bytes, start - 4, 4), (uint)written);
            }

            public void OptionalString(string? s)
            {
                if (s is null) { Byte(0); return; }
                Byte(1);
                String(s);
            }
        }
    }
}
