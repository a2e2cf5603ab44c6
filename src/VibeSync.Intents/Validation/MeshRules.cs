// Design rationale (CONTENT-V2 §2, §3, issue #17 item 3–4): what a mesh operation must satisfy
// beyond its record's structure, checked once its blobs are in the store. An AI sees blobs exactly
// as it sees records (DESIGN §8): a blob reachable only from records it may not see answers as a
// blob that does not exist (BLOB_MISSING, the same words), so it cannot probe for a hidden mesh's
// data. A derived mesh (modifiers, curves, text) is what Blender shows after evaluation: only Blender
// can replace it; anyone else's replace is refused DERIVED_MESH, naming what derived it. Likewise
// only Blender moves an object onto or off a derived mesh (set_mesh): it follows its modifiers.
using VibeSync.Intents.Pipeline;
using VibeSync.Intents.Reality;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.State;

namespace VibeSync.Intents.Validation;

/// <summary>The rules of create_mesh, replace_mesh and set_mesh that need Reality, the actor and the blobs.</summary>
public static class MeshRules
{
    /// <summary>The one engine that derives meshes (modifiers, curves, surfaces, metaballs, text).</summary>
    public const string DerivingEngine = "blender";

    /// <summary>
    /// The first rule a mesh operation of <paramref name="request"/> breaks, as a refusal; null when
    /// none does. <paramref name="origin"/> is the engine a human's edit comes from (null for the CLI
    /// and agents). <paramref name="uploaded"/>: blobs this AI actor put itself (null for other actors).
    /// Without <paramref name="blobs"/> (a pipeline with no store), content is not checked.
    /// </summary>
    public static IntentRefusedException? Check(IntentRequest request, Actor actor, string? origin, RealityScene reality,
        IBlobSource? blobs, AdmissionLimits limits, IReadOnlyCollection<string>? uploaded)
    {
        IBlobSource? source = blobs;
        for (int i = 0; i < request.Operations.Count; i++)
        {
            var op = request.Operations[i];
            string path = $"operations[{i}]";
            if (op is SetMesh set)
            {
                if (DerivedReference(set, actor, origin, reality, ai: uploaded != null, path) is { } refused) return refused;
                continue;
            }
            if (op is CreateObject { Mesh: { } used } create) // a new object may not take another's evaluated geometry either
            {
                if (DerivedReference(new SetMesh(create.Uuid, used), actor, origin, reality, ai: uploaded != null, path) is { } refused) return refused;
                continue;
            }
            if (AdmissionLimits.MeshOf(op) is not { } mesh) continue;
            bool seen = uploaded == null || AiVisibility.SeesMesh(reality, op.Uuid);
            if (op is ReplaceMesh && seen && reality.Meshes.TryGetValue(op.Uuid, out var current) && current.IsDerived && !MayReplaceDerived(actor, origin))
                return new IntentRefusedException(IntentErrorCode.DerivedMesh, path + ".uuid",
                    $"mesh {op.Uuid} is derived ({string.Join(", ", current.Derived)}): it is what {DerivingEngine} evaluates, and only {DerivingEngine} can change it; edit its source there");
            if (mesh.IsDerived && !MayReplaceDerived(actor, origin))
                return new IntentRefusedException(IntentErrorCode.DerivedMesh, path + ".derived",
                    $"only {DerivingEngine} reports derived meshes; an intent from {actor} creates or replaces authored meshes (derived: [])");
            if (source == null) continue;
            if (uploaded != null && ReferenceEquals(source, blobs)) source = new AiReachableBlobs(blobs!, reality, uploaded);
            try { MeshContent.Check(mesh, source, path); }
            catch (MeshContentException e)
            {
                var code = e.Code switch
                {
                    MeshContentException.BlobMissing => IntentErrorCode.BlobMissing,
                    MeshContentException.BlobShape => IntentErrorCode.BlobShape,
                    MeshContentException.InvalidValue => IntentErrorCode.InvalidValue, // skin weights (content schema 4)
                    _ => IntentErrorCode.IndexRange,
                };
                return new IntentRefusedException(code, e.Path, e.Reason);
            }
            foreach (var id in mesh.BlobIds())
                if (MeshContent.ShapeOf(source, id, path) is var shape && shape.ByteLength > limits.MaxBlobBytes)
                    return new IntentRefusedException(IntentErrorCode.ResourceLimit, path,
                        $"blob {id} holds {shape.ByteLength:N0} bytes, over limits.max_blob_bytes = {limits.MaxBlobBytes:N0}");
        }
        return null;
    }

    /// <summary>
    /// A set_mesh (or a create_object) from anyone but Blender may neither point an object at a derived mesh (it is
    /// another object's evaluated geometry) nor take an object off its own (its modifiers would
    /// derive it again). An AI is told only of records it sees; the validator answers the rest.
    /// </summary>
    private static IntentRefusedException? DerivedReference(SetMesh set, Actor actor, string? origin, RealityScene reality, bool ai, string path)
    {
        if (MayReplaceDerived(actor, origin)) return null;
        if (reality.Meshes.TryGetValue(set.Mesh, out var target) && target.IsDerived && (!ai || AiVisibility.SeesMesh(reality, set.Mesh)))
            return new IntentRefusedException(IntentErrorCode.DerivedMesh, path + ".mesh",
                $"mesh {set.Mesh} is derived ({string.Join(", ", target.Derived)}): it is one object's evaluated geometry in {DerivingEngine}, and no other object can use it");
        if (reality.Objects.TryGetValue(set.Uuid, out var o) && o.Mesh is { } current && reality.Meshes.TryGetValue(current, out var own) && own.IsDerived
            && (!ai || AiVisibility.SeesObject(reality, set.Uuid)))
            return new IntentRefusedException(IntentErrorCode.DerivedMesh, path + ".uuid",
                $"object {set.Uuid} shows a derived mesh ({string.Join(", ", own.Derived)}): {DerivingEngine} evaluates it from its modifiers or source; change them there");
        return null;
    }

    /// <summary>Blender itself (any of its instances), a human's edit made in a Blender instance, or the orchestrator (pairing, restore) may write a derived mesh.</summary>
    internal static bool MayReplaceDerived(Actor actor, string? origin) =>
        actor.Kind == ActorKind.Orchestrator
        || actor.Kind == ActorKind.Engine && Protocol.Link.EngineInstance.KindOf(actor.Name) == DerivingEngine
        || actor.Kind >= ActorKind.Human && origin != null && Protocol.Link.EngineInstance.KindOf(origin) == DerivingEngine;
}
