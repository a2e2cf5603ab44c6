using FsCheck;
using FsCheck.Xunit;
using VibeSync.Intents.Pipeline;
using VibeSync.Protocol.Intents;
using VibeSync.Protocol.State;
using VibeSync.Wal;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

/// <summary>
/// Random rounds of an agent's moves and a Blender human's edits that race the verification read
/// (made before Blender answers, reported after it; the off-spine path is in ReadRacingAHumanTests):
/// no correct engine is ever judged mismatched (nothing is rolled back but what the
/// conflict table rolls back), and all agree with Reality at the end.
/// </summary>
public sealed class ReadRacingAHumanProperties
{
    private static readonly string[] Objects = { Root, Child, Grandchild, Cube };

    [Property(MaxTest = 20)]
    public void a_read_that_races_a_humans_edit_is_never_judged_a_mismatch(int[] program)
    {
        ClockedPipeline.OnFreshAsync<Round>(round => round.Play(program.Take(30).ToArray())).GetAwaiter().GetResult();
    }

    private sealed class Round : ClockedPipeline
    {
        public async Task Play(int[] program)
        {
            var tickets = new List<IntentTicket>();
            for (int i = 0; i + 2 < program.Length; i += 3)
            {
                int a = Math.Abs(program[i]), b = Math.Abs(program[i + 1]), c = Math.Abs(program[i + 2]);
                var agent = Pipeline.Submit(Move(1 + a % 7, Objects[b % Objects.Length], "line it up"), Ai);
                tickets.Add(agent);
                await WhileTimePassesAsync(agent.Provisional);
                string touched = Objects[c % Objects.Length];
                double x = 10 + c % 5;
                Blender.HumanBeforeNextRead = (s => s with { Objects = s.Objects.SetItem(touched, s.Objects[touched] with { Translation = new Vector3d(x, 0, 0) }) },
                    () => tickets.Add(Pipeline.Submit(Move(x, touched), Human, origin: "blender")));
                await Elapse(250);
            }
            for (int i = 0; i < 4; i++) await Elapse(300);
            foreach (var t in tickets)
            {
                // An agent's move that meets the human's edit in the open batch waits for it (the
                // conflict table: humans outrank AI) and is decided again once it is FINAL.
                var outcome = await t.Settled.WaitAsync(Patience);
                Assert.True(outcome.Phase is IntentPhase.Final or IntentPhase.Pending or IntentPhase.RolledBack, $"intent {outcome.IntentId}: {outcome.Phase} {outcome.Reason}");
            }
            // Rolled back only as the conflict table says (an agent's speculation a human's later
            // edit of the same object overrules), never as a mismatch of an engine that was right.
            var log = WriteAheadLog.ReadAll(Dir, out _);
            var rolledBack = log.Where(r => r.Entry.Phase == IntentPhase.RolledBack).Select(r => r.Entry).ToList();
            Assert.True(rolledBack.All(e => e.Actor == Ai.ToString() && e.Rollback?.Reason is not (RollbackReasons.HashMismatch or RollbackReasons.EngineFault)),
                string.Join("\n", rolledBack.Select(e => $"{e.IntentId} {e.Actor} {e.Rollback?.Reason} {e.Rationale}")));
            Assert.Empty(Pipeline.Pending); // every one that waited was decided again
            Assert.Equal(log.Count(r => r.Entry.Phase == IntentPhase.Provisional), log.Count(r => r.Entry.Phase == IntentPhase.Final) + rolledBack.Count);
            foreach (var o in Objects)
                Assert.Equal((Pipeline.Reality.Objects[o].Translation.X, Pipeline.Reality.Objects[o].Translation.X),
                    (Blender.State.Objects[o].Translation.X, Unity.State.Objects[o].Translation.X));
            Assert.Empty(Pipeline.Dirty);
        }
    }
}
