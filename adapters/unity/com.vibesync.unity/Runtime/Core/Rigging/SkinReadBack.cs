// Design rationale (CONTENT-V4 §2, §3; issue #19): a skin record is read back from what Unity holds, as
// every other record is. Unity has no rest pose apart from the transforms: a joint GameObject's local
// transform is its record's rest transform, and Unity's bind poses are what binds the mesh at rest. So a
// human moving a joint moves its rest (as Blender's edit mode does): the skin's inverse bind matrices
// follow the joints and the bind poses are written again (SkinBinding), reported as set_transform of the
// joint and update_skin. A human's change of a SkinnedMeshRenderer's bones or root bone, or of its mesh's
// bind poses, is read from them. What still holds exactly what the core wrote reads back as the record
// written (RigNotes), so a rig at rest never reports float noise.
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
    /// <summary>Skin records as Unity holds them now, and the joints' rest followed by the bind matrices.</summary>
    public static class SkinReadBack
    {
        /// <summary>An inverse bind matrix element further than this from the joints' rest means a joint moved (Blender checks bind matrices to the same bound).</summary>
        public const double RestTolerance = 1e-4;

        /// <summary>
        /// Skin <paramref name="noted"/> as Unity holds it: the first bound renderer's (by handle) <c>bones</c> as
        /// joints, its <c>rootBone</c> as skeleton (the noted skeleton while the root is the one written: a null
        /// skeleton is written as the first joint), and, when any of them or the mesh's <c>bindposes</c> differ from
        /// what was written, inverse bind matrices computed from the bind poses (a new blob, kept in
        /// <see cref="RigNotes.Blobs"/>). A bone VibeSync does not know, or bind poses not one per bone, cannot be
        /// a record: the noted one stands.
        /// </summary>
        public static Skin Record(IUnityScene scene, IdentityIndex index, Skin noted)
        {
            var user = Users(scene, index, noted.Uuid).FirstOrDefault();
            if (user?.Skinned is not { } skinned || user.Mesh == null) return noted;
            var joints = skinned.Bones.Select(index.IdOf).ToList();
            if (joints.Count == 0 || joints.Any(j => j == null)) return noted;
            string? root = skinned.RootBone is int r ? index.IdOf(r) : null;
            string? skeleton = root == (noted.Skeleton ?? noted.Joints[0]) ? noted.Skeleton : root;
            var poses = scene.Mesh(user.Mesh).Bindposes;
            bool written = scene.Rig.Bindposes(user.Mesh) is { } w && SkinBinding.Same(poses, w);
            if (written && skeleton == noted.Skeleton && joints.SequenceEqual(noted.Joints)) return noted;
            if (poses.Length != 16 * joints.Count) return noted;
            if (written && joints.Count == noted.Joints.Count && skeleton == noted.Skeleton) return noted with { Joints = joints! }; // bones reordered, bind poses untouched: each bone keeps its bind pose
            var skeletonWorld = skeleton != null && index.HandleOf(skeleton) is int s && scene.Find(s) != null ? SkinBinding.World(scene, s) : SkinBinding.Identity();
            var meshToSkeleton = SkinBinding.Multiply(SkinBinding.InverseAffine(SkinBinding.World(scene, user.Handle)), skeletonWorld);
            var ibm = new float[poses.Length];
            var pose = new double[16];
            for (int at = 0; at < poses.Length; at += 16)
            {
                for (int i = 0; i < 16; i++) pose[i] = poses[at + i];
                var m = SkinBinding.Multiply(pose, meshToSkeleton); // bind pose = IBM · skeleton world⁻¹ · mesh world
                for (int i = 0; i < 16; i++) ibm[at + i] = (float)m[i];
            }
            MeshConversions.MatricesForUnity(ibm);
            return noted with { Joints = joints!, Skeleton = skeleton, InverseBindMatrices = Keep(scene, ibm) };
        }

        /// <summary>
        /// A human's move of a joint is a move of its rest (Unity has no other): every noted skin whose joints no
        /// longer sit at the rest its inverse bind matrices say (within <see cref="RestTolerance"/>) gets the
        /// inverse of each joint's transform relative to the skeleton as its new bind matrices; then every bound
        /// mesh whose bind poses are still the ones written is bound again to where its skin and skeleton are now
        /// (a moved skeleton or mesh too). Bind poses a human changed are left as they are. Not undone: a
        /// human's edit. Returns the skins whose record changed.
        /// </summary>
        public static IReadOnlyList<string> Follow(IUnityScene scene, IdentityIndex index)
        {
            var changed = new List<string>();
            var discard = new List<Action>();
            foreach (var noted in scene.Rig.Skins.ToList())
            {
                if (Rest(scene, index, noted) is not { } rest) continue;
                var skin = noted;
                if (scene.Rig.Blobs.TryGet(noted.InverseBindMatrices, out _, out var bytes) && !Near(MemoryMarshal.Cast<byte, float>(bytes.Span), rest))
                {
                    skin = noted with { InverseBindMatrices = Keep(scene, rest) };
                    scene.Rig.SetSkin(skin.Uuid, skin);
                    changed.Add(skin.Uuid);
                }
                foreach (var user in Users(scene, index, skin.Uuid))
                    if (user.Mesh != null && scene.Rig.Bindposes(user.Mesh) is { } written && SkinBinding.Same(scene.Mesh(user.Mesh).Bindposes, written))
                        SkinBinding.WriteBindposes(scene, user.Mesh, SkinBinding.Bindposes(scene, index.HandleOf, skin, user.Handle), discard);
            }
            return changed;
        }

        /// <summary>The canonical inverse bind matrices of <paramref name="skin"/>'s joints where they stand, or null when a joint or the skeleton is gone.</summary>
        private static float[]? Rest(IUnityScene scene, IdentityIndex index, Skin skin)
        {
            double[] skeletonInverse;
            if (skin.Skeleton == null) skeletonInverse = SkinBinding.Identity();
            else if (index.HandleOf(skin.Skeleton) is int s && scene.Find(s) != null) skeletonInverse = SkinBinding.InverseAffine(SkinBinding.World(scene, s));
            else return null;
            var ibm = new float[16 * skin.Joints.Count];
            for (int j = 0; j < skin.Joints.Count; j++)
            {
                if (!(index.HandleOf(skin.Joints[j]) is int h && scene.Find(h) != null)) return null;
                var inSkeleton = SkinBinding.Multiply(skeletonInverse, SkinBinding.World(scene, h));
                var inverse = SkinBinding.InverseAffine(inSkeleton);
                for (int i = 0; i < 16; i++) ibm[16 * j + i] = (float)inverse[i];
            }
            MeshConversions.MatricesForUnity(ibm);
            return ibm;
        }

        private static bool Near(ReadOnlySpan<float> a, float[] b)
        {
            if (a.Length != b.Length) return false;
            for (int i = 0; i < b.Length; i++)
                if (!(Math.Abs(a[i] - b[i]) <= RestTolerance * Math.Max(1, Math.Abs(b[i])))) return false;
            return true;
        }

        /// <summary>Objects bound to skin <paramref name="skinId"/> that have a SkinnedMeshRenderer, by handle.</summary>
        private static IEnumerable<UnityObject> Users(IUnityScene scene, IdentityIndex index, string skinId) =>
            scene.Rig.Bindings.Where(b => b.Value == skinId).Select(b => index.HandleOf(b.Key) is int h ? scene.Find(h) : null)
                .Where(o => o?.Skinned != null).Select(o => o!).OrderBy(o => o.Handle).ToList();

        private static string Keep(IUnityScene scene, float[] ibm)
        {
            var bytes = MemoryMarshal.AsBytes(ibm.AsSpan());
            return scene.Rig.Blobs.Put(new BlobShape(BlobElement.F32, 16, ibm.Length / 16), bytes);
        }
    }
}
