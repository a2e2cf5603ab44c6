using VibeSync.Protocol.Intents;
namespace VibeSync.Wal.Tests;

/// <summary>A fresh log directory under the system temp folder, removed afterwards.</summary>
internal sealed class TempLog : IDisposable
{
    public TempLog() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "vibesync-wal-" + Guid.NewGuid().ToString("N"));

    public string Segment(ulong n) => System.IO.Path.Combine(Path, n.ToString("D10") + ".wal");

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }

    public static WalEntry Entry(ulong id, IntentPhase phase = IntentPhase.Final, string? rationale = null) =>
        new(id, phase, 1_790_000_000_000 + (long)id, "blender", "ai:test",
            new Scope(new[] { "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f", "c0ffee00-1234-4abc-8def-000000000001" }, IntentClass.Cosmetic),
            phase == IntentPhase.Final ? new Verification("aa", "aa", 1e-5, 1_790_000_000_500) : null,
            phase == IntentPhase.RolledBack ? new RollbackInfo("undo-" + id, null, "SOFT", "HASH_MISMATCH") : null,
            rationale ?? $"move the cube, step {id}",
            "{\"op\":\"set_transform\",\"uuid\":\"5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f\",\"t\":[1,2,3]}");

    /// <summary>Appends entries one at a time, so each is its own write (its own batch).</summary>
    public static List<WalAppendResult> AppendEach(WriteAheadLog log, IEnumerable<WalEntry> entries) =>
        entries.Select(e => log.AppendAsync(e).GetAwaiter().GetResult()).ToList();
}
