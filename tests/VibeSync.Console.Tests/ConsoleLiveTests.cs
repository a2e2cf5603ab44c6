using Microsoft.Playwright;
using VibeSync.Console.Tests.Support;
using VibeSync.Link.Tests.Support;

namespace VibeSync.Console.Tests;

/// <summary>
/// Live updates beyond the overview, in chromium against a real serve: the open intent timeline
/// shows a new intent at the top of its first page, and an open intent's page turns FINAL when the
/// intent is approved elsewhere (<c>vibesync approve</c> at a terminal), neither page reloaded.
/// </summary>
public sealed class ConsoleLiveTests
{
    [Fact]
    public async Task the_timeline_and_an_intent_page_update_without_a_reload_when_an_intent_arrives_and_is_approved_at_the_terminal()
    {
        await using var serve = await ServeProcess.StartAsync("--trust", "supervised"); // no engine: an approved intent is FINAL at once
        Assert.Equal("FINAL", (await serve.SubmitAsync("""{"operations": [{"op": "create_object", "uuid": "7e7e7e7e-5555-4333-8444-000000000001", "name": "crate", "kind": "empty", "parent": null, "translation": [0, 0, 0], "rotation": [1, 0, 0, 0], "scale": [1, 1, 1]}]}""")).GetProperty("phase").GetString());

        await using var browser = await ConsoleBrowser.LaunchAsync();
        var page = await (await browser.NewContextAsync()).NewPageAsync();
        await page.GotoAsync(await ConsoleParts.LoginLinkAsync(serve.DataDirectory));
        await page.GotoAsync($"http://127.0.0.1:{serve.ApiPort}/console/intents");
        await Assertions.Expect(page.Locator("#feed-state")).ToHaveTextAsync("live updates: connected");
        await page.EvaluateAsync("() => { window.notReloaded = true; }");
        var rows = page.Locator("table.timeline tbody tr");
        int before = await rows.CountAsync();

        string intent = (await ConsoleParts.SubmitPendingAsync(serve, "ai:live-test",
            """{"operations": [{"op": "set_transform", "uuid": "7e7e7e7e-5555-4333-8444-000000000001", "translation": [2, 0, 0]}], "rationale": "slide the crate"}""")).ToString();

        await Assertions.Expect(rows.First.Locator("td").First).ToHaveTextAsync(intent, new() { Timeout = 5_000 });
        await Assertions.Expect(rows.First).ToContainTextAsync("ai:live-test");
        await Assertions.Expect(rows.First).ToContainTextAsync("slide the crate");
        await Assertions.Expect(rows).ToHaveCountAsync(before + 1);
        Assert.True(await page.EvaluateAsync<bool>("() => window.notReloaded === true"), "the timeline was reloaded");
        await ConsoleBrowser.ScreenshotAsync(page, "intents-timeline-live");

        // Its page, open while it waits; approved at a terminal, it turns FINAL on the page.
        await rows.First.GetByRole(AriaRole.Link, new() { Name = intent, Exact = true }).ClickAsync();
        await ConsoleBrowser.AtIntentPageAsync(page, intent);
        await Assertions.Expect(page.Locator("#intent-phase")).ToHaveTextAsync("PENDING");
        await Assertions.Expect(page.Locator("#feed-state")).ToHaveTextAsync("live updates: connected");
        await page.EvaluateAsync("() => { window.notReloaded = true; }");
        var (code, output) = await Parts.RunAsync("dotnet", TimeSpan.FromSeconds(60), Parts.Cli, "approve", intent, "--data", serve.DataDirectory);
        Assert.True(code == 0 && output.Contains("FINAL"), output);
        await Assertions.Expect(page.Locator("#intent-phase")).ToHaveTextAsync("FINAL", new() { Timeout = 5_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Records before and after" }).Locator("td.after")).ToHaveTextAsync("[2,0,0]");
        Assert.True(await page.EvaluateAsync<bool>("() => window.notReloaded === true"), "the intent's page was reloaded");
        await ConsoleBrowser.ScreenshotAsync(page, "intent-final-live");
    }
    [Fact]
    public async Task a_login_session_survives_a_restart_of_serve_on_the_same_port_and_its_file_holds_no_secret()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0)) { probe.Start(); port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port; }
        var serve = await ServeProcess.StartAsync("--trust", "supervised", "--api-port", port.ToString());
        string dir = serve.DataDirectory;
        await using var browser = await ConsoleBrowser.LaunchAsync();
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(await ConsoleParts.LoginLinkAsync(dir));
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Overview");
        string secret = (await context.CookiesAsync()).Single(c => c.Name == $"vibesync_console_{port}").Value;
        string file = Path.Combine(dir, "console-sessions");
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.DoesNotContain(secret, File.ReadAllText(file));

        serve.KeepData = true;
        await serve.DisposeAsync();
        await using var again = await ServeProcess.StartInAsync(dir, "--trust", "supervised", "--api-port", port.ToString());
        try
        {
            Assert.Equal(port, again.ApiPort);
            var response = await page.ReloadAsync();
            Assert.Equal(200, response!.Status);
            await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Overview");
            // The session's anti-forgery token still holds: Deny an AI's intent in the console after the restart.
            ulong intent = await ConsoleParts.SubmitPendingAsync(again, "ai:live-test",
                """{"operations": [{"op": "create_object", "uuid": "7e7e7e7e-5555-4333-8444-000000000009", "name": "crate", "kind": "empty", "parent": null, "translation": [0, 0, 0], "rotation": [1, 0, 0, 0], "scale": [1, 1, 1]}], "rationale": "a crate"}""");
            var review = page.GetByRole(AriaRole.Article, new() { Name = $"Intent {intent}" });
            await review.GetByRole(AriaRole.Button, new() { Name = "Deny", Exact = true }).ClickAsync();
            await Assertions.Expect(page.Locator("#intent-phase")).ToHaveTextAsync("REFUSED");
            // A cookie value the file does not name opens nothing.
            await context.AddCookiesAsync([new Cookie { Name = $"vibesync_console_{port}", Value = new string('a', 64), Domain = "127.0.0.1", Path = "/console" }]);
            Assert.Equal(401, (await page.GotoAsync($"http://127.0.0.1:{port}/console/"))!.Status);
        }
        finally { again.KeepData = false; }
    }
}
