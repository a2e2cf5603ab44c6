using System.Text.Json.Serialization;
using VibeSync.Intents.Pipeline;
using VibeSync.Intents.Reality;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.State;

namespace VibeSync.Orchestrator.WebConsole;

/// <summary>One object of the 3D view: its local transform (canonical space, glTF's), and what the proposal does to it.</summary>
/// <param name="Uuid">The object.</param>
/// <param name="Name">Its name.</param>
/// <param name="Kind">mesh, empty, camera, light, …</param>
/// <param name="Parent">Its parent object, or null.</param>
/// <param name="Translation">Its translation after the intent.</param>
/// <param name="Rotation">Its rotation after the intent, [x, y, z, w].</param>
/// <param name="Scale">Its scale after the intent.</param>
/// <param name="Change">same, moved (shown at both places, ghosted at the new one), new (highlighted) or deleted (marked).</param>
/// <param name="From">Where a moved object is now (translation, rotation [x, y, z, w], scale); null otherwise.</param>
/// <param name="Mesh">The mesh it draws (after the intent), or null: a new object drawing a mesh Reality holds is drawn with it.</param>
internal sealed record ViewObject(
    [property: JsonPropertyName("uuid")] string Uuid,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("parent")] string? Parent,
    [property: JsonPropertyName("translation")] double[] Translation,
    [property: JsonPropertyName("rotation")] double[] Rotation,
    [property: JsonPropertyName("scale")] double[] Scale,
    [property: JsonPropertyName("change")] string Change,
    [property: JsonPropertyName("from")] ViewTransform? From,
    [property: JsonPropertyName("mesh")] string? Mesh);

/// <summary>A local transform.</summary>
internal sealed record ViewTransform(
    [property: JsonPropertyName("translation")] double[] Translation,
    [property: JsonPropertyName("rotation")] double[] Rotation,
    [property: JsonPropertyName("scale")] double[] Scale);

/// <summary>
/// What the 3D view of a pending intent draws (<c>/console/intents/{id}/scene.json</c>): every object
/// of Reality after the intent with what the intent changes marked (the page draws them over
/// Reality's glTF, <see cref="RealityGlb"/>, matched by uuid; or as boxes at their transforms), computed exactly as the review's field diff is (the intent validated
/// against Reality as it is now).
/// </summary>
internal static class ProposalScene
{
    public static IReadOnlyList<ViewObject>? Of(WaitingIntent pending, RealityScene reality)
    {
        RealityScene after;
        try { after = IntentValidator.Check(reality, pending.Request, Sight.Everything).Reality; }
        catch (Protocol.Operations.IntentRefusedException) { return null; }
        var objects = new List<ViewObject>();
        foreach (var o in after.Objects.Values)
        {
            reality.Objects.TryGetValue(o.Uuid, out var was);
            bool moved = was != null && (!was.Translation.Equals(o.Translation) || !was.Rotation.Equals(o.Rotation) || !was.Scale.Equals(o.Scale) || was.Parent != o.Parent);
            objects.Add(View(o, was == null ? "new" : moved ? "moved" : "same", moved ? Transform(was!) : null));
        }
        foreach (var gone in reality.Objects.Values.Where(o => !after.Objects.ContainsKey(o.Uuid)))
            objects.Add(View(gone, "deleted", null));
        return objects;
    }

    private static ViewTransform Transform(SceneObject o) => new(Doubles(o.Translation), Doubles(o.Rotation), Doubles(o.Scale));

    private static double[] Doubles(Vector3d v) => new[] { v.X, v.Y, v.Z };

    private static double[] Doubles(Quaterniond q) => new[] { q.X, q.Y, q.Z, q.W };

    private static ViewObject View(SceneObject o, string change, ViewTransform? from) =>
        new(o.Uuid, o.Name, o.Kind.ToString().ToLowerInvariant(), o.Parent, Doubles(o.Translation), Doubles(o.Rotation), Doubles(o.Scale), change, from, o.Mesh);
}
