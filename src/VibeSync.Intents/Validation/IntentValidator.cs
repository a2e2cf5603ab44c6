using VibeSync.Protocol.Operations;
using VibeSync.Intents.Reality;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.SceneJson;
using VibeSync.Protocol.State;

namespace VibeSync.Intents.Validation;

/// <summary>
/// Validates an intent against Reality and computes the Reality it would make. Operations are
/// checked in order, each against the scene the ones before it produced, so an ordered list is
/// all-or-none: any refusal throws and no scene is returned. Checks: for an AI, every ID it names
/// first (<c>h-</c> IDs are refused for their prefix alone, and a record it may not see answers
/// exactly as one that does not exist: <see cref="AiVisibility"/>); staleness of <c>based_on</c>;
/// references to unknown or tombstoned IDs, new IDs already in use, parent cycles, kind rules,
/// prefab nesting, and the closure of deletions.
/// </summary>
public static class IntentValidator
{
    /// <summary>Validates <paramref name="intent"/> from <paramref name="actor"/> (an AI sees what <see cref="AiVisibility"/> lets it) and returns Reality after it.</summary>
    /// <exception cref="IntentRefusedException">The first rule the intent breaks.</exception>
    public static RealityScene Apply(RealityScene reality, IntentRequest intent, Actor actor) =>
        Check(reality, intent, actor.Kind == ActorKind.Ai ? Sight.Ai : Sight.Everything, null).Reality;

    /// <summary>
    /// As <see cref="Apply(RealityScene, IntentRequest, Actor)"/> for an actor who sees everything
    /// and an intent without <c>based_on</c> (no request needed around the operations), every object
    /// an operation puts passed through <paramref name="store"/> first: an engine that stores values
    /// its own way (<see cref="Engines.InMemoryEngine"/>, float32) writes each changed object once
    /// instead of applying, then storing it again. Only for operations whose checks read no value
    /// that <paramref name="store"/> changes, so later operations see what they would have seen.
    /// </summary>
    internal static RealityScene Apply(RealityScene reality, IReadOnlyList<Operation> operations, ObjectStore store) =>
        CheckOperations(reality, operations, Sight.Everything, store).Reality;

    /// <summary>Validates <paramref name="intent"/> as seen with <paramref name="sight"/>.</summary>
    /// <exception cref="IntentRefusedException">The first rule the intent breaks.</exception>
    public static Validated Check(RealityScene reality, IntentRequest intent, Sight sight) => Check(reality, intent, sight, null);

    private static Validated Check(RealityScene reality, IntentRequest intent, Sight sight, ObjectStore? store)
    {
        if (sight == Sight.Ai) RefuseHiddenIds(intent);
        if (intent.BasedOn.Count > 0) CheckBasedOn(reality, intent, sight); // most intents have none: no closure, query or list for nothing
        return CheckOperations(reality, intent.Operations, sight, store);
    }

    /// <summary>The operations, each checked against and applied to the scene the ones before it made.</summary>
    private static Validated CheckOperations(RealityScene reality, IReadOnlyList<Operation> operations, Sight sight, ObjectStore? store)
    {
        var scene = reality;
        bool unseen = false;
        for (int i = 0; i < operations.Count; i++)
            scene = Apply(scene, operations[i], sight, i, store, ref unseen);
        CheckRigClosure(reality, scene, operations);
        return new Validated(UnusedRecords.Prune(reality, scene, operations), unseen);
    }

    /// <summary>
    /// An <c>h-</c> ID anywhere an AI names one is refused for its prefix alone, before anything
    /// looks it up: whether such a record exists never changes the answer.
    /// </summary>
    private static void RefuseHiddenIds(IntentRequest intent)
    {
        for (int i = 0; i < intent.Operations.Count; i++)
            foreach (var (field, uuid) in Named(intent.Operations[i]))
                if (VibeSyncId.IsHidden(uuid)) Refuse(IntentErrorCode.HiddenFromAi, $"operations[{i}].{field}", HiddenId(uuid));
        foreach (var key in intent.BasedOn.Keys)
            if (VibeSyncId.IsHidden(key)) Refuse(IntentErrorCode.HiddenFromAi, $"based_on.{key}", HiddenId(key));
    }

    private static string HiddenId(string uuid) => $"{uuid} begins with {VibeSyncId.HiddenPrefix}: such IDs are kept from AI, which can neither name nor create them";

    /// <summary>Every ID an operation names, with its field: target, references and new IDs.</summary>
    private static IEnumerable<(string Field, string Uuid)> Named(Operation op)
    {
        yield return ("uuid", op.Uuid);
        switch (op)
        {
            case SetParent { Parent: { } p }: yield return ("parent", p); break;
            case InstantiatePrefab { Parent: { } p }: yield return ("parent", p); break;
            case DuplicateObject d: yield return ("new_uuid", d.NewUuid); break;
            case AssignMaterial { Material: { } m }: yield return ("material", m); break;
            case SetMesh m: yield return ("mesh", m.Mesh); break;
            case SetMaterialParams { Textures: { } textures }:
                foreach (var (slot, t) in textures) if (t != null) yield return ($"textures.{GltfNames.TextureSlots[(int)slot]}.image", t.Image);
                break;
            case CreateMaterial c:
                foreach (var (slot, t) in c.Material.Textures) yield return ($"textures.{GltfNames.TextureSlots[(int)slot]}.image", t.Image);
                break;
            case CreateObject c:
                if (c.Parent != null) yield return ("parent", c.Parent);
                if (c.Mesh != null) yield return ("mesh", c.Mesh);
                for (int i = 0; i < c.Materials.Count; i++) if (c.Materials[i] is { } m) yield return ($"materials[{i}]", m);
                if (c.Skin != null) yield return ("skin", c.Skin);
                break;
            case SetSkin { Skin: { } skin }: yield return ("skin", skin); break;
            case CreateSkin k:
                for (int i = 0; i < k.Skin.Joints.Count; i++) yield return ($"joints[{i}]", k.Skin.Joints[i]);
                if (k.Skin.Skeleton != null) yield return ("skeleton", k.Skin.Skeleton);
                break;
            case UpdateSkin u:
                for (int i = 0; i < (u.Joints?.Count ?? 0); i++) yield return ($"joints[{i}]", u.Joints![i]);
                if (u.Skeleton != null) yield return ("skeleton", u.Skeleton);
                break;
            case CreateAnimation a:
                for (int i = 0; i < a.Animation.Channels.Count; i++) yield return ($"channels[{i}].target", a.Animation.Channels[i].Target);
                break;
            case SetAnimationChannel c: yield return ("target", c.Target); break;
        }
    }

    private static void CheckBasedOn(RealityScene reality, IntentRequest intent, Sight sight)
    {
        // An AI compares against the records as it sees them (masked slots), and a record it may
        // not see reads as deleted, exactly like one that is.
        string? HashOf(string uuid) => sight == Sight.Ai ? AiVisibility.RecordHashOf(reality, uuid) : reality.RecordHashOf(uuid);
        var stale = intent.BasedOn.Where(p => HashOf(p.Key) != p.Value).ToList();
        if (stale.Count == 0) return;
        throw new IntentRefusedException(IntentErrorCode.Stale, $"based_on.{stale[0].Key}",
            $"{stale.Count} record(s) changed since they were read; read them again and resubmit")
        {
            CurrentHashes = stale.ToDictionary(p => p.Key, p => HashOf(p.Key) ?? "deleted", StringComparer.Ordinal),
        };
    }

    /// <summary>
    /// The paths of the first operations and of their uuid fields, made once: a refusal names them,
    /// but every operation validated needs them at hand, and making them each time was a share of
    /// each intent's garbage (issue #20).
    /// </summary>
    private static readonly (string Path, string UuidPath)[] Paths = Enumerable.Range(0, 16).Select(i => ($"operations[{i}]", $"operations[{i}].uuid")).ToArray();

    private static RealityScene Apply(RealityScene s, Operation op, Sight sight, int index, ObjectStore? store, ref bool unseen)
    {
        var deleted = Array.Empty<string>();
        var (path, uuidPath) = index < Paths.Length ? Paths[index] : ($"operations[{index}]", $"operations[{index}].uuid");
        var next = Apply(s, op, sight, path, uuidPath, store, ref unseen, ref deleted);
        return AiVisibility.Track(s, next, op, deleted);
    }

    private static RealityScene Apply(RealityScene s, Operation op, Sight sight, string path, string uuidPath, ObjectStore? store, ref bool unseen, ref string[] deleted)
    {
        RealityScene Put(RealityScene s, SceneObject o) => IntentValidator.Put(s, store == null ? o : store(o, o.Translation, o.Rotation, o.Scale)); // every object an operation changes or makes
        SceneObject Object(RealityScene s, string uuid, string path) => IntentValidator.Object(s, uuid, path, sight);
        Material Material(RealityScene s, string uuid, string path) => IntentValidator.Material(s, uuid, path, sight);
        Mesh Mesh(RealityScene s, string uuid, string path) => IntentValidator.Mesh(s, uuid, path, sight);
        Image Image(RealityScene s, string uuid, string path) => IntentValidator.Image(s, uuid, path, sight);
        Skin Skin(RealityScene s, string uuid, string path) => IntentValidator.Skin(s, uuid, path, sight);
        Animation Animation(RealityScene s, string uuid, string path) => IntentValidator.Animation(s, uuid, path, sight);
        void Textures(RealityScene s, IEnumerable<KeyValuePair<TextureSlot, TextureBinding?>> textures, string path)
        {
            foreach (var (slot, t) in textures)
                if (t != null) Image(s, t.Image, $"{path}.textures.{GltfNames.TextureSlots[(int)slot]}.image");
        }
        switch (op)
        {
            case SetTransform t:
            {
                var o = Object(s, t.Uuid, uuidPath);
                if (store != null) return IntentValidator.Put(s, store(o, t.Translation ?? o.Translation, t.Rotation ?? o.Rotation, t.Scale ?? o.Scale)); // moved and stored in one record
                return Put(s, o with { Translation = t.Translation ?? o.Translation, Rotation = t.Rotation ?? o.Rotation, Scale = t.Scale ?? o.Scale });
            }
            case SetVisibility v:
                return Put(s, Object(s, v.Uuid, uuidPath) with { Visible = v.Visible });
            case SetMaterialParams p:
            {
                var m = Material(s, p.Uuid, uuidPath);
                if (p.Textures != null) Textures(s, p.Textures, path);
                return s with { Materials = s.Materials.SetItem(m.Uuid, p.ApplyTo(m)) };
            }
            case AssignMaterial a:
            {
                var o = Object(s, a.Uuid, uuidPath);
                if (o.Kind != ObjectKind.Mesh) Refuse(IntentErrorCode.InvalidValue, uuidPath, $"{o.Uuid} is a {ObjectKindNames.Name(o.Kind)}; only mesh objects have material slots");
                if (a.Slot > o.Materials.Count) Refuse(IntentErrorCode.InvalidValue, path + ".slot", $"slot {a.Slot} is beyond the {o.Materials.Count} slot(s) (use {o.Materials.Count} to add one)");
                if (a.Material != null) Material(s, a.Material, path + ".material");
                var slots = o.Materials.ToList();
                if (a.Slot == slots.Count) slots.Add(a.Material); else slots[a.Slot] = a.Material;
                return Put(s, o with { Materials = slots });
            }
            case SetParent p:
            {
                var o = Object(s, p.Uuid, uuidPath);
                if (o.Kind == ObjectKind.Joint) JointParent(s, p.Parent, path + ".parent");
                if (p.Parent != null)
                {
                    Object(s, p.Parent, path + ".parent"); // an AI sees its ancestors too: the cycle walk names only those
                    for (string? at = p.Parent; at != null; at = s.Objects[at].Parent)
                        if (at == o.Uuid) Refuse(IntentErrorCode.Cycle, path + ".parent", $"{p.Parent} is {(at == p.Parent ? "the object itself" : "a descendant of " + o.Uuid)}: the hierarchy would have a cycle");
                }
                return CheckNesting(Put(s, o with { Parent = p.Parent }), o.Uuid, path + ".parent", sight, ref unseen);
            }
            case SetMesh m:
            {
                var o = Object(s, m.Uuid, uuidPath);
                if (o.Kind != ObjectKind.Mesh) Refuse(IntentErrorCode.InvalidValue, uuidPath, $"{o.Uuid} is a {ObjectKindNames.Name(o.Kind)}; only mesh objects have a mesh");
                Mesh(s, m.Mesh, path + ".mesh");
                return Put(s, o with { Mesh = m.Mesh });
            }
            case CreateObject c:
            {
                NewId(s, c.Uuid, uuidPath, sight);
                if (c.Parent != null) Object(s, c.Parent, path + ".parent");
                if (c.Kind == ObjectKind.Mesh)
                {
                    if (c.Mesh is null) Refuse(IntentErrorCode.MissingField, path + ".mesh", "an object of kind mesh needs a mesh");
                    Mesh(s, c.Mesh!, path + ".mesh");
                    for (int i = 0; i < c.Materials.Count; i++) if (c.Materials[i] is { } m) Material(s, m, $"{path}.materials[{i}]");
                }
                else if (c.Mesh != null || c.Materials.Count > 0)
                    Refuse(IntentErrorCode.InvalidValue, path + ".kind", $"an object of kind {ObjectKindNames.Name(c.Kind)} has no mesh or material slots");
                if (c.Kind == ObjectKind.Joint) JointParent(s, c.Parent, path + ".parent");
                if (c.Skin != null) SkinFor(s, c.Mesh!, c.Skin, path + ".skin");
                return Put(s, c.ToObject());
            }
            case InstantiatePrefab p:
            {
                NewId(s, p.Uuid, uuidPath, sight);
                if (p.Parent != null) Object(s, p.Parent, path + ".parent");
                var o = new SceneObject(p.Uuid, p.ObjectName, ObjectKind.Empty, p.Parent, p.Translation, p.Rotation, p.Scale, true, Array.Empty<string?>(), null);
                return CheckNesting(Put(s, o) with { Assets = s.Assets.SetItem(p.Uuid, p.Prefab) }, p.Uuid, path + ".prefab", sight, ref unseen);
            }
            case DuplicateObject d:
            {
                var o = Object(s, d.Uuid, uuidPath);
                NewId(s, d.NewUuid, path + ".new_uuid", sight);
                var copy = Put(s, o with { Uuid = d.NewUuid, Name = d.NewName ?? o.Name });
                return s.Assets.TryGetValue(o.Uuid, out var asset) ? copy with { Assets = copy.Assets.SetItem(d.NewUuid, asset) } : copy;
            }
            case DeleteObject d:
            {
                var o = Object(s, d.Uuid, uuidPath);
                var doomed = new List<string> { o.Uuid };
                if (d.Children == ChildrenPolicy.Delete)
                    for (int i = 0; i < doomed.Count; i++) doomed.AddRange(s.ChildrenOf(doomed[i]).Select(c => c.Uuid));
                // Hidden children of an object an AI may see: refusing would tell it they exist, doing
                // it would let it delete or move them. Valid, and held for a human (Admission).
                if (sight == Sight.Ai && (!SeesEveryObject(s, doomed)
                    || (d.Children == ChildrenPolicy.Reparent && !SeesEveryObject(s, s.ChildrenOf(o.Uuid).Select(c => c.Uuid)))))
                    unseen = true;
                deleted = doomed.ToArray();
                var objects = s.Objects.RemoveRange(doomed);
                if (d.Children == ChildrenPolicy.Reparent)
                    foreach (var child in s.ChildrenOf(o.Uuid)) objects = objects.SetItem(child.Uuid, child with { Parent = o.Parent });
                return s with { Objects = objects, Tombstones = s.Tombstones.Union(doomed), Assets = s.Assets.RemoveRange(doomed) };
            }
            case CreateMaterial m:
                NewId(s, m.Uuid, uuidPath, sight);
                Textures(s, m.Material.Textures.Select(p => KeyValuePair.Create(p.Key, (TextureBinding?)p.Value)), path);
                return s with { Materials = s.Materials.SetItem(m.Uuid, m.Material) };
            case CreateImage c:
                NewId(s, c.Uuid, uuidPath, sight);
                return s with { Images = s.Images.SetItem(c.Uuid, c.Image) };
            case ReplaceImage r:
                return s with { Images = s.Images.SetItem(r.Uuid, r.ApplyTo(Image(s, r.Uuid, uuidPath))) };
            case SetCamera c:
            {
                var o = Object(s, c.Uuid, uuidPath);
                if (o.Kind != ObjectKind.Camera) Refuse(IntentErrorCode.InvalidValue, uuidPath, $"{o.Uuid} is a {ObjectKindNames.Name(o.Kind)}; only cameras have camera parameters");
                var camera = c.ApplyTo(o.Camera, out var field, out var problem);
                if (camera is null)
                    Refuse(problem == "missing" ? IntentErrorCode.MissingField : IntentErrorCode.InvalidValue, $"{path}.{field}", problem == "missing"
                        ? $"a {(c.Type ?? o.Camera?.Type ?? CameraType.Perspective) switch { CameraType.Orthographic => "orthographic", _ => "perspective" }} camera needs {field}{(o.Camera is null ? " (its parameters were never synced: give every field of its type)" : c.Type != null ? " when its type changes" : "")}"
                        : $"{field} is not a field of the camera's type");
                Checked(ViewJson.CheckCamera, camera!, path);
                return Put(s, o with { Camera = camera });
            }
            case SetLight l:
            {
                var o = Object(s, l.Uuid, uuidPath);
                if (o.Kind != ObjectKind.Light) Refuse(IntentErrorCode.InvalidValue, uuidPath, $"{o.Uuid} is a {ObjectKindNames.Name(o.Kind)}; only lights have light parameters");
                // A light whose parameters were never synced (a schema-2 file, a light made without
                // them) gets them whole; one its engine cannot represent (a Blender area light) is
                // refused UNREPRESENTABLE_LIGHT by that engine when it applies the intent.
                var current = o.Light;
                if (current is null)
                {
                    string? absent = l.Type is null ? "type" : l.Color is null ? "color" : l.Intensity is null ? "intensity" : null;
                    if (absent != null) Refuse(IntentErrorCode.MissingField, $"{path}.{absent}", $"light {o.Uuid} has no parameters yet (never synced): give type, color and intensity (and the cones for a spot)");
                    current = new LightParameters(LightType.Point, l.Color!.Value, l.Intensity!.Value, null, 0, 0);
                }
                var light = l.ApplyTo(current, out var missing);
                if (light is null) Refuse(IntentErrorCode.MissingField, $"{path}.{missing}", $"a spot light needs {missing} when it becomes one");
                Checked(ViewJson.CheckLight, light!, path);
                return Put(s, o with { Light = light });
            }
            case CreateMesh m:
                NewId(s, m.Uuid, uuidPath, sight);
                return s with { Meshes = s.Meshes.SetItem(m.Uuid, m.Mesh) };
            case ReplaceMesh r:
                Mesh(s, r.Uuid, uuidPath);
                return s with { Meshes = s.Meshes.SetItem(r.Uuid, r.Mesh) };
            case ReplaceAsset r:
                Object(s, r.Uuid, uuidPath);
                if (!s.Assets.ContainsKey(r.Uuid)) Refuse(IntentErrorCode.InvalidValue, uuidPath, $"{r.Uuid} is not a prefab instance");
                return CheckNesting(s with { Assets = s.Assets.SetItem(r.Uuid, r.Asset) }, r.Uuid, path + ".asset", sight, ref unseen);
            case SetSkin k:
            {
                var o = Object(s, k.Uuid, uuidPath);
                if (o.Kind != ObjectKind.Mesh) Refuse(IntentErrorCode.InvalidValue, uuidPath, $"{o.Uuid} is a {ObjectKindNames.Name(o.Kind)}; only mesh objects are skinned");
                if (k.Skin != null) SkinFor(s, o.Mesh!, k.Skin, path + ".skin");
                return Put(s, o with { Skin = k.Skin });
            }
            case CreateSkin k:
                NewId(s, k.Uuid, uuidPath, sight);
                CheckSkin(s, k.Skin, path);
                return s with { Skins = s.Skins.SetItem(k.Uuid, k.Skin) };
            case UpdateSkin u:
            {
                var skin = u.ApplyTo(Skin(s, u.Uuid, uuidPath));
                CheckSkin(s, skin, path);
                return s with { Skins = s.Skins.SetItem(u.Uuid, skin) };
            }
            case DeleteSkin k:
                Skin(s, k.Uuid, uuidPath);
                deleted = new[] { k.Uuid };
                return s with { Skins = s.Skins.Remove(k.Uuid), Tombstones = s.Tombstones.Add(k.Uuid) };
            case SetMorphWeights w:
            {
                var mesh = Mesh(s, w.Uuid, uuidPath);
                if (w.Weights.Count != mesh.Targets.Count)
                    Refuse(IntentErrorCode.InvalidValue, path + ".weights", $"mesh {mesh.Uuid} has {mesh.Targets.Count} morph target(s): give exactly one weight per target, got {w.Weights.Count}");
                return s with { Meshes = s.Meshes.SetItem(mesh.Uuid, mesh with { Weights = w.Weights.ToArray() }) };
            }
            case CreateAnimation a:
                NewId(s, a.Uuid, uuidPath, sight);
                for (int i = 0; i < a.Animation.Channels.Count; i++) CheckChannel(s, a.Animation.Channels[i], $"{path}.channels[{i}]", ".target");
                return s with { Animations = s.Animations.SetItem(a.Uuid, a.Animation) };
            case SetAnimationChannel c:
            {
                var animation = Animation(s, c.Uuid, uuidPath);
                if (c.Channel != null) CheckChannel(s, c.Channel, path, ".target");
                else if (!HasChannel(animation, c.Target, c.Path))
                    Refuse(IntentErrorCode.InvalidValue, path + ".remove", $"animation {c.Uuid} has no {GltfNames.AnimationPaths[(int)c.Path]} channel for {c.Target}");
                return s with { Animations = s.Animations.SetItem(c.Uuid, c.ApplyTo(animation)) };
            }
            case DeleteAnimation a:
                Animation(s, a.Uuid, uuidPath);
                deleted = new[] { a.Uuid };
                return s with { Animations = s.Animations.Remove(a.Uuid), Tombstones = s.Tombstones.Add(a.Uuid) };
            case Rename r:
                if (s.Objects.TryGetValue(r.Uuid, out var named) && (sight == Sight.Everything || AiVisibility.SeesObject(s, r.Uuid)))
                    return Put(s, named with { Name = r.NewName });
                if (s.Images.TryGetValue(r.Uuid, out var image) && (sight == Sight.Everything || AiVisibility.SeesImage(s, r.Uuid)))
                    return s with { Images = s.Images.SetItem(r.Uuid, image with { Name = r.NewName }) };
                if (s.Animations.TryGetValue(r.Uuid, out var renamed) && (sight == Sight.Everything || AiVisibility.SeesAnimation(s, r.Uuid)))
                    return s with { Animations = s.Animations.SetItem(r.Uuid, renamed with { Name = r.NewName }) };
                return s with { Materials = s.Materials.SetItem(r.Uuid, Material(s, r.Uuid, uuidPath) with { Name = r.NewName }) };
            default:
                throw new ArgumentOutOfRangeException(nameof(op), op.Name, "unknown operation");
        }
    }

    /// <summary>
    /// Nesting parity between engines: no prefab / collection instance in <paramref name="uuid"/>'s
    /// subtree may sit under an instance of the same asset. Unity refuses cyclic prefab nesting and
    /// Blender a collection that instances itself, so such a hierarchy could not land in both. For
    /// an AI, a nesting only objects it may not see make is not refused (that would tell it they
    /// exist): the intent reaches them, and waits for a human, whose approval validates it again
    /// seeing everything.
    /// </summary>
    private static RealityScene CheckNesting(RealityScene s, string uuid, string path, Sight sight, ref bool unseen)
    {
        if (s.Assets.IsEmpty) return s;
        var subtree = new List<string> { uuid };
        for (int i = 0; i < subtree.Count; i++) subtree.AddRange(s.ChildrenOf(subtree[i]).Select(c => c.Uuid));
        foreach (var node in subtree)
        {
            if (!s.Assets.TryGetValue(node, out var asset)) continue;
            for (string? at = s.Objects[node].Parent; at != null; at = s.Objects[at].Parent)
                if (s.Assets.TryGetValue(at, out var outer) && outer == asset)
                {
                    if (sight == Sight.Ai && !(AiVisibility.SeesObject(s, node) && AiVisibility.SeesObject(s, at))) { unseen = true; continue; }
                    Refuse(IntentErrorCode.Nesting, path, $"{node} (an instance of {asset}) would sit inside {at}, another instance of {asset}: a prefab or collection cannot contain itself");
                }
        }
        return s;
    }

    private static RealityScene Put(RealityScene s, SceneObject o) => s with { Objects = s.Objects.SetItem(o.Uuid, o) };

    /// <summary>A joint's parent is a joint or an armature (CONTENT-V4 §2).</summary>
    private static void JointParent(RealityScene s, string? parent, string path)
    {
        if (parent == null) Refuse(IntentErrorCode.InvalidValue, path, "a joint needs a parent (a joint or an armature)");
        if (s.Objects.TryGetValue(parent!, out var p) && p.Kind is not (ObjectKind.Joint or ObjectKind.Armature))
            Refuse(IntentErrorCode.InvalidValue, path, $"a joint's parent is a joint or an armature, not an object of kind {ObjectKindNames.Name(p.Kind)}");
    }

    /// <summary>A skin a mesh object may use: it exists, and the object's mesh has JOINTS_0 and WEIGHTS_0.</summary>
    private static void SkinFor(RealityScene s, string mesh, string skin, string path)
    {
        if (!s.Skins.ContainsKey(skin)) throw Missing(s, skin, path, "skin", Sight.Everything);
        if (s.Meshes.TryGetValue(mesh, out var m) && m.Attribute(MeshSemantics.Joints0) == null)
            Refuse(IntentErrorCode.InvalidValue, path, $"a skinned object's mesh needs JOINTS_0 and WEIGHTS_0 (mesh {mesh} has none)");
    }

    /// <summary>A skin's joints are joint objects; its skeleton a joint or armature that is an ancestor (or one) of every joint.</summary>
    private static void CheckSkin(RealityScene s, Skin skin, string path)
    {
        for (int i = 0; i < skin.Joints.Count; i++)
        {
            if (!s.Objects.TryGetValue(skin.Joints[i], out var joint)) throw Missing(s, skin.Joints[i], $"{path}.joints[{i}]", "object", Sight.Everything);
            if (joint.Kind != ObjectKind.Joint) Refuse(IntentErrorCode.InvalidValue, $"{path}.joints[{i}]", $"object {joint.Uuid} is not a joint (kind {ObjectKindNames.Name(joint.Kind)})");
        }
        if (skin.Skeleton == null) return;
        if (!s.Objects.TryGetValue(skin.Skeleton, out var root)) throw Missing(s, skin.Skeleton, path + ".skeleton", "object", Sight.Everything);
        if (root.Kind is not (ObjectKind.Joint or ObjectKind.Armature))
            Refuse(IntentErrorCode.InvalidValue, path + ".skeleton", $"a skeleton is a joint or an armature, not an object of kind {ObjectKindNames.Name(root.Kind)}");
        foreach (var joint in skin.Joints)
        {
            string? at = joint;
            while (at != null && at != skin.Skeleton) at = s.Objects[at].Parent;
            if (at == null) Refuse(IntentErrorCode.InvalidValue, path + ".skeleton", $"skeleton {skin.Skeleton} is not an ancestor of joint {joint}");
        }
    }

    /// <summary>A channel's target exists; weights only on an object whose mesh has morph targets.</summary>
    private static void CheckChannel(RealityScene s, AnimationChannel c, string path, string targetField)
    {
        if (!s.Objects.TryGetValue(c.Target, out var target)) throw Missing(s, c.Target, path + targetField, "object", Sight.Everything);
        if (c.Path == AnimationPath.Weights && !(target.Mesh != null && s.Meshes.TryGetValue(target.Mesh, out var mesh) && mesh.Targets.Count > 0))
            Refuse(IntentErrorCode.InvalidValue, path + ".path", $"weights animate morph targets: object {target.Uuid} has no mesh with targets");
    }

    /// <summary>
    /// Closure of an intent's deletions (CONTENT-V4 §6), once every operation has applied, so the
    /// same intent may remove or update a dependent in any order: no object may use a deleted skin,
    /// no skin name a deleted joint, no animation target a deleted object.
    /// </summary>
    private static void CheckRigClosure(RealityScene before, RealityScene after, IReadOnlyList<Operation> operations)
    {
        if (after.Skins.IsEmpty && after.Animations.IsEmpty && before.Skins.IsEmpty) return;
        for (int i = 0; i < operations.Count; i++)
        {
            string path = i < Paths.Length ? Paths[i].UuidPath : $"operations[{i}].uuid";
            switch (operations[i])
            {
                case DeleteSkin k:
                    foreach (var o in after.Objects.Values)
                        if (o.Skin == k.Uuid) Refuse(IntentErrorCode.Closure, path, $"skin {k.Uuid} skins object {o.Uuid}: unskin it (set_skin null) or delete it in the same intent");
                    break;
                case DeleteObject d when before.Objects.ContainsKey(d.Uuid):
                    foreach (var k in after.Skins.Values)
                        foreach (var j in k.Joints)
                            if (!after.Objects.ContainsKey(j) && before.Objects.ContainsKey(j))
                                Refuse(IntentErrorCode.Closure, path, $"skin {k.Uuid} names joint {j}: update or delete the skin in the same intent");
                    foreach (var a in after.Animations.Values)
                        foreach (var c in a.Channels)
                            if (!after.Objects.ContainsKey(c.Target) && before.Objects.ContainsKey(c.Target))
                                Refuse(IntentErrorCode.Closure, path, $"animation {a.Uuid} targets object {c.Target}: remove that channel or delete the animation in the same intent");
                    break;
            }
        }
    }

    private static SceneObject Object(RealityScene s, string uuid, string path, Sight sight) =>
        s.Objects.TryGetValue(uuid, out var o) && (sight == Sight.Everything || AiVisibility.SeesObject(s, uuid)) ? o : throw Missing(s, uuid, path, "object", sight);

    private static Material Material(RealityScene s, string uuid, string path, Sight sight) =>
        s.Materials.TryGetValue(uuid, out var m) && (sight == Sight.Everything || AiVisibility.SeesMaterial(s, uuid)) ? m : throw Missing(s, uuid, path, "material", sight);

    private static Image Image(RealityScene s, string uuid, string path, Sight sight) =>
        s.Images.TryGetValue(uuid, out var i) && (sight == Sight.Everything || AiVisibility.SeesImage(s, uuid)) ? i : throw Missing(s, uuid, path, "image", sight);

    /// <summary>A rule between fields (ViewJson's), broken: INVALID_VALUE at the field it names.</summary>
    private static void Checked<T>(Action<T, string> check, T value, string path)
    {
        try { check(value, path); }
        catch (JsonFieldException e) { Refuse(IntentErrorCode.InvalidValue, e.Path, e.Reason); }
    }

    // Loops rather than lambdas in Apply: a lambda there capturing its scene or path made the
    // compiler allocate a closure on every call, whatever the operation (issue #20).

    /// <summary>True when an AI sees every one of these objects.</summary>
    private static bool SeesEveryObject(RealityScene s, IEnumerable<string> uuids)
    {
        foreach (var u in uuids)
            if (!AiVisibility.SeesObject(s, u)) return false;
        return true;
    }

    /// <summary>True when the animation has a channel for this target and path.</summary>
    private static bool HasChannel(Animation animation, string target, AnimationPath path)
    {
        foreach (var x in animation.Channels)
            if (x.Target == target && x.Path == path) return true;
        return false;
    }

    private static Skin Skin(RealityScene s, string uuid, string path, Sight sight) =>
        s.Skins.TryGetValue(uuid, out var k) && (sight == Sight.Everything || AiVisibility.SeesSkin(s, uuid)) ? k : throw Missing(s, uuid, path, "skin", sight);

    private static Animation Animation(RealityScene s, string uuid, string path, Sight sight) =>
        s.Animations.TryGetValue(uuid, out var a) && (sight == Sight.Everything || AiVisibility.SeesAnimation(s, uuid)) ? a : throw Missing(s, uuid, path, "animation", sight);

    private static Mesh Mesh(RealityScene s, string uuid, string path, Sight sight) =>
        s.Meshes.TryGetValue(uuid, out var m) && (sight == Sight.Everything || AiVisibility.SeesMesh(s, uuid)) ? m : throw Missing(s, uuid, path, "mesh", sight);

    /// <summary>
    /// A new ID must be free. For an AI, any taken ID gives one answer, whoever holds it (a record
    /// it sees or not, a deleted one): it learns only that the ID is taken.
    /// </summary>
    private static void NewId(RealityScene s, string uuid, string path, Sight sight)
    {
        bool tombstoned = s.Tombstones.Contains(uuid), used = s.Contains(uuid);
        if (sight == Sight.Ai && (tombstoned || used)) Refuse(IntentErrorCode.UuidInUse, path, $"{uuid} is taken: it is in use or was used before, and IDs are never reused");
        if (tombstoned) Refuse(IntentErrorCode.Tombstoned, path, $"{uuid} belonged to a deleted record; IDs are never reused");
        if (used) Refuse(IntentErrorCode.UuidInUse, path, $"{uuid} is already in use");
    }

    /// <summary>A reference to nothing. For an AI, a record it may not see, or one deleted while it could not see it, is nothing too.</summary>
    private static IntentRefusedException Missing(RealityScene s, string uuid, string path, string what, Sight sight) =>
        s.Tombstones.Contains(uuid) && (sight == Sight.Everything || s.Concealed.SeenTombstones.Contains(uuid))
            ? new IntentRefusedException(IntentErrorCode.Tombstoned, path, $"{uuid} was deleted")
            : new IntentRefusedException(IntentErrorCode.UnknownUuid, path, $"no {what} {uuid} in Reality");

    private static void Refuse(IntentErrorCode code, string path, string reason) => throw new IntentRefusedException(code, path, reason);
}

/// <summary>
/// How an engine stores an object an operation puts: <paramref name="o"/> with this transform, as
/// the engine holds it. The transform is given apart so that a moved object is made once, not
/// moved and then stored (issue #20).
/// </summary>
internal delegate SceneObject ObjectStore(SceneObject o, Vector3d translation, Quaterniond rotation, Vector3d scale);
