// Design rationale: an engine that comes back (a reconnect, a reload, a restart of the
// orchestrator) is brought to Reality with the same typed operations intents use, never with a
// bulk "load this scene": the adapters then need one code path for every change, the firewall and
// the limits apply, and the result is checked by hash like any apply. Records are compared by
// their quantized record hash and, where hashes differ, field by field within ε (a value on a
// quantization tie after an inexact conversion hashes apart without being different), so float32
// storage noise is not a difference. What the operation
// vocabulary cannot express (a material or mesh only the engine has: there is no operation that
// removes one) is listed, not guessed at: the engine then stays out of live mode.
using VibeSync.Protocol.Comparison;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;

namespace VibeSync.Intents.Resync;

/// <summary>The operations that bring an engine's scene to a target (Reality), and what they cannot.</summary>
/// <param name="Operations">In an order that applies: images, materials and meshes (created or edited), objects created parents first, skins (their joints exist now), then edits (skinning included), animations (their targets exist), then deletions.</param>
/// <param name="Unreachable">Differences no operation can mend, each a sentence.</param>
/// <param name="Extras">Objects the engine has and the target lacks (deleted by the plan unless it keeps them).</param>
public sealed record ResyncPlan(IReadOnlyList<Operation> Operations, IReadOnlyList<string> Unreachable, IReadOnlyList<string> Extras)
{
    /// <summary>Nothing to do.</summary>
    public bool IsEmpty => Operations.Count == 0 && Unreachable.Count == 0;

    /// <summary>
    /// The intent id a resync is applied under (docs/protocol.md §11.6): the orchestrator's own,
    /// finalized at once and never journaled, since Reality does not change.
    /// </summary>
    public const ulong Intent = 0;

    /// <summary>Applies the operations in <paramref name="engine"/> and finalizes them at once.</summary>
    public async Task ApplyAsync(Pipeline.IEnginePort engine)
    {
        if (Operations.Count == 0) return;
        await engine.ApplyProvisionalAsync(Intent, Operations).ConfigureAwait(false);
        await engine.FinalizeAsync(new[] { Intent }).ConfigureAwait(false);
    }

    /// <summary>The materials and meshes the objects only <paramref name="engine"/> has use.</summary>
    private static HashSet<string> KeptExtrasUse(Scene engine, Scene target)
    {
        var inTarget = target.Objects.Select(o => o.Uuid).ToHashSet(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var o in engine.Objects.Where(o => !inTarget.Contains(o.Uuid))) used.UnionWith(o.Uses());
        return used;
    }

    /// <summary>
    /// Plans <paramref name="engine"/> → <paramref name="target"/>, both canonical. With
    /// <paramref name="keepExtras"/> objects only the engine has are left alone (first pairing
    /// adopts them instead); otherwise they are deleted (Brain over Limb).
    /// </summary>
    public static ResyncPlan Between(Scene engine, Scene target, bool keepExtras)
    {
        // Reality holds doubles; an engine stores float32: compare what the engine can hold.
        target = EngineStorage.RoundToFloat32(target);
        var ops = new List<Operation>();
        var unreachable = new List<string>();

        // Images before the materials that use them.
        var engineImages = engine.Images.ToDictionary(i => i.Uuid, StringComparer.Ordinal);
        foreach (var want in target.Images.OrderBy(i => i.Uuid, StringComparer.Ordinal))
        {
            if (!engineImages.TryGetValue(want.Uuid, out var have))
            {
                ops.Add(new CreateImage(want));
                continue;
            }
            if (want.Name != have.Name) ops.Add(new Rename(want.Uuid, want.Name));
            if (want with { Name = have.Name } != have) ops.Add(new ReplaceImage(want.Uuid, want.Blob, want.Mime, want.Width, want.Height, want.ColorSpace));
        }
        var targetImages = target.Images.Select(i => i.Uuid).ToHashSet(StringComparer.Ordinal);
        foreach (var extra in engine.Images.Where(i => !targetImages.Contains(i.Uuid)))
            unreachable.Add($"image {extra.Uuid} ({extra.Name}) is not in Reality and there is no operation to remove an image");

        var engineMaterials = engine.Materials.ToDictionary(m => m.Uuid, StringComparer.Ordinal);
        foreach (var want in target.Materials.OrderBy(m => m.Uuid, StringComparer.Ordinal))
        {
            if (!engineMaterials.TryGetValue(want.Uuid, out var have))
            {
                ops.Add(new CreateMaterial(want));
                continue;
            }
            if (Same(RecordHash.Of(want), RecordHash.Of(have)) || FieldComparer.Differences(want, have).Count == 0) continue;
            if (want.Name != have.Name) ops.Add(new Rename(want.Uuid, want.Name));
            ops.Add(SetMaterialParams.Whole(want, have));
        }
        // A material or mesh only the engine has leaves its report once no object there uses it
        // (engines report what their objects use; docs/sync.md): the object edits below see to
        // that, unless an object only the engine has is kept and still uses it.
        var keptUses = keepExtras ? KeptExtrasUse(engine, target) : new HashSet<string>(StringComparer.Ordinal);
        var targetMaterials = target.Materials.Select(m => m.Uuid).ToHashSet(StringComparer.Ordinal);
        foreach (var extra in engine.Materials.Where(m => !targetMaterials.Contains(m.Uuid) && keptUses.Contains(m.Uuid)))
            unreachable.Add($"material {extra.Uuid} ({extra.Name}) is not in Reality and an object only this engine has uses it");

        var engineMeshes = engine.Meshes.ToDictionary(m => m.Uuid, StringComparer.Ordinal);
        foreach (var want in target.Meshes.OrderBy(m => m.Uuid, StringComparer.Ordinal))
        {
            if (!engineMeshes.TryGetValue(want.Uuid, out var have))
            {
                ops.Add(new CreateMesh(want));
                continue;
            }
            if (!Same(RecordHash.Of(want), RecordHash.Of(have)) && FieldComparer.Differences(want, have).Count > 0)
                ops.Add(new ReplaceMesh(want));
        }
        var targetMeshes = target.Meshes.Select(m => m.Uuid).ToHashSet(StringComparer.Ordinal);
        foreach (var extra in engine.Meshes.Where(m => !targetMeshes.Contains(m.Uuid) && keptUses.Contains(m.Uuid)))
            unreachable.Add($"mesh {extra.Uuid} is not in Reality and an object only this engine has uses it");

        var engineObjects = engine.Objects.ToDictionary(o => o.Uuid, StringComparer.Ordinal);
        var targetObjects = target.Objects.ToDictionary(o => o.Uuid, StringComparer.Ordinal);
        var edits = new List<Operation>();
        foreach (var want in ParentsFirst(target.Objects, targetObjects))
        {
            if (!engineObjects.TryGetValue(want.Uuid, out var have))
            {
                // Without its skin: the skin's joints may be created after it; set_skin follows the skins.
                ops.Add(new CreateObject(want.Uuid, want.Name, want.Kind, want.Parent, want.Translation, want.Rotation, want.Scale,
                    want.Visible, want.Mesh, want.Materials) { Camera = want.Camera, Light = want.Light });
                if (want.Skin != null) edits.Add(new SetSkin(want.Uuid, want.Skin));
                continue;
            }
            if (Same(RecordHash.Of(want), RecordHash.Of(have)) || FieldComparer.Differences(want, have).Count == 0) continue;
            if (want.Kind != have.Kind)
            {
                unreachable.Add($"object {want.Uuid} ({want.Name}) is a {ObjectKindNames.Name(have.Kind)} here and a {ObjectKindNames.Name(want.Kind)} in Reality");
                continue;
            }
            // Meshes were created above: the object can point at its mesh of Reality.
            if (want.Mesh != have.Mesh)
            {
                if (want.Mesh == null)
                {
                    unreachable.Add($"object {want.Uuid} ({want.Name}) has mesh {have.Mesh} here and none in Reality");
                    continue;
                }
                edits.Add(new SetMesh(want.Uuid, want.Mesh));
            }
            if (want.Parent != have.Parent) edits.Add(new SetParent(want.Uuid, want.Parent));
            if (want.Name != have.Name) edits.Add(new Rename(want.Uuid, want.Name));
            edits.Add(new SetTransform(want.Uuid, want.Translation, want.Rotation, want.Scale));
            if (want.Visible != have.Visible) edits.Add(new SetVisibility(want.Uuid, want.Visible));
            if (want.Camera != have.Camera)
            {
                if (want.Camera is { } c)
                    edits.Add(new SetCamera(want.Uuid, c.Type, c.Type == CameraType.Perspective ? c.YFov : null, c.Type == CameraType.Perspective ? c.Aspect : null,
                        c.Type == CameraType.Orthographic ? c.XMag : null, c.Type == CameraType.Orthographic ? c.YMag : null, c.ZNear, c.ZFar));
                else unreachable.Add($"camera {want.Uuid} ({want.Name}) has parameters here and none in Reality");
            }
            if (want.Light != have.Light)
            {
                if (want.Light is { } l) // whole: the engine's light may have none yet
                    edits.Add(new SetLight(want.Uuid, l.Type, l.Color, l.Intensity, true, l.Range,
                        l.Type == LightType.Spot ? l.InnerCone : null, l.Type == LightType.Spot ? l.OuterCone : null)); // a cone only a spot has
                else unreachable.Add($"light {want.Uuid} ({want.Name}) has parameters here and none in Reality: no operation takes a light's parameters away");
            }
            if (want.Materials.Count != have.Materials.Count)
                unreachable.Add($"object {want.Uuid} ({want.Name}) has {have.Materials.Count} material slot(s) here and {want.Materials.Count} in Reality");
            else
                for (int slot = 0; slot < want.Materials.Count; slot++)
                    if (want.Materials[slot] != have.Materials[slot]) edits.Add(new AssignMaterial(want.Uuid, slot, want.Materials[slot]));
            if (want.Skin != have.Skin) edits.Add(new SetSkin(want.Uuid, want.Skin));
        }
        ops.AddRange(Skins(engine, target));
        ops.AddRange(edits);
        ops.AddRange(Animations(engine, target, keepExtras));

        var extras = engine.Objects.Where(o => !targetObjects.ContainsKey(o.Uuid)).Select(o => o.Uuid).ToList();
        if (!keepExtras)
        {
            var extraSet = extras.ToHashSet(StringComparer.Ordinal);
            // Delete each extra subtree from its top; objects of Reality under it were moved out above.
            foreach (var uuid in extras)
                if (engineObjects[uuid].Parent is not { } parent || !extraSet.Contains(parent))
                    ops.Add(new DeleteObject(uuid, ChildrenPolicy.Delete));
        }
        return new ResyncPlan(ops, unreachable, extras);
    }

    private static bool Same(byte[] a, byte[] b) => a.AsSpan().SequenceEqual(b);

    /// <summary>Skins created or updated whole (an engine reports a skin only while something uses it: one only it has is left to the object edits).</summary>
    private static IEnumerable<Operation> Skins(Scene engine, Scene target)
    {
        var engineSkins = engine.Skins.ToDictionary(s => s.Uuid, StringComparer.Ordinal);
        foreach (var want in target.Skins.OrderBy(s => s.Uuid, StringComparer.Ordinal))
        {
            if (!engineSkins.TryGetValue(want.Uuid, out var have)) yield return new CreateSkin(want);
            else if (FieldComparer.Differences(want, have).Count > 0)
                yield return new UpdateSkin(want.Uuid, want.Joints, want.InverseBindMatrices, true, want.Skeleton);
        }
    }

    /// <summary>
    /// Animations created, their differing or missing channels set and extra ones removed; one only
    /// the engine has is deleted unless extras are kept (a first pairing adopts it).
    /// </summary>
    private static IEnumerable<Operation> Animations(Scene engine, Scene target, bool keepExtras)
    {
        var engineAnimations = engine.Animations.ToDictionary(a => a.Uuid, StringComparer.Ordinal);
        foreach (var want in target.Animations.OrderBy(a => a.Uuid, StringComparer.Ordinal))
        {
            if (!engineAnimations.TryGetValue(want.Uuid, out var have))
            {
                yield return new CreateAnimation(want);
                continue;
            }
            if (FieldComparer.Differences(want, have).Count == 0) continue;
            if (want.Name != have.Name || !want.FrameRate.Equals(have.FrameRate)) // no operation renames it or sets its rate: it is made again
            {
                yield return new DeleteAnimation(want.Uuid);
                yield return new CreateAnimation(want);
                continue;
            }
            var had = have.Channels.ToDictionary(c => (c.Target, c.Path));
            foreach (var channel in want.Channels)
                if (!had.Remove((channel.Target, channel.Path), out var old) || !channel.Equals(old))
                    yield return new SetAnimationChannel(want.Uuid, channel.Target, channel.Path, channel);
            foreach (var extra in had.Values) yield return new SetAnimationChannel(want.Uuid, extra.Target, extra.Path, null);
        }
        if (keepExtras) yield break;
        var inTarget = target.Animations.Select(a => a.Uuid).ToHashSet(StringComparer.Ordinal);
        foreach (var extra in engine.Animations.Where(a => !inTarget.Contains(a.Uuid)))
            yield return new DeleteAnimation(extra.Uuid);
    }

    private static IEnumerable<SceneObject> ParentsFirst(IReadOnlyList<SceneObject> objects, Dictionary<string, SceneObject> byUuid)
    {
        int Depth(SceneObject o)
        {
            int d = 0;
            for (var p = o.Parent; p != null && byUuid.TryGetValue(p, out var parent) && d <= byUuid.Count; p = parent.Parent) d++;
            return d;
        }
        return objects.OrderBy(Depth).ThenBy(o => o.Uuid, StringComparer.Ordinal);
    }
}
