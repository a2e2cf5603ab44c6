using VibeSync.Intents.Pipeline;
using VibeSync.Protocol.Json;
using VibeSync.Wal;
using VibeSync.Protocol.Intents;
using static VibeSync.Intents.Tests.Scenes;

namespace VibeSync.Intents.Tests;

/// <summary>
/// What one intent may be is checked at admission, and nothing a client sends can stop the
/// pipeline (issue #16 §5: a journal entry over the WAL's record limit threw out of the spine and
/// every later intent failed until a restart).
/// </summary>
public sealed class ResourceLimitTests : ClockedPipeline
{
    private static readonly AdmissionLimits Small = new() { MaxRationaleChars = 100, MaxOperations = 5, MaxIntentBytes = 4096 };

    private protected override PipelineOptions Options => new() { Limits = Small };

    private async Task<IntentOutcome> SettleAsync(IntentRequest request, Actor actor)
    {
        var ticket = Pipeline.Submit(request, actor);
        await ticket.Provisional.WaitAsync(Patience);
        await Elapse(1000);
        return await WhileTimePassesAsync(ticket.Settled);
    }

    private async Task TheNextIntentGoesFinal(double x)
    {
        var next = await SettleAsync(Move(x), Human);
        Assert.Equal(IntentPhase.Final, next.Phase);
        Assert.Equal(x, Pipeline.Reality.Objects[Cube].Translation.X);
        Assert.Equal(x, Unity.State.Objects[Cube].Translation.X);
    }

    public static TheoryData<string, string> OverALimit() => new()
    {
        { "rationale", "limits.max_rationale_chars" },
        { "operations", "limits.max_intent_operations" },
        { "bytes", "limits.max_intent_bytes" },
    };

    [Theory]
    [MemberData(nameof(OverALimit))]
    public async Task an_intent_over_a_limit_is_refused_as_resource_limit_naming_it_and_the_next_intent_goes_final(string which, string limit)
    {
        var request = which switch
        {
            "rationale" => Move(2, rationale: new string('r', 101)),
            "operations" => Intent(Enumerable.Range(0, 6).Select(i => $"{{\"op\": \"set_transform\", \"uuid\": \"{Cube}\", \"translation\": [{i}, 0, 0]}}").ToArray()),
            _ => Intent($"{{\"op\": \"rename\", \"uuid\": \"{Cube}\", \"name\": \"{new string('n', 5000)}\"}}"),
        };
        var refused = await SettleAsync(request, Ai);
        Assert.Equal(IntentPhase.Refused, refused.Phase);
        Assert.Contains("RESOURCE_LIMIT", refused.Reason);
        Assert.Contains(limit, refused.Reason);
        Assert.Equal(IntentPhase.Refused, Assert.Single(Entries(refused.IntentId)).Phase);
        Assert.Equal(0, Blender.Applies);
        await TheNextIntentGoesFinal(3);
    }

    [Fact]
    public async Task an_engine_answer_its_port_cannot_use_is_that_engines_fault_and_the_pipeline_goes_on()
    {
        // A misbehaving engine's reply that fails to parse surfaced as a JSON exception from the port.
        Unity.Garbled = new JsonFieldException("undo", "missing field");
        var failed = await SettleAsync(Move(5), Human);
        Assert.Equal(IntentPhase.RolledBack, failed.Phase);
        Assert.Contains("ENGINE_FAULT", failed.Reason);
        await TheNextIntentGoesFinal(6);
    }
}

/// <summary>
/// Within the default limits, what decides is one WAL record: an intent whose journal entry would
/// not fit is refused (its first entry keeps room for its later ones), and micro-intents stop
/// folding into an intent whose FINAL entry would not fit.
/// </summary>
public sealed class JournalFitTests : ClockedPipeline
{
    private protected override PipelineOptions Options => new() { Trust = Authority.TrustMode.Supervised };

    /// <summary>A name that JSON-escaping in the log makes six times larger (each '&lt;' is written \u003C).</summary>
    private static IntentRequest RenameEscaped(string uuid, int chars) => OperationReader.Read(
        $"{{\"operations\": [{{\"op\": \"rename\", \"uuid\": \"{uuid}\", \"name\": \"{new string('<', chars)}\"}}], \"rationale\": \"tidy the names\"}}");

    [Fact]
    public async Task an_intent_whose_pending_entry_would_not_fit_one_wal_record_is_refused_and_the_pipeline_goes_on()
    {
        // 1 MiB of JSON, within limits.max_intent_bytes, but 6 MiB once journaled: waiting for approval (supervised) it would be journaled PENDING.
        var ticket = Pipeline.Submit(RenameEscaped(Cube, 1 << 20), Ai);
        var refused = await ticket.Settled.WaitAsync(Patience);
        Assert.Equal(IntentPhase.Refused, refused.Phase);
        Assert.Contains("RESOURCE_LIMIT", refused.Reason);
        Assert.Contains("write-ahead log record", refused.Reason);
        var entry = Assert.Single(Entries(refused.IntentId));
        Assert.Equal(IntentPhase.Refused, entry.Phase);
        Assert.Null(entry.OperationJson); // evidence kept small: the refusal, not the payload

        var next = Pipeline.Submit(Move(7), Human);
        await next.Provisional.WaitAsync(Patience);
        await Elapse(1000);
        Assert.Equal(IntentPhase.Final, (await WhileTimePassesAsync(next.Settled)).Phase);
        Assert.Equal(7, Unity.State.Objects[Cube].Translation.X);
    }

    [Fact]
    public async Task an_orchestrator_intent_bounded_by_no_configured_limit_is_still_refused_when_its_provisional_entry_would_not_fit()
    {
        var system = new Actor(ActorKind.Orchestrator, "pairing");
        var ticket = Pipeline.Submit(Intent($"{{\"op\": \"rename\", \"uuid\": \"{Cube}\", \"name\": \"{new string('x', 5 << 20)}\"}}"), system);
        var refused = await ticket.Settled.WaitAsync(Patience);
        Assert.Equal(IntentPhase.Refused, refused.Phase);
        Assert.Contains("RESOURCE_LIMIT", refused.Reason);
        Assert.Equal(0, Blender.Applies);
        var next = Pipeline.Submit(Move(8), Human);
        await next.Provisional.WaitAsync(Patience);
        await Elapse(1000);
        Assert.Equal(IntentPhase.Final, (await WhileTimePassesAsync(next.Settled)).Phase);
    }

    [Fact]
    public async Task micro_intents_stop_folding_into_an_intent_whose_final_entry_would_not_fit_and_every_one_lands()
    {
        // Each renames one of four objects with 1.2 MB and touches the other three: the same
        // footprint, so each would fold into the first; folded, the names would need 4.8 MB.
        string[] uuids = { Root, Child, Grandchild, Cube };
        string Micro(int k, char c) => "{\"operations\": [" + string.Join(", ", uuids.Select((u, i) => i == k
            ? $"{{\"op\": \"rename\", \"uuid\": \"{u}\", \"name\": \"{new string(c, 1_200_000)}\"}}"
            : $"{{\"op\": \"set_visibility\", \"uuid\": \"{u}\", \"visible\": true}}")) + "]}";
        var tickets = Enumerable.Range(0, 4).Select(k => Pipeline.Submit(OperationReader.Read(Micro(k, (char)('a' + k))), Human)).ToList();
        await Task.WhenAll(tickets.Select(t => t.Provisional)).WaitAsync(Patience);
        await Elapse(1000);
        var outcomes = await Task.WhenAll(tickets.Select(t => t.Settled)).WaitAsync(Patience);
        Assert.All(outcomes, o => Assert.Equal(IntentPhase.Final, o.Phase));
        for (int k = 0; k < 4; k++) Assert.Equal(new string((char)('a' + k), 1_200_000), Pipeline.Reality.Objects[uuids[k]].Name);
        var finals = WriteAheadLog.ReadAll(Dir, out _).Where(r => r.Entry.Phase == IntentPhase.Final).ToList();
        Assert.True(finals.Select(r => r.Entry.IntentId).Distinct().Count() > 1, "one intent cannot have journaled all four names");

        var next = Pipeline.Submit(Move(9), Human);
        await next.Provisional.WaitAsync(Patience);
        await Elapse(1000);
        Assert.Equal(IntentPhase.Final, (await WhileTimePassesAsync(next.Settled)).Phase);
    }
}
