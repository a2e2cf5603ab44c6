using System;

namespace VibeSync.Unity.Looks
{
    /// <summary>
    /// The sRGB transfer function (IEC 61966-2-1, the piecewise curve), the one Unity's
    /// <c>Color.gamma</c>/<c>Color.linear</c> apply. Unity shows and stores material and light
    /// colours gamma-encoded and converts them to linear for shading in a Linear-colour-space project;
    /// the records are linear, so the core encodes when writing and decodes when reading, itself, so
    /// that the glue and the simulator store the same float32. Values above 1 (HDR emission) follow
    /// the same curve. Alpha is never encoded.
    /// </summary>
    public static class SrgbTransfer
    {
        /// <summary>Linear → gamma-encoded, rounded to float32 as Unity stores it.</summary>
        public static float ToGamma(double linear) =>
            (float)(linear <= 0.0031308 ? linear * 12.92 : 1.055 * Math.Pow(linear, 1.0 / 2.4) - 0.055);

        /// <summary>Gamma-encoded → linear.</summary>
        public static double ToLinear(float gamma) =>
            gamma <= 0.04045f ? gamma / 12.92 : Math.Pow((gamma + 0.055) / 1.055, 2.4);
    }
}
