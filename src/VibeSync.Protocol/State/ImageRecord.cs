namespace VibeSync.Protocol.State
{
    /// <summary>How an image's texels are to be read. The numeric values are part of the hash encoding.</summary>
    public enum ImageColorSpace : byte
    {
        /// <summary>sRGB-encoded colour (base colour, emissive).</summary>
        Srgb = 0,
        /// <summary>Linear data (normal, metallic-roughness, occlusion).</summary>
        Linear = 1,
    }

    /// <summary>
    /// An image record (content schema 3, docs/protocol.md §2): the encoded file (PNG or JPEG, as
    /// the file holds it) is the U8 blob <see cref="Blob"/>; the record says what it is.
    /// </summary>
    /// <param name="Uuid">The image's VibeSync ID.</param>
    /// <param name="Name">A human name (Blender's image name).</param>
    /// <param name="Mime"><see cref="ImageMime.Png"/> or <see cref="ImageMime.Jpeg"/>.</param>
    /// <param name="Blob">The blob id of the encoded bytes.</param>
    /// <param name="Width">Pixels, 1…<see cref="MaxSize"/>; must equal the file's.</param>
    /// <param name="Height">Pixels, 1…<see cref="MaxSize"/>; must equal the file's.</param>
    /// <param name="ColorSpace">sRGB or linear.</param>
    public sealed record Image(string Uuid, string Name, string Mime, string Blob, int Width, int Height, ImageColorSpace ColorSpace)
    {
        /// <summary>The largest width or height.</summary>
        public const int MaxSize = 32768;
    }

    /// <summary>The image MIME types a record may name.</summary>
    public static class ImageMime
    {
        /// <summary>PNG.</summary>
        public const string Png = "image/png";
        /// <summary>JPEG.</summary>
        public const string Jpeg = "image/jpeg";

        /// <summary>True for a supported MIME type.</summary>
        public static bool IsKnown(string mime) => mime == Png || mime == Jpeg;
    }
}
