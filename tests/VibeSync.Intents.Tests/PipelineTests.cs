using VibeSync.Intents.Pipeline;
using VibeSync.Protocol.Hashing;
using VibeSync.Wal;
using VibeSync.Wal.Entries;
using VibeSync.Protocol.Intents;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

public sealed class PipelineTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vibesync-pipeline-" + Guid.NewGuid().ToString("N"));
    private readonly WriteAheadLog _wal;
    private readonly FakeEngine _blender = new("blender", Initial());
    private readonly FakeEngine _unity = new("unity", Initial());
    private readonly IntentPipeline _pipeline;

    public PipelineTests()
    {
        _wal = WriteAheadLog.Open(_dir);
        _pipeline = IntentPipeline.StartAsync(_wal, Initial(), new IEnginePort[] { _blender, _unity },
            // Long enough that a loaded CI machine never times out the apply a test holds at a gate
            // (300 ms did: a human's edit that should abort the held AI apply found it already an
            // ENGINE_FAULT); the one hang test waits it out.
            new PipelineOptions { EngineTimeout = TimeSpan.FromSeconds(2) }.WithoutWindows()).GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _wal.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private List<IntentPhase> Phases(ulong id) =>
        WriteAheadLog.ReadAll(_dir, out _).Where(r => r.Entry.IntentId == id).Select(r => r.Entry.Phase).ToList();

    [Fact]
    public async Task an_admitted_intent_lands_in_both_engines_verified_and_final()
    {
        var outcome = await _pipeline.SubmitAsync(Move(1.5), Ai);
        Assert.Equal(IntentPhase.Final, outcome.Phase);
        Assert.Equal(new[] { IntentPhase.Provisional, IntentPhase.Final }, Phases(outcome.IntentId));
        Assert.Equal(1.5, _pipeline.Reality.Objects[Cube].Translation.X);
        Assert.Equal(1.5, _blender.State.Objects[Cube].Translation.X);
        Assert.Equal(1.5, _unity.State.Objects[Cube].Translation.X);
        Assert.Equal(1, _blender.Finalized);
    }

    [Fact]
    public async Task a_structural_ai_intent_waits_for_a_human_and_an_ai_cannot_approve_it()
    {
        var outcome = await _pipeline.SubmitAsync(Reparent(Cube, Root), Ai);
        Assert.Equal(IntentPhase.Pending, outcome.Phase);
        Assert.Equal(0, _blender.Applies);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => _pipeline.ApproveAsync(outcome.IntentId, Ai));
        var approved = await _pipeline.ApproveAsync(outcome.IntentId, Human);
        Assert.Equal(IntentPhase.Final, approved.Phase);
        Assert.Equal(Root, _pipeline.Reality.Objects[Cube].Parent);
        Assert.Equal(new[] { IntentPhase.Pending, IntentPhase.Provisional, IntentPhase.Final }, Phases(outcome.IntentId));
    }

    [Fact]
    public async Task an_ai_intent_waits_for_a_human_lock_and_runs_when_it_is_released()
    {
        await _pipeline.AcquireLockAsync(Cube, Human);
        var waiting = await _pipeline.SubmitAsync(Move(4), Ai);
        Assert.Equal(IntentPhase.Pending, waiting.Phase);
        Assert.Contains("WAIT_HUMAN_LOCK", waiting.Reason);
        Assert.Equal(0, _blender.Applies);

        var woken = await _pipeline.ReleaseLockAsync(Cube);
        Assert.Equal(IntentPhase.Final, Assert.Single(woken).Phase);
        Assert.Equal(4, _pipeline.Reality.Objects[Cube].Translation.X);
        Assert.Equal(new[] { IntentPhase.Pending, IntentPhase.Provisional, IntentPhase.Final }, Phases(waiting.IntentId));
        Assert.Empty(_pipeline.Pending);
    }

    [Fact]
    public async Task a_structural_ai_intent_freed_from_a_lock_still_waits_for_approval()
    {
        await _pipeline.AcquireLockAsync(Cube, Human);
        var waiting = await _pipeline.SubmitAsync(Reparent(Cube, Root), Ai);
        var woken = await _pipeline.ReleaseLockAsync(Cube);
        Assert.Equal(IntentPhase.Pending, Assert.Single(woken).Phase);
        Assert.Contains("approval", woken[0].Reason);
        Assert.Equal(IntentPhase.Final, (await _pipeline.ApproveAsync(waiting.IntentId, Human)).Phase);
    }

    [Fact]
    public async Task nothing_is_applied_while_panic_holds_except_a_human_emergency_override()
    {
        foreach (var actor in new[] { Ai, Human })
            Assert.Equal(IntentPhase.Pending, (await _pipeline.SubmitAsync(Move(1), actor, panic: true)).Phase);
        Assert.Equal(0, _blender.Applies + _unity.Applies);
        var emergency = new Actor(ActorKind.EmergencyOverride, "lead");
        Assert.Equal(IntentPhase.Final, (await _pipeline.SubmitAsync(Move(1), emergency, panic: true)).Phase);
    }

    [Fact]
    public async Task a_panic_in_one_engine_holds_automation_but_not_the_human_edits_of_the_other_engine()
    {
        await _pipeline.PanicAsync("blender", "BLOCKED_PATTERN", "a contract violation");
        var fromUnity = await _pipeline.SubmitAsync(Move(2), Human, origin: "unity");
        Assert.Equal(IntentPhase.Final, fromUnity.Phase);
        Assert.Equal(2, _pipeline.Reality.Objects[Cube].Translation.X);
        Assert.Equal(IntentPhase.Pending, (await _pipeline.SubmitAsync(Move(3), Human, origin: "blender")).Phase); // the engine in PANIC is held
        Assert.Equal(IntentPhase.Pending, (await _pipeline.SubmitAsync(Move(4), Ai)).Phase); // and so is automation
        Assert.Equal(2, _pipeline.Reality.Objects[Cube].Translation.X);
    }

    [Fact]
    public async Task a_denied_intent_is_refused_and_touches_nothing()
    {
        var outcome = await _pipeline.SubmitAsync(Reparent(Cube, Root), Ai);
        var denied = await _pipeline.DenyAsync(outcome.IntentId, Human);
        Assert.Equal(IntentPhase.Refused, denied.Phase);
        Assert.Equal(0, _blender.Applies + _unity.Applies);
        Assert.Null(_pipeline.Reality.Objects[Cube].Parent);
        Assert.Empty(_pipeline.Pending);
    }

    [Fact]
    public async Task an_invalid_intent_is_journaled_as_refused_with_its_code()
    {
        var outcome = await _pipeline.SubmitAsync(Move(1, uuid: Fresh), Human);
        Assert.Equal(IntentPhase.Refused, outcome.Phase);
        Assert.Equal(IntentErrorCode.UnknownUuid, outcome.Error!.Code);
        var record = WriteAheadLog.ReadAll(_dir, out _).Single(r => r.Entry.IntentId == outcome.IntentId);
        Assert.StartsWith("UNKNOWN_UUID", record.Entry.Rationale);
        Assert.Equal(0, _blender.Applies);
    }

    [Fact]
    public async Task when_one_engine_faults_the_other_is_rolled_back_and_reality_stands()
    {
        _unity.FailApply = true;
        var outcome = await _pipeline.SubmitAsync(Move(2), Human);
        Assert.Equal(IntentPhase.RolledBack, outcome.Phase);
        Assert.Equal(0, _blender.State.Objects[Cube].Translation.X);
        Assert.Equal(1, _blender.Rollbacks);
        Assert.Equal(0, _pipeline.Reality.Objects[Cube].Translation.X);
        var last = WriteAheadLog.ReadAll(_dir, out _).Last();
        Assert.Equal(("HARD", "ENGINE_FAULT"), (last.Entry.Rollback!.Kind, last.Entry.Rollback.Reason));
    }

    [Fact]
    public async Task an_engine_that_lost_an_animation_fails_its_verification_like_any_other_record()
    {
        _unity.ReadDistortion = scene => scene with { Animations = Array.Empty<VibeSync.Protocol.State.Animation>() }; // Unity never holds it
        var outcome = await _pipeline.SubmitAsync(Intent("""{"op": "create_animation", "uuid": "00000000-0000-4000-8000-0000000000a7", "name": "Idle", "frame_rate": 24, "channels": []}"""), Human);
        Assert.Equal(IntentPhase.RolledBack, outcome.Phase);
        Assert.Contains("HASH_MISMATCH in unity", outcome.Reason);
        Assert.Empty(_pipeline.Reality.Animations);
    }

    [Fact]
    public async Task when_an_engine_holds_other_values_the_intent_is_rolled_back_for_hash_mismatch()
    {
        _unity.Tamper = 0.5;
        var outcome = await _pipeline.SubmitAsync(Move(2), Human);
        Assert.Equal(IntentPhase.RolledBack, outcome.Phase);
        Assert.Contains("HASH_MISMATCH in unity", outcome.Reason);
        Assert.Equal(0, _unity.State.Objects[Cube].Translation.X);
        Assert.Equal(0, _blender.State.Objects[Cube].Translation.X);
        var last = WriteAheadLog.ReadAll(_dir, out _).Last().Entry;
        Assert.Equal(("SOFT", "HASH_MISMATCH"), (last.Rollback!.Kind, last.Rollback.Reason));
        Assert.NotEqual(last.Verification!.ExpectedHash, last.Verification.ObservedHash);
    }

    [Fact]
    public async Task a_difference_within_epsilon_is_not_a_mismatch()
    {
        // 0.123453 and 0.123457 are 4e-6 apart yet quantize to 12345 and 12346: the hashes differ,
        // and only the field-wise comparison with ε keeps this from counting as a mismatch.
        const double x = 0.123453;
        Assert.NotEqual(Quantizer.Quantize((float)x), Quantizer.Quantize((float)((float)x + 4e-6)));
        _unity.Tamper = 4e-6;
        var outcome = await _pipeline.SubmitAsync(Move(x), Human);
        Assert.Equal(IntentPhase.Final, outcome.Phase);
        Assert.NotEqual(_blender.State.RecordHashOf(Cube), _unity.State.RecordHashOf(Cube));
    }

    [Fact]
    public async Task a_human_edit_aborts_an_ai_speculation_on_the_same_object_and_becomes_the_truth()
    {
        _blender.Gate = new TaskCompletionSource(); // the AI intent will sit in its provisional apply
        var ai = _pipeline.SubmitAsync(Move(5), Ai);
        await _blender.Entered.Task.WaitAsync(TimeSpan.FromSeconds(5));
        var human = await _pipeline.SubmitAsync(Move(9), Human);

        var aborted = await ai;
        Assert.Equal(IntentPhase.RolledBack, aborted.Phase);
        Assert.StartsWith("HUMAN_EDIT", aborted.Reason);
        Assert.Equal(IntentPhase.Final, human.Phase);
        Assert.Equal(9, _pipeline.Reality.Objects[Cube].Translation.X);
        Assert.Equal(new[] { IntentPhase.Provisional, IntentPhase.RolledBack }, Phases(aborted.IntentId));
        Assert.Equal("HUMAN_EDIT", WriteAheadLog.ReadAll(_dir, out _).Single(r => r.Entry.IntentId == aborted.IntentId && r.Entry.Phase == IntentPhase.RolledBack).Entry.Rollback!.Reason);
    }

    [Fact]
    public async Task a_human_edit_elsewhere_does_not_disturb_an_ai_speculation()
    {
        var gate = new TaskCompletionSource();
        _blender.Gate = gate;
        var ai = _pipeline.SubmitAsync(Move(5), Ai);
        await _blender.Entered.Task.WaitAsync(TimeSpan.FromSeconds(5));
        var human = _pipeline.SubmitAsync(Move(2, uuid: Root), Human); // another object: it waits its turn
        await Task.Delay(100);
        Assert.False(ai.IsCompleted);
        gate.SetResult();
        Assert.Equal(IntentPhase.Final, (await ai).Phase);
        Assert.Equal(IntentPhase.Final, (await human).Phase);
        Assert.Equal(5, _pipeline.Reality.Objects[Cube].Translation.X);
        Assert.Equal(2, _pipeline.Reality.Objects[Root].Translation.X);
    }

    [Fact]
    public async Task an_engine_that_hangs_is_a_fault_after_the_timeout()
    {
        _unity.Hang = true;
        var outcome = await _pipeline.SubmitAsync(Move(3), Human);
        Assert.Equal(IntentPhase.RolledBack, outcome.Phase);
        Assert.Equal(0, _blender.State.Objects[Cube].Translation.X);
    }

    [Fact]
    public async Task after_a_crash_intents_left_provisional_are_rolled_back_on_restart()
    {
        await _wal.AppendAsync(new WalEntry(77, IntentPhase.Provisional, 0, "both", "ai:claude", new Scope(new[] { Cube }, IntentClass.Cosmetic)));
        _wal.Dispose();
        using var reopened = WriteAheadLog.Open(_dir);
        Assert.Equal(new ulong[] { 77 }, reopened.Recovery.ToRollBack);
        var restarted = await IntentPipeline.StartAsync(reopened, Initial(), new IEnginePort[] { _blender });
        Assert.Equal(new[] { IntentPhase.Provisional, IntentPhase.RolledBack }, Phases(77));
        var next = await restarted.SubmitAsync(Move(1), Human);
        Assert.True(next.IntentId > 77, "intent numbering resumes above what the log holds");
    }

    [Fact]
    public async Task reality_is_exactly_the_replay_of_the_final_entries()
    {
        var r = new Random(11);
        var engines = new[] { _blender, _unity };
        for (int i = 0; i < 40; i++)
        {
            engines[r.Next(2)].Tamper = r.Next(5) == 0 ? 1 : 0;
            engines[r.Next(2)].FailApply = r.Next(6) == 0;
            var request = r.Next(3) switch
            {
                0 => Move(Math.Round(r.NextDouble() * 10, 3), new[] { Cube, Root, Child }[r.Next(3)]),
                1 => OperationReader.Read($"{{\"operations\": [{{\"op\": \"set_parent\", \"uuid\": \"{new[] { Cube, Root, Child }[r.Next(3)]}\", \"parent\": \"{new[] { Grandchild, Root, Cube }[r.Next(3)]}\"}}]}}"),
                _ => OperationReader.Read($"{{\"operations\": [{{\"op\": \"set_visibility\", \"uuid\": \"{Cube}\", \"visible\": {(r.Next(2) == 0 ? "true" : "false")}}}]}}"),
            };
            await _pipeline.SubmitAsync(request, Human);
            foreach (var e in engines) { e.Tamper = 0; e.FailApply = false; }
        }
        var replay = Initial();
        foreach (var record in WriteAheadLog.ReadAll(_dir, out _).Where(x => x.Entry.Phase == IntentPhase.Final))
            replay = IntentValidator.Apply(replay, OperationReader.Read(record.Entry.OperationJson!), Human);
        Assert.Equal(Hex.Encode(SceneHasher.Hash(replay.ToScene()).Root), Hex.Encode(SceneHasher.Hash(_pipeline.Reality.ToScene()).Root));
        var phases = WriteAheadLog.ReadAll(_dir, out _).GroupBy(x => x.Entry.IntentId).Select(g => g.Last().Entry.Phase);
        Assert.DoesNotContain(IntentPhase.Provisional, phases);
    }
}
