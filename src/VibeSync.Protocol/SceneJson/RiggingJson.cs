// Design rationale (CONTENT-V4 §3–§5): one reader and one writer of skins, morph targets and
// animations, shared by scene JSON and the operations that carry them (create_skin, set_mesh,
// create_animation, set_animation_channel), so both refuse alike at the same paths. Records are
// read structurally; their blobs are checked where they are (RiggingContent).
using System;
using System.Collections.Generic;
using System.Text;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.State;
using static VibeSync.Protocol.Json.JsonFields;

namespace VibeSync.Protocol.SceneJson
{
    /// <summary>Reads and writes skin and animation records and a mesh's morph targets (docs/protocol.md §2, §8).</summary>
    public static class RiggingJson
    {
        /// <summary>The required fields of a skin record.</summary>
        public static readonly string[] SkinFields = { "uuid", "name", "joints", "inverse_bind_matrices" };
        /// <summary>The optional fields of a skin record (skeleton: absent = null).</summary>
        public static readonly string[] SkinOptional = { "skeleton" };
        /// <summary>The fields of an animation record.</summary>
        public static readonly string[] AnimationFields = { "uuid", "name", "frame_rate", "channels" };
        /// <summary>The required fields of a channel.</summary>
        public static readonly string[] ChannelFields = { "target", "path", "interpolation", "times", "values" };
        /// <summary>The optional fields of a channel (sampled: absent = false).</summary>
        public static readonly string[] ChannelOptional = { "sampled" };

        /// <summary>Reads a skin record's fields (the uuid read by the caller); the field set is checked by the caller.</summary>
        /// <exception cref="JsonFieldException">A field is malformed.</exception>
        public static Skin ReadSkin(JsonObject o, string path, string uuid) =>
            new Skin(uuid, Name(Required(o, path, "name"), path + ".name"),
                Joints(Required(o, path, "joints"), path + ".joints"),
                BlobId(Required(o, path, "inverse_bind_matrices"), path + ".inverse_bind_matrices"),
                o.Get("skeleton") is { } skeleton ? OptionalId(skeleton, path + ".skeleton") : null);

        /// <summary>1…65,535 distinct joint uuids.</summary>
        public static IReadOnlyList<string> Joints(JsonNode node, string path)
        {
            var array = AsArray(node, path);
            if (array.Items.Count < 1 || array.Items.Count > Skin.MaxJoints)
                throw new JsonFieldException(path, $"expected 1 to {Skin.MaxJoints} joints, got {array.Items.Count}");
            var joints = new string[array.Items.Count];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < joints.Length; i++)
            {
                joints[i] = Id(array.Items[i], $"{path}[{i}]");
                if (!seen.Add(joints[i])) throw new JsonFieldException($"{path}[{i}]", $"joint {joints[i]} is named twice");
            }
            return joints;
        }

        /// <summary>Reads an animation record's fields (the uuid read by the caller); the field set is checked by the caller.</summary>
        /// <exception cref="JsonFieldException">A field is malformed, or channels are out of order.</exception>
        public static Animation ReadAnimation(JsonObject o, string path, string uuid)
        {
            var name = Name(Required(o, path, "name"), path + ".name");
            double frameRate = FrameRate(Required(o, path, "frame_rate"), path + ".frame_rate");
            var array = AsArray(Required(o, path, "channels"), path + ".channels");
            var channels = new AnimationChannel[array.Items.Count];
            for (int j = 0; j < channels.Length; j++)
            {
                string cp = $"{path}.channels[{j}]";
                var c = AsObject(array.Items[j], cp);
                CheckFields(c, cp, ChannelFields, ChannelOptional);
                channels[j] = ReadChannel(c, cp, Id(c.Get("target")!, cp + ".target"), (AnimationPath)MaterialJson.Enum(c.Get("path")!, cp + ".path", GltfNames.AnimationPaths));
                if (j > 0 && AnimationChannel.Compare(channels[j - 1], channels[j]) >= 0)
                    throw new JsonFieldException(cp, $"channels are ordered by target then path, one per target and path: {Describe(channels[j])} after {Describe(channels[j - 1])}");
            }
            return new Animation(uuid, name, frameRate, channels);
        }

        /// <summary>An animation's frame rate: a number greater than 0 and at most <see cref="Animation.MaxFrameRate"/>.</summary>
        public static double FrameRate(JsonNode node, string path)
        {
            double v = Real(node, path);
            if (!(v > 0 && v <= Animation.MaxFrameRate))
                throw new JsonFieldException(path, $"expected frames per second greater than 0 and at most 1000, got {v:R}");
            return v;
        }

        /// <summary>
        /// A channel's sampler fields (interpolation, times, values, sampled?) from <paramref name="o"/>,
        /// for the given target and path (read by the caller; set_animation_channel names them itself).
        /// </summary>
        public static AnimationChannel ReadChannel(JsonObject o, string path, string target, AnimationPath animationPath) =>
            new AnimationChannel(target, animationPath,
                (AnimationInterpolation)MaterialJson.Enum(Required(o, path, "interpolation"), path + ".interpolation", GltfNames.Interpolations),
                BlobId(Required(o, path, "times"), path + ".times"),
                BlobId(Required(o, path, "values"), path + ".values"),
                o.Get("sampled") is { } sampled && MaterialJson.Bool(sampled, path + ".sampled"));

        private static string Describe(AnimationChannel c) => $"{c.Target} {GltfNames.AnimationPaths[(int)c.Path]}";

        /// <summary>
        /// A mesh's morph targets and weights (fields <c>targets</c>, <c>weights</c>, each optional:
        /// absent = none): names unique and non-empty, POSITION required, one weight per target in 0…1.
        /// </summary>
        /// <exception cref="JsonFieldException">A rule is broken.</exception>
        public static (IReadOnlyList<MorphTarget> Targets, IReadOnlyList<double> Weights) ReadTargets(JsonObject o, string path)
        {
            var targets = Array.Empty<MorphTarget>();
            if (o.Get("targets") is { } targetsNode)
            {
                var array = AsArray(targetsNode, path + ".targets");
                targets = new MorphTarget[array.Items.Count];
                var names = new HashSet<string>(StringComparer.Ordinal);
                for (int i = 0; i < targets.Length; i++)
                {
                    string tp = $"{path}.targets[{i}]";
                    var t = AsObject(array.Items[i], tp);
                    CheckFields(t, tp, new[] { "name", MeshSemantics.Position }, new[] { MeshSemantics.Normal });
                    var name = Name(t.Get("name")!, tp + ".name");
                    if (name.Length == 0) throw new JsonFieldException(tp + ".name", "expected the target's name, got an empty string");
                    if (!names.Add(name)) throw new JsonFieldException(tp + ".name", $"target name \"{name}\" is used twice");
                    targets[i] = new MorphTarget(name, BlobId(t.Get(MeshSemantics.Position)!, tp + "." + MeshSemantics.Position),
                        t.Get(MeshSemantics.Normal) is { } n ? BlobId(n, tp + "." + MeshSemantics.Normal) : null);
                }
            }
            var weights = o.Get("weights") is { } weightsNode ? Weights(weightsNode, path + ".weights", targets.Length) : Array.Empty<double>();
            if (weights.Length != targets.Length)
                throw new JsonFieldException(path + ".weights", $"expected one weight per target ({targets.Length}), got {weights.Length}");
            return (targets, weights);
        }

        /// <summary>
        /// Morph weights: <paramref name="count"/> numbers from 0 to 1 (a mesh's weights), or any
        /// number of them when <paramref name="count"/> is −1 (set_morph_weights: the count is the
        /// validator's to check against the mesh).
        /// </summary>
        public static double[] Weights(JsonNode node, string path, int count)
        {
            var array = AsArray(node, path);
            if (count >= 0 && array.Items.Count != count)
                throw new JsonFieldException(path, $"expected one weight per target ({count}), got {array.Items.Count}");
            var weights = new double[array.Items.Count];
            for (int i = 0; i < weights.Length; i++) weights[i] = MaterialJson.Unit(array.Items[i], $"{path}[{i}]");
            return weights;
        }

        /// <summary>Appends a skin record.</summary>
        public static StringBuilder Append(StringBuilder sb, Skin s)
        {
            JsonText.AppendString(sb.Append("{\"uuid\": "), s.Uuid).Append(", \"name\": ");
            JsonText.AppendString(sb, s.Name).Append(", \"joints\": ");
            AppendIds(sb, s.Joints).Append(", \"inverse_bind_matrices\": \"").Append(s.InverseBindMatrices).Append("\", \"skeleton\": ");
            return (s.Skeleton is null ? sb.Append("null") : JsonText.AppendString(sb, s.Skeleton)).Append('}');
        }

        /// <summary>Appends an animation record.</summary>
        public static StringBuilder Append(StringBuilder sb, Animation a)
        {
            JsonText.AppendString(sb.Append("{\"uuid\": "), a.Uuid).Append(", \"name\": ");
            JsonText.AppendString(sb, a.Name).Append(", \"frame_rate\": ");
            JsonText.AppendReal(sb, a.FrameRate).Append(", \"channels\": [");
            for (int i = 0; i < a.Channels.Count; i++) AppendChannel(i > 0 ? sb.Append(", ") : sb, a.Channels[i]);
            return sb.Append("]}");
        }

        /// <summary>Appends one channel with every field.</summary>
        public static StringBuilder AppendChannel(StringBuilder sb, AnimationChannel c)
        {
            JsonText.AppendString(sb.Append("{\"target\": "), c.Target);
            return AppendSampler(sb.Append(", \"path\": \"").Append(GltfNames.AnimationPaths[(int)c.Path]).Append('"'), c).Append('}');
        }

        /// <summary>Appends <c>, "interpolation": …, "times": …, "values": …, "sampled": …</c>.</summary>
        public static StringBuilder AppendSampler(StringBuilder sb, AnimationChannel c) =>
            sb.Append(", \"interpolation\": \"").Append(GltfNames.Interpolations[(int)c.Interpolation])
                .Append("\", \"times\": \"").Append(c.Times).Append("\", \"values\": \"").Append(c.Values)
                .Append("\", \"sampled\": ").Append(c.Sampled ? "true" : "false");

        /// <summary>Appends <c>, "targets": […], "weights": […]</c> (always, empty for none).</summary>
        public static StringBuilder AppendTargets(StringBuilder sb, Mesh m)
        {
            sb.Append(", \"targets\": [");
            for (int i = 0; i < m.Targets.Count; i++)
            {
                var t = m.Targets[i];
                JsonText.AppendString((i > 0 ? sb.Append(", ") : sb).Append("{\"name\": "), t.Name)
                    .Append(", \"POSITION\": \"").Append(t.Position).Append('"');
                if (t.Normal != null) sb.Append(", \"NORMAL\": \"").Append(t.Normal).Append('"');
                sb.Append('}');
            }
            sb.Append("], \"weights\": ");
            var weights = new double[m.Weights.Count];
            for (int i = 0; i < weights.Length; i++) weights[i] = m.Weights[i];
            return MaterialJson.AppendReals(sb, weights);
        }

        /// <summary>Appends a JSON array of ids.</summary>
        public static StringBuilder AppendIds(StringBuilder sb, IReadOnlyList<string> ids)
        {
            sb.Append('[');
            for (int i = 0; i < ids.Count; i++) JsonText.AppendString(i > 0 ? sb.Append(", ") : sb, ids[i]);
            return sb.Append(']');
        }
    }
}
