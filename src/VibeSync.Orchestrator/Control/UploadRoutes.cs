using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using VibeSync.Orchestrator.Uploads;
using VibeSync.Protocol.Blobs;

namespace VibeSync.Orchestrator.Control;

/// <summary>
/// <c>POST /v1/blobs?actor=ai:NAME</c>: one chunk of a blob upload (the MCP tool <c>put_blob</c>),
/// as JSON <c>{"upload"?, "element", "components", "count", "offset", "data": base64}</c>. The
/// AI credential may use it as ai:NAME, the human's token as anyone but an engine or the
/// orchestrator. The answer is the same whether or not the store held the blob (docs/mcp.md).
/// </summary>
internal static class UploadRoutes
{
    // A chunk's base64 is 4/3 of its bytes; the rest of the JSON is a few fields.
    private const int MostBodyBytes = PartialUploads.ChunkBytes / 3 * 4 + 8192;

    public static void Map(WebApplication app, OrchestratorService service)
    {
        app.MapPost("/v1/blobs", async (HttpRequest http) =>
        {
            if (IntentRoutes.Submitter(http, "upload", out var refusal) is not { } actor) return refusal!;
            try
            {
                var chunk = await ReadAsync(http).ConfigureAwait(false);
                var answer = service.Uploads.Take(actor, chunk);
                // One shape of answer for every upload: nothing in it depends on what the store held before.
                return Results.Json(new { complete = answer.Blob != null, blob = answer.Blob, upload = answer.Upload, received = answer.Received, bytes = answer.Bytes },
                    OrchestratorService.Json);
            }
            catch (UploadRefusedException e) { return IntentRoutes.Error(400, e.Code, $"{e.Field}: {e.Reason}"); }
        });
    }

    private static async Task<UploadChunk> ReadAsync(HttpRequest http)
    {
        if (http.ContentLength > MostBodyBytes) throw TooLarge(http.ContentLength.Value);
        var buffer = new MemoryStream();
        var piece = new byte[81920];
        int n;
        while ((n = await http.Body.ReadAsync(piece).ConfigureAwait(false)) > 0)
        {
            buffer.Write(piece, 0, n);
            if (buffer.Length > MostBodyBytes) throw TooLarge(buffer.Length);
        }
        JsonElement root;
        try { root = JsonDocument.Parse(buffer.ToArray()).RootElement; }
        catch (JsonException e) { throw new UploadRefusedException("MALFORMED", "body", $"not JSON: {e.Message}"); }
        if (root.ValueKind != JsonValueKind.Object) throw new UploadRefusedException("MALFORMED", "body", "a chunk is a JSON object");
        foreach (var p in root.EnumerateObject())
            if (p.Name is not ("upload" or "element" or "components" or "count" or "offset" or "data"))
                throw new UploadRefusedException("UNKNOWN_FIELD", p.Name, "a chunk has upload, element, components, count, offset and data");
        string? upload = root.TryGetProperty("upload", out var u) && u.ValueKind != JsonValueKind.Null
            ? u.ValueKind == JsonValueKind.String ? u.GetString() : throw new UploadRefusedException("INVALID_VALUE", "upload", "a string, as the first chunk's answer gave it")
            : null;
        var element = Required(root, "element").ValueKind == JsonValueKind.String ? root.GetProperty("element").GetString() switch
        {
            "F32" => BlobElement.F32,
            "U32" => BlobElement.U32,
            "U16" => BlobElement.U16,
            "U8" => BlobElement.U8,
            var other => throw new UploadRefusedException("INVALID_VALUE", "element", $"F32, U32, U16 or U8, not \"{other}\""),
        } : throw new UploadRefusedException("INVALID_VALUE", "element", "F32, U32, U16 or U8");
        long components = Whole(root, "components"), count = Whole(root, "count"), offset = Whole(root, "offset");
        if (components is < 1 or > BlobShape.MaxComponents) throw new UploadRefusedException("INVALID_VALUE", "components", $"1–{BlobShape.MaxComponents}, not {components}");
        var data = Required(root, "data");
        if (data.ValueKind != JsonValueKind.String) throw new UploadRefusedException("INVALID_VALUE", "data", "the chunk's bytes as a base64 string");
        byte[] bytes;
        try { bytes = Convert.FromBase64String(data.GetString()!); }
        catch (FormatException) { throw new UploadRefusedException("MALFORMED", "data", "not base64"); }
        return new UploadChunk(upload, new BlobShape(element, (int)components, count), offset, bytes);
    }

    private static JsonElement Required(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) ? v : throw new UploadRefusedException("MISSING_FIELD", name, "every chunk says element, components, count, offset and data");

    private static long Whole(JsonElement root, string name)
    {
        var v = Required(root, name);
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) && n >= 0 ? n : throw new UploadRefusedException("INVALID_VALUE", name, "a whole number, 0 or more");
    }

    private static UploadRefusedException TooLarge(long bytes) =>
        new("RESOURCE_LIMIT", "data", $"a request of {bytes:N0} bytes; one chunk carries at most {PartialUploads.ChunkBytes:N0} bytes of data (chunk_bytes)");
}
