using VibeSync.Intents.Authority;
using VibeSync.Intents.Reality;

namespace VibeSync.Intents.Batching;

/// <summary>
/// The uuids an intent changes or depends on: what it names (<see cref="Admission.Touches"/>),
/// the mesh and materials a new object points at, and the subtree or children a delete moves or
/// removes. Two intents conflict, coalesce and verify together exactly when their footprints meet.
/// </summary>
public static class Footprint
{
    /// <summary>The footprint of <paramref name="request"/> against the scene it will be applied to.</summary>
    public static string[] Of(RealityScene before, IntentRequest request) => Of(before, request.Operations);

    /// <summary>The footprint of <paramref name="operations"/> against the scene they will be applied to.</summary>
    public static string[] Of(RealityScene before, IReadOnlyList<Operation> operations)
    {
        // A list sorted once rather than a SortedSet: this runs for every admission, mostly for one
        // operation on one uuid, and a set's nodes were a measurable share of its garbage (issue #20).
        // Indexed, and Touches added without its iterator: no enumerator per admission. The list is
        // scratch kept per thread (the spine, an engine): only the footprint itself is allocated.
        var uuids = t_scratch ?? new List<string>(operations.Count + 1);
        t_scratch = null; // taken while in use
        try
        {
            return Collect(before, operations, uuids);
        }
        finally
        {
            uuids.Clear();
            if (uuids.Capacity <= KeptCapacity) t_scratch = uuids; // a delete's large subtree is not held for good
        }
    }

    private const int KeptCapacity = 1024;
    [ThreadStatic] private static List<string>? t_scratch;

    private static string[] Collect(RealityScene before, IReadOnlyList<Operation> operations, List<string> uuids)
    {
        for (int i = 0; i < operations.Count; i++)
        {
            var op = operations[i];
            Admission.AddTouches(op, uuids);
            switch (op)
            {
                case CreateObject c:
                    if (c.Mesh != null) uuids.Add(c.Mesh);
                    foreach (var m in c.Materials) if (m != null) uuids.Add(m);
                    break;
                case CreateMaterial m:
                    foreach (var image in m.Material.ImageIds()) uuids.Add(image);
                    break;
                case SetMaterialParams { Textures: { } textures }:
                    foreach (var t in textures.Values) if (t != null) uuids.Add(t.Image);
                    break;
                case DuplicateObject d when before.Objects.TryGetValue(d.Uuid, out var source):
                    if (source.Mesh != null) uuids.Add(source.Mesh);
                    break;
                case DeleteObject d:
                    AddSubtree(before, d.Uuid, uuids, whole: d.Children == ChildrenPolicy.Delete);
                    if (before.Objects.TryGetValue(d.Uuid, out var gone) && gone.Parent != null) uuids.Add(gone.Parent);
                    break;
            }
        }
        if (uuids.Count == 1) return uuids.ToArray();
        uuids.Sort(StringComparer.Ordinal);
        int kept = 0;
        for (int i = 0; i < uuids.Count; i++)
            if (kept == 0 || !string.Equals(uuids[kept - 1], uuids[i], StringComparison.Ordinal)) uuids[kept++] = uuids[i];
        var footprint = new string[kept]; // copied straight out: GetRange made a list only to copy it again
        uuids.CopyTo(0, footprint, 0, kept);
        return footprint;
    }

    private static void AddSubtree(RealityScene scene, string uuid, List<string> into, bool whole)
    {
        foreach (var child in scene.ChildrenOf(uuid))
        {
            into.Add(child.Uuid);
            if (whole) AddSubtree(scene, child.Uuid, into, whole);
        }
    }
}
