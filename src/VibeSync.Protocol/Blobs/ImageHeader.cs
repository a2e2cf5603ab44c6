// Design rationale (CONTENT-V3 §3): an image blob is checked before anything admits or applies it,
// from its header alone: PNG's signature and IHDR, or JPEG's SOI and first SOFn. One parser, here,
// so the orchestrator, the Unity core and the simulator refuse the same bytes alike.
using System;
using VibeSync.Protocol.State;

namespace VibeSync.Protocol.Blobs
{
    /// <summary>Reads an encoded image's size from its header and checks it against an image record.</summary>
    public static class ImageHeader
    {
        private static readonly byte[] PngSignature = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };

        /// <summary>
        /// Null when <paramref name="bytes"/> are a <paramref name="record"/>'s MIME type whose header
        /// says the record's width and height; otherwise why not, in words.
        /// </summary>
        public static string? Problem(ReadOnlySpan<byte> bytes, Image record)
        {
            bool png = record.Mime == ImageMime.Png;
            if (!(png ? TryPng(bytes, out int width, out int height) : TryJpeg(bytes, out width, out height)))
                return png ? "not a PNG file (no PNG signature followed by an IHDR chunk)"
                    : "not a JPEG file (no SOI marker followed by a frame header, SOFn)";
            return width == record.Width && height == record.Height ? null
                : $"the file is {width}×{height} pixels, the record says {record.Width}×{record.Height}";
        }

        /// <summary>The MIME type (<see cref="ImageMime"/>) and size an encoded file's header states; null when it is neither a PNG nor a JPEG.</summary>
        public static string? Read(ReadOnlySpan<byte> bytes, out int width, out int height) =>
            TryPng(bytes, out width, out height) ? ImageMime.Png : TryJpeg(bytes, out width, out height) ? ImageMime.Jpeg : null;

        /// <summary>The size a PNG's IHDR states.</summary>
        public static bool TryPng(ReadOnlySpan<byte> b, out int width, out int height)
        {
            width = height = 0;
            // signature | u32 BE length 13 | "IHDR" | u32 BE width | u32 BE height
            if (b.Length < 24 || !b.Slice(0, 8).SequenceEqual(PngSignature)) return false;
            if (BigEndian(b, 8, 4) != 13 || b[12] != (byte)'I' || b[13] != (byte)'H' || b[14] != (byte)'D' || b[15] != (byte)'R') return false;
            long w = BigEndian(b, 16, 4), h = BigEndian(b, 20, 4);
            if (w < 1 || h < 1 || w > int.MaxValue || h > int.MaxValue) return false;
            width = (int)w;
            height = (int)h;
            return true;
        }

        /// <summary>The size a JPEG's first frame header (SOF0…SOF15 but DHT, JPG and DAC) states.</summary>
        public static bool TryJpeg(ReadOnlySpan<byte> b, out int width, out int height)
        {
            width = height = 0;
            if (b.Length < 4 || b[0] != 0xFF || b[1] != 0xD8) return false;
            int at = 2;
            while (at + 1 < b.Length)
            {
                if (b[at] != 0xFF) return false;
                byte marker = b[at + 1];
                if (marker == 0xFF) { at++; continue; } // fill byte
                at += 2;
                if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue; // no length
                if (marker == 0xD9 || marker == 0xDA) return false; // end, or scan data, before any frame
                if (at + 2 > b.Length) return false;
                int length = (int)BigEndian(b, at, 2);
                if (length < 2) return false;
                bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
                if (frame)
                {
                    // length | precision | height | width
                    if (length < 7 || at + 7 > b.Length) return false;
                    height = (int)BigEndian(b, at + 3, 2);
                    width = (int)BigEndian(b, at + 5, 2);
                    return width > 0 && height > 0;
                }
                at += length;
            }
            return false;
        }

        private static long BigEndian(ReadOnlySpan<byte> b, int at, int count)
        {
            long v = 0;
            for (int i = 0; i < count; i++) v = (v << 8) | b[at + i];
            return v;
        }
    }
}
