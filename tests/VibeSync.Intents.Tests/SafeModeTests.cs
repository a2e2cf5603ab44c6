using System.Text.Json;
using VibeSync.Intents.Pipeline;
using VibeSync.Wal;
using VibeSync.Protocol.Intents;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

public sealed class SafeModeTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vibesync-safemode-" + Guid.NewGuid().ToString("N"));
    private readonly WriteAheadLog _wal;
    private readonly FakeEngine _engine = new("unity", Initial());
    private readonly StringWriter _log = new();
    private readonly IntentPipeline _pipeline;

    public SafeModeTests()
    {
        _wal = WriteAheadLog.Open(_dir);
        _pipeline = IntentPipeline.StartAsync(_wal, Initial(), new IEnginePort[] { _engine },
            new PipelineOptions { UuidFailureThreshold = 3, Log = new PipelineLog(_log) }.WithoutWindows()).GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _wal.Dispose(); // idempotent: a test that restarts has closed it already
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task repeated_rollbacks_of_one_object_pause_automation_until_a_human_resumes()
    {
        _engine.Tamper = 1;
        for (int i = 0; i < 2; i++) Assert.Equal(IntentPhase.RolledBack, (await _pipeline.SubmitAsync(Move(i + 1), Ai)).Phase);
        Assert.Null(_pipeline.SafeModeReason);
        Assert.Equal(IntentPhase.RolledBack, (await _pipeline.SubmitAsync(Move(3), Ai)).Phase);
        Assert.Contains(Cube, _pipeline.SafeModeReason);
        _engine.Tamper = 0;

        var held = await _pipeline.SubmitAsync(Move(4), Ai);
        Assert.Equal(IntentPhase.Pending, held.Phase);
        Assert.Contains("safe mode", held.Reason);
        Assert.Equal(IntentPhase.Final, (await _pipeline.SubmitAsync(Move(5), Human)).Phase); // a human still edits

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => _pipeline.ResumeAsync(Ai));
        await _pipeline.ResumeAsync(Human);
        Assert.Null(_pipeline.SafeModeReason);
        Assert.Equal(IntentPhase.Final, (await _pipeline.SubmitAsync(Move(6), Ai)).Phase);
        Assert.Equal(IntentPhase.Final, (await _pipeline.ApproveAsync(held.IntentId, Human)).Phase);
    }

    [Fact]
    public async Task prior_failures_in_the_log_put_automation_in_safe_mode_after_a_restart_until_an_emergency_unlock()
    {
        _engine.Tamper = 1;
        for (int i = 0; i < 3; i++) Assert.Equal(IntentPhase.RolledBack, (await _pipeline.SubmitAsync(Move(i + 1), Ai)).Phase);
        await _pipeline.DisposeAsync();
        _wal.Dispose();
        _engine.Tamper = 0;

        // A restart forgets nothing the log says: the object that kept failing still halts automation.
        using (var wal = WriteAheadLog.Open(_dir))
        {
            var again = await IntentPipeline.StartAsync(wal, Initial(), new IEnginePort[] { _engine }, new PipelineOptions { UuidFailureThreshold = 3 }.WithoutWindows());
            Assert.Contains("prior failures in the log", again.SafeModeReason);
            Assert.Equal(IntentPhase.Pending, (await again.SubmitAsync(Move(9), Ai)).Phase);
            await again.EmergencyUnlockAsync(new Actor(ActorKind.EmergencyOverride, "lead"));
            await again.DisposeAsync();
        }
        // After a human's emergency unlock, the earlier failures no longer count.
        using (var wal = WriteAheadLog.Open(_dir))
        {
            var third = await IntentPipeline.StartAsync(wal, Initial(), new IEnginePort[] { _engine }, new PipelineOptions { UuidFailureThreshold = 3 }.WithoutWindows());
            Assert.Null(third.SafeModeReason);
            await third.DisposeAsync();
        }
    }

    [Fact]
    public async Task every_step_leaves_one_structured_log_line()
    {
        var final = await _pipeline.SubmitAsync(Move(1), Ai);
        var refused = await _pipeline.SubmitAsync(OperationReader.Read($"{{\"operations\": [{{\"op\": \"rename\", \"uuid\": \"{Fresh}\", \"name\": \"x\"}}]}}"), Human);
        var lines = _log.ToString().TrimEnd('\n').Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(new[] { "PROVISIONAL", "FINAL", "REFUSED" }, lines.Select(l => l.GetProperty("phase").GetString()));
        Assert.All(lines, l =>
        {
            Assert.True(l.GetProperty("timestamp").GetInt64() > 0);
            Assert.Equal(Environment.ProcessId, l.GetProperty("process_id").GetInt32());
        });
        Assert.Equal(final.IntentId, lines[1].GetProperty("intent_id").GetUInt64());
        Assert.Equal("set_transform", lines[1].GetProperty("operations")[0].GetString());
        Assert.Equal(Cube, lines[1].GetProperty("uuids")[0].GetString());
        Assert.Equal(JsonValueKind.Null, lines[1].GetProperty("error_code").ValueKind);
        Assert.Equal(refused.IntentId, lines[2].GetProperty("intent_id").GetUInt64());
        Assert.Equal("UNKNOWN_UUID", lines[2].GetProperty("error_code").GetString());
    }
}
