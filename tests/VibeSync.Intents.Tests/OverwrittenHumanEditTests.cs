using VibeSync.Intents.Pipeline;
using VibeSync.Protocol.Intents;
using VibeSync.Protocol.State;
using VibeSync.Wal;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

/// <summary>
/// A human moves an object in an engine just before another's APPLY of it reaches that engine. The
/// adapter reports the human's move first (EDIT before APPLIED), then applies over it: the pipeline
/// hears of the human's edit while that APPLY is still unanswered. The human's edit is admitted as the
/// newer intent, ends FINAL, and every engine converges on the human's value; nothing is judged a
/// HASH_MISMATCH and no engine leaves parity.
/// </summary>
public sealed class OverwrittenHumanEditTests : ClockedPipeline
{
    private static readonly Actor UnityHuman = new(ActorKind.Human, "unity");
    private readonly List<string> _lost = new();

    private protected override PipelineOptions Options => new() { OnParityLost = (engine, why) => { lock (_lost) _lost.Add($"{engine}: {why}"); } };

    private static Func<RealityScene, RealityScene> MoveCubeTo(double x) =>
        s => s with { Objects = s.Objects.SetItem(Cube, s.Objects[Cube] with { Translation = new Vector3d(x, 0, 0) }) };

    private IntentTicket? _human;

    private void BlendersHumanMovesTheCubeBeforeTheNextApply(double x) =>
        Blender.HumanBeforeNextApply = (MoveCubeTo(x), () => _human = Pipeline.Submit(Move(x), Human, origin: "blender"));

    private async Task EveryEngineEndsAtTheHumansValue(double x)
    {
        Assert.NotNull(_human);
        await _human!.Provisional.WaitAsync(Patience);
        for (int i = 0; i < 4; i++) await Elapse(300); // batches close; an origin owing a read-back is read once quiet
        Assert.Equal(IntentPhase.Final, (await _human.Settled.WaitAsync(Patience)).Phase);
        Assert.Equal((x, x, x), (Pipeline.Reality.Objects[Cube].Translation.X, Blender.State.Objects[Cube].Translation.X, Unity.State.Objects[Cube].Translation.X));
        Assert.DoesNotContain(WriteAheadLog.ReadAll(Dir, out _), r => r.Entry.Rollback?.Reason == RollbackReasons.HashMismatch);
        Assert.Empty(_lost);
        Assert.Empty(Pipeline.Dirty);
    }

    [Fact]
    public async Task an_ai_intent_applied_over_a_humans_unreported_move_yields_to_it_in_every_engine()
    {
        BlendersHumanMovesTheCubeBeforeTheNextApply(5);
        var agent = Pipeline.Submit(Move(1), Ai);
        var outcome = await agent.Settled.WaitAsync(Patience);
        Assert.Equal(IntentPhase.RolledBack, outcome.Phase); // the human outranks the agent
        Assert.StartsWith(RollbackReasons.HumanEdit, outcome.Reason);
        await EveryEngineEndsAtTheHumansValue(5);
    }

    [Fact]
    public async Task another_humans_edit_applied_over_a_humans_unreported_move_is_overtaken_by_it()
    {
        Unity.Edit(MoveCubeTo(7));
        BlendersHumanMovesTheCubeBeforeTheNextApply(3);
        var first = Pipeline.Submit(Move(7), UnityHuman, origin: "unity");
        Assert.Equal(IntentPhase.Final, (await WhileTimePassesAsync(first.Settled)).Phase);
        await EveryEngineEndsAtTheHumansValue(3);
    }

    [Fact]
    public async Task another_humans_edit_verified_alone_before_the_overwritten_move_is_admitted_is_still_overtaken_by_it()
    {
        Unity.Edit(MoveCubeTo(7));
        var gate = Blender.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        BlendersHumanMovesTheCubeBeforeTheNextApply(3);
        var first = Pipeline.Submit(Move(7), UnityHuman, origin: "unity");
        await Blender.Entered.Task.WaitAsync(Patience); // the human's move is reported; Blender's answer to the APPLY is still to come
        Clock.Advance(TimeSpan.FromMilliseconds(300));  // meanwhile the first edit's window ends: it is verified in a batch of its own
        gate.SetResult();
        Assert.Equal(IntentPhase.Final, (await first.Settled.WaitAsync(Patience)).Phase);
        await EveryEngineEndsAtTheHumansValue(3);
    }

    [Fact]
    public async Task a_rollback_of_the_ai_intent_a_humans_reported_move_overrode_is_followed_by_that_move_in_the_humans_engine()
    {
        var agent = Pipeline.Submit(Move(1), Ai);
        await agent.Provisional.WaitAsync(Patience); // applied in both engines
        Blender.Edit(MoveCubeTo(5));                  // then Blender's human moves the cube, and the adapter reports it
        _human = Pipeline.Submit(Move(5), Human, origin: "blender");
        var outcome = await agent.Settled.WaitAsync(Patience);
        Assert.Equal(IntentPhase.RolledBack, outcome.Phase); // the speculation yields, and its ROLLBACK restores, in Blender too, what it overwrote
        Assert.StartsWith(RollbackReasons.HumanEdit, outcome.Reason);
        await EveryEngineEndsAtTheHumansValue(5);      // before: Blender held the old value until two read-backs lost its parity
    }
}
