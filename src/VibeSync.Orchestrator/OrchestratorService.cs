using System.Text.Json;
using VibeSync.Protocol.Operations;
using VibeSync.Link;
using VibeSync.Orchestrator.Control;
using VibeSync.Orchestrator.Keys;
using VibeSync.Protocol.Link;

namespace VibeSync.Orchestrator;

/// <summary>What <c>vibesync serve</c> is asked to run.</summary>
public sealed record ServeOptions
{
    /// <summary>The data directory (created).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The adapter link's port; 0 picks a free one (written to serve.json).</summary>
    public int LinkPort { get; init; }

    /// <summary>The control API's port; 0 picks a free one (written to serve.json).</summary>
    public int ApiPort { get; init; }

    /// <summary>The link's policies.</summary>
    public LinkOptions Link { get; init; } = new();

    /// <summary>Where link and service events go (JSON lines).</summary>
    public TextWriter Log { get; init; } = TextWriter.Null;
}

/// <summary>An engine in PANIC, and why.</summary>
public sealed record PanicStatus(string Engine, string Code, string Reason, DateTimeOffset Since);

/// <summary>The orchestrator's state as <c>vibesync status --json</c> prints it.</summary>
public sealed record ServiceStatus(int Pid, string DataDirectory, string Protocol, LinkStatus Link, IReadOnlyList<PanicStatus> Panics);

/// <summary>
/// The running orchestrator: keys, the adapter link, the control API and the state they share.
/// Intents and the WAL are wired in by issue #8; until then an engine's accepted edits are counted
/// and logged, and PANICs are held here until a human's emergency unlock.
/// </summary>
public sealed class OrchestratorService : ILinkHost, IAsyncDisposable
{
    internal static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };
    private readonly ServeOptions _options;
    private readonly LinkLog _log;
    private readonly Dictionary<string, PanicStatus> _panics = new(StringComparer.Ordinal);
    private LinkServer _link = null!;
    private ControlApi _api = null!;

    private OrchestratorService(ServeOptions options)
    {
        _options = options;
        _log = new LinkLog(options.Log);
    }

    /// <summary>Creates what is missing in the data directory, starts the link and the API, and writes serve.json.</summary>
    /// <exception cref="InvalidOperationException">Another orchestrator is running on this data directory.</exception>
    public static async Task<OrchestratorService> StartAsync(ServeOptions options)
    {
        Directory.CreateDirectory(options.DataDirectory);
        if (ServerInfo.Read(options.DataDirectory) is { } other && IsAlive(other.Pid))
            throw new InvalidOperationException($"an orchestrator (pid {other.Pid}) is already serving {options.DataDirectory}; stop it first");
        var keys = Engines.All.ToDictionary(e => e, e => SecretFiles.LoadOrCreate(SecretFiles.EngineKeyPath(options.DataDirectory, e)));
        var token = SecretFiles.LoadOrCreate(SecretFiles.ControlTokenPath(options.DataDirectory));
        var service = new OrchestratorService(options);
        service._link = new LinkServer(options.Link with { Port = options.LinkPort }, keys, service, service._log);
        service._link.Start();
        service._api = await ControlApi.StartAsync(options.ApiPort, token, service);
        new ServerInfo(Environment.ProcessId, service._link.Port, service._api.Port, DateTimeOffset.UtcNow, ProtocolVersion.Current).Write(options.DataDirectory);
        service._log.Write("serving", null, null, null, $"link 127.0.0.1:{service._link.Port}, control API 127.0.0.1:{service._api.Port}, data {Path.GetFullPath(options.DataDirectory)}");
        return service;
    }

    /// <summary>The link's port.</summary>
    public int LinkPort => _link.Port;

    /// <summary>The control API's port.</summary>
    public int ApiPort => _api.Port;

    /// <inheritdoc />
    public void Panic(string engine, string code, string reason)
    {
        lock (_panics) _panics[engine] = new PanicStatus(engine, code, reason, DateTimeOffset.UtcNow);
        _log.Write("panic", code, engine, null, reason + "; speculation for this engine is halted until a human's emergency unlock");
    }

    /// <inheritdoc />
    public Task<(string Code, string Message)?> EditAsync(string engine, IntentRequest edit)
    {
        lock (_panics)
            if (_panics.TryGetValue(engine, out var panic))
                return Task.FromResult<(string, string)?>(("PANIC", $"{engine} is in PANIC ({panic.Code}): edits wait for a human's emergency unlock"));
        _log.Write("edit", null, engine, null, $"{edit.Operations.Count} operation(s): {string.Join(", ", edit.Operations.Select(o => o.Name + " " + o.Uuid))}");
        return Task.FromResult<(string, string)?>(null);
    }

    /// <summary>Everything <c>status</c> shows.</summary>
    public ServiceStatus Status()
    {
        lock (_panics)
            return new ServiceStatus(Environment.ProcessId, Path.GetFullPath(_options.DataDirectory), ProtocolVersion.Current, _link.Status(), _panics.Values.ToArray());
    }

    /// <summary>A human lifts every PANIC; journaled in the log.</summary>
    public IReadOnlyList<PanicStatus> EmergencyUnlock(string by)
    {
        PanicStatus[] lifted;
        lock (_panics)
        {
            lifted = _panics.Values.ToArray();
            _panics.Clear();
        }
        _log.Write("emergency_unlock", "EMERGENCY_UNLOCK", null, null, $"by {by}: lifted PANIC of [{string.Join(", ", lifted.Select(p => p.Engine))}]");
        return lifted;
    }

    /// <summary>Stops the API and the link, and removes serve.json.</summary>
    public async ValueTask DisposeAsync()
    {
        await _api.DisposeAsync();
        await _link.DisposeAsync();
        try { File.Delete(ServerInfo.PathIn(_options.DataDirectory)); } catch (IOException) { }
        _log.Write("stopped", null, null, null, "clean shutdown");
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited && pid != Environment.ProcessId;
        }
        catch (ArgumentException) { return false; }
    }
}
