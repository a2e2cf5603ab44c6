using System.Text.Json;
using SharpGLTF.Schema2;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.State;
using Scene = VibeSync.Protocol.State.Scene;
using Mesh = VibeSync.Protocol.State.Mesh;
using MeshPrimitive = VibeSync.Protocol.State.MeshPrimitive;
using Material = VibeSync.Protocol.State.Material;
using Image = VibeSync.Protocol.State.Image;
using AlphaMode = VibeSync.Protocol.State.AlphaMode;

namespace VibeSync.Export.Tests;

/// <summary>
/// Content schema 3 written at glTF fidelity: every material field, texture slot, sampler and
/// transform, embedded images, cameras and lights, read back from the GLB file and passed through
/// the Khronos validator. Every value differs from glTF's default, so a dropped field fails.
/// </summary>
public sealed class ContentV3ExportTests : IDisposable
{
    private const string Quad = "c3e00000-0000-4000-8000-0000000000b1";
    private const string Everything = "c3e00000-0000-4000-8000-0000000000a1", Masked = "c3e00000-0000-4000-8000-0000000000a2",
        Plain = "c3e00000-0000-4000-8000-0000000000a3", Bright = "c3e00000-0000-4000-8000-0000000000a4";
    private static readonly string[] ImageIds = Enumerable.Range(1, 5).Select(i => $"c3e00000-0000-4000-8000-0000000000c{i}").ToArray();

    private readonly BlobMemory _blobs = new();
    private readonly Dictionary<string, byte[]> _files = new();
    private readonly List<string> _written = new();

    public void Dispose()
    {
        foreach (var file in _written) File.Delete(file);
    }

    private Image PngImage(int index, int width, int height, ImageColorSpace space)
    {
        var bytes = TestContent.Png(width, height, (byte)(40 * index), (byte)(255 - 40 * index), 128);
        _files[ImageIds[index]] = bytes;
        return new Image(ImageIds[index], $"image{index}.png", ImageMime.Png, _blobs.Put(new BlobShape(BlobElement.U8, 1, bytes.Length), bytes), width, height, space);
    }

    private static TextureBinding Binding(string image, int texcoord, TextureWrap s, TextureWrap t, MagFilter mag, MinFilter min,
        double u = 0, double v = 0, double rotation = 0, double su = 1, double sv = 1) =>
        new(image, texcoord, s, t, mag, min, new Vector2d(u, v), rotation, new Vector2d(su, sv));

    private static SceneObject Obj(string uuid, string name, ObjectKind kind, string? mesh = null, string? material = null) =>
        new(uuid, name, kind, null, new Vector3d(1, 2, 3), new Quaterniond(0, 0.38268343236, 0, 0.92387953251), new Vector3d(1, 1, 1), true,
            material == null ? Array.Empty<string?>() : new string?[] { material }, mesh);

    private static string Id(int n) => $"c3e00000-0000-4000-8000-{n:D12}";

    /// <summary>Every slot bound, each alpha mode, an emissive strength over 1, two cameras, three lights.</summary>
    private Scene FullScene()
    {
        var images = new[]
        {
            PngImage(0, 4, 2, ImageColorSpace.Srgb), PngImage(1, 2, 2, ImageColorSpace.Linear), PngImage(2, 8, 4, ImageColorSpace.Linear),
            PngImage(3, 1, 1, ImageColorSpace.Linear), PngImage(4, 3, 5, ImageColorSpace.Srgb),
        };
        var everything = new Material(Everything, "Everything", new Vector4d(0.8, 0.6, 0.4, 0.5), 0.3, 0.7, new Vector3d(0.2, 0.4, 0.6))
        {
            EmissiveStrength = 5, AlphaMode = AlphaMode.Blend, AlphaCutoff = 0.3, DoubleSided = true, NormalScale = 0.8, OcclusionStrength = 0.6,
            Textures = new Dictionary<TextureSlot, TextureBinding>
            {
                [TextureSlot.BaseColor] = Binding(ImageIds[0], 0, TextureWrap.ClampToEdge, TextureWrap.MirroredRepeat, MagFilter.Nearest, MinFilter.NearestMipmapLinear, 0.25, 0.5, 0.3, 2, 3),
                [TextureSlot.MetallicRoughness] = Binding(ImageIds[1], 1, TextureWrap.MirroredRepeat, TextureWrap.ClampToEdge, MagFilter.Linear, MinFilter.LinearMipmapNearest),
                [TextureSlot.Normal] = Binding(ImageIds[2], 0, TextureWrap.Repeat, TextureWrap.ClampToEdge, MagFilter.Nearest, MinFilter.Nearest, rotation: -1.2),
                [TextureSlot.Occlusion] = Binding(ImageIds[3], 1, TextureWrap.ClampToEdge, TextureWrap.ClampToEdge, MagFilter.Linear, MinFilter.Linear, su: 0.5, sv: 0.25),
                [TextureSlot.Emissive] = Binding(ImageIds[4], 0, TextureWrap.Repeat, TextureWrap.Repeat, MagFilter.Nearest, MinFilter.NearestMipmapNearest, u: -0.125),
            },
        };
        var materials = new[]
        {
            everything,
            new Material(Masked, "Masked", new Vector4d(1, 1, 1, 0.2), 0, 1, new Vector3d(0, 0, 0)) { AlphaMode = AlphaMode.Mask, AlphaCutoff = 0.25 },
            new Material(Plain, "Plain", new Vector4d(0.1, 0.2, 0.3, 1), 1, 0.5, new Vector3d(0, 0, 0)),
            new Material(Bright, "Bright", new Vector4d(1, 1, 1, 1), 0, 1, new Vector3d(2, 1, 0.5)),
        };
        var attributes = TestContent.QuadAttributes(_blobs);
        attributes[MeshSemantics.TexCoord(1)] = InlineMesh.Floats(new float[] { 0, 0, 0.5f, 0, 0.5f, 0.5f, 0, 0.5f }, 2, _blobs); // occlusion and metallic-roughness use UV set 1
        var quad = new Mesh(Quad, 4, attributes, new[] { new MeshPrimitive(0, InlineMesh.Indices(new uint[] { 0, 1, 2, 0, 2, 3 }, _blobs)) }, Array.Empty<string>());
        var objects = new List<SceneObject>
        {
            Obj(Id(1), "EverythingQuad", ObjectKind.Mesh, Quad, Everything),
            Obj(Id(2), "MaskedQuad", ObjectKind.Mesh, Quad, Masked),
            Obj(Id(3), "PlainQuad", ObjectKind.Mesh, Quad, Plain),
            Obj(Id(4), "BrightQuad", ObjectKind.Mesh, Quad, Bright),
            Obj(Id(5), "Lens", ObjectKind.Camera) with { Camera = CameraParameters.Perspective(0.6911, 1.7778, 0.1, 100) },
            Obj(Id(6), "Plan", ObjectKind.Camera) with { Camera = CameraParameters.Orthographic(3.6, 2.025, 0.05, 250) },
            Obj(Id(7), "Bulb", ObjectKind.Light) with { Light = new LightParameters(LightType.Point, new Vector3d(1, 0.5, 0.25), 54.35, 12, 0, 0) },
            Obj(Id(8), "Spot", ObjectKind.Light) with { Light = new LightParameters(LightType.Spot, new Vector3d(0.2, 0.4, 1), 543.5, null, 0.6545, 0.7854) },
            Obj(Id(9), "Sun", ObjectKind.Light) with { Light = new LightParameters(LightType.Directional, new Vector3d(1, 0.9, 0.8), 3.5, null, 0, 0) },
            Obj(Id(10), "Bare", ObjectKind.Camera),
            Obj(Id(11), "AreaLight", ObjectKind.Light),
        };
        return new Scene(objects, materials, new[] { quad }, images);
    }

    private ModelRoot ExportAndReload(Scene scene, out string file)
    {
        file = Path.Combine(Path.GetTempPath(), $"vibesync-c3-{Guid.NewGuid():N}.glb");
        _written.Add(file);
        GltfExport.WriteGlb(scene, _blobs, file);
        return ModelRoot.Load(file);
    }

    private static MaterialChannel Channel(SharpGLTF.Schema2.Material m, string key) => m.FindChannel(key)!.Value;

    [Fact]
    public void every_material_field_texture_slot_sampler_and_transform_reads_back_from_the_glb()
    {
        var model = ExportAndReload(FullScene(), out _);
        var m = model.LogicalMaterials.Single(x => x.Name == "Everything");
        Assert.Equal(SharpGLTF.Schema2.AlphaMode.BLEND, m.Alpha);
        Assert.Equal(0.3, m.Extras!["alpha_cutoff"]!.GetValue<double>(), 5); // glTF reads alphaCutoff in MASK mode only
        Assert.True(m.DoubleSided);
        var baseColor = Channel(m, "BaseColor");
        Assert.Equal(new System.Numerics.Vector4(0.8f, 0.6f, 0.4f, 0.5f), baseColor.Color);
        Assert.Equal(0.3f, Channel(m, "MetallicRoughness").GetFactor("MetallicFactor"), 5);
        Assert.Equal(0.7f, Channel(m, "MetallicRoughness").GetFactor("RoughnessFactor"), 5);
        Assert.Equal(0.8f, Channel(m, "Normal").GetFactor("NormalScale"), 5);
        Assert.Equal(0.6f, Channel(m, "Occlusion").GetFactor("OcclusionStrength"), 5);
        var emissive = Channel(m, "Emissive");
        Assert.Equal(new System.Numerics.Vector4(0.2f, 0.4f, 0.6f, 1), emissive.Color);
        Assert.Equal(5f, emissive.GetFactor("EmissiveStrength"), 5);

        var expected = new (string Channel, int Image, int TexCoord, TextureWrapMode S, TextureWrapMode T, TextureInterpolationFilter Mag, TextureMipMapFilter Min)[]
        {
            ("BaseColor", 0, 0, TextureWrapMode.CLAMP_TO_EDGE, TextureWrapMode.MIRRORED_REPEAT, TextureInterpolationFilter.NEAREST, TextureMipMapFilter.NEAREST_MIPMAP_LINEAR),
            ("MetallicRoughness", 1, 1, TextureWrapMode.MIRRORED_REPEAT, TextureWrapMode.CLAMP_TO_EDGE, TextureInterpolationFilter.LINEAR, TextureMipMapFilter.LINEAR_MIPMAP_NEAREST),
            ("Normal", 2, 0, TextureWrapMode.REPEAT, TextureWrapMode.CLAMP_TO_EDGE, TextureInterpolationFilter.NEAREST, TextureMipMapFilter.NEAREST),
            ("Occlusion", 3, 1, TextureWrapMode.CLAMP_TO_EDGE, TextureWrapMode.CLAMP_TO_EDGE, TextureInterpolationFilter.LINEAR, TextureMipMapFilter.LINEAR),
            ("Emissive", 4, 0, TextureWrapMode.REPEAT, TextureWrapMode.REPEAT, TextureInterpolationFilter.NEAREST, TextureMipMapFilter.NEAREST_MIPMAP_NEAREST),
        };
        foreach (var e in expected)
        {
            var channel = Channel(m, e.Channel);
            Assert.NotNull(channel.Texture);
            Assert.Equal(_files[ImageIds[e.Image]], channel.Texture.PrimaryImage.Content.Content.ToArray()); // the file's bytes, as they are
            Assert.Equal("image/png", channel.Texture.PrimaryImage.Content.MimeType);
            Assert.Equal(e.TexCoord, channel.TextureCoordinate);
            var sampler = channel.TextureSampler;
            Assert.Equal((e.S, e.T, e.Mag, e.Min), (sampler.WrapS, sampler.WrapT, sampler.MagFilter, sampler.MinFilter));
        }

        var transform = Channel(m, "BaseColor").TextureTransform;
        Assert.Equal(new System.Numerics.Vector2(0.25f, 0.5f), transform.Offset);
        Assert.Equal(0.3f, transform.Rotation, 6);
        Assert.Equal(new System.Numerics.Vector2(2, 3), transform.Scale);
        Assert.Equal(-1.2f, Channel(m, "Normal").TextureTransform.Rotation, 6);
        Assert.Equal(new System.Numerics.Vector2(0.5f, 0.25f), Channel(m, "Occlusion").TextureTransform.Scale);
        Assert.Equal(-0.125f, Channel(m, "Emissive").TextureTransform.Offset.X, 6);
        Assert.Null(Channel(m, "MetallicRoughness").TextureTransform); // identity: no extension written
        Assert.Equal(5, model.LogicalImages.Count);
    }

    [Fact]
    public void each_alpha_mode_and_cutoff_is_written_and_an_untextured_material_has_no_texture()
    {
        var model = ExportAndReload(FullScene(), out _);
        var masked = model.LogicalMaterials.Single(x => x.Name == "Masked");
        Assert.Equal(SharpGLTF.Schema2.AlphaMode.MASK, masked.Alpha);
        Assert.Equal(0.25, masked.AlphaCutoff, 5);
        Assert.False(masked.DoubleSided);
        var plain = model.LogicalMaterials.Single(x => x.Name == "Plain");
        Assert.Equal(SharpGLTF.Schema2.AlphaMode.OPAQUE, plain.Alpha);
        Assert.Null(Channel(plain, "BaseColor").Texture);
        Assert.Equal(1f, Channel(plain, "MetallicRoughness").GetFactor("MetallicFactor"));
        Assert.Equal(1f, Channel(plain, "Emissive").GetFactor("EmissiveStrength"));
    }

    [Fact]
    public void an_emission_over_one_moves_its_excess_into_the_emissive_strength()
    {
        var model = ExportAndReload(FullScene(), out _);
        var emissive = Channel(model.LogicalMaterials.Single(x => x.Name == "Bright"), "Emissive");
        Assert.Equal(new System.Numerics.Vector4(1, 0.5f, 0.25f, 1), emissive.Color);
        Assert.Equal(2f, emissive.GetFactor("EmissiveStrength"), 6); // factor × strength = (2, 1, 0.5), the record's emission
    }

    [Fact]
    public void perspective_and_orthographic_cameras_sit_on_their_nodes_with_every_parameter()
    {
        var model = ExportAndReload(FullScene(), out _);
        var lens = model.LogicalNodes.Single(n => n.Name == "Lens");
        var perspective = Assert.IsType<CameraPerspective>(lens.Camera.Settings);
        Assert.Equal(0.6911f, perspective.VerticalFOV, 5);
        Assert.Equal(1.7778f, perspective.AspectRatio!.Value, 5);
        Assert.Equal(0.1f, perspective.ZNear, 6);
        Assert.Equal(100f, perspective.ZFar, 4);
        var ortho = Assert.IsType<CameraOrthographic>(model.LogicalNodes.Single(n => n.Name == "Plan").Camera.Settings);
        Assert.Equal((3.6f, 2.025f, 0.05f, 250f), (ortho.XMag, ortho.YMag, ortho.ZNear, ortho.ZFar));
        // Both spaces look down −Z: the node keeps the record's rotation, no axis correction.
        Assert.Equal(0.38268343f, lens.LocalTransform.Rotation.Y, 6);
        Assert.Null(model.LogicalNodes.Single(n => n.Name == "Bare").Camera); // parameters not synced: nothing invented
        Assert.Equal(2, model.LogicalCameras.Count);
    }

    [Fact]
    public void point_spot_and_directional_lights_are_khr_lights_punctual_on_their_nodes()
    {
        var model = ExportAndReload(FullScene(), out _);
        var bulb = model.LogicalNodes.Single(n => n.Name == "Bulb").PunctualLight;
        Assert.Equal(PunctualLightType.Point, bulb.LightType);
        Assert.Equal(new System.Numerics.Vector3(1, 0.5f, 0.25f), bulb.Color);
        Assert.Equal(54.35f, bulb.Intensity, 4);
        Assert.Equal(12f, bulb.Range, 5);
        var spot = model.LogicalNodes.Single(n => n.Name == "Spot").PunctualLight;
        Assert.Equal(PunctualLightType.Spot, spot.LightType);
        Assert.Equal(new System.Numerics.Vector3(0.2f, 0.4f, 1), spot.Color);
        Assert.Equal(543.5f, spot.Intensity, 3);
        Assert.Equal(0.6545f, spot.InnerConeAngle, 5);
        Assert.Equal(0.7854f, spot.OuterConeAngle, 5);
        var sun = model.LogicalNodes.Single(n => n.Name == "Sun").PunctualLight;
        Assert.Equal(PunctualLightType.Directional, sun.LightType);
        Assert.Equal(3.5f, sun.Intensity, 5);
        Assert.Equal(new System.Numerics.Vector3(1, 0.9f, 0.8f), sun.Color);
        Assert.Null(model.LogicalNodes.Single(n => n.Name == "AreaLight").PunctualLight);
        Assert.Equal(3, model.LogicalPunctualLights.Count);
    }

    [Fact]
    public void the_json_declares_the_extensions_and_leaves_range_out_when_it_is_infinite()
    {
        ExportAndReload(FullScene(), out var file);
        var json = GlbJson(File.ReadAllBytes(file));
        var used = json.GetProperty("extensionsUsed").EnumerateArray().Select(e => e.GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "KHR_materials_emissive_strength", "KHR_texture_transform", "KHR_lights_punctual" }, used);
        var lights = json.GetProperty("extensions").GetProperty("KHR_lights_punctual").GetProperty("lights").EnumerateArray().ToList();
        Assert.False(lights.Single(l => l.GetProperty("type").GetString() == "spot").TryGetProperty("range", out _));
        Assert.Equal(12, lights.Single(l => l.GetProperty("type").GetString() == "point").GetProperty("range").GetDouble(), 5);
        Assert.All(json.GetProperty("images").EnumerateArray(), i => Assert.Equal("image/png", i.GetProperty("mimeType").GetString()));
    }

    [Fact]
    public void the_khronos_validator_reports_no_errors_on_the_full_scene()
    {
        ExportAndReload(FullScene(), out var file);
        var report = TestContent.Validate(file);
        Assert.Equal(4, report.GetProperty("materials").GetInt32());
        Assert.Equal(0, report.GetProperty("warnings").GetInt32()); // e.g. alphaCutoff outside MASK mode would warn
    }

    [Fact]
    public void an_image_whose_blob_is_not_the_file_its_record_says_is_refused()
    {
        var scene = FullScene();
        var wrongSize = scene with { Images = scene.Images.Select(i => i.Uuid == ImageIds[2] ? i with { Width = 9 } : i).ToArray() };
        var e = Assert.Throws<InvalidDataException>(() => GltfExport.Build(wrongSize, _blobs));
        Assert.Contains("IMAGE_FORMAT", e.Message);
        var notPng = scene with { Images = scene.Images.Select(i => i.Uuid == ImageIds[0] ? i with { Mime = ImageMime.Jpeg } : i).ToArray() };
        Assert.Contains("IMAGE_FORMAT", Assert.Throws<InvalidDataException>(() => GltfExport.Build(notPng, _blobs)).Message);
    }

    [Fact]
    public void a_texture_naming_an_image_the_scene_does_not_hold_is_refused()
    {
        var scene = FullScene();
        var e = Assert.Throws<InvalidDataException>(() => GltfExport.Build(scene with { Images = scene.Images.Skip(1).ToArray() }, _blobs));
        Assert.Contains(ImageIds[0], e.Message);
    }

    private static JsonElement GlbJson(byte[] glb) => TestContent.GlbJson(glb);
}
