using System.Collections.Generic;

namespace VibeSync.Unity.Meshes
{
    /// <summary>
    /// Mesh arrays canonical ⇄ Unity (CONTENT-V2 §5, docs/protocol.md §7.1): positions and normals
    /// (−x, y, z), tangents (−x, y, z, −w), each triangle (a, b, c) → (a, c, b); texture coordinates
    /// (bottom-left origin in both) and colours (linear in both) unchanged. Each map is its own inverse.
    /// </summary>
    public static class UnitySpace
    {
        /// <summary>The same mesh in the other space (canonical → Unity, or Unity → canonical).</summary>
        public static MeshArrays Convert(MeshArrays m)
        {
            var primitives = new List<SlotTriangles>(m.Primitives.Count);
            foreach (var p in m.Primitives) primitives.Add(new SlotTriangles(p.Slot, FlipWinding(p.Indices)));
            return new MeshArrays(MirrorX(m.Positions, 3), m.Normals == null ? null : MirrorX(m.Normals, 3),
                m.Tangents == null ? null : MirrorTangents(m.Tangents), m.Colors, m.TexCoords, primitives);
        }

        // TEMPORARY: these three stand in for the shared MeshConversions of VibeSync.Protocol (h-meshv2,
        // CONTENT-V2 §5) until it is merged; then they call it and are deleted.
        private static float[] MirrorX(float[] xyz, int stride)
        {
            var r = (float[])xyz.Clone();
            for (int i = 0; i < r.Length; i += stride) r[i] = -r[i];
            return r;
        }

        private static float[] MirrorTangents(float[] xyzw)
        {
            var r = (float[])xyzw.Clone();
            for (int i = 0; i < r.Length; i += 4) { r[i] = -r[i]; r[i + 3] = -r[i + 3]; }
            return r;
        }

        private static uint[] FlipWinding(uint[] indices)
        {
            var r = (uint[])indices.Clone();
            for (int i = 0; i + 2 < r.Length; i += 3) { r[i + 1] = indices[i + 2]; r[i + 2] = indices[i + 1]; }
            return r;
        }
    }
}
