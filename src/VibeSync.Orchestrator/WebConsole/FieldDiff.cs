using System.Text.Json.Nodes;
using VibeSync.Intents.Reality;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;

namespace VibeSync.Orchestrator.WebConsole;

/// <summary>One field of one record that an intent changes.</summary>
/// <param name="Uuid">The record.</param>
/// <param name="Name">Its name, before or after.</param>
/// <param name="Field">The field, as scene JSON names it (canonical space).</param>
/// <param name="Before">Its value now (JSON), or null when the record does not exist yet.</param>
/// <param name="After">Its value after the intent (JSON), or null when the record is deleted.</param>
internal sealed record FieldChange(string Uuid, string? Name, string Field, string? Before, string? After);

/// <summary>
/// The records an intent touches, before and after, field by field: both scenes written as scene
/// JSON (the shape <c>vibesync state</c> prints) and compared member by member, so every field a
/// record has is covered without a list of fields to keep in step.
/// </summary>
internal static class FieldDiff
{
    public static IReadOnlyList<FieldChange> Between(RealityScene before, RealityScene after, IEnumerable<string> uuids)
    {
        var ids = uuids.Distinct(StringComparer.Ordinal).ToArray();
        var a = Records(before, ids);
        var b = Records(after, ids);
        var changes = new List<FieldChange>();
        foreach (var uuid in ids)
        {
            a.TryGetValue(uuid, out var x);
            b.TryGetValue(uuid, out var y);
            if (x == null && y == null) continue;
            string? name = (y ?? x)!["name"]?.ToString();
            var fields = (x?.Select(p => p.Key) ?? []).Union(y?.Select(p => p.Key) ?? [], StringComparer.Ordinal).Where(f => f != "uuid");
            foreach (var field in fields)
            {
                var old = x?[field];
                var now = y?[field];
                if (x != null && y != null && JsonNode.DeepEquals(old, now)) continue;
                changes.Add(new FieldChange(uuid, name, field, x == null ? null : Text(old), y == null ? null : Text(now)));
            }
        }
        return changes;
    }

    private static string Text(JsonNode? node) => node?.ToJsonString() ?? "null";

    private static Dictionary<string, JsonObject> Records(RealityScene scene, string[] uuids)
    {
        var doc = JsonNode.Parse(SceneJsonWriter.Write(scene.Records(uuids), Space.Canonical))!.AsObject();
        var byId = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var (_, list) in doc)
            if (list is JsonArray array)
                foreach (var record in array.OfType<JsonObject>())
                    if (record["uuid"]?.ToString() is { } id) byId[id] = record;
        return byId;
    }
}
