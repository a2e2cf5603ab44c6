using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using VibeSync.Intents.Pipeline;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.Operations;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Link;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.Intents;

namespace VibeSync.Orchestrator.Control;

/// <summary>An intent's standing as the control API answers it.</summary>
/// <param name="Intent">Its id (0 when it was refused before it was numbered).</param>
/// <param name="Phase">PROVISIONAL, PENDING, FINAL, ROLLED_BACK, QUARANTINED or REFUSED.</param>
/// <param name="Reason">A sentence a person or an agent can act on.</param>
/// <param name="Code">The error code when it was refused.</param>
public sealed record IntentAnswer(ulong Intent, string Phase, string Reason, string? Code);

/// <summary>
/// Intent routes of the control API: submit (as a human at the CLI, or as an AI actor for the
/// MCP server), approve, deny, pause, resume, and scene state. The actor a request names is what
/// authority is decided on, and only humans approve; the AI credential reaches only submit (as
/// ai:NAME) and the reads, which answer it through <see cref="AgentView"/>.
/// </summary>
internal static class IntentRoutes
{
    public static void Map(WebApplication app, OrchestratorService service, AgentView agent)
    {
        app.MapPost("/v1/intents", async (HttpRequest http) =>
        {
            if (Submitter(http, "submit", out var refusal) is not { } actor) return refusal!;
            string body = await new StreamReader(http.Body).ReadToEndAsync();
            // Over the byte limit is refused before it is parsed (a 10M-index mesh costs gigabytes as a tree).
            if (service.Pipeline.Limits.CheckBytes(body) is { } over) return Error(400, IntentRefusedException.WireName(over.Code), over.Message);
            IntentRequest request;
            // Inline meshes become blobs in the store, durably, before the intent can be journaled.
            try { request = OperationReader.Read(body, service.Pipeline.SinkFor(actor)); }
            catch (IntentRefusedException e) { return Error(400, IntentRefusedException.WireName(e.Code), e.Message); }
            var ticket = service.Pipeline.Submit(request, actor);
            var outcome = http.Query["wait"].FirstOrDefault() == "settled" ? await ticket.Settled : await ticket.Provisional;
            var answer = Answered(outcome);
            return Results.Json(Credentials.Of(http.HttpContext) == Credential.Human ? answer : agent.Answer(answer, AgentView.IdsIn(body)), OrchestratorService.Json);
        });
        app.MapGet("/v1/intents/{id}", async (HttpContext http, ulong id) =>
        {
            // ?wait=settled[&timeout_ms=N]: answer once the intent settles or N ms (default 25,000,
            // at most 55,000) pass, woken by its next journal entry rather than by polling.
            bool wait = http.Request.Query["wait"].FirstOrDefault() == "settled";
            double timeoutMs = double.TryParse(http.Request.Query["timeout_ms"].FirstOrDefault(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var t) ? t : 25_000;
            var until = DateTime.UtcNow + TimeSpan.FromMilliseconds(Math.Clamp(double.IsFinite(timeoutMs) ? timeoutMs : 0, 0, 55_000));
            while (true)
            {
                var next = wait ? service.JournalIndex.NextEntryOf(id) : Task.CompletedTask;
                // For an AI, an intent it may not know of is not in the journal: the same answer as a wrong number.
                var (history, phases) = Credentials.Of(http) == Credential.Human
                    ? Phases(service.Journal(0, 10_000, id), e => e.Phase)
                    : Phases(agent.Journal(0, 10_000, id), e => e.Phase);
                if (phases.Count == 0) return Error(404, "UNKNOWN_INTENT", $"intent {id} is not in the journal (a refused submission that was never numbered, or a wrong number)");
                string last = phases[^1];
                bool settled = last is "FINAL" or "ROLLED_BACK" or "REFUSED" or "QUARANTINED";
                var left = until - DateTime.UtcNow;
                if (!wait || settled || left <= TimeSpan.Zero)
                {
                    bool pending = service.Pipeline.Pending.Contains(id);
                    return wait
                        ? Results.Json(new { intent = id, phase = last, settled, pending, history, timed_out = !settled }, OrchestratorService.Json)
                        : Results.Json(new { intent = id, phase = last, settled, pending, history }, OrchestratorService.Json);
                }
                try { await next.WaitAsync(left, http.RequestAborted); }
                catch (TimeoutException) { }
                catch (OperationCanceledException) { return Results.Empty; }
            }
        });
        app.MapGet("/v1/wal", (HttpRequest http) =>
        {
            ulong since = ulong.TryParse(http.Query["since"].FirstOrDefault(), out var s) ? s : 0;
            int limit = int.TryParse(http.Query["limit"].FirstOrDefault(), out var l) ? Math.Clamp(l, 1, 1000) : 100;
            return Credentials.Of(http.HttpContext) == Credential.Human
                ? Results.Json(service.Journal(since, limit), OrchestratorService.Json)
                : Results.Json(agent.Journal(since, limit), OrchestratorService.Json);
        });
        app.MapPost("/v1/intents/{id}/approve", (ulong id) => Decide(() => service.Pipeline.ApproveAsync(id, Cli)));
        app.MapPost("/v1/intents/{id}/deny", (ulong id) => Decide(() => service.Pipeline.DenyAsync(id, Cli)));
        app.MapPost("/v1/pair", async (HttpRequest http) =>
        {
            string engine = http.Query["engine"].FirstOrDefault() ?? "";
            if (http.Query["replace"].FirstOrDefault() != "true")
                return Error(400, "REPLACE_REQUIRED", "pairing another file replaces the engine's pairing: say replace=true (vibesync pair --engine E --replace)");
            try
            {
                var (snapshot, note) = await service.PairReplaceAsync(engine, Cli);
                return Results.Json(new { engine, replace_next = true, snapshot, note }, OrchestratorService.Json);
            }
            catch (KeyNotFoundException e) { return Error(404, "UNKNOWN_ENGINE", e.Message); }
            catch (Snapshots.SnapshotException e) { return Error(503, "SNAPSHOT_FAILED", $"no safety snapshot, so nothing was changed: {e.Message}"); }
        });
        app.MapPost("/v1/pause", async () => { await service.Pipeline.PauseAsync(Cli); return Results.Json(new { paused = true }); });
        app.MapPost("/v1/resume", async () => { await service.Pipeline.ResumeAsync(Cli); return Results.Json(new { paused = false }); });
        app.MapPost("/v1/restore", async (HttpRequest http) =>
        {
            string? reference = http.Query["ref"].FirstOrDefault();
            if (string.IsNullOrEmpty(reference)) return Error(400, "MALFORMED", "say which snapshot: ?ref=COMMIT");
            var uuids = http.Query["uuid"].Where(u => !string.IsNullOrEmpty(u)).Select(u => u!).ToArray();
            try { return Answer(await service.RestoreAsync(reference, uuids, Cli)); }
            catch (Snapshots.SnapshotException e) { return Error(404, "NO_SNAPSHOT", e.Message); }
            catch (IntentRefusedException e) { return Error(400, IntentRefusedException.WireName(e.Code), e.Message); }
        });
        app.MapGet("/v1/state", async (HttpRequest http) =>
        {
            string which = http.Query["engine"].FirstOrDefault() ?? "reality";
            try
            {
                var scene = Credentials.Of(http.HttpContext) == Credential.Human ? await service.StateAsync(which) : await agent.StateAsync(which);
                // An engine instance's state comes in its kind's space unless another is asked for.
                var asked = http.Query["space"].FirstOrDefault();
                var space = asked == null ? (which == "reality" ? Space.Canonical : EngineInstance.Parse(which).Space)
                    : SpaceNames.TryParse(asked, out var named) ? named : throw new KeyNotFoundException($"'{asked}' is not a space: blender, unity or canonical");
                return Results.Text(SceneJsonWriter.Write(scene, space), "application/json");
            }
            catch (KeyNotFoundException e) { return Error(400, "UNKNOWN_ENGINE", e.Message); }
            catch (Exception e) when (e is EngineFaultException or TimeoutException) { return Error(503, "ENGINE_UNAVAILABLE", e.Message); }
        });
    }

    private static readonly Actor Cli = new(ActorKind.Human, "cli");

    /// <summary>
    /// The actor a submission or an upload names (<c>?actor=</c>, default human:cli): a human or an
    /// AI; null with the answer refusing it when it is malformed or an engine, the orchestrator or an override.
    /// </summary>
    internal static Actor? Submitter(HttpRequest http, string what, out IResult? refusal)
    {
        refusal = null;
        Actor actor;
        try { actor = Actor.Parse(http.Query["actor"].FirstOrDefault() ?? "human:cli"); }
        catch (FormatException e) { refusal = Error(400, "BAD_ACTOR", e.Message); return null; }
        if (actor.Kind is ActorKind.EmergencyOverride or ActorKind.Engine or ActorKind.Orchestrator)
        {
            refusal = Error(403, "FORBIDDEN", $"{actor} cannot {what} through the control API: use human:NAME or ai:NAME");
            return null;
        }
        return actor;
    }

    private static (object History, IReadOnlyList<string> Phases) Phases<T>(IReadOnlyList<T> history, Func<T, string> phase) => (history, history.Select(phase).ToList());

    private static async Task<IResult> Decide(Func<Task<IntentOutcome>> decide)
    {
        try { return Answer(await decide()); }
        catch (KeyNotFoundException e) { return Error(404, "NOT_PENDING", e.Message); }
        catch (UnauthorizedAccessException e) { return Error(403, "FORBIDDEN", e.Message); }
    }

    private static IResult Answer(IntentOutcome o) => Results.Json(Answered(o), OrchestratorService.Json);

    private static IntentAnswer Answered(IntentOutcome o) =>
        new(o.IntentId, PhaseNames.Name(o.Phase), o.Reason, o.Error is { } e ? IntentRefusedException.WireName(e.Code) : null);

    internal static IResult Error(int status, string code, string message) =>
        Results.Json(new { code, message }, OrchestratorService.Json, statusCode: status);
}
