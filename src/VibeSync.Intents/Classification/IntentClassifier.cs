using VibeSync.Intents.Operations;

namespace VibeSync.Intents.Classification;

/// <summary>The class of a change, by the damage it can do. Ordered: a higher value is more dangerous.</summary>
public enum ChangeClass
{
    /// <summary>Transform, material parameters, visibility, names: undone by setting values back.</summary>
    Cosmetic = 1,
    /// <summary>Hierarchy and creation: undone by structural inverses, verified synchronously.</summary>
    Structural = 2,
    /// <summary>Deletion and overwrites: a snapshot is taken first.</summary>
    Destructive = 3,
}

/// <summary>
/// Classifies mechanically, from the operation alone (DESIGN §4): the caller, AI or human, never
/// chooses a class. An intent's class is the highest of its operations'.
/// </summary>
public static class IntentClassifier
{
    /// <summary>The class of one operation.</summary>
    public static ChangeClass Classify(Operation op) => op switch
    {
        SetTransform or SetVisibility or SetMaterialParams or AssignMaterial or Rename => ChangeClass.Cosmetic,
        SetParent or CreateObject or InstantiatePrefab or DuplicateObject => ChangeClass.Structural,
        DeleteObject or ReplaceMesh or ReplaceAsset => ChangeClass.Destructive,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op.GetType().Name, "unclassified operation"),
    };

    /// <summary>The class of an intent: the highest of its operations'.</summary>
    /// <exception cref="ArgumentException">No operations.</exception>
    public static ChangeClass Classify(IReadOnlyList<Operation> operations)
    {
        if (operations.Count == 0) throw new ArgumentException("an intent has at least one operation", nameof(operations));
        return operations.Max(Classify);
    }
}
