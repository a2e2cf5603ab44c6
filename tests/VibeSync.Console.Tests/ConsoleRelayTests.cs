using System.Text.Json;
using Microsoft.Playwright;
using VibeSync.Cluster;
using VibeSync.Console.Tests.Support;
using VibeSync.Link.Tests.Support;

namespace VibeSync.Console.Tests;

/// <summary>
/// The console in real chromium through a STANDBY of a two-orchestrator cluster (three real
/// nats-server processes): logged in with the link `vibesync console --data STANDBY_DIR` prints,
/// live updates streamed through the relay, an AI intent appearing without a reload, its 3D view's
/// GLB, Approve; and a cross-site form post refused as the leader refuses it.
/// </summary>
public sealed class ConsoleRelayTests : EndToEndTest
{
    private const string MoveCube = """{"operations": [{"op": "set_transform", "uuid": "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f", "translation": [5, 0.5, -2]}], "rationale": "move the cube, seen from the standby"}""";

    [Fact]
    public async Task the_console_on_a_standbys_port_is_the_leaders_console_live_updates_included()
    {
        await using var cluster = await NatsCluster.StartAsync();
        string alphaDir = Path.Combine(Work, "alpha"), betaDir = Path.Combine(Work, "beta");
        await using var nodes = new ClusterNodes(cluster);
        var alpha = await nodes.LeaderAsync(alphaDir, "alpha", "--trust", "supervised", "--cosmetic-window-ms", "50");
        await using var sim = Driven.Sim(alphaDir, Parts.SampleUnityScene(Work));
        await UntilAsync(alpha, s => PhaseIn(s, "unity") == "live", "the simulator live on the leader", 60_000);
        ClusterNodes.CopyKeys(alphaDir, betaDir);
        await nodes.StandbyAsync(betaDir, "beta", "--trust", "supervised");
        int relay = await ClusterNodes.RelayPortAsync(betaDir);
        await using var browser = await ConsoleBrowser.LaunchAsync();
        var page = await (await browser.NewContextAsync()).NewPageAsync();
        await page.GotoAsync(await ConsoleParts.LoginLinkAsync(betaDir));
        Assert.Equal($"http://127.0.0.1:{relay}/console/", page.Url);
        // The server-sent events feed is streamed through the relay.
        await Assertions.Expect(page.Locator("#feed-state")).ToHaveTextAsync("live updates: connected");
        await Assertions.Expect(page.Locator("#phase-unity")).ToHaveTextAsync("LIVE");
        await ConsoleBrowser.ScreenshotAsync(page, "standby-overview");

        await page.EvaluateAsync("() => { window.notReloaded = true; }");
        var answer = await ConsoleParts.SubmitAsAiAsync(betaDir, MoveCube);
        ulong intent = answer.GetProperty("intent").GetUInt64();
        var review = page.GetByRole(AriaRole.Article, new() { Name = $"Intent {intent}" });
        await Assertions.Expect(review).ToBeVisibleAsync(new() { Timeout = 10_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.notReloaded === true"), "the page was reloaded");

        // A form post from another site, with the session cookie and even the right anti-forgery token: refused by the leader's Origin check, as on the leader.
        var csrf = await review.Locator("input[name=csrf]").First.GetAttributeAsync("value");
        var forged = await page.Context.APIRequest.PostAsync($"http://127.0.0.1:{relay}/console/intents/{intent}/approve",
            new() { Headers = new Dictionary<string, string> { ["Origin"] = "http://evil.example" }, Form = page.Context.APIRequest.CreateFormData().Set("csrf", csrf!) });
        Assert.Equal(403, forged.Status);

        var glb = page.WaitForResponseAsync(r => r.Url.EndsWith("/console/reality.glb", StringComparison.Ordinal), new() { Timeout = 15_000 });
        await review.GetByRole(AriaRole.Link, new() { Name = $"Intent {intent}" }).ClickAsync();
        await ConsoleBrowser.AtIntentPageAsync(page, intent);
        review = page.GetByRole(AriaRole.Article, new() { Name = $"Intent {intent}" });
        var glbReply = await glb;
        Assert.Equal(200, glbReply.Status);
        Assert.Equal("glTF"u8.ToArray(), (await glbReply.BodyAsync())[..4]);
        await Assertions.Expect(review.Locator("canvas")).ToHaveAttributeAsync("data-source", "gltf", new() { Timeout = 30_000 });
        await review.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).ClickAsync();
        await ConsoleBrowser.AtIntentPageAsync(page, intent);
        Assert.StartsWith($"http://127.0.0.1:{relay}/", page.Url);
        await Assertions.Expect(page.Locator("#intent-phase")).ToHaveTextAsync("FINAL");
        await ConsoleBrowser.ScreenshotAsync(page, "standby-intent-approved");
        var onLeader = await alpha.GetStringAsync($"/v1/intents/{intent}");
        Assert.Contains("FINAL", onLeader);
    }
}
