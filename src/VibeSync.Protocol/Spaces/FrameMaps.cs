// Design rationale: an object's local transform maps its own coordinates into its parent's, so
// converting it takes the parent's frame map on the left and the object's own on the right:
// L_canonical = N_parent · L_blender · N_self⁻¹, L_unity = Q_parent · L_canonical · Q_self⁻¹
// (docs/protocol.md §7.1). Cameras and lights differ only in their frame maps (Blender's camera
// frame already is glTF's; Unity's looks down +Z), which is why one rule covers the camera's own
// correction and the compensation its children need. Everything is an exact permutation or
// negation except Blender cameras/lights (and their children), which need a 90° rotation.
using VibeSync.Protocol.State;

namespace VibeSync.Protocol.Spaces
{
    /// <summary>Per-object conversions between Blender-native, canonical and Unity-native values.</summary>
    public static class FrameMaps
    {
        /// <summary>The double nearest √½.</summary>
        public const double Sqrt1_2 = 0.7071067811865476;

        /// <summary>m: −90° about X, the Blender→canonical basis change as a rotation.</summary>
        public static readonly Quaterniond M = new Quaterniond(-Sqrt1_2, 0, 0, Sqrt1_2);
        /// <summary>m⁻¹: +90° about X.</summary>
        public static readonly Quaterniond MInverse = new Quaterniond(Sqrt1_2, 0, 0, Sqrt1_2);
        /// <summary>y: 180° about Y, the difference between a mirrored frame and a Unity camera frame.</summary>
        public static readonly Quaterniond Y180 = new Quaterniond(0, 1, 0, 0);
        /// <summary>y⁻¹.</summary>
        public static readonly Quaterniond Y180Inverse = new Quaterniond(0, -1, 0, 0);

        // ---- Blender ⇄ canonical ------------------------------------------------------------

        /// <summary>Local translation, Blender → canonical. A root object's parent is the world (generic).</summary>
        public static Vector3d TranslationFromBlender(Vector3d t, bool parentHasViewAxis, double unitScale)
        {
            var v = parentHasViewAxis ? t : new Vector3d(t.X, t.Z, -t.Y);
            return v.Times(unitScale);
        }

        /// <summary>Local translation, canonical → Blender.</summary>
        public static Vector3d TranslationToBlender(Vector3d t, bool parentHasViewAxis, double unitScale)
        {
            var v = t.DividedBy(unitScale);
            return parentHasViewAxis ? v : new Vector3d(v.X, -v.Z, v.Y);
        }

        /// <summary>Local rotation, Blender → canonical (both as x, y, z, w).</summary>
        public static Quaterniond RotationFromBlender(Quaterniond b, bool parentHasViewAxis, bool selfHasViewAxis)
        {
            var c = new Quaterniond(b.X, b.Z, -b.Y, b.W);
            if (parentHasViewAxis) c = Quaterniond.Multiply(MInverse, c);
            if (selfHasViewAxis) c = Quaterniond.Multiply(c, M);
            return c;
        }

        /// <summary>Local rotation, canonical → Blender (both as x, y, z, w).</summary>
        public static Quaterniond RotationToBlender(Quaterniond c, bool parentHasViewAxis, bool selfHasViewAxis)
        {
            if (parentHasViewAxis) c = Quaterniond.Multiply(M, c);
            if (selfHasViewAxis) c = Quaterniond.Multiply(c, MInverse);
            return new Quaterniond(c.X, -c.Z, c.Y, c.W);
        }

        /// <summary>Local scale, Blender ⇄ canonical (the map is its own inverse).</summary>
        public static Vector3d ScaleBlender(Vector3d s, bool selfHasViewAxis) =>
            selfHasViewAxis ? s : new Vector3d(s.X, s.Z, s.Y);

        /// <summary>Mesh position, Blender → canonical.</summary>
        public static Vector3d PositionFromBlender(Vector3d p, double unitScale) =>
            new Vector3d(p.X, p.Z, -p.Y).Times(unitScale);

        /// <summary>Mesh position, canonical → Blender.</summary>
        public static Vector3d PositionToBlender(Vector3d p, double unitScale)
        {
            var v = p.DividedBy(unitScale);
            return new Vector3d(v.X, -v.Z, v.Y);
        }

        // ---- canonical ⇄ Unity (every map is an exact permutation or negation) ----------------

        /// <summary>Local translation, canonical ⇄ Unity (its own inverse).</summary>
        public static Vector3d TranslationUnity(Vector3d t, bool parentHasViewAxis) =>
            parentHasViewAxis ? new Vector3d(t.X, t.Y, -t.Z) : new Vector3d(-t.X, t.Y, t.Z);

        /// <summary>Local rotation, canonical → Unity (both as x, y, z, w).</summary>
        public static Quaterniond RotationToUnity(Quaterniond c, bool parentHasViewAxis, bool selfHasViewAxis)
        {
            var u = new Quaterniond(c.X, -c.Y, -c.Z, c.W);
            if (parentHasViewAxis) u = Quaterniond.Multiply(Y180, u);
            if (selfHasViewAxis) u = Quaterniond.Multiply(u, Y180);
            return u;
        }

        /// <summary>Local rotation, Unity → canonical (both as x, y, z, w).</summary>
        public static Quaterniond RotationFromUnity(Quaterniond u, bool parentHasViewAxis, bool selfHasViewAxis)
        {
            if (parentHasViewAxis) u = Quaterniond.Multiply(Y180Inverse, u);
            if (selfHasViewAxis) u = Quaterniond.Multiply(u, Y180Inverse);
            return new Quaterniond(u.X, -u.Y, -u.Z, u.W);
        }

        /// <summary>Mesh position, canonical ⇄ Unity (its own inverse).</summary>
        public static Vector3d PositionUnity(Vector3d p) => new Vector3d(-p.X, p.Y, p.Z);
    }
}
