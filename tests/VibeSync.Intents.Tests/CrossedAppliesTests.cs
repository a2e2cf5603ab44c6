using VibeSync.Intents.Pipeline;
using VibeSync.Wal;
using VibeSync.Protocol.Intents;
using VibeSync.Protocol.State;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

/// <summary>
/// Two humans move the same object in two engines at once (issue #22: two Blenders, or a Blender
/// and a Unity). The first edit's APPLY crosses the second edit on the second engine's link: that
/// engine makes its human's move, then applies the older intent over it. The conflict table orders
/// the second edit last, so it wins; the engine that applied the older intent last is brought back
/// to Reality. Before: both intents were rolled back (HASH_MISMATCH), losing both humans' edits.
/// </summary>
public sealed class CrossedAppliesTests : ClockedPipeline
{
    private static readonly Actor UnityHuman = new(ActorKind.Human, "unity");
    private Action? _afterFinal;

    private protected override PipelineOptions Options => new() { AfterFinal = (_, _) => { var then = _afterFinal; _afterFinal = null; then?.Invoke(); } };

    private static Func<RealityScene, RealityScene> MoveCubeTo(double x) =>
        s => s with { Objects = s.Objects.SetItem(Cube, s.Objects[Cube] with { Translation = new Vector3d(x, 0, 0) }) };

    [Fact]
    public async Task when_an_older_apply_crosses_a_humans_newer_edit_the_newer_edit_wins_everywhere()
    {
        Unity.Edit(MoveCubeTo(7));   // Unity's human moves the cube; the report is still on its way
        Blender.Edit(MoveCubeTo(3)); // Blender's human moves it too, and that report arrives first
        var first = Pipeline.Submit(Move(3), Human, origin: "blender");
        await first.Provisional.WaitAsync(Patience); // applied in Unity over its human's 7
        Assert.Equal(3.0, Unity.State.Objects[Cube].Translation.X);
        var second = Pipeline.Submit(Move(7), UnityHuman, origin: "unity");
        await second.Provisional.WaitAsync(Patience);
        await Elapse(250);

        Assert.Equal(IntentPhase.Final, (await first.Settled.WaitAsync(Patience)).Phase);
        Assert.Equal(IntentPhase.Final, (await second.Settled.WaitAsync(Patience)).Phase);
        Assert.Equal((7.0, 7.0, 7.0), (Pipeline.Reality.Objects[Cube].Translation.X, Blender.State.Objects[Cube].Translation.X, Unity.State.Objects[Cube].Translation.X));
        Assert.DoesNotContain(WriteAheadLog.ReadAll(Dir, out _), r => r.Entry.Phase == IntentPhase.RolledBack);
        Assert.Empty(Pipeline.Dirty);
    }

    [Fact]
    public async Task an_engine_whose_own_human_wrote_an_object_first_is_still_judged_on_a_later_humans_write_of_it()
    {
        // Unity's human moves the cube, then Blender's human moves it and Unity applies that move
        // wrong. Unity's edit is not the newest write of the cube, so nothing excuses Unity there.
        Unity.Edit(MoveCubeTo(7));
        var human = Pipeline.Submit(Move(7), UnityHuman, origin: "unity");
        await human.Provisional.WaitAsync(Patience);
        Unity.Tamper = 0.5;
        Blender.Edit(MoveCubeTo(2));
        var later = Pipeline.Submit(Move(2), Human, origin: "blender");
        await later.Provisional.WaitAsync(Patience);
        await Elapse(250);
        var outcome = await later.Settled.WaitAsync(Patience);
        Assert.Equal(IntentPhase.RolledBack, outcome.Phase);
        Assert.Contains("HASH_MISMATCH in unity", outcome.Reason);
    }

    [Fact]
    public async Task the_repair_of_a_crossing_leaves_a_move_its_human_made_since_the_read_alone()
    {
        Unity.Edit(MoveCubeTo(7));
        Blender.Edit(MoveCubeTo(3));
        var first = Pipeline.Submit(Move(3), Human, origin: "blender");
        await first.Provisional.WaitAsync(Patience); // applied in Unity over its human's 7: the crossing
        var second = Pipeline.Submit(Move(7), UnityHuman, origin: "unity");
        await second.Provisional.WaitAsync(Patience);
        IntentTicket? third = null;
        // Once the batch is FINAL, before Unity is repaired, Unity's human moves the cube again and reports it.
        _afterFinal = () => { Unity.Edit(MoveCubeTo(11)); third = Pipeline.Submit(Move(11), UnityHuman, origin: "unity"); };
        await Elapse(250);
        Assert.Equal(IntentPhase.Final, (await second.Settled.WaitAsync(Patience)).Phase);
        Assert.Equal(11.0, Unity.State.Objects[Cube].Translation.X); // the repair did not put Reality's 7 over the newer move
        Assert.NotNull(third);
        await third!.Provisional.WaitAsync(Patience);
        await Elapse(250);
        Assert.Equal(IntentPhase.Final, (await third.Settled.WaitAsync(Patience)).Phase);
        Assert.Equal((11.0, 11.0, 11.0), (Pipeline.Reality.Objects[Cube].Translation.X, Blender.State.Objects[Cube].Translation.X, Unity.State.Objects[Cube].Translation.X));
        Assert.DoesNotContain(WriteAheadLog.ReadAll(Dir, out _), r => r.Entry.Phase == IntentPhase.RolledBack);
    }
}
