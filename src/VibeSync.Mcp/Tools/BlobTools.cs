// Issue #17 item 4 (and #18 for images): a mesh too large for an intent's JSON, or an image file, is sent as blobs first, then named in
// create_mesh / replace_mesh / create_image / replace_image. The orchestrator names each blob from its bytes; the agent is never
// asked for a name and cannot give one. Whether the orchestrator already held that blob is never
// told (docs/mcp.md, "The boundary").
using System.ComponentModel;
using System.Text.Json.Nodes;
using ModelContextProtocol.Server;

namespace VibeSync.Mcp.Tools;

/// <summary>The blob upload tool.</summary>
[McpServerToolType]
public static class BlobTools
{
    /// <summary>put_blob</summary>
    [McpServerTool(Name = "put_blob", ReadOnly = false, Idempotent = false, Destructive = false, OpenWorld = false)]
    [Description("Upload an array (mesh positions, normals, UVs, colours, indices, skin joints and weights, morph deltas, inverse bind matrices, keyframe times and values) or an image file in chunks of at most 1 MiB, then name it in create_mesh or replace_mesh's mesh record " +
        "(\"attributes\": {\"POSITION\": blob}, \"primitives\": [{\"material\": 0, \"indices\": blob}]), in create_image/replace_image (\"blob\": blob), create_skin (inverse_bind_matrices) or an animation channel (times, values). Bytes are little-endian values of the element type " +
        "(F32 for POSITION/NORMAL ×3, TEXCOORD_n ×2, COLOR_0/TANGENT/WEIGHTS_0 ×4, morph deltas ×3, inverse bind matrices ×16, keyframe times ×1; U16 ×4 for JOINTS_0; U32 ×1 for indices; U8 ×1 for a PNG or JPEG file's bytes as the file holds them, count = its size), base64. The first chunk has offset 0 and no upload; its answer names the upload, " +
        "which every later chunk gives with the next offset (bytes received so far). The chunk that completes it answers {\"complete\": true, \"blob\": ID}: the ID the orchestrator computed from the bytes. " +
        "Refusals: BLOB_CHUNK_ORDER (wrong offset), BLOB_SHAPE (a chunk past the end, or a shape that differs from the upload's), NON_FINITE (NaN/Inf: the upload is dropped), RESOURCE_LIMIT, UNKNOWN_UPLOAD.")]
    public static async Task<string> PutBlob(Agent agent,
        [Description("F32, U32, U16 or U8 (U8 for an image file).")] string element,
        [Description("Values per element: 3 for POSITION, NORMAL and morph deltas, 2 for TEXCOORD_n, 4 for COLOR_0, TANGENT, JOINTS_0, WEIGHTS_0 and rotation keyframes, 16 for inverse bind matrices, 1 for indices, keyframe times and image files.")] int components,
        [Description("Elements in the whole blob (vertices, indices, or an image file's bytes).")] long count,
        [Description("The byte of the blob this chunk starts at: 0, then the bytes received so far.")] long offset,
        [Description("This chunk's bytes, base64 (at most 1 MiB of bytes).")] string data,
        [Description("The upload this chunk continues, as the first chunk's answer named it; omit for the first chunk.")] string? upload = null)
    {
        var body = new JsonObject
        {
            ["upload"] = upload, ["element"] = element, ["components"] = components, ["count"] = count, ["offset"] = offset, ["data"] = data,
        };
        var answer = await agent.CallAsync(api => api.PostAsync("/v1/blobs?actor=" + Uri.EscapeDataString(agent.Actor), body.ToJsonString())).ConfigureAwait(false);
        return answer.GetRawText();
    }
}
