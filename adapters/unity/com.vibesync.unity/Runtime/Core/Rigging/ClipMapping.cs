// Design rationale (CONTENT-V4 §5): an animation is one AnimationClip whose editor curves are bound by
// transform path relative to the lowest common ancestor of its targets, which holds a legacy Animation
// component (a clip plays there without an Animator controller). Curves are glTFast's
// (atteneder/glTFast Runtime/Scripts/AnimationUtils.cs): a curve per component of
// m_LocalPosition / m_LocalRotation / m_LocalScale on the Transform and blendShape.<name> on the
// SkinnedMeshRenderer; LINEAR keys get the slopes to their neighbours as tangents (the first key's in
// and the last key's out 0), STEP keys an infinite in-tangent (Unity then holds the previous value),
// CUBICSPLINE keys glTF's in- and out-tangents (both are value per second, Unity's and glTF's Hermite
// alike). Values and tangents are converted with the transforms' own frame maps (FrameMaps: the one
// source), morph weights × 100 (Unity's 0–100; the glTFast commit read did not scale them).
using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using VibeSync.Unity.Hierarchy;

namespace VibeSync.Unity.Rigging
{
    /// <summary>Animation records ⇄ <see cref="UnityClip"/>s (canonical keyframes ⇄ Unity editor curves).</summary>
    public static class ClipMapping
    {
        /// <summary>The component type of transform curves.</summary>
        public const string TransformType = "Transform";

        /// <summary>The component type of blend shape curves.</summary>
        public const string RendererType = "SkinnedMeshRenderer";

        private static readonly string[] Axes = { "x", "y", "z", "w" };

        /// <summary>The property prefix of a path's curves (<c>m_LocalPosition.</c>, <c>m_LocalRotation.</c>, <c>m_LocalScale.</c>, <c>blendShape.</c>).</summary>
        public static string Prefix(AnimationPath path) => path switch
        {
            AnimationPath.Translation => "m_LocalPosition.",
            AnimationPath.Rotation => "m_LocalRotation.",
            AnimationPath.Scale => "m_LocalScale.",
            _ => "blendShape.",
        };

        /// <summary>
        /// The clip of <paramref name="animation"/> (its blobs in <paramref name="blobs"/>, checked whole
        /// by the caller): holder = the lowest common ancestor of its targets.
        /// </summary>
        /// <exception cref="ApplyException">A target is not in the scene (UNKNOWN_UUID), or a weights channel's object has no blend shapes (INVALID_VALUE).</exception>
        public static UnityClip ToUnity(IUnityScene scene, Func<string, int?> handleOf, Animation animation, IBlobSource blobs)
        {
            var targets = animation.Channels.Select(c => c.Target).Distinct().Select(t => Target(scene, handleOf, t)).ToList();
            int? holder = targets.Count == 0 ? (int?)null : LowestCommonAncestor(scene, targets.Select(t => t.Handle).ToList());
            var curves = new List<UnityCurve>();
            foreach (var c in animation.Channels)
            {
                var o = Target(scene, handleOf, c.Target);
                string path = PathFrom(scene, holder!.Value, o);
                var times = Floats(blobs, c.Times);
                var values = Floats(blobs, c.Values);
                var names = c.Path == AnimationPath.Weights ? ShapeNames(scene, o) : null;
                int width = names?.Length ?? 1, components = AnimationChannel.Components(c.Path);
                var map = ToUnityMap(scene, o, c.Path);
                int n = times.Length;
                bool cubic = c.Interpolation == AnimationInterpolation.CubicSpline;
                // Every element of every keyframe converted once: [key][part: in, value, out][element] → Unity components.
                float[] Element(int key, int part, int e)
                {
                    int at = ((cubic ? key * 3 + part : key) * width + e) * components;
                    return map(values.AsSpan(at, components).ToArray());
                }
                for (int e = 0; e < width; e++)
                    for (int k = 0; k < (names != null ? 1 : components); k++)
                    {
                        var keys = new UnityKey[n];
                        var v = new float[n];
                        for (int i = 0; i < n; i++) v[i] = Element(i, 1, e)[k];
                        for (int i = 0; i < n; i++)
                        {
                            float inT = 0, outT = 0;
                            switch (c.Interpolation)
                            {
                                case AnimationInterpolation.Step: inT = float.PositiveInfinity; break;
                                case AnimationInterpolation.CubicSpline: inT = Element(i, 0, e)[k]; outT = Element(i, 2, e)[k]; break;
                                default:
                                    if (i > 0) inT = Slope(times, v, i - 1);
                                    if (i < n - 1) outT = Slope(times, v, i);
                                    break;
                            }
                            keys[i] = new UnityKey(times[i], v[i], inT, outT);
                        }
                        curves.Add(new UnityCurve(path, names != null ? RendererType : TransformType, Prefix(c.Path) + (names != null ? names[e] : Axes[k]), keys));
                    }
            }
            return new UnityClip(animation.Name, (float)animation.FrameRate, holder, curves);
        }

        /// <summary>
        /// The record of a clip a human changed: curves grouped by (path, property) into channels, the
        /// interpolation read from the tangents (STEP: infinite in-tangents; LINEAR: every tangent the
        /// slope to its neighbour within 1e-4; else CUBICSPLINE), values and tangents converted back.
        /// Components keyed at different times are sampled at the union of their times (<c>sampled</c>).
        /// Curves whose path or property names nothing VibeSync can target are left out. Every blob named
        /// is given to <paramref name="keep"/>.
        /// </summary>
        public static Animation FromUnity(IUnityScene scene, IdentityIndex index, string uuid, UnityClip clip, Action<string, BlobShape, byte[]> keep)
        {
            var channels = new List<AnimationChannel>();
            if (clip.Holder is int holder)
                foreach (var group in clip.Curves.GroupBy(c => (Where: c.Path, What: PathOf(c))))
                {
                    if (group.Key.What is not AnimationPath path || Resolve(scene, holder, group.Key.Where) is not { } o || index.IdOf(o.Handle) is not string target) continue;
                    var names = path == AnimationPath.Weights ? ShapeNames(scene, o) : null;
                    var parts = names != null
                        ? names.Select(name => group.FirstOrDefault(c => c.Property == Prefix(path) + name)).ToList()
                        : Axes.Take(AnimationChannel.Components(path)).Select(a => group.FirstOrDefault(c => c.Property == Prefix(path) + a)).ToList();
                    if (parts.Any(p => p == null || p.Keys.Count == 0)) continue; // a component missing: not a channel VibeSync can state
                    channels.Add(Channel(scene, o, target, path, parts!, keep));
                }
            channels.Sort(AnimationChannel.Compare);
            return new Animation(uuid, clip.Name, clip.FrameRate, channels);
        }

        private static AnimationChannel Channel(IUnityScene scene, UnityObject o, string target, AnimationPath path, List<UnityCurve> parts, Action<string, BlobShape, byte[]> keep)
        {
            bool weights = path == AnimationPath.Weights;
            int components = AnimationChannel.Components(path), width = weights ? parts.Count : 1;
            var first = parts[0].Keys.Select(k => k.Time).ToArray();
            bool aligned = parts.All(p => p.Keys.Select(k => k.Time).SequenceEqual(first));
            var times = aligned ? first : parts.SelectMany(p => p.Keys.Select(k => k.Time)).Distinct().OrderBy(t => t).ToArray();
            var interpolation = !aligned ? AnimationInterpolation.Linear
                : parts.All(p => p.Keys.Skip(1).All(k => float.IsInfinity(k.InTangent))) ? AnimationInterpolation.Step
                : parts.All(Linear) ? AnimationInterpolation.Linear : AnimationInterpolation.CubicSpline;
            bool cubic = interpolation == AnimationInterpolation.CubicSpline;
            var back = FromUnityMap(scene, o, path);
            int n = times.Length;
            var values = new float[n * (cubic ? 3 : 1) * width * components];
            for (int i = 0; i < n; i++)
                for (int part = 0; part < (cubic ? 3 : 1); part++)
                {
                    // The Unity vector of every element at key i (its in-tangent, value or out-tangent), then converted back.
                    var unity = new float[width * components];
                    for (int p = 0; p < parts.Count; p++)
                    {
                        var key = aligned ? parts[p].Keys[i] : default;
                        unity[p] = !aligned ? Evaluate(parts[p].Keys, times[i]) : !cubic ? key.Value : part == 0 ? key.InTangent : part == 1 ? key.Value : key.OutTangent;
                    }
                    for (int e = 0; e < width; e++)
                        back(unity.AsSpan(e * components, components).ToArray()).CopyTo(values, ((cubic ? i * 3 + part : i) * width + e) * components);
                }
            return new AnimationChannel(target, path, interpolation, Name(new BlobShape(BlobElement.F32, 1, n), times, keep),
                Name(new BlobShape(BlobElement.F32, components, values.Length / components), values, keep), !aligned);
        }

        /// <summary>Unity's Hermite curve at <paramref name="t"/> (constant where a tangent is infinite; the end values beyond the ends).</summary>
        public static float Evaluate(IReadOnlyList<UnityKey> keys, float t)
        {
            if (t <= keys[0].Time) return keys[0].Value;
            if (t >= keys[keys.Count - 1].Time) return keys[keys.Count - 1].Value;
            int k = 0;
            while (keys[k + 1].Time <= t) k++;
            var (a, b) = (keys[k], keys[k + 1]);
            if (float.IsInfinity(a.OutTangent) || float.IsInfinity(b.InTangent)) return a.Value;
            float dt = b.Time - a.Time, s = (t - a.Time) / dt, s2 = s * s, s3 = s2 * s;
            return (2 * s3 - 3 * s2 + 1) * a.Value + (s3 - 2 * s2 + s) * dt * a.OutTangent + (-2 * s3 + 3 * s2) * b.Value + (s3 - s2) * dt * b.InTangent;
        }

        private static bool Linear(UnityCurve c)
        {
            var k = c.Keys;
            var v = k.Select(x => x.Value).ToArray();
            var t = k.Select(x => x.Time).ToArray();
            bool Near(float a, float b) => Math.Abs(a - b) <= 1e-4 * Math.Max(1, Math.Abs(b));
            for (int i = 0; i + 1 < k.Count; i++)
            {
                float slope = Slope(t, v, i);
                if (!Near(k[i].OutTangent, slope) || !Near(k[i + 1].InTangent, slope)) return false;
            }
            return true;
        }

        private static float Slope(float[] t, float[] v, int i) => (v[i + 1] - v[i]) / (t[i + 1] - t[i]);

        private static AnimationPath? PathOf(UnityCurve c)
        {
            if (c.Component == RendererType) return c.Property.StartsWith("blendShape.", StringComparison.Ordinal) ? AnimationPath.Weights : (AnimationPath?)null;
            if (c.Component != TransformType) return null;
            foreach (var p in new[] { AnimationPath.Translation, AnimationPath.Rotation, AnimationPath.Scale })
                if (c.Property.StartsWith(Prefix(p), StringComparison.Ordinal)) return p;
            return null;
        }

        /// <summary>Element canonical → Unity: translation and rotation by the transform's frame maps, scale as is, a weight × 100.</summary>
        private static Func<float[], float[]> ToUnityMap(IUnityScene scene, UnityObject o, AnimationPath path)
        {
            var (pa, sa) = Axes2(scene, o);
            return path switch
            {
                AnimationPath.Translation => v => Floats(FrameMaps.TranslationUnity(new Vector3d(v[0], v[1], v[2]), pa)),
                AnimationPath.Rotation => v => Floats(FrameMaps.RotationToUnity(new Quaterniond(v[0], v[1], v[2], v[3]), pa, sa)),
                AnimationPath.Weights => v => new[] { SkinBinding.ToUnityWeight(v[0]) },
                _ => v => v,
            };
        }

        private static Func<float[], float[]> FromUnityMap(IUnityScene scene, UnityObject o, AnimationPath path)
        {
            var (pa, sa) = Axes2(scene, o);
            return path switch
            {
                AnimationPath.Translation => v => Floats(FrameMaps.TranslationUnity(new Vector3d(v[0], v[1], v[2]), pa)),
                AnimationPath.Rotation => v => Floats(FrameMaps.RotationFromUnity(new Quaterniond(v[0], v[1], v[2], v[3]), pa, sa)),
                AnimationPath.Weights => v => new[] { (float)(v[0] / SkinBinding.WeightScale) },
                _ => v => v,
            };
        }

        private static (bool Parent, bool Self) Axes2(IUnityScene scene, UnityObject o)
        {
            static bool View(ObjectKind k) => k == ObjectKind.Camera || k == ObjectKind.Light;
            return (o.Parent is int p && scene.Find(p) is { } parent && View(parent.Kind), View(o.Kind));
        }

        private static float[] Floats(Vector3d v) => new[] { (float)v.X, (float)v.Y, (float)v.Z };

        private static float[] Floats(Quaterniond q) => new[] { (float)q.X, (float)q.Y, (float)q.Z, (float)q.W };

        private static string[] ShapeNames(IUnityScene scene, UnityObject o)
        {
            if (o.Mesh == null || !scene.MeshIds().Contains(o.Mesh)) throw new ApplyException("INVALID_VALUE", $"a weights channel targets {o.Id}, which has no mesh with blend shapes");
            var mesh = scene.Mesh(o.Mesh);
            var names = new string[mesh.BlendShapeCount];
            for (int i = 0; i < names.Length; i++) names[i] = mesh.GetBlendShapeName(i);
            if (names.Length == 0) throw new ApplyException("INVALID_VALUE", $"a weights channel targets {o.Id}, whose mesh has no blend shapes");
            return names;
        }

        private static UnityObject Target(IUnityScene scene, Func<string, int?> handleOf, string id) =>
            handleOf(id) is int h && scene.Find(h) is { } o ? o : throw new ApplyException("UNKNOWN_UUID", $"an animation channel targets {id}, which is not in this Unity scene");

        /// <summary>The deepest GameObject that is (or is an ancestor of) every one of <paramref name="handles"/>.</summary>
        public static int LowestCommonAncestor(IUnityScene scene, IReadOnlyList<int> handles)
        {
            List<int> Chain(int h)
            {
                var chain = new List<int>();
                for (var o = scene.Find(h); o != null; o = o.Parent is int p ? scene.Find(p) : null) chain.Insert(0, o.Handle);
                return chain;
            }
            var common = Chain(handles[0]);
            foreach (var h in handles.Skip(1))
            {
                var other = Chain(h);
                int n = 0;
                while (n < common.Count && n < other.Count && common[n] == other[n]) n++;
                common = common.Take(n).ToList();
            }
            // Targets under different roots share no GameObject: the first target's root holds the clip and
            // the others cannot be bound (Unity binds by path below the holder); refused by the caller.
            if (common.Count == 0) throw new ApplyException("INVALID_VALUE", "an animation's targets share no common ancestor GameObject, so no Animation component can bind them all");
            return common[common.Count - 1];
        }

        /// <summary>The transform path of <paramref name="o"/> below <paramref name="holder"/> ("" for the holder itself).</summary>
        public static string PathFrom(IUnityScene scene, int holder, UnityObject o)
        {
            var names = new List<string>();
            for (var c = o; c.Handle != holder; c = scene.Find(c.Parent!.Value)!) names.Insert(0, c.Name);
            return string.Join("/", names);
        }

        /// <summary>The GameObject at a transform path below <paramref name="holder"/> (the first child of each name, as Unity binds), or null.</summary>
        public static UnityObject? Resolve(IUnityScene scene, int holder, string path)
        {
            var o = scene.Find(holder);
            if (o == null || path.Length == 0) return o;
            var all = scene.Objects();
            foreach (var name in path.Split('/'))
            {
                var h = o!.Handle;
                o = all.Where(c => c.Parent == h && c.Name == name).OrderBy(c => c.Handle).FirstOrDefault();
                if (o == null) return null;
            }
            return o;
        }

        private static float[] Floats(IBlobSource blobs, string id) =>
            blobs.TryGet(id, out _, out var bytes) ? MemoryMarshal.Cast<byte, float>(bytes.Span).ToArray() : throw new ApplyException("BLOB_MISSING", $"blob {id} is in no store");

        private static string Name(BlobShape shape, float[] values, Action<string, BlobShape, byte[]> keep)
        {
            var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
            var id = BlobId.Of(shape, bytes);
            keep(id, shape, bytes);
            return id;
        }
    }
}
