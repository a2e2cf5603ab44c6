
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
    public static bool CanFold(IEnumerable<Operation> operations) =>
        operations.All(o => o is SetTransform or SetVisibility or SetMaterialParams or AssignMaterial or Rename);

    /// <summary><paramref name="earlier"/> then <paramref name="later"/>, folded: later fields win, first appearance keeps the order.</summary>
    /// <exception cref="ArgumentException">An operation that is not a pure setter.</exception>
    public static IReadOnlyList<Operation> Fold(IReadOnlyList<Operation> earlier, IReadOnlyList<Operation> later)
    {
        var folded = new List<Operation>(earlier.Count + later.Count);
        var index = new Dictionary<(string Name, string Uuid, int Slot), int>();
        foreach (var op in earlier.Concat(later))
        {
            // A camera or light change may switch its type, which decides the fields that make sense:
            // they are kept in order rather than folded into one that might mix two types' fields.
            var key = (op.Name, op.Uuid, op is AssignMaterial a ? a.Slot : op is SetCamera or SetLight ? -2 - folded.Count : -1);
            if (!index.TryGetValue(key, out int at))
            {
                index[key] = folded.Count;
                folded.Add(op);
                continue;
            }
            folded[at] = (folded[at], op) switch
            {
                (SetTransform x, SetTransform y) => new SetTransform(y.Uuid, y.Translation ?? x.Translation, y.Rotation ?? x.Rotation, y.Scale ?? x.Scale),
                (SetMaterialParams x, SetMaterialParams y) => x.Then(y),
                (SetVisibility, SetVisibility y) => y,
                (AssignMaterial, AssignMaterial y) => y,
                (Rename, Rename y) => y,
                _ => throw new ArgumentException($"{op.Name} cannot be folded: only cosmetic setters can", nameof(later)),
            };
        }
        return folded;
    }
}
