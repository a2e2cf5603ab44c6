using System.Text.Json;

namespace VibeSync.Intents.Pipeline;

/// <summary>One structured line per intent step: what issue #4 asks every operation to leave behind.</summary>
/// <param name="Timestamp">Unix ms.</param>
/// <param name="ProcessId">The orchestrator's process id.</param>
/// <param name="IntentId">The intent.</param>
/// <param name="Operations">Operation names, in order.</param>
/// <param name="Uuids">Every uuid the intent touches.</param>
/// <param name="Phase">The phase reached (PENDING, PROVISIONAL, FINAL, ROLLED_BACK, REFUSED).</param>
/// <param name="Outcome">A sentence.</param>
/// <param name="ErrorCode">The refusal or rollback code, if any.</param>
/// <param name="Actor">Who asked, as in the WAL (human:blender, ai:claude, system:pairing).</param>
/// <param name="Engine">The engine it came from (a human edit there), or both.</param>
public sealed record PipelineLogLine(long Timestamp, int ProcessId, ulong IntentId, IReadOnlyList<string> Operations,
    IReadOnlyList<string> Uuids, string Phase, string Outcome, string? ErrorCode, string? Actor = null, string? Engine = null);

/// <summary>Writes <see cref="PipelineLogLine"/>s as JSON lines (snake_case keys).</summary>
public sealed class PipelineLog
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly TextWriter _out;
    private readonly object _gate = new();

    /// <summary>Logs to <paramref name="output"/>.</summary>
    public PipelineLog(TextWriter output) => _out = output;

    /// <summary>A log that writes nowhere.</summary>
    public static PipelineLog None { get; } = new(TextWriter.Null);

    /// <summary>False for <see cref="None"/>: nothing is formatted for a log that writes nowhere.</summary>
    public bool IsEnabled => !ReferenceEquals(_out, TextWriter.Null);

    /// <summary>Writes one line and flushes it.</summary>
    public void Write(PipelineLogLine line)
    {
        if (!IsEnabled) return;
        var json = JsonSerializer.Serialize(line, Options);
        lock (_gate)
        {
            _out.WriteLine(json);
            _out.Flush();
        }
    }
}
