using System.Diagnostics;
using VibeSync.Intents.Pipeline;
using VibeSync.Wal;
using VibeSync.Protocol.Intents;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

public sealed class RetryTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vibesync-retry-" + Guid.NewGuid().ToString("N"));
    private readonly WriteAheadLog _wal;
    private readonly FakeEngine _engine = new("blender", Initial());
    private readonly IntentPipeline _pipeline;

    public RetryTests()
    {
        _wal = WriteAheadLog.Open(_dir);
        _pipeline = IntentPipeline.StartAsync(_wal, Initial(), new IEnginePort[] { _engine }, new PipelineOptions
        {
            RetryDelays = new[] { TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(80) },
            BusyBackoff = TimeSpan.FromMilliseconds(50),
            BusyRetries = 2,
        }.WithoutWindows()).GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _wal.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task transient_errors_are_retried_after_the_configured_pauses()
    {
        _engine.TransientFailures = 2;
        var clock = Stopwatch.StartNew();
        var outcome = await _pipeline.SubmitAsync(Move(1), Human);
        Assert.Equal(IntentPhase.Final, outcome.Phase);
        Assert.True(clock.ElapsedMilliseconds >= 55, $"retried after {clock.ElapsedMilliseconds} ms; the pauses add up to 60");
        Assert.Equal(1, _engine.Applies);
    }

    [Fact]
    public async Task a_transient_error_that_outlasts_three_retries_is_a_fault()
    {
        _engine.TransientFailures = 4;
        var outcome = await _pipeline.SubmitAsync(Move(1), Human);
        Assert.Equal(IntentPhase.RolledBack, outcome.Phase);
        Assert.Contains("after 3 retries", outcome.Reason);
        Assert.Equal(0, _pipeline.Reality.Objects[Cube].Translation.X);
    }

    [Fact]
    public async Task a_busy_engine_is_asked_again_after_the_backoff_and_then_gives_up()
    {
        _engine.BusyFor = 1;
        var clock = Stopwatch.StartNew();
        Assert.Equal(IntentPhase.Final, (await _pipeline.SubmitAsync(Move(1), Human)).Phase);
        Assert.True(clock.ElapsedMilliseconds >= 45);
        _engine.BusyFor = 3;
        var outcome = await _pipeline.SubmitAsync(Move(2), Human);
        Assert.Equal(IntentPhase.RolledBack, outcome.Phase);
        Assert.Contains("still busy", outcome.Reason);
    }
}
