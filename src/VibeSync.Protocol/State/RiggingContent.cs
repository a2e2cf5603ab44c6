// Design rationale (CONTENT-V4 §3–§6): skins, skinned meshes, morph targets and animations are
// checked twice, like meshes: their structure when read (RiggingJson), their content once the blobs
// they name are present — shapes (BLOB_SHAPE), values a record cannot state (INVALID_VALUE: weights
// negative or not summing to 1, times not increasing, rotations not unit) and joint indices within
// the skin (INDEX_RANGE). Floats need no finiteness check: a blob holding NaN has no name.
using System;
using System.Runtime.InteropServices;
using VibeSync.Protocol.Blobs;

namespace VibeSync.Protocol.State
{
    /// <summary>Checks skin, skinned-mesh, morph-target and animation records against the bytes of their blobs.</summary>
    public static class RiggingContent
    {
        /// <summary>How far a rotation keyframe's length may be from 1.</summary>
        public const double UnitTolerance = 1e-3;

        /// <summary>
        /// The schema-4 parts of a mesh: JOINTS_0 and WEIGHTS_0 values (weights ≥ 0, summing to 1
        /// within 1e-3 or all 0) and every morph target's shapes. Shapes of attributes are
        /// <see cref="MeshContent.Check"/>'s, which calls this.
        /// </summary>
        /// <exception cref="MeshContentException">BLOB_MISSING, BLOB_SHAPE or INVALID_VALUE.</exception>
        public static void CheckMesh(Mesh mesh, IBlobSource blobs, string path)
        {
            if (mesh.Attribute(MeshSemantics.Weights0) is { } weightsId)
            {
                string wp = path + ".attributes." + MeshSemantics.Weights0;
                var w = Floats(blobs, weightsId, wp);
                for (int v = 0; v + 3 < w.Length; v += 4)
                {
                    double sum = 0;
                    for (int k = 0; k < 4; k++)
                    {
                        if (w[v + k] < 0)
                            throw new MeshContentException(MeshContentException.InvalidValue, wp, $"vertex {v / 4}: weight {w[v + k]:R} is negative");
                        sum += w[v + k];
                    }
                    if (sum != 0 && Math.Abs(sum - 1) > MeshSemantics.WeightSumTolerance)
                        throw new MeshContentException(MeshContentException.InvalidValue, wp,
                            $"vertex {v / 4}: weights sum to {sum:R} (expected 1 within {MeshSemantics.WeightSumTolerance:R}, or all 0)");
                }
            }
            for (int i = 0; i < mesh.Targets.Count; i++)
            {
                var t = mesh.Targets[i];
                string tp = $"{path}.targets[{i}]";
                Shape(blobs, t.Position, tp + "." + MeshSemantics.Position, new BlobShape(BlobElement.F32, 3, mesh.VertexCount), "position deltas");
                if (t.Normal != null)
                    Shape(blobs, t.Normal, tp + "." + MeshSemantics.Normal, new BlobShape(BlobElement.F32, 3, mesh.VertexCount), "normal deltas");
            }
        }

        /// <summary>A skin's inverse bind matrices: F32 × 16, one per joint.</summary>
        /// <exception cref="MeshContentException">BLOB_MISSING or BLOB_SHAPE.</exception>
        public static void CheckSkin(Skin skin, IBlobSource blobs, string path) =>
            Shape(blobs, skin.InverseBindMatrices, path + ".inverse_bind_matrices",
                new BlobShape(BlobElement.F32, 16, skin.Joints.Count), "inverse bind matrices (one per joint)");

        /// <summary>
        /// A mesh skinned by <paramref name="skin"/>: every JOINTS_0 index names one of its joints.
        /// Refusals name <paramref name="path"/> (the object's <c>skin</c>, or an operation's).
        /// </summary>
        /// <exception cref="MeshContentException">BLOB_MISSING, BLOB_SHAPE or INDEX_RANGE.</exception>
        public static void CheckSkinned(Mesh mesh, Skin skin, IBlobSource blobs, string path)
        {
            if (mesh.Attribute(MeshSemantics.Joints0) is not { } jointsId)
                throw new MeshContentException(MeshContentException.BlobShape, path, $"a skinned object's mesh needs JOINTS_0 and WEIGHTS_0 (mesh {mesh.Uuid} has none)");
            var shape = Get(blobs, jointsId, path, out var payload);
            if (shape.Element != BlobElement.U16 || shape.Components != 4)
                throw new MeshContentException(MeshContentException.BlobShape, path, $"expected u16 × 4 JOINTS_0, blob {jointsId} holds {Describe(shape)}");
            var joints = MemoryMarshal.Cast<byte, ushort>(payload.Span);
            for (int i = 0; i < joints.Length; i++)
                if (joints[i] >= skin.Joints.Count)
                    throw new MeshContentException(MeshContentException.IndexRange, path,
                        $"vertex {i / 4} names joint {joints[i]}, but skin {skin.Uuid} has {skin.Joints.Count} joints");
        }

        /// <summary>
        /// One channel's sampler: times F32 × 1, at least one, ≥ 0 and strictly increasing; values of
        /// the path's components and the count its interpolation needs (<paramref name="morphTargets"/>
        /// per keyframe for weights); rotation values unit quaternions within 1e-3 (tangents excepted).
        /// </summary>
        /// <exception cref="MeshContentException">BLOB_MISSING, BLOB_SHAPE or INVALID_VALUE.</exception>
        public static void CheckChannel(AnimationChannel channel, int morphTargets, IBlobSource blobs, string path)
        {
            string tp = path + ".times", vp = path + ".values";
            var timesShape = Get(blobs, channel.Times, tp, out var timesPayload);
            if (timesShape.Element != BlobElement.F32 || timesShape.Components != 1 || timesShape.Count < 1)
                throw new MeshContentException(MeshContentException.BlobShape, tp, $"expected f32 × 1 keyframe times, at least one; blob {channel.Times} holds {Describe(timesShape)}");
            var times = MemoryMarshal.Cast<byte, float>(timesPayload.Span);
            if (times[0] < 0) throw new MeshContentException(MeshContentException.InvalidValue, tp, $"time {times[0]:R} at 0 is negative");
            for (int i = 1; i < times.Length; i++)
                if (!(times[i] > times[i - 1]))
                    throw new MeshContentException(MeshContentException.InvalidValue, tp, $"time {times[i]:R} at {i} is not after {times[i - 1]:R} (times strictly increase)");

            int components = AnimationChannel.Components(channel.Path);
            long count = AnimationChannel.ValueCount(channel.Path, channel.Interpolation, times.Length, morphTargets);
            var wanted = new BlobShape(BlobElement.F32, components, count);
            var valuesShape = Get(blobs, channel.Values, vp, out var valuesPayload);
            if (valuesShape != wanted)
                throw new MeshContentException(MeshContentException.BlobShape, vp, $"expected {Describe(wanted)} ({channel.Path.ToString().ToLowerInvariant()}, {channel.Interpolation.ToString().ToUpperInvariant()}, {times.Length} keyframes), blob {channel.Values} holds {Describe(valuesShape)}");
            if (channel.Path != AnimationPath.Rotation) return;
            var q = MemoryMarshal.Cast<byte, float>(valuesPayload.Span);
            bool cubic = channel.Interpolation == AnimationInterpolation.CubicSpline;
            for (int k = 0; k < times.Length; k++)
            {
                int at = (cubic ? 3 * k + 1 : k) * 4; // a CUBICSPLINE keyframe is in-tangent, value, out-tangent
                double length = Math.Sqrt((double)q[at] * q[at] + (double)q[at + 1] * q[at + 1] + (double)q[at + 2] * q[at + 2] + (double)q[at + 3] * q[at + 3]);
                if (Math.Abs(length - 1) > UnitTolerance)
                    throw new MeshContentException(MeshContentException.InvalidValue, vp, $"keyframe {k}: rotation of length {length:R} is not a unit quaternion (within {UnitTolerance:R})");
            }
        }

        /// <summary>Every channel of <paramref name="animation"/>; <paramref name="morphTargets"/> gives a target object's morph target count.</summary>
        /// <exception cref="MeshContentException">BLOB_MISSING, BLOB_SHAPE or INVALID_VALUE.</exception>
        public static void CheckAnimation(Animation animation, Func<string, int> morphTargets, IBlobSource blobs, string path)
        {
            for (int j = 0; j < animation.Channels.Count; j++)
            {
                var c = animation.Channels[j];
                CheckChannel(c, c.Path == AnimationPath.Weights ? morphTargets(c.Target) : 0, blobs, $"{path}.channels[{j}]");
            }
        }

        /// <summary>
        /// Every schema-4 content rule of a whole scene whose records are valid (the scene reader's):
        /// meshes (<see cref="MeshContent.Check"/>), skins, skinned objects, animations. Paths as in
        /// scene JSON (<c>skins[0].inverse_bind_matrices</c>).
        /// </summary>
        /// <exception cref="MeshContentException">The first rule broken.</exception>
        public static void CheckScene(Scene scene, IBlobSource blobs)
        {
            var meshes = new System.Collections.Generic.Dictionary<string, Mesh>(StringComparer.Ordinal);
            for (int i = 0; i < scene.Meshes.Count; i++)
            {
                meshes[scene.Meshes[i].Uuid] = scene.Meshes[i];
                MeshContent.Check(scene.Meshes[i], blobs, $"meshes[{i}]");
            }
            var skins = new System.Collections.Generic.Dictionary<string, Skin>(StringComparer.Ordinal);
            for (int i = 0; i < scene.Skins.Count; i++)
            {
                skins[scene.Skins[i].Uuid] = scene.Skins[i];
                CheckSkin(scene.Skins[i], blobs, $"skins[{i}]");
            }
            var targets = new System.Collections.Generic.Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < scene.Objects.Count; i++)
            {
                var o = scene.Objects[i];
                var mesh = o.Mesh != null && meshes.TryGetValue(o.Mesh, out var m) ? m : null;
                targets[o.Uuid] = mesh?.Targets.Count ?? 0;
                if (mesh != null && o.Skin != null && skins.TryGetValue(o.Skin, out var skin)) CheckSkinned(mesh, skin, blobs, $"objects[{i}].skin");
            }
            for (int i = 0; i < scene.Animations.Count; i++)
                CheckAnimation(scene.Animations[i], t => targets.TryGetValue(t, out int n) ? n : 0, blobs, $"animations[{i}]");
        }

        private static void Shape(IBlobSource blobs, string id, string path, BlobShape wanted, string what)
        {
            var shape = MeshContent.ShapeOf(blobs, id, path);
            if (shape != wanted)
                throw new MeshContentException(MeshContentException.BlobShape, path, $"expected {Describe(wanted)} ({what}), blob {id} holds {Describe(shape)}");
        }

        private static ReadOnlySpan<float> Floats(IBlobSource blobs, string id, string path) =>
            MemoryMarshal.Cast<byte, float>(Get(blobs, id, path, out var payload).Element == BlobElement.F32 ? payload.Span : ReadOnlySpan<byte>.Empty);

        private static BlobShape Get(IBlobSource blobs, string id, string path, out ReadOnlyMemory<byte> payload)
        {
            if (!blobs.TryGet(id, out var shape, out payload))
                throw new MeshContentException(MeshContentException.BlobMissing, path, $"blob {id} is in no store (upload it first)");
            return shape;
        }

        private static string Describe(BlobShape s) => $"{s.Element.ToString().ToLowerInvariant()} × {s.Components}, count {s.Count}";
    }
}
