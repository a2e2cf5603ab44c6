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

    /// <summary>
    /// Waits for <paramref name="answer"/> while time goes on, as it does outside a test: an
    /// admission that waits on the pipeline's clock (a human's quiet period, a retry's delay) is
    /// answered once the clock passes it. A real deadlock still times out after <see cref="Patience"/>.
    /// </summary>
    private protected async Task<IntentOutcome> WhileTimePassesAsync(Task<IntentOutcome> answer)
    {
        var patience = System.Diagnostics.Stopwatch.StartNew();
        while (!answer.IsCompleted && patience.Elapsed < Patience)
        {
            await Task.WhenAny(answer, Task.Delay(200));
            if (!answer.IsCompleted) Clock.Advance(TimeSpan.FromMilliseconds(50));
        }
        return await answer.WaitAsync(TimeSpan.FromSeconds(1));
    }

    /// <summary>Moves the clock on and lets the pipeline settle what is due.</summary>
    private protected async Task Elapse(int ms)
    {
        Clock.Advance(TimeSpan.FromMilliseconds(ms));
        await Pipeline.SettleDueAsync().WaitAsync(Patience);
    }
}
