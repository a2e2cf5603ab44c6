using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;
using VibeSync.Protocol.Operations;
using VibeSync.Protocol.State;
using VibeSync.Unity.Adapter;
using VibeSync.Unity.Looks;
using VibeSync.Unity.Simulator;
using static VibeSync.Unity.Tests.LookApplyTests;

namespace VibeSync.Unity.Tests;

/// <summary>
/// What Unity shows of a material against its record (issue #18's fidelity gaps): metallic-roughness and
/// occlusion through a texture derived with Unity's channels, a texture rotation Standard and Lit cannot
/// show, a file that is neither PNG nor JPEG, Unity's MirrorOnce wrap — each listed "not synced: reason"
/// where Unity falls short, the record kept.
/// </summary>
public sealed class LookFidelityTests
{
    /// <summary>3×5 RGBA, rows filtered None, Sub, Up, Average, Paeth (written with Python's zlib).</summary>
    private static readonly byte[] Rgba3x5 = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAMAAAAFCAYAAACAcVaiAAAAN0lEQVR4nGNgYGD9r8Ec/zqAbed1RnYbgU8azFFvQJiJ3Yb7Mwwz81VIpkkoGH8AYRawKDMEAwB/IxNgez7togAAAABJRU5ErkJggg==");
    /// <summary>4×5 RGB, rows filtered Paeth, Average, Up, Sub, None.</summary>
    private static readonly byte[] Rgb4x5 = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAQAAAAFCAIAAADtz9qMAAAAM0lEQVR4nGNhYGDVYI6CIGZ2Gz4JBWMw2szEbsMNR4yiW9TgyhhkPhi6fO7O+fZ0yk97ADn6DnkVcs3ZAAAAAElFTkSuQmCC");
    /// <summary>2×2 RGBA with 16-bit samples: a valid PNG the simulator's decoder does not read.</summary>
    private static readonly byte[] Rgba16 = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAIAAAACEAYAAAAiJtFnAAAAC0lEQVR4nGNgIAQAACIAAV64IdsAAAAASUVORK5CYII=");
    /// <summary>The start of a TGA file: Unity imports it as a texture; it is neither PNG nor JPEG.</summary>
    private static readonly byte[] Tga = { 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2, 0, 32, 8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

    private const string Orm = "7a0c5e0e-1111-4222-8333-4444555566aa";

    /// <summary>The test images' pixel (x, y), rows top to bottom.</summary>
    private static byte[] Pixel(int x, int y) => new[] { (byte)((x * 40 + y * 7) % 256), (byte)((x * 3 + y * 60) % 256), (byte)((x * 90 + y * 11 + 5) % 256), (byte)((255 - x * 20 - y * 13) % 256) };

    private static byte[] Pixels(int width, int height, bool alpha) =>
        Enumerable.Range(0, height).SelectMany(y => Enumerable.Range(0, width).SelectMany(x => { var p = Pixel(x, y); if (!alpha) p[3] = 255; return p; })).ToArray();

    private readonly SimScene _scene;
    private readonly UnityAdapter _adapter;
    private readonly List<(byte Type, string Json)> _sent = new();

    public LookFidelityTests()
    {
        var (json, blobs) = Scene();
        _scene = SimScene.Load(json, blobs);
        _adapter = new UnityAdapter(_scene) { Send = (type, body) => { _sent.Add((type, body)); return true; } };
        _adapter.Attach();
    }

    private (byte Type, string Body) Apply(ulong intent, string operations) =>
        _adapter.Apply(JsonFields.AsObject(JsonParser.Parse($"{{\"intent\": {intent}, \"operations\": {operations}}}"), "apply"));

    private string Upload(byte[] bytes)
    {
        var id = BlobId.OfBytes(bytes);
        _adapter.Received.Put(id, new BlobShape(BlobElement.U8, 1, bytes.Length), bytes);
        return id;
    }

    private IReadOnlyList<Operation> Edits() =>
        _adapter.Tick() is { } e ? OperationReader.ReadOperations(JsonFields.AsObject(JsonParser.Parse(e), "edit").Get("operations")!, null) : Array.Empty<Operation>();

    /// <summary>Creates the ORM image from <paramref name="png"/> and binds it as Brick's metallic-roughness and occlusion texture.</summary>
    private void BindOrm(ulong intent, byte[] png, int width, int height)
    {
        var (type, body) = Apply(intent, $$$$"""
            [{"op": "create_image", "uuid": "{{{{Orm}}}}", "name": "orm.png", "mime": "image/png", "blob": "{{{{Upload(png)}}}}", "width": {{{{width}}}}, "height": {{{{height}}}}, "color_space": "linear"},
             {"op": "set_material_params", "uuid": "{{{{Brick}}}}", "metallic": 1, "roughness": 1, "textures": {"metallic_roughness": {"image": "{{{{Orm}}}}"}, "occlusion": {"image": "{{{{Orm}}}}"}}}]
            """);
        Assert.True(type == MessageType.Applied, body);
    }

    // ---- 1. metallic-roughness and occlusion: one texture derived with Unity's channels ----

    [Fact]
    public void the_unity_pixels_take_metallic_from_blue_occlusion_from_red_and_smoothness_from_one_minus_green()
    {
        var unity = ChannelRepack.GltfToUnity(new byte[] { 10, 200, 30, 77, 255, 0, 128, 1 });
        Assert.Equal(new byte[] { 30, 10, 0, 55, 128, 255, 0, 255 }, unity);
        Assert.Throws<ArgumentException>(() => ChannelRepack.GltfToUnity(new byte[] { 1, 2, 3 }));
    }

    [Fact]
    public void the_simulators_png_decoder_reads_all_five_row_filters_in_rgb_and_rgba_and_its_encoder_round_trips()
    {
        Assert.Equal(Pixels(3, 5, alpha: true), PngCodec.Decode(Rgba3x5, out int w, out int h));
        Assert.Equal((3, 5), (w, h));
        Assert.Equal(Pixels(4, 5, alpha: false), PngCodec.Decode(Rgb4x5, out w, out h));
        Assert.Equal((4, 5), (w, h));
        var encoded = PngCodec.Encode(3, 5, Pixels(3, 5, alpha: true));
        Assert.Equal("image/png", ImageHeader.Read(encoded, out w, out h));
        Assert.Equal(Pixels(3, 5, alpha: true), PngCodec.Decode(encoded, out _, out _));
        Assert.Contains("16-bit", Assert.Throws<PngFormatException>(() => PngCodec.Decode(Rgba16, out _, out _)).Message);
        Assert.Contains("signature", Assert.Throws<PngFormatException>(() => PngCodec.Decode(Tga, out _, out _)).Message);
    }

    [Fact]
    public void a_metallic_roughness_and_occlusion_texture_is_shown_through_one_derived_texture_with_unitys_channels()
    {
        var before = _scene.MaterialOf(Brick);
        before.Keywords.Add(ShaderFamily.AlbedoSmoothnessKeyword); // smoothness from albedo alpha, as a human may have left it
        _scene.WriteMaterial(Brick, before);
        BindOrm(1, Rgba3x5, 3, 5);
        var m = _scene.MaterialOf(Brick);
        var name = ChannelRepack.DerivedName(BlobId.OfBytes(Rgba3x5));
        Assert.Equal(name, m.Derived["_MetallicGlossMap"]); // one derived image for both slots
        Assert.Equal(name, m.Derived["_OcclusionMap"]);
        Assert.Equal(Orm, m.Textures["_MetallicGlossMap"]); // the material still names the source image
        Assert.Equal(ChannelRepack.GltfToUnity(Pixels(3, 5, alpha: true)), PngCodec.Decode(_scene.DerivedPng(name), out _, out _));
        Assert.Equal(0f, m.Floats[ShaderFamily.SmoothnessChannel]); // smoothness from the metallic map's alpha
        Assert.Equal(1f, m.Floats["_GlossMapScale"]);
        Assert.Contains("_METALLICGLOSSMAP", m.Keywords);
        Assert.DoesNotContain(ShaderFamily.AlbedoSmoothnessKeyword, m.Keywords);
        Assert.Equal(1, _scene.Derivations);

        // The record keeps the original glTF image: the derived texture is Unity's rendering detail.
        var record = _adapter.Canonical().Materials.Single(x => x.Uuid == Brick);
        Assert.Equal((Orm, Orm), (record.Texture(TextureSlot.MetallicRoughness)!.Image, record.Texture(TextureSlot.Occlusion)!.Image));
        Assert.DoesNotContain(_adapter.NotSynced, i => i.Reason.Contains("channel packing"));
        Assert.Empty(Edits());

        // An unchanged source is never derived again: not by a rollback and a second apply, nor by a new material.
        Assert.Equal(MessageType.Ack, _adapter.Rollback(1).Type);
        Assert.False(_scene.MaterialOf(Brick).Derived.ContainsKey("_MetallicGlossMap"));
        BindOrm(2, Rgba3x5, 3, 5);
        Assert.Equal(1, _scene.Derivations);
    }

    [Fact]
    public void a_replaced_image_is_derived_again_from_its_new_bytes()
    {
        BindOrm(1, Rgba3x5, 3, 5);
        Assert.Equal(MessageType.Ack, _adapter.Finalize(JsonFields.AsObject(JsonParser.Parse("{\"intents\": [1]}"), "finalize")).Type);
        var (type, body) = Apply(2, $$$$"""[{"op": "replace_image", "uuid": "{{{{Orm}}}}", "blob": "{{{{Upload(Rgb4x5)}}}}", "mime": "image/png", "width": 4, "height": 5}]""");
        Assert.True(type == MessageType.Applied, body);
        var name = ChannelRepack.DerivedName(BlobId.OfBytes(Rgb4x5));
        Assert.Equal(name, _scene.MaterialOf(Brick).Derived["_MetallicGlossMap"]);
        Assert.Equal(ChannelRepack.GltfToUnity(Pixels(4, 5, alpha: false)), PngCodec.Decode(_scene.DerivedPng(name), out _, out _));
        Assert.Equal(MessageType.Ack, _adapter.Rollback(2).Type); // the material is bound to the first file's derived texture again
        Assert.Equal(ChannelRepack.DerivedName(BlobId.OfBytes(Rgba3x5)), _scene.MaterialOf(Brick).Derived["_OcclusionMap"]);
    }

    [Fact]
    public void a_metallic_roughness_image_the_simulator_cannot_decode_is_bound_as_it_is_and_listed_not_synced()
    {
        BindOrm(1, Rgba16, 2, 2);
        var m = _scene.MaterialOf(Brick);
        Assert.Empty(m.Derived);
        Assert.Equal(Orm, m.Textures["_MetallicGlossMap"]);
        var items = _adapter.NotSynced.Where(i => i.Uuid == Brick && i.Reason.Contains("channel packing")).ToList();
        Assert.Equal(2, items.Count); // metallic_roughness and occlusion
        Assert.All(items, i => { Assert.Equal("LOSSY", i.Code); Assert.Contains("16-bit", i.Reason); });
        Assert.Contains(_sent, s => s.Type == MessageType.NotSynced && s.Json.Contains("16-bit")); // the orchestrator's status shows it
    }

    [Fact]
    public void metallic_and_roughness_factors_under_a_texture_are_listed_not_synced()
    {
        BindOrm(1, Rgba3x5, 3, 5);
        Assert.DoesNotContain(_adapter.NotSynced, i => i.Reason.Contains("factors"));
        var (type, body) = Apply(2, $$$$"""[{"op": "set_material_params", "uuid": "{{{{Brick}}}}", "roughness": 0.5}]""");
        Assert.True(type == MessageType.Applied, body);
        Assert.Contains(_adapter.NotSynced, i => i.Uuid == Brick && i.Code == "LOSSY" && i.Reason.Contains("factors"));
    }

    // ---- 2. texture rotation ----

    [Fact]
    public void a_texture_rotation_is_listed_not_synced_and_kept_through_a_humans_tiling_edit()
    {
        // The scene's base colour binding has rotation 0.25 rad: Standard and URP Lit have only tiling and offset.
        var item = Assert.Single(_adapter.NotSynced, i => i.Reason.Contains("rotation"));
        Assert.Equal(("LOSSY", "MATERIAL", Brick), (item.Code, item.Type, item.Uuid));
        Assert.Contains("0.25", item.Reason);

        var m = _scene.MaterialOf(Brick);
        m.ScaleOffsets["_MainTex"] = new UnityScaleOffset(3, 3, 0, 0); // the inspector's Tiling and Offset
        _scene.WriteMaterial(Brick, m);
        var b = Assert.Single(Edits().OfType<SetMaterialParams>()).Textures![TextureSlot.BaseColor]!;
        Assert.Equal((new Vector2d(3, 3), 0.25), (b.Scale, b.Rotation)); // the record's rotation survives

        var (type, body) = Apply(1, $$$$"""[{"op": "set_material_params", "uuid": "{{{{Brick}}}}", "textures": {"base_color": {"image": "{{{{Albedo}}}}", "rotation": 0}}}]""");
        Assert.True(type == MessageType.Applied, body);
        Assert.DoesNotContain(_adapter.NotSynced, i => i.Reason.Contains("rotation"));
        Assert.Contains(_sent, s => s.Type == MessageType.NotSynced && !s.Json.Contains("rotation"));
    }

    [Fact]
    public void the_scene_report_carries_the_not_synced_list()
    {
        var part0 = _adapter.Attach()[0];
        var list = NotSyncedItem.ReadList(JsonFields.AsObject(JsonParser.Parse(part0), "scene").Get("not_synced")!, "not_synced");
        Assert.Contains(list, i => i.Uuid == Brick && i.Reason.Contains("rotation"));
    }

    // ---- 3. a file Unity imports as a texture that is neither PNG nor JPEG ----

    [Fact]
    public void a_tga_a_human_binds_is_listed_image_format_and_the_rest_of_the_scene_syncs()
    {
        Assert.Null(_adapter.Tick());
        var tga = _scene.ImportFile("rock.tga", Tga);
        var m = _scene.MaterialOf(Brick);
        m.Textures["_MainTex"] = tga;     // over the synced albedo.png
        m.Textures["_EmissionMap"] = tga; // into an empty slot
        _scene.WriteMaterial(Brick, m);
        var cube = _scene.Objects().Single(o => o.Name == "Cube");
        _scene.Write(cube with { LocalPosition = new Vector3d(4, 0.5, 2) });

        var edits = Edits(); // the read does not fail
        Assert.Single(edits.OfType<SetTransform>());
        Assert.Empty(edits.OfType<SetMaterialParams>()); // the bindings are not synced: the record keeps albedo.png, no emissive texture
        Assert.Empty(edits.OfType<CreateImage>());
        var scene = _adapter.Canonical();
        Assert.Equal(Albedo, scene.Materials.Single(x => x.Uuid == Brick).Texture(TextureSlot.BaseColor)!.Image);
        Assert.Null(scene.Materials.Single(x => x.Uuid == Brick).Texture(TextureSlot.Emissive));
        Assert.DoesNotContain(scene.Images, i => i.Uuid == tga);
        var items = _adapter.NotSynced.Where(i => i.Code == "READ_FAILED").ToList();
        Assert.Equal(2, items.Count);
        Assert.All(items, i => { Assert.StartsWith("IMAGE_FORMAT", i.Reason); Assert.Contains("rock.tga", i.Reason); Assert.Equal(Brick, i.Uuid); });
        Assert.Contains(_sent, s => s.Type == MessageType.NotSynced && s.Json.Contains("IMAGE_FORMAT"));
    }

    // ---- 4. MirrorOnce ----

    [Fact]
    public void a_mirror_once_wrap_reads_as_mirrored_repeat_and_is_listed_not_synced()
    {
        Assert.Null(_adapter.Tick());
        _scene.WriteImage(Albedo, _scene.ReadImage(Albedo) with { WrapU = UnityWrap.MirrorOnce }, null);
        var b = Assert.Single(Edits().OfType<SetMaterialParams>()).Textures![TextureSlot.BaseColor]!;
        Assert.Equal((TextureWrap.MirroredRepeat, TextureWrap.Repeat), (b.WrapS, b.WrapT));
        var item = Assert.Single(_adapter.NotSynced, i => i.Type == "TEXTURE");
        Assert.Equal(("LOSSY", Albedo), (item.Code, item.Uuid));
        Assert.Contains("MirrorOnce", item.Reason);
    }
}
