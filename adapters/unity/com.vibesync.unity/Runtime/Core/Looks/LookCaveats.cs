// Design rationale (issue #18): what Unity shows of a material can fall short of its record without
// the record being wrong: a KHR_texture_transform rotation Standard and URP Lit cannot show, a wrap
// glTF has no value for, an image Unity reads through a derived texture that could not be made, a file
// Unity imports that is neither PNG nor JPEG. The record keeps what it can (parity holds); the
// adapter lists the rest as "not synced: reason" (docs/protocol.md §11.7), one item each.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using VibeSync.Protocol.Link;
using VibeSync.Protocol.State;
using VibeSync.Unity.Hierarchy;

namespace VibeSync.Unity.Looks
{
    /// <summary>The "not synced: reason" items of the scene's materials and textures.</summary>
    public static class LookCaveats
    {
        /// <summary>The items for <paramref name="materials"/> (their records as reported), in a stable order.</summary>
        public static IReadOnlyList<NotSyncedItem> Of(IUnityScene scene, IEnumerable<Material> materials)
        {
            var items = new List<NotSyncedItem>();
            var textures = new SortedDictionary<string, UnityTexture>(StringComparer.Ordinal);
            foreach (var m in materials.OrderBy(m => m.Uuid, StringComparer.Ordinal))
            {
                UnityMaterialState state;
                try { state = scene.ReadMaterial(m.Uuid); }
                catch (UnknownAssetException) { continue; }
                var family = ShaderFamily.Of(state.Shader);
                string name = Name(state.Name, m.Uuid);
                for (var slot = TextureSlot.BaseColor; slot <= TextureSlot.Emissive; slot++)
                {
                    var property = family.TextureProperty(slot);
                    if (!state.Textures.TryGetValue(property, out var image)) continue;
                    UnityTexture t;
                    try { t = scene.ReadImage(image); }
                    catch (UnknownAssetException) { continue; }
                    if (t.Unreadable != null)
                    {
                        var kept = m.Texture(slot) is { } b ? $"the record keeps image {b.Image}" : "the record has no texture there";
                        items.Add(Item(name, "MATERIAL", "READ_FAILED", $"IMAGE_FORMAT: material '{name}' binds texture '{t.Name}' as {property}: {t.Unreadable}; that binding is not synced ({kept})", m.Uuid));
                        continue;
                    }
                    textures[image] = t;
                    if (ChannelRepack.Converts(slot) && !state.Derived.ContainsKey(property))
                        items.Add(Item(name, "MATERIAL", "LOSSY", $"material '{name}': the {Slot(slot)} texture '{t.Name}' is shown with glTF's channel packing, not Unity's ({scene.Notes.Underived(image) ?? "no texture derived from it is bound"})", m.Uuid));
                }
                foreach (var b in m.Textures)
                    if (b.Value.Rotation != 0)
                        items.Add(Item(name, "MATERIAL", "LOSSY", string.Format(CultureInfo.InvariantCulture,
                            "material '{0}': the {1} texture's KHR_texture_transform rotation {2:R} rad is not shown (Standard and URP Lit have only tiling and offset); the record keeps it", name, Slot(b.Key), b.Value.Rotation), m.Uuid));
                if (m.Texture(TextureSlot.MetallicRoughness) != null && (m.Metallic != 1 || m.Roughness != 1))
                    items.Add(Item(name, "MATERIAL", "LOSSY", string.Format(CultureInfo.InvariantCulture,
                        "material '{0}': metallic {1:R} and roughness {2:R} factors are not applied over its metallic-roughness texture (Standard and URP Lit take both from the texture); the record keeps them", name, m.Metallic, m.Roughness), m.Uuid));
            }
            foreach (var t in textures)
                if (t.Value.WrapU == UnityWrap.MirrorOnce || t.Value.WrapV == UnityWrap.MirrorOnce)
                    items.Add(Item(Name(t.Value.Name, t.Key), "TEXTURE", "LOSSY", $"texture '{Name(t.Value.Name, t.Key)}': wrap MirrorOnce has no glTF value; it is reported as MIRRORED_REPEAT, the nearest", t.Key));
            return items;
        }

        private static string Slot(TextureSlot slot) => GltfNames.TextureSlots[(int)slot];

        private static string Name(string name, string uuid) => name.Length == 0 ? uuid : name.Length > 200 ? name.Substring(0, 200) : name;

        private static NotSyncedItem Item(string name, string type, string code, string reason, string uuid) =>
            new NotSyncedItem(name, type, code, reason.Length > 1000 ? reason.Substring(0, 1000) : reason, uuid);
    }
}
