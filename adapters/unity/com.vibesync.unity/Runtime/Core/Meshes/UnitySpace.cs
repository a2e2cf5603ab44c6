using System.Collections.Generic;
using VibeSync.Protocol.Spaces;

namespace VibeSync.Unity.Meshes
{
    /// <summary>
    /// Mesh arrays canonical ⇄ Unity, with the protocol's one <see cref="MeshConversions"/> (CONTENT-V2 §5, docs/protocol.md §7.1): positions and normals
    /// (−x, y, z), tangents (−x, y, z, −w), each triangle (a, b, c) → (a, c, b); texture coordinates
    /// (bottom-left origin in both), colours (linear in both), joints and weights unchanged; morph deltas as positions and normals. Each map is its own inverse.
    /// </summary>
    public static class UnitySpace
    {
        /// <summary>The same mesh in the other space (canonical → Unity, or Unity → canonical).</summary>
        public static MeshArrays Convert(MeshArrays m)
        {
            var primitives = new List<SlotTriangles>(m.Primitives.Count);
            foreach (var p in m.Primitives) primitives.Add(new SlotTriangles(p.Slot, FlipWinding(p.Indices)));
            var targets = new List<MorphArrays>(m.Targets.Count);
            foreach (var t in m.Targets) targets.Add(new MorphArrays(t.Name, MirrorX(t.Positions), t.Normals == null ? null : MirrorX(t.Normals)));
            // Joint indices and weights name no axis; morph deltas are positions and normals, mirrored like them (glTFast converts them alike).
            return new MeshArrays(MirrorX(m.Positions), m.Normals == null ? null : MirrorX(m.Normals),
                m.Tangents == null ? null : MirrorTangents(m.Tangents), m.Colors, m.TexCoords, primitives)
            { Joints = m.Joints, Weights = m.Weights, Targets = targets };
        }

        private static float[] MirrorX(float[] xyz)
        {
            var r = (float[])xyz.Clone();
            MeshConversions.MirrorForUnity(r);
            return r;
        }

        private static float[] MirrorTangents(float[] xyzw)
        {
            var r = (float[])xyzw.Clone();
            MeshConversions.TangentsForUnity(r);
            return r;
        }

        private static uint[] FlipWinding(uint[] indices)
        {
            var r = (uint[])indices.Clone();
            MeshConversions.FlipWinding(r);
            return r;
        }
    }
}
