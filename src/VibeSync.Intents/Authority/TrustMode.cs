using VibeSync.Wal.Entries;
using VibeSync.Protocol.Intents;

namespace VibeSync.Intents.Authority;

/// <summary>
/// How far AI intents are admitted without a human's approval. Default: cosmetic changes are
/// admitted, structural and destructive ones wait as PENDING (issue #4).
/// </summary>
/// <param name="AdmitAiUpTo">The highest class admitted without approval; null: every AI intent waits.</param>
public sealed record TrustMode(IntentClass? AdmitAiUpTo)
{
    /// <summary>Cosmetic admitted, the rest waits for approval.</summary>
    public static TrustMode Default { get; } = new(IntentClass.Cosmetic);

    /// <summary>Every AI intent waits for approval.</summary>
    public static TrustMode Supervised { get; } = new((IntentClass?)null);
}
