using Microsoft.Playwright;
using VibeSync.Console.Tests.Support;
using VibeSync.Link.Tests.Support;

namespace VibeSync.Console.Tests;

/// <summary>
/// The console read as a person reads it, in chromium against a real serve: what an intent changes
/// in words before its JSON (folded), each thing said once, counts in good English, and a missing
/// page explained inside the console's frame with the way back (the bare page stays for whoever has no session).
/// </summary>
public sealed class ConsoleWordsTests : EndToEndTest
{
    private const string Crate = "7e7e7e7e-6666-4333-8444-000000000001";
    private const string Rationale = "slide the crate into the doorway for cover";

    [Fact]
    public async Task a_pending_intent_says_in_words_what_changes_before_its_folded_json_and_names_its_actor_and_rationale_once()
    {
        await using var serve = await ServeProcess.StartAsync("--trust", "supervised"); // no engine: a human's intents are FINAL at once
        Assert.Equal("FINAL", (await serve.SubmitAsync($$"""{"operations": [{"op": "create_object", "uuid": "{{Crate}}", "name": "crate", "kind": "empty", "parent": null, "translation": [0, 0, 0], "rotation": [1, 0, 0, 0], "scale": [1, 1, 1]}]}""")).GetProperty("phase").GetString());
        ulong intent = await ConsoleParts.SubmitPendingAsync(serve, "ai:words-test",
            $$"""{"operations": [{"op": "set_transform", "uuid": "{{Crate}}", "translation": [2, 0, 0]}], "rationale": "{{Rationale}}"}""");

        await using var browser = await ConsoleBrowser.LaunchAsync();
        var page = await (await browser.NewContextAsync()).NewPageAsync();
        await page.GotoAsync(await ConsoleParts.LoginLinkAsync(serve.DataDirectory));
        // The engine's root is the one it sent on attach: named so, not "last reported" (it differs from Reality's after any edit).
        await Assertions.Expect(page.Locator("table.engines thead th").Nth(7)).ToHaveTextAsync("root at attach");
        var records = page.Locator("dl.reality dd").Nth(1);
        await Assertions.Expect(records).ToHaveTextAsync("1 object, 0 materials, 0 meshes");
        var listed = page.Locator($"article.review[data-intent=\"{intent}\"]");
        await Assertions.Expect(listed.Locator("h3")).ToContainTextAsync("ai:words-test"); // the overview's list names who asks
        await Assertions.Expect(listed.Locator("p.rationale")).ToContainTextAsync(Rationale);

        await page.GotoAsync($"http://127.0.0.1:{serve.ApiPort}/console/intents/{intent}");
        var review = page.Locator("#review article.review");
        await Assertions.Expect(review.Locator("table.diff caption")).ToContainTextAsync("canonical space");
        await Assertions.Expect(review.Locator("table.diff td.after")).ToHaveTextAsync("[2,0,0]");
        // The words come first; the JSON is there, folded, for who wants the exact request.
        Assert.True(await review.EvaluateAsync<bool>("r => !!(r.querySelector('table.diff').compareDocumentPosition(r.querySelector('details.operations')) & Node.DOCUMENT_POSITION_FOLLOWING)"));
        await Assertions.Expect(review.Locator("details.operations")).Not.ToHaveAttributeAsync("open", "");
        await Assertions.Expect(review.Locator("pre.operations")).Not.ToBeVisibleAsync();
        await Assertions.Expect(review.Locator("details.operations summary")).ToHaveTextAsync("1 operation as submitted (JSON)");
        await Assertions.Expect(review.Locator("pre.operations")).ToContainTextAsync("set_transform");
        // Actor and rationale: said in the page's own list above the review, not again in it.
        await Assertions.Expect(page.Locator("dl.intent")).ToContainTextAsync(Rationale);
        await Assertions.Expect(page.Locator("dl.intent")).ToContainTextAsync("ai:words-test");
        await Assertions.Expect(review.Locator("h3")).ToHaveCountAsync(0);
        await Assertions.Expect(review.Locator("p.rationale")).ToHaveCountAsync(0);
        await Assertions.Expect(review.Locator("p.why")).ToHaveTextAsync("waits for: a human's approval");
        await ConsoleBrowser.ScreenshotAsync(page, "intent-pending-words");
    }

    [Fact]
    public async Task a_missing_intent_is_explained_inside_the_console_frame_and_without_a_session_the_page_stays_bare()
    {
        await using var serve = await ServeProcess.StartAsync();
        await using var browser = await ConsoleBrowser.LaunchAsync();
        var page = await (await browser.NewContextAsync()).NewPageAsync();
        await page.GotoAsync(await ConsoleParts.LoginLinkAsync(serve.DataDirectory));

        var missing = await page.GotoAsync($"http://127.0.0.1:{serve.ApiPort}/console/intents/9999");
        Assert.Equal(404, missing!.Status);
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("No such intent");
        await Assertions.Expect(page.Locator("p.problem")).ToHaveTextAsync("Intent 9999 is not in the journal.");
        await Assertions.Expect(page.Locator("header nav a", new() { HasText = "Intents" })).ToBeVisibleAsync();
        Assert.Equal("rgb(255, 255, 255)", await page.Locator("p.problem").EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor")); // the console's stylesheet applies
        await ConsoleBrowser.ScreenshotAsync(page, "intent-missing-404");
        await page.GetByRole(AriaRole.Link, new() { Name = "Back to the overview" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Overview");

        var stranger = await (await browser.NewContextAsync()).NewPageAsync();
        var refused = await stranger.GotoAsync($"http://127.0.0.1:{serve.ApiPort}/console/intents/9999");
        Assert.Equal(401, refused!.Status);
        await Assertions.Expect(stranger.Locator("header nav")).ToHaveCountAsync(0); // nothing of the console's for no session
    }
}
