using System.Text;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.State;
using static VibeSync.Protocol.Json.JsonFields;

namespace VibeSync.Protocol.SceneJson
{
    /// <summary>Reads and writes image records (docs/protocol.md §2, §8), for scene JSON and create_image/replace_image.</summary>
    public static class ImageJson
    {
        /// <summary>The fields of an image record.</summary>
        public static readonly string[] Fields = { "uuid", "name", "mime", "blob", "width", "height", "color_space" };

        /// <summary>Reads an image record's fields (the uuid read by the caller); the field set is checked by the caller.</summary>
        /// <exception cref="JsonFieldException">A field is malformed or out of range.</exception>
        public static Image Read(JsonObject o, string path, string uuid) =>
            new Image(uuid, Name(Required(o, path, "name"), path + ".name"),
                Mime(Required(o, path, "mime"), path + ".mime"),
                BlobId(Required(o, path, "blob"), path + ".blob"),
                Size(Required(o, path, "width"), path + ".width"),
                Size(Required(o, path, "height"), path + ".height"),
                ColorSpace(Required(o, path, "color_space"), path + ".color_space"));

        /// <summary>image/png or image/jpeg.</summary>
        public static string Mime(JsonNode node, string path)
        {
            var mime = Text(node, path);
            return ImageMime.IsKnown(mime) ? mime
                : throw new JsonFieldException(path, $"unknown value \"{mime}\" (expected {ImageMime.Png} or {ImageMime.Jpeg})");
        }

        /// <summary>A width or height, 1…32768.</summary>
        public static int Size(JsonNode node, string path) => (int)Integer(node, path, 1, Image.MaxSize, "a size in pixels");

        /// <summary>srgb or linear.</summary>
        public static ImageColorSpace ColorSpace(JsonNode node, string path) =>
            (ImageColorSpace)MaterialJson.Enum(node, path, GltfNames.ColorSpaces);

        /// <summary>Appends the record.</summary>
        public static StringBuilder Append(StringBuilder sb, Image i)
        {
            sb.Append("{\"uuid\": ");
            JsonText.AppendString(sb, i.Uuid).Append(", \"name\": ");
            JsonText.AppendString(sb, i.Name).Append(", \"mime\": ");
            JsonText.AppendString(sb, i.Mime).Append(", \"blob\": \"").Append(i.Blob)
                .Append("\", \"width\": ").Append(i.Width).Append(", \"height\": ").Append(i.Height)
                .Append(", \"color_space\": \"").Append(GltfNames.ColorSpaces[(int)i.ColorSpace]).Append("\"}");
            return sb;
        }
    }
}
