using VibeSync.Protocol.Intents;

namespace VibeSync.Cluster.Tests;

/// <summary>Journal entries for the tests: one FINAL per intent, with a little operation JSON.</summary>
internal static class Entries
{
    public static EncodedEntry Final(ulong intent) => WriteAheadLog.Encode(new WalEntry(intent, IntentPhase.Final, 1_700_000_000_000 + (long)intent,
        "blender", "human:test", new Scope(new[] { $"obj-{intent}" }, IntentClass.Cosmetic), null, null, $"edit {intent}",
        $$"""{"op":"set_name","uuid":"obj-{{intent}}","name":"n{{intent}}"}"""));
}
