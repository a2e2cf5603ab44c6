using System.CommandLine;
using System.Runtime.InteropServices;
using VibeSync.Unity.Simulator;

namespace VibeSync.Cli.Commands;

/// <summary><c>vibesync sim-unity</c>: the headless Unity simulator hosting the Unity package's real core.</summary>
internal static class SimUnityCommand
{
    public static Command Create()
    {
        var data = DataDirectory.Option();
        var scene = new Option<FileInfo?>("--scene") { Description = "A Unity-space scene JSON to load (the shape `vibesync hash --space unity` reads); default: a small sample." };
        var edits = new Option<FileInfo?>("--edits") { Description = "Timed human edits and faults to play: [{\"at\": s, \"object\": name, \"localPosition\": [x, y, z]}, {\"at\": s, \"fault\": \"crash|hang|domain_reload|compiling|play|tamper\", \"seconds\": n (tamper: \"writes\": n, the next n writes, or \"seconds\": n, every write for n seconds)}, {\"at\": s, \"save\": FILE}, {\"at\": s, \"select\": [names]}, {\"at\": s, \"review\": intent} (the Pending AI Intents window's Review in console: prints the console URL it would open)]. The pending AI intents the orchestrator announces are printed as \"pending_intents\" events." };
        var seconds = new Option<double>("--seconds") { Description = "Stop after this long (0: until SIGTERM or Ctrl-C).", DefaultValueFactory = _ => 0 };
        var write = new Option<FileInfo?>("--write") { Description = "On exit, write the simulated scene as Unity-space scene JSON to this file." };
        var stdinSteps = new Option<bool>("--steps-from-stdin") { Description = "Also play steps (the --edits shape, without \"at\") given one JSON object per line on standard input, as each arrives." };
        var trace = new Option<bool>("--trace-applies") { Description = "Print an \"applied\" event with the wall-clock time of every APPLY answered (for `vibesync bench e2e`)." };
        var engine = EngineOption.Create("The engine instance it connects as: unity (default) or unity:NAME (its key is DIR/keys/unity.NAME.key; `vibesync keys add`).", Protocol.Link.Engines.Unity, kind: Protocol.Link.Engines.Unity);
        var command = new Command("sim-unity",
            "A headless simulator of the Unity editor (an in-memory, left-handed, Y-up scene with float32 transforms) that hosts the Unity package's real engine-free core and connects to `vibesync serve` as the Unity adapter. It is a simulator, not Unity. Prints one JSON line per event.")
        {
            data, scene, edits, seconds, write, stdinSteps, trace, engine,
        };
        command.SetAction(async (parse, cancel) =>
        {
            if (parse.GetValue(seconds) < 0) { Console.Error.WriteLine("error: --seconds must be ≥ 0"); return Program.InputError; }
            foreach (var f in new[] { parse.GetValue(scene), parse.GetValue(edits) })
                if (f != null && !f.Exists) { Console.Error.WriteLine($"error: {f.FullName} does not exist"); return Program.InputError; }
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; stop.Cancel(); });
            var options = new SimOptions(parse.GetValue(data)!.FullName, parse.GetValue(scene)?.FullName, parse.GetValue(edits)?.FullName,
                parse.GetValue(seconds), parse.GetValue(write)?.FullName, Console.Out, parse.GetValue(stdinSteps), parse.GetValue(trace)) { Engine = parse.GetValue(engine)! };
            try { return await new SimHost(options).RunAsync(stop.Token); }
            catch (Exception e) when (e is Protocol.SceneJson.SceneFormatException or System.Text.Json.JsonException or InvalidOperationException or KeyNotFoundException)
            {
                Console.Error.WriteLine("error: " + e.Message);
                return Program.InputError;
            }
        });
        return command;
    }
}
