using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.State;

namespace VibeSync.Protocol.Tests.Blobs;

/// <summary>The one image header check (CONTENT-V3 §3) the orchestrator and the engines share.</summary>
public sealed class ImageHeaderTests
{
    private static readonly byte[] Png1x1 = Convert.FromHexString(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000b49444154789c63f80f040009fb03fdfb5e6b2b0000000049454e44ae426082");

    private static Image Record(string mime, int w, int h) => new("00000000-0000-4000-8000-000000000001", "a", mime, new string('a', 64), w, h, ImageColorSpace.Srgb);

    [Fact]
    public void a_real_png_reads_its_ihdr_size()
    {
        Assert.True(ImageHeader.TryPng(Png1x1, out int w, out int h));
        Assert.Equal((1, 1), (w, h));
        Assert.Null(ImageHeader.Problem(Png1x1, Record(ImageMime.Png, 1, 1)));
        Assert.Contains("1×1 pixels, the record says 2×1", ImageHeader.Problem(Png1x1, Record(ImageMime.Png, 2, 1)));
    }

    [Fact]
    public void a_jpeg_is_read_past_its_app_segments_to_the_first_frame_header_whatever_its_process()
    {
        // SOI | APP0 (16) | COM (4: "hi") | fill byte | SOF2 (progressive): 8 bit, 480 high, 640 wide | EOI
        var jpeg = Convert.FromHexString("ffd8ffe000104a46494600010100000100010000fffe00046869ffffc2000b0801e0028001011100ffd9");
        Assert.True(ImageHeader.TryJpeg(jpeg, out int w, out int h));
        Assert.Equal((640, 480), (w, h));
        Assert.Null(ImageHeader.Problem(jpeg, Record(ImageMime.Jpeg, 640, 480)));
    }

    [Fact]
    public void a_huffman_table_before_the_frame_is_not_taken_for_one()
    {
        // SOI | DHT (C4, length 5) | SOF0 2×1 | EOI
        var jpeg = Convert.FromHexString("ffd8ffc40005000000ffc0000b080001000201011100ffd9");
        Assert.True(ImageHeader.TryJpeg(jpeg, out int w, out int h));
        Assert.Equal((2, 1), (w, h));
    }

    [Theory]
    [InlineData("")]
    [InlineData("89504e470d0a1a0a")]                         // a signature alone
    [InlineData("89504e470d0a1a0a0000000d4944415400000001000000010806000000")] // IDAT where IHDR belongs
    [InlineData("ffd8ffd9")]                                 // SOI, EOI: no frame
    [InlineData("ffd8ffda000c03010002110311003f00")]           // scan data before any frame
    [InlineData("ffd8ffe00010")]                             // truncated segment
    [InlineData("47494638396101000100")]                       // a GIF
    public void bytes_that_are_not_a_png_or_jpeg_header_are_named_as_such(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        Assert.StartsWith("not a PNG", ImageHeader.Problem(bytes, Record(ImageMime.Png, 1, 1)));
        Assert.StartsWith("not a JPEG", ImageHeader.Problem(bytes, Record(ImageMime.Jpeg, 1, 1)));
    }

    [Fact]
    public void a_png_labelled_jpeg_is_refused()
    {
        Assert.StartsWith("not a JPEG", ImageHeader.Problem(Png1x1, Record(ImageMime.Jpeg, 1, 1)));
    }
}
