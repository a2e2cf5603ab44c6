using Microsoft.Extensions.Time.Testing;
using VibeSync.Intents.Pipeline;
using VibeSync.Wal;
using VibeSync.Wal.Entries;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

/// <summary>A pipeline over a real WAL and two fake engines, on a fake clock the test advances.</summary>
public abstract class ClockedPipeline : IAsyncLifetime
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private protected readonly string Dir = Path.Combine(Path.GetTempPath(), "vibesync-clocked-" + Guid.NewGuid().ToString("N"));
    private protected readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));
    private protected readonly FakeEngine Blender = new("blender", Initial());
    private protected readonly FakeEngine Unity = new("unity", Initial());
    private protected WriteAheadLog Wal = null!;
    private protected IntentPipeline Pipeline = null!;

    /// <summary>The policies under test; the defaults unless a test class says otherwise.</summary>
    private protected virtual PipelineOptions Options => new();

    public async Task InitializeAsync()
    {
        Wal = WriteAheadLog.Open(Dir);
        Pipeline = await IntentPipeline.StartAsync(Wal, Initial(), new IEnginePort[] { Blender, Unity }, Options, Clock);
    }

    public async Task DisposeAsync()
    {
        await Pipeline.DisposeAsync();
        Wal.Dispose();
        Directory.Delete(Dir, recursive: true);
    }

    /// <summary>Plays <paramref name="play"/> on a fresh pipeline and disposes it: one case of a property.</summary>
    internal static async Task OnFreshAsync<T>(Func<T, Task> play) where T : ClockedPipeline, new()
    {
        var round = new T();
        await round.InitializeAsync();
        try { await play(round); }
        finally { await round.DisposeAsync(); }
    }

    /// <summary>The journal entries of one intent, in log order.</summary>
    private protected List<WalEntry> Entries(ulong id) => WriteAheadLog.ReadAll(Dir, out _).Where(r => r.Entry.IntentId == id).Select(r => r.Entry).ToList();

    private protected WalEntry Last(ulong id) => Entries(id).Last();

    /// <summary>Moves the clock on and lets the pipeline settle what is due.</summary>
    private protected async Task Elapse(int ms)
    {
        Clock.Advance(TimeSpan.FromMilliseconds(ms));
        await Pipeline.SettleDueAsync().WaitAsync(Patience);
    }
}
