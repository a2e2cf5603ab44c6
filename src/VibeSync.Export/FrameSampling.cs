// Design rationale (issue #19): the export writes every animation sampled once per frame with LINEAR
// interpolation, the form Blender's glTF exporter writes with its default force sampling, so a file
// VibeSync exports plays like Blender's own in any viewer and compares with it key by key. A frame is
// 1 / frame_rate of the animation record; Blender's exporter puts a keyframe at frame f at time
// f / fps, so the frames sampled are the whole frames between a channel's first and last keyed time
// (and those two times themselves when they fall between frames, so no part of the curve is cut).
// Evaluation is glTF's: LINEAR lerps (rotations: shortest-path slerp), STEP holds the previous
// value, CUBICSPLINE is the Hermite spline with tangents scaled by the keyframe interval.
using System.Numerics;

namespace VibeSync.Export;

/// <summary>A glTF animation sampler evaluated at every frame of its range.</summary>
public static class FrameSampling
{
    /// <summary>
    /// The times to sample a channel keyed at <paramref name="times"/> (seconds, strictly increasing):
    /// every whole frame at <paramref name="frameRate"/> from the first keyed time to the last, plus
    /// either end when it falls between frames.
    /// </summary>
    public static float[] Times(ReadOnlySpan<float> times, double frameRate)
    {
        if (times.Length <= 1) return times.ToArray();
        double first = times[0], last = times[^1];
        // A keyed time within a millionth of a frame of a whole frame is that frame (float32 seconds).
        const double Snap = 1e-6;
        long from = (long)Math.Ceiling(first * frameRate - Snap), to = (long)Math.Floor(last * frameRate + Snap);
        var result = new List<float>((int)Math.Max(2, to - from + 3));
        if (from / frameRate - first > Snap / frameRate) result.Add((float)first);
        for (long f = from; f <= to; f++) result.Add((float)(f / frameRate));
        if (last - to / frameRate > Snap / frameRate) result.Add((float)last);
        return result.ToArray();
    }

    /// <summary>
    /// The value of a sampler at <paramref name="t"/>: <paramref name="components"/> floats per
    /// element, <paramref name="width"/> elements per keyframe (morph weights: one per target), three
    /// times that for CUBICSPLINE (in-tangent, value, out-tangent). Before the first or after the last
    /// keyframe the end value holds. <paramref name="rotation"/> slerps and normalizes quaternions.
    /// </summary>
    public static float[] Evaluate(ReadOnlySpan<float> times, ReadOnlySpan<float> values, VibeSync.Protocol.State.AnimationInterpolation interpolation,
        int components, int width, bool rotation, float t)
    {
        int stride = components * width; // floats per keyframe value
        bool cubic = interpolation == VibeSync.Protocol.State.AnimationInterpolation.CubicSpline;
        int keyStride = cubic ? 3 * stride : stride;
        int valueOffset = cubic ? stride : 0; // the value sits between the in- and out-tangents
        int n = times.Length;
        var result = new float[stride];
        if (t <= times[0] || n == 1) { values.Slice(valueOffset, stride).CopyTo(result); return result; }
        if (t >= times[n - 1]) { values.Slice((n - 1) * keyStride + valueOffset, stride).CopyTo(result); return result; }
        int k = UpperBound(times, t) - 1; // times[k] ≤ t < times[k + 1]
        var a = values.Slice(k * keyStride + valueOffset, stride);
        var b = values.Slice((k + 1) * keyStride + valueOffset, stride);
        float dt = times[k + 1] - times[k], s = (t - times[k]) / dt;
        switch (interpolation)
        {
            case VibeSync.Protocol.State.AnimationInterpolation.Step:
                a.CopyTo(result);
                return result;
            case VibeSync.Protocol.State.AnimationInterpolation.Linear when rotation:
                for (int e = 0; e < width; e++)
                {
                    var q = Quaternion.Slerp(Quat(a, e * 4), Quat(b, e * 4), s);
                    Store(Quaternion.Normalize(q), result, e * 4);
                }
                return result;
            case VibeSync.Protocol.State.AnimationInterpolation.Linear:
                for (int i = 0; i < stride; i++) result[i] = a[i] + (b[i] - a[i]) * s;
                return result;
            default:
                var outTangent = values.Slice(k * keyStride + 2 * stride, stride);
                var inTangent = values.Slice((k + 1) * keyStride, stride);
                float s2 = s * s, s3 = s2 * s;
                float h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = -2 * s3 + 3 * s2, h11 = s3 - s2;
                for (int i = 0; i < stride; i++)
                    result[i] = h00 * a[i] + h10 * dt * outTangent[i] + h01 * b[i] + h11 * dt * inTangent[i];
                if (rotation)
                    for (int e = 0; e < width; e++) Store(Quaternion.Normalize(Quat(result, e * 4)), result, e * 4);
                return result;
        }
    }

    private static int UpperBound(ReadOnlySpan<float> times, float t)
    {
        int lo = 0, hi = times.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (times[mid] <= t) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private static Quaternion Quat(ReadOnlySpan<float> v, int at) => new(v[at], v[at + 1], v[at + 2], v[at + 3]);

    private static void Store(Quaternion q, float[] into, int at)
    {
        into[at] = q.X;
        into[at + 1] = q.Y;
        into[at + 2] = q.Z;
        into[at + 3] = q.W;
    }
}
