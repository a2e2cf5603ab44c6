using FsCheck;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;
using VibeSync.Intents.Pipeline;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Spaces;
using VibeSync.Wal;
using VibeSync.Wal.Entries;
using VibeSync.Protocol.Intents;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

/// <summary>
/// Random programs of intents (human and AI, every class), approvals, locks, engine faults and
/// tampering, clock advances, PANICs and crashes with restarts, checked against the invariants
/// of issue #4. A program is a list of ints so FsCheck can shrink a failure to a short one.
/// </summary>
public sealed class InterleavingProperties
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly string[] Objects = { Root, Child, Grandchild, Cube };
    private static readonly Actor Emergency = new(ActorKind.EmergencyOverride, "lead");

    [Property(MaxTest = 40)]
    public void the_invariants_hold_over_random_interleavings_with_restarts(int[] program)
    {
        Run(program.Take(40).ToArray()).GetAwaiter().GetResult();
    }

    private sealed class World : IAsyncDisposable
    {
        public readonly string Dir = Path.Combine(Path.GetTempPath(), "vibesync-prop-" + Guid.NewGuid().ToString("N"));
        public readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));
        public WriteAheadLog Wal = null!;
        public IntentPipeline Pipeline = null!;
        public FakeEngine Blender = null!, Unity = null!;
        public readonly List<string> Created = new();
        public readonly HashSet<string> Locked = new();

        public async Task StartAsync()
        {
            Wal = WriteAheadLog.Open(Dir);
            var reality = RealityReplay.Fold(Initial(), WriteAheadLog.ReadAll(Dir, out _));
            Blender = new FakeEngine("blender", reality); // engines resync from Reality on (re)connect
            Unity = new FakeEngine("unity", reality);
            Locked.Clear();
            Pipeline = await IntentPipeline.StartAsync(Wal, reality, new IEnginePort[] { Blender, Unity }, new PipelineOptions
            {
                EngineTimeout = TimeSpan.FromSeconds(30),
                RetryDelays = Array.Empty<TimeSpan>(),
                UuidFailureThreshold = 1000,
                OperationFailureThreshold = 1000,
            }, Clock);
        }

        public async ValueTask DisposeAsync()
        {
            await Pipeline.DisposeAsync();
            Wal.Dispose();
            Directory.Delete(Dir, recursive: true);
        }
    }

    private static async Task Run(int[] program)
    {
        await using var w = new World();
        await w.StartAsync();
        foreach (int raw in program)
        {
            int v = raw == int.MinValue ? 0 : Math.Abs(raw);
            int arg = v / 16;
            string target = w.Created.Count > 0 && arg % 5 == 4 ? w.Created[arg % w.Created.Count] : Objects[arg % Objects.Length];
            switch (v % 16)
            {
                case 0: case 1:
                    await w.Pipeline.Submit(Move(arg % 100 / 10.0, target), Human).Provisional.WaitAsync(Patience);
                    break;
                case 2: case 3:
                {
                    var answer = await w.Pipeline.Submit(Move(arg % 100 / 10.0, target, "tidy"), Ai).Provisional.WaitAsync(Patience);
                    if (w.Locked.Contains(target) && answer.Phase != IntentPhase.Refused)
                        Assert.Equal(IntentPhase.Pending, answer.Phase); // an AI never edits what a human holds
                    break;
                }
                case 4:
                    await w.Pipeline.Submit(Hide(target), Human).Provisional.WaitAsync(Patience);
                    break;
                case 5:
                    await w.Pipeline.Submit(Reparent(target, arg % 3 == 0 ? null : Objects[arg / 3 % Objects.Length]), Human).Provisional.WaitAsync(Patience);
                    break;
                case 6:
                    await w.Pipeline.Submit(Reparent(target, Objects[arg / 3 % Objects.Length]), Ai).Provisional.WaitAsync(Patience);
                    break;
                case 7: case 8:
                    if (w.Pipeline.Pending.OrderBy(id => id).FirstOrDefault() is var id && id != 0)
                    {
                        var decided = v % 16 == 7 ? w.Pipeline.ApproveAsync(id, Human) : w.Pipeline.DenyAsync(id, Human);
                        _ = decided; // it may wait for a window; the clock steps settle it
                        await w.Pipeline.SettleDueAsync().WaitAsync(Patience);
                    }
                    break;
                case 9:
                {
                    string fresh = $"00000000-0000-4000-8000-{w.Created.Count + 0x100:x12}";
                    w.Created.Add(fresh);
                    await w.Pipeline.Submit(OperationReader.Read($"{{\"operations\": [{{\"op\": \"create_object\", \"uuid\": \"{fresh}\", \"name\": \"n{w.Created.Count}\", \"kind\": \"empty\", \"parent\": \"{Objects[arg % Objects.Length]}\", \"translation\": [1, 2, 3], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1]}}]}}"), Human)
                        .Provisional.WaitAsync(Patience);
                    break;
                }
                case 10:
                    await w.Pipeline.Submit(Delete(w.Created.Count > 0 ? w.Created[arg % w.Created.Count] : Grandchild), Human).Provisional.WaitAsync(Patience);
                    break;
                case 11:
                    // the next apply misbehaves: tampering (caught by verification) or a fault
                    var engine = arg % 2 == 0 ? w.Unity : w.Blender;
                    if (arg % 4 < 2) engine.Tamper = 0.25; else engine.FailApply = true;
                    await w.Pipeline.Submit(Move(arg % 7, target), Human).Provisional.WaitAsync(Patience);
                    engine.Tamper = 0;
                    engine.FailApply = false;
                    break;
                case 12:
                    w.Clock.Advance(TimeSpan.FromMilliseconds(arg % 300));
                    await w.Pipeline.SettleDueAsync().WaitAsync(Patience);
                    break;
                case 13:
                    // kill -9: the log closes under the pipeline; whatever was in flight is lost to it
                    w.Wal.Dispose();
                    await w.StartAsync();
                    CheckNoProvisionalSurvives(w, w.Wal.Recovery.LastSequence);
                    CheckRealityIsTheReplay(w);
                    break;
                case 14:
                    if (w.Locked.Remove(target)) _ = w.Pipeline.ReleaseLockAsync(target); // what it wakes may wait for a window
                    else { await w.Pipeline.AcquireLockAsync(target, Human); w.Locked.Add(target); }
                    await w.Pipeline.SettleDueAsync().WaitAsync(Patience);
                    break;
                case 15:
                {
                    await w.Pipeline.PanicAsync("unity", "heartbeat lost (simulated)");
                    int applies = w.Blender.Applies + w.Unity.Applies;
                    foreach (var actor in new[] { Human, Ai })
                    {
                        var phase = (await w.Pipeline.Submit(Move(arg % 9, target, "tidy"), actor).Provisional.WaitAsync(Patience)).Phase;
                        Assert.True(phase is IntentPhase.Pending or IntentPhase.Refused, $"{actor} got {phase} during PANIC");
                    }
                    Assert.Equal(applies, w.Blender.Applies + w.Unity.Applies); // nothing applied while PANIC holds
                    await w.Pipeline.EmergencyUnlockAsync(Emergency);
                    w.Locked.Clear();
                    break;
                }
            }
        }

        // Let everything settle: past every window, and everything in the inbox decided.
        for (int i = 0; i < 3; i++)
        {
            w.Clock.Advance(TimeSpan.FromSeconds(1));
            await w.Pipeline.FlushAsync().WaitAsync(Patience);
        }
        CheckNoProvisionalSurvives(w, ulong.MaxValue);
        CheckRealityIsTheReplay(w);
        CheckTheLog(w);
        var reality = Hash(EngineStorage.RoundToFloat32(w.Pipeline.Reality.ToScene()));
        Assert.Equal(reality, Hash(w.Blender.State.ToScene())); // the engines hold Reality once all is settled
        Assert.Equal(reality, Hash(w.Unity.State.ToScene()));
    }

    private static string Hash(Protocol.State.Scene scene) => Hex.Encode(SceneHasher.Hash(scene).Root);

    private static void CheckRealityIsTheReplay(World w) =>
        Assert.Equal(Hash(RealityReplay.Fold(Initial(), WriteAheadLog.ReadAll(w.Dir, out _)).ToScene()), Hash(w.Pipeline.Reality.ToScene()));

    /// <summary>Nothing journaled PROVISIONAL up to <paramref name="upTo"/> (the log as a crash left it) is still PROVISIONAL.</summary>
    private static void CheckNoProvisionalSurvives(World w, ulong upTo)
    {
        var last = WriteAheadLog.ReadAll(w.Dir, out _).GroupBy(r => r.Entry.IntentId).Select(g => g.Last());
        Assert.DoesNotContain(last, r => r.Entry.Phase == IntentPhase.Provisional && r.Sequence <= upTo);
    }

    private static void CheckTheLog(World w)
    {
        var entries = WriteAheadLog.ReadAll(w.Dir, out _).Select(r => r.Entry).ToList();

        // A total order: intents enter the log in the order they were numbered.
        var firsts = entries.Select(e => e.IntentId).Distinct().ToList();
        Assert.Equal(firsts.OrderBy(i => i), firsts);

        // Each intent's phases follow the lifecycle: PENDING* then PROVISIONAL then one final phase,
        // or a final phase straight away; nothing after a final phase.
        foreach (var g in entries.GroupBy(e => e.IntentId))
        {
            var phases = g.Select(e => e.Phase).SkipWhile(p => p == IntentPhase.Pending).ToList();
            if (phases.Count == 0) continue; // still waiting for a human
            if (phases[0] == IntentPhase.Provisional) phases.RemoveAt(0);
            Assert.True(phases.Count == 1 && phases[0] != IntentPhase.Pending && phases[0] != IntentPhase.Provisional,
                $"intent {g.Key}: {string.Join(" → ", g.Select(e => PhaseNames.Name(e.Phase)))}");
        }

        // No AI intent overrides a human edit: an AI intent that becomes FINAL was never in flight
        // (PROVISIONAL, not yet settled) at the same time as a human's intent on the same objects.
        var spans = new Dictionary<ulong, (int From, int To, WalEntry Entry)>();
        for (int i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            if (e.Phase == IntentPhase.Provisional) spans[e.IntentId] = (i, entries.Count, e);
            else if (spans.TryGetValue(e.IntentId, out var open) && open.To == entries.Count && e.Phase != IntentPhase.Pending)
                spans[e.IntentId] = (open.From, i, e);
        }
        var humans = spans.Values.Where(s => s.Entry.Actor.StartsWith("human:", StringComparison.Ordinal)).ToList();
        foreach (var ai in spans.Values.Where(s => s.Entry.Actor.StartsWith("ai:", StringComparison.Ordinal) && s.Entry.Phase == IntentPhase.Final))
            foreach (var human in humans)
                Assert.False(ai.From < human.To && human.From < ai.To && human.Entry.Scope.Uuids.Intersect(ai.Entry.Scope.Uuids).Any(),
                    $"AI intent {ai.Entry.IntentId} was in flight with human intent {human.Entry.IntentId} on the same objects and became FINAL");
    }
}
