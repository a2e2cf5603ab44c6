using VibeSync.Intents.Pipeline;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Intents;
using VibeSync.Wal;
using VibeSync.Wal.Entries;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

/// <summary>
/// A batch's close queues its FINAL entries and the spine journals them a chunk at a time between
/// admissions (issue #20); the log still keeps batch order and cause before effect, and a crash
/// between two chunks loses nothing acknowledged.
/// </summary>
public sealed class FinalEntriesInChunksTests : ClockedPipeline
{
    private readonly List<SpineSpan> _spans = new();
    private Action? _afterFirstFinal;

    private protected override PipelineOptions Options => new()
    {
        FinalChunk = 1,
        OnSpineSpan = span => { lock (_spans) _spans.Add(span); },
        AfterFinal = (_, _) => Interlocked.Exchange(ref _afterFirstFinal, null)?.Invoke(), // on the spine, right after the close
    };

    /// <summary>Three human moves of three objects in one batch, each PROVISIONAL_OK.</summary>
    private async Task<IntentTicket[]> ABatchOfThree()
    {
        var batch = new[] { Pipeline.Submit(Move(1, Cube), Human), Pipeline.Submit(Move(2, Root), Human), Pipeline.Submit(Move(3, Child), Human) };
        foreach (var t in batch) Assert.Equal(IntentPhase.Provisional, (await t.Provisional.WaitAsync(Patience)).Phase);
        return batch;
    }

    private List<(ulong Id, IntentPhase Phase)> Log() => WriteAheadLog.ReadAll(Dir, out _).Select(r => (r.Entry.IntentId, r.Entry.Phase)).ToList();

    [Fact]
    public async Task a_close_journals_its_final_entries_one_chunk_at_a_time_in_batch_order()
    {
        var batch = await ABatchOfThree();
        Clock.Advance(TimeSpan.FromMilliseconds(250)); // the spine's own timer closes the batch
        foreach (var t in batch) Assert.Equal(IntentPhase.Final, (await t.Settled.WaitAsync(Patience)).Phase);

        List<SpineSpan> chunks;
        lock (_spans) chunks = _spans.Where(s => s.Work == SpineWork.Finals).ToList();
        Assert.Equal(new[] { 1, 1, 1 }, chunks.Select(c => c.Entries)); // FinalChunk = 1: never the whole close at once
        lock (_spans) Assert.Contains(_spans, s => s.Work == SpineWork.Close);
        var finals = Log().Where(e => e.Phase == IntentPhase.Final).Select(e => e.Id);
        Assert.Equal(batch.Select(t => t.Settled.Result.IntentId), finals);
        Assert.Equal((1.0, 2.0, 3.0), (Pipeline.Reality.Objects[Cube].Translation.X, Pipeline.Reality.Objects[Root].Translation.X, Pipeline.Reality.Objects[Child].Translation.X));
    }

    [Fact]
    public async Task an_admission_between_chunks_is_journaled_at_once_unless_it_touches_an_object_whose_final_is_still_queued()
    {
        var batch = await ABatchOfThree();
        IntentTicket? elsewhere = null, onChild = null;
        // Submitted on the spine right after the close queued its FINAL entries: both are admitted
        // before any chunk is journaled.
        _afterFirstFinal = () =>
        {
            elsewhere = Pipeline.Submit(Move(4, Grandchild), Human);
            onChild = Pipeline.Submit(Move(5, Child), Human);
        };
        Clock.Advance(TimeSpan.FromMilliseconds(250));
        foreach (var t in batch) await t.Settled.WaitAsync(Patience);
        await onChild!.Provisional.WaitAsync(Patience);
        await elsewhere!.Provisional.WaitAsync(Patience);

        var log = Log();
        int At(ulong id, IntentPhase phase) => log.IndexOf((id, phase));
        var (cube, root, child) = (batch[0].Settled.Result.IntentId, batch[1].Settled.Result.IntentId, batch[2].Settled.Result.IntentId);
        ulong g = elsewhere.Provisional.Result.IntentId, c = onChild.Provisional.Result.IntentId;
        // Not on a queued FINAL's objects: journaled at once, ahead of the FINAL entries still queued.
        Assert.True(At(g, IntentPhase.Provisional) < At(cube, IntentPhase.Final), string.Join(" ", log));
        // On the child, whose FINAL was queued last: that FINAL and every one before it come first.
        Assert.True(At(cube, IntentPhase.Final) < At(root, IntentPhase.Final) && At(root, IntentPhase.Final) < At(child, IntentPhase.Final), string.Join(" ", log));
        Assert.True(At(child, IntentPhase.Final) < At(c, IntentPhase.Provisional), string.Join(" ", log));
    }

    [Fact]
    public async Task a_crash_between_two_chunks_keeps_what_was_journaled_and_rolls_back_the_rest_on_restart()
    {
        await Pipeline.DisposeAsync();
        Wal.Dispose();
        var blender = new FakeEngine("blender", Initial());
        var unity = new FakeEngine("unity", Initial());
        var wal = WriteAheadLog.Open(Dir);
        var crashing = new CrashAfterFinals(wal, finals: 1); // the log takes one FINAL entry, then the process dies
        var pipeline = await IntentPipeline.StartAsync(crashing, Initial(), new IEnginePort[] { blender, unity }, new PipelineOptions { FinalChunk = 1 }, Clock);
        var batch = new[] { pipeline.Submit(Move(1, Cube), Human), pipeline.Submit(Move(2, Root), Human), pipeline.Submit(Move(3, Child), Human) };
        foreach (var t in batch) await t.Provisional.WaitAsync(Patience);
        Clock.Advance(TimeSpan.FromMilliseconds(250));

        Assert.Equal(IntentPhase.Final, (await batch[0].Settled.WaitAsync(Patience)).Phase); // its chunk was durable before the crash
        foreach (var t in batch.Skip(1)) // never answered FINAL: their entries were never durable
            await Assert.ThrowsAsync<InvalidOperationException>(() => t.Settled.WaitAsync(Patience));
        await pipeline.DisposeAsync();
        wal.Dispose();

        // Restart: the FINAL that reached the log is Reality; the intents whose FINAL did not were left
        // PROVISIONAL and are rolled back, as after any crash.
        Wal = WriteAheadLog.Open(Dir);
        var ids = batch.Select(t => t.Provisional.Result.IntentId).ToArray();
        Assert.Equal(ids.Skip(1), Wal.Recovery.ToRollBack.OrderBy(i => i));
        var replayed = RealityReplay.Fold(Initial(), WriteAheadLog.ReadAll(Dir, out _));
        Pipeline = await IntentPipeline.StartAsync(Wal, replayed, new IEnginePort[] { Blender, Unity }, Options, Clock);
        Assert.Equal((1.0, 0.0, 0.0), (Pipeline.Reality.Objects[Cube].Translation.X, Pipeline.Reality.Objects[Root].Translation.X, Pipeline.Reality.Objects[Child].Translation.X));
        Assert.Equal(new[] { IntentPhase.Provisional, IntentPhase.Final }, Entries(ids[0]).Select(e => e.Phase));
        foreach (var id in ids.Skip(1)) Assert.Equal(new[] { IntentPhase.Provisional, IntentPhase.RolledBack }, Entries(id).Select(e => e.Phase));
        Assert.Equal(Hex.Encode(SceneHasher.Hash(RealityReplay.Fold(Initial(), WriteAheadLog.ReadAll(Dir, out _)).ToScene()).Root),
            Hex.Encode(SceneHasher.Hash(Pipeline.Reality.ToScene()).Root));
    }

    /// <summary>A log that takes <c>finals</c> FINAL entries and then stops as a killed process would: nothing more reaches it.</summary>
    private sealed class CrashAfterFinals(WriteAheadLog wal, int finals) : IJournal
    {
        private int _left = finals;

        public RecoveryReport Recovery => wal.Recovery;
        public ulong LastSequence => wal.LastSequence;
        public string RealityHead => wal.RealityHead;
        public Exception? Failure => wal.Failure;

        public event Action<ulong, WalEntry>? Durable { add => wal.Durable += value; remove => wal.Durable -= value; }

        public Task<WalAppendResult> AppendAsync(EncodedEntry encoded)
        {
            if (_left <= 0 || (encoded.Entry.Phase == IntentPhase.Final && _left-- <= 0))
            {
                _left = 0;
                throw new WalFailedException("killed between two chunks of FINAL entries (simulated)", new IOException("killed"));
            }
            return wal.AppendAsync(encoded);
        }

        public Task WriteCheckpointAsync(ulong sequence, byte[] state) => wal.WriteCheckpointAsync(sequence, state);
        public IReadOnlyList<WalRecord> ReadAll() => ((IJournal)wal).ReadAll();
        public JournalCheckpoint? NewestCheckpoint() => ((IJournal)wal).NewestCheckpoint();
        public IReadOnlyList<WalRecord> ReadRange(ulong after, ulong through) => ((IJournal)wal).ReadRange(after, through);
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
