using System.Diagnostics;
using System.Text.Json;

namespace VibeSync.Link.Tests.Support;

/// <summary>
/// The honest Unity engine of the hostile tests: the real simulator (<c>vibesync sim-unity</c>, the
/// Unity package's core over the real link) attached to a serve, driven by steps on its stdin the
/// way a person drives the editor.
/// </summary>
public sealed class SimProcess : IAsyncDisposable
{
    /// <summary>The simulator's default scene: a camera, a light, a parent "Rig" and its child "Cube".</summary>
    public const string Cube = "5a1d0000-0000-4000-8000-000000000004";

    private readonly Process _process;
    private readonly List<string> _out = new();

    private SimProcess(Process process) => _process = process;

    /// <summary>Starts the simulator on <paramref name="serve"/>'s data directory (with <paramref name="scene"/>, a Unity-space scene JSON file, or its default).</summary>
    public static SimProcess Start(ServeProcess serve, string? scene = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        var args = new List<string> { Path.Combine(AppContext.BaseDirectory, "vibesync.dll"), "sim-unity", "--data", serve.DataDirectory, "--steps-from-stdin" };
        if (scene != null) args.AddRange(new[] { "--scene", scene });
        foreach (var a in args) info.ArgumentList.Add(a);
        var sim = new SimProcess(Process.Start(info)!);
        sim._process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (sim._out) sim._out.Add(e.Data); };
        sim._process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (sim._out) sim._out.Add("stderr: " + e.Data); };
        sim._process.BeginOutputReadLine();
        sim._process.BeginErrorReadLine();
        return sim;
    }

    /// <summary>What it printed (one JSON event per line).</summary>
    public IReadOnlyList<string> Output { get { lock (_out) return _out.ToArray(); } }

    public bool HasExited => _process.HasExited;

    /// <summary>Plays one step now (the --edits shape without "at"), as a person at the editor would.</summary>
    public void Step(object step)
    {
        _process.StandardInput.WriteLine(JsonSerializer.Serialize(step));
        _process.StandardInput.Flush();
    }

    /// <summary>A human moves the Cube (named <paramref name="name"/>) to <paramref name="x"/> (its local position; y and z as in the default scene).</summary>
    public void MoveCube(double x, string name = "Cube") => Step(new Dictionary<string, object> { ["object"] = name, ["localPosition"] = new[] { x, 0.5, 2 } });

    /// <summary>Waits until Unity is live in <paramref name="serve"/>'s status.</summary>
    public async Task LiveAsync(ServeProcess serve, int timeoutMs = 60_000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            if (ServeProcess.PhaseOf(await serve.StatusAsync(), Engines.Unity) == "live") return;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"the simulator did not go live; its output:\n{string.Join('\n', Output.TakeLast(20))}\nserve:\n{string.Join('\n', serve.Log.TakeLast(20))}");
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
