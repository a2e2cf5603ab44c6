using System.Reflection;

namespace VibeSync.Orchestrator.WebConsole;

/// <summary>
/// The console's script and stylesheet, embedded in the assembly at build time (WebConsole/web/):
/// nothing is fetched from anywhere at run time, and the CSP allows scripts only from here.
/// </summary>
internal static class ConsoleAssets
{
    private const string Prefix = "console/";

    private static readonly IReadOnlyDictionary<string, (byte[] Bytes, string Type)> All = Load();

    /// <summary>An asset by file name, or null.</summary>
    public static (byte[] Bytes, string Type)? Find(string name) => All.TryGetValue(name, out var a) ? a : null;

    private static Dictionary<string, (byte[], string)> Load()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var assets = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            string name = resource[Prefix.Length..];
            assets[name] = (name.EndsWith(".js", StringComparison.Ordinal) ? Flatten(copy.ToArray()) : copy.ToArray(), Path.GetExtension(name) switch
            {
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".png" => "image/png",
                _ => "application/octet-stream",
            });
        }
        return assets;
    }

    /// <summary>
    /// three.js's addons import <c>'three'</c> and each other by npm paths, which a browser resolves only
    /// through an import map (an inline script, which the CSP forbids): point them at the files served here.
    /// </summary>
    private static byte[] Flatten(byte[] script)
    {
        string text = System.Text.Encoding.UTF8.GetString(script);
        string flat = text.Replace("from 'three';", "from './three.module.js';", StringComparison.Ordinal)
            .Replace("from '../utils/", "from './", StringComparison.Ordinal);
        return flat == text ? script : System.Text.Encoding.UTF8.GetBytes(flat);
    }
}
