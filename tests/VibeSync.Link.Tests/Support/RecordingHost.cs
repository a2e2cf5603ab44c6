using VibeSync.Protocol.Operations;
using VibeSync.Protocol.State;

namespace VibeSync.Link.Tests.Support;

/// <summary>An orchestrator stand-in for in-process link servers: takes every edit, remembers the last scene report and every OBSERVED.</summary>
public sealed class RecordingHost : ILinkHost
{
    private volatile Scene? _scene;

    /// <summary>The last SCENE an engine reported (null until one has).</summary>
    public Scene? Scene => _scene;

    /// <summary>OBSERVED reports, oldest first (lock it to read).</summary>
    public List<(ulong Intent, IReadOnlyDictionary<string, string> Records)> Seen { get; } = new();

    public void Panic(string engine, string code, string reason) { }

    public Task<(string Code, string Message)?> EditAsync(string engine, IntentRequest edit) => Task.FromResult<(string, string)?>(null);

    /// <summary>Every scene report, oldest first (lock it to read).</summary>
    public List<SceneReport> Reports { get; } = new();

    public void SceneReported(string engine, Scene scene, SceneReport report)
    {
        _scene = scene;
        lock (Reports) Reports.Add(report);
    }

    public void Observed(string engine, ulong intent, IReadOnlyDictionary<string, string> records) { lock (Seen) Seen.Add((intent, records)); }
}
