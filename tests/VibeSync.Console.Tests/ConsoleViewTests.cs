using Microsoft.Playwright;
using VibeSync.Console.Tests.Support;
using VibeSync.Link.Tests.Support;

namespace VibeSync.Console.Tests;

/// <summary>
/// The 3D view of a pending intent in chromium against a real serve: a textured material from real
/// Blender drawn with its texture under the console's strict CSP (no violation), and the camera
/// turned by dragging on the canvas.
/// </summary>
public sealed class ConsoleViewTests : EndToEndTest
{
    private const string Cube = "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f";

    /// <summary>The CSP every console page carries: only blob: (the 3D view's textures) added to img-src and connect-src.</summary>
    private const string Csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self' blob:; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>Counts the canvas's pixels matching a JavaScript test on r, g, b.</summary>
    private static Task<int> PixelsAsync(ILocator canvas, string test) => canvas.EvaluateAsync<int>($$"""
        (c) => {
          const gl = c.getContext("webgl2") || c.getContext("webgl");
          const px = new Uint8Array(c.width * c.height * 4);
          gl.readPixels(0, 0, c.width, c.height, gl.RGBA, gl.UNSIGNED_BYTE, px);
          let n = 0;
          for (let i = 0; i < px.length; i += 4) { const r = px[i], g = px[i + 1], b = px[i + 2]; if ({{test}}) n++; }
          return n;
        }
        """);

    /// <summary>A console page's messages that report the CSP refusing something.</summary>
    private static List<string> CspViolations(IPage page)
    {
        var found = new List<string>();
        page.Console += (_, m) => { if (m.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)) found.Add(m.Text); };
        return found;
    }

    [Fact]
    public async Task a_textured_material_from_blender_is_drawn_with_its_texture_under_the_strict_csp()
    {
        // The sample cube's material "Red" takes its Base Color from an 8×8 magenta PNG (an Image Texture node, as an artist links one).
        var blend = await Parts.SampleBlendAsync(Work, """
            import os
            img = bpy.data.images.new("magenta", 8, 8)
            img.pixels = [1.0, 0.0, 1.0, 1.0] * 64
            img.filepath_raw = os.path.join(os.path.dirname(sys.argv[-1]), "magenta.png")
            img.file_format = "PNG"
            img.save()
            mat = bpy.data.materials["Red"]
            bsdf = next(n for n in mat.node_tree.nodes if n.type == "BSDF_PRINCIPLED")
            tex = mat.node_tree.nodes.new("ShaderNodeTexImage")
            tex.image = img
            mat.node_tree.links.new(tex.outputs["Color"], bsdf.inputs["Base Color"])

            """.Replace("            ", ""));
        await using var serve = await ServeProcess.StartAsync("--trust", "supervised", "--cosmetic-window-ms", "50");
        await using var blender = Driven.Blender(blend, serve.DataDirectory);
        await UntilAsync(serve, s => SyncOf(s, "blender").GetProperty("phase").GetString() == "live", "Blender live (it seeds Reality with the textured cube)", 90_000);
        ulong intent = await ConsoleParts.SubmitPendingAsync(serve, "ai:view-test",
            $$"""{"operations": [{"op": "set_transform", "uuid": "{{Cube}}", "translation": [0, 0, 3]}], "rationale": "lift the cube"}""");

        await using var browser = await ConsoleBrowser.LaunchAsync();
        var page = await (await browser.NewContextAsync()).NewPageAsync();
        var violations = CspViolations(page);
        await page.GotoAsync(await ConsoleParts.LoginLinkAsync(serve.DataDirectory, intent));
        var response = await page.ReloadAsync();
        Assert.Equal(Csp, await response!.HeaderValueAsync("content-security-policy"));
        var canvas = page.Locator("canvas[data-scene]");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-rendered", "done", new() { Timeout = 30_000 });
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-source", "gltf");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-textures", "1"); // three.js decoded the GLB's image and put it on the cube
        int magenta = await PixelsAsync(canvas, "r > 150 && b > 150 && g < 90");
        await canvas.ScreenshotAsync(new() { Path = Path.Combine(ConsoleBrowser.Screenshots, "textured-3d-view.png") });
        Assert.True(magenta > 100, $"{magenta} magenta pixels: the cube's texture is not drawn");
        Assert.Empty(violations);
    }
    [Fact]
    public async Task the_view_is_framed_on_the_change_and_a_drag_turns_the_camera()
    {
        await using var serve = await ServeProcess.StartAsync("--trust", "supervised"); // no engine: a human's intents are FINAL at once
        string Crate(string id, string name, double x) =>
            $$"""{"op": "create_object", "uuid": "7e7e7e7e-4444-4333-8444-00000000000{{id}}", "name": "{{name}}", "kind": "empty", "parent": null, "translation": [{{x}}, 0, 0], "rotation": [1, 0, 0, 0], "scale": [1, 1, 1]}""";
        // A crate far from the one the AI moves: framed on the whole scene, the moved crate would be a few pixels.
        Assert.Equal("FINAL", (await serve.SubmitAsync($$"""{"operations": [{{Crate("1", "near", 0)}}, {{Crate("2", "far", 400)}}]}""")).GetProperty("phase").GetString());
        ulong intent = await ConsoleParts.SubmitPendingAsync(serve, "ai:view-test",
            """{"operations": [{"op": "set_transform", "uuid": "7e7e7e7e-4444-4333-8444-000000000001", "translation": [1, 0, 0]}], "rationale": "nudge the near crate"}""");

        await using var browser = await ConsoleBrowser.LaunchAsync();
        var page = await (await browser.NewContextAsync()).NewPageAsync();
        var violations = CspViolations(page);
        await page.GotoAsync(await ConsoleParts.LoginLinkAsync(serve.DataDirectory, intent));
        var canvas = page.Locator("canvas[data-scene]");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-rendered", "done", new() { Timeout = 30_000 });
        const string blue = "b > r + 60"; // the moved crate's ghost
        int ghost = await PixelsAsync(canvas, blue);
        Assert.True(ghost > 1_000, $"{ghost} ghost pixels: the view is not framed on the moved crate");
        const string checksum = """
            (c) => {
              const gl = c.getContext("webgl2") || c.getContext("webgl");
              const px = new Uint8Array(c.width * c.height * 4);
              gl.readPixels(0, 0, c.width, c.height, gl.RGBA, gl.UNSIGNED_BYTE, px);
              let h = 0;
              for (let i = 0; i < px.length; i++) h = (h * 31 + px[i]) | 0;
              return h;
            }
            """;
        int before = await canvas.EvaluateAsync<int>(checksum);
        await canvas.ScreenshotAsync(new() { Path = Path.Combine(ConsoleBrowser.Screenshots, "3d-view-framed.png") });

        var box = (await canvas.BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(box.X + box.Width / 2, box.Y + box.Height / 2);
        await page.Mouse.DownAsync();
        for (int step = 1; step <= 10; step++) await page.Mouse.MoveAsync(box.X + box.Width / 2 + step * 15, box.Y + box.Height / 2 + step * 4);
        await page.Mouse.UpAsync();
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-camera", new System.Text.RegularExpressions.Regex(@"^-?\d"));
        int after = await canvas.EvaluateAsync<int>(checksum);
        Assert.NotEqual(before, after);
        Assert.True(await PixelsAsync(canvas, blue) > 200, "the ghost left the view after a turn around it");
        await canvas.ScreenshotAsync(new() { Path = Path.Combine(ConsoleBrowser.Screenshots, "3d-view-turned.png") });

        await page.Mouse.WheelAsync(0, 400); // zoom out: the crates get smaller
        await page.WaitForTimeoutAsync(200);
        Assert.NotEqual(after, await canvas.EvaluateAsync<int>(checksum));
        Assert.Empty(violations);
    }
}
