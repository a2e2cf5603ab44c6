using VibeSync.Protocol.Json;

namespace VibeSync.Link.Firewall;

/// <summary>A field an engine could evaluate as code: where it is (a message type and a path) and what would evaluate it.</summary>
/// <param name="Type">The message type that carries it.</param>
/// <param name="Path">Its path in the payload: members joined by '.', "[]" after a member for every item of an array (e.g. "operations[].expression").</param>
/// <param name="Evaluator">What would run it (e.g. "Blender's driver engine").</param>
public sealed record CodeField(byte Type, string Path, string Evaluator);

/// <summary>
/// The semantic firewall's list of fields an engine could evaluate as code, the only fields the
/// blocked patterns apply to (docs/protocol.md §11.3 lists the same). Protocol 1 has none: every
/// field of every operation and record is a number, an ID, an enumeration, an asset id (checked
/// against its own alphabet) or a plain string (names, file paths, reasons), and each adapter
/// writes plain strings as data, never through an evaluator. What would be code: a Blender driver
/// expression, the source of a script node or shader (OSL, HLSL, a Shader Graph custom function),
/// a text datablock or script asset. A field added later that carries one is listed here, checked
/// at admission too (operations are one schema whether an engine or an agent sends them), and
/// audited by the adapter (adapters/blender/vibesync_blender/firewall.py). Since today nothing is
/// code, nothing is refused for its text at admission either, and a value the orchestrator
/// admitted never trips the firewall when an engine reports it back.
/// </summary>
public static class CodeFields
{
    /// <summary>Every code field of protocol 1: none.</summary>
    public static IReadOnlyList<CodeField> All { get; } = Array.Empty<CodeField>();

    /// <summary>The first code field of a <paramref name="type"/> payload holding a blocked pattern, with its path, or null.</summary>
    public static (string Path, string Match)? Find(byte type, JsonObject payload) => Find(payload, All.Where(f => f.Type == type));

    /// <summary>The first of <paramref name="fields"/> in <paramref name="payload"/> holding a blocked pattern, or null.</summary>
    public static (string Path, string Match)? Find(JsonObject payload, IEnumerable<CodeField> fields)
    {
        foreach (var field in fields)
            if (Walk(payload, field.Path.Split('.'), 0, "") is { } hit) return hit;
        return null;
    }

    private static (string, string)? Walk(JsonNode node, string[] steps, int at, string path)
    {
        if (at == steps.Length)
            return node is JsonString s && BlockedPatterns.Match(s.Value) is { } m ? (path, m) : null;
        string step = steps[at];
        bool each = step.EndsWith("[]", StringComparison.Ordinal);
        string member = each ? step[..^2] : step;
        if (node is not JsonObject o || o.Get(member) is not { } value) return null;
        string here = path.Length == 0 ? member : path + "." + member;
        if (!each) return Walk(value, steps, at + 1, here);
        if (value is not JsonArray a) return null;
        for (int i = 0; i < a.Items.Count; i++)
            if (Walk(a.Items[i], steps, at + 1, $"{here}[{i}]") is { } hit) return hit;
        return null;
    }
}
