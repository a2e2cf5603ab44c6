// Design rationale (CONTENT-V3 §2): the material is glTF's metallic-roughness model. The schema-2
// fields stay positional so older call sites compile; the schema-3 fields are init properties with
// glTF's defaults, which is also what a schema-1/2 material record reads as.
using System;
using System.Collections.Generic;

namespace VibeSync.Protocol.State
{
    /// <summary>glTF's alpha mode. The numeric values are part of the hash encoding.</summary>
    public enum AlphaMode : byte
    {
        /// <summary>Alpha ignored.</summary>
        Opaque = 0,
        /// <summary>Alpha tested against the cutoff.</summary>
        Mask = 1,
        /// <summary>Alpha blended.</summary>
        Blend = 2,
    }

    /// <summary>The five texture slots of a material, in encoding order.</summary>
    public enum TextureSlot : byte
    {
        /// <summary>baseColorTexture (sRGB).</summary>
        BaseColor = 0,
        /// <summary>metallicRoughnessTexture (linear; B metallic, G roughness).</summary>
        MetallicRoughness = 1,
        /// <summary>normalTexture (linear).</summary>
        Normal = 2,
        /// <summary>occlusionTexture (linear; R).</summary>
        Occlusion = 3,
        /// <summary>emissiveTexture (sRGB).</summary>
        Emissive = 4,
    }

    /// <summary>A sampler wrap mode (glTF's).</summary>
    public enum TextureWrap : byte
    {
        /// <summary>10497.</summary>
        Repeat = 0,
        /// <summary>33071.</summary>
        ClampToEdge = 1,
        /// <summary>33648.</summary>
        MirroredRepeat = 2,
    }

    /// <summary>A magnification filter (glTF's).</summary>
    public enum MagFilter : byte
    {
        /// <summary>9728.</summary>
        Nearest = 0,
        /// <summary>9729.</summary>
        Linear = 1,
    }

    /// <summary>A minification filter (glTF's).</summary>
    public enum MinFilter : byte
    {
        /// <summary>9728.</summary>
        Nearest = 0,
        /// <summary>9729.</summary>
        Linear = 1,
        /// <summary>9984.</summary>
        NearestMipmapNearest = 2,
        /// <summary>9985.</summary>
        LinearMipmapNearest = 3,
        /// <summary>9986.</summary>
        NearestMipmapLinear = 4,
        /// <summary>9987.</summary>
        LinearMipmapLinear = 5,
    }

    /// <summary>
    /// One texture binding of a material slot: the image, its UV set, sampler and
    /// KHR_texture_transform (glTF UV space: origin top-left, rotation radians counter-clockwise).
    /// </summary>
    public sealed record TextureBinding(
        string Image,
        int TexCoord,
        TextureWrap WrapS,
        TextureWrap WrapT,
        MagFilter MagFilter,
        MinFilter MinFilter,
        Vector2d Offset,
        double Rotation,
        Vector2d Scale)
    {
        /// <summary>The most texture coordinate sets (TEXCOORD_0…7).</summary>
        public const int MaxTexCoord = 7;

        /// <summary>A binding of <paramref name="image"/> with every other field at glTF's default.</summary>
        public static TextureBinding Of(string image) => new TextureBinding(image, 0, TextureWrap.Repeat, TextureWrap.Repeat,
            MagFilter.Linear, MinFilter.LinearMipmapLinear, new Vector2d(0, 0), 0, new Vector2d(1, 1));
    }

    /// <summary>
    /// A material (content schema 3, docs/protocol.md §2): glTF metallic-roughness. Colours are
    /// linear. <see cref="Unsynced"/> non-null marks a material Blender cannot represent: its other
    /// fields are a best effort and no sync writes it.
    /// </summary>
    public sealed record Material(
        string Uuid,
        string Name,
        Vector4d BaseColor,
        double Metallic,
        double Roughness,
        Vector3d Emission)
    {
        /// <summary>No textures.</summary>
        public static IReadOnlyDictionary<TextureSlot, TextureBinding> NoTextures { get; } =
            new Dictionary<TextureSlot, TextureBinding>();

        /// <summary>KHR_materials_emissive_strength (≥ 0).</summary>
        public double EmissiveStrength { get; init; } = 1.0;
        /// <summary>glTF alphaMode.</summary>
        public AlphaMode AlphaMode { get; init; } = AlphaMode.Opaque;
        /// <summary>glTF alphaCutoff, kept whatever the mode.</summary>
        public double AlphaCutoff { get; init; } = 0.5;
        /// <summary>glTF doubleSided.</summary>
        public bool DoubleSided { get; init; }
        /// <summary>normalTexture.scale.</summary>
        public double NormalScale { get; init; } = 1.0;
        /// <summary>occlusionTexture.strength.</summary>
        public double OcclusionStrength { get; init; } = 1.0;
        /// <summary>The bound slots (absent slot = no texture).</summary>
        public IReadOnlyDictionary<TextureSlot, TextureBinding> Textures { get; init; } = NoTextures;
        /// <summary>Null, or why Blender's node graph cannot be represented.</summary>
        public string? Unsynced { get; init; }

        /// <summary>The texture in <paramref name="slot"/>, or null.</summary>
        public TextureBinding? Texture(TextureSlot slot) => Textures.TryGetValue(slot, out var t) ? t : null;

        /// <summary>Every image uuid the material's textures name (slot order; repeats possible).</summary>
        public IEnumerable<string> ImageIds()
        {
            for (var slot = TextureSlot.BaseColor; slot <= TextureSlot.Emissive; slot++)
                if (Textures.TryGetValue(slot, out var t)) yield return t.Image;
        }

        /// <summary>Value equality (textures compared slot by slot).</summary>
        public bool Equals(Material? other)
        {
            if (other is null) return false;
            if (ReferenceEquals(this, other)) return true;
            if (Uuid != other.Uuid || Name != other.Name || !BaseColor.Equals(other.BaseColor)
                || !Metallic.Equals(other.Metallic) || !Roughness.Equals(other.Roughness) || !Emission.Equals(other.Emission)
                || !EmissiveStrength.Equals(other.EmissiveStrength) || AlphaMode != other.AlphaMode
                || !AlphaCutoff.Equals(other.AlphaCutoff) || DoubleSided != other.DoubleSided
                || !NormalScale.Equals(other.NormalScale) || !OcclusionStrength.Equals(other.OcclusionStrength)
                || Unsynced != other.Unsynced || Textures.Count != other.Textures.Count) return false;
            foreach (var pair in Textures)
                if (!other.Textures.TryGetValue(pair.Key, out var t) || !t.Equals(pair.Value)) return false;
            return true;
        }

        /// <inheritdoc />
        public override int GetHashCode() => HashCode.Combine(Uuid, Name, BaseColor, Metallic, Roughness, Textures.Count);
    }
}
