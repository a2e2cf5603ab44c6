using VibeSync.Intents.Pipeline;
using VibeSync.Wal;
using VibeSync.Protocol.Intents;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

/// <summary>
/// Issue #15 §1 and §4: an engine is in parity only while the pipeline has confirmed it holds
/// Reality as it is now; Reality is seeded once per data directory; state other threads read is
/// an immutable snapshot.
/// </summary>
public sealed class ParityTests : ClockedPipeline
{
    private readonly List<(string Engine, string Reason)> _lost = new();

    // As the orchestrator does: an engine that lost parity leaves live at once (it is then resynced).
    private protected override PipelineOptions Options => new()
    {
        OnParityLost = (e, why) =>
        {
            lock (_lost) _lost.Add((e, why));
            (e == "unity" ? Unity : Blender).Live = false;
        },
    };

    private bool Lost(string engine) { lock (_lost) return _lost.Any(l => l.Engine == engine); }

    [Fact]
    public async Task an_engine_is_in_parity_once_confirmed_and_stays_so_across_verified_final_batches()
    {
        Assert.False(Pipeline.InParity("unity"));
        Pipeline.ConfirmParity("unity");
        Pipeline.ConfirmParity("blender");
        long before = Pipeline.RealityVersion;
        var outcome = Pipeline.Submit(Move(3), Ai);
        await outcome.Provisional.WaitAsync(Patience);
        await Elapse(300);
        Assert.Equal(IntentPhase.Final, (await outcome.Settled.WaitAsync(Patience)).Phase);
        Assert.True(Pipeline.RealityVersion > before);
        Assert.True(Pipeline.InParity("unity") && Pipeline.InParity("blender"));
        Assert.Empty(_lost);
    }

    [Fact]
    public async Task an_engine_that_fails_an_apply_loses_parity_and_the_host_is_told()
    {
        Pipeline.ConfirmParity("unity");
        Pipeline.ConfirmParity("blender");
        Unity.FailApply = true;
        var outcome = await Pipeline.Submit(Move(3), Ai).Settled.WaitAsync(Patience);
        Assert.Equal(IntentPhase.RolledBack, outcome.Phase);
        Assert.False(Pipeline.InParity("unity"));
        Assert.True(Lost("unity"));
        Assert.True(Pipeline.InParity("blender"));
    }

    [Fact]
    public async Task a_humans_edit_stands_when_another_engine_cannot_take_it_and_that_engine_leaves_live()
    {
        Pipeline.ConfirmParity("unity");
        Pipeline.ConfirmParity("blender");
        Blender.Edit(s => s with { Objects = s.Objects.SetItem(Cube, s.Objects[Cube] with { Translation = new(7, 0, 0) }) }); // done in Blender already
        Unity.FailApply = true; // Unity is compiling, or faulted
        var edit = Pipeline.Submit(Move(7), Human, origin: "blender");
        await edit.Provisional.WaitAsync(Patience);
        await Elapse(300);
        Assert.Equal(IntentPhase.Final, (await edit.Settled.WaitAsync(Patience)).Phase); // the human's edit is the truth
        Assert.Equal(7, Pipeline.Reality.Objects[Cube].Translation.X);
        Assert.True(Lost("unity"));
        Assert.False(Pipeline.InParity("unity")); // resynced from Reality by the host, edit included
        Assert.True(Pipeline.InParity("blender"));
    }

    [Fact]
    public async Task the_origin_of_a_humans_edit_is_read_back_once_its_human_is_quiet_and_kept_in_parity_when_it_holds_it()
    {
        Pipeline.ConfirmParity("unity");
        Pipeline.ConfirmParity("blender");
        Blender.Edit(s => s with { Objects = s.Objects.SetItem(Cube, s.Objects[Cube] with { Translation = new(7, 0, 0) }) }); // the human's drag, already in Blender
        var edit = Pipeline.Submit(Move(7), Human, origin: "blender");
        await edit.Provisional.WaitAsync(Patience);
        await Elapse(300);
        Assert.Equal(IntentPhase.Final, (await edit.Settled.WaitAsync(Patience)).Phase);
        int reads = Blender.Reads;
        await Elapse(600); // quiet: Blender is read back over its human's edit
        Assert.True(Blender.Reads > reads);
        Assert.True(Pipeline.InParity("blender"));
        Assert.False(Lost("blender"));
    }

    [Fact]
    public async Task an_origin_that_holds_its_humans_edit_differently_once_quiet_loses_parity()
    {
        Pipeline.ConfirmParity("unity");
        Pipeline.ConfirmParity("blender");
        // Blender reported an edit it does not hold (a broken adapter): Reality moves, Blender does not.
        var edit = Pipeline.Submit(Move(7), Human, origin: "blender");
        await edit.Provisional.WaitAsync(Patience);
        await Elapse(300);
        Assert.Equal(IntentPhase.Final, (await edit.Settled.WaitAsync(Patience)).Phase);
        Assert.True(Pipeline.InParity("blender")); // live while its edits flow
        await Elapse(600);
        Assert.False(Lost("blender")); // one difference may be an edit still on its way
        await Elapse(600);
        Assert.True(Lost("blender"));
        Assert.False(Pipeline.InParity("blender"));
        Assert.True(Pipeline.InParity("unity"));
    }

    [Fact]
    public async Task reality_is_seeded_once_per_data_directory_even_when_the_first_scene_is_empty()
    {
        var dir = Path.Combine(Path.GetTempPath(), "vibesync-seed-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var wal = WriteAheadLog.Open(dir))
            {
                await using var pipeline = await IntentPipeline.StartAsync(wal, Reality.RealityScene.Empty, new IEnginePort[] { Blender, Unity }, new PipelineOptions());
                Assert.False(pipeline.Seeded);
                Assert.True(await pipeline.SeedAsync(Protocol.State.Scene.Empty, new Actor(ActorKind.Orchestrator, "pairing"), "unity", "an empty scene seeds"));
                Assert.True(pipeline.InParity("unity"));
                Assert.False(await pipeline.SeedAsync(Initial().ToScene(), new Actor(ActorKind.Orchestrator, "pairing"), "blender", "a second seed is refused"));
                Assert.Empty(pipeline.Reality.Objects);
            }
            using (var again = WriteAheadLog.Open(dir))
            {
                await using var restarted = await IntentPipeline.StartAsync(again, Reality.RealityScene.Empty, new IEnginePort[] { Blender, Unity }, new PipelineOptions());
                Assert.True(restarted.Seeded);
                Assert.False(await restarted.SeedAsync(Initial().ToScene(), new Actor(ActorKind.Orchestrator, "pairing"), "blender", "seeded before the restart"));
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public async Task locks_and_panics_can_be_read_from_any_thread_while_the_spine_changes_them()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            long seen = 0;
            while (!stop.IsCancellationRequested)
            {
                foreach (var held in Pipeline.Locks.Held) seen += held.Key.Length; // a Dictionary changing under this would throw
                seen += Pipeline.Panics.Count;
            }
            return seen;
        })).ToArray();
        for (int i = 0; i < 50 || !stop.IsCancellationRequested; i++) // at least 50 turns: on a starved machine 2 s held one (acquired, then released: nothing held)
        {
            await Pipeline.AcquireLockAsync($"5a1d0000-0000-4000-8000-{i % 1000:D12}", Human);
            if (i % 3 == 0) await Pipeline.ReleaseLockAsync($"5a1d0000-0000-4000-8000-{(i / 3) % 1000:D12}");
        }
        await Task.WhenAll(readers);
        Assert.NotEmpty(Pipeline.Locks.Held);
        await Pipeline.ReleaseLocksOfAsync(Human); // its editor detached: nobody is editing there any more
        Assert.Empty(Pipeline.Locks.Held);
    }
}
