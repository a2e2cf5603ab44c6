using System;
using VibeSync.Protocol.State;

namespace VibeSync.Unity.Looks
{
    /// <summary>
    /// A glTF camera ⇄ <c>UnityEngine.Camera</c>: <c>fieldOfView</c> = degrees(yfov) (both vertical),
    /// <c>nearClipPlane</c> = znear, <c>farClipPlane</c> = zfar, <c>orthographic</c>,
    /// <c>orthographicSize</c> = ymag (both half the view's height). Unity derives the aspect from the
    /// screen, so the record's aspect (and an orthographic xmag) is kept by the adapter, never written
    /// to the camera; a camera VibeSync never wrote reports Unity's current aspect.
    /// </summary>
    public static class CameraMapping
    {
        private const double Degrees = 180.0 / Math.PI;

        /// <summary>The values <paramref name="current"/> is given for <paramref name="c"/> (the other projection's value and the aspect stay).</summary>
        public static UnityCamera ToUnity(CameraParameters c, UnityCamera current) => c.Type == CameraType.Perspective
            ? current with { Orthographic = false, FieldOfView = (float)(c.YFov * Degrees), NearClipPlane = (float)c.ZNear, FarClipPlane = (float)c.ZFar }
            : current with { Orthographic = true, OrthographicSize = (float)c.YMag, NearClipPlane = (float)c.ZNear, FarClipPlane = (float)c.ZFar };

        /// <summary>The record of a camera holding <paramref name="u"/>; <paramref name="noted"/> is what the adapter last wrote (or null).</summary>
        public static CameraParameters FromUnity(UnityCamera u, CameraParameters? noted)
        {
            var written = noted == null ? null : ToUnity(noted, u);
            bool Kept(Func<UnityCamera, float> value) => written != null && written.Orthographic == u.Orthographic && value(written).Equals(value(u));
            double near = Kept(x => x.NearClipPlane) ? noted!.ZNear : u.NearClipPlane;
            double far = Kept(x => x.FarClipPlane) ? noted!.ZFar : u.FarClipPlane;
            double aspect = noted != null && noted.Type == CameraType.Perspective ? noted.Aspect
                : noted != null && noted.YMag > 0 ? noted.XMag / noted.YMag : u.Aspect;
            if (!u.Orthographic)
                return CameraParameters.Perspective(Kept(x => x.FieldOfView) ? noted!.YFov : u.FieldOfView / Degrees, aspect, near, far);
            if (Kept(x => x.OrthographicSize)) return CameraParameters.Orthographic(noted!.XMag, noted.YMag, near, far);
            return CameraParameters.Orthographic(u.OrthographicSize * aspect, u.OrthographicSize, near, far);
        }
    }
}
