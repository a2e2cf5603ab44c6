// Design rationale: the conflict table of DESIGN §4 decided in one pure function, so each row is
// tested on its own and the pipeline only carries the decision out. Authority is asked first
// (a human's edit beats any AI or system speculation; an AI waits for a human's), then the class
// table among equals. Conflicts are judged when the newcomer joins the open batch, before it is
// applied anywhere: what loses is either never applied or rolled back at once, never left to
// fail verification later.
using VibeSync.Protocol.State;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.Intents;

namespace VibeSync.Intents.Batching;

/// <summary>An intent as the conflict table sees it.</summary>
/// <param name="IntentId">Its number: among cosmetic edits of one property the higher wins.</param>
/// <param name="Actor">Who submitted it.</param>
/// <param name="Class">Its class.</param>
/// <param name="Operations">What it does.</param>
public sealed record Contender(ulong IntentId, Actor Actor, IntentClass Class, IReadOnlyList<Operation> Operations)
{
    /// <summary>Humans and the emergency override, whose edits are the truth.</summary>
    public bool IsHuman => Actor.Kind >= ActorKind.Human;
}

/// <summary>Which row of the table applied.</summary>
public enum ConflictRule
{
    /// <summary>Nothing in the open batch shares a uuid with the newcomer.</summary>
    None,
    /// <summary>Cosmetic edits: the same property → the higher intent_id wins; different properties merge under one hash.</summary>
    CosmeticMerge,
    /// <summary>A human's edit meets AI or system speculation: that speculation is rolled back (HUMAN_EDIT).</summary>
    HumanOverridesSpeculation,
    /// <summary>An AI or system intent meets a human's edit still in the batch: it waits (WAIT_HUMAN_LOCK).</summary>
    WaitForHuman,
    /// <summary>A structural intent meets cosmetic ones: the cosmetic ones are rolled back.</summary>
    StructuralOverridesCosmetic,
    /// <summary>A cosmetic intent meets a structural one: the cosmetic newcomer is rolled back.</summary>
    CosmeticYieldsToStructural,
    /// <summary>Structural vs structural, or destructive vs anything: QUARANTINED until a human acts.</summary>
    Quarantine,
}

/// <summary>
/// What to do with a newcomer that meets <see cref="Losers"/> or a <see cref="Winner"/> in the
/// open batch, and why (journaled with the winner).
/// </summary>
/// <param name="Rule">The row of the table.</param>
/// <param name="Winner">The intent that prevails (the newcomer, or the one it yields to).</param>
/// <param name="Losers">Batch members rolled back, or, for <see cref="ConflictRule.CosmeticMerge"/>, superseded.</param>
/// <param name="Reason">A sentence for the journal.</param>
public sealed record ConflictDecision(ConflictRule Rule, ulong? Winner, IReadOnlyList<Contender> Losers, string Reason);

/// <summary>The conflict policy table of DESIGN §4.</summary>
public static class ConflictPolicy
{
    /// <summary>Decides for <paramref name="newcomer"/> against the batch members whose footprints meet its own.</summary>
    public static ConflictDecision Decide(Contender newcomer, IReadOnlyList<Contender> overlapping)
    {
        if (overlapping.Count == 0) return new(ConflictRule.None, null, Array.Empty<Contender>(), "no conflict");

        if (newcomer.IsHuman)
        {
            var speculation = overlapping.Where(c => !c.IsHuman).ToArray();
            if (speculation.Length > 0)
                return new(ConflictRule.HumanOverridesSpeculation, newcomer.IntentId, speculation,
                    $"human vs {speculation[0].Actor}: the human's edit (intent {newcomer.IntentId}) wins; the speculation is rolled back");
        }
        else if (overlapping.FirstOrDefault(c => c.IsHuman) is { } human)
            return new(ConflictRule.WaitForHuman, human.IntentId, Array.Empty<Contender>(),
                $"a human's edit (intent {human.IntentId}) of the same object is being verified: waiting for the human (WAIT_HUMAN_LOCK)");

        if (newcomer.Class == IntentClass.Destructive || overlapping.FirstOrDefault(c => c.Class == IntentClass.Destructive) is not null)
        {
            var other = overlapping.FirstOrDefault(c => c.Class == IntentClass.Destructive) ?? overlapping[0];
            return new(ConflictRule.Quarantine, null, Array.Empty<Contender>(),
                $"destructive vs {PhaseNames.Name(other.Class)} in one batch (intents {other.IntentId} and {newcomer.IntentId}): QUARANTINED until a human acts");
        }
        if (newcomer.Class == IntentClass.Structural)
        {
            if (overlapping.FirstOrDefault(c => c.Class == IntentClass.Structural) is { } rival)
                return new(ConflictRule.Quarantine, null, Array.Empty<Contender>(),
                    $"structural vs structural in one batch (intents {rival.IntentId} and {newcomer.IntentId}): QUARANTINED until a human acts");
            return new(ConflictRule.StructuralOverridesCosmetic, newcomer.IntentId, overlapping,
                $"structural vs cosmetic: the structural intent {newcomer.IntentId} wins; cosmetic edits of the same objects are rolled back");
        }
        if (overlapping.FirstOrDefault(c => c.Class == IntentClass.Structural) is { } structural)
            return new(ConflictRule.CosmeticYieldsToStructural, structural.IntentId, new[] { newcomer },
                $"structural vs cosmetic: the structural intent {structural.IntentId} wins; this cosmetic edit is rolled back");

        var mine = Properties(newcomer.Operations);
        var superseded = overlapping.Where(c => Properties(c.Operations).Overlaps(mine)).ToArray();
        return new(ConflictRule.CosmeticMerge, newcomer.IntentId, superseded,
            superseded.Length == 0
                ? "cosmetic edits of different properties: merged under one hash"
                : $"cosmetic edits of the same property: the higher intent_id ({newcomer.IntentId}) wins");
    }

    /// <summary>The properties cosmetic operations set, as <c>uuid.property</c>.</summary>
    public static HashSet<string> Properties(IEnumerable<Operation> operations)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var op in operations)
        {
            switch (op)
            {
                case SetTransform t:
                    if (t.Translation != null) set.Add(op.Uuid + ".translation");
                    if (t.Rotation != null) set.Add(op.Uuid + ".rotation");
                    if (t.Scale != null) set.Add(op.Uuid + ".scale");
                    break;
                case SetMaterialParams m:
                    if (m.BaseColor != null) set.Add(op.Uuid + ".base_color");
                    if (m.Metallic != null) set.Add(op.Uuid + ".metallic");
                    if (m.Roughness != null) set.Add(op.Uuid + ".roughness");
                    if (m.Emission != null) set.Add(op.Uuid + ".emission");
                    if (m.EmissiveStrength != null) set.Add(op.Uuid + ".emissive_strength");
                    if (m.AlphaMode != null) set.Add(op.Uuid + ".alpha_mode");
                    if (m.AlphaCutoff != null) set.Add(op.Uuid + ".alpha_cutoff");
                    if (m.DoubleSided != null) set.Add(op.Uuid + ".double_sided");
                    if (m.NormalScale != null) set.Add(op.Uuid + ".normal_scale");
                    if (m.OcclusionStrength != null) set.Add(op.Uuid + ".occlusion_strength");
                    if (m.Textures != null) foreach (var slot in m.Textures.Keys) set.Add($"{op.Uuid}.textures.{GltfNames.TextureSlots[(int)slot]}");
                    if (m.SetsUnsynced) set.Add(op.Uuid + ".unsynced");
                    break;
                case SetCamera c:
                    // The type decides which fields mean anything: a camera edit is one property.
                    set.Add(op.Uuid + ".camera");
                    break;
                case SetLight:
                    set.Add(op.Uuid + ".light");
                    break;
                case SetVisibility: set.Add(op.Uuid + ".visible"); break;
                case AssignMaterial a: set.Add($"{op.Uuid}.materials[{a.Slot}]"); break;
                case Rename: set.Add(op.Uuid + ".name"); break;
                default: set.Add(op.Uuid + "." + op.Name); break;
            }
        }
        return set;
    }
}
