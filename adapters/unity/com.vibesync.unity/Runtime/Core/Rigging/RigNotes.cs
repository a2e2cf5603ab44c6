// Design rationale (CONTENT-V4 §3, §5): Unity has no skin object and no place for a VibeSync ID on an
// AnimationClip's channels: a skin is bones on a SkinnedMeshRenderer plus bind poses on its mesh, a
// morph weight lives on each renderer (0–100), an animation is a clip of float curves. What a record
// says that these cannot hold — a skin's uuid, name, skeleton and bind matrices in the skeleton's
// space, the weight a record gave (a double) — is kept here, with the Unity values it was written as,
// as LookNotes does for materials: a value Unity still holds exactly as written reads back as the
// record, one a human changed is converted from Unity's.
using System;
using System.Collections.Generic;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.State;

namespace VibeSync.Unity.Rigging
{
    /// <summary>Skins, skin bindings, morph weights and animation records the core last wrote, and the blobs they name.</summary>
    public sealed class RigNotes
    {
        private readonly Dictionary<string, Skin> _skins = new Dictionary<string, Skin>(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _skinOf = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly Dictionary<string, IReadOnlyList<double>> _weights = new Dictionary<string, IReadOnlyList<double>>(StringComparer.Ordinal);
        private readonly Dictionary<string, (Animation Record, UnityClip Written)> _clips = new Dictionary<string, (Animation, UnityClip)>(StringComparer.Ordinal);

        /// <summary>
        /// The bytes of every blob a skin or animation record written here names (inverse bind matrices,
        /// keyframe times and values) and of those named from Unity's clips: bind poses are computed from
        /// them again when a skinned object moves, and they answer BLOB_WANT.
        /// </summary>
        public BlobMemory Blobs { get; } = new BlobMemory();

        /// <summary>Skin records, by uuid.</summary>
        public IReadOnlyCollection<Skin> Skins => _skins.Values;

        /// <summary>The skin record <paramref name="id"/>, or null.</summary>
        public Skin? Skin(string id) => _skins.TryGetValue(id, out var s) ? s : null;

        /// <summary>Keeps <paramref name="skin"/> (null: forgets <paramref name="id"/>).</summary>
        public void SetSkin(string id, Skin? skin) => Set(_skins, id, skin);

        /// <summary>The skin object <paramref name="objectId"/> is bound to, or null.</summary>
        public string? SkinOf(string objectId) => _skinOf.TryGetValue(objectId, out var s) ? s : null;

        /// <summary>Binds object <paramref name="objectId"/> to skin <paramref name="skin"/> (null: unbinds).</summary>
        public void SetSkinOf(string objectId, string? skin) => Set(_skinOf, objectId, skin);

        /// <summary>Objects bound to a skin, with it.</summary>
        public IReadOnlyDictionary<string, string> Bindings => _skinOf;

        /// <summary>The morph weights last written for mesh <paramref name="meshId"/> (0…1), or null.</summary>
        public IReadOnlyList<double>? Weights(string meshId) => _weights.TryGetValue(meshId, out var w) ? w : null;

        /// <summary>Notes the weights written for mesh <paramref name="meshId"/> (null: forgets).</summary>
        public void SetWeights(string meshId, IReadOnlyList<double>? weights) => Set(_weights, meshId, weights);

        /// <summary>The animation record last written to clip <paramref name="id"/> and the clip it was written as, or null.</summary>
        public (Animation Record, UnityClip Written)? Clip(string id) => _clips.TryGetValue(id, out var c) ? c : ((Animation, UnityClip)?)null;

        /// <summary>Notes <paramref name="record"/> written as <paramref name="written"/> (record null: forgets).</summary>
        public void SetClip(string id, Animation? record, UnityClip? written)
        {
            if (record == null || written == null) _clips.Remove(id);
            else _clips[id] = (record, written);
        }

        /// <summary>Keeps the bytes of every blob <paramref name="ids"/> names that <paramref name="source"/> holds (copied: a received blob goes away).</summary>
        /// <exception cref="MeshContentException">A blob is in neither (BLOB_MISSING).</exception>
        public void Keep(IEnumerable<string> ids, IBlobSource source, string path)
        {
            foreach (var id in ids)
            {
                if (Blobs.Has(id)) continue;
                if (!source.TryGet(id, out var shape, out var bytes))
                    throw new MeshContentException(MeshContentException.BlobMissing, path, $"blob {id} is in no store (upload it first)");
                Blobs.Put(id, shape, bytes.Span);
            }
        }

        private static void Set<T>(Dictionary<string, T> map, string id, T? value) where T : class
        {
            if (value == null) map.Remove(id);
            else map[id] = value;
        }
    }
}
