using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.State;

namespace VibeSync.Export.Tests;

/// <summary>Content the export tests share: a unit quad's vertex blobs and real PNG files.</summary>
internal static class TestContent
{
    /// <summary>POSITION, NORMAL, TANGENT and TEXCOORD_0 of a unit quad in the XY plane (4 vertices), put into <paramref name="blobs"/>.</summary>
    public static Dictionary<string, string> QuadAttributes(IBlobSink blobs) => new()
    {
        [MeshSemantics.Position] = InlineMesh.Floats(new float[] { 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0 }, 3, blobs),
        [MeshSemantics.Normal] = InlineMesh.Floats(Enumerable.Repeat(new float[] { 0, 0, 1 }, 4).SelectMany(v => v).ToArray(), 3, blobs),
        [MeshSemantics.Tangent] = InlineMesh.Floats(Enumerable.Repeat(new float[] { 1, 0, 0, 1 }, 4).SelectMany(v => v).ToArray(), 4, blobs),
        [MeshSemantics.TexCoord(0)] = InlineMesh.Floats(new float[] { 0, 0, 1, 0, 1, 1, 0, 1 }, 2, blobs),
    };

    private static readonly uint[] Crc = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    /// <summary>A real, decodable PNG file: 8-bit RGB, every pixel (<paramref name="r"/>, <paramref name="g"/>, <paramref name="b"/>).</summary>
    public static byte[] Png(int width, int height, byte r, byte g, byte b)
    {
        var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte(0); // filter: none
            for (int x = 0; x < width; x++) { raw.WriteByte(r); raw.WriteByte(g); raw.WriteByte(b); }
        }
        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) z.Write(raw.ToArray());
        var ihdr = new byte[13];
        BigEndian(ihdr, 0, (uint)width);
        BigEndian(ihdr, 4, (uint)height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // colour type: RGB
        var png = new MemoryStream();
        png.Write(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
        Chunk(png, "IHDR", ihdr);
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", Array.Empty<byte>());
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        var head = new byte[8];
        BigEndian(head, 0, (uint)data.Length);
        System.Text.Encoding.ASCII.GetBytes(type, 0, 4, head, 4);
        png.Write(head);
        png.Write(data);
        uint c = 0xFFFFFFFFu;
        foreach (var x in head.Skip(4).Concat(data)) c = Crc[(c ^ x) & 0xFF] ^ (c >> 8);
        var crc = new byte[4];
        BigEndian(crc, 0, ~c);
        png.Write(crc);
    }

    private static void BigEndian(byte[] buffer, int at, uint value)
    {
        buffer[at] = (byte)(value >> 24);
        buffer[at + 1] = (byte)(value >> 16);
        buffer[at + 2] = (byte)(value >> 8);
        buffer[at + 3] = (byte)value;
    }

    /// <summary>The JSON chunk of a GLB file.</summary>
    public static JsonElement GlbJson(byte[] glb)
    {
        int length = BitConverter.ToInt32(glb, 12); // header (12 bytes), then the JSON chunk: length, type, bytes
        return JsonDocument.Parse(glb.AsMemory(20, length)).RootElement;
    }

    /// <summary>
    /// The Khronos validator's report on <paramref name="file"/> (tests/gltf-validator), asserting it ran
    /// and found no errors (the report is in the message otherwise).
    /// </summary>
    public static JsonElement Validate(string file)
    {
        var validator = Path.Combine(Repo(), "tests", "gltf-validator", "validate.mjs");
        Assert.True(File.Exists(Path.Combine(Repo(), "tests", "gltf-validator", "node_modules", "gltf-validator", "package.json")),
            "the Khronos validator is not installed: run `npm ci` in tests/gltf-validator (run-tests does)");
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(validator);
        start.ArgumentList.Add(file);
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "the validator did not finish in 60 s");
        var report = JsonDocument.Parse(output.Trim().Split('\n').Last()).RootElement;
        Assert.True(report.GetProperty("errors").GetInt32() == 0, output);
        Assert.Equal(0, process.ExitCode);
        return report;
    }

    private static string Repo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "tests", "gltf-validator", "validate.mjs"))) return dir.FullName;
        throw new InvalidOperationException("repository not found");
    }
}
