using VibeSync.Intents.Pipeline;
using VibeSync.Wal;
using VibeSync.Protocol.Intents;
using VibeSync.Protocol.State;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

/// <summary>
/// A verification read that races a human's edit (issue #20 §2): the engine answers after its
/// human moved the object but before it reports the move. That engine is ahead of the batch, not
/// mismatched: the batch is finalized, the human's edit follows it, nothing is rolled back.
/// </summary>
public sealed class ReadRacingAHumanTests : ClockedPipeline
{
    private static RealityScene MoveTo(RealityScene s, string uuid, double x) =>
        s with { Objects = s.Objects.SetItem(uuid, s.Objects[uuid] with { Translation = new Vector3d(x, 0, 0) }) };

    private static Func<RealityScene, RealityScene> MoveCubeTo(double x) => s => MoveTo(s, Cube, x);

    private IntentTicket? _human;

    /// <summary>Blender's human moves the cube to 5 just before Blender answers the next read, and reports it after.</summary>
    private void HumanMovesTheCubeBeforeTheRead() =>
        Blender.HumanBeforeNextRead = (MoveCubeTo(5), () => _human = Pipeline.Submit(Move(5), Human, origin: "blender"));

    private async Task TheAgentsMoveIsFinalAndTheHumansFollows(IntentTicket agent)
    {
        var outcome = await agent.Settled.WaitAsync(Patience);
        Assert.Equal(IntentPhase.Final, outcome.Phase); // before the fix: ROLLED_BACK, HASH_MISMATCH in blender
        Assert.NotNull(_human);
        await _human!.Provisional.WaitAsync(Patience);
        await Elapse(250);
        Assert.Equal(IntentPhase.Final, (await _human.Settled.WaitAsync(Patience)).Phase);
        Assert.Equal((5.0, 5.0, 5.0), (Pipeline.Reality.Objects[Cube].Translation.X, Blender.State.Objects[Cube].Translation.X, Unity.State.Objects[Cube].Translation.X));
        Assert.DoesNotContain(WriteAheadLog.ReadAll(Dir, out _), r => r.Entry.Phase == IntentPhase.RolledBack);
        Assert.Equal(0, Blender.Rollbacks);
        Assert.Empty(Pipeline.Dirty);
    }

    [Fact]
    public async Task a_read_answered_at_once_after_an_unreported_human_edit_rolls_nothing_back()
    {
        var agent = Pipeline.Submit(Move(1), Ai);
        await agent.Provisional.WaitAsync(Patience);
        HumanMovesTheCubeBeforeTheRead();
        await Elapse(250);
        await TheAgentsMoveIsFinalAndTheHumansFollows(agent);
    }

    [Fact]
    public async Task a_read_answered_off_the_spine_after_an_unreported_human_edit_rolls_nothing_back()
    {
        var agent = Pipeline.Submit(Move(1), Ai);
        await agent.Provisional.WaitAsync(Patience);
        HumanMovesTheCubeBeforeTheRead();
        var gate = Blender.ReadGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Clock.Advance(TimeSpan.FromMilliseconds(250));
        await Blender.ReadEntered.Task.WaitAsync(Patience);
        gate.SetResult();
        await TheAgentsMoveIsFinalAndTheHumansFollows(agent);
    }

    [Fact]
    public async Task a_difference_the_engine_never_reports_is_still_rolled_back()
    {
        var agent = Pipeline.Submit(Move(1), Ai);
        await agent.Provisional.WaitAsync(Patience);
        Blender.HumanBeforeNextRead = (MoveCubeTo(5), () => { }); // changed, never reported: a broken engine
        await Elapse(250);
        var outcome = await agent.Settled.WaitAsync(Patience);
        Assert.Equal(IntentPhase.RolledBack, outcome.Phase);
        Assert.Contains("HASH_MISMATCH in blender", outcome.Reason);
    }

    [Fact]
    public async Task an_engine_ahead_on_one_object_is_still_judged_on_the_others()
    {
        var agent = Pipeline.Submit(OperationReader.Read("{\"operations\": [" +
            $"{{\"op\": \"set_transform\", \"uuid\": \"{Cube}\", \"translation\": [1, 0, 0]}}, " +
            $"{{\"op\": \"set_transform\", \"uuid\": \"{Root}\", \"translation\": [1, 0, 0]}}], \"rationale\": \"line them up\"}}"), Ai);
        await agent.Provisional.WaitAsync(Patience);
        // The human moves the cube (reported) and, by a fault, the root changes too (never reported).
        Blender.HumanBeforeNextRead = (s => MoveTo(MoveTo(s, Cube, 5), Root, 9), () => _human = Pipeline.Submit(Move(5), Human, origin: "blender"));
        await Elapse(250);
        var outcome = await agent.Settled.WaitAsync(Patience);
        Assert.Equal(IntentPhase.RolledBack, outcome.Phase);
        Assert.Contains(Root, outcome.Reason);
    }
}
