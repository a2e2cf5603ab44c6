using System.Diagnostics;

namespace VibeSync.Cli.Hosts;

/// <summary>
/// Where the real Blender and the add-on's scripts are: <c>blender</c> on PATH (or
/// <c>VIBESYNC_BLENDER</c>), and <c>adapters/blender</c> of this checkout (or <c>VIBESYNC_ADAPTERS</c>),
/// found by walking up from the CLI's own files (the launcher builds into the checkout's .build/).
/// </summary>
internal static class BlenderInstall
{
    public static string? Executable()
    {
        var chosen = Environment.GetEnvironmentVariable("VIBESYNC_BLENDER");
        if (!string.IsNullOrEmpty(chosen)) return File.Exists(chosen) ? chosen : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(dir, "blender");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    public static string? AdapterDirectory()
    {
        var chosen = Environment.GetEnvironmentVariable("VIBESYNC_ADAPTERS");
        if (!string.IsNullOrEmpty(chosen)) return File.Exists(Path.Combine(chosen, "headless.py")) ? chosen : null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "adapters", "blender");
            if (File.Exists(Path.Combine(candidate, "headless.py"))) return candidate;
        }
        return null;
    }

    /// <summary>The sentence to print when Blender or the adapter is missing, or null when both are here.</summary>
    public static string? Missing() =>
        Executable() == null ? "Blender was not found: install it (apt-get install -y blender) or set VIBESYNC_BLENDER to its path"
        : AdapterDirectory() == null ? "the Blender add-on (adapters/blender) was not found next to this CLI: run it from a VibeSync checkout or set VIBESYNC_ADAPTERS"
        : null;

    /// <summary>Builds <paramref name="blend"/> from scene JSON in Blender space with the add-on's build_scene.py.</summary>
    /// <exception cref="InvalidOperationException">Blender failed; the message carries its error output.</exception>
    public static async Task BuildSceneAsync(string sceneJson, string blend)
    {
        using var build = Start("build_scene.py", new[] { sceneJson, blend });
        var errors = build.StandardError.ReadToEndAsync();
        await build.StandardOutput.ReadToEndAsync();
        await build.WaitForExitAsync();
        if (build.ExitCode != 0 || !File.Exists(blend)) throw new InvalidOperationException($"Blender could not build {Path.GetFileName(blend)}: {(await errors).Trim()}");
    }

    /// <summary>Headless Blender on <paramref name="blend"/> running the add-on (headless.py) with <paramref name="args"/>; stdin open for steps.</summary>
    public static ChildProcess Headless(string blend, params string[] args) =>
        ChildProcess.Start("blender", Executable()!, new[] { "-b", blend, "--python", Path.Combine(AdapterDirectory()!, "headless.py"), "--" }.Concat(args));

    /// <summary>Starts <c>blender -b [file] --python SCRIPT -- ARGS</c>, output redirected.</summary>
    public static Process Start(string script, IEnumerable<string> args, string? blendFile = null)
    {
        var info = new ProcessStartInfo(Executable()!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-b");
        if (blendFile != null) info.ArgumentList.Add(blendFile); else info.ArgumentList.Add("--factory-startup");
        info.ArgumentList.Add("--python");
        info.ArgumentList.Add(Path.Combine(AdapterDirectory()!, script));
        info.ArgumentList.Add("--");
        foreach (var a in args) info.ArgumentList.Add(a);
        return Process.Start(info) ?? throw new InvalidOperationException("blender did not start");
    }
}
