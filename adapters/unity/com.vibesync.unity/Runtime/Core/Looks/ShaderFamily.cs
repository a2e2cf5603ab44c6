// Design rationale (issue #18): ONE table from the material record to shader property names, for
// the two shaders VibeSync writes: the Built-in pipeline's Standard and URP's Lit. The names and the
// per-alpha-mode setup follow the shaders' own inspectors (Standard: UnityCsReference
// Editor/Mono/Inspector/StandardShaderGUI.cs, SetupMaterialWithBlendMode and SetMaterialKeywords;
// URP Lit: BaseShaderGUI.SetupMaterialBlendMode and LitGUI.SetMaterialKeywords), so a material
// VibeSync writes looks as if a human had set it up in the inspector. docs/unity.md has the table.
using System;
using System.Collections.Generic;
using System.Linq;
using VibeSync.Protocol.State;

namespace VibeSync.Unity.Looks
{
    /// <summary>What a shader's alpha mode sets: floats, keywords on (the others managed are off), queue, RenderType.</summary>
    public sealed record AlphaSetup(IReadOnlyDictionary<string, float> Floats, IReadOnlyList<string> Keywords, int RenderQueue, string RenderType);

    /// <summary>The property names of one shader: the mapping table for the material record.</summary>
    public sealed class ShaderFamily
    {
        // UnityEngine.Rendering.BlendMode: One 1, Zero 0, SrcAlpha 5, OneMinusSrcAlpha 10. RenderQueue:
        // Geometry 2000, AlphaTest 2450, Transparent 3000. CullMode: Off 0, Back 2.
        private const float One = 1, Zero = 0, SrcAlpha = 5, OneMinusSrcAlpha = 10;

        /// <summary><c>_Metallic</c>: metallic (both shaders).</summary>
        public const string Metallic = "_Metallic";
        /// <summary><c>_MetallicGlossMap</c>: the metallic-roughness texture (both shaders).</summary>
        public const string MetallicMap = "_MetallicGlossMap";
        /// <summary><c>_BumpMap</c>: the normal texture.</summary>
        public const string NormalMap = "_BumpMap";
        /// <summary><c>_BumpScale</c>: normal_scale.</summary>
        public const string NormalScale = "_BumpScale";
        /// <summary><c>_OcclusionMap</c>: the occlusion texture.</summary>
        public const string OcclusionMap = "_OcclusionMap";
        /// <summary><c>_OcclusionStrength</c>: occlusion_strength.</summary>
        public const string OcclusionStrength = "_OcclusionStrength";
        /// <summary><c>_EmissionColor</c>: emission × emissive_strength, gamma-encoded.</summary>
        public const string EmissionColor = "_EmissionColor";
        /// <summary><c>_EmissionMap</c>: the emissive texture.</summary>
        public const string EmissionMap = "_EmissionMap";
        /// <summary><c>_Cutoff</c>: alpha_cutoff (kept whatever the mode).</summary>
        public const string Cutoff = "_Cutoff";
        /// <summary><c>_Cull</c>: 0 (Off) when double-sided, 2 (Back) otherwise.</summary>
        public const string Cull = "_Cull";
        /// <summary><c>_SrcBlend</c>.</summary>
        public const string SrcBlend = "_SrcBlend";
        /// <summary><c>_DstBlend</c>.</summary>
        public const string DstBlend = "_DstBlend";
        /// <summary><c>_ZWrite</c>.</summary>
        public const string ZWrite = "_ZWrite";
        /// <summary><c>_SmoothnessTextureChannel</c>: 0, smoothness from the metallic map's alpha (both shaders; 1 would take albedo alpha).</summary>
        public const string SmoothnessChannel = "_SmoothnessTextureChannel";
        /// <summary><c>_SMOOTHNESS_TEXTURE_ALBEDO_CHANNEL_A</c>: always off (smoothness from the metallic map's alpha, <see cref="SmoothnessChannel"/> 0; both inspectors set it from that float).</summary>
        public const string AlbedoSmoothnessKeyword = "_SMOOTHNESS_TEXTURE_ALBEDO_CHANNEL_A";
        /// <summary><c>_NORMALMAP</c>: on when a normal texture is bound.</summary>
        public const string NormalKeyword = "_NORMALMAP";
        /// <summary><c>_EMISSION</c>: on when emission × strength is not black.</summary>
        public const string EmissionKeyword = "_EMISSION";
        /// <summary><c>_ALPHATEST_ON</c>: MASK.</summary>
        public const string AlphaTestKeyword = "_ALPHATEST_ON";

        /// <summary>The Built-in render pipeline's Standard shader (metallic workflow).</summary>
        public static ShaderFamily Standard { get; } = new ShaderFamily("Standard", "_Color", "_MainTex", "_Glossiness", "_GlossMapScale", "_METALLICGLOSSMAP", null,
            new[] { "_ALPHATEST_ON", "_ALPHABLEND_ON", "_ALPHAPREMULTIPLY_ON" },
            new[]
            {
                // _Mode: 0 Opaque, 1 Cutout, 2 Fade (straight alpha, glTF's BLEND), 3 Transparent (premultiplied: not glTF's).
                new AlphaSetup(F(("_Mode", 0), (SrcBlend, One), (DstBlend, Zero), (ZWrite, 1)), new string[0], 2000, ""),
                new AlphaSetup(F(("_Mode", 1), (SrcBlend, One), (DstBlend, Zero), (ZWrite, 1)), new[] { "_ALPHATEST_ON" }, 2450, "TransparentCutout"),
                new AlphaSetup(F(("_Mode", 2), (SrcBlend, SrcAlpha), (DstBlend, OneMinusSrcAlpha), (ZWrite, 0)), new[] { "_ALPHABLEND_ON" }, 3000, "Transparent"),
            },
            s => s.Floats.TryGetValue("_Mode", out var mode) ? (mode == 1 ? AlphaMode.Mask : mode >= 2 ? AlphaMode.Blend : AlphaMode.Opaque) : AlphaMode.Opaque);

        /// <summary>URP's Lit shader (metallic workflow).</summary>
        public static ShaderFamily UrpLit { get; } = new ShaderFamily("Universal Render Pipeline/Lit", "_BaseColor", "_BaseMap", "_Smoothness", "_Smoothness", "_METALLICSPECGLOSSMAP", "_OCCLUSIONMAP",
            new[] { "_ALPHATEST_ON", "_SURFACE_TYPE_TRANSPARENT", "_ALPHAPREMULTIPLY_ON" },
            new[]
            {
                // _Surface: 0 Opaque, 1 Transparent; _Blend 0 Alpha (straight); _AlphaClip 1 = alpha test.
                new AlphaSetup(F(("_Surface", 0), ("_Blend", 0), ("_AlphaClip", 0), (SrcBlend, One), (DstBlend, Zero), (ZWrite, 1)), new string[0], 2000, "Opaque"),
                new AlphaSetup(F(("_Surface", 0), ("_Blend", 0), ("_AlphaClip", 1), (SrcBlend, One), (DstBlend, Zero), (ZWrite, 1)), new[] { "_ALPHATEST_ON" }, 2450, "TransparentCutout"),
                new AlphaSetup(F(("_Surface", 1), ("_Blend", 0), ("_AlphaClip", 0), (SrcBlend, SrcAlpha), (DstBlend, OneMinusSrcAlpha), (ZWrite, 0)), new[] { "_SURFACE_TYPE_TRANSPARENT" }, 3000, "Transparent"),
            },
            s => s.Floats.TryGetValue("_Surface", out var surface) && surface == 1 ? AlphaMode.Blend
                : s.Floats.TryGetValue("_AlphaClip", out var clip) && clip == 1 ? AlphaMode.Mask : AlphaMode.Opaque);

        /// <summary>The family of a shader by name; any other shader is read with Standard's names (what a custom shader most often copies).</summary>
        public static ShaderFamily Of(string shader) => shader == UrpLit.Shader ? UrpLit : Standard;

        private readonly AlphaSetup[] _alpha;
        private readonly Func<UnityMaterialState, AlphaMode> _alphaOf;

        private ShaderFamily(string shader, string baseColor, string baseMap, string smoothness, string mapSmoothnessScale, string metallicMapKeyword, string? occlusionKeyword,
            string[] alphaKeywords, AlphaSetup[] alpha, Func<UnityMaterialState, AlphaMode> alphaOf)
        {
            Shader = shader; BaseColor = baseColor; BaseMap = baseMap; Smoothness = smoothness; MapSmoothnessScale = mapSmoothnessScale;
            MetallicMapKeyword = metallicMapKeyword; OcclusionKeyword = occlusionKeyword; AlphaKeywords = alphaKeywords;
            _alpha = alpha; _alphaOf = alphaOf;
        }

        /// <summary>The shader's name, as <c>Shader.Find</c> takes it.</summary>
        public string Shader { get; }
        /// <summary>The base colour property (<c>_Color</c> / <c>_BaseColor</c>), gamma-encoded RGB, alpha as is.</summary>
        public string BaseColor { get; }
        /// <summary>The base colour texture property (<c>_MainTex</c> / <c>_BaseMap</c>).</summary>
        public string BaseMap { get; }
        /// <summary>The smoothness property (<c>_Glossiness</c> / <c>_Smoothness</c>) = 1 − roughness.</summary>
        public string Smoothness { get; }
        /// <summary>
        /// What scales the metallic map's smoothness (alpha) while one is bound: Standard's <c>_GlossMapScale</c>
        /// (its <c>_Glossiness</c> is then unused), URP Lit's <c>_Smoothness</c> itself. Written 1, so the
        /// derived texture's alpha is the smoothness.
        /// </summary>
        public string MapSmoothnessScale { get; }
        /// <summary>The keyword that makes the shader read <see cref="MetallicMap"/>.</summary>
        public string MetallicMapKeyword { get; }
        /// <summary>The keyword that makes the shader read <see cref="OcclusionMap"/>; Standard has none (it always samples it).</summary>
        public string? OcclusionKeyword { get; }
        /// <summary>The keywords the alpha mode manages (all off but the mode's).</summary>
        public IReadOnlyList<string> AlphaKeywords { get; }

        /// <summary>The setup of <paramref name="mode"/>.</summary>
        public AlphaSetup Alpha(AlphaMode mode) => _alpha[(int)mode];

        /// <summary>The alpha mode a material's values say (Standard: <c>_Mode</c>; URP: <c>_Surface</c>, then <c>_AlphaClip</c>).</summary>
        public AlphaMode AlphaOf(UnityMaterialState s) => _alphaOf(s);

        /// <summary>The texture property of <paramref name="slot"/>.</summary>
        public string TextureProperty(TextureSlot slot) => slot switch
        {
            TextureSlot.BaseColor => BaseMap,
            TextureSlot.MetallicRoughness => MetallicMap,
            TextureSlot.Normal => NormalMap,
            TextureSlot.Occlusion => OcclusionMap,
            _ => EmissionMap,
        };

        /// <summary>The keyword a bound texture of <paramref name="slot"/> turns on, if any.</summary>
        public string? TextureKeyword(TextureSlot slot) => slot switch
        {
            TextureSlot.MetallicRoughness => MetallicMapKeyword,
            TextureSlot.Normal => NormalKeyword,
            TextureSlot.Occlusion => OcclusionKeyword,
            _ => null,
        };

        /// <summary>Every float property the table writes (the glue reads exactly these).</summary>
        public IEnumerable<string> FloatNames =>
            new[] { Metallic, Smoothness, MapSmoothnessScale, SmoothnessChannel, NormalScale, OcclusionStrength, Cutoff, Cull }.Concat(_alpha.SelectMany(a => a.Floats.Keys)).Distinct();

        /// <summary>Every colour property the table writes.</summary>
        public IEnumerable<string> ColorNames => new[] { BaseColor, EmissionColor };

        /// <summary>Every texture property the table writes.</summary>
        public IEnumerable<string> TextureNames => Enumerable.Range(0, 5).Select(i => TextureProperty((TextureSlot)i));

        /// <summary>Every keyword the table manages.</summary>
        public IEnumerable<string> KeywordNames =>
            new[] { NormalKeyword, EmissionKeyword, MetallicMapKeyword, AlbedoSmoothnessKeyword }.Concat(OcclusionKeyword == null ? new string[0] : new[] { OcclusionKeyword }).Concat(AlphaKeywords);

        private static IReadOnlyDictionary<string, float> F(params (string Name, float Value)[] values) =>
            values.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
    }
}
