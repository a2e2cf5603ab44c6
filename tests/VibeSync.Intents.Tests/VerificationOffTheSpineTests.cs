using VibeSync.Wal;
using VibeSync.Protocol.Intents;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

/// <summary>
/// A batch whose window ended waits for its engines' answers off the spine: the next intents are
/// admitted and applied meanwhile, and the batch is settled when the answers arrive (issue #20).
/// </summary>
public sealed class VerificationOffTheSpineTests : ClockedPipeline
{
    /// <summary>Ends the first batch's window by the clock alone (the spine's own timer) and waits until Unity is asked to read it.</summary>
    private async Task<TaskCompletionSource> CloseWithUnitySlowToAnswer()
    {
        var gate = Unity.ReadGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Clock.Advance(TimeSpan.FromMilliseconds(250));
        await Unity.ReadEntered.Task.WaitAsync(Patience);
        return gate;
    }

    [Fact]
    public async Task an_intent_submitted_while_a_batch_waits_for_its_reads_is_applied_at_once_and_finalized_after_it()
    {
        var first = Pipeline.Submit(Move(1), Human);
        await first.Provisional.WaitAsync(Patience);
        var gate = await CloseWithUnitySlowToAnswer();

        var second = Pipeline.Submit(Move(2), Human);
        Assert.Equal(IntentPhase.Provisional, (await second.Provisional.WaitAsync(Patience)).Phase); // not held by the verification
        Assert.Equal((2.0, 2.0), (Blender.State.Objects[Cube].Translation.X, Unity.State.Objects[Cube].Translation.X));
        Assert.False(first.Settled.IsCompleted);
        Assert.Equal(0, Pipeline.Reality.Objects[Cube].Translation.X);

        gate.SetResult();
        Assert.Equal(IntentPhase.Final, (await first.Settled.WaitAsync(Patience)).Phase);
        Assert.Equal(1, Pipeline.Reality.Objects[Cube].Translation.X); // Reality is what the verified batch made, not the next one
        Assert.False(second.Settled.IsCompleted); // its own window has not ended

        await Elapse(250);
        Assert.Equal(IntentPhase.Final, (await second.Settled.WaitAsync(Patience)).Phase);
        Assert.Equal(2, Pipeline.Reality.Objects[Cube].Translation.X);
        var log = WriteAheadLog.ReadAll(Dir, out _).Select(r => (r.Entry.IntentId, r.Entry.Phase)).ToList();
        var (a, b) = (first.Settled.Result.IntentId, second.Settled.Result.IntentId);
        Assert.Equal(new[] { (a, IntentPhase.Provisional), (b, IntentPhase.Provisional), (a, IntentPhase.Final), (b, IntentPhase.Final) }, log);
    }

    [Fact]
    public async Task a_difference_answered_off_the_spine_is_judged_on_a_fresh_read_of_both_batches_on_the_spine()
    {
        Unity.Tamper = 0.5; // Unity stores every write of the cube 0.5 off
        var bad = Pipeline.Submit(Move(1, Cube), Human);
        await bad.Provisional.WaitAsync(Patience);
        var gate = await CloseWithUnitySlowToAnswer();
        var onTop = Pipeline.Submit(Move(2, Cube), Human);
        await onTop.Provisional.WaitAsync(Patience);
        Unity.Tamper = 0;
        var elsewhere = Pipeline.Submit(Move(3, Root), Human);
        await elsewhere.Provisional.WaitAsync(Patience);
        gate.SetResult();

        var outcomes = await Task.WhenAll(bad.Settled, onTop.Settled, elsewhere.Settled).WaitAsync(Patience);
        Assert.Equal(new[] { IntentPhase.RolledBack, IntentPhase.RolledBack, IntentPhase.Final }, outcomes.Select(o => o.Phase));
        Assert.All(outcomes[..2], o => Assert.Contains("HASH_MISMATCH in unity", o.Reason));
        Assert.Equal(3, Unity.Reads); // the answer that differed, the fresh read on the spine, the read of the DIRTY objects
        Assert.Equal((0.0, 0.0), (Blender.State.Objects[Cube].Translation.X, Unity.State.Objects[Cube].Translation.X)); // restored past both
        Assert.Equal((0.0, 3.0), (Pipeline.Reality.Objects[Cube].Translation.X, Pipeline.Reality.Objects[Root].Translation.X));
    }

    [Fact]
    public async Task a_difference_a_later_intent_overwrote_before_the_fresh_read_rolls_nothing_back()
    {
        Unity.Tamper = 0.5;
        var first = Pipeline.Submit(Move(1, Cube), Human);
        await first.Provisional.WaitAsync(Patience);
        Unity.Tamper = 0;
        var gate = await CloseWithUnitySlowToAnswer();
        var second = Pipeline.Submit(Move(2, Cube), Human);
        await second.Provisional.WaitAsync(Patience);
        gate.SetResult();

        var outcomes = await Task.WhenAll(first.Settled, second.Settled).WaitAsync(Patience);
        Assert.All(outcomes, o => Assert.Equal(IntentPhase.Final, o.Phase)); // Unity holds Reality when it is read again
        Assert.Equal(2, Pipeline.Reality.Objects[Cube].Translation.X);
        Assert.Empty(Pipeline.Dirty);
    }

    [Fact]
    public async Task a_flush_waits_for_the_batch_in_verification_and_settles_both_in_order()
    {
        var first = Pipeline.Submit(Move(1), Human);
        await first.Provisional.WaitAsync(Patience);
        var gate = await CloseWithUnitySlowToAnswer();
        var second = Pipeline.Submit(Move(2, Root), Human);
        await second.Provisional.WaitAsync(Patience);

        var flushed = Pipeline.FlushAsync();
        await Task.Delay(50);
        Assert.False(flushed.IsCompleted); // it cannot settle what has not answered
        gate.SetResult();
        await flushed.WaitAsync(Patience);

        Assert.Equal((IntentPhase.Final, IntentPhase.Final), (first.Settled.Result.Phase, second.Settled.Result.Phase));
        var finals = WriteAheadLog.ReadAll(Dir, out _).Where(r => r.Entry.Phase == IntentPhase.Final).Select(r => r.Entry.IntentId).ToList();
        Assert.Equal(new[] { first.Settled.Result.IntentId, second.Settled.Result.IntentId }, finals);
        Assert.Equal((1.0, 2.0), (Pipeline.Reality.Objects[Cube].Translation.X, Pipeline.Reality.Objects[Root].Translation.X));
    }
}
