using System.Text.Json;
using Microsoft.Playwright;
using VibeSync.Console.Tests.Support;
using VibeSync.Link.Tests.Support;

namespace VibeSync.Console.Tests;

/// <summary>
/// Recovery in the console, in chromium against a real serve: the emergency unlock after a forced
/// PANIC (behind a typed confirmation), and a restore from a safety snapshot whose confirmation
/// names what changes and is refused once Reality has moved since it was shown;
/// and the WAL page with the chain verified on disk.
/// </summary>
public sealed class ConsoleRecoveryTests
{
    private const string Crate = "7e7e7e7e-2222-4333-8444-000000000001";

    [Fact]
    public async Task emergency_unlock_after_a_forced_panic_needs_the_typed_word_and_then_lifts_it()
    {
        await using var serve = await ServeProcess.StartAsync();
        using var blender = await serve.ConnectAsync(Engines.Blender);
        await blender.SendAsync(0x7f, "{}"); // an unknown message type: a contract violation, PANIC for Blender
        await serve.LoggedAsync("UNKNOWN_TYPE", Engines.Blender);
        Assert.Equal(new[] { Engines.Blender }, ServeProcess.Panicked(await serve.StatusAsync()));

        await using var browser = await ConsoleBrowser.LaunchAsync();
        var page = await (await browser.NewContextAsync()).NewPageAsync();
        await page.GotoAsync(await ConsoleParts.LoginLinkAsync(serve.DataDirectory));
        await Assertions.Expect(page.Locator("#phase-blender")).ToHaveTextAsync("PANIC");
        await page.GetByRole(AriaRole.Link, new() { Name = "PANIC & locks" }).ClickAsync();
        await Assertions.Expect(page.Locator("#panics")).ToContainTextAsync("blender");
        await ConsoleBrowser.ScreenshotAsync(page, "panic");

        await page.GetByLabel("Confirmation").FillAsync("unlock"); // not the word, exactly
        await page.GetByRole(AriaRole.Button, new() { Name = "Emergency unlock" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Not confirmed");
        Assert.Equal(new[] { Engines.Blender }, ServeProcess.Panicked(await serve.StatusAsync()));

        await page.GotoAsync($"http://127.0.0.1:{serve.ApiPort}/console/panic");
        await page.GetByLabel("Confirmation").FillAsync("UNLOCK");
        await page.GetByRole(AriaRole.Button, new() { Name = "Emergency unlock" }).ClickAsync();
        await Assertions.Expect(page.Locator("#panics")).ToHaveTextAsync("No engine is in PANIC.");
        Assert.Empty(ServeProcess.Panicked(await serve.StatusAsync()));
        using var http = ConsoleParts.HumanApi(serve);
        var wal = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{serve.ApiPort}/v1/wal?limit=1000")).RootElement;
        Assert.Contains(wal.EnumerateArray(), e => e.GetProperty("actor").GetString() == "emergency:console");
    }

    [Fact]
    public async Task restore_from_a_snapshot_names_what_changes_refuses_a_stale_confirmation_and_brings_reality_back()
    {
        await using var serve = await ServeProcess.StartAsync();
        using var http = ConsoleParts.HumanApi(serve);
        string api = $"http://127.0.0.1:{serve.ApiPort}";
        async Task<string> SubmitAsync(string operation)
        {
            using var reply = await http.PostAsync($"{api}/v1/intents?actor=human:cli&wait=settled", new StringContent($$"""{"operations": [{{operation}}]}"""));
            string answer = await reply.Content.ReadAsStringAsync();
            Assert.True(answer.Contains("\"FINAL\""), answer);
            return (await serve.StatusAsync()).GetProperty("sync").GetProperty("reality_root").GetString()!;
        }
        async Task<int> SnapshotsAsync(IPage page)
        {
            await page.GotoAsync($"{api}/console/snapshots");
            return await page.Locator("table.snapshots tbody tr a").CountAsync();
        }
        string first = await SubmitAsync($$"""{"op": "create_object", "uuid": "{{Crate}}", "name": "crate", "kind": "empty", "parent": null, "translation": [0, 0, 0], "rotation": [1, 0, 0, 0], "scale": [1, 1, 1]}""");

        await using var browser = await ConsoleBrowser.LaunchAsync();
        var page = await (await browser.NewContextAsync()).NewPageAsync();
        await page.GotoAsync(await ConsoleParts.LoginLinkAsync(serve.DataDirectory));
        for (int i = 0; await SnapshotsAsync(page) < 1; i++) { Assert.True(i < 100, "no snapshot of the first FINAL"); await Task.Delay(100); }
        string moved = await SubmitAsync($$"""{"op": "set_transform", "uuid": "{{Crate}}", "translation": [9, 9, 9]}""");
        for (int i = 0; await SnapshotsAsync(page) < 2; i++) { Assert.True(i < 100, "no snapshot of the second FINAL"); await Task.Delay(100); }
        await ConsoleBrowser.ScreenshotAsync(page, "snapshots");

        await page.Locator("table.snapshots tbody tr a").Last.ClickAsync(); // the oldest: the crate at the origin
        await Assertions.Expect(page.Locator("#restore-changes")).ToContainTextAsync("changes 1 field(s) of 1 record(s): crate");
        await Assertions.Expect(page.Locator("table.diff .before")).ToHaveTextAsync("[9,9,9]");
        await Assertions.Expect(page.Locator("table.diff .after")).ToHaveTextAsync("[0,0,0]");
        await ConsoleBrowser.ScreenshotAsync(page, "snapshot-restore-confirmation");

        // Reality moves after the confirmation was shown: the confirmed restore is refused, nothing changes.
        string movedAgain = await SubmitAsync($$"""{"op": "set_transform", "uuid": "{{Crate}}", "translation": [5, 5, 5]}""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Restore these 1 record(s)" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Reality changed");
        Assert.Equal(movedAgain, (await serve.StatusAsync()).GetProperty("sync").GetProperty("reality_root").GetString());

        await page.GoBackAsync();
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("table.diff .before")).ToHaveTextAsync("[5,5,5]");
        await page.GetByRole(AriaRole.Button, new() { Name = "Restore these 1 record(s)" }).ClickAsync();
        await Assertions.Expect(page.Locator("#intent-phase")).ToHaveTextAsync("FINAL");
        Assert.Equal(first, (await serve.StatusAsync()).GetProperty("sync").GetProperty("reality_root").GetString());
        Assert.NotEqual(first, moved);

        // The WAL page shows the restore, and the chain on disk verifies, once the restore's snapshot (and its note) is written.
        for (int i = 0; await SnapshotsAsync(page) < 4; i++) { Assert.True(i < 100, "no snapshot after the restore"); await Task.Delay(100); }
        await page.GotoAsync($"{api}/console/wal");
        await Assertions.Expect(page.Locator("table.wal")).ToContainTextAsync("restore from snapshot");
        await page.GetByRole(AriaRole.Link, new() { Name = "Verify the chain on disk" }).ClickAsync();
        await Assertions.Expect(page.Locator("#chain-status")).ToHaveTextAsync("INTACT");
        await ConsoleBrowser.ScreenshotAsync(page, "wal");
    }
}
