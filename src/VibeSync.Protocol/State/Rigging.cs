// Design rationale (CONTENT-V4 §3–§5): skins, morph targets and animations follow glTF's model, with
// every heavy array (inverse bind matrices, morph deltas, keyframe times and values) a blob named
// by id, so a record stays small and hashes without reading them. Values are canonical in every
// space, like mesh records: engines convert blob contents at their edge.
using System.Collections.Generic;

namespace VibeSync.Protocol.State
{
    /// <summary>
    /// A skin record (content schema 4, docs/protocol.md §2): the joints a skinned mesh's JOINTS_0
    /// indexes, in order, and their inverse bind matrices.
    /// </summary>
    /// <param name="Uuid">The skin's VibeSync ID.</param>
    /// <param name="Name">A human name (Blender: the armature object's name).</param>
    /// <param name="Joints">1…<see cref="MaxJoints"/> distinct uuids of objects of kind joint, in the exporter's order.</param>
    /// <param name="InverseBindMatrices">The blob id of F32 × 16 column-major matrices, one per joint.</param>
    /// <param name="Skeleton">Null, or a joint or armature that is a common ancestor of every joint.</param>
    public sealed record Skin(string Uuid, string Name, IReadOnlyList<string> Joints, string InverseBindMatrices, string? Skeleton)
    {
        /// <summary>The most joints a skin may name (JOINTS_0 is U16).</summary>
        public const int MaxJoints = 65535;

        /// <summary>Value equality (the joints compared element by element).</summary>
        public bool Equals(Skin? other)
        {
            if (other is null) return false;
            if (ReferenceEquals(this, other)) return true;
            if (Uuid != other.Uuid || Name != other.Name || InverseBindMatrices != other.InverseBindMatrices
                || Skeleton != other.Skeleton || Joints.Count != other.Joints.Count) return false;
            for (int i = 0; i < Joints.Count; i++) if (Joints[i] != other.Joints[i]) return false;
            return true;
        }

        /// <inheritdoc />
        public override int GetHashCode() => System.HashCode.Combine(Uuid, Name, Joints.Count, InverseBindMatrices);
    }

    /// <summary>One morph target of a mesh: F32 × 3 deltas from the base mesh, one per vertex.</summary>
    /// <param name="Name">Unique in the mesh, non-empty (Blender's shape key name).</param>
    /// <param name="Position">The blob id of the position deltas (required).</param>
    /// <param name="Normal">The blob id of the normal deltas, or null.</param>
    public sealed record MorphTarget(string Name, string Position, string? Normal);

    /// <summary>What an animation channel animates. The numeric values are part of the hash encoding.</summary>
    public enum AnimationPath : byte
    {
        /// <summary>The target's translation (F32 × 3 values).</summary>
        Translation = 0,
        /// <summary>The target's rotation (F32 × 4 values: unit quaternions x, y, z, w).</summary>
        Rotation = 1,
        /// <summary>The target's scale (F32 × 3 values).</summary>
        Scale = 2,
        /// <summary>The target mesh's morph weights (F32 × 1 values, one per target per keyframe).</summary>
        Weights = 3,
    }

    /// <summary>How a channel interpolates between keyframes (glTF's). The numeric values are part of the hash encoding.</summary>
    public enum AnimationInterpolation : byte
    {
        /// <summary>Linear (spherical linear for rotations).</summary>
        Linear = 0,
        /// <summary>Constant until the next keyframe.</summary>
        Step = 1,
        /// <summary>Cubic Hermite spline: three values per keyframe (in-tangent, value, out-tangent).</summary>
        CubicSpline = 2,
    }

    /// <summary>One animation channel: a sampler (times, values, interpolation) driving one path of one object.</summary>
    /// <param name="Target">The animated object's uuid (any kind, joints included).</param>
    /// <param name="Path">What it animates.</param>
    /// <param name="Interpolation">How values are interpolated.</param>
    /// <param name="Times">The blob id of the keyframe times: F32 × 1 seconds, ≥ 0, strictly increasing, at least one.</param>
    /// <param name="Values">The blob id of the keyframe values (shape by path and interpolation, docs/protocol.md §2).</param>
    /// <param name="Sampled">True when the source engine sampled a curve it could not represent exactly.</param>
    public sealed record AnimationChannel(string Target, AnimationPath Path, AnimationInterpolation Interpolation, string Times, string Values, bool Sampled)
    {
        /// <summary>Components per value element of <paramref name="path"/>: 3, 4, 3 or 1.</summary>
        public static int Components(AnimationPath path) => path switch
        {
            AnimationPath.Rotation => 4,
            AnimationPath.Weights => 1,
            _ => 3,
        };

        /// <summary>
        /// Value elements a channel of <paramref name="keyframes"/> keyframes needs: one per keyframe
        /// (× <paramref name="targets"/> morph targets for weights), × 3 for CUBICSPLINE.
        /// </summary>
        public static long ValueCount(AnimationPath path, AnimationInterpolation interpolation, long keyframes, int targets) =>
            keyframes * (path == AnimationPath.Weights ? targets : 1) * (interpolation == AnimationInterpolation.CubicSpline ? 3 : 1);

        /// <summary>Orders channels as records hold them: by target uuid (ordinal), then path.</summary>
        public static int Compare(AnimationChannel a, AnimationChannel b)
        {
            int byTarget = string.CompareOrdinal(a.Target, b.Target);
            return byTarget != 0 ? byTarget : ((byte)a.Path).CompareTo((byte)b.Path);
        }
    }

    /// <summary>
    /// An animation record (content schema 4, docs/protocol.md §2): glTF's animation, one channel per
    /// (target, path) at most, ordered by target uuid (ordinal) then path.
    /// </summary>
    /// <param name="Uuid">The animation's VibeSync ID.</param>
    /// <param name="Name">A human name (Blender: the action's name).</param>
    /// <param name="FrameRate">
    /// Frames per second the animation was authored at (Blender: the scene's fps ÷ fps_base; Unity:
    /// the clip's frameRate), 0 &lt; rate ≤ <see cref="MaxFrameRate"/>: what "per frame" means when
    /// the animation is sampled (export, a curve the other engine cannot key exactly).
    /// </param>
    /// <param name="Channels">The channels, in record order.</param>
    public sealed record Animation(string Uuid, string Name, double FrameRate, IReadOnlyList<AnimationChannel> Channels)
    {
        /// <summary>The highest frame rate a record may have.</summary>
        public const double MaxFrameRate = 1000;

        /// <summary>Every blob id the record references: each channel's times then values (repeats possible).</summary>
        public IEnumerable<string> BlobIds()
        {
            foreach (var c in Channels)
            {
                yield return c.Times;
                yield return c.Values;
            }
        }

        /// <summary>Value equality (the channels compared element by element).</summary>
        public bool Equals(Animation? other)
        {
            if (other is null) return false;
            if (ReferenceEquals(this, other)) return true;
            if (Uuid != other.Uuid || Name != other.Name || !FrameRate.Equals(other.FrameRate) || Channels.Count != other.Channels.Count) return false;
            for (int i = 0; i < Channels.Count; i++) if (!Channels[i].Equals(other.Channels[i])) return false;
            return true;
        }

        /// <inheritdoc />
        public override int GetHashCode() => System.HashCode.Combine(Uuid, Name, Channels.Count);
    }
}
