using FsCheck;
using FsCheck.Xunit;
using VibeSync.Intents.Pipeline;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.Spaces;
using VibeSync.Wal;
using VibeSync.Protocol.Intents;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

/// <summary>
/// <c>wal compact</c> against start-up recovery: an intent still waiting at the newest checkpoint is
/// restored from its own PENDING entry (its operations), so compaction must never take that entry away.
/// </summary>
public sealed class CompactionRecoveryTests
{
    private static readonly WalOptions SmallSegments = new() { SegmentSize = 4096 }; // a dozen entries a segment: compaction has whole segments to drop
    private static readonly Actor Pairing = new(ActorKind.Orchestrator, "pairing");

    /// <summary>A pipeline over a real log in its own directory, restarted from the files as serve is.</summary>
    private sealed class Site : IAsyncDisposable
    {
        public readonly string Dir;
        public WriteAheadLog Wal = null!;
        public IntentPipeline Pipeline = null!;
        private bool _running;

        public Site(string? dir = null) => Dir = dir ?? Path.Combine(Path.GetTempPath(), "vibesync-compact-" + Guid.NewGuid().ToString("N"));

        /// <summary>
        /// Opens the log and starts the pipeline with Reality as serve rebuilds it: the newest
        /// checkpoint's scene (the seed's) with the FINAL entries after it folded over it.
        /// </summary>
        public async Task StartAsync()
        {
            Wal = WriteAheadLog.Open(Dir, SmallSegments);
            var records = WriteAheadLog.ReadAll(Dir, out _);
            var state = Wal.Recovery.CheckpointState;
            var initial = state is null ? Initial() : RealityScene.From(SceneJsonReader.ReadCanonical(System.Text.Encoding.UTF8.GetString(state), Space.Canonical));
            var reality = RealityReplay.Fold(initial, records.Where(r => r.Sequence > Wal.Recovery.CheckpointSequence));
            var engines = new IEnginePort[] { new FakeEngine("blender", reality), new FakeEngine("unity", reality) };
            Pipeline = await IntentPipeline.StartAsync(Wal, reality, engines, new PipelineOptions().WithoutWindows(), records: records);
            _running = true;
        }

        public async Task StopAsync()
        {
            if (!_running) return;
            _running = false;
            await Pipeline.DisposeAsync();
            Wal.Dispose();
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            if (Directory.Exists(Dir)) Directory.Delete(Dir, recursive: true);
        }
    }

    private static async Task Moves(IntentPipeline pipeline, int count, int from = 0)
    {
        for (int i = 0; i < count; i++)
            Assert.Equal(IntentPhase.Final, (await pipeline.SubmitAsync(Move((from + i) % 50 / 10.0), Human)).Phase);
    }

    [Fact]
    public async Task an_ai_intent_pending_before_the_checkpoint_is_still_pending_after_compaction_and_a_restart_and_can_be_approved()
    {
        await using var site = new Site();
        await site.StartAsync();
        await Moves(site.Pipeline, 20);
        var asked = await site.Pipeline.SubmitAsync(Reparent(Cube, Root), Ai); // structural and from an AI: it waits for a human
        Assert.Equal(IntentPhase.Pending, asked.Phase);
        await Moves(site.Pipeline, 20, from: 20);
        Assert.True(await site.Pipeline.SeedAsync(site.Pipeline.Reality.ToScene(), Pairing, "blender", "seeded while the AI's intent waits")); // the checkpoint
        await Moves(site.Pipeline, 10, from: 40);
        await site.StopAsync();

        var deleted = WriteAheadLog.Compact(site.Dir);
        Assert.NotEmpty(deleted); // the segments before the waiting intent's entry still go

        await site.StartAsync();
        Assert.Contains(asked.IntentId, site.Wal.Recovery.Pending);
        Assert.Contains(asked.IntentId, site.Pipeline.Pending);
        var waiting = site.Pipeline.PendingOf(asked.IntentId);
        Assert.NotNull(waiting);
        Assert.Equal("set_parent", Assert.Single(waiting!.Request.Operations).Name);
        Assert.Contains($"\"uuid\":\"{Cube}\",\"parent\":\"{Root}\"", waiting.Request.Json); // its operations, as journaled
        Assert.Equal(IntentPhase.Final, (await site.Pipeline.ApproveAsync(asked.IntentId, Human)).Phase);
        Assert.Equal(Root, site.Pipeline.Reality.Objects[Cube].Parent);
        Assert.Null(WriteAheadLog.Verify(site.Dir).Corruption);
    }

    [Fact]
    public async Task when_an_older_compaction_deleted_a_waiting_intents_entry_the_restart_journals_it_refused_and_says_why()
    {
        await using var site = new Site();
        await site.StartAsync();
        await Moves(site.Pipeline, 20);
        var asked = await site.Pipeline.SubmitAsync(Reparent(Cube, Root), Ai);
        Assert.Equal(IntentPhase.Pending, asked.Phase);
        await Moves(site.Pipeline, 20, from: 20);
        Assert.True(await site.Pipeline.SeedAsync(site.Pipeline.Reality.ToScene(), Pairing, "blender", "seeded while the AI's intent waits"));
        await Moves(site.Pipeline, 10, from: 40);
        await site.StopAsync();
        // What compaction did before it kept open intents' entries: the segment holding the entry goes too.
        WriteAheadLog.Compact(site.Dir, out var hold);
        Assert.NotNull(hold);
        File.Delete(Path.Combine(site.Dir, hold!.Segment.ToString("D10") + ".wal"));
        Assert.Null(WriteAheadLog.Verify(site.Dir).Corruption);

        await site.StartAsync();
        Assert.DoesNotContain(asked.IntentId, site.Pipeline.Pending); // not restorable: no operations to restore
        var refused = WriteAheadLog.ReadAll(site.Dir, out _).Select(r => r.Entry).Last(e => e.IntentId == asked.IntentId);
        Assert.Equal(IntentPhase.Refused, refused.Phase);
        Assert.StartsWith("ENTRY_LOST: ", refused.Rationale);
        await site.StopAsync();

        await site.StartAsync(); // the next restart finds it settled, and journals nothing more for it
        Assert.DoesNotContain(asked.IntentId, site.Wal.Recovery.Pending);
        Assert.Single(WriteAheadLog.ReadAll(site.Dir, out _), r => r.Entry.IntentId == asked.IntentId && r.Entry.Phase == IntentPhase.Refused);
    }

    /// <summary>
    /// Random histories of settled intents and AI intents left waiting (some approved or denied
    /// later), with the seed's checkpoint and later ones anywhere: compacting the log, then
    /// restarting, restores the same waiting intents with the same operations and the same
    /// Reality as restarting the same log uncompacted; approving everything then ends in the same Reality.
    /// </summary>
    [Property(MaxTest = 30)]
    public void compaction_then_recovery_restores_what_recovery_of_the_whole_log_restores(int[] program)
    {
        Compare(program.Take(60).ToArray()).GetAwaiter().GetResult();
    }

    private static async Task Compare(int[] program)
    {
        var compacted = new Site();
        var whole = new Site(compacted.Dir + "-whole");
        await using (compacted)
        {
            await compacted.StartAsync();
            var p = compacted.Pipeline;
            int step = 0;
            foreach (int raw in program)
            {
                int v = raw == int.MinValue ? 0 : Math.Abs(raw);
                switch (v % 8)
                {
                    case 0: case 1: case 2:
                        await Moves(p, 3 + v / 8 % 4, from: step); // a few segments' worth over a program, so compaction has something to drop
                        break;
                    case 3:
                        Assert.Equal(IntentPhase.Pending, (await p.SubmitAsync(Reparent(new[] { Cube, Grandchild }[v / 8 % 2], Root), Ai)).Phase);
                        break;
                    case 4:
                        if (p.Pending.OrderBy(id => id).FirstOrDefault() is var id && id != 0)
                            _ = v / 8 % 2 == 0 ? await p.ApproveAsync(id, Human) : await p.DenyAsync(id, Human);
                        break;
                    default:
                        // A checkpoint of Reality as it is: the seed's the first time, as serve writes it; later ones straight to the log.
                        if (!await p.SeedAsync(p.Reality.ToScene(), Pairing, "blender", "seeded"))
                            await compacted.Wal.WriteCheckpointAsync(compacted.Wal.LastSequence,
                                System.Text.Encoding.UTF8.GetBytes(SceneJsonWriter.Write(p.Reality.ToScene(), Space.Canonical)));
                        break;
                }
                step++;
            }
            await compacted.StopAsync();
            CopyDirectory(compacted.Dir, whole.Dir);
            WriteAheadLog.Compact(compacted.Dir);
            Assert.Null(WriteAheadLog.Verify(compacted.Dir).Corruption);

            await using (whole)
            {
                await whole.StartAsync();
                await compacted.StartAsync();
                Assert.Equal(whole.Pipeline.Pending.OrderBy(i => i), compacted.Pipeline.Pending.OrderBy(i => i));
                foreach (var id in whole.Pipeline.Pending)
                    Assert.Equal(whole.Pipeline.PendingOf(id)!.Request.Json, compacted.Pipeline.PendingOf(id)!.Request.Json);
                Assert.Equal(RealityRoot(whole.Pipeline), RealityRoot(compacted.Pipeline));
                foreach (var id in whole.Pipeline.Pending.OrderBy(i => i).ToList())
                    Assert.Equal((await whole.Pipeline.ApproveAsync(id, Human)).Phase, (await compacted.Pipeline.ApproveAsync(id, Human)).Phase);
                Assert.Equal(RealityRoot(whole.Pipeline), RealityRoot(compacted.Pipeline));
            }
        }
    }

    private static string RealityRoot(IntentPipeline pipeline) => Hex.Encode(SceneHasher.Hash(pipeline.Reality.ToScene()).Root);

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(dir.Replace(from, to));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(from, to));
    }
}
