// Design rationale (issue #18): an image crosses the link as its encoded file, named by its bytes. A
// 4096² PNG is tens of MB: naming it on every read would cost that each time, so the core keeps each
// texture's blob id and bytes keyed by the host's version token (as MeshCache does for meshes); the
// bytes kept answer BLOB_WANT.
using System;
using System.Collections.Generic;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.State;
using VibeSync.Unity.Hierarchy;

namespace VibeSync.Unity.Looks
{
    /// <summary>The image records of the scene's textures and the encoded bytes of their blobs, named once per change.</summary>
    public sealed class ImageCache : IBlobSource
    {
        private readonly BlobMemory _blobs = new BlobMemory();
        private readonly Dictionary<string, (long Version, string Blob)> _named = new Dictionary<string, (long, string)>(StringComparer.Ordinal);

        /// <summary>Files read from the host and named (tests and benchmarks: an unchanged texture is not read again).</summary>
        public int Reads { get; private set; }

        /// <summary>The record of texture <paramref name="id"/>; its file is read and named only when its version changed.</summary>
        public Image Record(IUnityScene scene, string id)
        {
            long version = scene.ImageVersion(id);
            if (!_named.TryGetValue(id, out var known) || known.Version != version)
            {
                var bytes = scene.ImageBytes(id);
                var blob = BlobId.OfBytes(bytes);
                _blobs.Hold(blob, new BlobShape(BlobElement.U8, 1, bytes.Length), bytes);
                Reads++;
                _named[id] = known = (version, blob);
            }
            var t = scene.ReadImage(id);
            return new Image(id, t.Name, t.Mime, known.Blob, t.Width, t.Height, t.Srgb ? ImageColorSpace.Srgb : ImageColorSpace.Linear);
        }

        /// <summary>Forgets textures no longer in <paramref name="present"/> and the bytes only they used.</summary>
        public void Retain(ICollection<string> present)
        {
            var gone = new List<string>();
            foreach (var id in _named.Keys) if (!present.Contains(id)) gone.Add(id);
            foreach (var id in gone) _named.Remove(id);
            var keep = new List<string>();
            foreach (var entry in _named.Values) keep.Add(entry.Blob);
            _blobs.Retain(keep);
        }

        /// <inheritdoc />
        public bool TryGet(string id, out BlobShape shape, out ReadOnlyMemory<byte> payload) => _blobs.TryGet(id, out shape, out payload);

        /// <summary>True when a current texture's file has this blob id.</summary>
        public bool Has(string id) => _blobs.Has(id);

        /// <summary>The texture Unity is given for <paramref name="record"/>; the material-driven settings (normal map, wrap, filter) stay as <paramref name="current"/> has them.</summary>
        public static UnityTexture ToUnity(Image record, UnityTexture? current) =>
            new UnityTexture(record.Name, record.Mime, record.Width, record.Height, record.ColorSpace == ImageColorSpace.Srgb,
                current?.NormalMap ?? false, current?.WrapU ?? UnityWrap.Repeat, current?.WrapV ?? UnityWrap.Repeat, current?.Filter ?? UnityFilter.Trilinear);

        /// <summary>
        /// A texture's import settings for a material binding: its sampler's wrap and filter
        /// (<see cref="SamplerMapping"/>) and the normal-map type when bound as a normal texture. Unity
        /// keeps these per texture, not per material: the binding written last wins; the record keeps
        /// each binding's own sampler.
        /// </summary>
        public static UnityTexture ForBinding(UnityTexture t, TextureSlot slot, TextureBinding b)
        {
            var sampler = SamplerMapping.ToUnity(b);
            return t with { NormalMap = t.NormalMap || slot == TextureSlot.Normal, WrapU = sampler.WrapU, WrapV = sampler.WrapV, Filter = sampler.Filter };
        }

        /// <summary>Forgets what was named for <paramref name="id"/> (its file was just replaced).</summary>
        public void Forget(string id) => _named.Remove(id);
    }
}
