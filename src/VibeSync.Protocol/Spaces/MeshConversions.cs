// Design rationale (CONTENT-V2 §5, docs/protocol.md §7.3): blob names are of canonical arrays, so an
// engine converts blob contents locally, in place, over float32 and u32 spans — a million vertices
// without a single allocation. Every map is a permutation or negation (exact) except Blender's unit
// scale, which multiplies in double and rounds once to float32, as Python does.
using System;
using VibeSync.Protocol.State;

namespace VibeSync.Protocol.Spaces
{
    /// <summary>Conversions of mesh blob contents between Blender-native, canonical and Unity-native.</summary>
    public static class MeshConversions
    {
        /// <summary>POSITION, Blender → canonical: (x, z, −y) · unit scale, in place (xyz triples).</summary>
        public static void PositionsFromBlender(Span<float> xyz, double unitScale)
        {
            for (int i = 0; i + 2 < xyz.Length; i += 3)
            {
                float x = xyz[i], y = xyz[i + 1], z = xyz[i + 2];
                xyz[i] = Scaled(x, unitScale); xyz[i + 1] = Scaled(z, unitScale); xyz[i + 2] = Scaled(-y, unitScale);
            }
        }

        /// <summary>POSITION, canonical → Blender: (x, −z, y) / unit scale, in place.</summary>
        public static void PositionsToBlender(Span<float> xyz, double unitScale)
        {
            for (int i = 0; i + 2 < xyz.Length; i += 3)
            {
                float x = xyz[i], y = xyz[i + 1], z = xyz[i + 2];
                xyz[i] = Divided(x, unitScale); xyz[i + 1] = Divided(-z, unitScale); xyz[i + 2] = Divided(y, unitScale);
            }
        }

        /// <summary>NORMAL (stride 3) or TANGENT (stride 4, w kept), Blender → canonical: (x, z, −y).</summary>
        public static void DirectionsFromBlender(Span<float> values, int stride)
        {
            for (int i = 0; i + 2 < values.Length; i += stride)
            {
                float y = values[i + 1];
                values[i + 1] = values[i + 2]; values[i + 2] = -y;
            }
        }

        /// <summary>NORMAL (stride 3) or TANGENT (stride 4, w kept), canonical → Blender: (x, −z, y).</summary>
        public static void DirectionsToBlender(Span<float> values, int stride)
        {
            for (int i = 0; i + 2 < values.Length; i += stride)
            {
                float z = values[i + 2];
                values[i + 2] = values[i + 1]; values[i + 1] = -z;
            }
        }

        /// <summary>POSITION or NORMAL, canonical ⇄ Unity: (−x, y, z), in place (its own inverse).</summary>
        public static void MirrorForUnity(Span<float> xyz)
        {
            for (int i = 0; i < xyz.Length; i += 3) xyz[i] = -xyz[i];
        }

        /// <summary>
        /// 4×4 matrices (16 floats each, column-major: glTF's inverse bind matrices, Unity's bind poses),
        /// canonical ⇄ Unity: the same x mirror on both sides, S·M·S with S = diag(−1, 1, 1, 1), so every
        /// element in x's row or x's column but not both changes sign; in place (its own inverse).
        /// </summary>
        public static void MatricesForUnity(Span<float> m16)
        {
            for (int at = 0; at + 15 < m16.Length; at += 16)
                for (int column = 0; column < 4; column++)
                    for (int row = 0; row < 4; row++)
                        if ((row == 0) != (column == 0)) m16[at + 4 * column + row] = -m16[at + 4 * column + row];
        }

        /// <summary>TANGENT, canonical ⇄ Unity: (−x, y, z, −w), in place (its own inverse).</summary>
        public static void TangentsForUnity(Span<float> xyzw)
        {
            for (int i = 0; i + 3 < xyzw.Length; i += 4) { xyzw[i] = -xyzw[i]; xyzw[i + 3] = -xyzw[i + 3]; }
        }

        /// <summary>Indices, canonical ⇄ Unity: each triangle (a, b, c) → (a, c, b), in place (its own inverse).</summary>
        public static void FlipWinding(Span<uint> indices)
        {
            for (int i = 0; i + 2 < indices.Length; i += 3)
            {
                uint b = indices[i + 1];
                indices[i + 1] = indices[i + 2]; indices[i + 2] = b;
            }
        }

        /// <summary>
        /// Converts the float blob of <paramref name="semantic"/> from <paramref name="from"/> to
        /// <paramref name="to"/> space in place (through canonical). TEXCOORD and COLOR never change.
        /// </summary>
        /// <exception cref="ArgumentException">Not a mesh attribute semantic.</exception>
        public static void Attribute(string semantic, Span<float> values, Space from, Space to, double unitScale = 1.0)
        {
            if (!MeshSemantics.TryComponents(semantic, out int stride))
                throw new ArgumentException($"\"{semantic}\" is not a mesh attribute semantic", nameof(semantic));
            if (from == to) return;
            if (from != Space.Canonical) ToCanonical(semantic, values, stride, from, unitScale);
            if (to != Space.Canonical) FromCanonical(semantic, values, stride, to, unitScale);
        }

        /// <summary>Converts index blob contents from <paramref name="from"/> to <paramref name="to"/> space in place.</summary>
        public static void Indices(Span<uint> indices, Space from, Space to)
        {
            if ((from == Space.Unity) != (to == Space.Unity)) FlipWinding(indices); // only Unity's mirror flips winding
        }

        private static void ToCanonical(string semantic, Span<float> v, int stride, Space from, double unitScale)
        {
            switch (semantic)
            {
                case MeshSemantics.Position:
                    if (from == Space.Blender) PositionsFromBlender(v, unitScale); else MirrorForUnity(v);
                    break;
                case MeshSemantics.Normal:
                case MeshSemantics.Tangent:
                    if (from == Space.Blender) DirectionsFromBlender(v, stride);
                    else if (stride == 3) MirrorForUnity(v);
                    else TangentsForUnity(v);
                    break;
            }
        }

        private static void FromCanonical(string semantic, Span<float> v, int stride, Space to, double unitScale)
        {
            switch (semantic)
            {
                case MeshSemantics.Position:
                    if (to == Space.Blender) PositionsToBlender(v, unitScale); else MirrorForUnity(v);
                    break;
                case MeshSemantics.Normal:
                case MeshSemantics.Tangent:
                    if (to == Space.Blender) DirectionsToBlender(v, stride);
                    else if (stride == 3) MirrorForUnity(v);
                    else TangentsForUnity(v);
                    break;
            }
        }

        private static float Scaled(float v, double unitScale) => unitScale == 1.0 ? v : (float)(v * unitScale);

        private static float Divided(float v, double unitScale) => unitScale == 1.0 ? v : (float)(v / unitScale);
    }
}
