using System.Diagnostics;
using System.Text.Json;

namespace VibeSync.Cli.Hosts;

/// <summary>
/// A part running as its own process for the demo and the end-to-end benchmark (serve, headless
/// Blender, the Unity simulator):
/// its JSON output lines kept for the narration, steps written to its stdin.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = new();
    private readonly List<string> _output = new();

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        _process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_lines) { _lines.Add(e.Data); _output.Add(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_lines) _lines.Add(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="file"/> with <paramref name="args"/>; stdin stays open for steps.</summary>
    public static ChildProcess Start(string name, string file, IEnumerable<string> args) => Start(name, file, args, []);

    /// <summary>
    /// Starts <paramref name="file"/> with <paramref name="args"/> and this process's environment changed by
    /// <paramref name="environment"/>'s NAME=VALUE settings (see <see cref="Settings"/>).
    /// </summary>
    public static ChildProcess Start(string name, string file, IEnumerable<string> args, IReadOnlyList<string> environment)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (variable, value) in Settings(environment))
            if (value is null) info.Environment.Remove(variable);
            else info.Environment[variable] = value;
        return new ChildProcess(name, Process.Start(info) ?? throw new InvalidOperationException($"{name} did not start"));
    }

    /// <summary>This CLI again, as a child (serve, sim-unity).</summary>
    public static ChildProcess Self(string name, params string[] args) => Self(name, [], args);

    /// <summary>This CLI again, as a child whose environment <paramref name="environment"/> changes: the B side of a <c>--compare-env</c> benchmark.</summary>
    public static ChildProcess Self(string name, IReadOnlyList<string> environment, params string[] args)
    {
        string host = Environment.ProcessPath ?? "dotnet";
        var all = Path.GetFileNameWithoutExtension(host) == "dotnet" ? new[] { typeof(ChildProcess).Assembly.Location }.Concat(args) : args;
        return Start(name, host, all, environment);
    }

    /// <summary>
    /// NAME=VALUE settings, as <c>--compare-env</c> takes them: each sets NAME to VALUE, an empty VALUE
    /// unsets NAME (null). Throws <see cref="ArgumentException"/> for a setting without '=' or a name.
    /// </summary>
    public static IReadOnlyList<(string Name, string? Value)> Settings(IEnumerable<string> environment) =>
        environment.Select(setting => setting.IndexOf('=') is var at && at > 0
                ? (setting[..at], setting[(at + 1)..] is { Length: > 0 } value ? value : null)
                : throw new ArgumentException($"'{setting}' is not NAME=VALUE"))
            .ToArray();

    public IReadOnlyList<string> Lines { get { lock (_lines) return _lines.ToArray(); } }

    /// <summary>What it printed on stdout alone, line by line (<see cref="Lines"/> has stderr's interleaved).</summary>
    public IReadOnlyList<string> Output { get { lock (_lines) return _output.ToArray(); } }

    /// <summary>Waits until it ends by itself; its exit code.</summary>
    public async Task<int> ExitAsync(CancellationToken cancel = default)
    {
        await _process.WaitForExitAsync(cancel);
        return _process.ExitCode;
    }

    /// <summary>JSON lines it printed (events, log lines).</summary>
    public IEnumerable<JsonElement> Json()
    {
        foreach (var line in Lines)
        {
            if (!line.StartsWith('{')) continue;
            JsonElement e;
            try { e = JsonDocument.Parse(line).RootElement.Clone(); }
            catch (JsonException) { continue; }
            yield return e;
        }
    }

    /// <summary>Plays one step (a human's edit or a fault) in Blender or the simulator.</summary>
    public void Step(object step)
    {
        _process.StandardInput.WriteLine(JsonSerializer.Serialize(step));
        _process.StandardInput.Flush();
    }

    /// <summary>kill -9.</summary>
    public void Kill()
    {
        try { _process.Kill(); } catch (InvalidOperationException) { }
        _process.WaitForExit();
    }

    /// <summary>SIGTERM, then kill after a grace period.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited) return;
        try { using var term = Process.Start("kill", new[] { "-TERM", _process.Id.ToString() }); term?.WaitForExit(); } catch (System.ComponentModel.Win32Exception) { }
        try { await _process.WaitForExitAsync().WaitAsync(grace); }
        catch (TimeoutException) { Kill(); }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }
}
