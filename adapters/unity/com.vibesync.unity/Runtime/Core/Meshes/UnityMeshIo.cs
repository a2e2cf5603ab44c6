using System;
using System.Collections.Generic;

namespace VibeSync.Unity.Meshes
{
    /// <summary>
    /// Fills and reads a Unity mesh (through <see cref="IUnityMeshApi"/>) from arrays already in Unity
    /// space: one vertex buffer, submesh <i>k</i> = material slot <i>k</i> (the renderer draws submesh
    /// <i>k</i> with <c>sharedMaterials[k]</c>, which holds slot <i>k</i>), so a slot no triangle uses is
    /// an empty submesh and an empty submesh reads back as no primitive.
    /// </summary>
    public static class UnityMeshIo
    {
        /// <summary>The most vertices a 16-bit index buffer can address (indices 0…65,535).</summary>
        public const int UInt16Vertices = 65_535;

        /// <summary>
        /// The weight of a blend shape's one frame: 100, Unity's full weight (glTFast adds each morph target
        /// as one frame of weight 100, and a renderer's blend shape weights run 0…100).
        /// </summary>
        public const float FullFrame = 100f;

        /// <summary>UInt32 above 65,535 vertices, UInt16 otherwise (Unity's default, half the index memory).</summary>
        public static MeshIndexFormat FormatFor(int vertexCount) => vertexCount > UInt16Vertices ? MeshIndexFormat.UInt32 : MeshIndexFormat.UInt16;

        /// <summary>
        /// Replaces everything <paramref name="mesh"/> holds by <paramref name="unity"/>. Normals are
        /// set as given; only a mesh without NORMAL gets Unity's <c>RecalculateNormals</c> (so it shades),
        /// and it reads back without NORMAL (<see cref="Read"/> with <c>normalsComputed</c>).
        /// </summary>
        public static void Write(IUnityMeshApi mesh, MeshArrays unity)
        {
            // Clear(false): a kept layout would leave the attributes this record lacks (colours, a second
            // UV set) as zero-filled channels once the vertices are set, and they would read back as present.
            mesh.Clear(false);
            // The format first: under UInt16, Unity refuses indices above 65,535 when they are set.
            mesh.IndexFormat = FormatFor(unity.VertexCount);
            mesh.SetVertices(unity.Positions);
            if (unity.Normals != null) mesh.SetNormals(unity.Normals);
            if (unity.Tangents != null) mesh.SetTangents(unity.Tangents);
            if (unity.Colors != null) mesh.SetColors(unity.Colors);
            for (int k = 0; k < unity.TexCoords.Count; k++) mesh.SetUVs(k, unity.TexCoords[k]);
            var primitives = unity.Primitives;
            int submeshes = primitives.Count == 0 ? 1 : primitives[primitives.Count - 1].Slot + 1;
            mesh.SubMeshCount = submeshes; // before the triangles: Unity refuses a submesh index ≥ subMeshCount
            int next = 0;
            for (int s = 0; s < submeshes; s++)
            {
                if (next < primitives.Count && primitives[next].Slot == s) mesh.SetTriangles(ToInts(primitives[next++].Indices), s);
                else mesh.SetTriangles(Array.Empty<int>(), s);
            }
            if (unity.Normals == null) mesh.RecalculateNormals(); // after the triangles: Unity computes them from the faces
            // Skin weights and blend shapes once the vertices exist (Unity checks both against vertexCount).
            // Bind poses are the skin's, not the mesh record's: SkinBinding writes them, and they stay.
            if (unity.Joints != null && unity.Weights != null) mesh.SetBoneWeights(ToInts(unity.Joints), unity.Weights);
            mesh.ClearBlendShapes();
            foreach (var t in unity.Targets) mesh.AddBlendShapeFrame(t.Name, FullFrame, t.Positions, t.Normals);
            mesh.RecalculateBounds();
        }

        /// <summary>
        /// What <paramref name="mesh"/> holds, in Unity space. <paramref name="normalsComputed"/>: its
        /// normals are Unity's <c>RecalculateNormals</c>, not synced data, so NORMAL is absent.
        /// TEXCOORD sets are read from channel 0 up to the first channel that is empty.
        /// </summary>
        public static MeshArrays Read(IUnityMeshApi mesh, bool normalsComputed)
        {
            var positions = mesh.GetVertices();
            var texCoords = new List<float[]>();
            for (int k = 0; k < 8; k++)
            {
                var uv = mesh.GetUVs(k);
                if (uv.Length == 0) break;
                texCoords.Add(uv);
            }
            var primitives = new List<SlotTriangles>();
            for (int s = 0; s < mesh.SubMeshCount; s++)
            {
                var triangles = mesh.GetTriangles(s);
                if (triangles.Length > 0) primitives.Add(new SlotTriangles(s, ToUInts(triangles)));
            }
            mesh.GetBoneWeights(out var joints, out var weights);
            var targets = new List<MorphArrays>(mesh.BlendShapeCount);
            int n = positions.Length;
            for (int b = 0; b < mesh.BlendShapeCount; b++)
            {
                float[] dv = new float[n], dn = new float[n];
                // The last frame is the one at full weight (VibeSync writes one; a human's extra frames are not synced).
                mesh.GetBlendShapeFrameVertices(b, mesh.GetBlendShapeFrameCount(b) - 1, dv, dn);
                targets.Add(new MorphArrays(mesh.GetBlendShapeName(b), dv, dn));
            }
            return new MeshArrays(positions, normalsComputed ? null : OrNull(mesh.GetNormals()), OrNull(mesh.GetTangents()), OrNull(mesh.GetColors()), texCoords, primitives)
            {
                Joints = joints.Length == 0 ? null : ToUShorts(joints),
                Weights = weights.Length == 0 ? null : weights,
                Targets = targets,
            };
        }

        private static int[] ToInts(ushort[] joints)
        {
            var ints = new int[joints.Length];
            for (int i = 0; i < ints.Length; i++) ints[i] = joints[i];
            return ints;
        }

        private static ushort[] ToUShorts(int[] joints)
        {
            var r = new ushort[joints.Length];
            for (int i = 0; i < r.Length; i++) r[i] = checked((ushort)joints[i]);
            return r;
        }

        private static float[]? OrNull(float[] values) => values.Length == 0 ? null : values;

        private static int[] ToInts(uint[] indices)
        {
            var ints = new int[indices.Length];
            for (int i = 0; i < ints.Length; i++) ints[i] = checked((int)indices[i]);
            return ints;
        }

        private static uint[] ToUInts(int[] indices)
        {
            var uints = new uint[indices.Length];
            for (int i = 0; i < uints.Length; i++) uints[i] = (uint)indices[i];
            return uints;
        }
    }
}
