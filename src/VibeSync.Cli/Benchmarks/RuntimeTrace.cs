// Why a trace inside the process: on this machine there is no dotnet-counters/dotnet-trace, and a
// stall has to be matched against what the runtime did at that moment (a GC pause, the thread
// pool injecting threads because its workers were all blocked), not guessed from figures.
using System.Diagnostics.Tracing;
using System.Text.Json;

namespace VibeSync.Cli.Benchmarks;

/// <summary>
/// Prints, as JSON lines on stderr, the runtime's GC pauses (suspend → restart) and the thread
/// pool's worker adjustments (with their reason: starvation, climbing, …), each stamped with the
/// wall clock in Unix ms. Enabled in <c>serve</c> by <c>VIBESYNC_TRACE_RUNTIME=1</c>, which
/// <c>bench e2e</c> sets to line stalls up with them.
/// </summary>
internal sealed class RuntimeTrace : EventListener
{
    /// <summary>The environment variable that turns the trace on.</summary>
    public const string Variable = "VIBESYNC_TRACE_RUNTIME";
    private const EventKeywords Gc = (EventKeywords)0x1, Threading = (EventKeywords)0x10000;
    private readonly object _gate = new();
    private readonly bool _print;
    private readonly List<RuntimeEvent> _events = new();
    private long _suspendedAt;
    private int _generation = -1;
    private readonly bool _allocations;
    private readonly Dictionary<string, long> _allocated = new(StringComparer.Ordinal);

    /// <summary>
    /// Starts tracing; <paramref name="print"/> writes each event to stderr as it happens, else they are only kept.
    /// <paramref name="allocations"/> also samples allocations by type (the runtime's allocation tick, about one per 100 KB).
    /// </summary>
    public RuntimeTrace(bool print, bool allocations = false)
    {
        _print = print;
        _allocations = allocations;
        if (allocations) foreach (var source in EventSource.GetSources()) OnEventSourceCreated(source); // sources created before this constructor ran were enabled at the base's, before the flag was set
    }

    /// <summary>Bytes sampled per allocated type since the trace started, most first (with <c>allocations</c> only).</summary>
    public IReadOnlyList<(string Type, long Bytes)> Allocations
    {
        get { lock (_gate) return _allocated.OrderByDescending(kv => kv.Value).Select(kv => (kv.Key, kv.Value)).ToArray(); }
    }

    /// <summary>A trace when <see cref="Variable"/> is set, else null.</summary>
    public static RuntimeTrace? StartIfAsked() => Environment.GetEnvironmentVariable(Variable) == "1" ? new RuntimeTrace(print: true) : null;

    /// <summary>What was seen so far.</summary>
    public IReadOnlyList<RuntimeEvent> Events { get { lock (_gate) return _events.ToArray(); } }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, _allocations ? EventLevel.Verbose : EventLevel.Informational, Gc | Threading);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        string name = e.EventName ?? "";
        if (name.StartsWith("GCSuspendEEBegin", StringComparison.Ordinal))
            Interlocked.Exchange(ref _suspendedAt, e.TimeStamp.Ticks);
        else if (name.StartsWith("GCStart", StringComparison.Ordinal) && e.PayloadNames is { } startNames && startNames.IndexOf("Depth") is >= 0 and var depth)
            Volatile.Write(ref _generation, Convert.ToInt32(e.Payload![depth])); // the generation this pause collects, said between its suspend and restart
        else if (name.StartsWith("GCRestartEEEnd", StringComparison.Ordinal))
        {
            long began = Interlocked.Exchange(ref _suspendedAt, 0);
            int generation = Interlocked.Exchange(ref _generation, -1);
            if (began != 0) Write(new DateTime(began, DateTimeKind.Utc), "gc_pause", new TimeSpan(e.TimeStamp.Ticks - began).TotalMilliseconds, generation < 0 ? null : $"gen{generation}");
        }
        else if (name.StartsWith("GCAllocationTick", StringComparison.Ordinal) && e.PayloadNames is { } names)
        {
            int type = names.IndexOf("TypeName"), amount = names.IndexOf("AllocationAmount64");
            if (type < 0 || amount < 0) return;
            string key = e.Payload![type] as string ?? "?";
            long bytes = Convert.ToInt64(e.Payload[amount]);
            lock (_gate) _allocated[key] = _allocated.GetValueOrDefault(key) + bytes;
        }
        else if (name.StartsWith("ThreadPoolWorkerThreadAdjustmentAdjustment", StringComparison.Ordinal))
            Write(e.TimeStamp, "threadpool_adjust", Convert.ToDouble(e.Payload?[1] ?? 0), Reasons(e.Payload?[2])); // NewWorkerThreadCount, Reason

    }

    private static string Reasons(object? reason) => Convert.ToInt32(reason ?? -1) switch
    {
        0 => "warmup", 1 => "initializing", 2 => "random_move", 3 => "climbing_move", 4 => "change_point", 5 => "stabilizing",
        6 => "starvation", 7 => "thread_timed_out", 8 => "cooperative_blocking", var r => r.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private void Write(DateTime at, string kind, double value, string? reason)
    {
        lock (_gate)
        {
            _events.Add(new RuntimeEvent(at, kind, value, reason));
            if (_print)
                Console.Error.WriteLine(JsonSerializer.Serialize(new { @event = "runtime", kind, t = new DateTimeOffset(at).ToUnixTimeMilliseconds(), value = Math.Round(value, 3), reason }));
        }
    }
}

/// <summary>A GC pause (from its start, <see cref="Value"/> ms long, of the generation in <see cref="Reason"/>: gen0, gen1, gen2) or a thread-pool adjustment (to <see cref="Value"/> threads, for <see cref="Reason"/>).</summary>
internal sealed record RuntimeEvent(DateTime At, string Kind, double Value, string? Reason);
