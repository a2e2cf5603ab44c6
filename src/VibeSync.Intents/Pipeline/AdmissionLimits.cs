using System.Text;
using VibeSync.Intents.Validation;
using VibeSync.Wal;

namespace VibeSync.Intents.Pipeline;

/// <summary>
/// What one intent may be, checked before anything else at admission (issue #16: a 5 MiB
/// rationale, 60,000 operations or a 10M-index mesh made a journal entry the WAL could not take,
/// and that stopped the pipeline). Over a limit is refused as <c>RESOURCE_LIMIT</c> naming the
/// limit; <c>DIR/config.json</c>'s <c>limits</c> sets them (docs/sync.md). The orchestrator's own
/// intents (a pairing's adoption) are bounded only by the journal: whatever a limit says, an
/// intent whose journal entry would not fit in one WAL record is refused.
/// </summary>
public sealed record AdmissionLimits
{
    /// <summary>Characters (UTF-16 code units) a rationale may have. <c>limits.max_rationale_chars</c>.</summary>
    public int MaxRationaleChars { get; init; } = 4_096;

    /// <summary>Operations one intent may carry. <c>limits.max_intent_operations</c>.</summary>
    public int MaxOperations { get; init; } = 10_000;

    /// <summary>UTF-8 bytes an intent's JSON may take, as submitted. <c>limits.max_intent_bytes</c>.</summary>
    public int MaxIntentBytes { get; init; } = 3 * 1024 * 1024;

    /// <summary>Vertices one mesh record may have. <c>limits.max_mesh_vertices</c>.</summary>
    public int MaxMeshVertices { get; init; } = 2_000_000;

    /// <summary>Bytes one blob may have. <c>limits.max_blob_bytes</c> (256 MiB).</summary>
    public long MaxBlobBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Bytes one image's file may have. <c>limits.max_image_bytes</c> (64 MiB); a bigger one is refused <c>RESOURCE_LIMIT</c>.</summary>
    public long MaxImageBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Bytes of unfinished <c>put_blob</c> uploads one agent may hold at once (their declared
    /// sizes, counted when each begins). <c>limits.max_upload_bytes</c> (512 MiB).
    /// </summary>
    public long MaxUploadBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>Unfinished <c>put_blob</c> uploads one agent may hold at once. <c>limits.max_uploads</c>.</summary>
    public int MaxUploads { get; init; } = 8;

    /// <summary>The largest a configured rationale limit may be: a FINAL entry repeats the rationale, and the journal keeps room for it.</summary>
    public const int MostRationaleChars = Journaling.RationaleChars;

    /// <summary>The largest a configured byte limit may be: one WAL record.</summary>
    public const int MostIntentBytes = WriteAheadLog.MaxEntryBytes;

    /// <summary>The first limit <paramref name="request"/> of <paramref name="actor"/> is over, as a refusal; null when within all.</summary>
    public IntentRefusedException? Check(IntentRequest request, Actor actor)
    {
        if (actor.Kind == ActorKind.Orchestrator) return null;
        if (request.Operations.Count > MaxOperations)
            return Over("operations", $"{request.Operations.Count:N0} operations, over limits.max_intent_operations = {MaxOperations:N0}; split the change into several intents");
        for (int i = 0; i < request.Operations.Count; i++)
            if (MeshOf(request.Operations[i]) is { } mesh && mesh.VertexCount > MaxMeshVertices)
                return Over($"operations[{i}].vertex_count", $"a mesh of {mesh.VertexCount:N0} vertices, over limits.max_mesh_vertices = {MaxMeshVertices:N0}");
        if (request.Rationale is { Length: var chars } && chars > MaxRationaleChars)
            return Over("rationale", $"{chars:N0} characters, over limits.max_rationale_chars = {MaxRationaleChars:N0}; say why in fewer words");
        return CheckBytes(request.Json);
    }

    /// <summary>The byte limit alone, on an intent's text before it is even parsed (the control API's first check).</summary>
    public IntentRefusedException? CheckBytes(string json)
    {
        // A string of N chars is at least N UTF-8 bytes: count only when it could be over.
        if (json.Length <= MaxIntentBytes / 3) return null;
        int bytes = Encoding.UTF8.GetByteCount(json);
        return bytes > MaxIntentBytes
            ? Over("intent", $"{bytes:N0} bytes of JSON, over limits.max_intent_bytes = {MaxIntentBytes:N0}; send large meshes as blobs (put_blob) and reference them")
            : null;
    }

    /// <summary>The mesh record a create_mesh or replace_mesh carries; null for any other operation.</summary>
    public static VibeSync.Protocol.State.Mesh? MeshOf(Operation op) => op switch
    {
        CreateMesh c => c.Mesh,
        ReplaceMesh r => r.Mesh,
        _ => null,
    };

    private static IntentRefusedException Over(string path, string reason) => new(IntentErrorCode.ResourceLimit, path, reason);
}
