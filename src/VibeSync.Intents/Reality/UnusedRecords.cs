// Design rationale: engines report the materials and meshes their objects use, nothing else
// (docs/sync.md): Blender keeps an orphan datablock, Unity an unreferenced asset, and neither is
// part of the scene a user sees. Reality follows the same rule for records an intent stops using:
// when an intent takes away the last object using a material or mesh, that record leaves Reality
// with it (its blobs become collectable). Without this, an object that gained a modifier (a derived
// mesh replacing its authored one) left the authored mesh in Reality and in no engine, and every
// root compared apart. Only records the intent's own operations let go of are candidates, so the
// cost is one pass over the objects for such intents and nothing for the rest (a drag, a rename).
// Pruned records are not tombstoned: the same mesh may come back (the modifier removed again).
// A record created and not yet used stays, as before (an AI may create a mesh, then an object).
// Images follow their materials the same way: an image no remaining material's textures use
// leaves with the last material that used it, or with the texture edit that let go of it. Skins
// follow their skinned objects (Blender reports an armature's skin only while it skins a mesh).

using VibeSync.Protocol.State;

namespace VibeSync.Intents.Reality;

/// <summary>Removes the materials, meshes and skins an intent left without any object using them, and the images left without any material using them.</summary>
internal static class UnusedRecords
{
    /// <summary><paramref name="after"/> without the records that objects of <paramref name="before"/> named by <paramref name="operations"/> used and no object uses now.</summary>
    public static RealityScene Prune(RealityScene before, RealityScene after, IReadOnlyList<Operation> operations)
    {
        var candidates = Candidates(before, operations);
        if (candidates is { Count: > 0 })
        {
            foreach (var o in after.Objects.Values) // every object: no iterator per object here
            {
                if (o.Mesh != null) candidates.Remove(o.Mesh);
                foreach (var m in o.Materials) if (m != null) candidates.Remove(m);
                if (o.Skin != null) candidates.Remove(o.Skin);
                if (candidates.Count == 0) break;
            }
            after = after with
            {
                Materials = after.Materials.RemoveRange(candidates), Meshes = after.Meshes.RemoveRange(candidates), Skins = after.Skins.RemoveRange(candidates),
            };
        }
        return PruneImages(before, after, operations, candidates);
    }

    /// <summary>The images that materials pruned now, or whose textures these operations set, used before and no material uses now.</summary>
    /// <remarks>
    /// Sets made only when there is something to put in them, and the operations walked by index:
    /// most intents (a drag) have nothing to prune, and this runs for every one of them, in Reality
    /// and in each in-memory engine (issue #20: a set and a boxed enumerator each, per call).
    /// </remarks>
    private static RealityScene PruneImages(RealityScene before, RealityScene after, IReadOnlyList<Operation> operations, HashSet<string>? pruned)
    {
        HashSet<string>? images = null;
        if (pruned != null)
            foreach (var uuid in pruned)
                if (before.Materials.TryGetValue(uuid, out var gone)) (images ??= new HashSet<string>(StringComparer.Ordinal)).UnionWith(gone.ImageIds());
        for (int i = 0; i < operations.Count; i++)
            if (operations[i] is SetMaterialParams { Textures: not null } op && before.Materials.TryGetValue(op.Uuid, out var changed))
                (images ??= new HashSet<string>(StringComparer.Ordinal)).UnionWith(changed.ImageIds());
        if (images is null || images.Count == 0) return after;
        foreach (var m in after.Materials.Values)
        {
            images.ExceptWith(m.ImageIds());
            if (images.Count == 0) return after;
        }
        return after with { Images = after.Images.RemoveRange(images) };
    }

    /// <summary>What the objects these operations change or delete used before them; null when no operation can let go of a record.</summary>
    private static HashSet<string>? Candidates(RealityScene before, IReadOnlyList<Operation> operations)
    {
        HashSet<string>? candidates = null;
        for (int k = 0; k < operations.Count; k++)
        {
            var op = operations[k];
            if (op is not (SetMesh or AssignMaterial or SetSkin or DeleteObject)) continue;
            candidates ??= new HashSet<string>(StringComparer.Ordinal);
            var doomed = new List<string> { op.Uuid };
            if (op is DeleteObject { Children: ChildrenPolicy.Delete })
                for (int i = 0; i < doomed.Count; i++) doomed.AddRange(before.ChildrenOf(doomed[i]).Select(c => c.Uuid));
            foreach (var uuid in doomed)
            {
                if (before.Objects.TryGetValue(uuid, out var o)) candidates.UnionWith(o.Uses());
            }
        }
        return candidates;
    }
}
