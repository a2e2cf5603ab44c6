using System.Diagnostics;
using System.Text.Json;
using Microsoft.Playwright;
using VibeSync.Console.Tests.Support;
using VibeSync.Link.Tests.Support;

namespace VibeSync.Console.Tests;

/// <summary>
/// The console in real chromium against a real serve with real headless Blender and the Unity
/// simulator attached: logged in through the link `vibesync console` prints, an AI intent
/// submitted through MCP appears without a reload, Approve makes it FINAL in both engines, Deny
/// leaves Reality as it was, and an engine's phase change reaches the page within 500 ms.
/// </summary>
public sealed class ConsoleBrowserTests : EndToEndTest
{
    private const string Cube = "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f";
    private const string MoveCube = """{"operations": [{"op": "set_transform", "uuid": "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f", "translation": [5, 0.5, -2]}], "rationale": "move the cube out of the camera's way"}""";

    /// <summary>serve in supervised trust (every AI intent waits for a human), Blender and the simulator live at parity, and chromium logged in on the overview.</summary>
    private async Task<Rig> StartAsync()
    {
        var blend = await Parts.SampleBlendAsync(Work);
        var unityScene = Parts.SampleUnityScene(Work);
        var serve = await ServeProcess.StartAsync("--trust", "supervised", "--cosmetic-window-ms", "50");
        var rig = new Rig(serve, Driven.Blender(blend, serve.DataDirectory), Driven.Sim(serve.DataDirectory, unityScene), await ConsoleBrowser.LaunchAsync());
        await AtParityAsync(serve, "Blender and the simulator live at parity");
        rig.Page = await (await rig.Browser.NewContextAsync()).NewPageAsync();
        await rig.Page.GotoAsync(await ConsoleParts.LoginLinkAsync(serve.DataDirectory));
        Assert.Equal($"http://127.0.0.1:{serve.ApiPort}/console/", rig.Page.Url);
        await Assertions.Expect(rig.Page.Locator("#feed-state")).ToHaveTextAsync("live updates: connected");
        return rig;
    }

    /// <summary>Everything a test here runs; disposing stops it all (the simulator may have been killed already).</summary>
    private sealed record Rig(ServeProcess Serve, Driven Blender, Driven Sim, ConsoleBrowser Browser) : IAsyncDisposable
    {
        public IPage Page { get; set; } = null!;

        public async ValueTask DisposeAsync()
        {
            await Browser.DisposeAsync();
            await Sim.DisposeAsync();
            await Blender.DisposeAsync();
            await Serve.DisposeAsync();
        }
    }

    /// <summary>Submits the cube's move as an AI through MCP and waits for its review to appear on the open overview, which is never reloaded.</summary>
    private static async Task<(ulong Intent, ILocator Review)> AiProposesAsync(IPage page, ServeProcess serve)
    {
        await page.EvaluateAsync("() => { window.notReloaded = true; }");
        var answer = await ConsoleParts.SubmitAsAiAsync(serve.DataDirectory, MoveCube);
        Assert.True(answer.GetProperty("phase").GetString() == "PENDING", answer.ToString());
        ulong intent = answer.GetProperty("intent").GetUInt64();
        var review = page.GetByRole(AriaRole.Article, new() { Name = $"Intent {intent}" });
        await Assertions.Expect(review).ToBeVisibleAsync(new() { Timeout = 10_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.notReloaded === true"), "the page was reloaded");
        await Assertions.Expect(review).ToContainTextAsync("move the cube out of the camera's way");
        await Assertions.Expect(review).ToContainTextAsync("ai:console-test");
        await Assertions.Expect(review.Locator(".diff")).ToContainTextAsync("translation");
        await Assertions.Expect(review.Locator(".diff .after").First).ToContainTextAsync("[5,0.5,-2]");
        return (intent, review);
    }

    private static async Task<JsonElement> CubeInAsync(ServeProcess serve, string engine)
    {
        using var http = ConsoleParts.HumanApi(serve);
        var scene = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{serve.ApiPort}/v1/state?engine={engine}&space=canonical")).RootElement;
        return scene.GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("uuid").GetString() == Cube).GetProperty("translation").Clone();
    }

    [Fact]
    public async Task an_ai_intent_submitted_through_mcp_appears_without_a_reload_and_approve_makes_it_final_in_both_engines()
    {
        await using var rig = await StartAsync();
        var (serve, page) = (rig.Serve, rig.Page);
        await Assertions.Expect(page.Locator("#phase-blender")).ToHaveTextAsync("LIVE");
        await Assertions.Expect(page.Locator("#phase-unity")).ToHaveTextAsync("LIVE");
        await ConsoleBrowser.ScreenshotAsync(page, "overview-live");

        var (intent, review) = await AiProposesAsync(page, serve);
        await ConsoleBrowser.ScreenshotAsync(page, "overview-pending-approval");
        // The intent's own page (where the editors' panels send a person) draws Reality with the proposal in 3D (three.js, served by serve): read its pixels back.
        // It is built from Reality's glTF export (the GLB `vibesync export --gltf --engine reality` writes), loaded by three.js's GLTFLoader.
        var glb = page.WaitForResponseAsync(r => r.Url.EndsWith("/console/reality.glb", StringComparison.Ordinal), new() { Timeout = 15_000 });
        await review.GetByRole(AriaRole.Link, new() { Name = $"Intent {intent}" }).ClickAsync();
        await ConsoleBrowser.AtIntentPageAsync(page, intent);
        review = page.GetByRole(AriaRole.Article, new() { Name = $"Intent {intent}" });
        var canvas = review.Locator("canvas");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-rendered", "done", new() { Timeout = 30_000 });
        var glbReply = await glb;
        Assert.Equal(200, glbReply.Status);
        Assert.Equal("model/gltf-binary", (await glbReply.AllHeadersAsync())["content-type"]);
        Assert.Equal("glTF"u8.ToArray(), (await glbReply.BodyAsync())[..4]);
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-source", "gltf");
        int meshes = int.Parse((await canvas.GetAttributeAsync("data-meshes"))!);
        Assert.True(meshes >= 2, $"the view drew {meshes} meshes: the sample scene's meshes and the moved cube's ghost expected");
        var pixels = await canvas.EvaluateAsync<int[]>("""
            (c) => {
              const gl = c.getContext("webgl2") || c.getContext("webgl");
              const px = new Uint8Array(c.width * c.height * 4);
              gl.readPixels(0, 0, c.width, c.height, gl.RGBA, gl.UNSIGNED_BYTE, px);
              const colors = new Set(); let ghost = 0;
              for (let i = 0; i < px.length; i += 4) {
                colors.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
                if (px[i + 2] > px[i] + 60) ghost++; // the moved cube's blue ghost at its new place
              }
              return [colors.size, ghost];
            }
            """);
        Assert.True(pixels[0] > 20 && pixels[1] > 100, $"the 3D view is blank or shows no ghost: {pixels[0]} colours, {pixels[1]} blue pixels");
        await canvas.ScreenshotAsync(new() { Path = Path.Combine(ConsoleBrowser.Screenshots, "pending-3d-view.png") });
        await ConsoleBrowser.ScreenshotAsync(page, "intent-pending-review");
        await review.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).ClickAsync();
        await ConsoleBrowser.AtIntentPageAsync(page, intent);
        await Assertions.Expect(page.Locator("#intent-phase")).ToHaveTextAsync("FINAL");
        await ConsoleBrowser.ScreenshotAsync(page, "intent-approved-final");

        foreach (var engine in new[] { "blender", "unity" })
        {
            var t = await CubeInAsync(serve, engine);
            Assert.True(Math.Abs(t[0].GetDouble() - 5) < 1e-4 && Math.Abs(t[1].GetDouble() - 0.5) < 1e-4 && Math.Abs(t[2].GetDouble() + 2) < 1e-4, $"{engine}: {t}");
        }
        await AtParityAsync(serve, "both engines at Reality's root after the approval");
        // The approval is journaled as the human's, in the console.
        Assert.Contains(await WalAsync(serve), e => e.GetProperty("actor").GetString() == "human:console"
            && e.GetProperty("rationale").GetString()!.StartsWith($"human:console approved intent {intent} in the console: FINAL", StringComparison.Ordinal));
    }

    [Fact]
    public async Task deny_in_the_console_leaves_reality_and_both_engines_unchanged()
    {
        await using var rig = await StartAsync();
        var (serve, page) = (rig.Serve, rig.Page);
        string root = RealityRoot(await serve.StatusAsync());
        var before = (await CubeInAsync(serve, "blender")).ToString() + (await CubeInAsync(serve, "unity")).ToString();

        var (intent, review) = await AiProposesAsync(page, serve);
        await review.GetByRole(AriaRole.Button, new() { Name = "Deny", Exact = true }).ClickAsync();
        await ConsoleBrowser.AtIntentPageAsync(page, intent);
        await Assertions.Expect(page.Locator("#intent-phase")).ToHaveTextAsync("REFUSED");
        await Assertions.Expect(page.Locator("table.history")).ToContainTextAsync("denied by human:console");
        await ConsoleBrowser.ScreenshotAsync(page, "intent-denied");

        var status = await serve.StatusAsync();
        Assert.Equal(root, RealityRoot(status));
        Assert.Empty(status.GetProperty("sync").GetProperty("pending").EnumerateArray());
        Assert.Equal(before, (await CubeInAsync(serve, "blender")).ToString() + (await CubeInAsync(serve, "unity")).ToString());
    }

    [Fact]
    public async Task the_overview_shows_an_engine_phase_change_within_500_ms()
    {
        await using var rig = await StartAsync();
        var (serve, page, sim) = (rig.Serve, rig.Page, rig.Sim); // the simulator is killed below
        await Assertions.Expect(page.Locator("#phase-unity")).ToHaveTextAsync("LIVE");
        // In the page: the wall-clock moment the Unity row stops saying LIVE.
        await page.EvaluateAsync("""
            () => {
              window.unityLeftLive = null;
              new MutationObserver(() => {
                const phase = document.getElementById("phase-unity");
                if (window.unityLeftLive === null && phase && phase.textContent !== "LIVE") window.unityLeftLive = Date.now();
              }).observe(document.getElementById("engines"), { childList: true, subtree: true, characterData: true });
            }
            """);
        // serve's side, polled from before the kill: the change happened after the last request that still saw LIVE was sent.
        using var http = ConsoleParts.HumanApi(serve);
        long lastSentSeeingLive = 0, changedBy = 0;
        var polling = Task.Run(async () =>
        {
            var sw = Stopwatch.StartNew();
            while (changedBy == 0 && sw.ElapsedMilliseconds < 30_000)
            {
                long sent = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var status = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{serve.ApiPort}/v1/status")).RootElement;
                if (ServeProcess.PhaseOf(status, "unity") == "live" && !status.GetProperty("panics").EnumerateArray().Any()) Volatile.Write(ref lastSentSeeingLive, sent);
                else changedBy = sent;
            }
        });
        while (Volatile.Read(ref lastSentSeeingLive) == 0 && !polling.IsCompleted) await Task.Delay(10);
        await sim.KillAsync(); // kill -9: the simulator's session drops, serve marks Unity detached
        await polling;
        Assert.True(changedBy > 0 && lastSentSeeingLive > 0, $"serve never reported the simulator live, then gone ({lastSentSeeingLive}, {changedBy})");
        await page.WaitForFunctionAsync("() => window.unityLeftLive !== null", null, new() { Timeout = 10_000 });
        long shown = await page.EvaluateAsync<long>("() => window.unityLeftLive");
        long latency = shown - lastSentSeeingLive;
        await ConsoleBrowser.ScreenshotAsync(page, "overview-engine-detached");
        System.Console.Error.WriteLine($"console: Unity's phase change on the page {latency} ms after serve's (upper bound)");
        File.WriteAllText(Path.Combine(ConsoleBrowser.Screenshots, "phase-change-latency-ms.txt"), latency.ToString());
        Assert.True(latency < 500, $"the overview showed Unity's phase change {latency} ms after serve made it (goal: 500 ms)");
    }

    private static string RealityRoot(JsonElement status) => status.GetProperty("sync").GetProperty("reality_root").GetString()!;

    private static async Task<List<JsonElement>> WalAsync(ServeProcess serve)
    {
        using var http = ConsoleParts.HumanApi(serve);
        return JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{serve.ApiPort}/v1/wal?limit=1000")).RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }
}
