// The referee model (DESIGN §8): an agent reads state with hashes, submits typed intents with a
// rationale, and waits for their outcome. No tool executes code, approves, unlocks, pauses or
// rolls back. What the agent may see is decided by the orchestrator, not here: the AI credential
// this server holds gets every answer through AiVisibility (docs/mcp.md, "The boundary").
using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Server;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;

namespace VibeSync.Mcp.Tools;

/// <summary>The tools an MCP client sees.</summary>
[McpServerToolType]
public static class SceneTools
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>status</summary>
    [McpServerTool(Name = "status", ReadOnly = true, Idempotent = true, Destructive = false, OpenWorld = false)]
    [Description("Where VibeSync stands: each engine's sync phase (live, syncing, blocked, detached), Reality's root hash and size, intents waiting for a human, safe mode. Read this first.")]
    public static async Task<string> Status(Agent agent)
    {
        var s = await agent.CallAsync(api => api.StatusAsync()).ConfigureAwait(false);
        var sync = s.GetProperty("sync");
        return JsonSerializer.Serialize(new
        {
            you_are = agent.Actor,
            reality = new { root = sync.GetProperty("reality_root").GetString(), objects = sync.GetProperty("objects").GetInt32(), materials = sync.GetProperty("materials").GetInt32(), meshes = sync.GetProperty("meshes").GetInt32() },
            engines = sync.GetProperty("engines").EnumerateArray().Select(e => new { engine = e.GetProperty("engine").GetString(), phase = e.GetProperty("phase").GetString(), reason = e.GetProperty("reason").GetString() }),
            pending_intents = sync.GetProperty("pending").EnumerateArray().Select(p => p.GetUInt64()),
            safe_mode = sync.GetProperty("safe_mode").ValueKind == JsonValueKind.String ? sync.GetProperty("safe_mode").GetString() : null,
            note = "Your intents are applied in both engines and verified by hash; AI intents beyond the trust mode wait as PENDING until a human approves them.",
        }, Json);
    }

    /// <summary>list_objects</summary>
    [McpServerTool(Name = "list_objects", ReadOnly = true, Idempotent = true, Destructive = false, OpenWorld = false)]
    [Description("List objects (uuid, name, kind, parent, visible, record hash) of Reality or as one engine holds them now, optionally filtered by name and kind, a page at a time.")]
    public static async Task<string> ListObjects(Agent agent,
        [Description("Only names containing this (case-insensitive).")] string? name_contains = null,
        [Description("Only this kind: empty, mesh, camera or light.")] string? kind = null,
        [Description("reality (default), or an engine instance: blender, unity, blender:NAME, unity:NAME.")] string engine = "reality",
        [Description("Where to start (from a previous page's next_cursor).")] int cursor = 0,
        [Description("How many, 1–200 (default 50).")] int limit = 50)
    {
        if (kind is not (null or "empty" or "mesh" or "camera" or "light")) throw new McpException($"INVALID_VALUE: kind must be empty, mesh, camera or light, not \"{kind}\"");
        if (cursor < 0) throw new McpException("INVALID_VALUE: cursor must be 0 or a next_cursor you were given");
        limit = Math.Clamp(limit, 1, 200);
        var scene = await SceneOf(agent, engine).ConfigureAwait(false);
        var matching = scene.Objects
            .Where(o => name_contains == null || o.Name.Contains(name_contains, StringComparison.OrdinalIgnoreCase))
            .Where(o => kind == null || ObjectKindNames.Name(o.Kind) == kind)
            .OrderBy(o => o.Name, StringComparer.Ordinal).ThenBy(o => o.Uuid, StringComparer.Ordinal).ToList();
        var page = matching.Skip(cursor).Take(limit).Select(o => new
        {
            uuid = o.Uuid, name = o.Name, kind = ObjectKindNames.Name(o.Kind), parent = o.Parent,
            visible = o.Visible, hash = Hex.Encode(RecordHash.Of(o)),
        }).ToList();
        return JsonSerializer.Serialize(new { engine, total = matching.Count, objects = page, next_cursor = cursor + page.Count < matching.Count ? cursor + page.Count : (int?)null }, Json);
    }

    /// <summary>read_state</summary>
    [McpServerTool(Name = "read_state", ReadOnly = true, Idempotent = true, Destructive = false, OpenWorld = false)]
    [Description("Read records (objects, materials, meshes) by uuid, in canonical space (glTF: +Y up, right-handed, meters, quaternions x,y,z,w), each with its record hash. Pass the hashes as based_on in submit_intent so a stale intent is refused instead of overwriting a newer change.")]
    public static async Task<string> ReadState(Agent agent,
        [Description("The uuids to read.")] string[] uuids,
        [Description("reality (default), or an engine instance: blender, unity, blender:NAME, unity:NAME.")] string engine = "reality")
    {
        if (uuids.Length == 0) throw new McpException("MISSING_FIELD: give at least one uuid (list_objects shows them)");
        if (uuids.FirstOrDefault(Agent.Hidden) is { } hidden) throw new McpException($"HIDDEN_FROM_AI: {hidden} begins with h-: such IDs are kept from AI, which can neither read nor name them");
        var scene = await SceneOf(agent, engine).ConfigureAwait(false);
        var wanted = uuids.ToHashSet(StringComparer.Ordinal);
        var subset = scene.Where(wanted.Contains);
        var hashes = subset.Objects.Select(o => (o.Uuid, RecordHash.Of(o))).Concat(subset.Materials.Select(m => (m.Uuid, RecordHash.Of(m))))
            .Concat(subset.Meshes.Select(m => (m.Uuid, RecordHash.Of(m)))).Concat(subset.Images.Select(i => (i.Uuid, RecordHash.Of(i))))
            .Concat(subset.Skins.Select(k => (k.Uuid, RecordHash.Of(k)))).Concat(subset.Animations.Select(a => (a.Uuid, RecordHash.Of(a))))
            .ToDictionary(p => p.Item1, p => Hex.Encode(p.Item2));
        var records = JsonNode.Parse(SceneJsonWriter.Write(subset, Space.Canonical))!;
        return new JsonObject
        {
            ["engine"] = engine,
            ["records"] = records,
            ["hashes"] = JsonSerializer.SerializeToNode(hashes),
            ["absent"] = JsonSerializer.SerializeToNode(uuids.Where(u => !hashes.ContainsKey(u)).ToArray()),
        }.ToJsonString();
    }

    /// <summary>submit_intent</summary>
    [McpServerTool(Name = "submit_intent", ReadOnly = false, Idempotent = false, Destructive = true, OpenWorld = false)]
    [Description("Ask for a change: one typed operation or an ordered list that lands atomically in both engines (set_transform, set_visibility, set_material_params, assign_material, rename, set_parent, set_mesh, create_object, create_material, create_mesh, create_image, instantiate_prefab, duplicate_object, delete_object, replace_mesh, replace_image, replace_asset, set_camera, set_light, set_skin, create_skin, update_skin, delete_skin, set_morph_weights, create_animation, set_animation_channel, delete_animation; canonical values; see docs/intents.md). A mesh is the record form naming blobs you uploaded with put_blob, or for a small one the inline form (positions, triangles, uv0). " +
        "Materials are glTF metallic-roughness: set_material_params takes any of base_color [r,g,b,a] 0–1 (linear), metallic, roughness, alpha_cutoff, occlusion_strength 0–1, emission [r,g,b] ≥ 0, emissive_strength ≥ 0, normal_scale, alpha_mode OPAQUE|MASK|BLEND, double_sided, " +
        "textures {slot: binding or null to remove} with slots base_color, metallic_roughness, normal, occlusion, emissive and binding {\"image\": uuid, \"texcoord\": 0–7, \"wrap_s\"/\"wrap_t\": REPEAT|CLAMP_TO_EDGE|MIRRORED_REPEAT, \"mag_filter\": NEAREST|LINEAR, \"min_filter\": NEAREST|LINEAR|…_MIPMAP_…, \"offset\": [u,v], \"rotation\": radians, \"scale\": [u,v]} (all but image optional). " +
        "An image is a PNG or JPEG file uploaded with put_blob (U8, 1 component, count = file bytes): create_image {uuid, name, mime image/png|image/jpeg, blob, width, height, color_space srgb|linear}; replace_image {uuid, blob, mime, width, height, color_space?} (destructive: snapshotted). " +
        "set_camera {uuid, type perspective|orthographic, yfov (radians, vertical), aspect, xmag, ymag, znear, zfar}; set_light {uuid, type point|spot|directional, color [r,g,b] 0–1, intensity (candela; lux for directional), range (metres or null), inner_cone, outer_cone (radians, spot)} — any subset; a new type needs its fields. " +
        "Rigs (content schema 4): create_object kind armature, or joint (its parent a joint or an armature; its transform the rest pose), a mesh object's optional skin; set_skin {uuid (a mesh object), skin (uuid or null)}; " +
        "create_skin {uuid, name, joints [joint uuids, in order], inverse_bind_matrices (blob F32 ×16 column-major, one per joint), skeleton (a joint or armature above every joint, or null)}; update_skin {uuid, any of joints, inverse_bind_matrices, skeleton}; delete_skin {uuid} (destructive; refused CLOSURE while an object uses it). " +
        "A skinned mesh has JOINTS_0 (U16 ×4) and WEIGHTS_0 (F32 ×4, each vertex's summing to 1 within 1e-3, or all 0) and may have targets [{name, POSITION, NORMAL?} deltas, F32 ×3] with weights (one per target, 0–1); set_morph_weights {uuid (a mesh), weights}. " +
        "create_animation {uuid, name, frame_rate (frames per second the animation is authored at, 0 < rate ≤ 1000), channels [{target (object uuid), path translation|rotation|scale|weights, interpolation LINEAR|STEP|CUBICSPLINE, times (blob F32 ×1 seconds, increasing), values (blob: F32 ×3, ×4 unit quaternions x,y,z,w, or ×1 per morph target; ×3 per keyframe for CUBICSPLINE), sampled?}] ordered by target then path}; " +
        "set_animation_channel {uuid, target, path, then interpolation, times, values, sampled? — or remove: true}; delete_animation {uuid} (destructive). Weights negative or not summing to 1, times not increasing, rotations not unit: INVALID_VALUE; wrong blob shapes: BLOB_SHAPE; a joint index beyond the skin: INDEX_RANGE. " +
        "A material marked unsynced (Blender's node graph cannot be represented) is refused UNREPRESENTABLE_MATERIAL; a light with no parameters (an area light) UNREPRESENTABLE_LIGHT. " +
        "A rationale is required. The answer is the intent's first phase: PROVISIONAL (applied, being verified), PENDING (waiting for a human's approval), or REFUSED with a code. Then use wait_intent.")]
    public static async Task<string> SubmitIntent(Agent agent,
        [Description("The operations, e.g. [{\"op\": \"set_transform\", \"uuid\": \"…\", \"translation\": [1, 0, 0]}].")] JsonElement operations,
        [Description("Why: one or two sentences a human reviewing it can judge.")] string rationale,
        [Description("Optional: uuid → record hash from read_state; if any changed since, the intent is refused as STALE with the current state.")] Dictionary<string, string>? based_on = null)
    {
        if (string.IsNullOrWhiteSpace(rationale)) throw new McpException("MISSING_FIELD: rationale is required: say why, for the human who reviews it");
        if (operations.ValueKind != JsonValueKind.Array) throw new McpException("MALFORMED: operations must be a JSON array of operation objects");
        var body = new JsonObject { ["operations"] = JsonNode.Parse(operations.GetRawText()), ["rationale"] = rationale };
        if (based_on is { Count: > 0 }) body["based_on"] = JsonSerializer.SerializeToNode(based_on);
        var answer = await agent.CallAsync(api => api.PostAsync("/v1/intents?actor=" + Uri.EscapeDataString(agent.Actor), body.ToJsonString())).ConfigureAwait(false);
        return answer.GetRawText();
    }

    /// <summary>get_intent</summary>
    [McpServerTool(Name = "get_intent", ReadOnly = true, Idempotent = true, Destructive = false, OpenWorld = false)]
    [Description("An intent's phase (PENDING, PROVISIONAL, FINAL, ROLLED_BACK, REFUSED, QUARANTINED), whether it is settled, and its journal history: verification hashes and any rollback reason.")]
    public static async Task<string> GetIntent(Agent agent, [Description("The intent number submit_intent returned.")] ulong intent)
    {
        var answer = await agent.CallAsync(api => api.CallAsync(HttpMethod.Get, $"/v1/intents/{intent}")).ConfigureAwait(false);
        return answer.GetRawText();
    }

    /// <summary>wait_intent</summary>
    [McpServerTool(Name = "wait_intent", ReadOnly = true, Idempotent = true, Destructive = false, OpenWorld = false)]
    [Description("Wait until an intent settles (FINAL, ROLLED_BACK, REFUSED, QUARANTINED) or the timeout passes; returns what get_intent returns, with timed_out. A PENDING intent settles only once a human approves or denies it.")]
    public static async Task<string> WaitIntent(Agent agent, [Description("The intent number.")] ulong intent,
        [Description("Seconds to wait, 1–300 (default 30).")] double timeout_seconds = 30, CancellationToken cancel = default)
    {
        // The control API wakes on the intent's next journal entry (no polling); one call waits at
        // most 25 s, below the HTTP client's timeout, so a long wait is a few calls.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(Math.Clamp(double.IsFinite(timeout_seconds) ? timeout_seconds : 30, 1, 300));
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            double leftMs = Math.Max(0, Math.Min(25_000, (until - DateTime.UtcNow).TotalMilliseconds));
            var answer = await agent.CallAsync(api => api.CallAsync(HttpMethod.Get,
                $"/v1/intents/{intent}?wait=settled&timeout_ms={leftMs.ToString("0", System.Globalization.CultureInfo.InvariantCulture)}")).ConfigureAwait(false);
            if (answer.GetProperty("settled").GetBoolean() || DateTime.UtcNow >= until) return answer.GetRawText();
        }
    }

    /// <summary>read_wal</summary>
    [McpServerTool(Name = "read_wal", ReadOnly = true, Idempotent = true, Destructive = false, OpenWorld = false)]
    [Description("Read the journal (write-ahead log) after a sequence number: every intent's phases, actors, verification and rollback reasons, oldest first.")]
    public static async Task<string> ReadWal(Agent agent, [Description("Entries after this sequence (0: from the start).")] ulong since = 0,
        [Description("At most this many, 1–500 (default 50).")] int limit = 50)
    {
        var entries = await agent.CallAsync(api => api.CallAsync(HttpMethod.Get, $"/v1/wal?since={since}&limit={Math.Clamp(limit, 1, 500)}")).ConfigureAwait(false);
        return entries.GetRawText();
    }

    /// <summary>list_locks</summary>
    [McpServerTool(Name = "list_locks", ReadOnly = true, Idempotent = true, Destructive = false, OpenWorld = false)]
    [Description("Objects a human is editing right now (HUMAN_ACTIVE): intents touching them wait (WAIT_HUMAN_LOCK) until the human stops.")]
    public static async Task<string> ListLocks(Agent agent)
    {
        var s = await agent.CallAsync(api => api.StatusAsync()).ConfigureAwait(false);
        var locks = s.GetProperty("sync").GetProperty("locks").EnumerateArray().Select(l => l.GetString()!).ToArray();
        return JsonSerializer.Serialize(new { locked = locks }, Json);
    }

    /// <summary>The scene as <paramref name="engine"/> (or Reality) holds it, in canonical values.</summary>
    internal static async Task<Scene> SceneOf(Agent agent, string engine)
    {
        if (engine != "reality" && !Protocol.Link.EngineInstance.TryParse(engine, out _, out _))
            throw new McpException($"INVALID_VALUE: engine must be reality or an engine instance (blender, unity, blender:NAME, unity:NAME), not \"{engine}\"");
        string text = await agent.CallAsync(api => api.CallTextAsync(HttpMethod.Get, $"/v1/state?engine={engine}&space=canonical")).ConfigureAwait(false);
        return SceneJsonReader.ReadCanonical(text, Space.Canonical);
    }
}
