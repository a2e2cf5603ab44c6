using System.Diagnostics;
using System.Text.Json;
using VibeSync.Link.Tests.Support;
using VibeSync.Protocol.Link;

namespace VibeSync.EndToEnd.Tests;

/// <summary>A test with its own work directory, removed afterwards, and the engines it starts.</summary>
public abstract class EndToEndTest : IAsyncLifetime
{
    protected string Work { get; } = Path.Combine(Path.GetTempPath(), "vibesync-e2e-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(Work);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        try { Directory.Delete(Work, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    /// <summary>
    /// A scene of <c>samples/</c> built in real headless Blender (<paramref name="module"/>'s <c>build()</c>),
    /// exported by Blender's own glTF exporter (its <c>export(path)</c>) to <c>blender-exporter.glb</c> and saved as a .blend.
    /// </summary>
    protected async Task<(string Blend, string Reference)> BlenderSampleAsync(string module)
    {
        var blend = Path.Combine(Work, module + ".blend");
        var reference = Path.Combine(Work, "blender-exporter.glb");
        var script = await WriteAsync(module + "-build.py", $$"""
            import sys, bpy
            sys.path.insert(0, sys.argv[-3])
            import {{module}} as sample
            sample.build()
            sample.export(sys.argv[-2])
            bpy.ops.wm.save_as_mainfile(filepath=sys.argv[-1])
            """.Replace("            ", ""));
        var (built, output) = await Parts.RunAsync("blender", TimeSpan.FromSeconds(180), "-b", "--factory-startup", "--python-exit-code", "1", "--python", script, "--",
            Path.Combine(Parts.Repo, "samples"), reference, blend);
        Assert.True(built == 0 && File.Exists(blend) && File.Exists(reference), $"Blender could not build and export samples/{module}.py ({built}): {output[^Math.Min(2000, output.Length)..]}");
        return (blend, reference);
    }

    /// <summary>An engine's entry in status's <c>sync.engines</c>.</summary>
    protected static JsonElement SyncOf(JsonElement status, string engine) =>
        status.GetProperty("sync").GetProperty("engines").EnumerateArray().Single(e => e.GetProperty("engine").GetString() == engine);

    /// <summary>Polls status until <paramref name="done"/>; fails with the status and serve's last log lines.</summary>
    protected static async Task<JsonElement> UntilAsync(ServeProcess serve, Func<JsonElement, bool> done, string what, int timeoutMs = 30_000)
    {
        var sw = Stopwatch.StartNew();
        JsonElement status;
        do
        {
            status = await serve.StatusAsync();
            if (done(status)) return status;
            await Task.Delay(100);
        } while (sw.ElapsedMilliseconds < timeoutMs);
        throw new Xunit.Sdk.XunitException($"timed out waiting for {what}; status:\n{status}\nlog:\n{string.Join('\n', serve.Log.TakeLast(40))}");
    }

    /// <summary>Polls status until Reality has objects and every engine is live at Reality's root (and <paramref name="also"/>).</summary>
    protected static Task<JsonElement> AtParityAsync(ServeProcess serve, string what, Func<JsonElement, bool>? also = null, int timeoutMs = 90_000) => UntilAsync(serve, s =>
    {
        var root = s.GetProperty("sync").GetProperty("reality_root").GetString();
        return s.GetProperty("sync").GetProperty("objects").GetInt32() > 0
            && s.GetProperty("sync").GetProperty("engines").EnumerateArray().All(e => e.GetProperty("phase").GetString() == "live" && e.GetProperty("parity_root").GetString() == root)
            && (also == null || also(s));
    }, what, timeoutMs);

    /// <summary>An engine instance's phase in a status answer.</summary>
    protected static string PhaseIn(JsonElement status, string engine) => SyncOf(status, engine).GetProperty("phase").GetString()!;

    /// <summary>
    /// From outside: every engine status shows live holds Reality (its state, hashed by the CLI in
    /// its own space, has Reality's root), and the roots status reports agree.
    /// </summary>
    protected async Task<string> AssertParityAsync(ServeProcess serve, params string[] engines)
    {
        // Roots are compared when nothing is in flight: both live, nothing pending; an edit still
        // settling is given a few moments, a split brain never converges.
        string? last = null;
        for (int attempt = 0; ; attempt++)
        {
            var status = await UntilAsync(serve, s => engines.All(e => PhaseIn(s, e) == "live") && s.GetProperty("sync").GetProperty("pending").GetArrayLength() == 0,
                $"{string.Join(" and ", engines)} live", 60_000);
            string reality = status.GetProperty("sync").GetProperty("reality_root").GetString()!;
            var realityFile = await WriteAsync($"reality-{Guid.NewGuid():N}.json", await serve.GetStringAsync("/v1/state?engine=reality"));
            var roots = new Dictionary<string, string> { ["reality (state)"] = await Parts.HashAsync("canonical", realityFile) };
            try
            {
                foreach (var engine in engines)
                    roots[engine] = await Parts.HashAsync(EngineInstance.Parse(engine).Kind, await WriteAsync($"{engine.Replace(':', '.')}-{Guid.NewGuid():N}.json", await serve.GetStringAsync($"/v1/state?engine={engine}")));
            }
            catch (HttpRequestException e) when (e.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable && attempt < 10)
            {
                // ENGINE_UNAVAILABLE: an engine shown live a moment ago could not answer the read (it
                // dropped and is being resynced). Parity is judged once it is live again; a read that
                // keeps failing ends the test below with the status and the log.
                last = $"an engine read answered 503 ({e.Message})\nlog:\n{string.Join('\n', serve.Log.TakeLast(30))}";
                await Task.Delay(500);
                continue;
            }
            var after = await serve.StatusAsync();
            bool still = engines.All(e => PhaseIn(after, e) == "live") && after.GetProperty("sync").GetProperty("reality_root").GetString() == reality;
            if (still && roots.Values.All(r => r == reality)) return reality;
            last = $"Reality {reality}; " + string.Join("; ", roots.Select(r => $"{r.Key} {r.Value}")) + $"\nstatus:\n{after}\nlog:\n{string.Join('\n', serve.Log.TakeLast(30))}";
            if (attempt >= 10) throw new Xunit.Sdk.XunitException("an engine shown live does not hold Reality: " + last);
            await Task.Delay(500);
        }
    }

    protected sealed record FinalEntry(ulong Intent, string Actor, string Engine, string[] Uuids);

    /// <summary>FINAL entries as the pipeline logged them (JSON lines on serve's stderr).</summary>
    protected static List<FinalEntry> FinalsLogged(ServeProcess serve) => EntriesLogged(serve, "FINAL");

    /// <summary>Entries with operations in <paramref name="phase"/> as the pipeline logged them (JSON lines on serve's stderr).</summary>
    protected static List<FinalEntry> EntriesLogged(ServeProcess serve, string phase) => serve.Log
        .Where(l => l.StartsWith("{\"timestamp\"", StringComparison.Ordinal))
        .Select(l => JsonDocument.Parse(l).RootElement)
        .Where(e => e.GetProperty("phase").GetString() == phase && e.GetProperty("operations").GetArrayLength() > 0)
        .Select(e => new FinalEntry(e.GetProperty("intent_id").GetUInt64(), ActorOf(e), e.GetProperty("engine").GetString() ?? "",
            e.GetProperty("uuids").EnumerateArray().Select(u => u.GetString()!).ToArray()))
        .ToList();

    private static string ActorOf(JsonElement e) => e.TryGetProperty("actor", out var a) ? a.GetString()! : "";

    protected async Task<string> WriteAsync(string name, string text)
    {
        var path = Path.Combine(Work, name);
        await File.WriteAllTextAsync(path, text);
        return path;
    }

    /// <summary>Real Blender on <paramref name="blend"/> and the simulator on <paramref name="unityScene"/>, both attached to <paramref name="serve"/> and live.</summary>
    protected async Task<Engines> BothLiveAsync(ServeProcess serve, string blend, string unityScene)
    {
        var none = await WriteAsync("no-edits.json", "[]");
        var blender = Parts.Blender(blend, serve.DataDirectory, 120, none);
        var sim = Parts.Sim(serve.DataDirectory, unityScene, 100, none, Path.Combine(Work, "unity-after.json"));
        var engines = new Engines(blender, Parts.OutputOf(blender, TimeSpan.FromSeconds(150)), sim, Parts.OutputOf(sim, TimeSpan.FromSeconds(150)));
        for (int i = 0; i < 600; i++)
        {
            var s = await serve.StatusAsync();
            if (s.GetProperty("sync").GetProperty("engines").EnumerateArray().All(e => e.GetProperty("phase").GetString() == "live")) return engines;
            await Task.Delay(100);
        }
        await engines.DisposeAsync();
        throw new Xunit.Sdk.XunitException("Blender and the simulator did not both go live:\n" + string.Join('\n', serve.Log.TakeLast(30)));
    }

    /// <summary>Both engine processes; disposing kills them.</summary>
    protected sealed record Engines(Process Blender, Task<string> BlenderOutput, Process Sim, Task<string> SimOutput) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Blender.Kill(entireProcessTree: true);
            Sim.Kill(entireProcessTree: true);
            await BlenderOutput;
            await SimOutput;
            Blender.Dispose();
            Sim.Dispose();
        }
    }
}
