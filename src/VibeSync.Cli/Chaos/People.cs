using System.Text.Json;
using System.Text.Json.Nodes;
using VibeSync.Orchestrator.Control;

namespace VibeSync.Cli.Chaos;

/// <summary>
/// Everyone who works on the project during a soak: a human in Blender and one in Unity (edits
/// through the engines' step input, saves), an AI agent through MCP (typed intents, some waiting
/// for approval), and a human at the CLI (intents with --wait, approvals and denials, and when
/// automation stays stopped, resume or the emergency unlock). Each acts only on what it owns in
/// <see cref="ChaosScene"/>, or on the shared records.
/// </summary>
internal sealed class People
{
    private static readonly TimeSpan AiPatience = TimeSpan.FromMinutes(5);
    private readonly ChaosStage _stage;
    private readonly ChaosScene _scene;
    private readonly Invariants _invariants;
    private readonly ChaosReport _report;
    private readonly Monitor _monitor;
    private readonly McpAgent _agent;
    private readonly List<Task> _aiInFlight = new();
    private readonly List<string> _aiCreated = new();
    private readonly CancellationTokenSource _stop = new();
    private int _unityPopulatedPid;

    public People(ChaosStage stage, ChaosScene scene, Invariants invariants, ChaosReport report, Monitor monitor, McpAgent agent)
    {
        _stage = stage;
        _scene = scene;
        _invariants = invariants;
        _report = report;
        _monitor = monitor;
        _agent = agent;
    }

    public async Task RunAsync(ChaosStep step)
    {
        var r = new Random(step.Seed);
        switch (step.Kind)
        {
            case StepKind.BlenderEdit: BlenderEdit(step, r); break;
            case StepKind.UnityEdit: UnityEdit(step, r); break;
            case StepKind.BlenderSave: Played("save in Blender", _stage.Step(ChaosStage.Blender, new Dictionary<string, object> { ["save"] = _stage.BlendFile })); break;
            case StepKind.UnitySave: Played("save in Unity", _stage.Step(ChaosStage.Unity, new Dictionary<string, object> { ["save"] = _stage.UnityFile })); break;
            case StepKind.AiIntent: StartAiIntent(step, r); break;
            case StepKind.CliIntent: await CliIntentAsync(step, r); break;
            case StepKind.HumanTends: await TendAsync(r, everything: false); break;
        }
    }

    // ---- the humans in the editors ----

    /// <summary>How each editor's step input names a human's edit (Blender: Z up, hide; Unity: Y up, active).</summary>
    private sealed record EditorFields(string Engine, Owner Owner, string Position, string Rotation, string Scale, string Visibility, bool Upward, bool UndoSteps);

    private static readonly EditorFields BlenderFields = new(ChaosStage.Blender, Owner.Blender, "location", "rotation_quaternion", "scale", "hide", false, UndoSteps: true);
    private static readonly EditorFields UnityFields = new(ChaosStage.Unity, Owner.Unity, "localPosition", "localRotation", "localScale", "active", true, UndoSteps: false);

    private void BlenderEdit(ChaosStep step, Random r) => HumanEdit(step, r, BlenderFields);

    private void UnityEdit(ChaosStep step, Random r)
    {
        // The simulator fails hard on a record it does not hold: edit only once this process has been in parity (it holds every record then).
        if (_monitor.Status is { } s && StatusView.Phase(s, ChaosStage.Unity) == "live" && _stage.PidOf(ChaosStage.Unity) is { } sim) _unityPopulatedPid = sim;
        if (_stage.PidOf(ChaosStage.Unity) != _unityPopulatedPid)
        {
            _report.Count("human edits in Unity skipped (the simulator has not been in parity since it started)");
            return;
        }
        HumanEdit(step, r, UnityFields);
    }

    /// <summary>One edit a human makes in an editor: a material value, or an object's transform, visibility or name; by ID, on what that human owns or shares.</summary>
    private void HumanEdit(ChaosStep step, Random r, EditorFields f)
    {
        var owner = r.Next(5) == 0 ? Owner.Shared : f.Owner;
        var objects = _scene.ObjectsOf(owner);
        var materials = _scene.MaterialsOf(owner);
        int what = r.Next(100);
        double a = r.NextDouble(), b = r.NextDouble(), c = r.NextDouble(), d = r.NextDouble();
        var edit = new Dictionary<string, object>();
        if (f.UndoSteps) edit["undo_push"] = true; // each edit is an undo step, as in Blender's UI
        if (what < 15 && materials.Count > 0)
        {
            edit["material"] = materials[r.Next(materials.Count)].Name;
            switch (r.Next(3))
            {
                case 0: edit["roughness"] = F(a); break;
                case 1: edit["metallic"] = F(b); break;
                default: edit["base_color"] = new[] { F(a), F(b), F(c), 1.0 }; break;
            }
        }
        else
        {
            var o = objects[r.Next(objects.Count)];
            edit["uuid"] = o.Uuid;
            double height = F(10 * c);
            if (what < 60) edit[f.Position] = f.Upward ? new[] { F(40 * a - 20), height, F(40 * b - 20) } : new[] { F(40 * a - 20), F(40 * b - 20), height };
            else if (what < 72) edit[f.Rotation] = Unit(a, b, c, d); // any unit quaternion, whatever the component order
            else if (what < 84) edit[f.Scale] = new[] { F(0.5 + a), F(0.5 + b), F(0.5 + c) };
            else if (what < 92) edit[f.Visibility] = a < 0.5;
            else edit["name"] = $"{o.Name}~{step.Index}";
        }
        Played($"human edits in {(f.Engine == ChaosStage.Blender ? "Blender" : "Unity")}", _stage.Step(f.Engine, edit));
    }

    private void Played(string what, bool played) => _report.Count(played ? what : what + " skipped (engine down)");

    // ---- the AI, through MCP ----

    private void StartAiIntent(ChaosStep step, Random r)
    {
        var (operations, description, created) = AiOperations(step, r);
        bool readFirst = r.Next(3) == 0;
        lock (_aiInFlight)
        {
            _aiInFlight.RemoveAll(t => t.IsCompleted);
            // An agent waits for its intents; it does not pile up dozens: beyond a few waiting, it thinks instead.
            if (_aiInFlight.Count >= MaxAiInFlight)
            {
                _report.Count("AI intents not asked (the agent still waits for earlier ones)");
                return;
            }
            _aiInFlight.Add(Task.Run(() => AiIntentAsync(step, operations, description, created, readFirst)));
        }
    }

    private const int MaxAiInFlight = 3;

    /// <summary>One typed operation the AI asks for, on what it owns or shares (objects it created itself are its own).</summary>
    private (JsonArray Operations, string Description, string? Created) AiOperations(ChaosStep step, Random r)
    {
        var mine = _scene.ObjectsOf(Owner.Ai).Select(o => o.Uuid).ToList();
        List<string> created;
        lock (_aiCreated) created = _aiCreated.ToList();
        var shared = _scene.ObjectsOf(Owner.Shared).Select(o => o.Uuid).ToList();
        var materials = _scene.MaterialsOf(Owner.Ai).Concat(_scene.MaterialsOf(Owner.Shared)).ToList();
        var meshObject = _scene.Scene.Objects.First(o => o.Mesh != null);
        int what = r.Next(100);
        double a = r.NextDouble(), b = r.NextDouble(), c = r.NextDouble(), d = r.NextDouble();
        var pool = mine.Concat(created).Concat(shared).ToList();
        string target = pool[r.Next(pool.Count)], own = mine.Concat(created).ElementAt(r.Next(mine.Count + created.Count));
        string fresh = Ids.Next(r);
        JsonObject op;
        string? newUuid = null;
        if (what < 35) op = new JsonObject { ["op"] = "set_transform", ["uuid"] = target, ["translation"] = Vec(40 * a - 20, 10 * c, 40 * b - 20) };
        else if (what < 45) op = new JsonObject { ["op"] = "set_visibility", ["uuid"] = target, ["visible"] = a < 0.6 };
        else if (what < 60) op = new JsonObject { ["op"] = "set_material_params", ["uuid"] = materials[r.Next(materials.Count)].Uuid, ["roughness"] = F(a), ["metallic"] = F(b) };
        else if (what < 68) op = new JsonObject { ["op"] = "rename", ["uuid"] = own, ["name"] = $"AI-{step.Index}" };
        else if (what < 76)
        {
            // Under another of its own objects, or to the top: a cycle is refused (CYCLE), which is an answer too.
            string? parent = c < 0.3 ? null : mine.Concat(created).ElementAt(r.Next(mine.Count + created.Count));
            op = new JsonObject { ["op"] = "set_parent", ["uuid"] = own, ["parent"] = parent };
        }
        else if (what < 88)
        {
            newUuid = fresh;
            bool mesh = b < 0.5;
            op = new JsonObject
            {
                ["op"] = "create_object", ["uuid"] = fresh, ["name"] = $"AI.{step.Index}", ["kind"] = mesh ? "mesh" : "empty",
                ["parent"] = c < 0.5 ? null : own, ["translation"] = Vec(10 * a - 5, 2 * b, 10 * c - 5), ["rotation"] = Vec(0, 0, 0, 1), ["scale"] = Vec(1, 1, 1),
            };
            if (mesh)
            {
                op["mesh"] = meshObject.Mesh;
                // As many materials as the mesh has slots (Blender keeps slots on the mesh).
                op["materials"] = new JsonArray(meshObject.Materials.Select(_ => (JsonNode)JsonValue.Create(materials[r.Next(materials.Count)].Uuid)!).ToArray());
            }
        }
        else if (what < 94)
        {
            newUuid = fresh;
            op = new JsonObject { ["op"] = "duplicate_object", ["uuid"] = own, ["new_uuid"] = fresh, ["name"] = $"AI-copy.{step.Index}" };
        }
        else if (created.Count > 0)
            // Only what it created, and its children move up: nothing a human works on is ever deleted under them.
            op = new JsonObject { ["op"] = "delete_object", ["uuid"] = created[r.Next(created.Count)], ["children"] = "reparent" };
        else op = new JsonObject { ["op"] = "set_transform", ["uuid"] = target, ["scale"] = Vec(0.5 + a, 0.5 + b, 0.5 + c) };
        if (newUuid != null) _scene.Adopt(newUuid, Owner.Ai); // before anything of it can reach the journal
        return (new JsonArray(op), (string)op["op"]!, newUuid);
    }

    private async Task AiIntentAsync(ChaosStep step, JsonArray operations, string description, string? created, bool readFirst)
    {
        var cancel = _stop.Token;
        try
        {
            var args = new Dictionary<string, object?>
            {
                ["operations"] = JsonDocument.Parse(operations.ToJsonString()).RootElement,
                ["rationale"] = $"chaos step #{step.Index}: {description}",
            };
            var target = (string?)operations[0]!["uuid"];
            if (readFirst && target != null && _scene.OwnerOf(target) is Owner.Ai or Owner.Shared)
            {
                // Read first and pass the hashes: if a human changed it since, the intent is STALE, not an overwrite.
                var read = await _agent.CallAsync("read_state", new Dictionary<string, object?> { ["uuids"] = JsonDocument.Parse($"[\"{target}\"]").RootElement }, cancel);
                if (read.GetProperty("hashes").EnumerateObject().Any())
                    args["based_on"] = JsonDocument.Parse(read.GetProperty("hashes").GetRawText()).RootElement;
            }
            var answer = await _agent.CallAsync("submit_intent", args, cancel);
            string phase = answer.GetProperty("phase").GetString()!;
            ulong intent = answer.GetProperty("intent").GetUInt64();
            if (phase == "REFUSED")
            {
                _report.Count($"AI intents REFUSED ({answer.GetProperty("code")})");
                return;
            }
            _report.Count($"AI intents first answered {phase}" + (phase == "PENDING" ? $" ({Gist(answer.GetProperty("reason").GetString())})" : ""));
            var deadline = DateTime.UtcNow + AiPatience;
            while (!cancel.IsCancellationRequested && DateTime.UtcNow < deadline)
            {
                JsonElement waited;
                try { waited = await _agent.CallAsync("wait_intent", new Dictionary<string, object?> { ["intent"] = intent, ["timeout_seconds"] = 20 }, cancel); }
                catch (ToolRefusedException) { await Task.Delay(1000, cancel); continue; } // serve is down or restarting: ask again
                if (!waited.GetProperty("settled").GetBoolean()) continue;
                string final = waited.GetProperty("phase").GetString()!;
                _report.Count($"AI intents settled {final}");
                if (final == "FINAL")
                {
                    _invariants.Acknowledged(intent, McpAgent.Actor, "MCP wait_intent");
                    if (created != null) lock (_aiCreated) _aiCreated.Add(created);
                }
                return;
            }
            _report.Count("AI intents never settled while the soak waited");
        }
        catch (ToolRefusedException e) { _report.Count($"AI tool errors ({e.Message.Split(':')[0]})"); }
        catch (OperationCanceledException) { }
        catch (Exception e) when (e is IOException or InvalidOperationException or JsonException or ModelContextProtocol.McpException)
        {
            _report.Observe($"the MCP session failed a call: {e.GetType().Name}: {e.Message}");
        }
    }

    // ---- the human at the CLI ----

    private async Task CliIntentAsync(ChaosStep step, Random r)
    {
        var shared = _scene.ObjectsOf(Owner.Shared);
        var o = shared[r.Next(shared.Count)];
        var body = new JsonObject
        {
            ["operations"] = new JsonArray(new JsonObject { ["op"] = "set_transform", ["uuid"] = o.Uuid, ["translation"] = Vec(40 * r.NextDouble() - 20, 10 * r.NextDouble(), 40 * r.NextDouble() - 20) }),
            ["rationale"] = $"chaos step #{step.Index}: a human at the CLI moves {o.Name}",
        }.ToJsonString();
        var answer = await ControlAsync(() => _stage.Api.PostAsync("/v1/intents?actor=human:cli&wait=settled", body), "human intents (submit --wait)");
        if (answer is not { } a) return;
        string phase = a.GetProperty("phase").GetString()!;
        _report.Count($"human intents (submit --wait) settled {phase}");
        if (phase == "FINAL") _invariants.Acknowledged(a.GetProperty("intent").GetUInt64(), "human:cli", "submit --wait");
    }

    /// <summary>
    /// A human looks at status: approves (three in four) or denies what waits; resumes automation
    /// that has been stopped for a minute, and lifts a PANIC that has held for half a minute.
    /// With <paramref name="everything"/> (the end of the soak) every pending intent is approved.
    /// </summary>
    public async Task TendAsync(Random r, bool everything)
    {
        var rolls = Enumerable.Range(0, 3).Select(_ => r.NextDouble()).ToArray();
        if (await _monitor.ReadStatusAsync() is not { } status) return;
        var pending = StatusView.Pending(status);
        for (int i = 0; i < pending.Count && (everything || i < rolls.Length); i++)
        {
            ulong id = pending[i];
            bool approve = everything || rolls[i] < 0.75;
            var answer = await ControlAsync(() => _stage.Api.PostAsync($"/v1/intents/{id}/{(approve ? "approve" : "deny")}"), approve ? "approvals" : "denials");
            if (answer is not { } a) continue;
            string phase = a.GetProperty("phase").GetString()!;
            _report.Count($"{(approve ? "approved" : "denied")}, then {phase}" + (phase == "PENDING" ? $" ({Gist(a.GetProperty("reason").GetString())})" : ""));
            if (phase == "FINAL") _invariants.Acknowledged(id, await ActorOfAsync(id) ?? McpAgent.Actor, "approve");
        }
        if (_monitor.SafeModeSince is { } since && DateTime.UtcNow - since > TimeSpan.FromSeconds(60))
        {
            _report.Observe($"safe mode held for over a minute, so the human resumed automation: {StatusView.SafeMode(status)}");
            await ControlAsync(() => _stage.Api.PostAsync("/v1/resume"), "human resumes automation");
        }
        if (_monitor.PanicSince is { } panic && DateTime.UtcNow - panic > TimeSpan.FromSeconds(30))
        {
            _report.Observe($"PANIC held for over 30 s, so the human ran unlock --emergency: {string.Join(", ", StatusView.Panics(status))}");
            await ControlAsync(() => _stage.Api.PostAsync("/v1/emergency-unlock"), "human emergency unlocks");
        }
    }

    private async Task<string?> ActorOfAsync(ulong intent)
    {
        try
        {
            var answer = await _stage.Api.CallAsync(HttpMethod.Get, $"/v1/intents/{intent}");
            return answer.GetProperty("history")[0].GetProperty("actor").GetString();
        }
        catch (Exception e) when (e is ControlApiException or HttpRequestException or IOException or TaskCanceledException or KeyNotFoundException or InvalidOperationException) { return null; }
    }

    private async Task<JsonElement?> ControlAsync(Func<Task<JsonElement>> call, string what)
    {
        try
        {
            var answer = await call();
            _report.Count(what);
            return answer;
        }
        catch (ControlApiException e) when (e.Status == 0) { _report.Count(what + " skipped (serve down)"); }
        catch (ControlApiException e) { _report.Count($"{what} refused ({e.Status} {Code(e.Body)})"); }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or InvalidDataException) { _report.Count(what + " skipped (serve did not answer)"); }
        return null;
    }

    /// <summary>At the end: approve everything left, give the AI's waits time to settle, then stop them.</summary>
    public async Task SettleAsync(TimeSpan patience)
    {
        var until = DateTime.UtcNow + patience;
        while (DateTime.UtcNow < until)
        {
            await TendAsync(new Random(0), everything: true);
            Task[] open;
            lock (_aiInFlight) open = _aiInFlight.Where(t => !t.IsCompleted).ToArray();
            if (open.Length == 0) return;
            await Task.WhenAny(Task.WhenAll(open), Task.Delay(2000));
        }
        _stop.Cancel();
        Task[] rest;
        lock (_aiInFlight) rest = _aiInFlight.ToArray();
        try { await Task.WhenAll(rest).WaitAsync(TimeSpan.FromSeconds(10)); } catch (Exception e) when (e is TimeoutException or OperationCanceledException) { }
    }

    /// <summary>A reason without its numbers and IDs, so that like reasons count together.</summary>
    private static string Gist(string? reason) =>
        System.Text.RegularExpressions.Regex.Replace(reason ?? "", "[0-9a-f]{8}-[0-9a-f-]{27}|[0-9]+", "N") is var g && g.Length > 80 ? g[..80] + "…" : g;

    private static string Code(string? body)
    {
        try { return JsonDocument.Parse(body ?? "{}").RootElement.GetProperty("code").GetString() ?? "?"; }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException) { return "?"; }
    }

    private static double F(double v) => ChaosScene.F(v);

    private static double[] Unit(double a, double b, double c, double d)
    {
        double x = a - 0.5, y = b - 0.5, z = c - 0.5, w = d - 0.5, n = Math.Sqrt(x * x + y * y + z * z + w * w);
        if (n < 1e-3) (x, y, z, w, n) = (0, 0, 0, 1, 1);
        return new[] { F(x / n), F(y / n), F(z / n), F(w / n) };
    }

    private static JsonArray Vec(params double[] v) => new(v.Select(x => (JsonNode)JsonValue.Create(F(x))).ToArray());
}
