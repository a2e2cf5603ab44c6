using System.CommandLine;
using System.Diagnostics;
using VibeSync.Cli.Demo;
using VibeSync.Cli.Hosts;
using VibeSync.Orchestrator.Control;

namespace VibeSync.Cli.Commands;

/// <summary>
/// <c>vibesync demo</c>: the README's main job. Starts serve, a real headless Blender on the
/// embedded sample scene and the Unity simulator, and plays a session a newcomer can follow:
/// both directions, an AI intent approved by a human, a forced hash mismatch rolled back, a kill -9
/// and recovery, and the parity line.
/// </summary>
internal static class DemoCommand
{
    private const string Marker = "demo.json";

    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = "Where the demo's orchestrator keeps its data (replaced if an earlier demo made it; left behind for `vibesync wal show`).",
            DefaultValueFactory = _ => new DirectoryInfo("vibesync-demo"),
        };
        var command = new Command("demo",
            "Watch VibeSync keep a real Blender and the Unity simulator in verified sync: edits in both directions, an AI intent a human approves, " +
            "a hash mismatch rolled back, and a kill -9 of the orchestrator recovered. Installs Blender with apt when it is missing and you are root.")
        {
            data,
        };
        command.SetAction(async (parse, cancel) => await RunAsync(parse.GetValue(data)!.FullName));
        return command;
    }

    private static async Task<int> RunAsync(string dir)
    {
        if (!await EnsureBlenderAsync()) return 1;
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
        {
            if (!File.Exists(Path.Combine(dir, Marker)))
            {
                Console.Error.WriteLine($"error: {dir} exists and was not made by `vibesync demo`; choose another with --data");
                return Program.InputError;
            }
            if (Orchestrator.Control.ServerInfo.Read(dir) is { } running && IsAlive(running.Pid))
            {
                Console.Error.WriteLine($"error: an orchestrator (pid {running.Pid}) still serves {dir}; stop it first");
                return 1;
            }
            Directory.Delete(dir, recursive: true);
        }
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, Marker), "{\"made_by\": \"vibesync demo\"}\n");

        try { return await new DemoSession(dir, Console.Out).RunAsync(Sample.BlenderJson()); }
        catch (Exception e) when (e is DemoFailed or ControlApiException)
        {
            Console.Error.WriteLine($"error: the demo stopped: {e.Message}");
            Console.Error.WriteLine($"  the data directory {dir} holds what happened (vibesync wal show --data {dir})");
            return 1;
        }
    }

    /// <summary>Blender from Debian when it is missing: installed with apt when running as root, else a clear message.</summary>
    private static async Task<bool> EnsureBlenderAsync()
    {
        if (BlenderInstall.Executable() != null && BlenderInstall.AdapterDirectory() != null) return true;
        if (BlenderInstall.AdapterDirectory() == null) { Console.Error.WriteLine("error: " + BlenderInstall.Missing()); return false; }
        if (Environment.UserName != "root")
        {
            Console.Error.WriteLine("error: Blender is not installed. Install it (sudo apt-get install -y blender) or set VIBESYNC_BLENDER, then run the demo again.");
            return false;
        }
        Console.WriteLine("Blender is not installed: installing Debian's blender with apt-get (once; a minute or two)…");
        foreach (var args in new[] { "update -qq", "install -y -qq --no-install-recommends blender" })
        {
            var info = new ProcessStartInfo("apt-get", args) { UseShellExecute = false };
            info.Environment["DEBIAN_FRONTEND"] = "noninteractive";
            using var apt = Process.Start(info)!;
            await apt.WaitForExitAsync();
            if (apt.ExitCode != 0) { Console.Error.WriteLine($"error: apt-get {args} failed ({apt.ExitCode})"); return false; }
        }
        if (BlenderInstall.Executable() == null) { Console.Error.WriteLine("error: apt-get finished but blender is still not on PATH"); return false; }
        return true;
    }

    private static bool IsAlive(int pid)
    {
        try { using var p = Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
    }
}
