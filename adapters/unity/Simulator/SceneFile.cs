using System.Text;
using System.Text.Json;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.SceneJson;
using VibeSync.Unity.Hierarchy;

namespace VibeSync.Unity.Simulator;

/// <summary>
/// The simulator's scene file: Unity-space scene JSON (the shape <c>vibesync hash --space unity</c>
/// reads) with an optional top-level <c>"vibesync_project": {"id": ..., "schema": ...}</c>, the
/// scene's project stamp, as a Unity scene carries it in its VibeSyncProject component.
/// </summary>
public static class SceneFile
{
    /// <summary>The top-level key of the stamp.</summary>
    public const string StampKey = "vibesync_project";

    /// <summary>Splits a file into its scene JSON (without the stamp) and its stamp, if any.</summary>
    /// <exception cref="SceneFormatException">The stamp is not {"id": a string of at most 200 characters, "schema": a positive integer}.</exception>
    public static (string Scene, ProjectStamp? Stamp) Split(string text)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(text); }
        catch (JsonException) { return (text, null); } // not JSON: the scene reader says so, in its own words
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return (text, null);
            var stamps = root.EnumerateObject().Where(p => p.NameEquals(StampKey)).ToList();
            if (stamps.Count == 0) return (text, null);
            if (stamps.Count > 1) throw new SceneFormatException(StampKey, "appears twice");
            var stamp = Stamp(stamps[0].Value);
            var rest = new MemoryStream();
            using (var writer = new Utf8JsonWriter(rest))
            {
                writer.WriteStartObject();
                foreach (var p in root.EnumerateObject())
                    if (!p.NameEquals(StampKey)) p.WriteTo(writer); // numbers keep their text: the scene reader reads what the file says
                writer.WriteEndObject();
            }
            return (Encoding.UTF8.GetString(rest.ToArray()), stamp);
        }
    }

    private static ProjectStamp Stamp(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new SceneFormatException(StampKey, "must be an object {\"id\": ..., \"schema\": ...}");
        var names = e.EnumerateObject().Select(p => p.Name).ToList();
        if (names.Count != 2 || !names.Contains("id") || !names.Contains("schema")) throw new SceneFormatException(StampKey, "must have exactly the fields id and schema");
        var id = e.GetProperty("id");
        if (id.ValueKind != JsonValueKind.String || id.GetString()!.Length > 200) throw new SceneFormatException(StampKey + ".id", "must be a string of at most 200 characters");
        if (!e.GetProperty("schema").TryGetInt32(out int schema) || schema < 1) throw new SceneFormatException(StampKey + ".schema", "must be a positive integer");
        return new ProjectStamp(id.GetString()!, schema);
    }

    /// <summary>The file for <paramref name="sceneJson"/> (as <see cref="SceneJsonWriter"/> writes it) with <paramref name="stamp"/>.</summary>
    public static string Write(string sceneJson, ProjectStamp? stamp)
    {
        if (stamp == null) return sceneJson;
        var sb = new StringBuilder("{\"").Append(StampKey).Append("\": {\"id\": ");
        JsonText.AppendString(sb, stamp.Id).Append(", \"schema\": ").Append(stamp.Schema).Append("}, ");
        return sb.Append(sceneJson, 1, sceneJson.Length - 1).ToString();
    }
}
