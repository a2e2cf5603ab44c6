// Design rationale: Unity cannot hold every field of the record (emission and its strength are one
// HDR colour, a texture's UV set, sampler and rotation are not material properties, smoothness and
// gamma are inexact inverses), so the adapter keeps the record it last wrote beside the material
// (notes) and reads back per field: a field whose Unity properties still hold exactly what the
// record was written as is reported as written; a field a human changed in Unity is converted back
// from Unity's values. The report equals the applied record, and an edit is still seen.
using System;
using System.Collections.Generic;
using System.Linq;
using VibeSync.Protocol.State;

namespace VibeSync.Unity.Looks
{
    /// <summary>The material record ⇄ a Unity material's properties, through <see cref="ShaderFamily"/>'s table.</summary>
    public static class MaterialMapping
    {
        /// <summary>Unity's CullMode.Off and CullMode.Back.</summary>
        private const float CullOff = 0, CullBack = 2;

        /// <summary>The values a Unity material of <paramref name="family"/> is given for <paramref name="m"/>.</summary>
        public static UnityMaterialState ToUnity(Material m, ShaderFamily family)
        {
            var s = new UnityMaterialState { Name = m.Name, Shader = family.Shader };
            s.Colors[family.BaseColor] = new UnityColor(SrgbTransfer.ToGamma(m.BaseColor.X), SrgbTransfer.ToGamma(m.BaseColor.Y), SrgbTransfer.ToGamma(m.BaseColor.Z), (float)m.BaseColor.W);
            s.Floats[ShaderFamily.Metallic] = (float)m.Metallic;
            s.Floats[family.Smoothness] = (float)(1.0 - m.Roughness);
            s.Floats[ShaderFamily.NormalScale] = (float)m.NormalScale;
            s.Floats[ShaderFamily.OcclusionStrength] = (float)m.OcclusionStrength;
            s.Floats[ShaderFamily.Cutoff] = (float)m.AlphaCutoff;
            s.Floats[ShaderFamily.Cull] = m.DoubleSided ? CullOff : CullBack;
            // KHR_materials_emissive_strength has no Unity property: the HDR colour carries the product.
            var e = new Vector3d(m.Emission.X * m.EmissiveStrength, m.Emission.Y * m.EmissiveStrength, m.Emission.Z * m.EmissiveStrength);
            s.Colors[ShaderFamily.EmissionColor] = new UnityColor(SrgbTransfer.ToGamma(e.X), SrgbTransfer.ToGamma(e.Y), SrgbTransfer.ToGamma(e.Z), 1);
            if (e.X > 0 || e.Y > 0 || e.Z > 0) s.Keywords.Add(ShaderFamily.EmissionKeyword);
            var alpha = family.Alpha(m.AlphaMode);
            foreach (var f in alpha.Floats) s.Floats[f.Key] = f.Value;
            s.Keywords.UnionWith(alpha.Keywords);
            s.RenderQueue = alpha.RenderQueue;
            s.RenderType = alpha.RenderType;
            foreach (var binding in m.Textures)
            {
                var property = family.TextureProperty(binding.Key);
                s.Textures[property] = binding.Value.Image;
                s.ScaleOffsets[property] = TextureTransforms.ToUnity(binding.Value);
                if (family.TextureKeyword(binding.Key) is string keyword) s.Keywords.Add(keyword);
            }
            // Smoothness from the metallic map's alpha, unscaled: with a metallic-roughness texture bound the
            // shaders take metallic and smoothness from it (the derived texture's R and A, ChannelRepack).
            s.Floats[ShaderFamily.SmoothnessChannel] = 0;
            if (family.MapSmoothnessScale != family.Smoothness || m.Textures.ContainsKey(TextureSlot.MetallicRoughness)) s.Floats[family.MapSmoothnessScale] = 1;
            return s;
        }

        /// <summary>
        /// The record of Unity material <paramref name="uuid"/> holding <paramref name="s"/>.
        /// <paramref name="noted"/> is the record the adapter last wrote to it (null: never written by
        /// VibeSync; what Unity cannot hold then takes glTF's defaults). <paramref name="samplers"/> gives a
        /// bound texture's wrap and filter now and as VibeSync last wrote them (null: not noted, or no such
        /// texture); a part that changed is taken from Unity (<see cref="SamplerMapping.FromUnity"/>).
        /// </summary>
        /// <remarks>
        /// <paramref name="unreadable"/> says which textures cannot be image records (neither PNG nor JPEG,
        /// not a file): a slot bound to one reads as the noted binding, or as no texture (LookCaveats lists it).
        /// </remarks>
        public static Material FromUnity(string uuid, UnityMaterialState s, Material? noted, Func<string, (UnitySampler Now, UnitySampler? Written)?>? samplers = null,
            Func<string, bool>? unreadable = null)
        {
            var family = ShaderFamily.Of(s.Shader);
            var written = noted == null ? null : ToUnity(noted, family);
            bool Kept(params string[] keys) => written != null && keys.All(k => Value(s, k) == Value(written, k));
            string C(string name) => "c:" + name;
            string Fl(string name) => "f:" + name;

            var color = s.Colors.TryGetValue(family.BaseColor, out var bc) ? bc : new UnityColor(1, 1, 1, 1);
            var baseColor = Kept(C(family.BaseColor)) ? noted!.BaseColor
                : new Vector4d(SrgbTransfer.ToLinear(color.R), SrgbTransfer.ToLinear(color.G), SrgbTransfer.ToLinear(color.B), color.A);
            var m = new Material(uuid, s.Name, baseColor,
                Kept(Fl(ShaderFamily.Metallic)) ? noted!.Metallic : Float(s, ShaderFamily.Metallic, 1),
                Kept(Fl(family.Smoothness)) ? noted!.Roughness : 1.0 - Float(s, family.Smoothness, 0), // URP with a metallic map: its scale, written 1

                Vector3d.Zero);

            double strength = noted?.EmissiveStrength ?? 1.0;
            Vector3d emission;
            if (Kept(C(ShaderFamily.EmissionColor), "k:" + ShaderFamily.EmissionKeyword)) emission = noted!.Emission;
            else if (!s.Keywords.Contains(ShaderFamily.EmissionKeyword) || strength <= 0 || !s.Colors.TryGetValue(ShaderFamily.EmissionColor, out var ec)) emission = Vector3d.Zero;
            else emission = new Vector3d(SrgbTransfer.ToLinear(ec.R) / strength, SrgbTransfer.ToLinear(ec.G) / strength, SrgbTransfer.ToLinear(ec.B) / strength);

            var alphaKeys = family.Alpha(AlphaMode.Opaque).Floats.Keys.Select(Fl).Concat(family.AlphaKeywords.Select(k => "k:" + k)).Concat(new[] { "queue", "tag" }).ToArray();
            var textures = new SortedDictionary<TextureSlot, TextureBinding>();
            for (var slot = TextureSlot.BaseColor; slot <= TextureSlot.Emissive; slot++)
            {
                var property = family.TextureProperty(slot);
                if (!s.Textures.TryGetValue(property, out var image)) continue;
                var before = noted?.Texture(slot);
                if (unreadable != null && unreadable(image))
                {
                    if (before != null && !unreadable(before.Image)) textures[slot] = before; // what the other side holds stays
                    continue;
                }
                TextureBinding binding;
                if (before != null && Kept("t:" + property, "st:" + property)) binding = before;
                else
                {
                    // UV set, sampler and rotation are not material properties in Unity: as last written, else glTF's defaults.
                    var kept = before != null ? before with { Image = image } : TextureBinding.Of(image);
                    var (offset, scale) = TextureTransforms.FromUnity(s.ScaleOffsets.TryGetValue(property, out var st) ? st : UnityScaleOffset.Identity);
                    binding = kept with { Offset = offset, Scale = scale };
                }
                // The texture's own wrap and filter: changed from what VibeSync wrote (else from what this binding implies) is a human's edit.
                if (samplers?.Invoke(image) is { } sampler)
                    binding = SamplerMapping.FromUnity(binding, sampler.Now, sampler.Written ?? SamplerMapping.ToUnity(binding));
                textures[slot] = binding;
            }

            return m with
            {
                Emission = emission,
                EmissiveStrength = strength,
                AlphaMode = Kept(alphaKeys) ? noted!.AlphaMode : family.AlphaOf(s),
                AlphaCutoff = Kept(Fl(ShaderFamily.Cutoff)) ? noted!.AlphaCutoff : Float(s, ShaderFamily.Cutoff, 0.5),
                DoubleSided = Kept(Fl(ShaderFamily.Cull)) ? noted!.DoubleSided : Float(s, ShaderFamily.Cull, CullBack) == CullOff,
                NormalScale = Kept(Fl(ShaderFamily.NormalScale)) ? noted!.NormalScale : Float(s, ShaderFamily.NormalScale, 1),
                OcclusionStrength = Kept(Fl(ShaderFamily.OcclusionStrength)) ? noted!.OcclusionStrength : Float(s, ShaderFamily.OcclusionStrength, 1),
                Textures = textures,
                Unsynced = noted?.Unsynced,
            };
        }

        private static double Float(UnityMaterialState s, string name, double absent) => s.Floats.TryGetValue(name, out var v) ? v : absent;

        /// <summary>One value of <paramref name="s"/> as text, by key: <c>f:</c>, <c>c:</c>, <c>t:</c>, <c>st:</c>, <c>k:</c> + name, <c>queue</c>, <c>tag</c>.</summary>
        private static string Value(UnityMaterialState s, string key)
        {
            int colon = key.IndexOf(':');
            string kind = colon < 0 ? key : key.Substring(0, colon), name = key.Substring(colon + 1);
            switch (kind)
            {
                case "f": return s.Floats.TryGetValue(name, out var f) ? BitConverter.SingleToInt32Bits(f).ToString() : "-";
                case "c": return s.Colors.TryGetValue(name, out var c) ? c.ToString() : "-";
                case "t": return s.Textures.TryGetValue(name, out var t) ? t : "-";
                case "st": return s.ScaleOffsets.TryGetValue(name, out var st) ? st.ToString() : UnityScaleOffset.Identity.ToString();
                case "k": return s.Keywords.Contains(name) ? "on" : "off";
                case "queue": return s.RenderQueue.ToString();
                default: return s.RenderType;
            }
        }
    }
}
