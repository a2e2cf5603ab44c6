using VibeSync.Wal;
using VibeSync.Wal.Entries;
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
    public async Task a_mismatch_answered_after_the_next_intent_was_admitted_rolls_it_back_with_the_intent_it_built_on()
    {
        Unity.Tamper = 0.5;
        var bad = Pipeline.Submit(Move(1, Cube), Human);
        await bad.Provisional.WaitAsync(Patience);
        Unity.Tamper = 0;
        var gate = await CloseWithUnitySlowToAnswer();

        var onTop = Pipeline.Submit(Move(2, Cube), Human);
        var elsewhere = Pipeline.Submit(Move(3, Root), Human);
        await Task.WhenAll(onTop.Provisional, elsewhere.Provisional).WaitAsync(Patience);
        gate.SetResult();

        var badOutcome = await bad.Settled.WaitAsync(Patience);
        Assert.Equal(IntentPhase.RolledBack, badOutcome.Phase);
        Assert.Contains("HASH_MISMATCH in unity", badOutcome.Reason);
        var onTopOutcome = await onTop.Settled.WaitAsync(Patience);
        Assert.Equal(IntentPhase.RolledBack, onTopOutcome.Phase);
        Assert.Contains($"rolled back with intent {badOutcome.IntentId}", onTopOutcome.Reason);
        Assert.Equal((0.0, 0.0), (Blender.State.Objects[Cube].Translation.X, Unity.State.Objects[Cube].Translation.X)); // restored past both
        Assert.Equal(0, Pipeline.Reality.Objects[Cube].Translation.X);

        Assert.False(elsewhere.Settled.IsCompleted); // not connected: it stays in its batch
        await Elapse(250);
        Assert.Equal(IntentPhase.Final, (await elsewhere.Settled.WaitAsync(Patience)).Phase);
        Assert.Equal(3, Pipeline.Reality.Objects[Root].Translation.X);
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
