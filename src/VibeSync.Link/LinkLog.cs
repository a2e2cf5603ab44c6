using System.Text.Json;

namespace VibeSync.Link;

/// <summary>One JSON line per link event: every refusal names its code.</summary>
public sealed class LinkLog
{
    private readonly TextWriter _out;
    private readonly TimeProvider _time;
    private readonly object _gate = new();

    /// <summary>Writes to <paramref name="output"/>.</summary>
    public LinkLog(TextWriter output, TimeProvider? time = null)
    {
        _out = output;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Writes one event: <c>{"ts", "event", "code", "engine", "remote", "message"}</c>.</summary>
    public void Write(string @event, string? code, string? engine, string? remote, string message)
    {
        var line = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["ts"] = _time.GetUtcNow().ToUnixTimeMilliseconds(),
            ["event"] = @event,
            ["code"] = code,
            ["engine"] = engine,
            ["remote"] = remote,
            ["message"] = message,
        });
        lock (_gate)
        {
            _out.WriteLine(line);
            _out.Flush();
        }
    }
}
