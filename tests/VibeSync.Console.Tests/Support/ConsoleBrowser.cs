using Microsoft.Playwright;

namespace VibeSync.Console.Tests.Support;

/// <summary>
/// Debian's chromium (headless), driven by Playwright's .NET driver: the NuGet package ships its own
/// Node runtime and driver (copied to the test output as <c>.playwright/</c>), and the browser is
/// launched by its executable path, so nothing is downloaded (<c>playwright install</c> is never run).
/// </summary>
internal sealed class ConsoleBrowser : IAsyncDisposable
{
    private readonly IPlaywright _playwright;

    private ConsoleBrowser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    /// <summary>
    /// Waits until <paramref name="page"/> is at intent <paramref name="intent"/>'s page by its URL
    /// alone. Not <c>WaitForURLAsync</c>: when the URL already matches, it waits for the load event
    /// whatever <c>WaitUntil</c> says, and on a busy CI machine that took over Playwright's 30 s
    /// (three.js and the glTF's textures delay it). What a test checks on the page is waited for by locator.
    /// </summary>
    public static Task AtIntentPageAsync(IPage page, object intent) =>
        Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/console/intents/{intent}$"), new() { Timeout = 30_000 });

    /// <summary>Where screenshots go: the test output, kept as the run's artifacts.</summary>
    public static string Screenshots { get; } = Path.Combine(AppContext.BaseDirectory, "console-screenshots");

    /// <summary>Starts chromium; <paramref name="args"/> are its own switches.</summary>
    public static async Task<ConsoleBrowser> LaunchAsync(params string[] args)
    {
        string chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("Debian's chromium is not installed: run-tests installs it (apt-get install -y chromium)");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = args });
        return new ConsoleBrowser(playwright, browser);
    }

    /// <summary>A fresh profile: no cookies.</summary>
    public Task<IBrowserContext> NewContextAsync() => Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } });

    /// <summary>Saves a screenshot of the page as <paramref name="name"/>.png under <see cref="Screenshots"/>.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Screenshots);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
