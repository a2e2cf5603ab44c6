using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using VibeSync.Intents.Validation;
using VibeSync.Orchestrator.Snapshots;
using VibeSync.Protocol.Intents;
using VibeSync.Protocol.Operations;

namespace VibeSync.Orchestrator.WebConsole;

/// <summary>
/// The console's URLs under <c>/console</c> (every one behind <see cref="ConsoleGuard"/>): the
/// login link, the overview, an intent's page, Approve and Deny (as <c>human:console</c>, through
/// the pipeline's approve and deny that <c>vibesync approve/deny</c> use), the live feed and the
/// embedded assets.
/// </summary>
internal static class ConsoleRoutes
{
    /// <summary>Who acts in the console: a human, journaled as such.</summary>
    public static readonly Actor Human = new(ActorKind.Human, "console");

    public static void Map(WebApplication app, OrchestratorService service, ConsoleGuard guard)
    {
        var settled = new SettledRecords(service.JournalStore); // a settled intent's records before and after, from the journal
        app.MapGet(ConsoleUrls.LoginPath, (HttpContext http) =>
        {
            if (guard.Nonces.Redeem(http.Request.Query["nonce"].FirstOrDefault(), guard.Time.GetUtcNow()) is { } why)
                return Results.Content(Html.Refusal("Login link refused", // no session yet: the bare page
                    $"{why}. Nothing was opened. Run `vibesync console --data {guard.DataDirectory}` for a fresh link."), "text/html; charset=utf-8", statusCode: StatusCodes.Status401Unauthorized);
            string secret = guard.Sessions.Open(guard.Time.GetUtcNow());
            http.Response.Cookies.Append(ConsoleSessions.CookieName(http.Connection.LocalPort), secret, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Path = ConsoleUrls.Root,
                MaxAge = ConsoleSessions.Lifetime,
                IsEssential = true,
            });
            // The secret-bearing URL is left at once for one without secrets (and out of the history).
            return Results.Redirect(SafeNext(http.Request.Query["next"].FirstOrDefault()));
        });
        app.MapGet(ConsoleUrls.Root, (HttpContext http) =>
            Page(OverviewPage.Render(service, ConsoleGuard.SessionOf(http).Csrf)));
        app.MapGet(ConsoleUrls.Root + "/intents", (HttpRequest http) =>
        {
            var (filter, page) = IntentsPage.Query(http);
            return Page(IntentsPage.Render(service, filter, page));
        });
        app.MapGet(ConsoleUrls.Root + "/intents/{id}", async (HttpContext http, ulong id) =>
            await IntentPage.RenderAsync(service, settled, id, ConsoleGuard.SessionOf(http).Csrf) is { } page
                ? Page(page)
                : Refusal(StatusCodes.Status404NotFound, "No such intent", $"Intent {id} is not in the journal."));
        app.MapGet(ConsoleUrls.Root + "/intents/{id}/scene.json", (ulong id) =>
            service.Pipeline.PendingOf(id) is { } pending && ProposalScene.Of(pending, service.Pipeline.Reality) is { } scene
                ? Results.Json(scene)
                : Refusal(StatusCodes.Status404NotFound, "No proposal to show", $"Intent {id} is not pending, or would be refused as Reality is now."));
        app.MapGet(ConsoleUrls.Root + "/reality.glb", () => RealityGlb.Build(service) switch
        {
            ({ } glb, _, _) => Results.Bytes(glb, "model/gltf-binary"),
            (_, var status, var why) => Results.Text(why!, "text/plain; charset=utf-8", statusCode: status), // the page draws boxes and shows why
        });
        app.MapPost(ConsoleUrls.Root + "/intents/{id}/approve", async (ulong id) =>
        {
            try
            {
                var outcome = await service.Pipeline.ApproveAsync(id, Human);
                // The FINAL entries name the intent's submitter; this note names the human who let it through.
                await service.Pipeline.NoteAsync(Human, "both", $"{Human} approved intent {id} in the console: {PhaseNames.Name(outcome.Phase)} ({outcome.Reason})");
            }
            catch (KeyNotFoundException e) { return NotPending(id, e); }
            return Results.Redirect(ConsoleUrls.Intent(id));
        });
        app.MapPost(ConsoleUrls.Root + "/intents/{id}/deny", async (ulong id) =>
        {
            try { await service.Pipeline.DenyAsync(id, Human); } // journaled REFUSED, "denied by human:console"
            catch (KeyNotFoundException e) { return NotPending(id, e); }
            return Results.Redirect(ConsoleUrls.Intent(id));
        });
        app.MapGet(ConsoleUrls.Root + "/charts", () => Page(ChartsPage.Render(service, guard.Time.GetUtcNow())));
        app.MapGet(ConsoleUrls.Root + "/wal", (HttpRequest http) =>
            Page(WalPage.Render(service, ulong.TryParse(http.Query["from"].FirstOrDefault(), out var from) ? from : null, http.Query["verify"].FirstOrDefault() == "1")));
        app.MapGet(ConsoleUrls.Root + "/snapshots", async () => Page(SnapshotsPage.List(await service.SnapshotsAsync(100))));
        app.MapGet(ConsoleUrls.Root + "/snapshots/{commit}", async (HttpContext http, string commit) =>
        {
            try { return Page(SnapshotsPage.One(commit, await service.SnapshotAsync(commit), service.Pipeline.Reality, ConsoleGuard.SessionOf(http).Csrf)); }
            catch (SnapshotException e) { return Refusal(StatusCodes.Status404NotFound, "No such snapshot", e.Message); }
        });
        app.MapPost(ConsoleUrls.Root + "/snapshots/{commit}/restore", async (HttpContext http, string commit) =>
        {
            // The confirmation named the changes from Reality as it was then: a Reality that moved since is not restored blind.
            string shown = (await http.Request.ReadFormAsync())[SnapshotsPage.ShownRoot].FirstOrDefault() ?? "";
            if (shown != Intents.Reality.RealityRoot.Of(service.Pipeline.Reality))
                return Refusal(StatusCodes.Status409Conflict, "Reality changed", $"Reality changed since the confirmation was shown. Nothing was restored: review {commit} again.");
            try
            {
                var outcome = await service.RestoreAsync(commit, Array.Empty<string>(), Human);
                return Results.Redirect(outcome.IntentId == 0 ? ConsoleUrls.Root + "/snapshots" : ConsoleUrls.Intent(outcome.IntentId));
            }
            catch (SnapshotException e) { return Refusal(StatusCodes.Status404NotFound, "No such snapshot", e.Message); }
            catch (IntentRefusedException e) { return Refusal(StatusCodes.Status400BadRequest, "Restore refused", $"{IntentRefusedException.WireName(e.Code)}: {e.Message}. Nothing was changed."); }
        });
        app.MapGet(ConsoleUrls.Root + "/panic", (HttpContext http) => Page(PanicPage.Render(service.Status(), ConsoleGuard.SessionOf(http).Csrf)));
        app.MapPost(ConsoleUrls.Root + "/panic/unlock", async (HttpContext http) =>
        {
            if ((await http.Request.ReadFormAsync())[PanicPage.ConfirmField].FirstOrDefault() != PanicPage.Word)
                return Refusal(StatusCodes.Status400BadRequest, "Not confirmed", $"Type {PanicPage.Word} exactly to confirm the emergency unlock. Nothing was changed.");
            await service.EmergencyUnlockAsync(Human.Name); // journaled as the emergency override of human:console
            return Results.Redirect(ConsoleUrls.Root + "/panic");
        });
        app.MapGet(ConsoleUrls.Root + "/events", (HttpContext http) => ConsoleFeed.StreamAsync(http, service, LiveSections(http, service, settled)));
        app.MapGet(ConsoleUrls.Root + "/assets/{name}", (string name) =>
            ConsoleAssets.Find(name) is { } asset ? Results.Bytes(asset.Bytes, asset.Type) : Refusal(StatusCodes.Status404NotFound, "Not found", $"No asset {name}."));
        app.MapFallback(ConsoleUrls.Root + "/{**rest}", (HttpContext http) =>
            Refusal(StatusCodes.Status404NotFound, "Not found", $"The console has no page {http.Request.Path}."));
    }

    /// <summary>
    /// The live sections of the page that asked for the feed: an intent's page, the timeline, else the
    /// overview. Only the timeline is read from the journal index alone, so only it waits for a new entry;
    /// the others also show the pipeline's pending intents, which are not journaled in the same instant.
    /// </summary>
    private static FeedSection[] LiveSections(HttpContext http, OrchestratorService service, SettledRecords settled)
    {
        string csrf = ConsoleGuard.SessionOf(http).Csrf;
        if (ulong.TryParse(http.Request.Query["intent"].FirstOrDefault(), out var id))
            return [new(IntentPage.Section, false, () => IntentPage.BodyAsync(service, settled, id, csrf))];
        if (http.Request.Query["view"].FirstOrDefault() == "intents")
        {
            var (filter, page) = IntentsPage.Query(http.Request);
            return [new(IntentsPage.Section, true, () => Task.FromResult<string?>(IntentsPage.Timeline(service, filter, page)))];
        }
        return [
            new(OverviewPage.EnginesSection, false, () => Task.FromResult<string?>(OverviewPage.Engines(service.Status()))),
            new(OverviewPage.PendingSection, false, () => Task.FromResult<string?>(OverviewPage.Pending(service, csrf))),
        ];
    }

    /// <summary>Where to go after logging in: a console page named by the link (the editors' panels open an intent's page), else the overview.</summary>
    private static string SafeNext(string? next) =>
        next != null && next.StartsWith(ConsoleUrls.Root + "/", StringComparison.Ordinal) && !next.Contains("//", StringComparison.Ordinal)
            && !next.Contains('\\') && next.All(c => c > ' ' && c < 127)
            ? next
            : ConsoleUrls.Root + "/";

    private static IResult NotPending(ulong id, KeyNotFoundException e) =>
        Refusal(StatusCodes.Status409Conflict, "Not pending", $"{e.Message}: it was decided already, or never waited. Nothing was changed. See /console/intents/{id}.");

    private static IResult Page(string html) => Results.Content(html, "text/html; charset=utf-8");

    /// <summary>A refusal behind the session (every route but the login link's): the console's frame.</summary>
    private static IResult Refusal(int status, string title, string message) =>
        Results.Content(Html.Problem(title, message), "text/html; charset=utf-8", statusCode: status);
}
