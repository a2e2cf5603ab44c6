// Design rationale (issue #18): the simulator derives Unity's metallic/smoothness/occlusion texture as
// the glue does with Texture2D.LoadImage/GetPixels32/EncodeToPNG, so tests can check the derived pixels.
// Unity is not here, so it decodes and encodes PNG itself with the standard library (zlib from
// System.IO.Compression): the common subset Blender writes, 8-bit RGB and RGBA, non-interlaced, all
// five row filters. Anything else is refused with the reason, and the binding is reported not synced.
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace VibeSync.Unity.Simulator;

/// <summary>A PNG file that the simulator's decoder does not read, and why.</summary>
public sealed class PngFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PngFormatException(string message) : base(message) { }
}

/// <summary>PNG ⇄ RGBA8 pixels (rows top to bottom, 4 bytes a pixel) for 8-bit RGB/RGBA, non-interlaced.</summary>
public static class PngCodec
{
    private static readonly byte[] Signature = { 137, 80, 78, 71, 13, 10, 26, 10 };

    /// <summary>The RGBA8 pixels of <paramref name="png"/> (RGB gets alpha 255).</summary>
    /// <exception cref="PngFormatException">Not a PNG this decoder reads (the message says why).</exception>
    public static byte[] Decode(byte[] png, out int width, out int height)
    {
        if (png.Length < 8 || !png.AsSpan(0, 8).SequenceEqual(Signature)) throw new PngFormatException("not a PNG file (no PNG signature)");
        width = height = 0;
        int channels = 0;
        bool header = false;
        using var idat = new MemoryStream();
        int at = 8;
        while (true)
        {
            if (at + 12 > png.Length) throw new PngFormatException("the file ends before its IEND chunk");
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at));
            string type = Encoding.ASCII.GetString(png, at + 4, 4);
            if (length < 0 || at + 12 + (long)length > png.Length) throw new PngFormatException($"chunk {type} runs past the end of the file");
            var data = png.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                if (length != 13) throw new PngFormatException("IHDR is not 13 bytes");
                width = (int)BinaryPrimitives.ReadUInt32BigEndian(data);
                height = (int)BinaryPrimitives.ReadUInt32BigEndian(data.Slice(4));
                byte depth = data[8], colour = data[9], interlace = data[12];
                if (depth != 8) throw new PngFormatException($"{depth}-bit samples (the simulator's decoder reads 8-bit RGB and RGBA)");
                channels = colour switch
                {
                    2 => 3,
                    6 => 4,
                    _ => throw new PngFormatException($"colour type {colour} (the simulator's decoder reads 8-bit RGB and RGBA: types 2 and 6)"),
                };
                if (interlace != 0) throw new PngFormatException("an interlaced (Adam7) image (the simulator's decoder reads non-interlaced ones)");
                if (width <= 0 || height <= 0 || (long)width * height > 1 << 28) throw new PngFormatException($"a size of {width}×{height}");
                header = true;
            }
            else if (type == "IDAT") idat.Write(data);
            else if (type == "IEND") break;
            at += 12 + length;
        }
        if (!header) throw new PngFormatException("no IHDR chunk");
        int stride = width * channels;
        var raw = new byte[(long)(stride + 1) * height];
        idat.Position = 0;
        try
        {
            using var z = new ZLibStream(idat, CompressionMode.Decompress);
            int read = 0, n;
            while (read < raw.Length && (n = z.Read(raw, read, raw.Length - read)) > 0) read += n;
            if (read < raw.Length) throw new PngFormatException($"the image data holds {read} of {raw.Length} bytes");
        }
        catch (InvalidDataException e) { throw new PngFormatException("the image data is not zlib: " + e.Message); }
        var rgba = new byte[(long)width * height * 4];
        var previous = new byte[stride];
        var row = new byte[stride];
        for (int y = 0; y < height; y++)
        {
            int start = y * (stride + 1);
            byte filter = raw[start];
            for (int x = 0; x < stride; x++)
            {
                int a = x >= channels ? row[x - channels] : 0, b = previous[x], c = x >= channels ? previous[x - channels] : 0;
                int predictor = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) >> 1,
                    4 => Paeth(a, b, c),
                    _ => throw new PngFormatException($"row {y} has filter type {filter} (PNG defines 0–4)"),
                };
                row[x] = (byte)(raw[start + 1 + x] + predictor);
            }
            for (int x = 0; x < width; x++)
            {
                long o = ((long)y * width + x) * 4;
                rgba[o] = row[x * channels];
                rgba[o + 1] = row[x * channels + 1];
                rgba[o + 2] = row[x * channels + 2];
                rgba[o + 3] = channels == 4 ? row[x * channels + 3] : (byte)255;
            }
            (previous, row) = (row, previous);
        }
        return rgba;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    /// <summary>An 8-bit RGBA PNG of <paramref name="rgba"/> (rows top to bottom), every row with filter 0.</summary>
    public static byte[] Encode(int width, int height, byte[] rgba)
    {
        if ((long)width * height * 4 != rgba.Length) throw new ArgumentException($"{rgba.Length} bytes are not {width}×{height} RGBA8 pixels", nameof(rgba));
        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            for (int y = 0; y < height; y++)
            {
                z.WriteByte(0);
                z.Write(rgba, y * width * 4, width * 4);
            }
        using var png = new MemoryStream();
        png.Write(Signature);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), (uint)height);
        ihdr[8] = 8; ihdr[9] = 6; // 8-bit RGBA; compression, filter method and interlace 0
        Chunk(png, "IHDR", ihdr);
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", Array.Empty<byte>());
        return png.ToArray();
    }

    private static void Chunk(Stream to, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
        to.Write(word);
        var typed = new byte[4 + data.Length];
        Encoding.ASCII.GetBytes(type, 0, 4, typed, 0);
        data.CopyTo(typed, 4);
        to.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typed));
        to.Write(word);
    }

    private static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    private static uint Crc32(byte[] bytes)
    {
        uint c = 0xFFFFFFFFu;
        foreach (var b in bytes) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}
