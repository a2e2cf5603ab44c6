using System.Text.RegularExpressions;
using VibeSync.Protocol.Json;

namespace VibeSync.Link.Firewall;

/// <summary>
/// The semantic firewall's last line: no string anywhere in a payload (keys included) may look
/// like code that some engine could be tricked into running. Operations are typed, so nothing is
/// ever executed; this refuses the attempt itself, which is a contract violation. Patterns are
/// shaped to catch calls and module paths, not words: an object called "Executive" passes.
/// </summary>
public static partial class BlockedPatterns
{
    [GeneratedRegex(@"\bos\s*\.\s*(system|popen|exec\w*|spawn\w*|remove|unlink)\b|\bsubprocess\b|\b(exec|eval|compile|execfile|getattr|setattr|delattr|globals|locals|open|breakpoint)\s*\(|__\w+__|\bimportlib\b|\bimport\s+\w|\bpickle\b|\bmarshal\b|\bctypes\b|\bProcess\s*\.\s*Start\b|\bSystem\s*\.\s*(Reflection|Diagnostics\s*\.\s*Process)\b|\bAssembly\s*\.\s*Load|\bActivator\s*\.\s*CreateInstance\b|\bType\s*\.\s*GetType\s*\(|\bInvokeMember\b|\bDllImport\b|\bbpy\s*\.\s*ops\s*\.\s*script\b|\bUnityEditor\s*\.\s*EditorApplication\s*\.\s*ExecuteMenuItem\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex Pattern();

    /// <summary>The first blocked pattern in any string of <paramref name="node"/>, with its path, or null.</summary>
    public static (string Path, string Match)? Find(JsonNode node, string path = "")
    {
        switch (node)
        {
            case JsonString s:
                return Match(s.Value, path);
            case JsonArray a:
                for (int i = 0; i < a.Items.Count; i++)
                    if (Find(a.Items[i], $"{path}[{i}]") is { } hit) return hit;
                return null;
            case JsonObject o:
                foreach (var (key, value) in o.Members)
                {
                    string at = path.Length == 0 ? key : path + "." + key;
                    if (Match(key, at) is { } inKey) return inKey;
                    if (Find(value, at) is { } hit) return hit;
                }
                return null;
            default:
                return null;
        }
    }

    private static (string, string)? Match(string text, string path)
    {
        try
        {
            var m = Pattern().Match(text);
            return m.Success ? (path, m.Value) : null;
        }
        catch (RegexMatchTimeoutException)
        {
            return (path, "(a string too costly to scan)");
        }
    }
}
