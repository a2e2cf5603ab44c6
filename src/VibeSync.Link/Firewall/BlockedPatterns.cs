using System.Text.RegularExpressions;

namespace VibeSync.Link.Firewall;

/// <summary>
/// Text shaped like code some engine could be tricked into running — os.system, subprocess,
/// exec/eval/compile/open calls, dunder names, import statements, pickle, ctypes, Process.Start,
/// reflection. The firewall applies it to <see cref="CodeFields"/> only: a field an engine could
/// evaluate as code. Names and other plain strings are data, stored and shown but never run, so a
/// rename to "Rock__01__LOD" (or to "os.system(x)") is as harmless as any other name and is never
/// judged by it. Patterns are shaped to catch calls and module paths, not words.
/// </summary>
public static partial class BlockedPatterns
{
    [GeneratedRegex(@"\bos\s*\.\s*(system|popen|exec\w*|spawn\w*|remove|unlink)\b|\bsubprocess\b|\b(exec|eval|compile|execfile|getattr|setattr|delattr|globals|locals|open|breakpoint)\s*\(|__\w+__|\bimportlib\b|\bimport\s+\w|\bpickle\b|\bmarshal\b|\bctypes\b|\bProcess\s*\.\s*Start\b|\bSystem\s*\.\s*(Reflection|Diagnostics\s*\.\s*Process)\b|\bAssembly\s*\.\s*Load|\bActivator\s*\.\s*CreateInstance\b|\bType\s*\.\s*GetType\s*\(|\bInvokeMember\b|\bDllImport\b|\bbpy\s*\.\s*ops\s*\.\s*script\b|\bUnityEditor\s*\.\s*EditorApplication\s*\.\s*ExecuteMenuItem\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex Pattern();

    /// <summary>The first blocked pattern in <paramref name="text"/>, or null; a text too costly to scan counts as blocked.</summary>
    public static string? Match(string text)
    {
        try
        {
            var m = Pattern().Match(text);
            return m.Success ? m.Value : null;
        }
        catch (RegexMatchTimeoutException)
        {
            return "(a string too costly to scan)";
        }
    }
}
