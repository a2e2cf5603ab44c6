using FsCheck.Xunit;
using VibeSync.Intents.Pipeline;
using VibeSync.Protocol.Intents;
using VibeSync.Protocol.State;
using VibeSync.Wal;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

/// <summary>
/// Random rounds in which the humans of both engines move objects at once, so one's report reaches
/// the pipeline while the other's APPLY is on its way (issue #22's many editors): nothing is rolled
/// back, the edit admitted last is Reality's value, and both engines end at Reality.
/// </summary>
public sealed class CrossedAppliesProperties
{
    private static readonly string[] Objects = { Root, Child, Grandchild, Cube };
    private static readonly Actor UnityHuman = new(ActorKind.Human, "unity");

    [Property(MaxTest = 25)]
    public void crossing_human_edits_converge_on_the_one_admitted_last(int[] program)
    {
        ClockedPipeline.OnFreshAsync<Round>(round => round.Play(program.Take(30).ToArray())).GetAwaiter().GetResult();
    }

    private sealed class Round : ClockedPipeline
    {
        private static Func<RealityScene, RealityScene> MoveTo(string uuid, double x) =>
            s => s with { Objects = s.Objects.SetItem(uuid, s.Objects[uuid] with { Translation = new Vector3d(x, 0, 0) }) };

        public async Task Play(int[] program)
        {
            var tickets = new List<IntentTicket>();
            var want = new Dictionary<string, double>();
            for (int i = 0; i + 2 < program.Length; i += 3)
            {
                int a = Math.Abs(program[i]), b = Math.Abs(program[i + 1]), c = Math.Abs(program[i + 2]);
                string touched = Objects[a % Objects.Length];
                double inBlender = 1 + b % 9, inUnity = 20 + c % 9;
                // Both humans edit before either edit is admitted: the first admitted one's APPLY
                // reaches the other engine after that engine's own edit.
                Blender.Edit(MoveTo(touched, inBlender));
                Unity.Edit(MoveTo(touched, inUnity));
                bool blenderFirst = (a / 4) % 2 == 0;
                var order = blenderFirst
                    ? new[] { (Move(inBlender, touched), Human, "blender"), (Move(inUnity, touched), UnityHuman, "unity") }
                    : new[] { (Move(inUnity, touched), UnityHuman, "unity"), (Move(inBlender, touched), Human, "blender") };
                foreach (var (request, actor, origin) in order)
                {
                    var ticket = Pipeline.Submit(request, actor, origin: origin);
                    tickets.Add(ticket);
                    await WhileTimePassesAsync(ticket.Provisional); // the spine may be waiting on its clock (time passes outside a test)
                }
                want[touched] = blenderFirst ? inUnity : inBlender;
                if (b % 3 == 0) await Elapse(250); // sometimes a round closes its batch alone, sometimes batches hold several
            }
            for (int i = 0; i < 4; i++) await Elapse(300);
            foreach (var t in tickets)
            {
                var outcome = await WhileTimePassesAsync(t.Settled);
                Assert.True(outcome.Phase == IntentPhase.Final, $"intent {outcome.IntentId}: {outcome.Phase} {outcome.Reason}");
            }
            var log = WriteAheadLog.ReadAll(Dir, out _);
            Assert.DoesNotContain(log, r => r.Entry.Phase == IntentPhase.RolledBack);
            foreach (var (uuid, x) in want) Assert.Equal(x, Pipeline.Reality.Objects[uuid].Translation.X);
            foreach (var o in Objects)
                Assert.Equal((Pipeline.Reality.Objects[o].Translation.X, Pipeline.Reality.Objects[o].Translation.X),
                    (Blender.State.Objects[o].Translation.X, Unity.State.Objects[o].Translation.X));
            Assert.Empty(Pipeline.Dirty);
        }
    }
}
