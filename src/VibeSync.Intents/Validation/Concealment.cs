using System.Collections.Immutable;

namespace VibeSync.Intents.Validation;

/// <summary>
/// What Reality remembers so that what an AI may see never depends on anything it cannot see
/// (DESIGN §8; the rule is <see cref="AiVisibility"/>). Both sets only grow, so nothing an AI can do
/// makes a record vanish from its view or reappear in it.
/// </summary>
/// <param name="Data">
/// Materials and meshes an object hidden from AI has used. They stay kept from AI for good: the
/// geometry of a hidden object never surfaces (not even once it is deleted and its mesh is left
/// unused), and taking a shared material off a visible object does not make it vanish exactly
/// when a hidden object still holds it.
/// </param>
/// <param name="SeenTombstones">
/// Deleted objects an AI could see when they were deleted: for an AI their uuid is TOMBSTONED;
/// any other tombstone is unknown to it, like a uuid that never existed.
/// </param>
public sealed record Concealment(ImmutableHashSet<string> Data, ImmutableHashSet<string> SeenTombstones)
{
    /// <summary>Nothing concealed beyond the <c>h-</c> prefix.</summary>
    public static Concealment None { get; } = new(ImmutableHashSet.Create<string>(StringComparer.Ordinal), ImmutableHashSet.Create<string>(StringComparer.Ordinal));
}
