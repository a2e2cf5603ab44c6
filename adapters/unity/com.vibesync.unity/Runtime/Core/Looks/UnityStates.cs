// Design rationale (issue #18): the core owns the mapping from glTF-shaped records to Unity's
// properties, so the glue and the simulator only store and return what these types hold. Reals are
// float32, as Unity stores them; the glue copies them to and from UnityEngine objects one for one.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace VibeSync.Unity.Looks
{
    /// <summary>A colour exactly as <c>Material.SetColor</c> or <c>Light.color</c> holds it (gamma-encoded, see <see cref="SrgbTransfer"/>).</summary>
    public readonly struct UnityColor : IEquatable<UnityColor>
    {
        /// <summary>Creates the colour.</summary>
        public UnityColor(float r, float g, float b, float a) { R = r; G = g; B = b; A = a; }
        /// <summary>Red.</summary>
        public float R { get; }
        /// <summary>Green.</summary>
        public float G { get; }
        /// <summary>Blue.</summary>
        public float B { get; }
        /// <summary>Alpha (never gamma-encoded).</summary>
        public float A { get; }
        /// <inheritdoc />
        public bool Equals(UnityColor o) => R.Equals(o.R) && G.Equals(o.G) && B.Equals(o.B) && A.Equals(o.A);
        /// <inheritdoc />
        public override bool Equals(object? obj) => obj is UnityColor c && Equals(c);
        /// <inheritdoc />
        public override int GetHashCode() => HashCode.Combine(R, G, B, A);
        /// <inheritdoc />
        public override string ToString() => string.Format(CultureInfo.InvariantCulture, "({0:R}, {1:R}, {2:R}, {3:R})", R, G, B, A);
    }

    /// <summary>A texture property's tiling and offset, as <c>Material.SetTextureScale</c>/<c>SetTextureOffset</c> hold them (the shader's <c>_ST</c> vector: scale xy, offset zw).</summary>
    public readonly struct UnityScaleOffset : IEquatable<UnityScaleOffset>
    {
        /// <summary>Creates the vector.</summary>
        public UnityScaleOffset(float scaleX, float scaleY, float offsetX, float offsetY) { ScaleX = scaleX; ScaleY = scaleY; OffsetX = offsetX; OffsetY = offsetY; }
        /// <summary>Unity's default: tiling (1, 1), offset (0, 0).</summary>
        public static UnityScaleOffset Identity => new UnityScaleOffset(1, 1, 0, 0);
        /// <summary>Tiling u.</summary>
        public float ScaleX { get; }
        /// <summary>Tiling v.</summary>
        public float ScaleY { get; }
        /// <summary>Offset u.</summary>
        public float OffsetX { get; }
        /// <summary>Offset v.</summary>
        public float OffsetY { get; }
        /// <inheritdoc />
        public bool Equals(UnityScaleOffset o) => ScaleX.Equals(o.ScaleX) && ScaleY.Equals(o.ScaleY) && OffsetX.Equals(o.OffsetX) && OffsetY.Equals(o.OffsetY);
        /// <inheritdoc />
        public override bool Equals(object? obj) => obj is UnityScaleOffset s && Equals(s);
        /// <inheritdoc />
        public override int GetHashCode() => HashCode.Combine(ScaleX, ScaleY, OffsetX, OffsetY);
        /// <inheritdoc />
        public override string ToString() => string.Format(CultureInfo.InvariantCulture, "({0:R}, {1:R}, {2:R}, {3:R})", ScaleX, ScaleY, OffsetX, OffsetY);
    }

    /// <summary>
    /// A Unity material as the core reads and writes it: the shader, then every property by the
    /// shader's own name (floats, colours, textures by image ID, their tiling/offset), the enabled
    /// keywords, the render queue and the RenderType tag. Only the names the mapping table uses are
    /// held (<see cref="ShaderFamily"/>): the glue reads exactly those.
    /// </summary>
    public sealed class UnityMaterialState
    {
        /// <summary>The material's name (<c>Object.name</c>).</summary>
        public string Name { get; set; } = "";
        /// <summary>The shader's name (<c>Shader.name</c>), e.g. <c>Standard</c>.</summary>
        public string Shader { get; set; } = ShaderFamily.Standard.Shader;
        /// <summary><c>SetFloat</c> values by property name.</summary>
        public SortedDictionary<string, float> Floats { get; } = new SortedDictionary<string, float>(StringComparer.Ordinal);
        /// <summary><c>SetColor</c> values by property name.</summary>
        public SortedDictionary<string, UnityColor> Colors { get; } = new SortedDictionary<string, UnityColor>(StringComparer.Ordinal);
        /// <summary><c>SetTexture</c> values by property name: the image's VibeSync ID (a property without a texture is absent).</summary>
        public SortedDictionary<string, string> Textures { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);
        /// <summary><c>SetTextureScale</c>/<c>SetTextureOffset</c> by texture property name.</summary>
        public SortedDictionary<string, UnityScaleOffset> ScaleOffsets { get; } = new SortedDictionary<string, UnityScaleOffset>(StringComparer.Ordinal);
        /// <summary>
        /// Texture properties bound to a texture derived from their image (<see cref="ChannelRepack"/>): the
        /// derived texture's name by property. <see cref="Textures"/> still names the source image, which is
        /// what the record binds; the host binds the derived texture in its place.
        /// </summary>
        public SortedDictionary<string, string> Derived { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);
        /// <summary>Enabled shader keywords (among those the mapping manages).</summary>
        public SortedSet<string> Keywords { get; } = new SortedSet<string>(StringComparer.Ordinal);
        /// <summary><c>Material.renderQueue</c>.</summary>
        public int RenderQueue { get; set; } = 2000;
        /// <summary>The <c>RenderType</c> override tag (<c>SetOverrideTag</c>; "" when none).</summary>
        public string RenderType { get; set; } = "";

        /// <summary>A deep copy.</summary>
        public UnityMaterialState Copy()
        {
            var c = new UnityMaterialState { Name = Name, Shader = Shader, RenderQueue = RenderQueue, RenderType = RenderType };
            foreach (var p in Floats) c.Floats[p.Key] = p.Value;
            foreach (var p in Colors) c.Colors[p.Key] = p.Value;
            foreach (var p in Textures) c.Textures[p.Key] = p.Value;
            foreach (var p in ScaleOffsets) c.ScaleOffsets[p.Key] = p.Value;
            foreach (var p in Derived) c.Derived[p.Key] = p.Value;
            c.Keywords.UnionWith(Keywords);
            return c;
        }

        /// <summary>Everything but the name, as text (equal text: Unity holds the same values, bit for bit).</summary>
        public override string ToString()
        {
            var sb = new StringBuilder(Shader).Append(" queue ").Append(RenderQueue).Append(" RenderType '").Append(RenderType).Append('\'');
            foreach (var p in Floats) sb.Append(' ').Append(p.Key).Append('=').Append(p.Value.ToString("R", CultureInfo.InvariantCulture));
            foreach (var p in Colors) sb.Append(' ').Append(p.Key).Append('=').Append(p.Value);
            foreach (var p in Textures) sb.Append(' ').Append(p.Key).Append('=').Append(p.Value);
            foreach (var p in ScaleOffsets) sb.Append(' ').Append(p.Key).Append("_ST=").Append(p.Value);
            foreach (var p in Derived) sb.Append(' ').Append(p.Key).Append("<=").Append(p.Value);
            return sb.Append(" keywords ").Append(string.Join(" ", Keywords)).ToString();
        }

        /// <summary>True when both hold the same values (the name aside).</summary>
        public bool SameValues(UnityMaterialState other) => ToString() == other.ToString();
    }

    /// <summary>Unity's <c>LightType</c> values (Spot 0, Directional 1, Point 2; the area types are not synced).</summary>
    public enum UnityLightType
    {
        /// <summary>LightType.Spot.</summary>
        Spot = 0,
        /// <summary>LightType.Directional.</summary>
        Directional = 1,
        /// <summary>LightType.Point.</summary>
        Point = 2,
        /// <summary>LightType.Rectangle (Area): not representable in glTF.</summary>
        Rectangle = 3,
        /// <summary>LightType.Disc: not representable in glTF.</summary>
        Disc = 4,
    }

    /// <summary>A <c>UnityEngine.Light</c>'s synced members, as Unity holds them.</summary>
    public sealed record UnityLight(UnityLightType Type, UnityColor Color, float Intensity, float Range, float SpotAngle, float InnerSpotAngle);

    /// <summary>
    /// A <c>UnityEngine.Camera</c>'s synced members, as Unity holds them. <see cref="Aspect"/> is read
    /// from Unity (it follows the screen) and never written.
    /// </summary>
    public sealed record UnityCamera(bool Orthographic, float FieldOfView, float OrthographicSize, float NearClipPlane, float FarClipPlane, float Aspect);

    /// <summary>Unity's <c>TextureWrapMode</c> values.</summary>
    public enum UnityWrap
    {
        /// <summary>TextureWrapMode.Repeat.</summary>
        Repeat = 0,
        /// <summary>TextureWrapMode.Clamp.</summary>
        Clamp = 1,
        /// <summary>TextureWrapMode.Mirror.</summary>
        Mirror = 2,
        /// <summary>TextureWrapMode.MirrorOnce: no glTF value; read as MIRRORED_REPEAT, the nearest, and listed as not synced.</summary>
        MirrorOnce = 3,
    }

    /// <summary>Unity's <c>FilterMode</c> values.</summary>
    public enum UnityFilter
    {
        /// <summary>FilterMode.Point.</summary>
        Point = 0,
        /// <summary>FilterMode.Bilinear.</summary>
        Bilinear = 1,
        /// <summary>FilterMode.Trilinear.</summary>
        Trilinear = 2,
    }

    /// <summary>
    /// An imported texture as the core sees it: the encoded file's facts and the importer settings
    /// (<c>TextureImporter.sRGBTexture</c>, <c>textureType</c> NormalMap, <c>wrapModeU</c>/<c>V</c>,
    /// <c>filterMode</c>). The encoded bytes are read separately (<c>IUnityScene.ImageBytes</c>).
    /// </summary>
    public sealed record UnityTexture(string Name, string Mime, int Width, int Height, bool Srgb, bool NormalMap, UnityWrap WrapU, UnityWrap WrapV, UnityFilter Filter)
    {
        /// <summary>
        /// Why the texture's file cannot be an image record (null: it can): a file Unity imports as a
        /// texture that is neither PNG nor JPEG (a .tga, .psd, .exr a human bound). Its bindings are
        /// listed as not synced (<c>IMAGE_FORMAT …</c>) and the rest of the scene syncs.
        /// </summary>
        public string? Unreadable { get; init; }

        /// <summary>The texture's wrap and filter settings alone.</summary>
        public UnitySampler Sampler => new UnitySampler(WrapU, WrapV, Filter);
    }

    /// <summary>A texture's wrap and filter import settings (<c>wrapModeU</c>, <c>wrapModeV</c>, <c>filterMode</c>).</summary>
    public sealed record UnitySampler(UnityWrap WrapU, UnityWrap WrapV, UnityFilter Filter);
}
