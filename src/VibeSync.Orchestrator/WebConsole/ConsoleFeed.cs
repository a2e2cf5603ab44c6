using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace VibeSync.Orchestrator.WebConsole;

/// <summary>
/// The overview's live updates (<c>/console/events</c>, server-sent events): the overview's
/// sections are rendered every <see cref="Tick"/> and a section is sent, as the HTML the page
/// itself shows, only when it changed. Sampling the status (built from snapshots each owner
/// publishes) keeps the feed off the pipeline's path; 150 ms keeps a phase change on screen well
/// within half a second.
/// </summary>
internal static class ConsoleFeed
{
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static async Task StreamAsync(HttpContext http, OrchestratorService service, string csrf)
    {
        // A browser left open must not hold serve's shutdown: the stream ends when the host stops.
        var stopping = http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-store";
        var sent = new Dictionary<string, string>(StringComparer.Ordinal);
        var quiet = DateTime.UtcNow;
        try
        {
            while (!ended.IsCancellationRequested)
            {
                var events = new StringBuilder();
                foreach (var (name, html) in new[]
                {
                    (OverviewPage.EnginesSection, OverviewPage.Engines(service.Status())),
                    (OverviewPage.PendingSection, OverviewPage.Pending(service, csrf)),
                })
                {
                    if (sent.TryGetValue(name, out var last) && last == html) continue;
                    sent[name] = html;
                    events.Append("event: ").Append(name).Append('\n');
                    foreach (var line in html.Split('\n')) events.Append("data: ").Append(line).Append('\n');
                    events.Append('\n');
                }
                if (events.Length == 0 && DateTime.UtcNow - quiet > KeepAlive) events.Append(": keep-alive\n\n");
                if (events.Length > 0)
                {
                    quiet = DateTime.UtcNow;
                    await http.Response.WriteAsync(events.ToString(), ended.Token);
                    await http.Response.Body.FlushAsync(ended.Token);
                }
                await Task.Delay(Tick, ended.Token);
            }
        }
        catch (OperationCanceledException) { } // the page closed, or serve stops
    }
}
