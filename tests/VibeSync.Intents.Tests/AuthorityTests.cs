using VibeSync.Intents.Authority;
using static VibeSync.Intents.Tests.Scenes;
using VibeSync.Protocol.Intents;

namespace VibeSync.Intents.Tests;

public sealed class AuthorityTests
{
    private static readonly Actor Orchestrator = new(ActorKind.Orchestrator, "resync");
    private static readonly Actor Engine = new(ActorKind.Engine, "unity");
    private static readonly Actor Emergency = new(ActorKind.EmergencyOverride, "lead");

    private static IntentRequest Cosmetic(string? rationale = "line it up") =>
        OperationReader.Read($"{{\"operations\": [{{\"op\": \"set_transform\", \"uuid\": \"{Cube}\", \"translation\": [1, 0, 0]}}]{(rationale is null ? "" : $", \"rationale\": \"{rationale}\"")}}}");

    private static IntentRequest Structural() =>
        OperationReader.Read($"{{\"operations\": [{{\"op\": \"set_parent\", \"uuid\": \"{Cube}\", \"parent\": \"{Root}\"}}], \"rationale\": \"group it\"}}");

    private static IntentRequest Destructive() =>
        OperationReader.Read($"{{\"operations\": [{{\"op\": \"delete_object\", \"uuid\": \"{Cube}\", \"children\": \"delete\"}}], \"rationale\": \"unused\"}}");

    private static AdmissionOutcome Decide(IntentRequest i, Actor a, TrustMode? t = null, LockTable? l = null, bool panic = false) =>
        Admission.Decide(i, a, t ?? TrustMode.Default, l ?? new LockTable(), panic).Outcome;

    [Fact]
    public void by_default_ai_cosmetic_intents_are_admitted_and_the_rest_wait_for_approval()
    {
        Assert.Equal(AdmissionOutcome.Admit, Decide(Cosmetic(), Ai));
        Assert.Equal(AdmissionOutcome.AwaitApproval, Decide(Structural(), Ai));
        Assert.Equal(AdmissionOutcome.AwaitApproval, Decide(Destructive(), Ai));
    }

    [Fact]
    public void a_supervised_trust_mode_holds_every_ai_intent_and_a_wider_one_admits_more()
    {
        Assert.Equal(AdmissionOutcome.AwaitApproval, Decide(Cosmetic(), Ai, TrustMode.Supervised));
        Assert.Equal(AdmissionOutcome.Admit, Decide(Structural(), Ai, new TrustMode(IntentClass.Structural)));
        Assert.Equal(AdmissionOutcome.AwaitApproval, Decide(Destructive(), Ai, new TrustMode(IntentClass.Structural)));
    }

    [Fact]
    public void humans_and_the_orchestrator_are_admitted_whatever_the_class()
    {
        foreach (var actor in new[] { Human, Orchestrator, Emergency })
            Assert.Equal(AdmissionOutcome.Admit, Decide(Destructive() with { Rationale = null }, actor, TrustMode.Supervised));
    }

    [Fact]
    public void an_engine_ranks_below_ai_and_never_skips_approval_beyond_the_trust_mode()
    {
        Assert.Equal(AdmissionOutcome.AwaitApproval, Decide(Structural(), Engine));
        Assert.True(Engine.Kind < Ai.Kind && Ai.Kind < Orchestrator.Kind && Orchestrator.Kind < Human.Kind && Human.Kind < Emergency.Kind);
    }

    [Fact]
    public void an_ai_intent_without_a_rationale_is_refused()
    {
        var e = Assert.Throws<IntentRefusedException>(() => Decide(Cosmetic(rationale: null), Ai));
        Assert.Equal("rationale", e.Path);
        Assert.Equal(AdmissionOutcome.Admit, Decide(Cosmetic(rationale: null), Human));
    }

    [Fact]
    public void an_ai_intent_on_an_object_a_human_is_editing_waits_and_the_human_does_not()
    {
        var locks = new LockTable();
        locks.Acquire(Cube, Human);
        Assert.Equal(AdmissionOutcome.WaitHumanLock, Decide(Cosmetic(), Ai, l: locks));
        Assert.Equal(AdmissionOutcome.Admit, Decide(Cosmetic(), Human, l: locks));
        locks.Release(Cube);
        Assert.Equal(AdmissionOutcome.Admit, Decide(Cosmetic(), Ai, l: locks));
    }

    [Fact]
    public void a_lock_on_the_new_parent_also_holds_an_ai_reparenting()
    {
        var locks = new LockTable();
        locks.Acquire(Root, Human);
        Assert.Equal(AdmissionOutcome.WaitHumanLock, Decide(Structural(), Ai, new TrustMode(IntentClass.Structural), locks));
    }

    [Fact]
    public void panic_halts_everyone_but_the_emergency_override()
    {
        foreach (var actor in new[] { Ai, Human, Orchestrator })
            Assert.Equal(AdmissionOutcome.Halted, Decide(Cosmetic(), actor, panic: true));
        Assert.Equal(AdmissionOutcome.Admit, Decide(Cosmetic(), Emergency, panic: true));
    }

    [Fact]
    public void only_humans_approve_hold_locks_or_unlock_in_an_emergency()
    {
        Assert.Throws<UnauthorizedAccessException>(() => Admission.CheckCanApprove(Ai));
        Assert.Throws<UnauthorizedAccessException>(() => Admission.CheckCanApprove(Orchestrator));
        Admission.CheckCanApprove(Human);
        var locks = new LockTable();
        Assert.Throws<UnauthorizedAccessException>(() => locks.Acquire(Cube, Ai));
        locks.Acquire(Cube, Human);
        Assert.Throws<UnauthorizedAccessException>(() => locks.EmergencyUnlock(Ai));
        Assert.Throws<UnauthorizedAccessException>(() => locks.EmergencyUnlock(Human));
        Assert.Equal(new[] { Cube }, locks.EmergencyUnlock(Emergency).Keys);
        Assert.Empty(locks.Held);
    }
}
