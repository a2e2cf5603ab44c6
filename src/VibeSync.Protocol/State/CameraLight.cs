// Design rationale (CONTENT-V3 §4): camera and light parameters ride on the object record, optional,
// so an object without them is exactly a schema-2 object (its hash unchanged). Values are glTF's in
// every space (like mesh records): the engines convert from lens/watts/spotAngle at their edge.
namespace VibeSync.Protocol.State
{
    /// <summary>glTF camera type. The numeric values are part of the hash encoding.</summary>
    public enum CameraType : byte
    {
        /// <summary>Perspective: yfov and aspect.</summary>
        Perspective = 0,
        /// <summary>Orthographic: xmag and ymag.</summary>
        Orthographic = 1,
    }

    /// <summary>
    /// A camera's parameters as glTF's: perspective uses <see cref="YFov"/> (radians) and
    /// <see cref="Aspect"/>, orthographic <see cref="XMag"/>/<see cref="YMag"/> (half extents,
    /// metres); the other pair is 0. Clip planes in metres, zfar always finite.
    /// </summary>
    public sealed record CameraParameters(CameraType Type, double YFov, double Aspect, double XMag, double YMag, double ZNear, double ZFar)
    {
        /// <summary>A perspective camera.</summary>
        public static CameraParameters Perspective(double yfov, double aspect, double znear, double zfar) =>
            new CameraParameters(CameraType.Perspective, yfov, aspect, 0, 0, znear, zfar);

        /// <summary>An orthographic camera.</summary>
        public static CameraParameters Orthographic(double xmag, double ymag, double znear, double zfar) =>
            new CameraParameters(CameraType.Orthographic, 0, 0, xmag, ymag, znear, zfar);
    }

    /// <summary>KHR_lights_punctual type. The numeric values are part of the hash encoding.</summary>
    public enum LightType : byte
    {
        /// <summary>Point light (candela).</summary>
        Point = 0,
        /// <summary>Spot light (candela), with cones.</summary>
        Spot = 1,
        /// <summary>Directional light (lux).</summary>
        Directional = 2,
    }

    /// <summary>
    /// A light's parameters as KHR_lights_punctual: linear colour 0…1, intensity in candela (point,
    /// spot) or lux (directional), range null for infinite, cone angles in radians (0 unless spot).
    /// </summary>
    public sealed record LightParameters(LightType Type, Vector3d Color, double Intensity, double? Range, double InnerCone, double OuterCone);
}
