using VibeSync.Protocol.Blobs;

namespace VibeSync.Protocol.State
{
    /// <summary>
    /// The vertex attribute semantics a mesh record may name (glTF's, docs/protocol.md §2) and the
    /// blob shape each must have: POSITION and NORMAL F32×3, TANGENT F32×4 (xyz unit, w ±1),
    /// TEXCOORD_0…7 F32×2 (contiguous from 0), COLOR_0 F32×4 linear RGBA, JOINTS_0 U16×4 and
    /// WEIGHTS_0 F32×4 (content schema 4, always together). Indices are U32×1.
    /// </summary>
    public static class MeshSemantics
    {
        /// <summary>Vertex positions (required).</summary>
        public const string Position = "POSITION";
        /// <summary>Vertex normals.</summary>
        public const string Normal = "NORMAL";
        /// <summary>Tangents with handedness in w (only when the project's tangent policy is on).</summary>
        public const string Tangent = "TANGENT";
        /// <summary>Linear RGBA vertex colours.</summary>
        public const string Color0 = "COLOR_0";
        /// <summary>Skin joint indices, U16 × 4 per vertex (content schema 4): indices into the skin's joints.</summary>
        public const string Joints0 = "JOINTS_0";
        /// <summary>Skin weights, F32 × 4 per vertex (content schema 4): descending, summing to 1 within 1e-3, or all 0.</summary>
        public const string Weights0 = "WEIGHTS_0";
        /// <summary>How far a vertex's weights may sum from 1.</summary>
        public const double WeightSumTolerance = 1e-3;
        /// <summary>The prefix of texture coordinate sets TEXCOORD_0 … TEXCOORD_7.</summary>
        public const string TexCoordPrefix = "TEXCOORD_";
        /// <summary>Texture coordinate sets a mesh may have.</summary>
        public const int MaxTexCoords = 8;
        /// <summary>The highest material slot index a primitive may name.</summary>
        public const int MaxMaterialSlot = 1024;

        /// <summary>The semantic of texture coordinate set <paramref name="k"/>.</summary>
        public static string TexCoord(int k) => TexCoordPrefix + k.ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>
        /// The set index of a TEXCOORD_k semantic (k = 0…7, no leading zeros), or −1 for any other text.
        /// </summary>
        public static int TexCoordIndex(string semantic) =>
            semantic.Length == TexCoordPrefix.Length + 1 && semantic.StartsWith(TexCoordPrefix, System.StringComparison.Ordinal)
            && semantic[TexCoordPrefix.Length] >= '0' && semantic[TexCoordPrefix.Length] < '0' + MaxTexCoords
                ? semantic[TexCoordPrefix.Length] - '0' : -1;

        /// <summary>Components per element of a known semantic; false for any other text. (JOINTS_0's are U16, every other F32.)</summary>
        public static bool TryComponents(string semantic, out int components)
        {
            switch (semantic)
            {
                case Position: case Normal: components = 3; return true;
                case Tangent: case Color0: case Joints0: case Weights0: components = 4; return true;
                default:
                    components = TexCoordIndex(semantic) >= 0 ? 2 : 0;
                    return components > 0;
            }
        }

        /// <summary>The shape the blob of <paramref name="semantic"/> must have in a mesh of <paramref name="vertexCount"/> vertices.</summary>
        /// <exception cref="System.ArgumentException">Not a known semantic.</exception>
        public static BlobShape ShapeOf(string semantic, long vertexCount) =>
            TryComponents(semantic, out int c) ? new BlobShape(semantic == Joints0 ? BlobElement.U16 : BlobElement.F32, c, vertexCount)
            : throw new System.ArgumentException($"\"{semantic}\" is not a mesh attribute semantic", nameof(semantic));

        /// <summary>The shape of an index blob of <paramref name="count"/> indices.</summary>
        public static BlobShape IndicesShape(long count) => new BlobShape(BlobElement.U32, 1, count);
    }
}
