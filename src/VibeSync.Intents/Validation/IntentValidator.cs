using System.Collections.Immutable;
using VibeSync.Protocol.Operations;
using VibeSync.Intents.Reality;
using VibeSync.Protocol.State;

namespace VibeSync.Intents.Validation;

/// <summary>
/// Validates an intent against Reality and computes the Reality it would make. Operations are
/// checked in order, each against the scene the ones before it produced, so an ordered list is
/// all-or-none: any refusal throws and no scene is returned. Checks: staleness of
/// <c>based_on</c>, hidden objects for AI actors, references to unknown or tombstoned IDs, new
/// IDs already in use, parent cycles, kind rules, and the closure of deletions.
/// </summary>
public static class IntentValidator
{
    /// <summary>Validates <paramref name="intent"/> from <paramref name="actor"/> and returns Reality after it.</summary>
    /// <exception cref="IntentRefusedException">The first rule the intent breaks.</exception>
    public static RealityScene Apply(RealityScene reality, IntentRequest intent, Actor actor)
    {
        CheckBasedOn(reality, intent);
        var scene = reality;
        for (int i = 0; i < intent.Operations.Count; i++)
            scene = Apply(scene, intent.Operations[i], actor, $"operations[{i}]");
        return scene;
    }

    private static void CheckBasedOn(RealityScene reality, IntentRequest intent)
    {
        var stale = intent.BasedOn.Where(p => reality.RecordHashOf(p.Key) != p.Value).ToList();
        if (stale.Count == 0) return;
        throw new IntentRefusedException(IntentErrorCode.Stale, $"based_on.{stale[0].Key}",
            $"{stale.Count} record(s) changed since they were read; read them again and resubmit")
        {
            CurrentHashes = stale.ToDictionary(p => p.Key, p => reality.RecordHashOf(p.Key) ?? "deleted", StringComparer.Ordinal),
        };
    }

    private static RealityScene Apply(RealityScene s, Operation op, Actor actor, string path)
    {
        Visible(op.Uuid, actor, path + ".uuid");
        switch (op)
        {
            case SetTransform t:
            {
                var o = Object(s, t.Uuid, path + ".uuid");
                return Put(s, o with { Translation = t.Translation ?? o.Translation, Rotation = t.Rotation ?? o.Rotation, Scale = t.Scale ?? o.Scale });
            }
            case SetVisibility v:
                return Put(s, Object(s, v.Uuid, path + ".uuid") with { Visible = v.Visible });
            case SetMaterialParams p:
            {
                var m = Material(s, p.Uuid, path + ".uuid");
                return s with
                {
                    Materials = s.Materials.SetItem(m.Uuid, m with
                    {
                        BaseColor = p.BaseColor ?? m.BaseColor, Metallic = p.Metallic ?? m.Metallic,
                        Roughness = p.Roughness ?? m.Roughness, Emission = p.Emission ?? m.Emission,
                    }),
                };
            }
            case AssignMaterial a:
            {
                var o = Object(s, a.Uuid, path + ".uuid");
                if (o.Kind != ObjectKind.Mesh) Refuse(IntentErrorCode.InvalidValue, path + ".uuid", $"{o.Uuid} is a {ObjectKindNames.Name(o.Kind)}; only mesh objects have material slots");
                if (a.Slot > o.Materials.Count) Refuse(IntentErrorCode.InvalidValue, path + ".slot", $"slot {a.Slot} is beyond the {o.Materials.Count} slot(s) (use {o.Materials.Count} to add one)");
                if (a.Material != null) Material(s, a.Material, path + ".material");
                var slots = o.Materials.ToList();
                if (a.Slot == slots.Count) slots.Add(a.Material); else slots[a.Slot] = a.Material;
                return Put(s, o with { Materials = slots });
            }
            case SetParent p:
            {
                var o = Object(s, p.Uuid, path + ".uuid");
                if (p.Parent != null)
                {
                    Visible(p.Parent, actor, path + ".parent");
                    Object(s, p.Parent, path + ".parent");
                    for (string? at = p.Parent; at != null; at = s.Objects[at].Parent)
                        if (at == o.Uuid) Refuse(IntentErrorCode.Cycle, path + ".parent", $"{p.Parent} is {(at == p.Parent ? "the object itself" : "a descendant of " + o.Uuid)}: the hierarchy would have a cycle");
                }
                return CheckNesting(Put(s, o with { Parent = p.Parent }), o.Uuid, path + ".parent");
            }
            case CreateObject c:
            {
                NewId(s, c.Uuid, actor, path + ".uuid");
                ParentOf(s, c.Parent, actor, path + ".parent");
                if (c.Kind == ObjectKind.Mesh)
                {
                    if (c.Mesh is null) Refuse(IntentErrorCode.MissingField, path + ".mesh", "an object of kind mesh needs a mesh");
                    Mesh(s, c.Mesh!, path + ".mesh");
                    for (int i = 0; i < c.Materials.Count; i++) if (c.Materials[i] is { } m) Material(s, m, $"{path}.materials[{i}]");
                }
                else if (c.Mesh != null || c.Materials.Count > 0)
                    Refuse(IntentErrorCode.InvalidValue, path + ".kind", $"an object of kind {ObjectKindNames.Name(c.Kind)} has no mesh or material slots");
                return Put(s, new SceneObject(c.Uuid, c.ObjectName, c.Kind, c.Parent, c.Translation, c.Rotation, c.Scale, c.Visible, c.Materials, c.Mesh));
            }
            case InstantiatePrefab p:
            {
                NewId(s, p.Uuid, actor, path + ".uuid");
                ParentOf(s, p.Parent, actor, path + ".parent");
                var o = new SceneObject(p.Uuid, p.ObjectName, ObjectKind.Empty, p.Parent, p.Translation, p.Rotation, p.Scale, true, Array.Empty<string?>(), null);
                return CheckNesting(Put(s, o) with { Assets = s.Assets.SetItem(p.Uuid, p.Prefab) }, p.Uuid, path + ".prefab");
            }
            case DuplicateObject d:
            {
                var o = Object(s, d.Uuid, path + ".uuid");
                NewId(s, d.NewUuid, actor, path + ".new_uuid");
                var copy = Put(s, o with { Uuid = d.NewUuid, Name = d.NewName ?? o.Name });
                return s.Assets.TryGetValue(o.Uuid, out var asset) ? copy with { Assets = copy.Assets.SetItem(d.NewUuid, asset) } : copy;
            }
            case DeleteObject d:
            {
                var o = Object(s, d.Uuid, path + ".uuid");
                var doomed = new List<string> { o.Uuid };
                if (d.Children == ChildrenPolicy.Delete)
                    for (int i = 0; i < doomed.Count; i++) doomed.AddRange(s.ChildrenOf(doomed[i]).Select(c => c.Uuid));
                if (actor.Kind == ActorKind.Ai && doomed.FirstOrDefault(VibeSyncId.IsHidden) is { } hidden)
                    Refuse(IntentErrorCode.HiddenFromAi, path + ".children", $"deleting the subtree would delete {hidden}, which is hidden from AI");
                var objects = s.Objects.RemoveRange(doomed);
                if (d.Children == ChildrenPolicy.Reparent)
                    foreach (var child in s.ChildrenOf(o.Uuid)) objects = objects.SetItem(child.Uuid, child with { Parent = o.Parent });
                return s with { Objects = objects, Tombstones = s.Tombstones.Union(doomed), Assets = s.Assets.RemoveRange(doomed) };
            }
            case CreateMaterial m:
                NewId(s, m.Uuid, actor, path + ".uuid");
                return s with { Materials = s.Materials.SetItem(m.Uuid, new Material(m.Uuid, m.MaterialName, m.BaseColor, m.Metallic, m.Roughness, m.Emission)) };
            case CreateMesh m:
                NewId(s, m.Uuid, actor, path + ".uuid");
                return s with { Meshes = s.Meshes.SetItem(m.Uuid, new Mesh(m.Uuid, m.Positions, m.Triangles, m.Uv0)) };
            case ReplaceMesh r:
                Mesh(s, r.Uuid, path + ".uuid");
                return s with { Meshes = s.Meshes.SetItem(r.Uuid, new Mesh(r.Uuid, r.Positions, r.Triangles, r.Uv0)) };
            case ReplaceAsset r:
                Object(s, r.Uuid, path + ".uuid");
                if (!s.Assets.ContainsKey(r.Uuid)) Refuse(IntentErrorCode.InvalidValue, path + ".uuid", $"{r.Uuid} is not a prefab instance");
                return CheckNesting(s with { Assets = s.Assets.SetItem(r.Uuid, r.Asset) }, r.Uuid, path + ".asset");
            case Rename r:
                if (s.Objects.TryGetValue(r.Uuid, out var named)) return Put(s, named with { Name = r.NewName });
                return s with { Materials = s.Materials.SetItem(r.Uuid, Material(s, r.Uuid, path + ".uuid") with { Name = r.NewName }) };
            default:
                throw new ArgumentOutOfRangeException(nameof(op), op.Name, "unknown operation");
        }
    }

    /// <summary>
    /// Nesting parity between engines: no prefab / collection instance in <paramref name="uuid"/>'s
    /// subtree may sit under an instance of the same asset. Unity refuses cyclic prefab nesting and
    /// Blender a collection that instances itself, so such a hierarchy could not land in both.
    /// </summary>
    private static RealityScene CheckNesting(RealityScene s, string uuid, string path)
    {
        if (s.Assets.IsEmpty) return s;
        var subtree = new List<string> { uuid };
        for (int i = 0; i < subtree.Count; i++) subtree.AddRange(s.ChildrenOf(subtree[i]).Select(c => c.Uuid));
        foreach (var node in subtree)
        {
            if (!s.Assets.TryGetValue(node, out var asset)) continue;
            for (string? at = s.Objects[node].Parent; at != null; at = s.Objects[at].Parent)
                if (s.Assets.TryGetValue(at, out var outer) && outer == asset)
                    Refuse(IntentErrorCode.Nesting, path, $"{node} (an instance of {asset}) would sit inside {at}, another instance of {asset}: a prefab or collection cannot contain itself");
        }
        return s;
    }

    private static RealityScene Put(RealityScene s, SceneObject o) => s with { Objects = s.Objects.SetItem(o.Uuid, o) };

    private static void Visible(string uuid, Actor actor, string path)
    {
        if (actor.Kind == ActorKind.Ai && VibeSyncId.IsHidden(uuid))
            Refuse(IntentErrorCode.HiddenFromAi, path, $"{uuid} is hidden from AI");
    }

    private static SceneObject Object(RealityScene s, string uuid, string path) =>
        s.Objects.TryGetValue(uuid, out var o) ? o : throw Missing(s, uuid, path, "object");

    private static Material Material(RealityScene s, string uuid, string path) =>
        s.Materials.TryGetValue(uuid, out var m) ? m : throw Missing(s, uuid, path, "material");

    private static Mesh Mesh(RealityScene s, string uuid, string path) =>
        s.Meshes.TryGetValue(uuid, out var m) ? m : throw Missing(s, uuid, path, "mesh");

    private static void ParentOf(RealityScene s, string? parent, Actor actor, string path)
    {
        if (parent is null) return;
        Visible(parent, actor, path);
        Object(s, parent, path);
    }

    private static void NewId(RealityScene s, string uuid, Actor actor, string path)
    {
        if (s.Tombstones.Contains(uuid)) Refuse(IntentErrorCode.Tombstoned, path, $"{uuid} belonged to a deleted record; IDs are never reused");
        if (s.Contains(uuid)) Refuse(IntentErrorCode.UuidInUse, path, $"{uuid} is already in use");
        Visible(uuid, actor, path);
    }

    private static IntentRefusedException Missing(RealityScene s, string uuid, string path, string what) =>
        s.Tombstones.Contains(uuid)
            ? new IntentRefusedException(IntentErrorCode.Tombstoned, path, $"{uuid} was deleted")
            : new IntentRefusedException(IntentErrorCode.UnknownUuid, path, $"no {what} {uuid} in Reality");

    private static void Refuse(IntentErrorCode code, string path, string reason) => throw new IntentRefusedException(code, path, reason);
}
