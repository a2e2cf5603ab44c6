using System.Text;
using FsCheck.Xunit;
using VibeSync.Protocol.Comparison;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using VibeSync.Protocol.Tests.Support;

namespace VibeSync.Protocol.Tests.SceneJson;

/// <summary>Content schema 3 (docs/protocol.md §2): materials, images, camera and light parameters.</summary>
public sealed class ContentSchema3Tests
{
    private const string Id1 = "00000000-0000-4000-8000-000000000001";
    private const string Id2 = "00000000-0000-4000-8000-000000000002";

    [Property(MaxTest = 300)]
    public bool a_material_written_as_json_reads_back_to_the_same_record_hash(int seed)
    {
        var r = new Random(seed);
        var images = Enumerable.Range(0, 3).Select(_ => RandomScenes.Image(r)).ToArray();
        var material = RandomScenes.Material(r, images);
        var json = MaterialJson.Append(new StringBuilder(), material).ToString();
        var back = MaterialJson.Read((JsonObject)JsonParser.Parse(json), "m", material.Uuid);
        return RecordHash.Of(back).SequenceEqual(RecordHash.Of(material)) && back.Equals(material);
    }

    [Property(MaxTest = 100)]
    public bool a_scene_with_images_cameras_and_lights_survives_the_blender_space_round_trip(int seed)
    {
        var scene = RandomScenes.Canonical(seed);
        var back = SceneJsonReader.ReadCanonical(SceneJsonWriter.Write(scene, Space.Blender), Space.Blender);
        return back.Images.SequenceEqual(scene.Images) && back.Materials.SequenceEqual(scene.Materials)
            && back.Objects.Select(o => (o.Camera, o.Light)).SequenceEqual(scene.Objects.Select(o => (o.Camera, o.Light)));
    }

    [Fact]
    public void a_schema_2_material_reads_with_gltf_defaults()
    {
        var scene = SceneJsonReader.ReadCanonical(
            "{\"materials\": [{\"uuid\": \"" + Id1 + "\", \"name\": \"M\", \"base_color\": [1, 0, 0, 1], \"metallic\": 0, \"roughness\": 0.5, \"emission\": [0, 0, 0]}]}",
            Space.Canonical);
        var m = scene.Materials[0];
        Assert.Equal((1.0, AlphaMode.Opaque, 0.5, false, 1.0, 1.0, 0, (string?)null),
            (m.EmissiveStrength, m.AlphaMode, m.AlphaCutoff, m.DoubleSided, m.NormalScale, m.OcclusionStrength, m.Textures.Count, m.Unsynced));
        Assert.Empty(scene.Images);
    }

    [Fact]
    public void output_writes_every_material_field_and_only_the_slots_present()
    {
        var image = new Image(Id2, "a.png", ImageMime.Png, new string('a', 64), 4, 2, ImageColorSpace.Linear);
        var m = new Material(Id1, "M", new Vector4d(1, 1, 1, 1), 0, 1, new Vector3d(0, 0, 0))
        {
            Textures = new Dictionary<TextureSlot, TextureBinding> { [TextureSlot.Normal] = TextureBinding.Of(Id2) },
        };
        var json = SceneJsonWriter.Write(new Scene(Array.Empty<SceneObject>(), new[] { m }, Array.Empty<Mesh>(), new[] { image }), Space.Canonical);
        Assert.Contains("\"emissive_strength\": 1, \"alpha_mode\": \"OPAQUE\", \"alpha_cutoff\": 0.5, \"double_sided\": false, \"normal_scale\": 1, \"occlusion_strength\": 1", json);
        Assert.Contains("\"textures\": {\"normal\": {\"image\": \"" + Id2 + "\", \"texcoord\": 0, \"wrap_s\": \"REPEAT\"", json);
        Assert.DoesNotContain("base_color\": {", json);
        Assert.Contains("\"unsynced\": null", json);
        Assert.Contains("\"images\": [{\"uuid\": \"" + Id2 + "\", \"name\": \"a.png\", \"mime\": \"image/png\", \"blob\": \"" + new string('a', 64) + "\", \"width\": 4, \"height\": 2, \"color_space\": \"linear\"}]", json);
    }

    [Fact]
    public void an_object_without_camera_or_light_parameters_encodes_as_in_schema_2()
    {
        var bare = new SceneObject(Id1, "Cam", ObjectKind.Camera, null, new Vector3d(0, 0, 0), new Quaterniond(0, 0, 0, 1), new Vector3d(1, 1, 1), true, Array.Empty<string?>(), null);
        var withCamera = bare with { Camera = CameraParameters.Perspective(0.7, 1.5, 0.1, 100) };
        var plain = RecordEncoder.Encode(bare).ToArray();
        var extended = RecordEncoder.Encode(withCamera).ToArray();
        Assert.Equal(plain, extended.Take(plain.Length).ToArray());
        Assert.Equal(plain.Length + 2 + 4 * 8, extended.Length);
        Assert.Equal(RecordEncoder.CameraMark, extended[plain.Length]);
    }

    [Fact]
    public void a_scenes_blob_ids_are_its_meshes_and_its_images()
    {
        var scene = RandomScenes.Canonical(11);
        var r = new Random(1);
        scene = scene with { Images = new[] { RandomScenes.Image(r), RandomScenes.Image(r) } };
        var expected = scene.Meshes.SelectMany(m => m.BlobIds()).Concat(scene.Images.Select(i => i.Blob)).ToArray();
        Assert.Equal(expected, scene.BlobIds().ToArray());
        Assert.Contains(scene.Images[1].Blob, scene.BlobIds());
    }

    [Fact]
    public void field_comparison_names_every_new_material_field()
    {
        var r = new Random(5);
        var image = RandomScenes.Image(r);
        var a = new Material(Id1, "M", new Vector4d(1, 1, 1, 1), 0, 1, new Vector3d(0, 0, 0))
        {
            Textures = new Dictionary<TextureSlot, TextureBinding> { [TextureSlot.Emissive] = TextureBinding.Of(image.Uuid) },
        };
        var b = a with
        {
            EmissiveStrength = 2, AlphaMode = AlphaMode.Blend, AlphaCutoff = 0.2, DoubleSided = true, NormalScale = 0.5, OcclusionStrength = 0.3,
            Unsynced = "no Principled BSDF output",
            Textures = new Dictionary<TextureSlot, TextureBinding>
            {
                [TextureSlot.BaseColor] = TextureBinding.Of(image.Uuid),
                [TextureSlot.Emissive] = TextureBinding.Of(image.Uuid) with { TexCoord = 1, Rotation = 0.5, Scale = new Vector2d(2, 1) },
            },
        };
        Assert.Equal(new[]
        {
            "emissive_strength", "alpha_mode", "alpha_cutoff", "double_sided", "normal_scale", "occlusion_strength",
            "textures.base_color", "textures.emissive.texcoord", "textures.emissive.rotation", "textures.emissive.scale[0]", "unsynced",
        }, FieldComparer.Differences(a, b));
        Assert.Empty(FieldComparer.Differences(a, a with { AlphaCutoff = 0.5 + Quantizer.Epsilon / 2 }));
    }

    [Fact]
    public void field_comparison_names_camera_light_and_image_fields()
    {
        var o = new SceneObject(Id1, "L", ObjectKind.Light, null, new Vector3d(0, 0, 0), new Quaterniond(0, 0, 0, 1), new Vector3d(1, 1, 1), true, Array.Empty<string?>(), null)
        {
            Light = new LightParameters(LightType.Spot, new Vector3d(1, 1, 1), 10, null, 0.2, 0.4),
        };
        Assert.Equal(new[] { "light.intensity", "light.range", "light.inner_cone" },
            FieldComparer.Differences(o, o with { Light = o.Light! with { Intensity = 11, Range = 5, InnerCone = 0.1 } }));
        Assert.Equal(new[] { "light" }, FieldComparer.Differences(o, o with { Light = null }));
        var cam = o with { Kind = ObjectKind.Camera, Light = null, Camera = CameraParameters.Perspective(0.7, 1.5, 0.1, 100) };
        Assert.Equal(new[] { "camera.type" }, FieldComparer.Differences(cam, cam with { Camera = CameraParameters.Orthographic(1, 1, 0.1, 100) }));
        Assert.Equal(new[] { "camera.yfov", "camera.zfar" }, FieldComparer.Differences(cam, cam with { Camera = CameraParameters.Perspective(0.8, 1.5, 0.1, 50) }));
        var image = new Image(Id2, "a.png", ImageMime.Png, new string('a', 64), 4, 2, ImageColorSpace.Linear);
        Assert.Equal(new[] { "blob", "width", "color_space" },
            FieldComparer.Differences(image, image with { Blob = new string('b', 64), Width = 8, ColorSpace = ImageColorSpace.Srgb }));
    }

    [Fact]
    public void float32_storage_rounds_camera_light_and_material_reals_and_is_stable()
    {
        var scene = RandomScenes.Canonical(21);
        var once = EngineStorage.StoredAs(scene, Space.Unity);
        var twice = EngineStorage.StoredAs(once, Space.Unity);
        Assert.Equal(SceneHasher.RootHex(once), SceneHasher.RootHex(twice));
        var light = new SceneObject(Id1, "L", ObjectKind.Light, null, new Vector3d(0, 0, 0), new Quaterniond(0, 0, 0, 1), new Vector3d(1, 1, 1), true, Array.Empty<string?>(), null)
        {
            Light = new LightParameters(LightType.Spot, new Vector3d(0.1, 0.2, 0.3), 543.5123456789, 10.000000001, 0.1, 0.7),
        };
        var stored = EngineStorage.RoundToFloat32(new Scene(new[] { light }, Array.Empty<Material>(), Array.Empty<Mesh>())).Objects[0].Light!;
        Assert.Equal((double)(float)543.5123456789, stored.Intensity);
        Assert.Equal((double)(float)10.000000001, stored.Range);
    }
}
