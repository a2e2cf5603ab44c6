// Design rationale (CONTENT-V3 §2, §3): a material record is glTF's metallic-roughness material, so
// each field has exactly one place in the glTF; only two things need a decision here. Images are
// embedded as the encoded bytes their blobs hold (checked against the record first, as everything
// that admits or applies an image does), never re-encoded. And glTF caps emissiveFactor at 1 while a
// record's emission may exceed it: the excess moves into KHR_materials_emissive_strength, so the
// product factor × strength, which is what renders, is exactly the record's.
using System.Numerics;
using System.Text.Json.Nodes;
using SharpGLTF.Memory;
using SharpGLTF.Schema2;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.State;
using GltfImage = SharpGLTF.Schema2.Image;
using GltfMaterial = SharpGLTF.Schema2.Material;
using Image = VibeSync.Protocol.State.Image;
using Material = VibeSync.Protocol.State.Material;

namespace VibeSync.Export;

/// <summary>Material and image records as glTF materials, textures, samplers and embedded images.</summary>
internal sealed class GltfMaterials
{
    /// <summary>SharpGLTF's channel for each texture slot, in <see cref="TextureSlot"/> order.</summary>
    private static readonly string[] Channels = { "BaseColor", "MetallicRoughness", "Normal", "Occlusion", "Emissive" };

    private readonly ModelRoot _model;
    private readonly IReadOnlyDictionary<string, Image> _records;
    private readonly IBlobSource _blobs;
    private readonly Dictionary<string, GltfImage> _images = new(StringComparer.Ordinal);

    public GltfMaterials(ModelRoot model, IReadOnlyList<Image> images, IBlobSource blobs)
    {
        _model = model;
        _records = images.ToDictionary(i => i.Uuid, StringComparer.Ordinal);
        _blobs = blobs;
    }

    /// <summary>The glTF material of <paramref name="m"/>, its textures' images embedded once each.</summary>
    /// <exception cref="InvalidDataException">A texture names an image the scene does not hold, or an image's blob is absent or not the file its record says.</exception>
    public GltfMaterial Create(Material m)
    {
        var material = _model.CreateMaterial(m.Name);
        material.InitializePBRMetallicRoughness();
        var extras = new JsonObject { ["vibesync_uuid"] = m.Uuid };
        if (m.Unsynced != null) extras["unsynced"] = m.Unsynced;
        material.Alpha = m.AlphaMode switch { VibeSync.Protocol.State.AlphaMode.Mask => SharpGLTF.Schema2.AlphaMode.MASK, VibeSync.Protocol.State.AlphaMode.Blend => SharpGLTF.Schema2.AlphaMode.BLEND, _ => SharpGLTF.Schema2.AlphaMode.OPAQUE };
        // glTF reads alphaCutoff in MASK mode only (the validator warns elsewhere); the record keeps it whatever the mode, so extras do.
        if (m.AlphaMode == VibeSync.Protocol.State.AlphaMode.Mask) material.AlphaCutoff = (float)m.AlphaCutoff;
        else extras["alpha_cutoff"] = m.AlphaCutoff;
        material.Extras = extras;
        material.DoubleSided = m.DoubleSided;

        var baseColor = material.FindChannel("BaseColor")!.Value;
        baseColor.Color = new Vector4((float)m.BaseColor.X, (float)m.BaseColor.Y, (float)m.BaseColor.Z, (float)m.BaseColor.W);
        var metallicRoughness = material.FindChannel("MetallicRoughness")!.Value;
        metallicRoughness.SetFactor("MetallicFactor", (float)Math.Clamp(m.Metallic, 0, 1));
        metallicRoughness.SetFactor("RoughnessFactor", (float)Math.Clamp(m.Roughness, 0, 1));

        double peak = Math.Max(1, Math.Max(m.Emission.X, Math.Max(m.Emission.Y, m.Emission.Z)));
        var emissive = material.FindChannel("Emissive")!.Value;
        emissive.Color = new Vector4((float)(m.Emission.X / peak), (float)(m.Emission.Y / peak), (float)(m.Emission.Z / peak), 1);
        emissive.SetFactor("EmissiveStrength", (float)(Math.Max(0, m.EmissiveStrength) * peak)); // 1 writes no extension

        foreach (var (slot, binding) in m.Textures.OrderBy(t => t.Key))
        {
            var channel = material.FindChannel(Channels[(int)slot])!.Value;
            channel.SetTexture(binding.TexCoord, Embedded(binding.Image, m),
                ws: Gltf<TextureWrapMode>(GltfNames.Wraps, (int)binding.WrapS),
                wt: Gltf<TextureWrapMode>(GltfNames.Wraps, (int)binding.WrapT),
                min: Gltf<TextureMipMapFilter>(GltfNames.MinFilters, (int)binding.MinFilter),
                mag: Gltf<TextureInterpolationFilter>(GltfNames.MagFilters, (int)binding.MagFilter));
            // An identity transform writes no KHR_texture_transform (SharpGLTF drops it).
            channel.SetTransform(new Vector2((float)binding.Offset.X, (float)binding.Offset.Y), new Vector2((float)binding.Scale.X, (float)binding.Scale.Y), (float)binding.Rotation);
            // glTF keeps normal scale and occlusion strength on the texture binding: without one there is no place for them.
            if (slot == TextureSlot.Normal) channel.SetFactor("NormalScale", (float)m.NormalScale);
            if (slot == TextureSlot.Occlusion) channel.SetFactor("OcclusionStrength", (float)m.OcclusionStrength);
        }
        return material;
    }

    /// <summary>SharpGLTF's enum member of the glTF name at <paramref name="index"/> (the record's enums are in glTF's name order).</summary>
    private static T Gltf<T>(string[] names, int index) where T : struct, Enum => Enum.Parse<T>(names[index]);

    private GltfImage Embedded(string uuid, Material m)
    {
        if (_images.TryGetValue(uuid, out var made)) return made;
        if (!_records.TryGetValue(uuid, out var record)) throw new InvalidDataException($"material {m.Uuid} names image {uuid}, which the scene does not hold");
        if (!_blobs.TryGet(record.Blob, out _, out var payload)) throw new InvalidDataException($"BLOB_MISSING: image {uuid}'s blob {record.Blob} is in no store");
        if (ImageHeader.Problem(payload.Span, record) is { } problem) throw new InvalidDataException($"IMAGE_FORMAT: image {uuid}'s blob {record.Blob}: {problem}");
        var image = _model.CreateImage(record.Name);
        image.Content = new MemoryImage(payload.ToArray()); // written into the GLB's buffer as it is; SharpGLTF names its mime from the same header
        image.Extras = new JsonObject { ["vibesync_uuid"] = record.Uuid, ["color_space"] = record.ColorSpace == ImageColorSpace.Srgb ? "srgb" : "linear" };
        return _images[uuid] = image;
    }
}
