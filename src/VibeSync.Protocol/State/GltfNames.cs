using System;

namespace VibeSync.Protocol.State
{
    /// <summary>
    /// The JSON spellings of the content-schema-3 and -4 enums (glTF's names), index = the enum's byte in
    /// the hash encoding. One table, shared by scene JSON, operations and the docs' vectors.
    /// </summary>
    public static class GltfNames
    {
        /// <summary>alpha_mode values.</summary>
        public static readonly string[] AlphaModes = { "OPAQUE", "MASK", "BLEND" };
        /// <summary>textures keys.</summary>
        public static readonly string[] TextureSlots = { "base_color", "metallic_roughness", "normal", "occlusion", "emissive" };
        /// <summary>wrap_s / wrap_t values.</summary>
        public static readonly string[] Wraps = { "REPEAT", "CLAMP_TO_EDGE", "MIRRORED_REPEAT" };
        /// <summary>mag_filter values.</summary>
        public static readonly string[] MagFilters = { "NEAREST", "LINEAR" };
        /// <summary>min_filter values.</summary>
        public static readonly string[] MinFilters = { "NEAREST", "LINEAR", "NEAREST_MIPMAP_NEAREST", "LINEAR_MIPMAP_NEAREST", "NEAREST_MIPMAP_LINEAR", "LINEAR_MIPMAP_LINEAR" };
        /// <summary>color_space values.</summary>
        public static readonly string[] ColorSpaces = { "srgb", "linear" };
        /// <summary>camera type values.</summary>
        public static readonly string[] CameraTypes = { "perspective", "orthographic" };
        /// <summary>light type values.</summary>
        public static readonly string[] LightTypes = { "point", "spot", "directional" };
        /// <summary>animation channel path values (content schema 4).</summary>
        public static readonly string[] AnimationPaths = { "translation", "rotation", "scale", "weights" };
        /// <summary>animation channel interpolation values (content schema 4).</summary>
        public static readonly string[] Interpolations = { "LINEAR", "STEP", "CUBICSPLINE" };

        /// <summary>The index of <paramref name="text"/> in <paramref name="names"/>, or −1.</summary>
        public static int IndexOf(string[] names, string text) => Array.IndexOf(names, text);

        /// <summary>"A, B or C" for an error message.</summary>
        public static string Choices(string[] names) =>
            names.Length == 1 ? names[0] : string.Join(", ", names, 0, names.Length - 1) + " or " + names[names.Length - 1];
    }
}
