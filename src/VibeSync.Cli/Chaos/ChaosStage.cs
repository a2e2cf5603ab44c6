using System.Diagnostics;
using System.Text.Json;
using VibeSync.Cli.Hosts;
using VibeSync.Orchestrator.Control;

namespace VibeSync.Cli.Chaos;

/// <summary>The three processes under test and their files: serve, headless Blender with the add-on, the Unity simulator.</summary>
internal sealed class ChaosStage : IAsyncDisposable
{
    public const string Serve = "serve", Blender = "blender", Unity = "unity";

    private readonly Dictionary<string, ChildProcess?> _parts = new() { [Serve] = null, [Blender] = null, [Unity] = null };
    private readonly Dictionary<string, int> _killedByUs = new();

    public ChaosStage(string dataDirectory, string blendFile, string unityFile, string logDirectory)
    {
        Directory.CreateDirectory(logDirectory);
        Logs = logDirectory;
        Data = dataDirectory;
        BlendFile = blendFile;
        UnityFile = unityFile;
        Api = new ControlApiClient(dataDirectory);
    }

    /// <summary>serve's data directory (the tmpfs when the full-disk fault can run).</summary>
    public string Data { get; }

    /// <summary>The user's .blend: Blender opens it, saves to it, reverts to it.</summary>
    public string BlendFile { get; }

    /// <summary>The Unity scene file the simulator opens and saves (Unity-space scene JSON).</summary>
    public string UnityFile { get; }

    public ControlApiClient Api { get; }

    /// <summary>Where each process's output goes when it ends (PART-PID.log), for the evidence behind a violation.</summary>
    public string Logs { get; }

    /// <summary>Set when the soak is being stopped (Ctrl-C reaches the children too): nothing that ends is a crash, nothing is restarted.</summary>
    public bool Stopping { get; set; }

    public ChildProcess? this[string part] { get { lock (_parts) return _parts[part]; } }

    public bool Running(string part)
    {
        try { return this[part] is { HasExited: false }; }
        catch (InvalidOperationException) { return false; } // disposed by a restart meanwhile
    }

    /// <summary>The part's process id, or null when it is not there (or is being replaced right now).</summary>
    public int? PidOf(string part)
    {
        try { return this[part]?.Pid; }
        catch (InvalidOperationException) { return null; } // disposed by a restart meanwhile
    }

    /// <summary>Starts serve and waits until its control API answers; false and why when it stopped on its own first (its last lines) or never answered.</summary>
    public async Task<(bool Started, string Why)> StartServeAsync(TimeSpan patience)
    {
        await DropAsync(Serve);
        try { File.Delete(ServerInfo.PathIn(Data)); } catch (IOException) { } // stale after a kill -9; the new one says when serve is ready
        var serve = ChildProcess.Self(Serve, "serve", "--data", Data);
        lock (_parts) _parts[Serve] = serve;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < patience)
        {
            if (serve.HasExited) return (false, string.Join(" | ", serve.Lines.TakeLast(4)));
            try
            {
                if (ServerInfo.Read(Data) is { } info && info.Pid == serve.Pid)
                {
                    await Api.StatusAsync();
                    return (true, "");
                }
            }
            catch (Exception e) when (e is ControlApiException or HttpRequestException or IOException or InvalidDataException or TaskCanceledException) { }
            await Task.Delay(100);
        }
        return (false, $"no answer in {patience.TotalSeconds:F0} s");
    }

    public async Task StartBlenderAsync()
    {
        await DropAsync(Blender);
        lock (_parts) _parts[Blender] = BlenderInstall.Headless(BlendFile, "--data", Data, "--steps-from-stdin");
    }

    public async Task StartUnityAsync()
    {
        await DropAsync(Unity);
        lock (_parts) _parts[Unity] = ChildProcess.Self(Unity, "sim-unity", "--data", Data, "--scene", UnityFile, "--steps-from-stdin");
    }

    /// <summary>kill -9; the process is gone when this returns.</summary>
    public void Kill(string part)
    {
        if (this[part] is not { } p || PidOf(part) is not { } pid) return;
        lock (_killedByUs) _killedByUs[part] = pid;
        try { p.Kill(); }
        catch (InvalidOperationException) { } // disposed by a restart meanwhile: gone anyway
    }

    /// <summary>A process that ended without us killing or stopping it, with its last lines; it is forgotten.</summary>
    public async Task<(string Part, string Tail)?> ReapUnexpectedAsync()
    {
        if (Stopping) return null;
        foreach (var part in new[] { Serve, Blender, Unity })
        {
            ChildProcess? p = this[part];
            int? pid;
            try
            {
                if (p is not { HasExited: true }) continue;
                pid = p.Pid;
            }
            catch (InvalidOperationException) { continue; } // being replaced right now
            bool ours;
            lock (_killedByUs) ours = _killedByUs.TryGetValue(part, out var killed) && killed == pid;
            if (ours) continue;
            var tail = string.Join(" | ", p.Lines.Where(l => !l.Contains("\"heartbeat")).TakeLast(6));
            await DropAsync(part);
            return (part, tail);
        }
        return null;
    }

    /// <summary>Plays a step in an engine (a human's edit or a fault); false when the engine is not running.</summary>
    public bool Step(string engine, object step)
    {
        if (this[engine] is not { HasExited: false } p) return false;
        try { p.Step(step); return true; }
        catch (IOException) { return false; } // it died between the check and the write
    }

    /// <summary>How many JSON events an engine has printed so far (a mark for <see cref="EventsAfter"/>).</summary>
    public int EventCount(string engine) => this[engine] is { } p ? p.Json().Count() : 0;

    /// <summary>JSON events an engine printed after the first <paramref name="mark"/> (edit_played, error, …).</summary>
    public IEnumerable<JsonElement> EventsAfter(string engine, int mark) => this[engine] is { } p ? p.Json().Skip(mark) : Enumerable.Empty<JsonElement>();

    /// <summary>Resident memory of a running part, from /proc/PID/status (VmRSS), or null.</summary>
    public long? RssBytes(string part)
    {
        if (PidOf(part) is not { } pid) return null;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        return null;
    }

    /// <summary>SIGTERM each, serve last (it settles the open batch and closes the WAL); true when serve stopped cleanly.</summary>
    public async Task<bool> StopAllAsync()
    {
        await DropAsync(Blender);
        await DropAsync(Unity);
        if (this[Serve] is not { } serve) return false;
        bool clean = !serve.HasExited;
        await serve.StopAsync(TimeSpan.FromSeconds(60));
        clean &= File.Exists(Path.Combine(Data, "clean-shutdown"));
        await DropAsync(Serve);
        return clean;
    }

    private async Task DropAsync(string part)
    {
        ChildProcess? p;
        lock (_parts)
        {
            p = _parts[part];
            _parts[part] = null;
        }
        if (p == null) return;
        int pid = p.Pid; // not readable once disposed
        await p.DisposeAsync();
        try { await File.WriteAllLinesAsync(Path.Combine(Logs, $"{part}-{pid}.log"), p.Lines); }
        catch (IOException) { } // evidence only
    }

    public async ValueTask DisposeAsync()
    {
        await DropAsync(Blender);
        await DropAsync(Unity);
        await DropAsync(Serve);
    }
}
