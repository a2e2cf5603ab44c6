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
    ///           [| u8 0x01 | u8 camera type | i64 yfov or xmag | i64 aspect or ymag | i64 znear | i64 zfar]   only with a camera
    ///           [| u8 0x02 | u8 light type | i64×3 color | i64 intensity | opt64 range | i64 inner | i64 outer]   only with a light
    ///           [| u8 0x03 | str skin]   only when skinned
    /// material: u8 0x14 | str uuid | str name | i64×4 base | i64 metallic | i64 roughness | i64×3 emission
    ///           | i64 emissive_strength | u8 alpha_mode | i64 alpha_cutoff | u8 double_sided | i64 normal_scale
    ///           | i64 occlusion_strength | u8 t | t × (u8 slot | str image | u8 texcoord | u8 wrap_s | u8 wrap_t
    ///           | u8 mag | u8 min | i64×2 offset | i64 rotation | i64×2 scale), slots ascending | opt unsynced
    /// image:    u8 0x15 | str uuid | str name | str mime | 32 bytes blob id | u32 width | u32 height | u8 color_space
    /// mesh:     u8 0x13 | str uuid | u32 vertex_count | u8 k | k × (str semantic | 32 bytes blob id), ascending ordinal
    ///           | u32 p | p × (u32 material slot | 32 bytes indices blob id) | u32 d | d × str
    ///           [| u8 0x01 | u32 m | m × (str name | 32 bytes POSITION | optblob NORMAL) | m × i64 weight]   only with targets
    /// skin:     u8 0x16 | str uuid | str name | u32 n | n × str joint | 32 bytes inverse bind matrices | opt skeleton
    /// animation: u8 0x17 | str uuid | str name | i64 frame_rate | u32 c | c × (str target | u8 path | u8 interpolation
    ///           | 32 bytes times | 32 bytes values | u8 sampled)
    /// optblob = u8 0 | u8 1 ‖ 32 bytes;  str = u32 byte length | UTF-8;  opt = u8 0 | u8 1 str;  opt64 = u8 0 | u8 1 i64;  all little-endian
    /// </code>
    /// Every method writes into a reused per-thread buffer; callers copy or hash the span at once.
    /// </summary>
    public static class RecordEncoder
    {
        /// <summary>Tag byte of an object record.</summary>
        public const byte ObjectTag = 0x10;
        /// <summary>Tag byte of a material record (content schema 3; 0x11, the four-number material, is retired).</summary>
        public const byte MaterialTag = 0x14;
        /// <summary>Tag byte of an image record.</summary>
        public const byte ImageTag = 0x15;
        /// <summary>Marks camera parameters appended to an object record.</summary>
        public const byte CameraMark = 0x01;
        /// <summary>Marks light parameters appended to an object record.</summary>
        public const byte LightMark = 0x02;
        /// <summary>Tag byte of a mesh record (content schema 2; 0x12, schema 1's inline mesh, is retired).</summary>
        public const byte MeshTag = 0x13;
        /// <summary>Marks the skin appended to an object record (content schema 4).</summary>
        public const byte SkinMark = 0x03;
        /// <summary>Marks morph targets appended to a mesh record (content schema 4).</summary>
        public const byte TargetsMark = 0x01;
        /// <summary>Tag byte of a skin record (content schema 4).</summary>
        public const byte SkinTag = 0x16;
        /// <summary>Tag byte of an animation record (content schema 4).</summary>
        public const byte AnimationTag = 0x17;

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
            // Appended only when present, so an object without them hashes exactly as in schema 2.
            if (o.Camera is { } c)
            {
                w.Byte(CameraMark);
                w.Byte((byte)c.Type);
                bool perspective = c.Type == CameraType.Perspective;
                w.Real(perspective ? c.YFov : c.XMag);
                w.Real(perspective ? c.Aspect : c.YMag);
                w.Real(c.ZNear);
                w.Real(c.ZFar);
            }
            if (o.Light is { } l)
            {
                w.Byte(LightMark);
                w.Byte((byte)l.Type);
                w.Vector(l.Color);
                w.Real(l.Intensity);
                if (l.Range is { } range) { w.Byte(1); w.Real(range); } else w.Byte(0);
                w.Real(l.InnerCone);
                w.Real(l.OuterCone);
            }
            if (o.Skin is { } skin)
            {
                w.Byte(SkinMark);
                w.String(skin);
            }
            return w.Written;
        }

        /// <summary>Encodes a material record.</summary>
        public static ReadOnlySpan<byte> Encode(Material m)
        {
            var w = new Writer(256 + 3 * m.Name.Length + m.Textures.Count * 200 + 3 * (m.Unsynced?.Length ?? 0));
            w.Byte(MaterialTag);
            w.String(m.Uuid);
            w.String(m.Name);
            w.Real(m.BaseColor.X); w.Real(m.BaseColor.Y); w.Real(m.BaseColor.Z); w.Real(m.BaseColor.W);
            w.Real(m.Metallic);
            w.Real(m.Roughness);
            w.Vector(m.Emission);
            w.Real(m.EmissiveStrength);
            w.Byte((byte)m.AlphaMode);
            w.Real(m.AlphaCutoff);
            w.Byte(m.DoubleSided ? (byte)1 : (byte)0);
            w.Real(m.NormalScale);
            w.Real(m.OcclusionStrength);
            w.Byte((byte)m.Textures.Count);
            for (var slot = TextureSlot.BaseColor; slot <= TextureSlot.Emissive; slot++)
            {
                if (!m.Textures.TryGetValue(slot, out var t)) continue;
                w.Byte((byte)slot);
                w.String(t.Image);
                w.Byte((byte)t.TexCoord);
                w.Byte((byte)t.WrapS);
                w.Byte((byte)t.WrapT);
                w.Byte((byte)t.MagFilter);
                w.Byte((byte)t.MinFilter);
                w.Real(t.Offset.X); w.Real(t.Offset.Y);
                w.Real(t.Rotation);
                w.Real(t.Scale.X); w.Real(t.Scale.Y);
            }
            w.OptionalString(m.Unsynced);
            return w.Written;
        }

        /// <summary>Encodes an image record: the blob id stands for the file, whatever its size.</summary>
        public static ReadOnlySpan<byte> Encode(Image i)
        {
            var w = new Writer(128 + 3 * i.Name.Length);
            w.Byte(ImageTag);
            w.String(i.Uuid);
            w.String(i.Name);
            w.String(i.Mime);
            w.BlobId(i.Blob);
            w.UInt32((uint)i.Width);
            w.UInt32((uint)i.Height);
            w.Byte((byte)i.ColorSpace);
            return w.Written;
        }

        /// <summary>
        /// Encodes a mesh record: 32 bytes per array, whatever its size, so a record hash never
        /// reads geometry. The ids must be well-formed (the readers check them).
        /// </summary>
        public static ReadOnlySpan<byte> Encode(Mesh m)
        {
            var w = new Writer(64 + m.Attributes.Count * 48 + m.Primitives.Count * 36 + m.Derived.Count * 40 + m.Targets.Count * 120);
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
            // Appended only with targets, so a mesh without them hashes exactly as in schema 3.
            if (m.Targets.Count > 0)
            {
                w.Byte(TargetsMark);
                w.UInt32((uint)m.Targets.Count);
                foreach (var t in m.Targets)
                {
                    w.String(t.Name);
                    w.BlobId(t.Position);
                    if (t.Normal is { } normal) { w.Byte(1); w.BlobId(normal); } else w.Byte(0);
                }
                foreach (var weight in m.Weights) w.Real(weight);
            }
            return w.Written;
        }

        /// <summary>Encodes a skin record: the blob id stands for the inverse bind matrices.</summary>
        public static ReadOnlySpan<byte> Encode(Skin s)
        {
            var w = new Writer(128 + 3 * s.Name.Length + s.Joints.Count * 48);
            w.Byte(SkinTag);
            w.String(s.Uuid);
            w.String(s.Name);
            w.UInt32((uint)s.Joints.Count);
            foreach (var joint in s.Joints) w.String(joint);
            w.BlobId(s.InverseBindMatrices);
            w.OptionalString(s.Skeleton);
            return w.Written;
        }

        /// <summary>Encodes an animation record: 64 bytes of blob ids per channel, whatever its keyframes.</summary>
        public static ReadOnlySpan<byte> Encode(Animation a)
        {
            var w = new Writer(128 + 3 * a.Name.Length + a.Channels.Count * 120);
            w.Byte(AnimationTag);
            w.String(a.Uuid);
            w.String(a.Name);
            w.Real(a.FrameRate);
            w.UInt32((uint)a.Channels.Count);
            foreach (var c in a.Channels)
            {
                w.String(c.Target);
                w.Byte((byte)c.Path);
                w.Byte((byte)c.Interpolation);
                w.BlobId(c.Times);
                w.BlobId(c.Values);
                w.Byte(c.Sampled ? (byte)1 : (byte)0);
            }
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
