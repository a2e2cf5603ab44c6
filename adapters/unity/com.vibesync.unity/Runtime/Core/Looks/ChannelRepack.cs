// Design rationale (issue #18): glTF packs occlusion in R, roughness in G and metallic in B of its
// textures; Unity's Standard and URP Lit read _MetallicGlossMap as metallic in R and smoothness in A
// (_SmoothnessTextureChannel 0, "Metallic Alpha") and _OcclusionMap from G. Bound as they are, glTF's
// images look wrong. One derived image per source image serves both slots: its R is glTF's metallic,
// its G glTF's occlusion, its A 1 − roughness, so a texture used as metallic-roughness and as occlusion
// (glTF's common "ORM" packing) needs one conversion and one extra texture, not two.
using System;

namespace VibeSync.Unity.Looks
{
    /// <summary>The one pixel conversion from glTF's channel packing to Unity's (RGBA8, 4 bytes a pixel, any row order).</summary>
    public static class ChannelRepack
    {
        /// <summary>The prefix of a derived texture's name; the rest is the source file's blob id.</summary>
        public const string Prefix = "unity-orm-";

        /// <summary>
        /// The Unity pixels for glTF pixels <paramref name="rgba"/>: R ← B (metallic), G ← R (occlusion),
        /// B ← 0 (read by neither shader), A ← 255 − G (smoothness = 1 − roughness). Pure; a new array.
        /// </summary>
        /// <exception cref="ArgumentException">Not whole RGBA pixels.</exception>
        public static byte[] GltfToUnity(byte[] rgba)
        {
            if (rgba.Length % 4 != 0) throw new ArgumentException($"{rgba.Length} bytes are not whole RGBA8 pixels", nameof(rgba));
            var unity = new byte[rgba.Length];
            for (int i = 0; i < rgba.Length; i += 4)
            {
                unity[i] = rgba[i + 2];
                unity[i + 1] = rgba[i];
                unity[i + 2] = 0;
                unity[i + 3] = (byte)(255 - rgba[i + 1]);
            }
            return unity;
        }

        /// <summary>The derived texture's name for a source file with blob id <paramref name="sourceBlob"/>: an unchanged source is never derived again.</summary>
        public static string DerivedName(string sourceBlob) => Prefix + sourceBlob;

        /// <summary>True for the slots Unity reads through a derived texture: metallic-roughness and occlusion.</summary>
        public static bool Converts(Protocol.State.TextureSlot slot) =>
            slot == Protocol.State.TextureSlot.MetallicRoughness || slot == Protocol.State.TextureSlot.Occlusion;
    }
}
