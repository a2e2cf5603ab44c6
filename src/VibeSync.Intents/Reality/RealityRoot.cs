using System.Runtime.CompilerServices;
using VibeSync.Protocol.Hashing;

namespace VibeSync.Intents.Reality;

/// <summary>
/// Reality's root hash, computed once per Reality. Reality is immutable and every change publishes a
/// new instance, so the root is remembered by instance: <c>status</c>, the console's pages and the
/// snapshot checks all read it, and hashing a 100,000-object Reality on each request made a status
/// poll cost what the scene costs. Kept beside the record, not in it: a <c>with</c> copy would carry
/// a field's stale root into the new Reality.
/// </summary>
public static class RealityRoot
{
    private static readonly ConditionalWeakTable<RealityScene, string> Roots = new();

    /// <summary>The root of <paramref name="reality"/> in hex (<see cref="SceneHasher.RootHex"/> of its scene).</summary>
    public static string Of(RealityScene reality) =>
        Roots.GetValue(reality, static r => SceneHasher.RootHex(r.ToScene()));
}
