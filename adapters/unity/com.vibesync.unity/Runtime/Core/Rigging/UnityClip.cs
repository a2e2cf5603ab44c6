using System;
using System.Collections.Generic;

namespace VibeSync.Unity.Rigging
{
    /// <summary>
    /// One key of a Unity <c>AnimationCurve</c> (<c>UnityEngine.Keyframe</c>: time, value, inTangent,
    /// outTangent; not weighted). A tangent of +∞ makes the curve hold its value (Unity's Constant).
    /// </summary>
    public readonly struct UnityKey : IEquatable<UnityKey>
    {
        /// <summary>Creates a key.</summary>
        public UnityKey(float time, float value, float inTangent, float outTangent) { Time = time; Value = value; InTangent = inTangent; OutTangent = outTangent; }

        /// <summary><c>Keyframe.time</c>, seconds.</summary>
        public float Time { get; }

        /// <summary><c>Keyframe.value</c>.</summary>
        public float Value { get; }

        /// <summary><c>Keyframe.inTangent</c>: the slope arriving at the key, value per second.</summary>
        public float InTangent { get; }

        /// <summary><c>Keyframe.outTangent</c>: the slope leaving the key.</summary>
        public float OutTangent { get; }

        /// <inheritdoc />
        public bool Equals(UnityKey o) => Time.Equals(o.Time) && Value.Equals(o.Value) && InTangent.Equals(o.InTangent) && OutTangent.Equals(o.OutTangent);

        /// <inheritdoc />
        public override bool Equals(object? obj) => obj is UnityKey k && Equals(k);

        /// <inheritdoc />
        public override int GetHashCode() => HashCode.Combine(Time, Value, InTangent, OutTangent);
    }

    /// <summary>
    /// One editor curve of a clip: <c>EditorCurveBinding</c> (path relative to the GameObject holding the
    /// Animation component, component type, property name) and its keys.
    /// </summary>
    /// <param name="Path">Transform path from the holder ("" = the holder itself), names joined by '/'.</param>
    /// <param name="Component"><see cref="ClipMapping.TransformType"/> or <see cref="ClipMapping.RendererType"/>.</param>
    /// <param name="Property">e.g. <c>m_LocalPosition.x</c>, <c>m_LocalRotation.w</c>, <c>m_LocalScale.z</c>, <c>blendShape.Smile</c>.</param>
    /// <param name="Keys">The keys, in time order.</param>
    public sealed record UnityCurve(string Path, string Component, string Property, IReadOnlyList<UnityKey> Keys)
    {
        /// <summary>Value equality (keys element by element).</summary>
        public bool Equals(UnityCurve? other)
        {
            if (other is null || Path != other.Path || Component != other.Component || Property != other.Property || Keys.Count != other.Keys.Count) return false;
            for (int i = 0; i < Keys.Count; i++) if (!Keys[i].Equals(other.Keys[i])) return false;
            return true;
        }

        /// <inheritdoc />
        public override int GetHashCode() => HashCode.Combine(Path, Component, Property, Keys.Count);
    }

    /// <summary>
    /// An <c>AnimationClip</c> as the core sees it: its name, <c>frameRate</c>, the GameObject whose legacy
    /// <c>Animation</c> component holds it (the lowest common ancestor of what it animates) and its editor curves.
    /// </summary>
    public sealed record UnityClip(string Name, float FrameRate, int? Holder, IReadOnlyList<UnityCurve> Curves)
    {
        /// <summary>
        /// Value equality, curves matched by binding (path, component, property) whatever their order:
        /// Unity's <c>GetCurveBindings</c> lists them in an order of its own.
        /// </summary>
        public bool Equals(UnityClip? other)
        {
            if (other is null || Name != other.Name || !FrameRate.Equals(other.FrameRate) || Holder != other.Holder || Curves.Count != other.Curves.Count) return false;
            var theirs = new Dictionary<(string, string, string), UnityCurve>();
            foreach (var c in other.Curves) theirs[(c.Path, c.Component, c.Property)] = c;
            foreach (var c in Curves)
                if (!theirs.TryGetValue((c.Path, c.Component, c.Property), out var t) || !c.Equals(t)) return false;
            return true;
        }

        /// <inheritdoc />
        public override int GetHashCode() => HashCode.Combine(Name, FrameRate, Holder, Curves.Count);
    }
}
