using VibeSync.Wal.Entries;
using VibeSync.Protocol.Intents;

namespace VibeSync.Intents.Classification;

/// <summary>
/// Classifies mechanically, from the operation alone (DESIGN §4): the caller, AI or human, never
/// chooses a class. An intent's class is the highest of its operations'. The classes are the
/// WAL's <see cref="IntentClass"/> (ordered: a higher value is more dangerous), so what is
/// classified is what is journaled.
/// </summary>
public static class IntentClassifier
{
    /// <summary>The class of one operation.</summary>
    public static IntentClass Classify(Operation op) => op switch
    {
        SetTransform or SetVisibility or SetMaterialParams or AssignMaterial or Rename or SetCamera or SetLight
            or SetMorphWeights or SetAnimationChannel => IntentClass.Cosmetic,
        SetParent or SetMesh or CreateObject or InstantiatePrefab or DuplicateObject or CreateMaterial or CreateMesh or CreateImage
            or SetSkin or CreateSkin or UpdateSkin or CreateAnimation => IntentClass.Structural,
        DeleteObject or ReplaceMesh or ReplaceAsset or ReplaceImage or DeleteSkin or DeleteAnimation => IntentClass.Destructive,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op.GetType().Name, "unclassified operation"),
    };

    /// <summary>The class of an intent: the highest of its operations'.</summary>
    /// <exception cref="ArgumentException">No operations.</exception>
    public static IntentClass Classify(IReadOnlyList<Operation> operations)
    {
        if (operations.Count == 0) throw new ArgumentException("an intent has at least one operation", nameof(operations));
        // Indexed, not Max over the interface (a boxed enumerator): every admission classifies.
        var max = Classify(operations[0]);
        for (int i = 1; i < operations.Count; i++)
            if (Classify(operations[i]) is var c && c > max) max = c;
        return max;
    }
}
