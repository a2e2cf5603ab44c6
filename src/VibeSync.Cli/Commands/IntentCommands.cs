using System.CommandLine;
using System.Text.Json;

namespace VibeSync.Cli.Commands;

/// <summary>
/// The human commands on a running orchestrator: <c>submit</c>, <c>approve</c>, <c>deny</c>,
/// <c>pause</c>, <c>resume</c>, <c>state</c>, <c>unlock</c>, <c>restore</c> and <c>pair</c>, each one
/// call of the control API.
/// </summary>
internal static class IntentCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return Submit();
        yield return Decide("approve", "Approve a PENDING intent (as the human at this terminal): it is validated again against the scene as it is now, applied in both engines and verified. Prints its settled phase.");
        yield return Decide("deny", "Deny a PENDING intent: journaled REFUSED, nothing applied.");
        yield return Simple("pause", "/v1/pause", "Pause automation: AI and system intents wait as PENDING until resume; humans' edits still sync.");
        yield return Simple("resume", "/v1/resume", "End a pause or safe mode. AI intents held meanwhile stay PENDING until a human approves them.");
        yield return State();
        yield return Unlock();
        yield return Restore();
        yield return Pair();
    }

    private static Command Pair()
    {
        var data = DataDirectory.Option();
        var engine = EngineOption.Create("The engine instance whose next file is paired: blender, unity, or KIND:NAME.", null);
        var replace = new Option<bool>("--replace") { Description = "Required: the engine's pairing is replaced by whatever file it attaches with next, even one stamped with another project (Reality is snapshotted first; journaled)." };
        var command = new Command("pair", "Pair the next file an engine attaches with this project deliberately, after it was refused (PROJECT_MISMATCH): " +
            "what only that file has is adopted into Reality, what only Reality has is created in it, and the file is stamped with this project.") { data, engine, replace };
        command.SetAction((parse, cancel) =>
        {
            if (!parse.GetValue(replace)) { Console.Error.WriteLine("error: pairing another file replaces the engine's pairing; say --replace to mean it"); return Task.FromResult(Program.InputError); }
            return CallAsync(parse.GetValue(data)!.FullName, HttpMethod.Post, $"/v1/pair?engine={parse.GetValue(engine)}&replace=true", cancel, timeout: TimeSpan.FromSeconds(60));
        });
        return command;
    }

    private static Command Restore()
    {
        var data = DataDirectory.Option();
        var reference = new Argument<string>("REF") { Description = "A snapshot: a commit of DATA/snapshots (git -C DATA/snapshots log lists them; HEAD~2 works too)." };
        var uuids = new Option<string[]>("--uuid") { Description = "Restore only these objects, materials or meshes (repeatable); default: all of Reality.", AllowMultipleArgumentsPerToken = true };
        var command = new Command("restore", "Restore Reality, or some records, to a safety snapshot through a normal intent (journaled, applied in both engines, verified; a restore that deletes is snapshotted first).") { data, reference, uuids };
        command.SetAction((parse, cancel) =>
        {
            string path = "/v1/restore?ref=" + Uri.EscapeDataString(parse.GetValue(reference)!) + string.Concat((parse.GetValue(uuids) ?? Array.Empty<string>()).Select(u => "&uuid=" + Uri.EscapeDataString(u)));
            return CallAsync(parse.GetValue(data)!.FullName, HttpMethod.Post, path, cancel, timeout: TimeSpan.FromSeconds(60));
        });
        return command;
    }

    private static Command Unlock()
    {
        var data = DataDirectory.Option();
        var emergency = new Option<bool>("--emergency") { Description = "Required: this is the human's emergency override (lifts every HUMAN_ACTIVE lock, PANIC and safe mode; journaled)." };
        var command = new Command("unlock", "A human's emergency override: lift every lock, PANIC and safe mode.") { data, emergency };
        command.SetAction((parse, cancel) =>
        {
            if (!parse.GetValue(emergency)) { Console.Error.WriteLine("error: unlock lifts every lock and PANIC; say --emergency to mean it"); return Task.FromResult(Program.InputError); }
            return CallAsync(parse.GetValue(data)!.FullName, HttpMethod.Post, "/v1/emergency-unlock", cancel);
        });
        return command;
    }

    private static Command Submit()
    {
        var data = DataDirectory.Option();
        var file = new Argument<FileInfo?>("FILE") { Description = "The intent JSON (docs/intents.md); - or nothing reads standard input.", Arity = ArgumentArity.ZeroOrOne };
        var actor = new Option<string>("--as") { Description = "Who submits: human:NAME (default human:cli) or ai:NAME (waits for approval per the trust mode).", DefaultValueFactory = _ => "human:cli" };
        var wait = new Option<bool>("--wait") { Description = "Wait until it settles (FINAL, ROLLED_BACK, PENDING, …) instead of its first answer." };
        var command = new Command("submit", "Submit an intent to the running orchestrator and print its outcome as JSON (exit 1 when refused or rolled back).") { data, file, actor, wait };
        command.SetAction(async (parse, cancel) =>
        {
            var f = parse.GetValue(file);
            string json = f == null || f.Name == "-" ? await Console.In.ReadToEndAsync(cancel) : await File.ReadAllTextAsync(f.FullName, cancel);
            string path = $"/v1/intents?actor={Uri.EscapeDataString(parse.GetValue(actor)!)}" + (parse.GetValue(wait) ? "&wait=settled" : "");
            return await CallAsync(parse.GetValue(data)!.FullName, HttpMethod.Post, path, cancel, json, TimeSpan.FromSeconds(60));
        });
        return command;
    }

    private static Command Decide(string verb, string help)
    {
        var data = DataDirectory.Option();
        var id = new Argument<ulong>("INTENT") { Description = "The intent id (vibesync status lists what is pending)." };
        var command = new Command(verb, help) { data, id };
        command.SetAction((parse, cancel) => CallAsync(parse.GetValue(data)!.FullName, HttpMethod.Post, $"/v1/intents/{parse.GetValue(id)}/{verb}", cancel, timeout: TimeSpan.FromSeconds(60)));
        return command;
    }

    private static Command Simple(string verb, string path, string help)
    {
        var data = DataDirectory.Option();
        var command = new Command(verb, help) { data };
        command.SetAction((parse, cancel) => CallAsync(parse.GetValue(data)!.FullName, HttpMethod.Post, path, cancel));
        return command;
    }

    private static Command State()
    {
        var data = DataDirectory.Option();
        var engine = EngineOption.Create("An engine instance — blender, unity, blender:NAME, unity:NAME (read back from it, in its kind's space) — or reality (the authoritative scene, canonical).", "reality", also: "reality");
        var json = new Option<bool>("--json") { Description = "Print the scene JSON (the shape vibesync hash reads); this is the only output form for now." };
        var space = new Option<string?>("--space") { Description = "Write it in this space instead: blender, unity or canonical (canonical hashes exactly what the engine reported, with no conversion back)." };
        space.AcceptOnlyFromAmong("blender", "unity", "canonical");
        var command = new Command("state", "Print a scene as an engine holds it now (in its native space), or Reality (canonical), as scene JSON that `vibesync hash --space …` reads.") { data, engine, json, space };
        command.SetAction((parse, cancel) => CallAsync(parse.GetValue(data)!.FullName, HttpMethod.Get,
            $"/v1/state?engine={parse.GetValue(engine)}" + (parse.GetValue(space) is { } sp ? "&space=" + sp : ""), cancel, timeout: TimeSpan.FromSeconds(30)));
        return command;
    }

    /// <summary>
    /// Prints the answer's body; exit 0 on success, 1 on an error answer or a refused/rolled-back intent,
    /// 3 when no orchestrator runs, 4 when one does but keys/control.token is missing or unusable, 5 when it gave no answer in time.
    /// </summary>
    private static async Task<int> CallAsync(string dir, HttpMethod method, string path, CancellationToken cancel, string? body = null, TimeSpan? timeout = null)
    {
        var control = new TerminalControl(dir);
        var (reply, exit) = await control.SendAsync(method, path, cancel, body, timeout);
        if (reply == null) return exit;
        var text = reply.Body;
        if (!reply.IsSuccess)
        {
            Console.Error.WriteLine($"error: {control.Describe(reply)}");
            return 1;
        }
        Console.WriteLine(text);
        try
        {
            // Some answers are lists (unlock: the PANICs it lifted); only an intent's answer has a phase.
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("phase", out var phase)
                && phase.ValueKind == JsonValueKind.String && phase.GetString() is "REFUSED" or "ROLLED_BACK" or "QUARANTINED") return 1;
        }
        catch (JsonException) { }
        return 0;
    }
}
