// Design rationale (CONTENT-V4 §3): a skin record's inverse bind matrices are in its skeleton's space,
// so moving a rig is a transform edit; Unity's bind poses are relative to the skinned mesh (its vertices
// are skinned as Σ w · bone.localToWorldMatrix · bindpose · v). The bind pose of joint i is therefore
// IBMᵢ · skeleton world⁻¹ · mesh world, every factor in Unity's frame: an inverse bind matrix is mirrored
// as positions are (S·M·S, MeshConversions.MatricesForUnity, glTFast converts them alike), a world matrix
// is the product of the Unity-space local transforms the scene holds. Bind poses are computed when a
// skin is bound or changed, or a skinned object, its mesh or its skin is written by an intent.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using VibeSync.Unity.Hierarchy;
using VibeSync.Unity.Meshes;

namespace VibeSync.Unity.Rigging
{
    /// <summary>Skins, bind poses and blend shape weights written to SkinnedMeshRenderers and their meshes (objects found by VibeSync ID through a handle lookup).</summary>
    public static class SkinBinding
    {
        /// <summary>Blend shape weight = morph weight × this (Unity's weights run 0–100, glTF's 0–1).</summary>
        public const double WeightScale = 100;

        /// <summary>The renderer's weight for a record's morph weight.</summary>
        public static float ToUnityWeight(double weight) => (float)(weight * WeightScale);

        /// <summary>
        /// The record's weights for what renderer weights hold: <paramref name="noted"/> (the record last
        /// written) where Unity still holds exactly what it became, else Unity's value / 100.
        /// </summary>
        public static IReadOnlyList<double> FromUnityWeights(IReadOnlyList<float> unity, IReadOnlyList<double>? noted)
        {
            var r = new double[unity.Count];
            for (int i = 0; i < r.Length; i++)
                r[i] = noted != null && noted.Count == r.Length && ToUnityWeight(noted[i]).Equals(unity[i]) ? noted[i] : unity[i] / WeightScale;
            return r;
        }

        /// <summary>
        /// Makes object <paramref name="o"/>'s renderer what its notes say: a SkinnedMeshRenderer with the
        /// skin's joints as bones, the skeleton (or first joint) as root bone, and bind poses on its mesh,
        /// when it is skinned or its mesh has blend shapes (as glTFast gives a morph-target mesh one); a
        /// plain renderer otherwise. <paramref name="weights"/>: morph weights to write (0…1); null keeps the
        /// renderer's when it has one per blend shape, else takes the mesh's noted ones. Every write is
        /// undone by <paramref name="undo"/>.
        /// </summary>
        /// <exception cref="Hierarchy.ApplyException">A joint or the skeleton is not in the scene (UNKNOWN_UUID).</exception>
        public static void Refresh(IUnityScene scene, Func<string, int?> handleOf, UnityObject o, IReadOnlyList<double>? weights, List<Action> undo)
        {
            if (o.Kind != ObjectKind.Mesh || o.Id == null) return;
            var rig = scene.Rig;
            var skin = rig.SkinOf(o.Id) is string skinId ? rig.Skin(skinId) : null;
            int shapes = BlendShapes(scene, o.Mesh);
            UnitySkinned? skinned = null;
            if (skin != null || shapes > 0)
            {
                var bones = new List<int>();
                if (skin != null) foreach (var j in skin.Joints) bones.Add(Handle(scene, handleOf, j, $"skin {skin.Uuid} joint"));
                int? root = skin == null ? (int?)null : skin.Skeleton != null ? Handle(scene, handleOf, skin.Skeleton, $"skin {skin.Uuid} skeleton") : bones[0];
                var w = new float[shapes];
                var keep = o.Skinned?.BlendShapeWeights;
                var noted = o.Mesh != null ? rig.Weights(o.Mesh) : null;
                for (int i = 0; i < shapes; i++)
                    w[i] = weights != null && weights.Count == shapes ? ToUnityWeight(weights[i])
                        : keep != null && keep.Count == shapes ? keep[i]
                        : noted != null && noted.Count == shapes ? ToUnityWeight(noted[i]) : 0f;
                skinned = new UnitySkinned(bones, root, w);
            }
            if (!Equals(skinned, o.Skinned))
            {
                var before = o;
                undo.Add(() => { if (scene.Find(before.Handle) != null) scene.Write(before); });
                scene.Write(o with { Skinned = skinned });
            }
            if (skin != null && o.Mesh != null && skinned != null)
                WriteBindposes(scene, o.Mesh, Bindposes(scene, handleOf, skin, o.Handle), undo);
        }

        /// <summary>Writes <paramref name="poses"/> to mesh <paramref name="meshId"/> when it holds others, and notes them as written (both undone by <paramref name="undo"/>).</summary>
        public static void WriteBindposes(IUnityScene scene, string meshId, float[] poses, List<Action> undo)
        {
            var old = scene.Mesh(meshId).Bindposes;
            if (!Same(old, poses))
            {
                undo.Add(() => { if (scene.MeshIds().Contains(meshId)) scene.EditMesh(meshId).Bindposes = old; });
                scene.EditMesh(meshId).Bindposes = poses;
            }
            var noted = scene.Rig.Bindposes(meshId);
            undo.Add(() => scene.Rig.SetBindposes(meshId, noted));
            scene.Rig.SetBindposes(meshId, poses);
        }

        /// <summary>The bind poses of <paramref name="skin"/> for the mesh of object <paramref name="meshObject"/>: IBMᵢ · skeleton world⁻¹ · mesh world, in Unity's frame.</summary>
        public static float[] Bindposes(IUnityScene scene, Func<string, int?> handleOf, Skin skin, int meshObject)
        {
            if (!scene.Rig.Blobs.TryGet(skin.InverseBindMatrices, out _, out var bytes))
                throw new ApplyException("BLOB_MISSING", $"skin {skin.Uuid}: its inverse bind matrices {skin.InverseBindMatrices} are not here");
            var ibm = MemoryMarshal.Cast<byte, float>(bytes.Span).ToArray();
            MeshConversions.MatricesForUnity(ibm);
            var skeleton = skin.Skeleton == null ? Identity() : World(scene, Handle(scene, handleOf, skin.Skeleton, $"skin {skin.Uuid} skeleton"));
            var meshInSkeleton = Multiply(InverseAffine(skeleton), World(scene, meshObject));
            var poses = new float[ibm.Length];
            var m = new double[16];
            for (int at = 0; at + 15 < ibm.Length; at += 16)
            {
                for (int i = 0; i < 16; i++) m[i] = ibm[at + i];
                var pose = Multiply(m, meshInSkeleton);
                for (int i = 0; i < 16; i++) poses[at + i] = (float)pose[i];
            }
            return poses;
        }

        /// <summary>An object's localToWorldMatrix (column-major, Unity space) from the local transforms up its parents.</summary>
        public static double[] World(IUnityScene scene, int handle)
        {
            var m = Identity();
            for (var o = scene.Find(handle); o != null; o = o.Parent is int p ? scene.Find(p) : null)
                m = Multiply(Local(o.LocalPosition, o.LocalRotation, o.LocalScale), m);
            return m;
        }

        /// <summary>Mesh <paramref name="id"/>'s blend shape count, 0 for none or a mesh that is not here (asked directly: listing the meshes walks the scene in the glue).</summary>
        private static int BlendShapes(IUnityScene scene, string? id)
        {
            if (id == null) return 0;
            try { return scene.Mesh(id).BlendShapeCount; }
            catch (UnknownAssetException) { return 0; }
        }

        private static int Handle(IUnityScene scene, Func<string, int?> handleOf, string id, string who) =>
            handleOf(id) is int h && scene.Find(h) != null ? h : throw new ApplyException("UNKNOWN_UUID", $"{who} {id} is not in this Unity scene");

        /// <summary>The 4×4 identity, column-major.</summary>
        public static double[] Identity() => new double[] { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 };

        /// <summary>T · R · S, column-major (Unity's Matrix4x4.TRS).</summary>
        private static double[] Local(Vector3d t, Quaterniond q, Vector3d s)
        {
            double x = q.X, y = q.Y, z = q.Z, w = q.W;
            var r = new[]
            {
                1 - 2 * (y * y + z * z), 2 * (x * y + z * w), 2 * (x * z - y * w),
                2 * (x * y - z * w), 1 - 2 * (x * x + z * z), 2 * (y * z + x * w),
                2 * (x * z + y * w), 2 * (y * z - x * w), 1 - 2 * (x * x + y * y),
            };
            double[] scale = { s.X, s.Y, s.Z };
            var m = new double[16];
            for (int c = 0; c < 3; c++)
                for (int row = 0; row < 3; row++) m[4 * c + row] = r[3 * c + row] * scale[c];
            m[12] = t.X; m[13] = t.Y; m[14] = t.Z; m[15] = 1;
            return m;
        }

        /// <summary>a · b, both column-major 4×4.</summary>
        public static double[] Multiply(double[] a, double[] b)
        {
            var r = new double[16];
            for (int c = 0; c < 4; c++)
                for (int row = 0; row < 4; row++)
                {
                    double sum = 0;
                    for (int k = 0; k < 4; k++) sum += a[4 * k + row] * b[4 * c + k];
                    r[4 * c + row] = sum;
                }
            return r;
        }

        /// <summary>The inverse of an affine matrix (last row 0, 0, 0, 1).</summary>
        public static double[] InverseAffine(double[] m)
        {
            double a = m[0], b = m[4], c = m[8], d = m[1], e = m[5], f = m[9], g = m[2], h = m[6], i = m[10];
            double det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
            if (det == 0 || double.IsNaN(det)) throw new ApplyException("INVALID_VALUE", "a skeleton with a zero scale cannot bind a skin");
            var inv = new double[16];
            inv[0] = (e * i - f * h) / det; inv[4] = (c * h - b * i) / det; inv[8] = (b * f - c * e) / det;
            inv[1] = (f * g - d * i) / det; inv[5] = (a * i - c * g) / det; inv[9] = (c * d - a * f) / det;
            inv[2] = (d * h - e * g) / det; inv[6] = (b * g - a * h) / det; inv[10] = (a * e - b * d) / det;
            for (int row = 0; row < 3; row++) inv[12 + row] = -(inv[row] * m[12] + inv[4 + row] * m[13] + inv[8 + row] * m[14]);
            inv[15] = 1;
            return inv;
        }

        /// <summary>True when both hold the same floats, bit for bit.</summary>
        public static bool Same(float[] a, float[] b)
        {
            if (a.Length != b.Length) return false;
            for (int i = 0; i < a.Length; i++) if (!a[i].Equals(b[i])) return false;
            return true;
        }
    }
}
