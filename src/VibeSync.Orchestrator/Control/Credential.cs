using Microsoft.AspNetCore.Http;
using VibeSync.Intents.Validation;

namespace VibeSync.Orchestrator.Control;

/// <summary>Which secret a control API request bears.</summary>
public enum Credential
{
    /// <summary><c>keys/control.token</c>: the person who runs the orchestrator. Every route, every actor.</summary>
    Human,
    /// <summary>
    /// <c>keys/ai.token</c>, what <c>vibesync mcp</c> holds: AI actors only, on the routes an agent
    /// may use, and every answer seen through <see cref="AiVisibility"/>.
    /// </summary>
    Ai,
}

/// <summary>The credential of a request, and what the AI credential may do.</summary>
internal static class Credentials
{
    private const string Key = "vibesync.credential";

    public static void Set(HttpContext context, Credential credential) => context.Items[Key] = credential;

    /// <summary>The request's credential (the API's gate set it).</summary>
    public static Credential Of(HttpContext context) => context.Items[Key] is Credential c ? c : Credential.Ai; // unset would be a bug: the lesser one

    /// <summary>
    /// Why the AI credential may not make this request, or null. It may read status, state, intents
    /// and the journal, and submit intents and upload blobs as <c>ai:NAME</c>; never approve, deny, pause, resume, unlock,
    /// restore or pair, and never speak for a human.
    /// </summary>
    public static string? RefusalForAi(HttpRequest request)
    {
        string path = request.Path.Value ?? "";
        if (HttpMethods.IsGet(request.Method) && (path is "/v1/status" or "/v1/state" or "/v1/wal" || IsIntent(path, out _))) return null;
        // Submitting an intent, and uploading the blobs its meshes name (put_blob), as ai:NAME.
        if (HttpMethods.IsPost(request.Method) && path is "/v1/intents" or "/v1/blobs")
        {
            string? actor = request.Query["actor"].FirstOrDefault();
            if (actor == null) return "the AI credential submits only as ai:NAME: say actor=ai:NAME";
            try { return Actor.Parse(actor).Kind == ActorKind.Ai ? null : $"the AI credential submits only as ai:NAME, not as {actor}"; }
            catch (FormatException e) { return e.Message; }
        }
        return $"{request.Method} {path} is not for AI actors: approving, denying, pausing, resuming, unlocking, restoring and pairing are a human's (keys/control.token)";
    }

    private static bool IsIntent(string path, out ulong id)
    {
        id = 0;
        return path.StartsWith("/v1/intents/", StringComparison.Ordinal) && ulong.TryParse(path.AsSpan("/v1/intents/".Length), out id);
    }
}
