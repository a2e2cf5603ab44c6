using System.Text.Json;
using Microsoft.Playwright;
using VibeSync.Console.Tests.Support;
using VibeSync.Link.Tests.Support;

namespace VibeSync.Console.Tests;

/// <summary>
/// An intent that already settled, on its page in chromium against a real serve: the records it
/// touched before and after it, field by field, rebuilt from the journal; a rolled-back one shows
/// the before and "not applied"; one whose history the journal no longer holds says so.
/// </summary>
public sealed class ConsoleSettledTests : EndToEndTest
{
    private const string Crate = "7e7e7e7e-3333-4333-8444-000000000001";
    private const string Cube = "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f";

    private static string Move(string uuid, double x, double y = 0, double z = 0) =>
        $$"""{"operations": [{"op": "set_transform", "uuid": "{{uuid}}", "translation": [{{x}}, {{y}}, {{z}}]}], "rationale": "move it to {{x}}"}""";

    private static async Task<IPage> LoggedInAsync(ConsoleBrowser browser, ServeProcess serve)
    {
        var page = await (await browser.NewContextAsync()).NewPageAsync();
        await page.GotoAsync(await ConsoleParts.LoginLinkAsync(serve.DataDirectory));
        return page;
    }

    [Fact]
    public async Task a_final_intent_page_shows_the_records_before_and_after_it_from_the_journal()
    {
        await using var serve = await ServeProcess.StartAsync(); // no engine: a human's intents are FINAL at once
        var created = await serve.SubmitAsync($$"""{"operations": [{"op": "create_object", "uuid": "{{Crate}}", "name": "crate", "kind": "empty", "parent": null, "translation": [0, 0, 0], "rotation": [1, 0, 0, 0], "scale": [1, 1, 1]}]}""");
        Assert.Equal("FINAL", created.GetProperty("phase").GetString());
        var moved = await serve.SubmitAsync(Move(Crate, 3));
        Assert.Equal("FINAL", moved.GetProperty("phase").GetString());
        Assert.Equal("FINAL", (await serve.SubmitAsync(Move(Crate, 7))).GetProperty("phase").GetString()); // later: not in the first move's after
        ulong intent = moved.GetProperty("intent").GetUInt64();

        await using var browser = await ConsoleBrowser.LaunchAsync();
        var page = await LoggedInAsync(browser, serve);
        foreach (var _ in new[] { "replayed", "kept" }) // the second view is answered from what the first replayed
        {
            await page.GotoAsync($"http://127.0.0.1:{serve.ApiPort}/console/intents/{intent}");
            await Assertions.Expect(page.Locator("#intent-phase")).ToHaveTextAsync("FINAL");
            var settled = page.GetByRole(AriaRole.Region, new() { Name = "Records before and after" });
            await Assertions.Expect(settled.Locator("pre.operations")).ToContainTextAsync("set_transform");
            var row = settled.Locator("table.diff tbody tr");
            await Assertions.Expect(row).ToHaveCountAsync(1); // only the translation changed
            await Assertions.Expect(row.Locator("td").Nth(0)).ToHaveTextAsync("crate");
            await Assertions.Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("translation");
            await Assertions.Expect(row.Locator("td.before")).ToHaveTextAsync("[0,0,0]");
            await Assertions.Expect(row.Locator("td.after")).ToHaveTextAsync("[3,0,0]");
        }
        await ConsoleBrowser.ScreenshotAsync(page, "intent-final-before-after");

        // The creation: a new record, every field "(new)" before.
        await page.GotoAsync($"http://127.0.0.1:{serve.ApiPort}/console/intents/{created.GetProperty("intent").GetUInt64()}");
        var fresh = page.GetByRole(AriaRole.Region, new() { Name = "Records before and after" }).Locator("table.diff");
        await Assertions.Expect(fresh.Locator("td.before").First).ToHaveTextAsync("(new)");
        await Assertions.Expect(fresh).ToContainTextAsync("\"crate\"");
    }

    [Fact]
    public async Task a_rolled_back_intent_shows_the_before_and_not_applied_and_the_seed_before_the_checkpoint_says_its_history_is_gone()
    {
        var unityScene = Parts.SampleUnityScene(Work);
        await using var serve = await ServeProcess.StartAsync("--cosmetic-window-ms", "50");
        // The simulator stores every write 0.5 m off from 3 s to 15 s after its start: a move then is rolled back (HASH_MISMATCH).
        using var sim = Parts.Sim(serve.DataDirectory, unityScene, 40, await WriteAsync("tamper.json", """[{"at": 3, "fault": "tamper", "seconds": 12}]"""),
            Path.Combine(Work, "unity-after.json"));
        try
        {
            await UntilAsync(serve, s => SyncOf(s, "unity").GetProperty("phase").GetString() == "live", "Unity live (it seeds Reality)");
            await Task.Delay(TimeSpan.FromSeconds(3.5));
            var rolled = await serve.SubmitAsync(Move(Cube, 2, 0.5, -2));
            Assert.Equal("ROLLED_BACK", rolled.GetProperty("phase").GetString());

            await using var browser = await ConsoleBrowser.LaunchAsync();
            var page = await LoggedInAsync(browser, serve);
            await page.GotoAsync($"http://127.0.0.1:{serve.ApiPort}/console/intents/{rolled.GetProperty("intent").GetUInt64()}");
            await Assertions.Expect(page.Locator("#intent-phase")).ToHaveTextAsync("ROLLED_BACK");
            var settled = page.GetByRole(AriaRole.Region, new() { Name = "Records before and after" });
            var row = settled.Locator("table.diff tbody tr");
            await Assertions.Expect(row).ToHaveCountAsync(1);
            await Assertions.Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("translation");
            await Assertions.Expect(row.Locator("td.before")).Not.ToHaveTextAsync("[2,0.5,-2]");
            await Assertions.Expect(row.Locator("td.before")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\[[-0-9.e,]+\]$"));
            await Assertions.Expect(row.Locator("td.after")).ToHaveTextAsync("not applied");
            await ConsoleBrowser.ScreenshotAsync(page, "intent-rolled-back-before");

            // The seed: Reality's checkpoint was taken at it, so what came before is not in the journal.
            using var http = ConsoleParts.HumanApi(serve);
            var wal = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{serve.ApiPort}/v1/wal?limit=1000")).RootElement;
            ulong seed = wal.EnumerateArray().First(e => e.GetProperty("phase").GetString() == "FINAL").GetProperty("intent").GetUInt64();
            await page.GotoAsync($"http://127.0.0.1:{serve.ApiPort}/console/intents/{seed}");
            await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Records before and after" }).Locator(".history-gone"))
                .ToContainTextAsync("no longer in the journal");
        }
        finally { sim.Kill(entireProcessTree: true); }
    }
}
