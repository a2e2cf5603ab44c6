using System;
using VibeSync.Protocol.State;

namespace VibeSync.Unity.Looks
{
    /// <summary>
    /// A KHR_lights_punctual light ⇄ <c>UnityEngine.Light</c>, as glTFast maps it for the Built-in
    /// render pipeline (LightPunctualExtension.ToUnityLight / ToLightPunctual): type; colour
    /// gamma-encoded (<c>LightColor.gamma</c>); <c>intensity</c> = glTF intensity / π (glTFast's
    /// factor 1; back: × π); <c>range</c> = range, or 100,000 for glTF's infinite range (glTFast's
    /// value: float.MaxValue breaks URP spot lights); <c>spotAngle</c> = degrees(2·outer),
    /// <c>innerSpotAngle</c> = degrees(2·inner).
    /// </summary>
    public static class LightMapping
    {
        /// <summary>What an infinite glTF range becomes in Unity.</summary>
        public const float InfiniteRange = 100_000f;

        private const double Degrees = 180.0 / Math.PI;

        /// <summary>The values <paramref name="current"/> is given for <paramref name="l"/> (a non-spot light's cone angles stay).</summary>
        public static UnityLight ToUnity(LightParameters l, UnityLight current)
        {
            var u = current with
            {
                Type = l.Type switch { LightType.Spot => UnityLightType.Spot, LightType.Directional => UnityLightType.Directional, _ => UnityLightType.Point },
                Color = new UnityColor(SrgbTransfer.ToGamma(l.Color.X), SrgbTransfer.ToGamma(l.Color.Y), SrgbTransfer.ToGamma(l.Color.Z), 1),
                Intensity = (float)(l.Intensity / Math.PI),
                Range = l.Range is double r ? (float)r : InfiniteRange,
            };
            return l.Type == LightType.Spot ? u with { SpotAngle = (float)(2 * l.OuterCone * Degrees), InnerSpotAngle = (float)(2 * l.InnerCone * Degrees) } : u;
        }

        /// <summary>
        /// The record of a light holding <paramref name="u"/>; <paramref name="noted"/> is what the adapter
        /// last wrote (or null). An area light has no record (null).
        /// </summary>
        public static LightParameters? FromUnity(UnityLight u, LightParameters? noted)
        {
            if (u.Type != UnityLightType.Spot && u.Type != UnityLightType.Directional && u.Type != UnityLightType.Point) return null;
            var written = noted == null ? null : ToUnity(noted, u);
            bool Kept(Func<UnityLight, object> value) => written != null && written.Type == u.Type && value(written).Equals(value(u));
            var type = u.Type == UnityLightType.Spot ? LightType.Spot : u.Type == UnityLightType.Directional ? LightType.Directional : LightType.Point;
            var color = Kept(x => x.Color) ? noted!.Color : new Vector3d(SrgbTransfer.ToLinear(u.Color.R), SrgbTransfer.ToLinear(u.Color.G), SrgbTransfer.ToLinear(u.Color.B));
            double intensity = Kept(x => x.Intensity) ? noted!.Intensity : u.Intensity * Math.PI;
            double? range = Kept(x => x.Range) ? noted!.Range : u.Range >= InfiniteRange ? (double?)null : u.Range;
            if (type != LightType.Spot) return new LightParameters(type, color, intensity, range, 0, 0);
            double outer = Kept(x => x.SpotAngle) ? noted!.OuterCone : u.SpotAngle / Degrees / 2;
            double inner = Kept(x => x.InnerSpotAngle) ? noted!.InnerCone : u.InnerSpotAngle / Degrees / 2;
            return new LightParameters(type, color, intensity, range, inner, outer);
        }
    }
}
