using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Operations;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using VibeSync.Unity.Adapter;
using VibeSync.Unity.Looks;
using VibeSync.Unity.Simulator;

namespace VibeSync.Unity.Tests;

/// <summary>
/// Materials with textures, images, cameras and lights through the core against the simulator:
/// every content-schema-3 operation applied provisionally and rolled back to exactly the prior
/// stored values, the report equal to what the orchestrator predicts, human edits found.
/// </summary>
public sealed class LookApplyTests
{
    internal const string Camera = "5a1d0000-0000-4000-8000-000000000001";
    internal const string Light = "5a1d0000-0000-4000-8000-000000000002";
    internal const string Cube = "5a1d0000-0000-4000-8000-000000000004";
    internal const string Brick = "5a1d0000-0000-4000-8000-0000000000a1";
    internal const string Albedo = "5a1d0000-0000-4000-8000-0000000000c1";
    private const string New = "7a0c5e0e-1111-4222-8333-444455556666";
    private const string Other = "7a0c5e0e-1111-4222-8333-444455556667";

    /// <summary>A 2×2 and a 4×2 RGB PNG (zlib-compressed, CRCs right).</summary>
    internal static readonly byte[] Png2x2 = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGM4YSQCRAwQCgAgZgQ5AED11wAAAABJRU5ErkJggg==");
    internal static readonly byte[] Png4x2 = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAQAAAACCAIAAADwyuo0AAAAEElEQVR4nGMQMToBRwzIHABoKghxRU1xNAAAAABJRU5ErkJggg==");

    /// <summary>A camera, a spot light and a cube with a textured, masked material (Unity-space scene JSON) and the blobs it names.</summary>
    internal static (string Json, BlobMemory Blobs) Scene()
    {
        var blobs = new BlobMemory();
        var id = BlobId.OfBytes(Png2x2);
        blobs.Put(id, new BlobShape(BlobElement.U8, 1, Png2x2.Length), Png2x2);
        string json = $$$$"""
            {"objects": [
              {"uuid": "{{{{Camera}}}}", "name": "Main Camera", "kind": "camera", "parent": null, "localPosition": [0, 1, -10], "localRotation": [0, 0, 0, 1], "localScale": [1, 1, 1], "visible": true, "materials": [], "mesh": null,
               "camera": {"type": "perspective", "yfov": 0.6911, "aspect": 1.7778, "znear": 0.1, "zfar": 100}},
              {"uuid": "{{{{Light}}}}", "name": "Spot", "kind": "light", "parent": null, "localPosition": [0, 3, 0], "localRotation": [0, 0, 0, 1], "localScale": [1, 1, 1], "visible": true, "materials": [], "mesh": null,
               "light": {"type": "spot", "color": [1, 0.5, 0.25], "intensity": 543.5, "range": null, "inner_cone": 0.6545, "outer_cone": 0.7854}},
              {"uuid": "{{{{Cube}}}}", "name": "Cube", "kind": "mesh", "parent": null, "localPosition": [1, 0.5, 2], "localRotation": [0, 0, 0, 1], "localScale": [1, 1, 1], "visible": true, "materials": ["{{{{Brick}}}}"], "mesh": "5a1d0000-0000-4000-8000-0000000000b1"}],
             "materials": [{"uuid": "{{{{Brick}}}}", "name": "Brick", "base_color": [0.8, 0.2, 0.1, 0.9], "metallic": 0, "roughness": 0.6, "emission": [0, 0, 0],
               "alpha_mode": "MASK", "alpha_cutoff": 0.3, "textures": {"base_color": {"image": "{{{{Albedo}}}}", "offset": [0.5, 0], "scale": [2, 2], "rotation": 0.25, "texcoord": 1}}}],
             "meshes": [{"uuid": "5a1d0000-0000-4000-8000-0000000000b1", "positions": [[0, 0, 0], [1, 0, 0], [0, 1, 0]], "triangles": [[0, 2, 1]], "uv0": [[0, 0], [1, 0], [0, 1]]}],
             "images": [{"uuid": "{{{{Albedo}}}}", "name": "albedo.png", "mime": "image/png", "blob": "{{{{id}}}}", "width": 2, "height": 2, "color_space": "srgb"}]}
            """;
        return (json, blobs);
    }

    private readonly SimScene _scene;
    private readonly UnityAdapter _adapter;

    public LookApplyTests()
    {
        var (json, blobs) = Scene();
        _scene = SimScene.Load(json, blobs);
        _adapter = new UnityAdapter(_scene);
        _adapter.Attach();
    }

    private (byte Type, string Body) Apply(ulong intent, string operations) =>
        _adapter.Apply(JsonFields.AsObject(JsonParser.Parse($"{{\"intent\": {intent}, \"operations\": {operations}}}"), "apply"));

    private void RoundTrip(string operations, Action check)
    {
        var before = SimDump.Of(_scene);
        var (type, body) = Apply(1, operations);
        Assert.True(type == MessageType.Applied, body);
        check();
        Assert.NotEqual(before, SimDump.Of(_scene));
        Assert.Equal(MessageType.Ack, _adapter.Rollback(1).Type);
        Assert.Equal(before, SimDump.Of(_scene));
    }

    private string Upload(byte[] bytes)
    {
        var id = BlobId.OfBytes(bytes);
        _adapter.Received.Put(id, new BlobShape(BlobElement.U8, 1, bytes.Length), bytes);
        return id;
    }

    [Fact]
    public void set_material_params_with_textures_and_alpha_is_applied_by_property_name_and_rolled_back_bit_for_bit() =>
        RoundTrip($$$$"""[{"op": "set_material_params", "uuid": "{{{{Brick}}}}", "roughness": 0.2, "alpha_mode": "BLEND", "double_sided": true, "emission": [1, 0, 0], "emissive_strength": 2, "textures": {"base_color": null, "normal": {"image": "{{{{Albedo}}}}", "wrap_s": "CLAMP_TO_EDGE"}}}]""", () =>
        {
            var m = _scene.MaterialOf(Brick);
            Assert.Equal(0.8f, m.Floats["_Glossiness"]);
            Assert.Equal(2f, m.Floats["_Mode"]);
            Assert.Equal(3000, m.RenderQueue);
            Assert.Contains("_ALPHABLEND_ON", m.Keywords);
            Assert.DoesNotContain("_ALPHATEST_ON", m.Keywords);
            Assert.Equal(0f, m.Floats["_Cull"]);
            Assert.Contains("_EMISSION", m.Keywords);
            Assert.False(m.Textures.ContainsKey("_MainTex"));
            Assert.Equal(Albedo, m.Textures["_BumpMap"]);
            Assert.Contains("_NORMALMAP", m.Keywords);
            var t = _scene.ReadImage(Albedo);
            Assert.True(t.NormalMap); // the importer's normal-map type, as a normal texture needs
            Assert.Equal(UnityWrap.Clamp, t.WrapU);
        });

    [Fact]
    public void create_material_is_applied_with_the_hosts_shader_and_removed_by_a_rollback() =>
        RoundTrip($$$$"""[{"op": "create_material", "uuid": "{{{{New}}}}", "name": "Glass", "base_color": [0.9, 0.9, 1, 0.2], "metallic": 0, "roughness": 0.05, "emission": [0, 0, 0], "alpha_mode": "BLEND"}]""", () =>
        {
            var m = _scene.MaterialOf(New);
            Assert.Equal("Standard", m.Shader);
            Assert.Equal("Transparent", m.RenderType);
            Assert.Equal(0.2f, m.Colors["_Color"].A);
        });

    [Fact]
    public void create_image_keeps_the_encoded_bytes_and_a_rollback_removes_the_texture()
    {
        var blob = Upload(Png4x2);
        // Bound to a texture in the same intent: a whole scene is what its objects use (docs/sync.md).
        RoundTrip($$$$"""
            [{"op": "create_image", "uuid": "{{{{New}}}}", "name": "bricks_n.png", "mime": "image/png", "blob": "{{{{blob}}}}", "width": 4, "height": 2, "color_space": "linear"},
             {"op": "set_material_params", "uuid": "{{{{Brick}}}}", "textures": {"normal": {"image": "{{{{New}}}}"}}}]
            """, () =>
        {
            Assert.Equal(Png4x2, _scene.ImageBytes(New));
            var t = _scene.ReadImage(New);
            Assert.False(t.Srgb);
            Assert.Equal((4, 2), (t.Width, t.Height));
            Assert.Equal(blob, _adapter.Canonical().Images.Single(i => i.Uuid == New).Blob);
        });
    }

    [Fact]
    public void replace_image_writes_new_bytes_and_a_rollback_restores_the_old_file()
    {
        var blob = Upload(Png4x2);
        RoundTrip($$$$"""[{"op": "replace_image", "uuid": "{{{{Albedo}}}}", "blob": "{{{{blob}}}}", "mime": "image/png", "width": 4, "height": 2}]""", () =>
        {
            Assert.Equal(Png4x2, _scene.ImageBytes(Albedo));
            Assert.Equal(4, _scene.ReadImage(Albedo).Width);
        });
    }

    [Fact]
    public void set_camera_writes_field_of_view_and_clip_planes_and_switches_to_orthographic_and_back()
    {
        RoundTrip($$$$"""[{"op": "set_camera", "uuid": "{{{{Camera}}}}", "yfov": 1.0, "znear": 0.5}]""", () =>
        {
            var c = _scene.Objects().Single(o => o.Id == Camera).Camera!;
            Assert.Equal((float)(1.0 * 180 / Math.PI), c.FieldOfView);
            Assert.Equal(0.5f, c.NearClipPlane);
            Assert.Equal(100f, c.FarClipPlane);
        });
        RoundTrip($$$$"""[{"op": "set_camera", "uuid": "{{{{Camera}}}}", "type": "orthographic", "xmag": 3.6, "ymag": 2.025}]""", () =>
        {
            var c = _scene.Objects().Single(o => o.Id == Camera).Camera!;
            Assert.True(c.Orthographic);
            Assert.Equal(2.025f, c.OrthographicSize);
            Assert.Equal(CameraParameters.Orthographic((float)3.6, (float)2.025, (float)0.1, 100), _adapter.Canonical().Objects.Single(o => o.Uuid == Camera).Camera);
        });
    }

    [Fact]
    public void set_light_writes_unitys_intensity_range_and_spot_angles_and_is_rolled_back_bit_for_bit() =>
        RoundTrip($$$$"""[{"op": "set_light", "uuid": "{{{{Light}}}}", "intensity": 100, "range": 12.5, "outer_cone": 0.5, "inner_cone": 0.25}]""", () =>
        {
            var l = _scene.Objects().Single(o => o.Id == Light).Light!;
            Assert.Equal((float)(100 / Math.PI), l.Intensity);
            Assert.Equal(12.5f, l.Range);
            Assert.Equal((float)(2 * (float)0.5 * 180 / Math.PI), l.SpotAngle);
            Assert.Equal((float)(2 * (float)0.25 * 180 / Math.PI), l.InnerSpotAngle);
        });

    [Fact]
    public void a_light_unity_cannot_report_in_gltf_refuses_set_light_and_changes_nothing()
    {
        var o = _scene.Objects().Single(x => x.Id == Light);
        _scene.Write(o with { Light = o.Light! with { Type = UnityLightType.Rectangle } });
        var before = SimDump.Of(_scene);
        var (type, body) = Apply(2, $$$$"""[{"op": "set_light", "uuid": "{{{{Light}}}}", "intensity": 3}]""");
        Assert.Equal(MessageType.Error, type);
        Assert.Contains("UNREPRESENTABLE_LIGHT", body);
        Assert.Equal(before, SimDump.Of(_scene));
        Assert.Null(_adapter.Canonical().Objects.Single(x => x.Uuid == Light).Light);
    }

    [Fact]
    public void an_image_whose_blob_never_arrived_is_refused_blob_missing_and_changes_nothing()
    {
        var before = SimDump.Of(_scene);
        var (type, body) = Apply(3, $$$$"""[{"op": "create_image", "uuid": "{{{{New}}}}", "name": "x.png", "mime": "image/png", "blob": "{{{{BlobId.OfBytes(Png4x2)}}}}", "width": 4, "height": 2, "color_space": "srgb"}]""");
        Assert.Equal(MessageType.Error, type);
        Assert.Contains("BLOB_MISSING", body);
        Assert.Equal(before, SimDump.Of(_scene));
    }

    [Fact]
    public void the_report_after_every_operation_equals_what_the_orchestrator_predicts_hash_for_hash()
    {
        var blob = Upload(Png4x2);
        var ops = $$$$"""
            [{"op": "set_material_params", "uuid": "{{{{Brick}}}}", "base_color": [0.3, 0.6, 0.9, 1], "metallic": 0.7, "emission": [0.2, 0.1, 0], "emissive_strength": 3,
              "textures": {"emissive": {"image": "{{{{Albedo}}}}", "offset": [0.1, 0.2], "rotation": 1.2, "scale": [3, 0.5], "mag_filter": "NEAREST"}}},
             {"op": "create_image", "uuid": "{{{{New}}}}", "name": "n.png", "mime": "image/png", "blob": "{{{{blob}}}}", "width": 4, "height": 2, "color_space": "linear"},
             {"op": "set_material_params", "uuid": "{{{{Brick}}}}", "textures": {"normal": {"image": "{{{{New}}}}"}}},
             {"op": "set_camera", "uuid": "{{{{Camera}}}}", "yfov": 0.9, "aspect": 1.5, "zfar": 250},
             {"op": "set_light", "uuid": "{{{{Light}}}}", "type": "point", "color": [0.2, 0.4, 1], "intensity": 80, "range": null}]
            """;
        var expected = _adapter.Canonical();
        var (type, body) = Apply(4, ops);
        Assert.True(type == MessageType.Applied, body);
        foreach (var op in OperationReader.ReadOperations(JsonParser.Parse(ops), null)) expected = Expect(expected, op);
        var predicted = EngineStorage.StoredAs(expected, Space.Unity);
        var reported = _adapter.Canonical();
        Assert.Equal(predicted.Materials.Single(m => m.Uuid == Brick), reported.Materials.Single(m => m.Uuid == Brick));
        Assert.Equal(predicted.Objects.Single(o => o.Uuid == Camera).Camera, reported.Objects.Single(o => o.Uuid == Camera).Camera);
        Assert.Equal(predicted.Objects.Single(o => o.Uuid == Light).Light, reported.Objects.Single(o => o.Uuid == Light).Light);
        Assert.Equal(Hex.Encode(SceneHasher.Hash(predicted).Root), Hex.Encode(SceneHasher.Hash(reported).Root));
    }

    /// <summary>The scene after <paramref name="op"/>, computed from the records alone (what the orchestrator's Reality does).</summary>
    private static Scene Expect(Scene s, Operation op) => op switch
    {
        SetMaterialParams mp => s with { Materials = s.Materials.Select(m => m.Uuid == mp.Uuid ? mp.ApplyTo(m) : m).ToList() },
        CreateImage ci => s with { Images = s.Images.Append(ci.Image).OrderBy(i => i.Uuid, StringComparer.Ordinal).ToList() },
        SetCamera sc => s with { Objects = s.Objects.Select(o => o.Uuid == sc.Uuid ? o with { Camera = sc.ApplyTo(o.Camera, out _, out _) } : o).ToList() },
        SetLight sl => s with { Objects = s.Objects.Select(o => o.Uuid == sl.Uuid ? o with { Light = sl.ApplyTo(o.Light!, out _) } : o).ToList() },
        _ => throw new InvalidOperationException(op.Name),
    };

    [Fact]
    public void a_humans_edits_of_material_properties_camera_and_light_are_reported_as_operations()
    {
        var m = _scene.ReadMaterial(Brick);
        m.Floats["_Glossiness"] = 0.9f;
        m.Floats["_Mode"] = 0; // the inspector's Rendering Mode back to Opaque
        m.Keywords.Remove("_ALPHATEST_ON");
        m.RenderQueue = 2000;
        m.RenderType = "";
        _scene.WriteMaterial(Brick, m);
        var cam = _scene.Objects().Single(o => o.Id == Camera);
        _scene.Write(cam with { Camera = cam.Camera! with { FieldOfView = 50 } });
        var light = _scene.Objects().Single(o => o.Id == Light);
        _scene.Write(light with { Light = light.Light! with { Intensity = 2, Range = 20 } });
        var edit = _adapter.Tick();
        Assert.NotNull(edit);
        var ops = OperationReader.ReadOperations(JsonFields.AsObject(JsonParser.Parse(edit!), "edit").Get("operations")!, null);
        var mp = Assert.Single(ops.OfType<SetMaterialParams>());
        Assert.Equal(1 - 0.9f, mp.Roughness!.Value, 6);
        Assert.Equal(AlphaMode.Opaque, mp.AlphaMode);
        Assert.Null(mp.BaseColor); // untouched fields are not reported
        Assert.Null(mp.Textures);
        Assert.Equal(50 * Math.PI / 180, Assert.Single(ops.OfType<SetCamera>()).YFov!.Value, 6);
        var sl = Assert.Single(ops.OfType<SetLight>());
        Assert.Equal(2 * Math.PI, sl.Intensity!.Value, 5);
        Assert.Equal(20, sl.Range);
        Assert.Null(_adapter.Tick()); // reported once
    }

    private IReadOnlyList<Operation> Edits()
    {
        var edit = _adapter.Tick();
        Assert.NotNull(edit);
        return OperationReader.ReadOperations(JsonFields.AsObject(JsonParser.Parse(edit!), "edit").Get("operations")!, null);
    }

    [Fact]
    public void a_humans_change_of_a_textures_wrap_and_filter_is_reported_as_the_bindings_new_sampler()
    {
        _adapter.Tick();
        var t = _scene.ReadImage(Albedo);
        _scene.WriteImage(Albedo, t with { WrapU = UnityWrap.Clamp, Filter = UnityFilter.Point }, null); // the importer's Wrap Mode U and Filter Mode
        var mp = Assert.Single(Edits().OfType<SetMaterialParams>());
        var b = mp.Textures![TextureSlot.BaseColor]!;
        Assert.Equal((TextureWrap.ClampToEdge, TextureWrap.Repeat), (b.WrapS, b.WrapT)); // V untouched: the binding's own
        Assert.Equal((MagFilter.Nearest, MinFilter.NearestMipmapNearest), (b.MagFilter, b.MinFilter));
        Assert.Equal((1, new Vector2d(2, 2), 0.25f), (b.TexCoord, b.Scale, (float)b.Rotation)); // what Unity cannot hold stays as written
        Assert.Null(mp.BaseColor);
        Assert.Null(_adapter.Tick()); // reported once

        _scene.WriteImage(Albedo, _scene.ReadImage(Albedo) with { WrapV = UnityWrap.Mirror, Filter = UnityFilter.Bilinear }, null);
        b = Assert.Single(Edits().OfType<SetMaterialParams>()).Textures![TextureSlot.BaseColor]!;
        Assert.Equal((TextureWrap.ClampToEdge, TextureWrap.MirroredRepeat), (b.WrapS, b.WrapT));
        Assert.Equal((MagFilter.Linear, MinFilter.LinearMipmapNearest), (b.MagFilter, b.MinFilter)); // Bilinear maps back to Bilinear
        Assert.Equal(new UnitySampler(UnityWrap.Clamp, UnityWrap.Mirror, UnityFilter.Bilinear), SamplerMapping.ToUnity(b));
    }

    [Fact]
    public void two_materials_binding_one_texture_with_different_samplers_report_nothing_until_the_texture_changes()
    {
        _adapter.Tick();
        var (type, body) = Apply(9, $$$$"""
            [{"op": "create_material", "uuid": "{{{{New}}}}", "name": "Clamped", "base_color": [1, 1, 1, 1], "metallic": 0, "roughness": 0.5, "emission": [0, 0, 0], "textures": {"base_color": {"image": "{{{{Albedo}}}}", "wrap_s": "CLAMP_TO_EDGE", "wrap_t": "CLAMP_TO_EDGE"}}},
            {"op": "create_object", "uuid": "{{{{Other}}}}", "name": "Cube2", "kind": "mesh", "parent": null, "translation": [0, 0, 0], "rotation": [0, 0, 0, 1], "scale": [1, 1, 1], "visible": true, "mesh": "5a1d0000-0000-4000-8000-0000000000b1", "materials": ["{{{{New}}}}"]}]
            """);
        Assert.True(type == MessageType.Applied, body);
        Assert.Equal(UnityWrap.Clamp, _scene.ReadImage(Albedo).WrapU); // the last written wins in Unity
        var records = _adapter.Canonical().Materials;
        Assert.Equal(TextureWrap.Repeat, records.Single(m => m.Uuid == Brick).Texture(TextureSlot.BaseColor)!.WrapS); // each record keeps its own
        Assert.Equal(TextureWrap.ClampToEdge, records.Single(m => m.Uuid == New).Texture(TextureSlot.BaseColor)!.WrapS);
        Assert.Equal(MessageType.Ack, _adapter.Finalize(JsonFields.AsObject(JsonParser.Parse("{\"intents\": [9]}"), "finalize")).Type);
        Assert.Null(_adapter.Tick());

        _scene.WriteImage(Albedo, _scene.ReadImage(Albedo) with { WrapU = UnityWrap.Mirror }, null);
        var changed = Edits().OfType<SetMaterialParams>().ToDictionary(m => m.Uuid, m => m.Textures![TextureSlot.BaseColor]!);
        Assert.Equal(new[] { Brick, New }.OrderBy(x => x), changed.Keys.OrderBy(x => x)); // one texture, both bindings
        Assert.All(changed.Values, b => Assert.Equal(TextureWrap.MirroredRepeat, b.WrapS));
        Assert.Equal(TextureWrap.Repeat, changed[Brick].WrapT);
        Assert.Equal(TextureWrap.ClampToEdge, changed[New].WrapT);
    }

    [Fact]
    public void a_sampler_change_rolled_back_restores_the_texture_and_what_it_is_compared_with()
    {
        _adapter.Tick();
        var noted = _scene.Notes.Sampler(Albedo);
        var (type, body) = Apply(10, $$$$"""[{"op": "set_material_params", "uuid": "{{{{Brick}}}}", "textures": {"base_color": {"image": "{{{{Albedo}}}}", "wrap_s": "MIRRORED_REPEAT", "mag_filter": "NEAREST"}}}]""");
        Assert.True(type == MessageType.Applied, body);
        Assert.Equal(new UnitySampler(UnityWrap.Mirror, UnityWrap.Repeat, UnityFilter.Point), _scene.Notes.Sampler(Albedo));
        Assert.Equal(MessageType.Ack, _adapter.Rollback(10).Type);
        Assert.Equal(noted, _scene.Notes.Sampler(Albedo));
        Assert.Equal(noted, _scene.ReadImage(Albedo).Sampler);
        Assert.Null(_adapter.Tick());
    }

    [Fact]
    public void a_humans_new_file_for_a_texture_is_reported_as_replace_image_and_its_bytes_are_served()
    {
        _adapter.Tick();
        _scene.WriteImage(Albedo, _scene.ReadImage(Albedo) with { Width = 4, Height = 2 }, Png4x2); // a new file saved over albedo.png
        var ri = Assert.Single(Edits().OfType<ReplaceImage>());
        Assert.Equal((Albedo, BlobId.OfBytes(Png4x2), ImageMime.Png, 4, 2), (ri.Uuid, ri.Blob, ri.Mime, ri.Width, ri.Height));
        Assert.True(_adapter.Images.TryGet(ri.Blob, out _, out var served)); // what the link answers BLOB_WANT with
        Assert.Equal(Png4x2, served.ToArray());
        Assert.Empty(EditsIfAny().OfType<SetMaterialParams>());
    }

    private IReadOnlyList<Operation> EditsIfAny() => _adapter.Tick() is { } e ? OperationReader.ReadOperations(JsonFields.AsObject(JsonParser.Parse(e), "edit").Get("operations")!, null) : Array.Empty<Operation>();

    [Fact]
    public void a_camera_made_by_create_object_reports_no_parameters_until_a_human_changes_it()
    {
        var (type, body) = Apply(5, $$$$"""[{"op": "create_object", "uuid": "{{{{New}}}}", "name": "Cam2", "kind": "camera", "parent": null, "translation": [0, 0, 0], "rotation": [0, 0, 0, 1], "scale": [1, 1, 1], "visible": true, "mesh": null, "materials": []}]""");
        Assert.True(type == MessageType.Applied, body);
        Assert.Null(_adapter.Canonical().Objects.Single(o => o.Uuid == New).Camera); // create_object carries none: the orchestrator expects null
        _adapter.Tick();
        var made = _scene.Objects().Single(o => o.Id == New);
        _scene.Write(made with { Camera = made.Camera! with { FieldOfView = 35 } });
        Assert.Equal(35 * Math.PI / 180, _adapter.Canonical().Objects.Single(o => o.Uuid == New).Camera!.YFov, 6);
        var edit = _adapter.Tick()!;
        var set = Assert.Single(OperationReader.ReadOperations(JsonFields.AsObject(JsonParser.Parse(edit), "edit").Get("operations")!, null).OfType<SetCamera>());
        Assert.Equal(CameraType.Perspective, set.Type); // the whole camera, as a first set_camera needs
        Assert.NotNull(set.Aspect);
    }

    [Fact]
    public void an_unsynced_reason_blender_states_is_kept_with_the_material_and_reported_back()
    {
        var (type, body) = Apply(6, $$$$"""[{"op": "set_material_params", "uuid": "{{{{Brick}}}}", "metallic": 0.5, "unsynced": "Principled BSDF input Subsurface is linked"}]""");
        Assert.True(type == MessageType.Applied, body);
        Assert.Equal("Principled BSDF input Subsurface is linked", _adapter.Canonical().Materials.Single(m => m.Uuid == Brick).Unsynced);
        Assert.Equal("Principled BSDF input Subsurface is linked", _scene.Notes.Material(Brick)!.Unsynced);
    }

    [Fact]
    public void an_image_whose_bytes_are_not_the_png_its_record_says_is_refused_image_format_and_changes_nothing()
    {
        var before = SimDump.Of(_scene);
        var blob = Upload(Png4x2);
        var (type, body) = Apply(7, $$$$"""[{"op": "create_image", "uuid": "{{{{New}}}}", "name": "x.png", "mime": "image/png", "blob": "{{{{blob}}}}", "width": 8, "height": 2, "color_space": "srgb"}]""");
        Assert.Equal(MessageType.Error, type);
        Assert.Contains("IMAGE_FORMAT", body); // the header says 4×2
        var junk = Upload(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 });
        (type, body) = Apply(8, $$$$"""[{"op": "replace_image", "uuid": "{{{{Albedo}}}}", "blob": "{{{{junk}}}}", "mime": "image/png", "width": 2, "height": 2}]""");
        Assert.Equal(MessageType.Error, type);
        Assert.Contains("IMAGE_FORMAT", body);
        Assert.Equal(before, SimDump.Of(_scene));
    }

    [Fact]
    public void a_camera_created_with_parameters_reports_them_and_a_rollback_forgets_them() =>
        RoundTrip($$$$"""[{"op": "create_object", "uuid": "{{{{New}}}}", "name": "Cam2", "kind": "camera", "parent": null, "translation": [0, 0, 0], "rotation": [0, 0, 0, 1], "scale": [1, 1, 1], "camera": {"type": "orthographic", "xmag": 2, "ymag": 1, "znear": 0.5, "zfar": 50}}]""", () =>
        {
            Assert.Equal(CameraParameters.Orthographic(2, 1, 0.5, 50), _adapter.Canonical().Objects.Single(o => o.Uuid == New).Camera);
            Assert.Equal(1f, _scene.Objects().Single(o => o.Id == New).Camera!.OrthographicSize);
        });
}
