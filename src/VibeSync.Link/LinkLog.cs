using System.Text.Json;

namespace VibeSync.Link;

/// <summary>
/// One JSON line per link event: every refusal names its code. Events anyone can cause again and
/// again — a junk or refused connection, a refusal that costs no trust — go through
/// <see cref="Summarized"/>: the first of each kind per source each second is written in full, the
/// rest are counted and written as one <c>junk_summary</c> line per source at the end of that
/// second (<c>count</c>, and <c>counts</c> by "event code"), so a flood costs a few lines a second,
/// not a line a connection.
/// </summary>
public sealed class LinkLog
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);
    private readonly TextWriter _out;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private readonly object _summaryGate = new();
    private readonly HashSet<(string Event, string? Code, string? Engine, string Source)> _seen = new();
    private readonly Dictionary<string, SortedDictionary<string, long>> _counted = new(StringComparer.Ordinal); // source → "event code" → count
    private DateTimeOffset _windowStart = DateTimeOffset.MinValue;
    private ITimer? _flush;

    /// <summary>Writes to <paramref name="output"/>.</summary>
    public LinkLog(TextWriter output, TimeProvider? time = null)
    {
        _out = output;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Writes one event: <c>{"ts", "event", "code", "engine", "remote", "message"}</c>.</summary>
    public void Write(string @event, string? code, string? engine, string? remote, string message) => Line(@event, code, engine, remote, message, null);

    /// <summary>
    /// Writes one event that may repeat without bound: the first with this event, code and engine
    /// from this source in the current second in full; later ones only counted, into the summary.
    /// </summary>
    public void Summarized(string @event, string? code, string? engine, string? remote, string message)
    {
        string source = SourceOf(remote);
        lock (_summaryGate)
        {
            var now = _time.GetUtcNow();
            if (now - _windowStart >= Window) Roll(now);
            if (!_seen.Add((@event, code, engine, source)))
            {
                if (!_counted.TryGetValue(source, out var counts)) _counted[source] = counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
                string key = code == null ? @event : $"{@event} {code}";
                counts[key] = counts.GetValueOrDefault(key) + 1;
                _flush ??= _time.CreateTimer(_ => Flush(), null, _windowStart + Window - now, Timeout.InfiniteTimeSpan);
                return;
            }
        }
        Line(@event, code, engine, remote, message, null);
    }

    /// <summary>Writes the summaries of the window that ended and starts a new one. Under the summary gate.</summary>
    private void Roll(DateTimeOffset now)
    {
        foreach (var (source, counts) in _counted)
        {
            long total = counts.Values.Sum();
            Line("junk_summary", null, null, source,
                $"{total} more from {source} in the last {Window.TotalSeconds:F0} s, not logged one by one: {string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}"))}", total,
                new Dictionary<string, long>(counts));
        }
        _counted.Clear();
        _seen.Clear();
        _windowStart = now;
        _flush?.Dispose();
        _flush = null;
    }

    private void Flush()
    {
        lock (_summaryGate) Roll(_time.GetUtcNow());
    }

    /// <summary>The address part of "address:port": every connection from one machine is one source.</summary>
    private static string SourceOf(string? remote)
    {
        if (string.IsNullOrEmpty(remote)) return "?";
        int colon = remote.LastIndexOf(':');
        return colon > 0 ? remote[..colon] : remote;
    }

    private void Line(string @event, string? code, string? engine, string? remote, string message, long? count, IReadOnlyDictionary<string, long>? counts = null)
    {
        var fields = new Dictionary<string, object?>
        {
            ["ts"] = _time.GetUtcNow().ToUnixTimeMilliseconds(),
            ["event"] = @event,
            ["code"] = code,
            ["engine"] = engine,
            ["remote"] = remote,
            ["message"] = message,
        };
        if (count != null) fields["count"] = count;
        if (counts != null) fields["counts"] = counts; // "event code" → how many
        var line = JsonSerializer.Serialize(fields);
        lock (_gate)
        {
            _out.WriteLine(line);
            _out.Flush();
        }
    }
}
