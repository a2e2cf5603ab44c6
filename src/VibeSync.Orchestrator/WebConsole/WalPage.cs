using System.Text;
using VibeSync.Wal;

namespace VibeSync.Orchestrator.WebConsole;

/// <summary>
/// The write-ahead log (<c>/console/wal</c>): entries 100 to a page from the journal index (never a
/// scan of the log), and, on request, a verification of the whole chain on disk (every record's CRC,
/// entry hash and chain link: <c>vibesync wal verify</c>'s check).
/// </summary>
internal static class WalPage
{
    public const int PageSize = 100;

    public static string Render(OrchestratorService service, ulong? from, bool verify)
    {
        ulong last = service.Status().Sync.WalSequence;
        ulong since = from ?? (last > PageSize ? last - PageSize : 0);
        var entries = service.Journal(since, PageSize);
        var html = new StringBuilder($"<h1>Write-ahead log</h1><p>Last durable record: <b id=\"wal-last\">{last}</b>.</p>");
        if (verify)
        {
            var scan = WriteAheadLog.Verify(Path.Combine(service.DataDirectory, "wal"));
            string status = scan.Corruption != null ? "CORRUPT" : scan.Torn != null ? "TORN TAIL" : "INTACT";
            string detail = scan.Corruption is { } c ? $"segment {c.Segment} offset {c.Offset}: {c.Reason}"
                : scan.Torn is { } t ? $"segment {t.Segment} offset {t.Offset}, {t.Bytes} bytes: {t.Reason} (a record being written as the scan read it reads as torn too)"
                : $"{scan.Records} records in {scan.Segments} segments, last sequence {scan.LastSequence}, Reality head {Protocol.Hashing.Hex.Encode(scan.Reality.Head)[..16]}…";
            html.Append($"<p class=\"chain\">Chain: <b id=\"chain-status\">{status}</b> — {Html.E(detail)}</p>");
        }
        else html.Append("<p class=\"chain\"><a href=\"/console/wal?verify=1\">Verify the chain on disk</a> (reads every record: CRC, entry hash and chain link).</p>");
        html.Append("<table class=\"wal\"><thead><tr><th scope=\"col\">sequence</th><th scope=\"col\">intent</th><th scope=\"col\">phase</th><th scope=\"col\">time (UTC)</th>" +
            "<th scope=\"col\">engine</th><th scope=\"col\">actor</th><th scope=\"col\">class</th><th scope=\"col\">note</th></tr></thead><tbody>");
        foreach (var e in entries)
            html.Append($"<tr><td>{e.Sequence}</td><td><a href=\"{ConsoleUrls.Intent(e.Intent)}\">{e.Intent}</a></td><td>{Html.E(e.Phase)}</td>" +
                $"<td>{DateTimeOffset.FromUnixTimeMilliseconds(e.TimestampMs):yyyy-MM-dd HH:mm:ss.fff}</td><td>{Html.E(e.Engine)}</td><td>{Html.E(e.Actor)}</td>" +
                $"<td>{Html.E(e.Class)}</td><td>{Html.E(e.Rationale ?? e.RollbackReason)}</td></tr>");
        html.Append("</tbody></table><nav class=\"pages\" aria-label=\"pages\">");
        if (since > 0) html.Append($"<a rel=\"prev\" href=\"/console/wal?from={(since > PageSize ? since - PageSize : 0)}\">Older</a>");
        if (since + PageSize < last) html.Append($"<a rel=\"next\" href=\"/console/wal?from={since + PageSize}\">Newer</a>");
        return Html.Page("WAL", html.Append("</nav>").ToString());
    }
}
