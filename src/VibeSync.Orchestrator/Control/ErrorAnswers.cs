using Microsoft.AspNetCore.Http;
using VibeSync.Wal;

namespace VibeSync.Orchestrator.Control;

/// <summary>
/// A failure no route foresaw is still an answer with a code and a sentence, never an empty 500
/// (issue #16: once the pipeline had stopped, the CLI printed a bare <c>error:</c>).
/// </summary>
internal static class ErrorAnswers
{
    public static async Task AsJsonAsync(HttpContext context, RequestDelegate next)
    {
        try { await next(context); }
        catch (Exception e) when (!context.Response.HasStarted && e is not OperationCanceledException)
        {
            var (status, code) = e switch
            {
                // The pipeline stops only when the WAL cannot be written (fail-stop): say so and why.
                InvalidOperationException when e.Message.StartsWith("the pipeline stopped", StringComparison.Ordinal) => (StatusCodes.Status503ServiceUnavailable, "PIPELINE_STOPPED"),
                WalFailedException => (StatusCodes.Status503ServiceUnavailable, "PIPELINE_STOPPED"),
                ObjectDisposedException => (StatusCodes.Status503ServiceUnavailable, "SHUTTING_DOWN"),
                _ => (StatusCodes.Status500InternalServerError, "INTERNAL_ERROR"),
            };
            string message = code == "PIPELINE_STOPPED"
                ? e.Message + "; nothing more can be journaled, so nothing is accepted: restart serve (the log is recovered on start)"
                : $"{e.GetType().Name}: {e.Message}";
            context.Response.Clear();
            context.Response.StatusCode = status;
            await context.Response.WriteAsJsonAsync(new { code, message });
        }
    }
}
