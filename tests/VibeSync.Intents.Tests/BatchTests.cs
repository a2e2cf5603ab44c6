using Microsoft.Extensions.Time.Testing;
using VibeSync.Intents.Pipeline;
using VibeSync.Wal;
using VibeSync.Wal.Entries;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

/// <summary>Batch windows, coalescing and per-class verification, on a fake clock.</summary>
public sealed class BatchTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vibesync-batch-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeEngine _blender = new("blender", Initial());
    private readonly FakeEngine _unity = new("unity", Initial());
    private readonly List<(RealityScene Reality, IReadOnlyCollection<string> Footprint)> _snapshots = new();
    private WriteAheadLog _wal = null!;
    private IntentPipeline _pipeline = null!;

    public bool FailSnapshot { get; set; }

    public async Task InitializeAsync()
    {
        _wal = WriteAheadLog.Open(_dir);
        _pipeline = await IntentPipeline.StartAsync(_wal, Initial(), new IEnginePort[] { _blender, _unity }, new PipelineOptions
        {
            SnapshotBeforeDestructive = (reality, footprint) =>
            {
                if (FailSnapshot) throw new IOException("disk full (simulated)");
                _snapshots.Add((reality, footprint));
                return Task.FromResult($"snap-{_snapshots.Count}");
            },
        }, _clock);
    }

    public async Task DisposeAsync()
    {
        await _pipeline.DisposeAsync();
        _wal.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    internal static IntentRequest Move(double x, string uuid = Cube, string rationale = "move it") => OperationReader.Read(
        $"{{\"operations\": [{{\"op\": \"set_transform\", \"uuid\": \"{uuid}\", \"translation\": [{x}, 0, 0]}}], \"rationale\": \"{rationale}\"}}");

    internal static IntentRequest Hide(string uuid = Cube) => OperationReader.Read(
        $"{{\"operations\": [{{\"op\": \"set_visibility\", \"uuid\": \"{uuid}\", \"visible\": false}}], \"rationale\": \"hide it\"}}");

    internal static IntentRequest Reparent(string uuid, string? parent) => OperationReader.Read(
        $"{{\"operations\": [{{\"op\": \"set_parent\", \"uuid\": \"{uuid}\", \"parent\": {(parent == null ? "null" : $"\"{parent}\"")}}}], \"rationale\": \"regroup\"}}");

    internal static IntentRequest Delete(string uuid) => OperationReader.Read(
        $"{{\"operations\": [{{\"op\": \"delete_object\", \"uuid\": \"{uuid}\", \"children\": \"reparent\"}}], \"rationale\": \"clean up\"}}");

    private List<WalEntry> Entries(ulong id) => WriteAheadLog.ReadAll(_dir, out _).Where(r => r.Entry.IntentId == id).Select(r => r.Entry).ToList();

    private async Task Elapse(int ms)
    {
        _clock.Advance(TimeSpan.FromMilliseconds(ms));
        await _pipeline.SettleDueAsync().WaitAsync(Patience);
    }

    [Fact]
    public async Task a_cosmetic_intent_is_applied_at_once_and_becomes_final_only_when_its_window_ends()
    {
        var ticket = _pipeline.Submit(Move(3), Human);
        var provisional = await ticket.Provisional.WaitAsync(Patience);
        Assert.Equal(IntentPhase.Provisional, provisional.Phase);
        Assert.Equal(3, _blender.State.Objects[Cube].Translation.X); // propagation is not held by the window
        Assert.Equal(3, _unity.State.Objects[Cube].Translation.X);

        await Elapse(249);
        Assert.False(ticket.Settled.IsCompleted);
        Assert.Equal(0, _pipeline.Reality.Objects[Cube].Translation.X); // only FINAL advances Reality

        await Elapse(1);
        Assert.Equal(IntentPhase.Final, (await ticket.Settled.WaitAsync(Patience)).Phase);
        Assert.Equal(3, _pipeline.Reality.Objects[Cube].Translation.X);
    }

    [Fact]
    public async Task micro_intents_of_one_actor_on_one_object_coalesce_into_one_journaled_intent()
    {
        var tickets = Enumerable.Range(1, 50).Select(i => _pipeline.Submit(Move(i), Human)).ToList();
        var provisional = await Task.WhenAll(tickets.Select(t => t.Provisional)).WaitAsync(Patience);
        Assert.All(provisional, p => Assert.Equal(IntentPhase.Provisional, p.Phase)); // each answered at once
        await Elapse(250);
        var outcomes = await Task.WhenAll(tickets.Select(t => t.Settled)).WaitAsync(Patience);

        Assert.All(outcomes, o => Assert.Equal(IntentPhase.Final, o.Phase));
        Assert.Single(outcomes.Select(o => o.IntentId).Distinct()); // coalesced into one intent
        var log = WriteAheadLog.ReadAll(_dir, out _).Select(r => r.Entry).ToList();
        Assert.Equal(new[] { IntentPhase.Provisional, IntentPhase.Final }, log.Select(e => e.Phase)); // not a storm: two entries
        Assert.Contains("coalesced with 49 micro-intent(s)", log[1].Rationale);
        var folded = OperationReader.Read(log[1].OperationJson!);
        Assert.Equal(50, ((SetTransform)Assert.Single(folded.Operations)).Translation!.Value.X); // the FINAL entry carries the folded edit
        Assert.Equal((1, 1), (_blender.Reads, _unity.Reads)); // one verification for the batch
        Assert.Equal(50, _pipeline.Reality.Objects[Cube].Translation.X);
    }

    [Fact]
    public async Task edits_of_one_property_by_two_actors_keep_the_higher_intent_id_and_journal_the_winner()
    {
        var fromUnity = new Actor(ActorKind.Human, "unity");
        var first = _pipeline.Submit(Move(1), Human);
        await first.Provisional.WaitAsync(Patience);
        var second = _pipeline.Submit(Move(2), fromUnity);
        await second.Provisional.WaitAsync(Patience);
        await Elapse(250);
        var (a, b) = (await first.Settled.WaitAsync(Patience), await second.Settled.WaitAsync(Patience));

        Assert.Equal((IntentPhase.Final, IntentPhase.Final), (a.Phase, b.Phase));
        Assert.True(b.IntentId > a.IntentId);
        Assert.Equal(2, _pipeline.Reality.Objects[Cube].Translation.X);
        var loser = Entries(a.IntentId).Last();
        Assert.Contains($"superseded by intent {b.IntentId}", loser.Rationale);
        Assert.Contains("higher intent_id", loser.Rationale);
        Assert.Equal(loser.Verification!.ExpectedHash, Entries(b.IntentId).Last().Verification!.ExpectedHash); // one hash
    }

    [Fact]
    public async Task cosmetic_edits_of_different_properties_merge_under_one_hash()
    {
        var move = _pipeline.Submit(Move(2), Human);
        var hide = _pipeline.Submit(Hide(), new Actor(ActorKind.Human, "unity")); // another actor: two intents, not one
        Assert.NotEqual((await move.Provisional.WaitAsync(Patience)).IntentId, (await hide.Provisional.WaitAsync(Patience)).IntentId);
        await hide.Provisional.WaitAsync(Patience);
        await Elapse(250);
        var (a, b) = (await move.Settled.WaitAsync(Patience), await hide.Settled.WaitAsync(Patience));
        Assert.Equal((IntentPhase.Final, IntentPhase.Final), (a.Phase, b.Phase));
        Assert.Equal(Entries(a.IntentId).Last().Verification!.ExpectedHash, Entries(b.IntentId).Last().Verification!.ExpectedHash);
        Assert.DoesNotContain("superseded", Entries(a.IntentId).Last().Rationale ?? "");
        Assert.Equal((2.0, false), (_pipeline.Reality.Objects[Cube].Translation.X, _pipeline.Reality.Objects[Cube].Visible));
    }

    [Fact]
    public async Task a_structural_intent_shortens_the_window_and_verifies_within_its_own()
    {
        var cosmetic = _pipeline.Submit(Move(1, Root), Human);
        var structural = _pipeline.Submit(Reparent(Cube, Child), Human);
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
        var before = _pipeline.Submit(Move(7, Root), Human);
        await before.Provisional.WaitAsync(Patience);
        var delete = await _pipeline.Submit(Delete(Grandchild), Human).Settled.WaitAsync(Patience); // no clock advance needed

        Assert.Equal(IntentPhase.Final, delete.Phase);
        Assert.Equal(IntentPhase.Final, (await before.Settled.WaitAsync(Patience)).Phase); // what came before was verified first
        var (reality, footprint) = Assert.Single(_snapshots);
        Assert.Equal(7, reality.Objects[Root].Translation.X); // the snapshot holds verified Reality
        Assert.Contains(Grandchild, footprint);
        Assert.Equal("snap-1", Entries(delete.IntentId).First(e => e.Phase == IntentPhase.Provisional).Rollback!.SnapshotRef);
        Assert.Contains(Grandchild, _pipeline.Reality.Tombstones);
    }

    [Fact]
    public async Task without_a_snapshot_nothing_is_deleted()
    {
        FailSnapshot = true;
        var outcome = await _pipeline.SubmitAsync(Delete(Grandchild), Human).WaitAsync(Patience);
        Assert.Equal(IntentPhase.Refused, outcome.Phase);
        Assert.StartsWith("SNAPSHOT_FAILED", outcome.Reason);
        Assert.True(_blender.State.Objects.ContainsKey(Grandchild));
        Assert.Equal(0, _blender.Applies);
    }

    [Fact]
    public async Task a_mismatch_rolls_back_only_the_component_that_differs()
    {
        _unity.Tamper = 0.5;
        var bad = _pipeline.Submit(Move(1, Cube), Human);
        await bad.Provisional.WaitAsync(Patience);
        _unity.Tamper = 0;
        var good = _pipeline.Submit(Move(2, Root), Human);
        await good.Provisional.WaitAsync(Patience);
        await Elapse(250);

        var badOutcome = await bad.Settled.WaitAsync(Patience);
        Assert.Equal(IntentPhase.RolledBack, badOutcome.Phase);
        Assert.Contains("HASH_MISMATCH in unity", badOutcome.Reason);
        Assert.Equal(IntentPhase.Final, (await good.Settled.WaitAsync(Patience)).Phase);
        Assert.Equal((0.0, 2.0), (_unity.State.Objects[Cube].Translation.X, _unity.State.Objects[Root].Translation.X));
        Assert.Equal((0.0, 2.0), (_pipeline.Reality.Objects[Cube].Translation.X, _pipeline.Reality.Objects[Root].Translation.X));
    }

    [Fact]
    public async Task intents_that_share_objects_roll_back_together_newest_first()
    {
        var first = _pipeline.Submit(Move(1, Cube), Human);
        await first.Provisional.WaitAsync(Patience);
        _unity.Tamper = 0.5; // the second edit of the cube arrives wrong
        var second = _pipeline.Submit(Move(2, Cube), Human);
        await second.Provisional.WaitAsync(Patience);
        _unity.Tamper = 0;
        await Elapse(250);

        Assert.Equal(IntentPhase.RolledBack, (await first.Settled.WaitAsync(Patience)).Phase);
        Assert.Equal(IntentPhase.RolledBack, (await second.Settled.WaitAsync(Patience)).Phase);
        Assert.Equal(0, _unity.State.Objects[Cube].Translation.X); // restored past both, not to the first's value
        Assert.Equal(0, _blender.State.Objects[Cube].Translation.X);
    }
}
