using VibeSync.Intents.Pipeline;
using VibeSync.Wal;
using VibeSync.Protocol.Intents;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

/// <summary>Batch windows, coalescing and per-class verification, on a fake clock.</summary>
public sealed class BatchTests : ClockedPipeline
{
    private readonly List<(RealityScene Reality, IReadOnlyCollection<string> Footprint)> _snapshots = new();

    private bool FailSnapshot { get; set; }

    private protected override PipelineOptions Options => new()
    {
        SnapshotBeforeDestructive = (reality, footprint) =>
        {
            if (FailSnapshot) throw new IOException("disk full (simulated)");
            _snapshots.Add((reality, footprint));
            return Task.FromResult($"snap-{_snapshots.Count}");
        },
    };

    [Fact]
    public async Task a_cosmetic_intent_is_applied_at_once_and_becomes_final_only_when_its_window_ends()
    {
        var ticket = Pipeline.Submit(Move(3), Human);
        var provisional = await ticket.Provisional.WaitAsync(Patience);
        Assert.Equal(IntentPhase.Provisional, provisional.Phase);
        Assert.Equal(3, Blender.State.Objects[Cube].Translation.X); // propagation is not held by the window
        Assert.Equal(3, Unity.State.Objects[Cube].Translation.X);

        await Elapse(249);
        Assert.False(ticket.Settled.IsCompleted);
        Assert.Equal(0, Pipeline.Reality.Objects[Cube].Translation.X); // only FINAL advances Reality

        await Elapse(1);
        Assert.Equal(IntentPhase.Final, (await ticket.Settled.WaitAsync(Patience)).Phase);
        Assert.Equal(3, Pipeline.Reality.Objects[Cube].Translation.X);
    }

    [Fact]
    public async Task micro_intents_of_one_actor_on_one_object_coalesce_into_one_journaled_intent()
    {
        var tickets = Enumerable.Range(1, 50).Select(i => Pipeline.Submit(Move(i), Human)).ToList();
        var provisional = await Task.WhenAll(tickets.Select(t => t.Provisional)).WaitAsync(Patience);
        Assert.All(provisional, p => Assert.Equal(IntentPhase.Provisional, p.Phase)); // each answered at once
        await Elapse(250);
        var outcomes = await Task.WhenAll(tickets.Select(t => t.Settled)).WaitAsync(Patience);

        Assert.All(outcomes, o => Assert.Equal(IntentPhase.Final, o.Phase));
        Assert.Single(outcomes.Select(o => o.IntentId).Distinct()); // coalesced into one intent
        var log = WriteAheadLog.ReadAll(Dir, out _).Select(r => r.Entry).ToList();
        Assert.Equal(new[] { IntentPhase.Provisional, IntentPhase.Final }, log.Select(e => e.Phase)); // not a storm: two entries
        Assert.Contains("coalesced with 49 micro-intent(s)", log[1].Rationale);
        var folded = OperationReader.Read(log[1].OperationJson!);
        Assert.Equal(50, ((SetTransform)Assert.Single(folded.Operations)).Translation!.Value.X); // the FINAL entry carries the folded edit
        Assert.Equal((1, 1), (Blender.Reads, Unity.Reads)); // one verification for the batch
        Assert.Equal(50, Pipeline.Reality.Objects[Cube].Translation.X);
    }

    [Fact]
    public async Task edits_of_one_property_by_two_actors_keep_the_higher_intent_id_and_journal_the_winner()
    {
        var fromUnity = new Actor(ActorKind.Human, "unity");
        var first = Pipeline.Submit(Move(1), Human);
        await first.Provisional.WaitAsync(Patience);
        var second = Pipeline.Submit(Move(2), fromUnity);
        await second.Provisional.WaitAsync(Patience);
        await Elapse(250);
        var (a, b) = (await first.Settled.WaitAsync(Patience), await second.Settled.WaitAsync(Patience));

        Assert.Equal((IntentPhase.Final, IntentPhase.Final), (a.Phase, b.Phase));
        Assert.True(b.IntentId > a.IntentId);
        Assert.Equal(2, Pipeline.Reality.Objects[Cube].Translation.X);
        var loser = Entries(a.IntentId).Last();
        Assert.Contains($"superseded by intent {b.IntentId}", loser.Rationale);
        Assert.Contains("higher intent_id", loser.Rationale);
        Assert.Equal(loser.Verification!.ExpectedHash, Entries(b.IntentId).Last().Verification!.ExpectedHash); // one hash
    }

    [Fact]
    public async Task cosmetic_edits_of_different_properties_merge_under_one_hash()
    {
        var move = Pipeline.Submit(Move(2), Human);
        var hide = Pipeline.Submit(Hide(), new Actor(ActorKind.Human, "unity")); // another actor: two intents, not one
        Assert.NotEqual((await move.Provisional.WaitAsync(Patience)).IntentId, (await hide.Provisional.WaitAsync(Patience)).IntentId);
        await hide.Provisional.WaitAsync(Patience);
        await Elapse(250);
        var (a, b) = (await move.Settled.WaitAsync(Patience), await hide.Settled.WaitAsync(Patience));
        Assert.Equal((IntentPhase.Final, IntentPhase.Final), (a.Phase, b.Phase));
        Assert.Equal(Entries(a.IntentId).Last().Verification!.ExpectedHash, Entries(b.IntentId).Last().Verification!.ExpectedHash);
        Assert.DoesNotContain("superseded", Entries(a.IntentId).Last().Rationale ?? "");
        Assert.Equal((2.0, false), (Pipeline.Reality.Objects[Cube].Translation.X, Pipeline.Reality.Objects[Cube].Visible));
    }

    [Fact]
    public async Task a_structural_intent_shortens_the_window_and_verifies_within_its_own()
    {
        var cosmetic = Pipeline.Submit(Move(1, Root), Human);
        var structural = Pipeline.Submit(Reparent(Cube, Child), Human);
        await structural.Provisional.WaitAsync(Patience);
        await Elapse(49);
        Assert.False(structural.Settled.IsCompleted);
        await Elapse(1);
        Assert.Equal(IntentPhase.Final, (await structural.Settled.WaitAsync(Patience)).Phase);
        Assert.Equal(IntentPhase.Final, (await cosmetic.Settled.WaitAsync(Patience)).Phase);
    }

    [Fact]
    public async Task a_destructive_intent_has_no_window_and_runs_after_a_snapshot_of_verified_reality()
    {
        var before = Pipeline.Submit(Move(7, Root), Human);
        await before.Provisional.WaitAsync(Patience);
        var delete = await Pipeline.Submit(Delete(Grandchild), Human).Settled.WaitAsync(Patience); // no clock advance needed

        Assert.Equal(IntentPhase.Final, delete.Phase);
        Assert.Equal(IntentPhase.Final, (await before.Settled.WaitAsync(Patience)).Phase); // what came before was verified first
        var (reality, footprint) = Assert.Single(_snapshots);
        Assert.Equal(7, reality.Objects[Root].Translation.X); // the snapshot holds verified Reality
        Assert.Contains(Grandchild, footprint);
        Assert.Equal("snap-1", Entries(delete.IntentId).First(e => e.Phase == IntentPhase.Provisional).Rollback!.SnapshotRef);
        Assert.Contains(Grandchild, Pipeline.Reality.Tombstones);
    }

    [Fact]
    public async Task without_a_snapshot_nothing_is_deleted()
    {
        FailSnapshot = true;
        var outcome = await Pipeline.SubmitAsync(Delete(Grandchild), Human).WaitAsync(Patience);
        Assert.Equal(IntentPhase.Refused, outcome.Phase);
        Assert.StartsWith("SNAPSHOT_FAILED", outcome.Reason);
        Assert.True(Blender.State.Objects.ContainsKey(Grandchild));
        Assert.Equal(0, Blender.Applies);
    }

    [Fact]
    public async Task a_mismatch_rolls_back_only_the_component_that_differs()
    {
        Unity.Tamper = 0.5;
        var bad = Pipeline.Submit(Move(1, Cube), Human);
        await bad.Provisional.WaitAsync(Patience);
        Unity.Tamper = 0;
        var good = Pipeline.Submit(Move(2, Root), Human);
        await good.Provisional.WaitAsync(Patience);
        await Elapse(250);

        var badOutcome = await bad.Settled.WaitAsync(Patience);
        Assert.Equal(IntentPhase.RolledBack, badOutcome.Phase);
        Assert.Contains("HASH_MISMATCH in unity", badOutcome.Reason);
        Assert.Equal(IntentPhase.Final, (await good.Settled.WaitAsync(Patience)).Phase);
        Assert.Equal((0.0, 2.0), (Unity.State.Objects[Cube].Translation.X, Unity.State.Objects[Root].Translation.X));
        Assert.Equal((0.0, 2.0), (Pipeline.Reality.Objects[Cube].Translation.X, Pipeline.Reality.Objects[Root].Translation.X));
    }

    [Fact]
    public async Task intents_that_share_objects_roll_back_together_newest_first()
    {
        var first = Pipeline.Submit(Move(1, Cube), Human);
        await first.Provisional.WaitAsync(Patience);
        Unity.Tamper = 0.5; // the second edit of the cube arrives wrong
        var second = Pipeline.Submit(Move(2, Cube), Human);
        await second.Provisional.WaitAsync(Patience);
        Unity.Tamper = 0;
        await Elapse(250);

        Assert.Equal(IntentPhase.RolledBack, (await first.Settled.WaitAsync(Patience)).Phase);
        Assert.Equal(IntentPhase.RolledBack, (await second.Settled.WaitAsync(Patience)).Phase);
        Assert.Equal(0, Unity.State.Objects[Cube].Translation.X); // restored past both, not to the first's value
        Assert.Equal(0, Blender.State.Objects[Cube].Translation.X);
    }
}
