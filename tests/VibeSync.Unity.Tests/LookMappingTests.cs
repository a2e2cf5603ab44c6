using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.State;
using VibeSync.Unity.Looks;

namespace VibeSync.Unity.Tests;

/// <summary>
/// The one mapping table (docs/unity.md, "Materials"): material records to the Standard and URP Lit
/// shaders' properties by name, cameras and lights to their Unity members, and back.
/// </summary>
public sealed class LookMappingTests
{
    private const string Id = "5a1d0000-0000-4000-8000-0000000000a7";
    private const string Albedo = "5a1d0000-0000-4000-8000-0000000000c1";
    private const string Bumps = "5a1d0000-0000-4000-8000-0000000000c2";

    private static Material Brick(AlphaMode mode = AlphaMode.Opaque) =>
        new Material(Id, "Brick", new Vector4d(0.8, 0.2, 0.05, 0.6), 0.25, 0.3, new Vector3d(0.5, 0.25, 0))
        {
            EmissiveStrength = 4, AlphaMode = mode, AlphaCutoff = 0.4, DoubleSided = true, NormalScale = 0.75, OcclusionStrength = 0.5,
            Textures = new Dictionary<TextureSlot, TextureBinding>
            {
                [TextureSlot.BaseColor] = TextureBinding.Of(Albedo) with { Offset = new Vector2d(0.25, 0.125), Scale = new Vector2d(2, 4), Rotation = 0.5, TexCoord = 1 },
                [TextureSlot.Normal] = TextureBinding.Of(Bumps) with { WrapS = TextureWrap.ClampToEdge, MagFilter = MagFilter.Nearest },
            },
        };

    [Theory]
    [InlineData(AlphaMode.Opaque, 0f, 1f, 0f, 1f, 2000, "", null)]
    [InlineData(AlphaMode.Mask, 1f, 1f, 0f, 1f, 2450, "TransparentCutout", "_ALPHATEST_ON")]
    [InlineData(AlphaMode.Blend, 2f, 5f, 10f, 0f, 3000, "Transparent", "_ALPHABLEND_ON")]
    public void the_standard_shader_gets_the_inspectors_blend_setup_for_each_alpha_mode(AlphaMode mode, float standardMode, float src, float dst, float zwrite, int queue, string renderType, string? keyword)
    {
        var s = MaterialMapping.ToUnity(Brick(mode), ShaderFamily.Standard);
        Assert.Equal("Standard", s.Shader);
        Assert.Equal(standardMode, s.Floats["_Mode"]);
        Assert.Equal(src, s.Floats["_SrcBlend"]);
        Assert.Equal(dst, s.Floats["_DstBlend"]);
        Assert.Equal(zwrite, s.Floats["_ZWrite"]);
        Assert.Equal(queue, s.RenderQueue);
        Assert.Equal(renderType, s.RenderType);
        Assert.Equal(0.4f, s.Floats["_Cutoff"]); // kept whatever the mode
        foreach (var k in new[] { "_ALPHATEST_ON", "_ALPHABLEND_ON", "_ALPHAPREMULTIPLY_ON" }) Assert.Equal(k == keyword, s.Keywords.Contains(k));
    }

    [Theory]
    [InlineData(AlphaMode.Opaque, 0f, 0f, 1f, 0f, 1f, 2000, "Opaque", null)]
    [InlineData(AlphaMode.Mask, 0f, 1f, 1f, 0f, 1f, 2450, "TransparentCutout", "_ALPHATEST_ON")]
    [InlineData(AlphaMode.Blend, 1f, 0f, 5f, 10f, 0f, 3000, "Transparent", "_SURFACE_TYPE_TRANSPARENT")]
    public void urp_lit_gets_its_surface_type_and_alpha_clip_for_each_alpha_mode(AlphaMode mode, float surface, float clip, float src, float dst, float zwrite, int queue, string renderType, string? keyword)
    {
        var s = MaterialMapping.ToUnity(Brick(mode), ShaderFamily.UrpLit);
        Assert.Equal("Universal Render Pipeline/Lit", s.Shader);
        Assert.Equal(surface, s.Floats["_Surface"]);
        Assert.Equal(0f, s.Floats["_Blend"]); // straight alpha, glTF's
        Assert.Equal(clip, s.Floats["_AlphaClip"]);
        Assert.Equal(src, s.Floats["_SrcBlend"]);
        Assert.Equal(dst, s.Floats["_DstBlend"]);
        Assert.Equal(zwrite, s.Floats["_ZWrite"]);
        Assert.Equal(queue, s.RenderQueue);
        Assert.Equal(renderType, s.RenderType);
        foreach (var k in new[] { "_ALPHATEST_ON", "_SURFACE_TYPE_TRANSPARENT", "_ALPHAPREMULTIPLY_ON" }) Assert.Equal(k == keyword, s.Keywords.Contains(k));
    }

    [Fact]
    public void colours_are_written_gamma_encoded_smoothness_is_one_minus_roughness_and_emission_carries_its_strength()
    {
        foreach (var family in new[] { ShaderFamily.Standard, ShaderFamily.UrpLit })
        {
            var s = MaterialMapping.ToUnity(Brick(), family);
            var color = s.Colors[family == ShaderFamily.Standard ? "_Color" : "_BaseColor"];
            Assert.Equal(SrgbTransfer.ToGamma(0.8), color.R);
            Assert.Equal(0.9063318f, color.R, 5); // sRGB of linear 0.8
            Assert.Equal(0.6f, color.A);            // alpha is not encoded
            Assert.Equal(0.7f, s.Floats[family == ShaderFamily.Standard ? "_Glossiness" : "_Smoothness"]);
            Assert.Equal(0.25f, s.Floats["_Metallic"]);
            Assert.Equal(SrgbTransfer.ToGamma(0.5 * 4), s.Colors["_EmissionColor"].R); // HDR: emission × emissive_strength
            Assert.Equal(0f, s.Floats["_Cull"]);    // double-sided: CullMode.Off
            Assert.Equal(0.75f, s.Floats["_BumpScale"]);
            Assert.Equal(0.5f, s.Floats["_OcclusionStrength"]);
        }
    }

    [Fact]
    public void a_normal_texture_turns_on_normalmap_and_emission_turns_on_emission_and_neither_is_on_without_them()
    {
        var with = MaterialMapping.ToUnity(Brick(), ShaderFamily.Standard);
        Assert.Contains("_NORMALMAP", with.Keywords);
        Assert.Contains("_EMISSION", with.Keywords);
        Assert.Equal(Bumps, with.Textures["_BumpMap"]);
        Assert.Equal(Albedo, with.Textures["_MainTex"]);
        var without = MaterialMapping.ToUnity(Brick() with { Emission = Vector3d.Zero, Textures = Material.NoTextures }, ShaderFamily.UrpLit);
        Assert.DoesNotContain("_NORMALMAP", without.Keywords);
        Assert.DoesNotContain("_EMISSION", without.Keywords);
        Assert.Empty(without.Textures);
        var maps = MaterialMapping.ToUnity(Brick() with { Textures = new Dictionary<TextureSlot, TextureBinding> { [TextureSlot.MetallicRoughness] = TextureBinding.Of(Albedo), [TextureSlot.Occlusion] = TextureBinding.Of(Bumps) } }, ShaderFamily.UrpLit);
        Assert.Contains("_METALLICSPECGLOSSMAP", maps.Keywords);
        Assert.Contains("_OCCLUSIONMAP", maps.Keywords);
        var standard = MaterialMapping.ToUnity(Brick() with { Textures = new Dictionary<TextureSlot, TextureBinding> { [TextureSlot.MetallicRoughness] = TextureBinding.Of(Albedo) } }, ShaderFamily.Standard);
        Assert.Contains("_METALLICGLOSSMAP", standard.Keywords);
        Assert.Equal(Albedo, standard.Textures["_MetallicGlossMap"]);
    }

    [Fact]
    public void a_texture_transform_becomes_unitys_tiling_and_offset_with_the_v_origin_moved_to_the_bottom()
    {
        var st = MaterialMapping.ToUnity(Brick(), ShaderFamily.Standard).ScaleOffsets["_MainTex"];
        Assert.Equal(new UnityScaleOffset(2, 4, 0.25f, 1 - 0.125f - 4), st); // glTFast's (sx, sy, ox, 1 − oy − sy)
        var (offset, scale) = TextureTransforms.FromUnity(st);
        Assert.Equal(new Vector2d(0.25, 0.125), offset);
        Assert.Equal(new Vector2d(2, 4), scale);
    }

    [Fact]
    public void the_report_of_a_written_material_equals_the_record_as_unity_stores_it_hash_for_hash()
    {
        foreach (var family in new[] { ShaderFamily.Standard, ShaderFamily.UrpLit })
            foreach (var mode in new[] { AlphaMode.Opaque, AlphaMode.Mask, AlphaMode.Blend })
            {
                var applied = Looks.LookRecords.Stored(Brick(mode));
                var read = MaterialMapping.FromUnity(Id, MaterialMapping.ToUnity(applied, family), applied);
                Assert.Equal(applied, read); // rotation, UV set, sampler and emissive strength included: kept beside the material
                Assert.Equal(Hex.Encode(SceneHasher.Hash(One(applied)).Root), Hex.Encode(SceneHasher.Hash(One(read)).Root));
            }
    }

    [Fact]
    public void without_notes_the_inverse_mapping_alone_gives_the_record_back_within_the_hash_tolerance()
    {
        var applied = Brick(AlphaMode.Mask);
        var read = MaterialMapping.FromUnity(Id, MaterialMapping.ToUnity(applied, ShaderFamily.UrpLit), null);
        Assert.Equal(0.8, read.BaseColor.X, 6);
        Assert.Equal(0.6, read.BaseColor.W, 6);
        Assert.Equal(0.3, read.Roughness, 6);
        Assert.Equal(AlphaMode.Mask, read.AlphaMode);
        Assert.Equal(0.4, read.AlphaCutoff, 6);
        Assert.True(read.DoubleSided);
        Assert.Equal(2.0, read.Emission.X, 5); // strength unknown to Unity: 1, so the product is the emission
        Assert.Equal(0.125, read.Texture(TextureSlot.BaseColor)!.Offset.Y, 6);
    }

    [Fact]
    public void a_humans_smoothness_edit_reads_back_as_one_minus_roughness_and_leaves_the_other_fields_as_written()
    {
        var applied = Looks.LookRecords.Stored(Brick());
        var s = MaterialMapping.ToUnity(applied, ShaderFamily.Standard);
        s.Floats["_Glossiness"] = 0.9f;
        var read = MaterialMapping.FromUnity(Id, s, applied);
        Assert.Equal(1 - 0.9f, read.Roughness, 6);
        Assert.Equal(applied with { Roughness = read.Roughness }, read);
    }

    [Fact]
    public void a_camera_maps_to_field_of_view_in_degrees_clip_planes_and_orthographic_size_and_keeps_its_aspect()
    {
        var start = new UnityCamera(false, 60, 5, 0.3f, 1000, 16f / 9f);
        var perspective = Looks.LookRecords.Stored(CameraParameters.Perspective(0.6911, 1.5, 0.1, 100));
        var u = CameraMapping.ToUnity(perspective, start);
        Assert.False(u.Orthographic);
        Assert.Equal((float)((float)0.6911 * 180 / Math.PI), u.FieldOfView);
        Assert.Equal(0.1f, u.NearClipPlane);
        Assert.Equal(100f, u.FarClipPlane);
        Assert.Equal(16f / 9f, u.Aspect); // never written: Unity derives it from the screen
        Assert.Equal(Looks.LookRecords.Stored(perspective), CameraMapping.FromUnity(u, Looks.LookRecords.Stored(perspective)));
        var ortho = Looks.LookRecords.Stored(CameraParameters.Orthographic(3.6, 2.025, 0.1, 100));
        var o = CameraMapping.ToUnity(ortho, start);
        Assert.True(o.Orthographic);
        Assert.Equal(2.025f, o.OrthographicSize);
        Assert.Equal(Looks.LookRecords.Stored(ortho), CameraMapping.FromUnity(o, Looks.LookRecords.Stored(ortho)));
        var human = CameraMapping.FromUnity(u with { FieldOfView = 45 }, Looks.LookRecords.Stored(perspective));
        Assert.Equal(45 * Math.PI / 180, human.YFov, 6);
        Assert.Equal((float)1.5, human.Aspect);
    }

    [Fact]
    public void a_light_maps_as_gltfast_does_for_the_built_in_pipeline()
    {
        var start = new UnityLight(UnityLightType.Point, new UnityColor(1, 1, 1, 1), 1, 10, 30, 21.80208f);
        var spot = Looks.LookRecords.Stored(new LightParameters(LightType.Spot, new Vector3d(1, 0.5, 0.25), 543.5, null, 0.6545, 0.7854));
        var u = LightMapping.ToUnity(spot, start);
        Assert.Equal(UnityLightType.Spot, u.Type);
        Assert.Equal((float)(543.5 / Math.PI), u.Intensity); // glTFast: intensity / π (Built-in, factor 1)
        Assert.Equal(LightMapping.InfiniteRange, u.Range);
        Assert.Equal((float)(2 * (float)0.7854 * 180 / Math.PI), u.SpotAngle);
        Assert.Equal((float)(2 * (float)0.6545 * 180 / Math.PI), u.InnerSpotAngle);
        Assert.Equal(SrgbTransfer.ToGamma(0.5), u.Color.G);
        Assert.Equal(spot, LightMapping.FromUnity(u, spot));
        var point = new LightParameters(LightType.Point, new Vector3d(1, 1, 1), 100, 7.5, 0, 0);
        var p = LightMapping.ToUnity(point, start);
        Assert.Equal(7.5f, p.Range);
        Assert.Equal(30f, p.SpotAngle); // a point light's cone is left as it was
        var human = LightMapping.FromUnity(p with { Intensity = 2 }, Looks.LookRecords.Stored(point))!;
        Assert.Equal(2 * Math.PI, human.Intensity, 5);
        Assert.Equal(7.5, human.Range);
        Assert.Null(LightMapping.FromUnity(p with { Type = UnityLightType.Rectangle }, null)); // an area light has no glTF record
    }

    private static Scene One(Material m) => new(Array.Empty<SceneObject>(), new[] { m }, Array.Empty<Mesh>());
}

public sealed class LookNotesTests
{
    [Fact]
    public void the_notes_survive_a_domain_reload_as_text_exactly()
    {
        var notes = new LookNotes();
        var m = new Material("5a1d0000-0000-4000-8000-0000000000a7", "Brick", new Vector4d(0.1, 0.2, 0.3, 1), 0.5, 0.25, Vector3d.Zero)
        {
            Unsynced = "Principled BSDF input Subsurface is linked",
            Textures = new Dictionary<TextureSlot, TextureBinding> { [TextureSlot.Normal] = TextureBinding.Of("5a1d0000-0000-4000-8000-0000000000c2") with { Rotation = 0.3, TexCoord = 2 } },
        };
        notes.SetMaterial(m.Uuid, m);
        notes.SetCamera("cam", CameraParameters.Perspective(0.7, 1.5, 0.1, 100));
        notes.SetLight("sun", new LightParameters(LightType.Directional, new Vector3d(1, 0.9, 0.8), 3, null, 0, 0));
        var held = new UnityCamera(true, 60, 5.5f, 0.3f, 1000, 1.25f);
        var light = new UnityLight(UnityLightType.Spot, new UnityColor(1, 0.25f, 0.1f, 1), 1.5f, 10, 30, 21.80208f);
        notes.SetUnsyncedCamera("cam2", held);
        notes.SetUnsyncedLight("lamp", light);
        var sampler = new UnitySampler(UnityWrap.Mirror, UnityWrap.Clamp, UnityFilter.Point);
        notes.SetSampler("5a1d0000-0000-4000-8000-0000000000c2", sampler);
        var reloaded = new LookNotes();
        reloaded.Load(notes.ToText());
        Assert.Equal(sampler, reloaded.Sampler("5a1d0000-0000-4000-8000-0000000000c2"));
        Assert.Equal(held, reloaded.UnsyncedCamera("cam2"));
        Assert.Equal(light, reloaded.UnsyncedLight("lamp"));
        Assert.Equal(m, reloaded.Material(m.Uuid));
        Assert.Equal(notes.Camera("cam"), reloaded.Camera("cam"));
        Assert.Equal(notes.Light("sun"), reloaded.Light("sun"));
        var broken = new LookNotes();
        broken.Load("{\"materials\": [{\"uuid\": 3}]}");
        Assert.Empty(broken.Materials);
    }
}
