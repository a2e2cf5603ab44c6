using System.Numerics;
using SharpGLTF.Schema2;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// Animations (issue #19 item 6) compared by what they play, not by their keys: both files hold
/// sampled forms (VibeSync's export samples every channel once per frame, LINEAR; Blender's exporter
/// force-samples once per frame, LINEAR or STEP), so each is evaluated as glTF plays it (LINEAR lerps,
/// rotations normalized and taken the short way; STEP holds; the end values hold outside the keys) at
/// every key time of either file, and the values must agree within the tolerance, rotations as
/// quaternions up to sign. Animations are matched by name, channels by (target node name, path); every
/// animation and channel of ours must be in the reference.
/// What the reference writes and ours legitimately does not, and how it is still checked:
/// <list type="bullet">
/// <item>Blender's exporter writes, for an armature's action, a channel for every path of every bone,
/// constant at the bone's pose for the bones and paths the action does not key. VibeSync syncs what is
/// keyed, so such a channel is only in the reference; it must then hold, at every one of its keys, the
/// value the node has in our file (what an unanimated path plays in glTF) — not skipped.</item>
/// <item>An animation only in the reference is a difference. Names are compared as they are, except
/// where the caller states a renaming (<c>renamed</c>: ours → the reference's, with its reason in the caller).</item>
/// <item>A channel the caller lists in <c>referenceRangeOnly</c> is compared only from the reference's
/// first to its last key time (ours must cover that range): for a channel the reference stops sampling
/// early and then holds, while ours goes on with what Blender plays (the caller says why).</item>
/// </list>
/// CUBICSPLINE samplers are reported rather than evaluated: neither writer produces them with sampling on.
/// </summary>
internal static partial class GltfComparison
{
    /// <summary>One channel's keys: times, and per key its value's floats (a quaternion as x, y, z, w; weights one per target).</summary>
    private sealed record Track(float[] Times, float[][] Values, AnimationInterpolationMode Interpolation, bool Rotation);

    /// <summary>Every difference between the animations of <paramref name="ours"/> and <paramref name="reference"/>, at most about <paramref name="max"/>.</summary>
    /// <param name="ours">VibeSync's file.</param>
    /// <param name="reference">Blender's exporter's file.</param>
    /// <param name="tolerance">The most any played value may differ by (quaternions up to sign).</param>
    /// <param name="renamed">Animations whose name in the reference is another: ours → theirs.</param>
    /// <param name="referenceRangeOnly">(animation, node, path) compared only over the reference's key times.</param>
    /// <param name="max">Stop after this many differences.</param>
    public static List<string> AnimationDifferences(ModelRoot ours, ModelRoot reference, float tolerance,
        IReadOnlyDictionary<string, string> renamed, ISet<(string Animation, string Node, PropertyPath Path)> referenceRangeOnly, int max = 20)
    {
        var found = new List<string>();
        var theirs = reference.LogicalAnimations.ToDictionary(a => a.Name ?? "", StringComparer.Ordinal);
        var mine = ours.LogicalAnimations.ToDictionary(a => renamed.GetValueOrDefault(a.Name ?? "", a.Name ?? ""), StringComparer.Ordinal);
        foreach (var name in theirs.Keys.Except(mine.Keys)) found.Add($"animation '{name}' is only in the reference");
        foreach (var (name, a) in mine.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!theirs.TryGetValue(name, out var b))
            {
                found.Add($"animation '{name}' is only in ours");
                continue;
            }
            var x = Tracks(a);
            var y = Tracks(b);
            foreach (var (key, track) in x)
            {
                if (!y.TryGetValue(key, out var other))
                    found.Add($"animation '{name}': the {key.Path} of '{key.Node}' is animated in ours only");
                else if (CompareTracks(track, other, tolerance, referenceRangeOnly.Contains((name, key.Node, key.Path))) is { } difference)
                    found.Add($"animation '{name}': the {key.Path} of '{key.Node}' {difference}");
                if (found.Count >= max) return found;
            }
            foreach (var (key, track) in y.Where(p => !x.ContainsKey(p.Key)))
            {
                if (Unanimated(ours, key) is not { } rest)
                    found.Add($"animation '{name}': the reference animates the {key.Path} of '{key.Node}', which has no such value in ours");
                else if (Holds(track, rest, tolerance) is { } difference)
                    found.Add($"animation '{name}': the reference animates the {key.Path} of '{key.Node}', ours leaves it at {V(rest)}; {difference}");
                if (found.Count >= max) return found;
            }
        }
        return found;
    }

    private static Dictionary<(string Node, PropertyPath Path), Track> Tracks(Animation animation)
    {
        var result = new Dictionary<(string, PropertyPath), Track>();
        foreach (var c in animation.Channels)
        {
            var path = c.TargetNodePath;
            Track track = path switch
            {
                PropertyPath.translation => Read(c.GetTranslationSampler(), v => new[] { v.X, v.Y, v.Z }, false),
                PropertyPath.scale => Read(c.GetScaleSampler(), v => new[] { v.X, v.Y, v.Z }, false),
                PropertyPath.rotation => Read(c.GetRotationSampler(), q => new[] { q.X, q.Y, q.Z, q.W }, true),
                _ => Read(c.GetMorphSampler(), w => w.ToArray(), false),
            };
            result[(c.TargetNode.Name ?? "", path)] = track;
        }
        return result;
    }

    private static Track Read<T>(IAnimationSampler<T> sampler, Func<T, float[]> floats, bool rotation)
    {
        if (sampler.InterpolationMode == AnimationInterpolationMode.CUBICSPLINE)
            return new Track(Array.Empty<float>(), Array.Empty<float[]>(), sampler.InterpolationMode, rotation);
        var keys = sampler.GetLinearKeys().ToList();
        return new Track(keys.Select(k => k.Key).ToArray(), keys.Select(k => floats(k.Value)).ToArray(), sampler.InterpolationMode, rotation);
    }

    /// <summary>Where two tracks first differ, said as time and component; null when they play alike.</summary>
    private static string? CompareTracks(Track ours, Track reference, float tolerance, bool referenceRangeOnly)
    {
        foreach (var t in new[] { ours, reference })
            if (t.Interpolation == AnimationInterpolationMode.CUBICSPLINE)
                return $"is CUBICSPLINE in {(t == ours ? "ours" : "the reference")} (not compared: both writers sample)";
        var (first, last) = (reference.Times[0], reference.Times[^1]);
        if (referenceRangeOnly && (ours.Times[0] > first || ours.Times[^1] < last))
            return $"is keyed from {F(ours.Times[0])} to {F(ours.Times[^1])} s in ours, not over the reference's {F(first)} to {F(last)} s";
        foreach (var time in ours.Times.Concat(reference.Times).Distinct().Order())
        {
            if (referenceRangeOnly && (time < first || time > last)) continue;
            var (a, b) = (Play(ours, time), Play(reference, time));
            if (a.Length != b.Length) return $"has {a.Length} components in ours, {b.Length} in the reference";
            if (ours.Rotation && Dot(a, b) < 0) b = b.Select(v => -v).ToArray(); // q and -q are one rotation
            for (int i = 0; i < a.Length; i++)
                if (!(Math.Abs(a[i] - b[i]) <= tolerance))
                    return $"at {F(time)} s, component {i}: {F(a[i])} in ours, {F(b[i])} in the reference ({V(a)} vs {V(b)})";
        }
        return null;
    }

    /// <summary>Where a track's keys leave the value <paramref name="rest"/>; null when all hold it.</summary>
    private static string? Holds(Track track, float[] rest, float tolerance)
    {
        if (track.Interpolation == AnimationInterpolationMode.CUBICSPLINE) return "its CUBICSPLINE sampler is not compared";
        for (int k = 0; k < track.Times.Length; k++)
        {
            var v = track.Values[k];
            if (track.Rotation && Dot(v, rest) < 0) v = v.Select(c => -c).ToArray();
            if (v.Length != rest.Length || v.Zip(rest).Any(p => !(Math.Abs(p.First - p.Second) <= tolerance)))
                return $"at {F(track.Times[k])} s it is {V(track.Values[k])}";
        }
        return null;
    }

    /// <summary>The value glTF plays for <paramref name="key"/>'s path when no animation targets it: the node's own in <paramref name="model"/>.</summary>
    private static float[]? Unanimated(ModelRoot model, (string Node, PropertyPath Path) key)
    {
        var node = model.LogicalNodes.FirstOrDefault(n => n.Name == key.Node);
        if (node == null) return null;
        var local = node.LocalTransform;
        return key.Path switch
        {
            PropertyPath.translation => new[] { local.Translation.X, local.Translation.Y, local.Translation.Z },
            PropertyPath.scale => new[] { local.Scale.X, local.Scale.Y, local.Scale.Z },
            PropertyPath.rotation => new[] { local.Rotation.X, local.Rotation.Y, local.Rotation.Z, local.Rotation.W },
            _ => (node.MorphWeights ?? node.Mesh?.MorphWeights)?.ToArray(),
        };
    }

    /// <summary>A track's value at <paramref name="time"/> as glTF plays it.</summary>
    private static float[] Play(Track track, float time)
    {
        var (times, values) = (track.Times, track.Values);
        if (time <= times[0]) return values[0];
        if (time >= times[^1]) return values[^1];
        int k = Array.FindLastIndex(times, t => t <= time);
        if (track.Interpolation == AnimationInterpolationMode.STEP) return values[k];
        float s = (time - times[k]) / (times[k + 1] - times[k]);
        var (a, b) = (values[k], values[k + 1]);
        if (track.Rotation)
        {
            var q = Quaternion.Slerp(new Quaternion(a[0], a[1], a[2], a[3]), new Quaternion(b[0], b[1], b[2], b[3]), s);
            return new[] { q.X, q.Y, q.Z, q.W };
        }
        return a.Zip(b, (p, q) => p + (q - p) * s).ToArray();
    }

    private static float Dot(float[] a, float[] b) => a.Zip(b, (p, q) => p * q).Sum();
}
