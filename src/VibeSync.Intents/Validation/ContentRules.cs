// Design rationale (CONTENT-V3 §2–§3, issue #18 "Bad input"): what a material or image operation must
// satisfy beyond its fields, checked with Reality, the actor and the blobs, as MeshRules does for
// meshes. A material Blender cannot represent (unsynced) is Blender's alone: any other origin's
// change is refused naming the reason, so a sync never flattens a node graph it does not carry.
// An image is admitted only once its blob is present, is a PNG or JPEG whose header states the
// record's size, and is within limits.max_image_bytes; the AI sees blobs as it sees records.
using VibeSync.Intents.Pipeline;
using VibeSync.Intents.Reality;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.State;

namespace VibeSync.Intents.Validation;

/// <summary>The rules of material and image operations that need Reality, the actor's origin and the blobs.</summary>
public static class ContentRules
{
    /// <summary>
    /// The first rule a material or image operation of <paramref name="request"/> breaks, as a
    /// refusal; null when none does. Parameters as <see cref="MeshRules.Check"/>.
    /// </summary>
    public static IntentRefusedException? Check(IntentRequest request, Actor actor, string? origin, RealityScene reality,
        IBlobSource? blobs, AdmissionLimits limits, IReadOnlyCollection<string>? uploaded)
    {
        bool blender = MeshRules.MayReplaceDerived(actor, origin);
        IBlobSource? source = blobs;
        for (int i = 0; i < request.Operations.Count; i++)
        {
            var op = request.Operations[i];
            string path = $"operations[{i}]";
            switch (op)
            {
                case SetMaterialParams p when !blender:
                    if (p.SetsUnsynced) return OnlyBlenderReports(path, actor);
                    if (reality.Materials.TryGetValue(p.Uuid, out var m) && m.Unsynced is { } reason
                        && (uploaded == null || AiVisibility.SeesMaterial(reality, p.Uuid)))
                        return new IntentRefusedException(IntentErrorCode.UnrepresentableMaterial, path + ".uuid",
                            $"material {p.Uuid} is not synced: {reason}. VibeSync cannot represent its node graph, so only {MeshRules.DerivingEngine} changes it (rename is allowed)");
                    break;
                case CreateMaterial c when !blender && c.Material.Unsynced != null:
                    return OnlyBlenderReports(path, actor);
                case CreateImage or ReplaceImage:
                    if (source == null) break;
                    if (uploaded != null && ReferenceEquals(source, blobs)) source = new AiReachableBlobs(blobs!, reality, uploaded);
                    // An image an AI may not see is the validator's to answer (as if unknown).
                    var image = op is CreateImage ci ? ci.Image
                        : reality.Images.TryGetValue(op.Uuid, out var current) && (uploaded == null || AiVisibility.SeesImage(reality, op.Uuid))
                            ? ((ReplaceImage)op).ApplyTo(current) : null;
                    if (image != null && Content(image, source, limits, path) is { } refused) return refused;
                    break;
                case CreateSkin or UpdateSkin or SetSkin or CreateObject { Skin: not null } or CreateAnimation or SetAnimationChannel { Channel: not null }:
                    if (source == null) break;
                    if (uploaded != null && ReferenceEquals(source, blobs)) source = new AiReachableBlobs(blobs!, reality, uploaded);
                    if (Rigging(op, reality, source, path) is { } rigging) return rigging;
                    break;
            }
        }
        return null;
    }

    /// <summary>
    /// The blobs of a skin, a skinning or a channel (CONTENT-V4 §6), checked against Reality before
    /// the intent (records the same intent creates are the engines' to check before applying).
    /// </summary>
    private static IntentRefusedException? Rigging(Operation op, RealityScene reality, IBlobSource source, string path)
    {
        int MorphTargets(string target) =>
            reality.Objects.TryGetValue(target, out var o) && o.Mesh != null && reality.Meshes.TryGetValue(o.Mesh, out var m) ? m.Targets.Count : -1;
        try
        {
            switch (op)
            {
                case CreateSkin k:
                    RiggingContent.CheckSkin(k.Skin, source, path);
                    break;
                case UpdateSkin u when reality.Skins.TryGetValue(u.Uuid, out var skin):
                    RiggingContent.CheckSkin(u.ApplyTo(skin), source, path);
                    break;
                case SetSkin { Skin: { } id } k when reality.Skins.TryGetValue(id, out var skin)
                    && reality.Objects.TryGetValue(k.Uuid, out var o) && o.Mesh != null && reality.Meshes.TryGetValue(o.Mesh, out var mesh):
                    RiggingContent.CheckSkinned(mesh, skin, source, path + ".skin");
                    break;
                case CreateObject { Skin: { } id, Mesh: { } meshId } when reality.Skins.TryGetValue(id, out var skin) && reality.Meshes.TryGetValue(meshId, out var mesh):
                    RiggingContent.CheckSkinned(mesh, skin, source, path + ".skin");
                    break;
                case CreateAnimation a:
                    for (int j = 0; j < a.Animation.Channels.Count; j++)
                    {
                        var c = a.Animation.Channels[j];
                        int targets = c.Path == AnimationPath.Weights ? MorphTargets(c.Target) : 0;
                        if (targets >= 0) RiggingContent.CheckChannel(c, targets, source, $"{path}.channels[{j}]");
                    }
                    break;
                case SetAnimationChannel { Channel: { } channel }:
                {
                    int targets = channel.Path == AnimationPath.Weights ? MorphTargets(channel.Target) : 0;
                    if (targets >= 0) RiggingContent.CheckChannel(channel, targets, source, path);
                    break;
                }
            }
        }
        catch (MeshContentException e)
        {
            return new IntentRefusedException(e.Code switch
            {
                MeshContentException.BlobMissing => IntentErrorCode.BlobMissing,
                MeshContentException.BlobShape => IntentErrorCode.BlobShape,
                MeshContentException.IndexRange => IntentErrorCode.IndexRange,
                _ => IntentErrorCode.InvalidValue,
            }, e.Path, e.Reason);
        }
        return null;
    }

    private static IntentRefusedException OnlyBlenderReports(string path, Actor actor) =>
        new(IntentErrorCode.InvalidValue, path + ".unsynced",
            $"only {MeshRules.DerivingEngine} reports why a material is not synced; an intent from {actor} leaves unsynced out");

    /// <summary>Bytes of an image read for its header first: a PNG's IHDR is in its first 33, a JPEG's first SOFn after its APPn segments.</summary>
    private const int HeaderBytes = 64 * 1024;

    /// <summary>
    /// The image's blob: present, one byte per element, within the limit, and the file the record says.
    /// From the store's header and the file's first bytes when it can give them: a verified read of the
    /// whole blob re-hashed 30 MB for a 4096² PNG that arrived verified moments before. Only a pass is
    /// decided on those first bytes; a refusal is decided on the whole blob, read and verified.
    /// </summary>
    private static IntentRefusedException? Content(Image image, IBlobSource source, AdmissionLimits limits, string path)
    {
        ReadOnlyMemory<byte> payload = default;
        var shapes = source as IBlobShapes;
        if (!(shapes != null ? shapes.TryGetShape(image.Blob, out var shape) : source.TryGet(image.Blob, out shape, out payload)))
            return Missing(image);
        if (shape.Element != BlobElement.U8 || shape.Components != 1)
            return new IntentRefusedException(IntentErrorCode.BlobShape, path + ".blob", $"an image blob holds the file's bytes (U8 × 1); blob {image.Blob} is {shape.Element} × {shape.Components}");
        if (shape.ByteLength > limits.MaxImageBytes)
            return new IntentRefusedException(IntentErrorCode.ResourceLimit, path + ".blob",
                $"image {image.Uuid}'s file holds {shape.ByteLength:N0} bytes, over limits.max_image_bytes = {limits.MaxImageBytes:N0}");
        if (shapes != null)
        {
            if (source is IBlobPrefixes prefixes && prefixes.TryGetPrefix(image.Blob, HeaderBytes, out var head) && ImageHeader.Problem(head.Span, image) == null)
                return null;
            if (!source.TryGet(image.Blob, out _, out payload)) return Missing(image);
        }
        return ImageHeader.Problem(payload.Span, image) is { } problem
            ? new IntentRefusedException(IntentErrorCode.ImageFormat, path + ".blob", $"blob {image.Blob} is not the {image.Mime} image the record says: {problem}")
            : null;

        IntentRefusedException Missing(Image i) =>
            new(IntentErrorCode.BlobMissing, path + ".blob", $"blob {i.Blob} is not in the store: put it first (put_blob, or the link's BLOB_PUT)");
    }
}
