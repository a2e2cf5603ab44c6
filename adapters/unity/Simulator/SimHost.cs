using VibeSync.Protocol.Blobs;
using System.Diagnostics;
using System.Text.Json;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;
using VibeSync.Unity.Adapter;
using VibeSync.Unity.Link;
using VibeSync.Unity.Threading;

namespace VibeSync.Unity.Simulator;

/// <summary>What <c>vibesync sim-unity</c> was asked to do.</summary>
public sealed record SimOptions(string DataDirectory, string? SceneFile, string? EditsFile, double Seconds, string? WriteFile, TextWriter Out, bool StepsFromStdin = false, bool TraceApplies = false)
{
    /// <summary>The engine instance it connects as: <c>unity</c> (default) or <c>unity:NAME</c>, with that instance's key file.</summary>
    public string Engine { get; init; } = VibeSync.Protocol.Link.Engines.Unity;

    /// <summary>Pause between main-loop passes (an editor's update rate is higher; this is enough).</summary>
    public TimeSpan Tick { get; init; } = TimeSpan.FromMilliseconds(5);
}

/// <summary>
/// The simulated editor's main loop around the real core: connect, attach, then per tick drain the
/// main-thread queue, diff for human edits, publish the state for heartbeats, and play the scripted
/// edits and faults (crash, hang, domain reload, compiling, play mode) so every failure path of the
/// Unity side can be exercised without Unity.
/// </summary>
public sealed class SimHost
{
    private readonly SimOptions _options;
    private readonly MainThreadQueue _queue = new();
    private SimScene _scene = null!;
    private UnityAdapter _adapter = null!;
    private AdapterLink? _link;
    private volatile Closing? _closed;

    /// <summary>Which link closed, and why: a link replaced earlier (a domain reload's) may report its close after the new one is up.</summary>
    private sealed record Closing(AdapterLink Link, string Reason);
    private readonly Reconnection _reconnection = new();
    private DateTime _nextConnect;
    private int _pendingShown;

    /// <summary>Prepares a run.</summary>
    public SimHost(SimOptions options) { _options = options; }

    private void Say(string @event, object fields)
    {
        var json = JsonSerializer.Serialize(fields, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
        lock (_options.Out) _options.Out.WriteLine("{\"event\":\"" + @event + "\"," + json[1..]);
        _options.Out.Flush();
    }

    /// <summary>Runs until the time is up or <paramref name="stop"/>; returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken stop)
    {
        _scene = _options.SceneFile != null
            ? SimScene.Load(await File.ReadAllTextAsync(_options.SceneFile, stop), BlobFolder.Read(BlobFolder.DirectoryOf(_options.SceneFile)))
            : SimScene.Load(DefaultScene);
        _adapter = new UnityAdapter(_scene);
        _scene.Changes = _adapter.Changes; // the simulator reports its changes as Unity's ObjectChangeEvents do
        _adapter.Changes.Reported = true;
        // Where Unity's glue samples every Animation at the time (AnimationState.time), the simulator says it.
        _adapter.Clock.Posed += seconds => Say("scene_time", new { seconds });
        // What Unity's console would show as "not synced: reason" (the orchestrator's status shows the same list).
        _adapter.NotSyncedChanged += () => Say("not_synced", new
        {
            items = _adapter.NotSynced.Select(i => new { name = i.Name, type = i.Type, code = i.Code, reason = i.Reason, uuid = i.Uuid }).ToList(),
            lines = _adapter.NotSynced.Select(i => $"not synced: {i.Name} ({i.Type}, {i.Code}): {i.Reason}").ToList(),
        });
        if (_options.TraceApplies)
            _adapter.Answered = (type, json) =>
            {
                // Wall-clock ms, comparable with the other processes' on this machine (the end-to-end benchmark).
                if (type == Protocol.Link.MessageType.Applied) Say("applied", new { t = (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds, body = json });
            };
        var edits = _options.EditsFile != null ? Steps(await File.ReadAllTextAsync(_options.EditsFile, stop)) : new List<JsonElement>();
        var scene = _adapter.Attach(_options.SceneFile);
        await ConnectAsync(scene, stop);
        Say("attached", new { root = _adapter.LastRoot, objects = _adapter.Index.Ids.Count(), stamped = _adapter.Index.Stamped, connected = _link != null, generation = _adapter.Generation });

        if (_options.StepsFromStdin) _ = Task.Run(() => ReadStdinSteps(stop));
        var clock = Stopwatch.StartNew();
        SimScene? beforePlay = null;
        var stateUntil = TimeSpan.Zero;
        while (!stop.IsCancellationRequested && (_options.Seconds <= 0 || clock.Elapsed.TotalSeconds < _options.Seconds))
        {
            var due = new List<JsonElement>();
            while (edits.Count > 0 && edits[0].GetProperty("at").GetDouble() <= clock.Elapsed.TotalSeconds)
            {
                due.Add(edits[0]);
                edits.RemoveAt(0);
            }
            while (_stdinSteps.TryDequeue(out var line)) due.Add(line);
            foreach (var step in due)
            {
                if (step.TryGetProperty("fault", out var fault))
                {
                    double seconds = step.TryGetProperty("seconds", out var s) ? s.GetDouble() : 1;
                    Say("fault", new { fault = fault.GetString(), seconds });
                    switch (fault.GetString())
                    {
                        case "crash": Environment.Exit(70); break; // no BYE, no cleanup: the process is gone
                        case "hang": Thread.Sleep(TimeSpan.FromSeconds(seconds)); break; // the main thread stops; heartbeats stop after 5 s
                        case "domain_reload": await DomainReloadAsync(stop); break;
                        case "tamper": // the next write(s), or every write for some seconds, stored 0.5 m off
                            _scene.TamperWrites = step.TryGetProperty("seconds", out _) ? int.MaxValue : step.TryGetProperty("writes", out var w) ? w.GetInt32() : 1;
                            _scene.TamperUntil = step.TryGetProperty("seconds", out var ts) ? DateTime.UtcNow + TimeSpan.FromSeconds(ts.GetDouble()) : null;
                            break;
                        case "compiling": _scene.State = "compiling"; stateUntil = clock.Elapsed + TimeSpan.FromSeconds(seconds); break;
                        case "play":
                            beforePlay = Snapshot(); // entering play mode: the scene is saved and restored on exit, as Unity does
                            _scene.State = "play";
                            stateUntil = clock.Elapsed + TimeSpan.FromSeconds(seconds);
                            break;
                        default: Say("error", new { message = $"unknown fault {fault.GetString()}" }); break;
                    }
                }
                else
                {
                    Play(step);
                    Say("edit_played", new { step });
                }
            }
            if (_scene.State != "ready" && clock.Elapsed >= stateUntil)
            {
                if (_scene.State == "play" && beforePlay != null) Restore(beforePlay);
                _scene.State = "ready";
            }
            _queue.Drain(TimeSpan.FromMilliseconds(8));
            _adapter.Tick();
            ShowPending();
            _link?.Tick(_scene.State);
            if (_closed is { } closed && _link != null && ReferenceEquals(closed.Link, _link))
            {
                Say("disconnected", new { reason = closed.Reason });
                _link = null;
            }
            if (_link == null && DateTime.UtcNow >= _nextConnect) await ConnectAsync(_adapter.Attach(_options.SceneFile), stop);
            await Task.Delay(_options.Tick, CancellationToken.None);
        }
        _link?.Close(stop.IsCancellationRequested ? "the simulator was stopped" : "the simulator's time is up");
        if (_options.WriteFile != null)
            await File.WriteAllTextAsync(_options.WriteFile, FileText(_options.WriteFile), CancellationToken.None);
        var root = Protocol.Hashing.Hex.Encode(Protocol.Hashing.SceneHasher.Hash(_adapter.Canonical()).Root);
        Say("stopped", new { root, queue_errors = _queue.Errors.Count, edits_sent = _adapter.SentEdits.Count, provisional = _adapter.ProvisionalIntents.Count });
        return 0;
    }

    private async Task ConnectAsync(IReadOnlyList<string> sceneParts, CancellationToken stop)
    {
        try
        {
            _closed = null;
            var link = await AdapterLink.ConnectAsync(_options.DataDirectory, _adapter.Generation, _options.SceneFile != null ? Path.GetFullPath(_options.SceneFile) : "", _scene.Project, stop, _options.Engine);
            _reconnection.Connected();
            link.Closed += reason => _closed = new Closing(link, reason); // only the current link's close drops it (see the main loop)
            link.Start(_adapter, _queue);
            foreach (var part in sceneParts) link.Send(Protocol.Link.MessageType.Scene, part);
            _link = link;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or Protocol.Link.LinkRefusedException or Protocol.Framing.FrameException or FileNotFoundException or DirectoryNotFoundException)
        {
            _link = null;
            _nextConnect = DateTime.UtcNow + _reconnection.Failed(e);
            if (e is Protocol.Link.LinkRefusedException refused && _reconnection.Refused(refused))
                Say("refused", new { code = refused.Code, message = refused.Reason }); // nothing was read or written: the scene stays as it is
        }
    }

    /// <summary>Unity tears the link down before a domain reload and re-handshakes with generation + 1 after.</summary>
    private async Task DomainReloadAsync(CancellationToken stop)
    {
        var watch = Stopwatch.StartNew();
        _link?.Close("domain reload");
        _link = null;
        _scene.ReloadDomain();
        var (scene, dropped) = _adapter.Rebind(_options.SceneFile);
        await ConnectAsync(scene, stop);
        Say("reloaded", new { generation = _adapter.Generation, connected = _link != null, dropped_intents = dropped, ms = watch.ElapsedMilliseconds });
    }

    /// <summary>What the Pending AI Intents window would show, said each time the orchestrator's list changes.</summary>
    private void ShowPending()
    {
        var pending = _adapter.Pending;
        if (pending.Version == _pendingShown) return;
        _pendingShown = pending.Version;
        Say("pending_intents", new
        {
            title = pending.Title,
            console = pending.Current?.Console,
            rows = pending.Rows().Select(r => new { id = r.Id, heading = r.Heading, rationale = r.Rationale, page = pending.ReviewUrl(r.Id) }),
            more = pending.More,
        });
    }

    private void Play(JsonElement step)
    {
        if (step.TryGetProperty("scrub", out var scrub))
        {
            // A human drags the Animation window's time: TIME to the orchestrator when the policy is on.
            bool sent = _adapter.Clock.Moved(scrub.GetDouble()) is { } time && _link != null && _link.Send(Protocol.Link.MessageType.Time, time);
            Say("scrubbed", new { seconds = scrub.GetDouble(), sent });
            return;
        }
        if (step.TryGetProperty("review", out var review))
        {
            // The Pending AI Intents window's Review in console: Unity opens the URL; the simulator says it.
            try { Say("review", new { intent = review.GetUInt64(), url = _adapter.Pending.ReviewUrl(review.GetUInt64()) }); }
            catch (InvalidOperationException e) { Say("error", new { message = e.Message }); }
            return;
        }
        if (step.TryGetProperty("save", out var save))
        {
            // Unity's save, with the AssetModificationProcessor's hook around it: the file gets the authoritative values.
            int held = _adapter.BeforeSave();
            File.WriteAllText(save.GetString()!, FileText(save.GetString()!));
            _adapter.AfterSave();
            Say("saved", new { file = save.GetString(), provisional_left_out = held });
            return;
        }
        if (step.TryGetProperty("select", out var selected))
        {
            // A human selects objects with a transform tool active: HUMAN_ACTIVE until the selection is empty.
            var names = selected.EnumerateArray().Select(n => n.GetString()).ToHashSet();
            _adapter.SetHumanActive(_scene.Objects().Where(o => names.Contains(o.Name) && o.Id != null).Select(o => o.Id!));
            return;
        }
        if (step.TryGetProperty("material", out var mat))
        {
            // A human in the material inspector: shader properties by name. The record-shaped shortcuts
            // (base_color, roughness, metallic) set the property a human would (gamma colour, smoothness).
            var materialId = _scene.MaterialNamed(mat.GetString()!);
            var m = _scene.ReadMaterial(materialId);
            var family = Looks.ShaderFamily.Of(m.Shader);
            if (step.TryGetProperty("base_color", out var c))
                m.Colors[family.BaseColor] = new Looks.UnityColor(Looks.SrgbTransfer.ToGamma(c[0].GetDouble()), Looks.SrgbTransfer.ToGamma(c[1].GetDouble()), Looks.SrgbTransfer.ToGamma(c[2].GetDouble()), (float)c[3].GetDouble());
            if (step.TryGetProperty("roughness", out var r)) m.Floats[family.Smoothness] = (float)(1 - r.GetDouble());
            if (step.TryGetProperty("metallic", out var me)) m.Floats[Looks.ShaderFamily.Metallic] = (float)me.GetDouble();
            if (step.TryGetProperty("floats", out var floats)) foreach (var f in floats.EnumerateObject()) m.Floats[f.Name] = (float)f.Value.GetDouble();
            if (step.TryGetProperty("colors", out var colors))
                foreach (var f in colors.EnumerateObject()) m.Colors[f.Name] = new Looks.UnityColor((float)f.Value[0].GetDouble(), (float)f.Value[1].GetDouble(), (float)f.Value[2].GetDouble(), (float)f.Value[3].GetDouble());
            if (step.TryGetProperty("keywords", out var keywords))
                foreach (var k in keywords.EnumerateObject()) { if (k.Value.GetBoolean()) m.Keywords.Add(k.Name); else m.Keywords.Remove(k.Name); }
            if (step.TryGetProperty("textures", out var textures)) // a texture by its ID or its name; the property then holds that texture itself
                foreach (var t in textures.EnumerateObject())
                {
                    m.Derived.Remove(t.Name);
                    if (t.Value.ValueKind == JsonValueKind.Null) m.Textures.Remove(t.Name);
                    else m.Textures[t.Name] = _scene.ImageIds().Contains(t.Value.GetString()!) ? t.Value.GetString()! : _scene.TextureNamed(t.Value.GetString()!);
                }
            if (step.TryGetProperty("scaleOffsets", out var st)) // the inspector's Tiling and Offset: [tiling x, y, offset x, y]
                foreach (var t in st.EnumerateObject()) m.ScaleOffsets[t.Name] = new Looks.UnityScaleOffset((float)t.Value[0].GetDouble(), (float)t.Value[1].GetDouble(), (float)t.Value[2].GetDouble(), (float)t.Value[3].GetDouble());
            if (step.TryGetProperty("renderQueue", out var queue)) m.RenderQueue = queue.GetInt32();
            _scene.WriteMaterial(materialId, m);
            return;
        }
        if (step.TryGetProperty("import", out var import))
        {
            // A human drops a file into Assets: Unity imports it as a texture (any format it reads: .tga, .psd, .exr, …).
            var path = import.GetString()!;
            _scene.ImportFile(Path.GetFileName(path), File.ReadAllBytes(path));
            return;
        }
        if (step.TryGetProperty("texture", out var tex))
        {
            // A human in a texture's import settings (wrapModeU/V, filterMode by Unity's names), or saving a
            // new file over it (Unity reimports it; the image record takes mime and size from the header).
            var textureId = _scene.TextureNamed(tex.GetString()!);
            var t = _scene.ReadImage(textureId);
            byte[]? bytes = null;
            if (step.TryGetProperty("file", out var file))
            {
                bytes = File.ReadAllBytes(file.GetString()!);
                if (ImageHeader.Read(bytes, out int width, out int height) is not { } mime)
                {
                    Say("error", new { message = $"IMAGE_FORMAT: {file.GetString()} is neither a PNG nor a JPEG file; texture '{tex.GetString()}' is unchanged" });
                    return;
                }
                t = t with { Mime = mime, Width = width, Height = height };
            }
            if (step.TryGetProperty("wrapModeU", out var u)) t = t with { WrapU = Enum.Parse<Looks.UnityWrap>(u.GetString()!) };
            if (step.TryGetProperty("wrapModeV", out var v)) t = t with { WrapV = Enum.Parse<Looks.UnityWrap>(v.GetString()!) };
            if (step.TryGetProperty("filterMode", out var fm)) t = t with { Filter = Enum.Parse<Looks.UnityFilter>(fm.GetString()!) };
            _scene.WriteImage(textureId, t, bytes);
            return;
        }
        // By name, or by VibeSync ID ("uuid"): names change under renames, IDs do not.
        var o = (step.TryGetProperty("uuid", out var id) ? _scene.Objects().FirstOrDefault(x => x.Id == id.GetString()) : _scene.Named(step.GetProperty("object").GetString()!))
            ?? throw new InvalidOperationException("no object " + (id.ValueKind == JsonValueKind.String ? id.GetString() : step.GetProperty("object").GetString()));
        if (step.TryGetProperty("localPosition", out var p)) o = o with { LocalPosition = new Vector3d(p[0].GetDouble(), p[1].GetDouble(), p[2].GetDouble()) };
        if (step.TryGetProperty("localRotation", out var q)) o = o with { LocalRotation = new Quaterniond(q[0].GetDouble(), q[1].GetDouble(), q[2].GetDouble(), q[3].GetDouble()) };
        if (step.TryGetProperty("localScale", out var s)) o = o with { LocalScale = new Vector3d(s[0].GetDouble(), s[1].GetDouble(), s[2].GetDouble()) };
        if (step.TryGetProperty("active", out var a)) o = o with { Active = a.GetBoolean() };
        if (step.TryGetProperty("name", out var n)) o = o with { Name = n.GetString()! };
        if (step.TryGetProperty("mesh", out var mesh)) o = o with { Mesh = mesh.GetString() }; // another mesh asset dropped on its MeshFilter
        if (step.TryGetProperty("camera", out var cam) && o.Camera is { } camera) // the Camera inspector, members by Unity's names
            o = o with
            {
                Camera = camera with
                {
                    Orthographic = cam.TryGetProperty("orthographic", out var ortho) ? ortho.GetBoolean() : camera.Orthographic,
                    FieldOfView = Member(cam, "fieldOfView", camera.FieldOfView),
                    OrthographicSize = Member(cam, "orthographicSize", camera.OrthographicSize),
                    NearClipPlane = Member(cam, "nearClipPlane", camera.NearClipPlane),
                    FarClipPlane = Member(cam, "farClipPlane", camera.FarClipPlane),
                },
            };
        if (step.TryGetProperty("light", out var li) && o.Light is { } light) // the Light inspector
            o = o with
            {
                Light = light with
                {
                    Type = li.TryGetProperty("type", out var type) ? Enum.Parse<Looks.UnityLightType>(type.GetString()!) : light.Type,
                    Color = li.TryGetProperty("color", out var lc) ? new Looks.UnityColor((float)lc[0].GetDouble(), (float)lc[1].GetDouble(), (float)lc[2].GetDouble(), 1) : light.Color,
                    Intensity = Member(li, "intensity", light.Intensity),
                    Range = Member(li, "range", light.Range),
                    SpotAngle = Member(li, "spotAngle", light.SpotAngle),
                    InnerSpotAngle = Member(li, "innerSpotAngle", light.InnerSpotAngle),
                },
            };
        if (step.TryGetProperty("blendShapes", out var shapes) && o.Skinned is { } skinned && o.Mesh != null) // the SkinnedMeshRenderer's BlendShapes sliders (0–100)
        {
            var shapeMesh = _scene.MeshOf(o.Mesh);
            var weights = skinned.BlendShapeWeights.ToArray();
            foreach (var shape in shapes.EnumerateObject())
            {
                int index = Enumerable.Range(0, shapeMesh.BlendShapeCount).FirstOrDefault(i => shapeMesh.GetBlendShapeName(i) == shape.Name, -1);
                if (index < 0) throw new InvalidOperationException($"no blend shape {shape.Name} on {o.Name}");
                weights[index] = (float)shape.Value.GetDouble();
            }
            o = o with { Skinned = skinned with { BlendShapeWeights = weights } };
        }
        _scene.Write(o);
    }

    private static float Member(JsonElement e, string name, float unchanged) => e.TryGetProperty(name, out var v) ? (float)v.GetDouble() : unchanged;

    /// <summary>The scene file's text; the blobs its mesh records name are written to <paramref name="path"/>'s <see cref="BlobFolder"/> directory.</summary>
    private string FileText(string path)
    {
        var scene = _adapter.Canonical();
        BlobFolder.Write(BlobFolder.DirectoryOf(path), scene.BlobIds(), new Meshes.FirstOf(_adapter.Meshes, _adapter.Images));
        return SceneFile.Write(SceneJsonWriter.Write(scene, Space.Unity), _scene.Project);
    }

    private SimScene Snapshot() => SimScene.Load(SceneJsonWriter.Write(_adapter.Canonical(), Space.Unity), new Meshes.FirstOf(_adapter.Meshes, _adapter.Images));

    private void Restore(SimScene before)
    {
        foreach (var o in before.Objects())
            if (_adapter.Index.HandleOf(o.Id!) is int h && _scene.Find(h) is { } now)
                _scene.Write(now with { Name = o.Name, LocalPosition = o.LocalPosition, LocalRotation = o.LocalRotation, LocalScale = o.LocalScale, Active = o.Active, Materials = o.Materials, Camera = o.Camera, Light = o.Light });
        foreach (var id in before.MaterialIds()) if (_scene.MaterialIds().Contains(id)) _scene.WriteMaterial(id, before.ReadMaterial(id));
    }

    private readonly System.Collections.Concurrent.ConcurrentQueue<JsonElement> _stdinSteps = new();

    /// <summary>One step per line on standard input, played as it arrives (a driver such as `vibesync demo` decides when).</summary>
    private void ReadStdinSteps(CancellationToken stop)
    {
        string? line;
        while (!stop.IsCancellationRequested && (line = Console.In.ReadLine()) != null)
        {
            if (line.Trim().Length == 0) continue;
            try { _stdinSteps.Enqueue(JsonDocument.Parse(line).RootElement.Clone()); }
            catch (JsonException e) { Say("error", new { message = $"a step on stdin is not JSON: {e.Message}" }); }
        }
    }

    private static List<JsonElement> Steps(string json) =>
        JsonDocument.Parse(json).RootElement.EnumerateArray().OrderBy(e => e.GetProperty("at").GetDouble()).ToList();

    /// <summary>The scene used when none is given: a camera, a light, a parent with a child cube.</summary>
    public const string DefaultScene = """
        {"objects": [
          {"uuid": "5a1d0000-0000-4000-8000-000000000001", "name": "Main Camera", "kind": "camera", "parent": null, "localPosition": [0, 1, -10], "localRotation": [0, 0, 0, 1], "localScale": [1, 1, 1], "visible": true, "materials": [], "mesh": null},
          {"uuid": "5a1d0000-0000-4000-8000-000000000002", "name": "Directional Light", "kind": "light", "parent": null, "localPosition": [0, 3, 0], "localRotation": [0.40821788, -0.23456968, 0.10938163, 0.8754261], "localScale": [1, 1, 1], "visible": true, "materials": [], "mesh": null},
          {"uuid": "5a1d0000-0000-4000-8000-000000000003", "name": "Rig", "kind": "empty", "parent": null, "localPosition": [0, 0, 0], "localRotation": [0, 0, 0, 1], "localScale": [1, 1, 1], "visible": true, "materials": [], "mesh": null},
          {"uuid": "5a1d0000-0000-4000-8000-000000000004", "name": "Cube", "kind": "mesh", "parent": "5a1d0000-0000-4000-8000-000000000003", "localPosition": [1, 0.5, 2], "localRotation": [0, 0, 0, 1], "localScale": [1, 1, 1], "visible": true, "materials": ["5a1d0000-0000-4000-8000-0000000000a1"], "mesh": "5a1d0000-0000-4000-8000-0000000000b1"}],
         "materials": [{"uuid": "5a1d0000-0000-4000-8000-0000000000a1", "name": "Red", "base_color": [0.8, 0.1, 0.1, 1], "metallic": 0, "roughness": 0.5, "emission": [0, 0, 0]}],
         "meshes": [{"uuid": "5a1d0000-0000-4000-8000-0000000000b1", "positions": [[0, 0, 0], [1, 0, 0], [0, 1, 0]], "triangles": [[0, 2, 1]], "uv0": [[0, 0], [1, 0], [0, 1]]}]}
        """;
}
