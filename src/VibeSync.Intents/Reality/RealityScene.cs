using System.Collections.Immutable;
using VibeSync.Protocol.Hashing;
using VibeSync.Intents.Validation;
using VibeSync.Protocol.State;

namespace VibeSync.Intents.Reality;

/// <summary>
/// The authoritative canonical scene (Reality): records by uuid, the tombstones of deleted ones
/// (never reused), and the asset each prefab instance points at. Immutable: applying an intent
/// yields a new scene, so a refused intent leaves nothing half-applied.
/// </summary>
public sealed record RealityScene(
    ImmutableSortedDictionary<string, SceneObject> Objects,
    ImmutableSortedDictionary<string, Material> Materials,
    ImmutableSortedDictionary<string, Mesh> Meshes,
    ImmutableHashSet<string> Tombstones,
    ImmutableSortedDictionary<string, string> Assets)
{
    /// <summary>A scene with nothing in it.</summary>
    public static RealityScene Empty { get; } = new(
        ImmutableSortedDictionary.Create<string, SceneObject>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, Material>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, Mesh>(StringComparer.Ordinal),
        ImmutableHashSet.Create<string>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal));

    /// <summary>
    /// What is kept from AI beyond the <c>h-</c> prefix (<see cref="AiVisibility"/>): kept up to
    /// date by <see cref="IntentValidator"/> as Reality changes.
    /// </summary>
    public Concealment Concealed { get; init; } = Concealment.None;

    /// <summary>The image records (content schema 3).</summary>
    public ImmutableSortedDictionary<string, Image> Images { get; init; } = ImmutableSortedDictionary.Create<string, Image>(StringComparer.Ordinal);

    /// <summary>The skin records (content schema 4).</summary>
    public ImmutableSortedDictionary<string, Skin> Skins { get; init; } = ImmutableSortedDictionary.Create<string, Skin>(StringComparer.Ordinal);

    /// <summary>The animation records (content schema 4).</summary>
    public ImmutableSortedDictionary<string, Animation> Animations { get; init; } = ImmutableSortedDictionary.Create<string, Animation>(StringComparer.Ordinal);

    /// <summary>Reality from a (validated) canonical scene.</summary>
    public static RealityScene From(Scene scene)
    {
        var s = Empty with
        {
            Objects = scene.Objects.ToImmutableSortedDictionary(o => o.Uuid, o => o, StringComparer.Ordinal),
            Materials = scene.Materials.ToImmutableSortedDictionary(m => m.Uuid, m => m, StringComparer.Ordinal),
            Meshes = scene.Meshes.ToImmutableSortedDictionary(m => m.Uuid, m => m, StringComparer.Ordinal),
            Images = scene.Images.ToImmutableSortedDictionary(i => i.Uuid, i => i, StringComparer.Ordinal),
            Skins = scene.Skins.ToImmutableSortedDictionary(k => k.Uuid, k => k, StringComparer.Ordinal),
            Animations = scene.Animations.ToImmutableSortedDictionary(a => a.Uuid, a => a, StringComparer.Ordinal),
        };
        return s with { Concealed = AiVisibility.Initial(s) };
    }

    /// <summary>The records as a <see cref="Scene"/>, for hashing and writing.</summary>
    public Scene ToScene() => new(Objects.Values.ToArray(), Materials.Values.ToArray(), Meshes.Values.ToArray(), Images.Values.ToArray())
    {
        Skins = Skins.Values.ToArray(),
        Animations = Animations.Values.ToArray(),
    };

    /// <summary>The live records of <paramref name="uuids"/>, found by key (absent ones left out).</summary>
    public Scene Records(IEnumerable<string> uuids)
    {
        var objects = new List<SceneObject>();
        var materials = new List<Material>();
        var meshes = new List<Mesh>();
        var images = new List<Image>();
        var skins = new List<Skin>();
        var animations = new List<Animation>();
        foreach (var u in uuids)
        {
            if (Objects.TryGetValue(u, out var o)) objects.Add(o);
            if (Materials.TryGetValue(u, out var m)) materials.Add(m);
            if (Meshes.TryGetValue(u, out var mesh)) meshes.Add(mesh);
            if (Images.TryGetValue(u, out var image)) images.Add(image);
            if (Skins.TryGetValue(u, out var skin)) skins.Add(skin);
            if (Animations.TryGetValue(u, out var animation)) animations.Add(animation);
        }
        return new Scene(objects, materials, meshes, images) { Skins = skins, Animations = animations };
    }

    /// <summary>True when any live record has this uuid.</summary>
    public bool Contains(string uuid) => Objects.ContainsKey(uuid) || Materials.ContainsKey(uuid) || Meshes.ContainsKey(uuid) || Images.ContainsKey(uuid)
        || Skins.ContainsKey(uuid) || Animations.ContainsKey(uuid);

    /// <summary>The record hash (hex) of a live record, or null.</summary>
    public string? RecordHashOf(string uuid) =>
        Objects.TryGetValue(uuid, out var o) ? Hex.Encode(RecordHash.Of(o))
        : Materials.TryGetValue(uuid, out var m) ? Hex.Encode(RecordHash.Of(m))
        : Meshes.TryGetValue(uuid, out var mesh) ? Hex.Encode(RecordHash.Of(mesh))
        : Images.TryGetValue(uuid, out var image) ? Hex.Encode(RecordHash.Of(image))
        : Skins.TryGetValue(uuid, out var skin) ? Hex.Encode(RecordHash.Of(skin))
        : Animations.TryGetValue(uuid, out var animation) ? Hex.Encode(RecordHash.Of(animation))
        : null;

    /// <summary>The live materials whose textures use image <paramref name="uuid"/>.</summary>
    public IEnumerable<Material> UsersOf(string uuid) => Materials.Values.Where(m => m.ImageIds().Contains(uuid));

    /// <summary>Direct children of an object, in uuid order.</summary>
    public IEnumerable<SceneObject> ChildrenOf(string uuid) => Objects.Values.Where(o => o.Parent == uuid);
}
