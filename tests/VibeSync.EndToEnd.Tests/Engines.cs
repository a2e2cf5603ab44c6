using System.Diagnostics;
using System.Text.Json;
using VibeSync.Link.Tests.Support;

namespace VibeSync.EndToEnd.Tests;

/// <summary>The real parts as processes: headless Blender with the add-on, the Unity simulator, and the CLI.</summary>
internal static class Parts
{
    public static string Repo { get; } = FindRepo();

    private static string FindRepo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "samples", "cube-and-camera.blender.json"))) return dir.FullName;
        throw new InvalidOperationException("repository not found");
    }

    public static string Cli => Path.Combine(AppContext.BaseDirectory, "vibesync.dll");

    public static string SampleScene => Path.Combine(Repo, "samples", "cube-and-camera.blender.json");

    /// <summary>Builds the sample scene (or <paramref name="scene"/>, Blender-space scene JSON) as a .blend with real Blender (which run-tests installs).</summary>
    public static async Task<string> SampleBlendAsync(string work, string extraPython = "", string? scene = null)
    {
        var blend = Path.Combine(work, "scene.blend");
        var script = Path.Combine(work, "build.py");
        await File.WriteAllTextAsync(script, """
            import sys, json, bpy
            sys.path.insert(0, sys.argv[-3])
            from tests_in_blender.scenes import build
            build(json.load(open(sys.argv[-2])))
            """.Replace("            ", "") + "\n" + extraPython + "bpy.ops.wm.save_as_mainfile(filepath=sys.argv[-1])\n");
        var (code, output) = await RunAsync("blender", TimeSpan.FromSeconds(120), "-b", "--factory-startup", "--python-exit-code", "1", "--python", script, "--",
            Path.Combine(Repo, "adapters", "blender"), scene ?? SampleScene, blend);
        Assert.True(code == 0 && File.Exists(blend), $"building the sample .blend failed ({code}): {output[^Math.Min(2000, output.Length)..]}");
        return blend;
    }

    /// <summary>A random scene of <paramref name="objects"/> objects (meshes, empties, cameras, lights, nested) built by Blender; returns the .blend and the Unity-space JSON of the same scene.</summary>
    public static async Task<(string Blend, string UnityJson)> RandomScenesAsync(string work, int seed, int objects)
    {
        var blend = Path.Combine(work, "random.blend");
        var json = Path.Combine(work, "random.blender.json");
        var script = Path.Combine(work, "random.py");
        await File.WriteAllTextAsync(script, $$"""
            import sys, json, bpy
            sys.path.insert(0, sys.argv[-3])
            from tests_in_blender.scenes import build, random_scene_json
            doc = random_scene_json(seed={{seed}}, objects={{objects}})
            build(doc)
            json.dump(doc, open(sys.argv[-2], "w"))
            bpy.ops.wm.save_as_mainfile(filepath=sys.argv[-1])
            """.Replace("            ", ""));
        var (code, output) = await RunAsync("blender", TimeSpan.FromSeconds(180), "-b", "--factory-startup", "--python-exit-code", "1", "--python", script, "--",
            Path.Combine(Repo, "adapters", "blender"), json, blend);
        Assert.True(code == 0 && File.Exists(blend), $"building the random .blend failed ({code}): {output[^Math.Min(2000, output.Length)..]}");
        var blobs = new VibeSync.Protocol.Blobs.BlobMemory();
        var canonical = VibeSync.Protocol.SceneJson.SceneJsonReader.ReadCanonical(File.ReadAllText(json), VibeSync.Protocol.Spaces.Space.Blender, blobs);
        var unity = Path.Combine(work, "random.unity.json");
        VibeSync.Protocol.Blobs.BlobFolder.WriteScene(unity, canonical, VibeSync.Protocol.Spaces.Space.Unity, blobs);
        return (blend, unity);
    }

    /// <summary>The sample scene (or <paramref name="scene"/>, Blender-space scene JSON) in Unity space, for the simulator.</summary>
    public static string SampleUnityScene(string work, string? scene = null)
    {
        var blobs = new VibeSync.Protocol.Blobs.BlobMemory();
        var canonical = VibeSync.Protocol.SceneJson.SceneJsonReader.ReadCanonical(
            File.ReadAllText(scene ?? SampleScene), VibeSync.Protocol.Spaces.Space.Blender, blobs);
        var path = Path.Combine(work, "scene.unity.json");
        VibeSync.Protocol.Blobs.BlobFolder.WriteScene(path, canonical, VibeSync.Protocol.Spaces.Space.Unity, blobs);
        return path;
    }

    /// <summary>The first component of <paramref name="field"/> of the object named <paramref name="name"/> in a state file, rounded to 5 places.</summary>
    public static double Component(string stateFile, string name, string field)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(stateFile));
        var o = doc.RootElement.GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("name").GetString() == name);
        return Math.Round(o.GetProperty(field)[0].GetDouble(), 5);
    }

    public static Process Start(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    public static Process Blender(string blend, string data, double seconds, string edits) =>
        Start("blender", "-b", blend, "--python", Path.Combine(Repo, "adapters", "blender", "headless.py"), "--",
            "--data", data, "--seconds", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "--edits", edits);

    public static Process Sim(string data, string scene, double seconds, string edits, string write) =>
        Start("dotnet", SimArguments(data, scene, seconds, edits, write));

    /// <summary>
    /// The simulator as <see cref="Sim"/> starts it, in a process group of its own that disposing it
    /// kills: for a test whose own cleanup may never run (one that fails before it kills the simulator).
    /// </summary>
    public static ProcessGroup SimInGroup(string data, string scene, double seconds, string edits, string write) =>
        ProcessGroup.Start("dotnet", SimArguments(data, scene, seconds, edits, write));

    private static string[] SimArguments(string data, string scene, double seconds, string edits, string write) =>
        new[] { Cli, "sim-unity", "--data", data, "--scene", scene, "--seconds", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "--edits", edits, "--write", write };

    public static async Task<(int Code, string Output)> RunAsync(string file, TimeSpan timeout, params string[] args)
    {
        using var p = Start(file, args);
        var output = p.StandardOutput.ReadToEndAsync();
        var errors = p.StandardError.ReadToEndAsync();
        try { await p.WaitForExitAsync().WaitAsync(timeout); }
        catch (TimeoutException)
        {
            p.Kill(entireProcessTree: true); // a process that should have stopped is not left running
            throw;
        }
        return (p.ExitCode, await output + await errors);
    }

    /// <summary>`vibesync export --gltf` of what <paramref name="engine"/> (or Reality) holds, checked by the Khronos validator (0 errors), read back.</summary>
    public static async Task<SharpGLTF.Schema2.ModelRoot> ExportGltfAsync(string data, string engine, string file)
    {
        var validator = Path.Combine(Repo, "tests", "gltf-validator", "validate.mjs");
        Assert.True(File.Exists(Path.Combine(Repo, "tests", "gltf-validator", "node_modules", "gltf-validator", "package.json")),
            "the Khronos validator is not installed: run `npm ci` in tests/gltf-validator (run-tests does)");
        var (code, output) = await RunAsync("dotnet", TimeSpan.FromSeconds(60), Cli, "export", "--gltf", file, "--data", data, "--engine", engine);
        Assert.True(code == 0, output);
        var (valid, report) = await RunAsync("node", TimeSpan.FromSeconds(60), validator, file);
        Assert.True(valid == 0, $"the glTF validator found errors in the {engine} export: {report}");
        Assert.Equal(0, JsonDocument.Parse(report.Trim().Split('\n').Last()).RootElement.GetProperty("errors").GetInt32());
        return SharpGLTF.Schema2.ModelRoot.Load(file);
    }

    public static async Task<string> HashAsync(string space, string file)
    {
        var (code, output) = await RunAsync("dotnet", TimeSpan.FromSeconds(60), Cli, "hash", "--space", space, file);
        Assert.True(code == 0, output);
        return JsonDocument.Parse(output).RootElement.GetProperty("root").GetString()!;
    }

    public static async Task<string> OutputOf(Process p, TimeSpan timeout)
    {
        var output = p.StandardOutput.ReadToEndAsync();
        var errors = p.StandardError.ReadToEndAsync();
        try { await p.WaitForExitAsync().WaitAsync(timeout); }
        catch (TimeoutException) { p.Kill(entireProcessTree: true); }
        return await output + await errors;
    }
}

/// <summary>An engine process whose steps are fed on standard input (headless Blender or the simulator).</summary>
internal sealed class Driven : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _output;

    private Driven(Process process)
    {
        _process = process;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        _output = Task.Run(async () => await output + await errors);
    }

    /// <summary>Headless Blender on <paramref name="blend"/> as the engine instance <paramref name="engine"/> (default <c>blender</c>).</summary>
    public static Driven Blender(string blend, string data, string engine = "blender") => new(Start("blender", "-b", blend, "--python",
        Path.Combine(Parts.Repo, "adapters", "blender", "headless.py"), "--", "--data", data, "--steps-from-stdin", "--engine", engine));

    /// <summary>The simulator on <paramref name="scene"/> as the engine instance <paramref name="engine"/> (default <c>unity</c>).</summary>
    public static Driven Sim(string data, string scene, string engine = "unity") =>
        new(Start("dotnet", Parts.Cli, "sim-unity", "--data", data, "--scene", scene, "--steps-from-stdin", "--engine", engine));

    private static Process Start(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    public bool Running => !_process.HasExited;

    public async Task StepAsync(string json)
    {
        await _process.StandardInput.WriteLineAsync(json);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>kill -9: the editor is gone without a goodbye.</summary>
    public async Task<string> KillAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        return await _output;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
