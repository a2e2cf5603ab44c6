using System.Numerics;
using SharpGLTF.Schema2;
using VibeSync.Protocol.Blobs;

namespace VibeSync.EndToEnd.Tests;

/// <summary>The look half of the comparison (issue #18 item 6): cameras, lights, materials and their images.</summary>
internal static partial class GltfComparison
{
    /// <summary>The texture channels of glTF's metallic-roughness material, by SharpGLTF's names.</summary>
    private static readonly string[] Channels = { "BaseColor", "MetallicRoughness", "Normal", "Occlusion", "Emissive" };

    private static void CompareCamera(string node, Camera? ours, Camera? reference, float tolerance, List<string> found)
    {
        var at = $"node '{node}': camera";
        if (ours == null || reference == null)
        {
            if (ours != reference) found.Add($"{at} is {(ours == null ? "only in the reference" : "only in ours")}");
            return;
        }
        switch (ours.Settings, reference.Settings)
        {
            case (CameraPerspective p, CameraPerspective q):
                Same(at + ".yfov", p.VerticalFOV, q.VerticalFOV, tolerance, found);
                Same(at + ".aspectRatio", p.AspectRatio, q.AspectRatio, tolerance, found);
                Same(at + ".znear", p.ZNear, q.ZNear, tolerance, found);
                Same(at + ".zfar", p.ZFar, q.ZFar, tolerance, found);
                break;
            case (CameraOrthographic p, CameraOrthographic q):
                Same(at + ".xmag", p.XMag, q.XMag, tolerance, found);
                Same(at + ".ymag", p.YMag, q.YMag, tolerance, found);
                Same(at + ".znear", p.ZNear, q.ZNear, tolerance, found);
                Same(at + ".zfar", p.ZFar, q.ZFar, tolerance, found);
                break;
            default:
                found.Add($"{at}.type is {ours.Settings?.GetType().Name} in ours, {reference.Settings?.GetType().Name} in the reference");
                break;
        }
    }

    private static void CompareLight(string node, PunctualLight? ours, PunctualLight? reference, float tolerance, List<string> found)
    {
        var at = $"node '{node}': light";
        if (ours == null || reference == null)
        {
            if (ours != reference) found.Add($"{at} is {(ours == null ? "only in the reference" : "only in ours")}");
            return;
        }
        if (ours.LightType != reference.LightType)
        {
            found.Add($"{at}.type is {ours.LightType} in ours, {reference.LightType} in the reference");
            return;
        }
        Same(at + ".color", ours.Color, reference.Color, tolerance, found);
        Same(at + ".intensity", ours.Intensity, reference.Intensity, tolerance, found);
        // glTF: an absent range is infinite; SharpGLTF reads it as 0 or +∞ depending on the writer.
        Same(at + ".range", Infinite(ours.Range), Infinite(reference.Range), tolerance, found);
        if (ours.LightType != PunctualLightType.Spot) return;
        Same(at + ".spot.innerConeAngle", ours.InnerConeAngle, reference.InnerConeAngle, tolerance, found);
        Same(at + ".spot.outerConeAngle", ours.OuterConeAngle, reference.OuterConeAngle, tolerance, found);
    }

    private static float Infinite(float range) => range <= 0 ? float.PositiveInfinity : range;

    private static void CompareMaterials(ModelRoot ours, ModelRoot reference, float tolerance, List<string> found)
    {
        var a = ours.LogicalMaterials.ToDictionary(m => m.Name ?? "", StringComparer.Ordinal);
        var b = reference.LogicalMaterials.ToDictionary(m => m.Name ?? "", StringComparer.Ordinal);
        foreach (var name in a.Keys.Except(b.Keys)) found.Add($"material '{name}' is only in ours");
        foreach (var name in b.Keys.Except(a.Keys)) found.Add($"material '{name}' is only in the reference");
        foreach (var name in a.Keys.Intersect(b.Keys).OrderBy(n => n, StringComparer.Ordinal))
        {
            var (x, y) = (a[name], b[name]);
            var at = $"material '{name}'";
            if (x.Alpha != y.Alpha) found.Add($"{at}.alphaMode is {x.Alpha} in ours, {y.Alpha} in the reference");
            else if (x.Alpha == AlphaMode.MASK) Same(at + ".alphaCutoff", x.AlphaCutoff, y.AlphaCutoff, tolerance, found);
            if (x.DoubleSided != y.DoubleSided) found.Add($"{at}.doubleSided is {x.DoubleSided} in ours, {y.DoubleSided} in the reference");
            Same(at + ".baseColorFactor", x.FindChannel("BaseColor")!.Value.Color, y.FindChannel("BaseColor")!.Value.Color, tolerance, found);
            var (mr, mr2) = (x.FindChannel("MetallicRoughness")!.Value, y.FindChannel("MetallicRoughness")!.Value);
            Same(at + ".metallicFactor", mr.GetFactor("MetallicFactor"), mr2.GetFactor("MetallicFactor"), tolerance, found);
            Same(at + ".roughnessFactor", mr.GetFactor("RoughnessFactor"), mr2.GetFactor("RoughnessFactor"), tolerance, found);
            // What renders is emissiveFactor × KHR_materials_emissive_strength. Blender's exporter always
            // moves a product above 1 into the strength (factor's peak 1); VibeSync writes the record's
            // split, which after a Unity edit keeps the noted strength (Unity holds only the product).
            var (e, e2) = (x.FindChannel("Emissive")!.Value, y.FindChannel("Emissive")!.Value);
            Same(at + ".emissiveFactor × KHR_materials_emissive_strength", Vector3.Multiply(new Vector3(e.Color.X, e.Color.Y, e.Color.Z), e.GetFactor("EmissiveStrength")),
                Vector3.Multiply(new Vector3(e2.Color.X, e2.Color.Y, e2.Color.Z), e2.GetFactor("EmissiveStrength")), tolerance, found);
            foreach (var channel in Channels) CompareBinding($"{at}.{channel}", channel, x.Alpha, x.FindChannel(channel), y.FindChannel(channel), tolerance, found);
        }
    }

    private static void CompareBinding(string at, string channel, AlphaMode alpha, MaterialChannel? ours, MaterialChannel? reference, float tolerance, List<string> found)
    {
        var (x, y) = (ours?.Texture, reference?.Texture);
        if (x == null || y == null)
        {
            if (x != y) found.Add($"{at}: a texture {(x == null ? "only in the reference" : "only in ours")}");
            return;
        }
        var (c, d) = (ours!.Value, reference!.Value);
        if (c.TextureCoordinate != d.TextureCoordinate) found.Add($"{at}.texCoord is {c.TextureCoordinate} in ours, {d.TextureCoordinate} in the reference");
        var (s, t) = (c.TextureSampler, d.TextureSampler); // no sampler: glTF's defaults (repeat, filters left to the viewer)
        Same(at + ".sampler.wrapS", s?.WrapS ?? TextureWrapMode.REPEAT, t?.WrapS ?? TextureWrapMode.REPEAT, found);
        Same(at + ".sampler.wrapT", s?.WrapT ?? TextureWrapMode.REPEAT, t?.WrapT ?? TextureWrapMode.REPEAT, found);
        Same(at + ".sampler.magFilter", s?.MagFilter ?? TextureInterpolationFilter.DEFAULT, t?.MagFilter ?? TextureInterpolationFilter.DEFAULT, found);
        Same(at + ".sampler.minFilter", s?.MinFilter ?? TextureMipMapFilter.DEFAULT, t?.MinFilter ?? TextureMipMapFilter.DEFAULT, found);
        var (u, v) = (c.TextureTransform, d.TextureTransform); // none: the identity
        Same(at + ".KHR_texture_transform.offset", u?.Offset ?? Vector2.Zero, v?.Offset ?? Vector2.Zero, tolerance, found);
        Same(at + ".KHR_texture_transform.scale", u?.Scale ?? Vector2.One, v?.Scale ?? Vector2.One, tolerance, found);
        Same(at + ".KHR_texture_transform.rotation", u?.Rotation ?? 0, v?.Rotation ?? 0, tolerance, found);
        if (u?.TextureCoordinateOverride != v?.TextureCoordinateOverride)
            found.Add($"{at}.KHR_texture_transform.texCoord is {u?.TextureCoordinateOverride} in ours, {v?.TextureCoordinateOverride} in the reference");
        foreach (var factor in new[] { "NormalScale", "OcclusionStrength" })
            if (c.Parameters.Any(p => p.Name == factor) || d.Parameters.Any(p => p.Name == factor))
                Same($"{at}.{factor}", c.GetFactor(factor), d.GetFactor(factor), tolerance, found);
        // The encoded file itself, as both writers embed or refer to it (never re-encoded).
        var (i, j) = (x.PrimaryImage.Content, y.PrimaryImage.Content);
        if (channel == "BaseColor" && alpha != AlphaMode.OPAQUE && i.IsJpg && j.IsPng)
        {
            // Blender's exporter re-encodes a JPEG base colour as PNG once the material's alpha is read
            // from it (MASK, BLEND: JPEG has no alpha channel); VibeSync embeds the file as it is. The
            // pixels are not decoded here (no image library): the same size is what is checked.
            if (!ImageHeader.TryJpeg(i.Content.Span, out int w, out int h) || !ImageHeader.TryPng(j.Content.Span, out int w2, out int h2) || (w, h) != (w2, h2))
                found.Add($"{at}: image '{x.PrimaryImage.Name}' of ours (JPEG) has another size than the reference's PNG '{y.PrimaryImage.Name}'");
            return;
        }
        if (i.MimeType != j.MimeType) found.Add($"{at}: image mime is {i.MimeType} in ours, {j.MimeType} in the reference");
        else if (!i.Content.Span.SequenceEqual(j.Content.Span))
            found.Add($"{at}: image '{x.PrimaryImage.Name}' of ours ({i.Content.Length} bytes) is not the reference's '{y.PrimaryImage.Name}' ({j.Content.Length} bytes)");
    }

    private static void Same<T>(string at, T ours, T reference, List<string> found) where T : struct, Enum
    {
        if (!ours.Equals(reference)) found.Add($"{at} is {ours} in ours, {reference} in the reference");
    }

    private static void Same(string at, float? ours, float? reference, float tolerance, List<string> found)
    {
        if (ours == null || reference == null)
        {
            if (ours != reference) found.Add($"{at} is {(ours == null ? "absent" : F(ours.Value))} in ours, {(reference == null ? "absent" : F(reference.Value))} in the reference");
            return;
        }
        Same(at, new[] { ours.Value }, new[] { reference.Value }, tolerance, found);
    }

    private static void Same(string at, Vector2 ours, Vector2 reference, float tolerance, List<string> found) =>
        Same(at, new[] { ours.X, ours.Y }, new[] { reference.X, reference.Y }, tolerance, found);

    private static void Same(string at, Vector3 ours, Vector3 reference, float tolerance, List<string> found) =>
        Same(at, new[] { ours.X, ours.Y, ours.Z }, new[] { reference.X, reference.Y, reference.Z }, tolerance, found);

    private static void Same(string at, Vector4 ours, Vector4 reference, float tolerance, List<string> found) =>
        Same(at, new[] { ours.X, ours.Y, ours.Z, ours.W }, new[] { reference.X, reference.Y, reference.Z, reference.W }, tolerance, found);

    /// <summary>Relative beyond 1: a light's intensity is thousands of candela, its colour a fraction.</summary>
    private static void Same(string at, float[] ours, float[] reference, float tolerance, List<string> found)
    {
        for (int k = 0; k < ours.Length; k++)
        {
            var (p, q) = (ours[k], reference[k]);
            if (p == q || Math.Abs(p - q) <= tolerance * Math.Max(1, Math.Abs(q))) continue;
            found.Add($"{at} is {V(ours)} in ours, {V(reference)} in the reference");
            return;
        }
    }
}
