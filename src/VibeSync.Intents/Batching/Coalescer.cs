
namespace VibeSync.Intents.Batching;

/// <summary>
/// Semantic coalescing: cosmetic operations only set values (no operation reads another's
/// result), so a run of them folds into one list where each (operation, uuid, slot) appears once
/// with the latest value of each field. Applying the folded list gives what applying the run in
/// order gives; that is what lets a drag of a thousand micro-edits journal as one intent.
/// </summary>
public static class Coalescer
{
    /// <summary>True when every operation is a pure setter that can be folded.</summary>
    public static bool CanFold(IEnumerable<Operation> operations)
    {
        // A list is indexed: All over the interface boxes an enumerator, and every coalescing admission asks twice.
        if (operations is IReadOnlyList<Operation> list)
        {
            for (int i = 0; i < list.Count; i++)
                if (!IsSetter(list[i])) return false;
            return true;
        }
        foreach (var o in operations)
            if (!IsSetter(o)) return false;
        return true;
    }

    private static bool IsSetter(Operation o) => o is SetTransform or SetVisibility or SetMaterialParams or AssignMaterial or Rename;

    /// <summary><paramref name="earlier"/> then <paramref name="later"/>, folded: later fields win, first appearance keeps the order.</summary>
    /// <exception cref="ArgumentException">An operation that is not a pure setter.</exception>
    public static IReadOnlyList<Operation> Fold(IReadOnlyList<Operation> earlier, IReadOnlyList<Operation> later)
    {
        var folded = new List<Operation>(earlier.Count + later.Count);
        // A micro-intent folds one or two operations into a few: a linear search finds the key
        // without a dictionary per join (issue #20: two folds per coalesced intent, 5,000 a second).
        // Past a few operations the index keeps folding linear.
        var index = earlier.Count + later.Count <= LinearUpTo ? null : new Dictionary<(string Name, string Uuid, int Slot), int>();
        for (int i = 0; i < earlier.Count; i++) Add(folded, index, earlier[i]);
        for (int i = 0; i < later.Count; i++) Add(folded, index, later[i]);
        return folded;
    }

    private const int LinearUpTo = 16;

    private static void Add(List<Operation> folded, Dictionary<(string Name, string Uuid, int Slot), int>? index, Operation op)
    {
        // A camera or light change may switch its type, which decides the fields that make sense:
        // they are kept in order rather than folded into one that might mix two types' fields.
        bool kept = op is SetCamera or SetLight;
        int at = -1;
        if (index != null)
        {
            var key = (op.Name, op.Uuid, kept ? -2 - folded.Count : SlotOf(op));
            if (!index.TryGetValue(key, out at))
            {
                index[key] = folded.Count;
                at = -1;
            }
        }
        else if (!kept)
        {
            // The same key as the index's: (name, uuid, slot); a kept operation's key is unique.
            for (int j = 0; j < folded.Count; j++)
            {
                var f = folded[j];
                if (f is not (SetCamera or SetLight) && string.Equals(f.Name, op.Name, StringComparison.Ordinal)
                    && string.Equals(f.Uuid, op.Uuid, StringComparison.Ordinal) && SlotOf(f) == SlotOf(op))
                {
                    at = j;
                    break;
                }
            }
        }
        if (at < 0)
        {
            folded.Add(op);
            return;
        }
        folded[at] = (folded[at], op) switch
        {
            (SetTransform x, SetTransform y) => new SetTransform(y.Uuid, y.Translation ?? x.Translation, y.Rotation ?? x.Rotation, y.Scale ?? x.Scale),
            (SetMaterialParams x, SetMaterialParams y) => x.Then(y),
            (SetVisibility, SetVisibility y) => y,
            (AssignMaterial, AssignMaterial y) => y,
            (Rename, Rename y) => y,
            _ => throw new ArgumentException($"{op.Name} cannot be folded: only cosmetic setters can", "later"),
        };
    }

    private static int SlotOf(Operation op) => op is AssignMaterial a ? a.Slot : -1;
}
