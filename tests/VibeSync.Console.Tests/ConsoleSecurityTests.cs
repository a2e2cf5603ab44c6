using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Playwright;
using VibeSync.Console.Tests.Support;
using VibeSync.Link.Tests.Support;
using VibeSync.Orchestrator.WebConsole;

namespace VibeSync.Console.Tests;

/// <summary>
/// The console's gate against a real serve, in real chromium and over raw HTTP: no session, a
/// replayed or foreign login link, the AI credential, a foreign Host (DNS rebinding, made real with
/// chromium's host resolver), a foreign Origin and a missing anti-forgery token are all refused, and
/// each time the pending AI intent is still pending and Reality and the WAL are unchanged; the 3D
/// view's fallback when serve sends no GLB shows serve's reason as text.
/// </summary>
public sealed class ConsoleSecurityTests : IAsyncLifetime
{
    private const string Rebinding = "rebind.test"; // a name a hostile page controls, pointed at 127.0.0.1
    private ServeProcess _serve = null!;
    private ConsoleBrowser _browser = null!;
    private readonly HttpClient _raw = new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false });

    public async Task InitializeAsync()
    {
        _serve = await ServeProcess.StartAsync("--trust", "supervised");
        _browser = await ConsoleBrowser.LaunchAsync($"--host-resolver-rules=MAP {Rebinding} 127.0.0.1");
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _serve.DisposeAsync();
        _raw.Dispose();
    }

    private string Console(string path = "/console/") => $"http://127.0.0.1:{_serve.ApiPort}{path}";

    /// <summary>An AI's intent (through the control API with the AI credential) left PENDING under supervised trust.</summary>
    private async Task<ulong> PendingAiIntentAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{_serve.ApiPort}/v1/intents?actor=ai:tester");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(_serve.DataDirectory, "keys", "ai.token")).Trim());
        request.Content = new StringContent("""
            {"operations": [{"op": "create_object", "uuid": "7e7e7e7e-1111-4222-8333-000000000001", "name": "Proposed crate", "kind": "empty", "parent": null,
              "translation": [1, 2, 3], "rotation": [1, 0, 0, 0], "scale": [1, 1, 1]}], "rationale": "a crate for the scene"}
            """);
        using var reply = await _raw.SendAsync(request);
        var answer = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement;
        Assert.True(answer.GetProperty("phase").GetString() == "PENDING", answer.ToString());
        return answer.GetProperty("intent").GetUInt64();
    }

    /// <summary>What must not change: the intent still pending, Reality's root, the WAL's position.</summary>
    private async Task<string> StandingAsync(ulong intent)
    {
        var sync = (await _serve.StatusAsync()).GetProperty("sync");
        return $"pending {sync.GetProperty("pending").EnumerateArray().Any(p => p.GetUInt64() == intent)}, root {sync.GetProperty("reality_root").GetString()}, wal {sync.GetProperty("wal_sequence")}";
    }

    private async Task<(IBrowserContext Context, IPage Page)> LoggedInAsync()
    {
        var context = await _browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(await ConsoleParts.LoginLinkAsync(_serve.DataDirectory));
        Assert.Equal(Console(), page.Url);
        return (context, page);
    }

    [Fact]
    public async Task a_request_without_a_session_gets_a_401_page_saying_how_to_log_in_and_no_data()
    {
        ulong intent = await PendingAiIntentAsync();
        var context = await _browser.NewContextAsync();
        var page = await context.NewPageAsync();
        foreach (var path in new[] { "/console/", $"/console/intents/{intent}", "/console/events", "/console/assets/console.js", "/console/reality.glb" })
        {
            var response = await page.GotoAsync(Console(path));
            Assert.Equal(401, response!.Status);
            string text = await page.InnerTextAsync("body");
            Assert.Contains($"vibesync console --data {_serve.DataDirectory}", text);
            Assert.DoesNotContain("crate", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("Reality", text);
        }
        await ConsoleBrowser.ScreenshotAsync(page, "login-required-401");
        // Raw, with the AI credential as a Bearer token: the console takes no token, only its session cookie.
        using var withAiToken = new HttpRequestMessage(HttpMethod.Get, Console());
        withAiToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(_serve.DataDirectory, "keys", "ai.token")).Trim());
        using var reply = await _raw.SendAsync(withAiToken);
        Assert.Equal(HttpStatusCode.Unauthorized, reply.StatusCode);
    }

    [Fact]
    public async Task a_login_link_opens_an_httponly_strict_session_once_and_lands_on_a_url_without_secrets()
    {
        string link = await ConsoleParts.LoginLinkAsync(_serve.DataDirectory);
        Assert.StartsWith(Console("/console/login?nonce="), link);
        var first = await _browser.NewContextAsync();
        var page = await first.NewPageAsync();
        var landed = await page.GotoAsync(link);
        Assert.Equal(200, landed!.Status);
        Assert.Equal(Console(), page.Url); // the nonce is gone from the address bar
        var cookie = Assert.Single(await first.CookiesAsync());
        Assert.True(cookie.HttpOnly && cookie.SameSite == SameSiteAttribute.Strict && cookie.Path == "/console", $"{cookie.Name}: HttpOnly {cookie.HttpOnly}, SameSite {cookie.SameSite}, Path {cookie.Path}");
        Assert.Equal("Overview", await page.InnerTextAsync("h1"));
        Assert.Null(await page.EvaluateAsync<string?>("() => document.cookie || null")); // HttpOnly: no script reads it
        await ConsoleBrowser.ScreenshotAsync(page, "overview-no-engines");

        // The same link again, from another profile (someone who saw it): refused, no session.
        var second = await _browser.NewContextAsync();
        var replayPage = await second.NewPageAsync();
        var replay = await replayPage.GotoAsync(link);
        Assert.Equal(401, replay!.Status);
        Assert.Contains("used already", await replayPage.InnerTextAsync("body"));
        Assert.Empty(await second.CookiesAsync());
        Assert.Equal(401, (await replayPage.GotoAsync(Console()))!.Status);
    }

    [Fact]
    public async Task the_3d_view_without_realitys_glb_draws_boxes_and_shows_the_reason_as_text()
    {
        ulong intent = await PendingAiIntentAsync();
        var page = await (await _browser.NewContextAsync()).NewPageAsync();
        // Reality here is empty: serve sends its GLB (a real one, no meshes).
        using (var withCookie = new HttpRequestMessage(HttpMethod.Get, Console("/console/reality.glb")))
        {
            await page.GotoAsync(await ConsoleParts.LoginLinkAsync(_serve.DataDirectory));
            var cookie = (await page.Context.CookiesAsync()).Single();
            withCookie.Headers.Add("Cookie", $"{cookie.Name}={cookie.Value}");
            using var glb = await _raw.SendAsync(withCookie);
            Assert.Equal(HttpStatusCode.OK, glb.StatusCode);
            Assert.Equal("model/gltf-binary", glb.Content.Headers.ContentType!.MediaType);
            Assert.Equal("glTF"u8.ToArray(), (await glb.Content.ReadAsByteArrayAsync())[..4]);
        }
        // A scene over the view's bound is answered 413 with the reason (a scene that large is not built here):
        // the page falls back to boxes and shows the reason as text, never as markup.
        await page.RouteAsync("**/console/reality.glb", route => route.FulfillAsync(new()
        {
            Status = 413, ContentType = "text/plain", Body = "Reality holds <img src=x id=injected> 9,999 objects",
        }));
        await page.GotoAsync(Console($"/console/intents/{intent}"));
        var canvas = page.Locator("canvas[data-scene]");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-rendered", "done", new() { Timeout = 30_000 });
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-source", "boxes");
        Assert.True(int.Parse((await canvas.GetAttributeAsync("data-meshes"))!) >= 1, "the proposed crate is not drawn as a box");
        await Assertions.Expect(page.Locator(".view3d-note")).ToContainTextAsync("Drawn as boxes at each object's transform: Reality holds <img src=x id=injected> 9,999 objects");
        Assert.Equal(0, await page.Locator("#injected").CountAsync());
    }

    [Fact]
    public async Task a_login_link_for_an_intent_lands_on_its_page_and_never_off_the_console()
    {
        ulong intent = await PendingAiIntentAsync();
        var context = await _browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(await ConsoleParts.LoginLinkAsync(_serve.DataDirectory, intent)); // what the editors' panels open
        Assert.Equal(Console($"/console/intents/{intent}"), page.Url);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true })).ToBeVisibleAsync();
        // A link whose landing page points elsewhere (an open redirect) lands on the overview instead.
        var token = VibeSync.Protocol.Hashing.Hex.Decode(File.ReadAllText(Path.Combine(_serve.DataDirectory, "keys", "control.token")).Trim());
        foreach (var next in new[] { "//evil.example/console/", "https://evil.example/", "/console/\\evil.example", "/v1/status" })
        {
            var reply = await _raw.GetAsync(ConsoleUrls.Login(_serve.ApiPort, LoginNonces.Issue(token, DateTimeOffset.UtcNow), next));
            Assert.Equal(HttpStatusCode.Redirect, reply.StatusCode);
            Assert.Equal("/console/", reply.Headers.Location!.OriginalString);
        }
    }

    [Fact]
    public async Task a_login_link_signed_with_the_ai_credential_or_expired_opens_nothing()
    {
        var aiToken = VibeSync.Protocol.Hashing.Hex.Decode(File.ReadAllText(Path.Combine(_serve.DataDirectory, "keys", "ai.token")).Trim());
        var controlToken = VibeSync.Protocol.Hashing.Hex.Decode(File.ReadAllText(Path.Combine(_serve.DataDirectory, "keys", "control.token")).Trim());
        foreach (var (nonce, why) in new[]
        {
            (LoginNonces.Issue(aiToken, DateTimeOffset.UtcNow), "was not made with this orchestrator"),
            (LoginNonces.Issue(controlToken, DateTimeOffset.UtcNow - TimeSpan.FromMinutes(2)), "expired"),
            ("1.2.3", "not a login link"),
        })
        {
            using var reply = await _raw.GetAsync(ConsoleUrls.Login(_serve.ApiPort, nonce));
            Assert.Equal(HttpStatusCode.Unauthorized, reply.StatusCode);
            Assert.Contains(why, await reply.Content.ReadAsStringAsync());
            Assert.False(reply.Headers.Contains("Set-Cookie"));
        }
    }

    [Fact]
    public async Task a_foreign_host_is_refused_before_anything_even_with_a_valid_session_and_nothing_changes()
    {
        ulong intent = await PendingAiIntentAsync();
        var (context, page) = await LoggedInAsync();
        string before = await StandingAsync(intent);
        // DNS rebinding, for real: chromium resolves rebind.test to 127.0.0.1 and sends Host: rebind.test:PORT.
        var rebound = await page.GotoAsync($"http://{Rebinding}:{_serve.ApiPort}/console/");
        Assert.Equal(421, rebound!.Status);
        Assert.DoesNotContain("crate", await page.ContentAsync(), StringComparison.OrdinalIgnoreCase);
        await ConsoleBrowser.ScreenshotAsync(page, "foreign-host-421");
        // Even a request carrying the session, the token and a good Origin: the Host decides first.
        var (cookie, csrf) = await SessionOfAsync(context, intent);
        using var post = Post($"/console/intents/{intent}/approve", cookie, csrf, $"http://127.0.0.1:{_serve.ApiPort}");
        post.Headers.Host = $"{Rebinding}:{_serve.ApiPort}";
        using var reply = await _raw.SendAsync(post);
        Assert.Equal(HttpStatusCode.MisdirectedRequest, reply.StatusCode);
        Assert.Equal(before, await StandingAsync(intent));
    }

    [Fact]
    public async Task a_post_with_a_foreign_origin_or_without_the_anti_forgery_token_is_refused_and_nothing_changes()
    {
        ulong intent = await PendingAiIntentAsync();
        var (context, _) = await LoggedInAsync();
        var (cookie, csrf) = await SessionOfAsync(context, intent);
        string ours = $"http://127.0.0.1:{_serve.ApiPort}", before = await StandingAsync(intent);
        foreach (var (origin, token, what) in new[]
        {
            ((string?)"http://evil.example", csrf, "a foreign Origin"),
            ($"http://{Rebinding}:{_serve.ApiPort}", csrf, "a rebound name as Origin"),
            (null, csrf, "no Origin"),
            (ours, null, "no anti-forgery token"),
            (ours, new string('0', csrf.Length), "a wrong anti-forgery token"),
        })
        {
            using var reply = await _raw.SendAsync(Post($"/console/intents/{intent}/approve", cookie, token, origin));
            Assert.True(reply.StatusCode == HttpStatusCode.Forbidden, $"{what}: {(int)reply.StatusCode}");
            Assert.Equal(before, await StandingAsync(intent));
        }
        // Without the session cookie, everything else right: no session, nothing done.
        using (var noCookie = await _raw.SendAsync(Post($"/console/intents/{intent}/deny", null, csrf, ours)))
            Assert.Equal(HttpStatusCode.Unauthorized, noCookie.StatusCode);
        Assert.Equal(before, await StandingAsync(intent));
        // The control: the same request with everything right is a human's deny, journaled as human:console.
        using (var right = await _raw.SendAsync(Post($"/console/intents/{intent}/deny", cookie, csrf, ours)))
            Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.NotEqual(before, await StandingAsync(intent));
        var journal = await JournalAsync(intent);
        Assert.Contains(journal, e => e.GetProperty("phase").GetString() == "REFUSED" && e.GetProperty("rationale").GetString() == "denied by human:console");
    }

    private async Task<List<JsonElement>> JournalAsync(ulong intent)
    {
        using var http = ConsoleParts.HumanApi(_serve);
        return JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{_serve.ApiPort}/v1/intents/{intent}")).RootElement.GetProperty("history").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    /// <summary>The session cookie (as the browser holds it) and the anti-forgery token the intent's page carries.</summary>
    private async Task<(string Cookie, string Csrf)> SessionOfAsync(IBrowserContext context, ulong intent)
    {
        var cookie = Assert.Single(await context.CookiesAsync());
        var page = await context.NewPageAsync();
        await page.GotoAsync(Console($"/console/intents/{intent}"));
        string csrf = (await page.Locator("input[name=csrf]").First.GetAttributeAsync("value"))!;
        return ($"{cookie.Name}={cookie.Value}", csrf);
    }

    private HttpRequestMessage Post(string path, string? cookie, string? csrf, string? origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Console(path));
        if (cookie != null) request.Headers.Add("Cookie", cookie);
        if (origin != null) request.Headers.Add("Origin", origin);
        request.Content = new FormUrlEncodedContent(csrf == null ? Array.Empty<KeyValuePair<string, string>>() : new[] { KeyValuePair.Create("csrf", csrf) });
        return request;
    }
}
