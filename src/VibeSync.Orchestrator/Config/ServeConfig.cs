using System.Globalization;
using System.Text;
using VibeSync.Intents.Pipeline;
using VibeSync.Protocol.Json;
using static VibeSync.Protocol.Json.JsonFields;

namespace VibeSync.Orchestrator.Config;

/// <summary>
/// The policies of <c>vibesync serve</c> as a file: <c>DIR/config.json</c>, written with the
/// defaults on first start so a user can see and change them; a flag given on the command line
/// wins over the file. Read strictly: an unknown key, a wrong type or a value out of range is an
/// error naming the key, and serve does not start.
/// <code>
/// {"trust": "cosmetic", "source_of_truth": "blender",
///  "windows_ms": {"cosmetic": 250, "structural": 50},
///  "limits": {"max_mesh_vertices": 2000000, "heartbeat_timeout_s": 10, "engine_timeout_s": 5,
///             "max_rationale_chars": 4096, "max_intent_operations": 10000, "max_intent_bytes": 3145728, "max_blob_bytes": 268435456, "max_image_bytes": 67108864,
///             "max_upload_bytes": 536870912, "max_uploads": 8},
///  "safe_mode": {"rollbacks_per_object": 3, "rollbacks_per_operation": 5},
///  "content": {"tangents": false},
///  "sync": {"scene_time": false}}
/// </code>
/// </summary>
public sealed record ServeConfig
{
    /// <summary>AI intents admitted without approval: supervised, cosmetic, structural or destructive.</summary>
    public string Trust { get; init; } = "cosmetic";

    /// <summary>At a first pairing, whose state wins: blender or unity.</summary>
    public string SourceOfTruth { get; init; } = "blender";

    /// <summary>Batch window of cosmetic intents, ms (verification only; application is never held).</summary>
    public double CosmeticWindowMs { get; init; } = 250;

    /// <summary>Batch window of structural intents, ms.</summary>
    public double StructuralWindowMs { get; init; } = 50;

    /// <summary>Vertices a mesh record may have (an adapter's report or an intent): <c>limits.max_mesh_vertices</c>.</summary>
    public int MaxMeshVertices { get; init; } = 2_000_000;

    /// <summary>Seconds of adapter silence before its engine is put in PANIC.</summary>
    public double HeartbeatTimeoutSeconds { get; init; } = 10;

    /// <summary>Seconds an engine may take for one call before it counts as a fault.</summary>
    public double EngineTimeoutSeconds { get; init; } = 5;

    /// <summary>What one intent may be (rationale, operations, bytes): over a limit is refused as RESOURCE_LIMIT at admission.</summary>
    public AdmissionLimits Admission { get; init; } = new();

    /// <summary>Rollbacks of one object that put automation in safe mode.</summary>
    public int RollbacksPerObject { get; init; } = 3;

    /// <summary>Rollbacks of one operation kind that put automation in safe mode.</summary>
    public int RollbacksPerOperation { get; init; } = 5;

    /// <summary>
    /// Whether meshes carry TANGENT (<c>content.tangents</c>): off by default, like Blender's glTF
    /// exporter; the adapters learn it from WELCOME and Blender computes tangents when it is on.
    /// </summary>
    public bool Tangents { get; init; }

    /// <summary>
    /// Whether scrubbing the timeline in one editor poses the other at the same time
    /// (<c>sync.scene_time</c>): off by default; the adapters learn it from WELCOME, and serve
    /// forwards TIME between engines only when it is on. A pose, never an edit or a journal entry.
    /// </summary>
    public bool SceneTime { get; init; }

    /// <summary>The file's name in the data directory.</summary>
    public const string FileName = "config.json";

    /// <summary>Reads <paramref name="path"/>; a missing file is the defaults.</summary>
    /// <exception cref="ConfigException">The file is not a valid configuration (the message names the key).</exception>
    public static ServeConfig Read(string path)
    {
        if (!File.Exists(path)) return new ServeConfig();
        JsonNode root;
        try { root = JsonParser.Parse(File.ReadAllText(path)); }
        catch (JsonParseException e) { throw new ConfigException($"{path}: {e.Message}"); }
        try
        {
            var o = AsObject(root, "");
            CheckFields(o, "", Array.Empty<string>(), new[] { "trust", "source_of_truth", "windows_ms", "limits", "safe_mode", "content", "sync" });
            var c = new ServeConfig();
            if (o.Get("trust") is { } trust) c = c with { Trust = OneOf(trust, "trust", "supervised", "cosmetic", "structural", "destructive") };
            if (o.Get("source_of_truth") is { } source) c = c with { SourceOfTruth = OneOf(source, "source_of_truth", "blender", "unity") };
            if (o.Get("windows_ms") is { } w)
            {
                var windows = AsObject(w, "windows_ms");
                CheckFields(windows, "windows_ms", Array.Empty<string>(), new[] { "cosmetic", "structural" });
                if (windows.Get("cosmetic") is { } cw) c = c with { CosmeticWindowMs = InRange(cw, "windows_ms.cosmetic", 0, 10_000) };
                if (windows.Get("structural") is { } sw) c = c with { StructuralWindowMs = InRange(sw, "windows_ms.structural", 0, 10_000) };
            }
            if (o.Get("limits") is { } l)
            {
                var limits = AsObject(l, "limits");
                CheckFields(limits, "limits", Array.Empty<string>(), new[] { "max_mesh_vertices", "heartbeat_timeout_s", "engine_timeout_s",
                    "max_rationale_chars", "max_intent_operations", "max_intent_bytes", "max_blob_bytes", "max_image_bytes", "max_upload_bytes", "max_uploads" });
                if (limits.Get("max_mesh_vertices") is { } mv) c = c with { MaxMeshVertices = (int)InRange(mv, "limits.max_mesh_vertices", 3, 100_000_000, whole: true) };
                if (limits.Get("heartbeat_timeout_s") is { } hb) c = c with { HeartbeatTimeoutSeconds = InRange(hb, "limits.heartbeat_timeout_s", 0.1, 3600) };
                if (limits.Get("engine_timeout_s") is { } et) c = c with { EngineTimeoutSeconds = InRange(et, "limits.engine_timeout_s", 0.1, 3600) };
                if (limits.Get("max_blob_bytes") is { } bb)
                    c = c with { Admission = c.Admission with { MaxBlobBytes = (long)InRange(bb, "limits.max_blob_bytes", 1024, 4L * 1024 * 1024 * 1024, whole: true) } };
                if (limits.Get("max_image_bytes") is { } mib)
                    c = c with { Admission = c.Admission with { MaxImageBytes = (long)InRange(mib, "limits.max_image_bytes", 1024, 4L * 1024 * 1024 * 1024, whole: true) } };
                if (limits.Get("max_upload_bytes") is { } ub)
                    c = c with { Admission = c.Admission with { MaxUploadBytes = (long)InRange(ub, "limits.max_upload_bytes", 1024, 64L * 1024 * 1024 * 1024, whole: true) } };
                if (limits.Get("max_uploads") is { } un)
                    c = c with { Admission = c.Admission with { MaxUploads = (int)InRange(un, "limits.max_uploads", 1, 1024, whole: true) } };
                if (limits.Get("max_rationale_chars") is { } rc)
                    c = c with { Admission = c.Admission with { MaxRationaleChars = (int)InRange(rc, "limits.max_rationale_chars", 1, AdmissionLimits.MostRationaleChars, whole: true) } };
                if (limits.Get("max_intent_operations") is { } io)
                    c = c with { Admission = c.Admission with { MaxOperations = (int)InRange(io, "limits.max_intent_operations", 1, 100_000, whole: true) } };
                if (limits.Get("max_intent_bytes") is { } ib)
                    c = c with { Admission = c.Admission with { MaxIntentBytes = (int)InRange(ib, "limits.max_intent_bytes", 1024, AdmissionLimits.MostIntentBytes, whole: true) } };
            }
            if (o.Get("safe_mode") is { } s)
            {
                var safe = AsObject(s, "safe_mode");
                CheckFields(safe, "safe_mode", Array.Empty<string>(), new[] { "rollbacks_per_object", "rollbacks_per_operation" });
                if (safe.Get("rollbacks_per_object") is { } po) c = c with { RollbacksPerObject = (int)InRange(po, "safe_mode.rollbacks_per_object", 1, 1_000_000, whole: true) };
                if (safe.Get("rollbacks_per_operation") is { } pp) c = c with { RollbacksPerOperation = (int)InRange(pp, "safe_mode.rollbacks_per_operation", 1, 1_000_000, whole: true) };
            }
            if (o.Get("content") is { } content)
            {
                var policy = AsObject(content, "content");
                CheckFields(policy, "content", Array.Empty<string>(), new[] { "tangents" });
                if (policy.Get("tangents") is { } t)
                    c = c with { Tangents = t is JsonBool b ? b.Value : throw new JsonFieldException("content.tangents", "expected true or false") };
            }
            if (o.Get("sync") is { } sync)
            {
                var policy = AsObject(sync, "sync");
                CheckFields(policy, "sync", Array.Empty<string>(), new[] { "scene_time" });
                if (policy.Get("scene_time") is { } st)
                    c = c with { SceneTime = st is JsonBool b ? b.Value : throw new JsonFieldException("sync.scene_time", "expected true or false") };
            }
            return c;
        }
        catch (JsonFieldException e) { throw new ConfigException($"{path}: {(e.Path.Length == 0 ? "" : e.Path + ": ")}{e.Reason}"); }
    }

    /// <summary>
    /// Writes this configuration to <paramref name="path"/> unless a file is there (a user's file is
    /// never rewritten): readable by its owner only, its directory made 0700 if it is created.
    /// </summary>
    public void WriteIfMissing(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(dir)) Data.PrivateFiles.EnsureDirectory(dir);
        Data.PrivateFiles.CreateNew(path, ToJson());
    }

    /// <summary>The file as this configuration, with every key (what first start writes).</summary>
    public string ToJson()
    {
        static string N(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        return new StringBuilder()
            .Append("{\n  \"trust\": \"").Append(Trust).Append("\",\n")
            .Append("  \"source_of_truth\": \"").Append(SourceOfTruth).Append("\",\n")
            .Append("  \"windows_ms\": {\"cosmetic\": ").Append(N(CosmeticWindowMs)).Append(", \"structural\": ").Append(N(StructuralWindowMs)).Append("},\n")
            .Append("  \"limits\": {\"max_mesh_vertices\": ").Append(MaxMeshVertices).Append(", \"heartbeat_timeout_s\": ").Append(N(HeartbeatTimeoutSeconds))
            .Append(", \"engine_timeout_s\": ").Append(N(EngineTimeoutSeconds)).Append(",\n             \"max_rationale_chars\": ").Append(Admission.MaxRationaleChars)
            .Append(", \"max_intent_operations\": ").Append(Admission.MaxOperations).Append(", \"max_intent_bytes\": ").Append(Admission.MaxIntentBytes).Append(", \"max_blob_bytes\": ").Append(Admission.MaxBlobBytes).Append(", \"max_image_bytes\": ").Append(Admission.MaxImageBytes)
            .Append(",\n             \"max_upload_bytes\": ").Append(Admission.MaxUploadBytes).Append(", \"max_uploads\": ").Append(Admission.MaxUploads).Append("},\n")
            .Append("  \"safe_mode\": {\"rollbacks_per_object\": ").Append(RollbacksPerObject).Append(", \"rollbacks_per_operation\": ").Append(RollbacksPerOperation).Append("},\n")
            .Append("  \"content\": {\"tangents\": ").Append(Tangents ? "true" : "false").Append("},\n")
            .Append("  \"sync\": {\"scene_time\": ").Append(SceneTime ? "true" : "false").Append("}\n}\n")
            .ToString();
    }

    private static string OneOf(JsonNode node, string path, params string[] allowed)
    {
        var text = Text(node, path);
        return allowed.Contains(text) ? text : throw new JsonFieldException(path, $"expected one of {string.Join(", ", allowed)}, got \"{text}\"");
    }

    private static double InRange(JsonNode node, string path, double min, double max, bool whole = false)
    {
        double v = Real(node, path);
        if (v < min || v > max) throw new JsonFieldException(path, $"expected {min.ToString(CultureInfo.InvariantCulture)}…{max.ToString(CultureInfo.InvariantCulture)}, got {v.ToString(CultureInfo.InvariantCulture)}");
        if (whole && Math.Floor(v) != v) throw new JsonFieldException(path, "expected a whole number");
        return v;
    }
}

/// <summary>The configuration file is not valid.</summary>
public sealed class ConfigException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConfigException(string message) : base(message) { }
}
