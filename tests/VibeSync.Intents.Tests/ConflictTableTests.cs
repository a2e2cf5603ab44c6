using VibeSync.Intents.Batching;
using VibeSync.Wal;
using VibeSync.Protocol.Intents;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

/// <summary>One test per row of DESIGN §4's conflict table, through the pipeline, plus the pure decision.</summary>
public sealed class ConflictTableTests : ClockedPipeline
{
    private static readonly Actor Emergency = new(ActorKind.EmergencyOverride, "lead");

    [Fact]
    public async Task structural_vs_cosmetic_the_structural_wins_and_the_cosmetic_is_rolled_back()
    {
        var cosmetic = Pipeline.Submit(Move(5), Human);
        await cosmetic.Provisional.WaitAsync(Patience);
        var structural = Pipeline.Submit(Reparent(Cube, Root), Human);
        var lost = await cosmetic.Settled.WaitAsync(Patience);
        Assert.Equal(IntentPhase.RolledBack, lost.Phase);
        await Elapse(50);
        var won = await structural.Settled.WaitAsync(Patience);
        Assert.Equal(IntentPhase.Final, won.Phase);

        var entry = Last(lost.IntentId);
        Assert.Equal("CONFLICT", entry.Rollback!.Reason);
        Assert.Contains($"structural intent {won.IntentId} wins", entry.Rationale);
        Assert.Equal((0.0, Root), (Unity.State.Objects[Cube].Translation.X, Unity.State.Objects[Cube].Parent));
        Assert.Equal((0.0, Root), (Pipeline.Reality.Objects[Cube].Translation.X, Pipeline.Reality.Objects[Cube].Parent));
    }

    [Fact]
    public async Task a_cosmetic_edit_after_a_structural_one_in_the_batch_yields_and_is_never_applied()
    {
        var structural = Pipeline.Submit(Reparent(Cube, Root), Human);
        await structural.Provisional.WaitAsync(Patience);
        int applies = Unity.Applies;
        var lost = await Pipeline.Submit(Move(5), Human).Settled.WaitAsync(Patience);
        Assert.Equal(IntentPhase.RolledBack, lost.Phase);
        Assert.Contains($"intent {(await structural.Provisional).IntentId}", Last(lost.IntentId).Rationale);
        Assert.Equal(applies, Unity.Applies);
        Assert.Equal(new[] { IntentPhase.RolledBack }, WriteAheadLog.ReadAll(Dir, out _).Where(r => r.Entry.IntentId == lost.IntentId).Select(r => r.Entry.Phase));
    }

    [Fact]
    public async Task structural_vs_structural_is_quarantined_and_automation_waits_for_a_human()
    {
        var first = Pipeline.Submit(Reparent(Cube, Root), Human);
        await first.Provisional.WaitAsync(Patience);
        var second = await Pipeline.Submit(Reparent(Cube, Child), Human).Settled.WaitAsync(Patience);
        Assert.Equal(IntentPhase.Quarantined, second.Phase);
        Assert.Equal(IntentPhase.Quarantined, Last(second.IntentId).Phase);
        Assert.Contains("QUARANTINED", Pipeline.SafeModeReason);

        await Elapse(50);
        Assert.Equal(IntentPhase.Final, (await first.Settled).Phase); // the first stands
        Assert.Equal(IntentPhase.Pending, (await Pipeline.Submit(Move(1, Root), Ai).Settled.WaitAsync(Patience)).Phase);
        await Pipeline.ResumeAsync(Human);
        Assert.Null(Pipeline.SafeModeReason);
    }

    [Fact]
    public async Task destructive_vs_anything_in_the_batch_is_quarantined()
    {
        var move = Pipeline.Submit(Move(3, Grandchild), Human);
        await move.Provisional.WaitAsync(Patience);
        var delete = await Pipeline.Submit(Delete(Grandchild), Human).Settled.WaitAsync(Patience);
        Assert.Equal(IntentPhase.Quarantined, delete.Phase);
        Assert.Contains("destructive vs cosmetic", delete.Reason);
        Assert.True(Unity.State.Objects.ContainsKey(Grandchild));
    }

    [Fact]
    public async Task human_vs_ai_the_ai_intent_waits_for_the_humans_edit_then_runs()
    {
        var human = Pipeline.Submit(Move(4), Human);
        await human.Provisional.WaitAsync(Patience);
        var ai = await Pipeline.Submit(Move(9, rationale: "align"), Ai).Settled.WaitAsync(Patience);
        Assert.Equal(IntentPhase.Pending, ai.Phase);
        Assert.Contains("WAIT_HUMAN_LOCK", ai.Reason);

        await Elapse(250); // the human's edit is final; the AI intent is decided again and joins a new batch
        Assert.Equal(IntentPhase.Final, (await human.Settled).Phase);
        Assert.Equal(IntentPhase.Provisional, Last(ai.IntentId).Phase);
        await Elapse(250);
        Assert.Equal(IntentPhase.Final, Last(ai.IntentId).Phase);
        Assert.Equal(9, Pipeline.Reality.Objects[Cube].Translation.X);
    }

    [Fact]
    public async Task a_human_edit_rolls_back_an_ai_speculation_already_in_the_batch()
    {
        var ai = Pipeline.Submit(Move(9, rationale: "align"), Ai);
        await ai.Provisional.WaitAsync(Patience);
        var human = Pipeline.Submit(Move(4), Human);
        var aborted = await ai.Settled.WaitAsync(Patience);
        Assert.Equal(IntentPhase.RolledBack, aborted.Phase);
        Assert.Equal("HUMAN_EDIT", Last(aborted.IntentId).Rollback!.Reason);
        await Elapse(250);
        Assert.Equal(IntentPhase.Final, (await human.Settled.WaitAsync(Patience)).Phase);
        Assert.Equal(4, Pipeline.Reality.Objects[Cube].Translation.X);
        Assert.Equal(4, Unity.State.Objects[Cube].Translation.X);
    }

    [Fact]
    public async Task panic_rolls_back_the_open_batch_and_halts_until_an_emergency_unlock_which_is_journaled()
    {
        var open = Pipeline.Submit(Move(2), Human);
        await open.Provisional.WaitAsync(Patience);
        await Pipeline.PanicAsync("unity", "identity mismatch: two objects claim one uuid");
        Assert.Equal(IntentPhase.RolledBack, (await open.Settled.WaitAsync(Patience)).Phase);
        int applies = Blender.Applies + Unity.Applies;

        var held = await Pipeline.Submit(Move(3), Human).Settled.WaitAsync(Patience);
        Assert.Equal(IntentPhase.Pending, held.Phase);
        Assert.Equal(applies, Blender.Applies + Unity.Applies); // nothing applied while PANIC holds
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Pipeline.EmergencyUnlockAsync(Human));

        await Pipeline.EmergencyUnlockAsync(Emergency);
        Assert.Empty(Pipeline.Panics);
        var unlock = WriteAheadLog.ReadAll(Dir, out _).Select(r => r.Entry).Single(e => e.Rationale?.StartsWith("EMERGENCY_UNLOCK") == true);
        Assert.Equal("emergency:lead", unlock.Actor);
        Assert.Contains("unity", unlock.Rationale);
        await Elapse(250);
        Assert.Equal(IntentPhase.Final, Last(held.IntentId).Phase); // what waited runs now
    }

    [Fact]
    public void the_table_decides_each_row_on_its_own()
    {
        static Contender C(ulong id, Actor a, IntentClass c, IntentRequest r) => new(id, a, c, r.Operations);
        var cosmetic = C(1, Human, IntentClass.Cosmetic, Move(1));
        Assert.Equal(ConflictRule.None, ConflictPolicy.Decide(cosmetic, Array.Empty<Contender>()).Rule);
        Assert.Equal(ConflictRule.CosmeticMerge, ConflictPolicy.Decide(C(2, Human, IntentClass.Cosmetic, Move(2)), new[] { cosmetic }).Rule);
        Assert.Single(ConflictPolicy.Decide(C(2, Human, IntentClass.Cosmetic, Move(2)), new[] { cosmetic }).Losers);
        Assert.Empty(ConflictPolicy.Decide(C(2, Human, IntentClass.Cosmetic, Hide()), new[] { cosmetic }).Losers);
        Assert.Equal(ConflictRule.StructuralOverridesCosmetic, ConflictPolicy.Decide(C(2, Human, IntentClass.Structural, Reparent(Cube, Root)), new[] { cosmetic }).Rule);
        var structural = C(3, Human, IntentClass.Structural, Reparent(Cube, Root));
        Assert.Equal(ConflictRule.CosmeticYieldsToStructural, ConflictPolicy.Decide(C(4, Human, IntentClass.Cosmetic, Move(1)), new[] { structural }).Rule);
        Assert.Equal(ConflictRule.Quarantine, ConflictPolicy.Decide(C(4, Human, IntentClass.Structural, Reparent(Cube, Child)), new[] { structural }).Rule);
        Assert.Equal(ConflictRule.Quarantine, ConflictPolicy.Decide(C(4, Human, IntentClass.Destructive, Delete(Cube)), new[] { cosmetic }).Rule);
        Assert.Equal(ConflictRule.Quarantine, ConflictPolicy.Decide(C(4, Human, IntentClass.Cosmetic, Move(1)), new[] { C(3, Human, IntentClass.Destructive, Delete(Cube)) }).Rule);
        Assert.Equal(ConflictRule.WaitForHuman, ConflictPolicy.Decide(C(4, Ai, IntentClass.Cosmetic, Move(1)), new[] { cosmetic }).Rule);
        Assert.Equal(ConflictRule.HumanOverridesSpeculation, ConflictPolicy.Decide(C(4, Human, IntentClass.Cosmetic, Move(1)), new[] { C(3, Ai, IntentClass.Structural, Reparent(Cube, Root)) }).Rule);
    }
}
