using System.Text.Json;
using SharpGLTF.Schema2;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// Issue #18 item 6: materials, images, cameras and lights checked against Blender's own glTF
/// exporter in both directions. samples/materials_lights_cameras.py builds the scene in real Blender
/// (every texture slot, a texture transform through a Mapping node, a second UV set, nearest and
/// clamped samplers, each alpha mode, single- and double-sided, emission above 1, point, ranged,
/// spot and sun lights, perspective cameras with each sensor fit and an orthographic one, 100
/// materials on 10 shared textures). Blender → Unity: the exporter's file against `vibesync export
/// --gltf --engine unity` after a sync. Unity → Blender: edits made in the simulator, synced into the
/// live Blender, the .blend it saves exported by the same exporter, against the same export and
/// against the values Unity was given.
/// </summary>
public sealed class LookReferenceTests : EndToEndTest
{
    /// <summary>Builds the sample scene (small images) with real Blender, exports it with the bundled exporter and saves it.</summary>
    private async Task<(string Blend, string Reference)> SampleAsync()
    {
        var blend = Path.Combine(Work, "looks.blend");
        var reference = Path.Combine(Directory.CreateDirectory(Path.Combine(Work, "blender-exporter")).FullName, "scene.gltf");
        var script = await WriteAsync("looks.py", """
            import sys, os, bpy
            sys.path.insert(0, sys.argv[-3])
            import materials_lights_cameras as sample
            sample.build(os.path.join(os.path.dirname(sys.argv[-1]), "images"), small=True)
            sample.export(sys.argv[-2])
            bpy.ops.wm.save_as_mainfile(filepath=sys.argv[-1])
            """.Replace("            ", ""));
        var (built, output) = await Parts.RunAsync("blender", TimeSpan.FromSeconds(180), "-b", "--factory-startup", "--python-exit-code", "1", "--python", script, "--",
            Path.Combine(Parts.Repo, "samples"), reference, blend);
        Assert.True(built == 0 && File.Exists(blend) && File.Exists(reference), $"Blender could not build and export the looks scene ({built}): {output[^Math.Min(2000, output.Length)..]}");
        return (blend, reference);
    }

    /// <summary>Blender's bundled exporter run on a saved .blend, as samples/materials_lights_cameras.py's export does.</summary>
    private async Task<string> ExportWithBlenderAsync(string blend, string name)
    {
        var path = Path.Combine(Directory.CreateDirectory(Path.Combine(Work, name)).FullName, "scene.gltf");
        var script = await WriteAsync(name + ".py", """
            import sys
            sys.path.insert(0, sys.argv[-2])
            import materials_lights_cameras as sample
            sample.export(sys.argv[-1])
            """.Replace("            ", ""));
        var (code, output) = await Parts.RunAsync("blender", TimeSpan.FromSeconds(120), "-b", blend, "--python-exit-code", "1", "--python", script, "--",
            Path.Combine(Parts.Repo, "samples"), path);
        Assert.True(code == 0 && File.Exists(path), $"Blender's exporter failed on {blend} ({code}): {output[^Math.Min(2000, output.Length)..]}");
        return path;
    }

    private Task<ModelRoot> ExportUnityAsync(ServeProcess serve, string name) =>
        Parts.ExportGltfAsync(serve.DataDirectory, "unity", Path.Combine(Work, name));

    [Fact]
    public async Task the_looks_scene_synced_to_unity_exports_the_same_materials_images_cameras_and_lights_as_blenders_own_exporter()
    {
        var (blend, referencePath) = await SampleAsync();
        var empty = await WriteAsync("empty.unity.json", "{\"objects\": [], \"materials\": [], \"meshes\": []}");
        await using var serve = await ServeProcess.StartAsync();
        await using var engines = await BothLiveAsync(serve, blend, empty);
        await AtParityAsync(serve, "both engines live with the looks scene");

        var (mine, theirs) = (await ExportUnityAsync(serve, "unity.glb"), ModelRoot.Load(referencePath));
        Assert.True(theirs.LogicalMaterials.Count >= 106 && theirs.LogicalCameras.Count == 4 && theirs.LogicalPunctualLights.Count == 5,
            "the exporter wrote the sample's materials, cameras and lights");
        string[] channels = { "BaseColor", "MetallicRoughness", "Normal", "Occlusion", "Emissive" };
        Assert.Equal(5 + 1 + 1 + 100, theirs.LogicalMaterials.Sum(m => channels.Count(c => m.FindChannel(c)?.Texture != null))); // FullPBR, Masked, Wood, Shared*
        var differences = GltfComparison.Differences(mine, theirs, 1e-4f, new HashSet<string>());
        Assert.True(differences.Count == 0, "VibeSync's export of Unity differs from Blender's exporter:\n" + string.Join('\n', differences));
    }

    /// <summary>What a human does in Unity's inspectors (the simulator's steps, by Unity's own property names).</summary>
    private static readonly string[] UnityEdits =
    {
        // Glass: BLEND → MASK with a cutoff (Standard's _Mode 1 as its inspector sets it), double-sided, new factors.
        """{"material": "Glass", "base_color": [0.2, 0.7, 0.3, 0.6], "metallic": 0.4, "roughness": 0.25, "floats": {"_Mode": 1, "_Cutoff": 0.42, "_Cull": 0}, "keywords": {"_ALPHATEST_ON": true, "_ALPHABLEND_ON": false}, "renderQueue": 2450}""",
        // FullPBR: the base colour texture's Tiling and Offset, the normal scale, the occlusion strength, the colour factor.
        """{"material": "FullPBR", "base_color": [0.5, 0.4, 0.3, 1], "floats": {"_BumpScale": 0.5, "_OcclusionStrength": 0.9}, "scaleOffsets": {"_MainTex": [1.5, 2.5, 0.1, -1.7]}}""",
        """{"object": "CamAuto", "camera": {"fieldOfView": 40, "nearClipPlane": 0.3, "farClipPlane": 120}}""",
        """{"object": "CamVertical", "camera": {"fieldOfView": 65}}""",
        """{"object": "CamOrtho", "camera": {"orthographicSize": 4, "farClipPlane": 60}}""",
        // Glow: a brighter emission (Unity holds emission × strength, gamma-encoded, HDR); Wood: OPAQUE → BLEND (Standard's Fade).
        """{"material": "Glow", "colors": {"_EmissionColor": [2, 1, 0.5, 1]}}""",
        """{"material": "Wood", "floats": {"_Mode": 2, "_SrcBlend": 5, "_DstBlend": 10, "_ZWrite": 0}, "keywords": {"_ALPHABLEND_ON": true}, "renderQueue": 3000}""",
        """{"object": "SpotLight", "light": {"color": [0.9, 0.5, 0.2], "intensity": 5000, "range": 20, "spotAngle": 50, "innerSpotAngle": 30}}""",
        """{"object": "PointLight", "light": {"intensity": 8000}}""",
        """{"object": "Sun", "light": {"color": [1, 0.8, 0.6], "intensity": 500}}""",
        // Wood's texture: the importer's Wrap Mode (both axes) and Filter Mode (Unity keeps them per texture).
        """{"texture": "wood_albedo.jpg", "wrapModeU": "Clamp", "wrapModeV": "Clamp", "filterMode": "Point"}""",
    };


    [Fact]
    public async Task edits_made_in_unity_land_in_blender_and_blenders_own_exporter_then_writes_the_values_unity_was_given()
    {
        var (blend, _) = await SampleAsync();
        var empty = await WriteAsync("empty.unity.json", "{\"objects\": [], \"materials\": [], \"meshes\": []}");
        await using var serve = await ServeProcess.StartAsync();
        await using var blender = Driven.Blender(blend, serve.DataDirectory);
        await using var sim = Driven.Sim(serve.DataDirectory, empty);
        var before = (await AtParityAsync(serve, "both engines live with the looks scene")).GetProperty("sync").GetProperty("reality_root").GetString();

        foreach (var step in UnityEdits) await sim.StepAsync(step);
        // Another PNG saved over Masked's leaf texture (a replace_image): one the sample wrote with Blender's
        // encoder, so Blender's exporter, which re-encodes Masked's image, writes the same bytes back.
        var newLeaf = await File.ReadAllBytesAsync(Path.Combine(Work, "images", "shared_1.png"));
        await sim.StepAsync(JsonSerializer.Serialize(new { texture = "leaf_albedo.png", file = Path.Combine(Work, "images", "shared_1.png") }));
        // Its bytes cross to the orchestrator on its BLOB_WANT: wait until Reality holds them, then for the edits to settle.
        var newBlob = Protocol.Blobs.BlobId.OfBytes(newLeaf);
        bool taken = false;
        for (var sw = System.Diagnostics.Stopwatch.StartNew(); !taken && sw.Elapsed < TimeSpan.FromSeconds(60); await Task.Delay(200))
        {
            using var reality = JsonDocument.Parse(await serve.GetStringAsync("/v1/state?engine=reality"));
            taken = reality.RootElement.GetProperty("images").EnumerateArray().Any(i => i.GetProperty("name").GetString() == "leaf_albedo.png" && i.GetProperty("blob").GetString() == newBlob);
        }
        Assert.True(taken, "Reality never took the PNG saved over leaf_albedo.png in Unity");
        // Every edit in Reality and in both engines: the root moved, then held still at parity for a second.
        string? settled = null;
        for (var sw = System.Diagnostics.Stopwatch.StartNew(); sw.Elapsed < TimeSpan.FromSeconds(60);)
        {
            var root = (await AtParityAsync(serve, "parity after Unity's edits", s => s.GetProperty("sync").GetProperty("reality_root").GetString() != before))
                .GetProperty("sync").GetProperty("reality_root").GetString();
            if (root == settled) break;
            settled = root;
            await Task.Delay(1000);
        }

        // The live Blender saves its file (a human's Ctrl-S); Blender's own exporter then reads that file.
        var saved = Path.Combine(Work, "after-unity.blend");
        await blender.StepAsync(JsonSerializer.Serialize(new { save = saved }));
        for (int i = 0; i < 300 && !File.Exists(saved); i++) await Task.Delay(100); // Blender writes FILE@ and renames: present means whole
        Assert.True(File.Exists(saved), "the live Blender did not save its file");
        var theirs = ModelRoot.Load(await ExportWithBlenderAsync(saved, "blender-after"));
        var mine = await ExportUnityAsync(serve, "unity-after.glb");
        var differences = GltfComparison.Differences(mine, theirs, 1e-4f, new HashSet<string>());
        Assert.True(differences.Count == 0, "after Unity's edits, Blender's exporter differs from VibeSync's export of Unity:\n" + string.Join('\n', differences));

        // And what Blender's exporter wrote is what Unity was given, through the documented mappings (docs/unity.md).
        var expected = new List<(string What, float Want, float Got)>();
        var glass = theirs.LogicalMaterials.Single(m => m.Name == "Glass");
        Assert.Equal(AlphaMode.MASK, glass.Alpha);
        Assert.True(glass.DoubleSided, "Glass was made double-sided in Unity (_Cull 0)");
        var glassColor = glass.FindChannel("BaseColor")!.Value.Color;
        var glassMr = glass.FindChannel("MetallicRoughness")!.Value;
        expected.AddRange(new[]
        {
            ("Glass.alphaCutoff", 0.42f, glass.AlphaCutoff), ("Glass.baseColorFactor.r", 0.2f, glassColor.X), ("Glass.baseColorFactor.g", 0.7f, glassColor.Y),
            ("Glass.baseColorFactor.b", 0.3f, glassColor.Z), ("Glass.baseColorFactor.a", 0.6f, glassColor.W),
            ("Glass.metallicFactor", 0.4f, glassMr.GetFactor("MetallicFactor")), ("Glass.roughnessFactor", 0.25f, glassMr.GetFactor("RoughnessFactor")),
        });
        var pbr = theirs.LogicalMaterials.Single(m => m.Name == "FullPBR");
        var baseColor = pbr.FindChannel("BaseColor")!.Value;
        var transform = baseColor.TextureTransform!;
        expected.AddRange(new[]
        {
            ("FullPBR.baseColorFactor.r", 0.5f, baseColor.Color.X), ("FullPBR.baseColorFactor.g", 0.4f, baseColor.Color.Y), ("FullPBR.baseColorFactor.b", 0.3f, baseColor.Color.Z),
            ("FullPBR.normalTexture.scale", 0.5f, pbr.FindChannel("Normal")!.Value.GetFactor("NormalScale")),
            ("FullPBR.occlusionTexture.strength", 0.9f, pbr.FindChannel("Occlusion")!.Value.GetFactor("OcclusionStrength")),
            // Unity's tiling (1.5, 2.5) and offset (0.1, −1.7) are glTF's scale (1.5, 2.5) and offset (0.1, 1 − (−1.7) − 2.5).
            ("FullPBR.baseColorTexture.KHR_texture_transform.scale.x", 1.5f, transform.Scale.X), ("FullPBR.baseColorTexture.KHR_texture_transform.scale.y", 2.5f, transform.Scale.Y),
            ("FullPBR.baseColorTexture.KHR_texture_transform.offset.x", 0.1f, transform.Offset.X), ("FullPBR.baseColorTexture.KHR_texture_transform.offset.y", 0.2f, transform.Offset.Y),
            ("FullPBR.baseColorTexture.KHR_texture_transform.rotation (Blender's, kept: Unity's _ST has none)", 0.5f, transform.Rotation),
        });
        var cameras = theirs.LogicalNodes.Where(n => n.Camera?.Settings is CameraPerspective).ToDictionary(n => n.Name, n => (CameraPerspective)n.Camera.Settings);
        expected.AddRange(new[]
        {
            ("CamAuto.yfov", MathF.PI * 40 / 180, cameras["CamAuto"].VerticalFOV), ("CamAuto.znear", 0.3f, cameras["CamAuto"].ZNear), ("CamAuto.zfar", 120f, cameras["CamAuto"].ZFar),
            ("CamVertical.yfov", MathF.PI * 65 / 180, cameras["CamVertical"].VerticalFOV),
        });
        var ortho = (CameraOrthographic)theirs.LogicalNodes.Single(n => n.Name == "CamOrtho").Camera.Settings;
        expected.AddRange(new[] { ("CamOrtho.ymag", 4f, ortho.YMag), ("CamOrtho.zfar", 60f, ortho.ZFar) });
        var wood = theirs.LogicalMaterials.Single(m => m.Name == "Wood");
        Assert.Equal(AlphaMode.BLEND, wood.Alpha);
        // Unity's Clamp and Point on the texture: Blender's Image Texture node Extend and Closest, which its exporter writes as these.
        var woodSampler = wood.FindChannel("BaseColor")!.Value.TextureSampler;
        Assert.Equal((TextureWrapMode.CLAMP_TO_EDGE, TextureWrapMode.CLAMP_TO_EDGE, TextureInterpolationFilter.NEAREST, TextureMipMapFilter.NEAREST_MIPMAP_NEAREST),
            (woodSampler.WrapS, woodSampler.WrapT, woodSampler.MagFilter, woodSampler.MinFilter));
        // The file saved over Masked's leaf texture in Unity is the image Blender holds and exports.
        var leaf = theirs.LogicalMaterials.Single(m => m.Name == "Masked").FindChannel("BaseColor")!.Value.Texture.PrimaryImage.Content;
        Assert.True(leaf.Content.Span.SequenceEqual(newLeaf), $"Blender's exporter wrote Masked's image as {leaf.Content.Length} bytes, not the {newLeaf.Length}-byte PNG saved over it in Unity");
        var glow = theirs.LogicalMaterials.Single(m => m.Name == "Glow").FindChannel("Emissive")!.Value;
        for (int c = 0; c < 3; c++) // emissiveFactor × strength is Unity's _EmissionColor, linear
            expected.Add(($"Glow.emissiveFactor × KHR_materials_emissive_strength [{c}]", (float)Unity.Looks.SrgbTransfer.ToLinear(new[] { 2f, 1f, 0.5f }[c]),
                new[] { glow.Color.X, glow.Color.Y, glow.Color.Z }[c] * glow.GetFactor("EmissiveStrength")));
        var lights = theirs.LogicalNodes.Where(n => n.PunctualLight != null).ToDictionary(n => n.Name, n => n.PunctualLight);
        var (spot, point, sun) = (lights["SpotLight"], lights["PointLight"], lights["Sun"]);
        expected.AddRange(new[]
        {
            // Unity's light colour is gamma-encoded, its intensity glTF's / π (glTFast's Built-in mapping).
            ("SpotLight.color.r", (float)Unity.Looks.SrgbTransfer.ToLinear(0.9f), spot.Color.X), ("SpotLight.color.g", (float)Unity.Looks.SrgbTransfer.ToLinear(0.5f), spot.Color.Y),
            ("SpotLight.color.b", (float)Unity.Looks.SrgbTransfer.ToLinear(0.2f), spot.Color.Z), ("SpotLight.intensity", 5000 * MathF.PI, spot.Intensity),
            ("SpotLight.range", 20f, spot.Range), ("SpotLight.spot.outerConeAngle", MathF.PI * 25 / 180, spot.OuterConeAngle), ("SpotLight.spot.innerConeAngle", MathF.PI * 15 / 180, spot.InnerConeAngle),
            ("PointLight.intensity", 8000 * MathF.PI, point.Intensity),
            ("Sun.color.g", (float)Unity.Looks.SrgbTransfer.ToLinear(0.8f), sun.Color.Y), ("Sun.color.b", (float)Unity.Looks.SrgbTransfer.ToLinear(0.6f), sun.Color.Z),
            ("Sun.intensity", 500 * MathF.PI, sun.Intensity),
        });
        var wrong = expected.Where(e => !(Math.Abs(e.Want - e.Got) <= 1e-4f * Math.Max(1, Math.Abs(e.Want)))).Select(e => $"{e.What}: Unity was given {e.Want}, Blender's exporter wrote {e.Got}").ToList();
        Assert.True(wrong.Count == 0, "Blender's exporter does not write what Unity was given:\n" + string.Join('\n', wrong));
    }
}
