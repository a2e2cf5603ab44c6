// Design rationale (issue #18): Unity keeps wrap and filter per texture, not per material binding, so
// a human's change of a texture's import settings is a change of every binding of that texture. It is
// found against the settings VibeSync last wrote to the texture (LookNotes), not against each
// binding's own sampler: two materials binding one texture with different samplers then report
// nothing until the texture itself changes.
using VibeSync.Protocol.State;

namespace VibeSync.Unity.Looks
{
    /// <summary>A binding's glTF sampler ⇄ Unity's texture wrap and filter settings.</summary>
    public static class SamplerMapping
    {
        /// <summary>
        /// Unity's settings for <paramref name="b"/>: REPEAT Repeat, CLAMP_TO_EDGE Clamp, MIRRORED_REPEAT
        /// Mirror; a NEAREST magnification Point, a LINEAR_MIPMAP_LINEAR minification Trilinear, else Bilinear.
        /// </summary>
        public static UnitySampler ToUnity(TextureBinding b) =>
            new UnitySampler(Wrap(b.WrapS), Wrap(b.WrapT),
                b.MagFilter == MagFilter.Nearest ? UnityFilter.Point : b.MinFilter == MinFilter.LinearMipmapLinear ? UnityFilter.Trilinear : UnityFilter.Bilinear);

        /// <summary>
        /// <paramref name="b"/> with each part of its sampler whose Unity setting differs between
        /// <paramref name="reference"/> (what VibeSync wrote) and <paramref name="now"/> taken from Unity:
        /// Point (NEAREST, NEAREST_MIPMAP_NEAREST), Bilinear (LINEAR, LINEAR_MIPMAP_NEAREST), Trilinear
        /// (LINEAR, LINEAR_MIPMAP_LINEAR) — each maps back to the setting it came from; the parts a human
        /// left alone keep the binding's own values.
        /// </summary>
        public static TextureBinding FromUnity(TextureBinding b, UnitySampler now, UnitySampler reference)
        {
            if (now.WrapU != reference.WrapU) b = b with { WrapS = Wrap(now.WrapU) };
            if (now.WrapV != reference.WrapV) b = b with { WrapT = Wrap(now.WrapV) };
            if (now.Filter != reference.Filter)
                b = now.Filter switch
                {
                    UnityFilter.Point => b with { MagFilter = MagFilter.Nearest, MinFilter = MinFilter.NearestMipmapNearest },
                    UnityFilter.Bilinear => b with { MagFilter = MagFilter.Linear, MinFilter = MinFilter.LinearMipmapNearest },
                    _ => b with { MagFilter = MagFilter.Linear, MinFilter = MinFilter.LinearMipmapLinear },
                };
            return b;
        }

        private static UnityWrap Wrap(TextureWrap w) => w == TextureWrap.ClampToEdge ? UnityWrap.Clamp : w == TextureWrap.MirroredRepeat ? UnityWrap.Mirror : UnityWrap.Repeat;

        // MirrorOnce (mirror once, then clamp) has no glTF value: MIRRORED_REPEAT is the nearest (LookCaveats lists the difference).
        private static TextureWrap Wrap(UnityWrap w) => w == UnityWrap.Clamp ? TextureWrap.ClampToEdge : w == UnityWrap.Mirror || w == UnityWrap.MirrorOnce ? TextureWrap.MirroredRepeat : TextureWrap.Repeat;
    }
}
