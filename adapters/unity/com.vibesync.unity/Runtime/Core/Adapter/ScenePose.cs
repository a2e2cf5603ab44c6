// Design rationale (CONTENT-V4 §5, §8; docs/protocol.md §11.10): a time taken from the other editor poses
// every clip where Unity's Animation window would (AnimationMode.SampleAnimationClip), and a pose is never
// an edit: the records hold the start frame's values, so while the scene shows a pose the core reads
// nothing from it. Anything that must see or change the records (an APPLY, ROLLBACK, FINALIZE, READ, a
// save) runs with the scene at rest and the pose put back after; a human's change ends the pose, so it is
// read at rest and sent as the edit it is. The glue does the sampling (IScenePoser); what to sample and
// when is decided here, engine-free.
using System;
using System.Collections.Generic;
using System.Linq;
using VibeSync.Unity.Hierarchy;
using VibeSync.Unity.Rigging;

namespace VibeSync.Unity.Adapter
{
    /// <summary>One clip to sample: on the GameObject whose Animation component holds it, at a time within the clip.</summary>
    public readonly struct PoseSample : IEquatable<PoseSample>
    {
        /// <summary>Creates a sample.</summary>
        public PoseSample(int holder, string clip, float time) { Holder = holder; Clip = clip; Time = time; }

        /// <summary>The holder's handle (Unity: the GameObject passed to <c>AnimationMode.SampleAnimationClip</c>).</summary>
        public int Holder { get; }

        /// <summary>The clip's VibeSync ID.</summary>
        public string Clip { get; }

        /// <summary>Seconds into the clip: the scene's time, held at the clip's last key past its end (glTF holds the end value).</summary>
        public float Time { get; }

        /// <inheritdoc />
        public bool Equals(PoseSample o) => Holder == o.Holder && Clip == o.Clip && Time.Equals(o.Time);

        /// <inheritdoc />
        public override bool Equals(object? obj) => obj is PoseSample s && Equals(s);

        /// <inheritdoc />
        public override int GetHashCode() => HashCode.Combine(Holder, Clip, Time);
    }

    /// <summary>
    /// The host's side of a pose: the glue samples with <c>AnimationMode</c> (Start, BeginSampling,
    /// SampleAnimationClip, EndSampling) and goes back to rest with <c>StopAnimationMode</c>, which restores
    /// every sampled property.
    /// </summary>
    public interface IScenePoser
    {
        /// <summary>Shows the scene posed: every clip sampled on its holder at its time (one sampling pass).</summary>
        void Pose(IReadOnlyList<PoseSample> samples);

        /// <summary>Puts the scene back at rest exactly as it was before the first pose.</summary>
        void Rest();
    }

    /// <summary>Whether the scene shows a pose, at which time, and the samples that show it.</summary>
    public sealed class ScenePose
    {
        /// <summary>The time the scene is posed at, or null at rest.</summary>
        public double? At { get; private set; }

        /// <summary>The samples that pose <paramref name="scene"/> at <paramref name="seconds"/>: every clip with a holder, by clip ID.</summary>
        public static IReadOnlyList<PoseSample> Samples(IUnityScene scene, double seconds)
        {
            var samples = new List<PoseSample>();
            foreach (var id in scene.ClipIds().OrderBy(i => i, StringComparer.Ordinal))
            {
                UnityClip clip;
                try { clip = scene.ReadClip(id); }
                catch (UnknownAssetException) { continue; }
                if (clip.Holder is int holder && scene.Find(holder) != null) samples.Add(new PoseSample(holder, id, ClipTime(clip, seconds)));
            }
            return samples;
        }

        /// <summary><paramref name="seconds"/> within <paramref name="clip"/>: 0 … its last key's time.</summary>
        public static float ClipTime(UnityClip clip, double seconds)
        {
            float end = 0;
            foreach (var c in clip.Curves) if (c.Keys.Count > 0) end = Math.Max(end, c.Keys[c.Keys.Count - 1].Time);
            return (float)Math.Max(0, Math.Min(seconds, end));
        }

        /// <summary>Poses the scene at <paramref name="seconds"/> through <paramref name="poser"/>.</summary>
        public void Show(IUnityScene scene, IScenePoser poser, double seconds)
        {
            poser.Pose(Samples(scene, seconds));
            At = seconds;
        }

        /// <summary>Back at rest (nothing to do when it is).</summary>
        public void Leave(IScenePoser? poser)
        {
            if (At == null) return;
            At = null;
            poser?.Rest();
        }

        /// <summary>
        /// Runs <paramref name="work"/> with the scene at rest, then poses it again at the same time (the
        /// clips as they are after the work: an APPLY may have changed them). Nested calls rest once.
        /// </summary>
        public T AtRest<T>(IUnityScene scene, IScenePoser? poser, Func<T> work)
        {
            if (At is not double at || poser == null) return work();
            At = null;
            poser.Rest();
            try { return work(); }
            finally { Show(scene, poser, at); }
        }
    }
}
