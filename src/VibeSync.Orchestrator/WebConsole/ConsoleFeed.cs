using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace VibeSync.Orchestrator.WebConsole;

/// <summary>
/// One live part of a console page: its element id, how it is rendered (by the code that renders the
/// page itself), and whether it can change only when the journal does (then it is rendered again only
/// when a new entry was indexed, so an open timeline costs nothing while the journal is still).
/// </summary>
internal sealed record FeedSection(string Name, bool OnJournal, Func<Task<string?>> Render);

/// <summary>
/// Live updates (<c>/console/events</c>, server-sent events) of the overview, the intent timeline
/// and an intent's page: each page's sections are rendered every <see cref="Tick"/> and a section
/// is sent, as the HTML the page itself shows, only when it changed. Sampling the status (built from
/// snapshots each owner publishes) and the journal index keeps the feed off the pipeline's path;
/// 150 ms keeps a phase change on screen well within half a second.
/// </summary>
internal static class ConsoleFeed
{
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The feed a page subscribes to (its <c>data-feed</c>) and the ids of the sections it swaps in. The
    /// URL carries a digest of each section as the page shows it (<c>seen</c>), so the feed does not send
    /// a section again only because it just connected (it would redraw a 3D view for nothing).
    /// </summary>
    public static string Marker(string url, params (string Name, string Html)[] sections)
    {
        string seen = string.Join('.', sections.Select(s => Digest(s.Html)));
        string feed = url + (url.Contains('?') ? "&" : "?") + "seen=" + seen;
        return $"<p class=\"feed\" id=\"feed-state\" data-feed=\"{Html.E(feed)}\" data-sections=\"{Html.E(string.Join(' ', sections.Select(s => s.Name)))}\">live updates: connecting…</p>";
    }

    private static string Digest(string html) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(html)))[..16];

    public static async Task StreamAsync(HttpContext http, OrchestratorService service, IReadOnlyList<FeedSection> sections)
    {
        // A browser left open must not hold serve's shutdown: the stream ends when the host stops.
        var stopping = http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-store";
        var sent = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = (http.Request.Query["seen"].FirstOrDefault() ?? "").Split('.');
        var quiet = DateTime.UtcNow;
        ulong? journal = null;
        try
        {
            // Sent at once, so the page knows it is connected even when it already shows every section as it is.
            await http.Response.WriteAsync(": connected\n\n", ended.Token);
            await http.Response.Body.FlushAsync(ended.Token);
            while (!ended.IsCancellationRequested)
            {
                var events = new StringBuilder();
                ulong position = service.JournalPosition;
                bool moved = journal != position;
                journal = position;
                for (int i = 0; i < sections.Count; i++)
                {
                    var section = sections[i];
                    if (section.OnJournal && !moved) continue;
                    if (await section.Render() is not { } html) continue;
                    if (sent.TryGetValue(section.Name, out var last) ? last == html : i < seen.Length && seen[i] == Digest(html))
                    {
                        sent[section.Name] = html;
                        continue;
                    }
                    sent[section.Name] = html;
                    events.Append("event: ").Append(section.Name).Append('\n');
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
