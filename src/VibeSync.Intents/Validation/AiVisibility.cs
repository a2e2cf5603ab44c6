using System.Runtime.CompilerServices;
using VibeSync.Intents.Reality;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.State;

namespace VibeSync.Intents.Validation;

/// <summary>
/// What an AI actor may see (DESIGN §8), the one rule that the validator, the control API and the
/// MCP server all apply. An AI sees:
/// <list type="bullet">
/// <item>an <b>object</b> when neither it nor any ancestor has an <c>h-</c> ID or a mesh it may not
/// see: a human hides a whole subtree by hiding its root (Blender's HUMAN_ONLY collection and
/// Unity's HumanOnly tag give the marked objects <c>h-</c> IDs; their children go with them), and
/// an object that shares its mesh with a hidden one is hidden too, since its geometry is the
/// hidden object's;</item>
/// <item>a <b>material</b> or <b>mesh</b> whose ID has no <c>h-</c> and that no hidden object has
/// ever used (<see cref="Concealment.Data"/>). In a visible object's material slots, one it may not
/// see reads as an empty slot (null).</item>
/// <item>an <b>image</b> whose ID has no <c>h-</c> and that is unused or used by at least one
/// material it sees (an image only hidden materials use is theirs, like a hidden object's mesh).</item>
/// </list>
/// Every visible object's parent is visible (or none) and its mesh is visible, so what an AI sees
/// is a valid scene of its own, with its own record hashes and root. Nothing an AI can do changes
/// what it sees of anything else: it cannot name what it does not see, and what a hidden object
/// uses stays concealed (the sets only grow).
/// </summary>
public static class AiVisibility
{
    private static readonly ConditionalWeakTable<RealityScene, Scene> Views = new();

    /// <summary>True when an AI may see the live object <paramref name="uuid"/>.</summary>
    public static bool SeesObject(RealityScene s, string uuid)
    {
        for (string? at = uuid; at != null;)
        {
            if (VibeSyncId.IsHidden(at) || !s.Objects.TryGetValue(at, out var o)) return false;
            if (o.Mesh != null && !SeesDataId(s, o.Mesh)) return false;
            at = o.Parent;
        }
        return true;
    }

    /// <summary>True when an AI may see the live material <paramref name="uuid"/>.</summary>
    public static bool SeesMaterial(RealityScene s, string uuid) => s.Materials.ContainsKey(uuid) && SeesDataId(s, uuid);

    /// <summary>True when an AI may see the live mesh <paramref name="uuid"/>.</summary>
    public static bool SeesMesh(RealityScene s, string uuid) => s.Meshes.ContainsKey(uuid) && SeesDataId(s, uuid);

    /// <summary>True when an AI may see the live image <paramref name="uuid"/>: not <c>h-</c>, and unused or used by a material it sees.</summary>
    public static bool SeesImage(RealityScene s, string uuid)
    {
        if (!s.Images.ContainsKey(uuid) || !SeesDataId(s, uuid)) return false;
        bool used = false;
        foreach (var m in s.UsersOf(uuid))
        {
            if (SeesMaterial(s, m.Uuid)) return true;
            used = true;
        }
        return !used;
    }

    /// <summary>A skin is hidden when its uuid is h- or any joint it names is hidden (CONTENT-V4 §6), so no hidden uuid leaks through it.</summary>
    public static bool SeesSkin(RealityScene s, string uuid) =>
        s.Skins.TryGetValue(uuid, out var skin) && SeesDataId(s, uuid) && skin.Joints.All(j => SeesObject(s, j))
        && (skin.Skeleton == null || SeesObject(s, skin.Skeleton));

    /// <summary>An animation is hidden when its uuid is h- or any channel targets a hidden object (CONTENT-V4 §6).</summary>
    public static bool SeesAnimation(RealityScene s, string uuid) =>
        s.Animations.TryGetValue(uuid, out var animation) && SeesDataId(s, uuid) && animation.Channels.All(c => SeesObject(s, c.Target));

    /// <summary>True when an AI may see the live record <paramref name="uuid"/>, whatever it is.</summary>
    public static bool Sees(RealityScene s, string uuid) => SeesObject(s, uuid) || SeesMaterial(s, uuid) || SeesMesh(s, uuid) || SeesImage(s, uuid)
        || SeesSkin(s, uuid) || SeesAnimation(s, uuid);

    /// <summary>
    /// True when an AI may know of <paramref name="uuid"/>: a record it sees, or an object it could
    /// see when it was deleted. The journal shows an AI only these.
    /// </summary>
    public static bool Knows(RealityScene s, string uuid) => Sees(s, uuid) || s.Concealed.SeenTombstones.Contains(uuid);

    private static bool SeesDataId(RealityScene s, string uuid) => !VibeSyncId.IsHidden(uuid) && !s.Concealed.Data.Contains(uuid);

    /// <summary>An object as an AI sees it: material slots it may not see are empty (null).</summary>
    public static SceneObject Masked(RealityScene s, SceneObject o)
    {
        var masked = o.Materials.All(m => m == null || SeesDataId(s, m)) ? o : o with { Materials = o.Materials.Select(m => m != null && SeesDataId(s, m) ? m : null).ToArray() };
        return masked.Skin != null && !SeesSkin(s, masked.Skin) ? masked with { Skin = null } : masked; // a hidden skin reads as none
    }

    /// <summary>The record hash (hex) of <paramref name="uuid"/> as an AI sees it, or null when it sees no such record.</summary>
    public static string? RecordHashOf(RealityScene s, string uuid) =>
        SeesObject(s, uuid) ? Hex.Encode(RecordHash.Of(Masked(s, s.Objects[uuid])))
        : SeesMaterial(s, uuid) ? Hex.Encode(RecordHash.Of(s.Materials[uuid]))
        : SeesMesh(s, uuid) ? Hex.Encode(RecordHash.Of(s.Meshes[uuid]))
        : SeesImage(s, uuid) ? Hex.Encode(RecordHash.Of(s.Images[uuid]))
        : SeesSkin(s, uuid) ? Hex.Encode(RecordHash.Of(s.Skins[uuid]))
        : SeesAnimation(s, uuid) ? Hex.Encode(RecordHash.Of(s.Animations[uuid]))
        : null;

    /// <summary>Reality as an AI sees it: a valid scene of the records it may see, slots masked.</summary>
    public static Scene View(RealityScene s) => Views.GetValue(s, Project);

    /// <summary>
    /// A scene an engine holds, as an AI sees it: concealed as Reality (<paramref name="known"/>)
    /// conceals, plus what the scene's own hidden objects use.
    /// </summary>
    public static Scene View(Scene scene, Concealment known)
    {
        var s = RealityScene.From(scene);
        return Project(s with { Concealed = s.Concealed with { Data = s.Concealed.Data.Union(known.Data) } });
    }

    private static Scene Project(RealityScene s)
    {
        var seen = new Dictionary<string, bool>(StringComparer.Ordinal);
        bool Sees(SceneObject o)
        {
            if (seen.TryGetValue(o.Uuid, out bool known)) return known;
            bool sees = !VibeSyncId.IsHidden(o.Uuid) && (o.Mesh == null || SeesDataId(s, o.Mesh))
                && (o.Parent == null || (s.Objects.TryGetValue(o.Parent, out var p) && Sees(p)));
            return seen[o.Uuid] = sees;
        }
        return new Scene(
            s.Objects.Values.Where(Sees).Select(o => Masked(s, o)).ToArray(),
            s.Materials.Values.Where(m => SeesDataId(s, m.Uuid)).ToArray(),
            s.Meshes.Values.Where(m => SeesDataId(s, m.Uuid)).ToArray(),
            s.Images.Values.Where(i => SeesImage(s, i.Uuid)).ToArray())
        {
            Skins = s.Skins.Values.Where(k => SeesSkin(s, k.Uuid)).ToArray(),
            Animations = s.Animations.Values.Where(a => SeesAnimation(s, a.Uuid)).ToArray(),
        };
    }

    // ---- upkeep: Concealment follows every change of Reality ----

    /// <summary>What a scene conceals from the start: what its hidden objects use, and what that hides in turn.</summary>
    internal static Concealment Initial(RealityScene s)
    {
        var roots = s.Objects.Values.Where(o => VibeSyncId.IsHidden(o.Uuid) || (o.Mesh != null && VibeSyncId.IsHidden(o.Mesh))).Select(o => o.Uuid).ToList();
        return roots.Count == 0 ? Concealment.None : Concealment.None with { Data = Conceal(s, roots) };
    }

    /// <summary>
    /// Reality after <paramref name="op"/> (<paramref name="after"/>), its concealment brought up
    /// to date: what a newly hidden object uses is concealed, and objects an AI could see when they
    /// were deleted (<paramref name="deleted"/>) are remembered as such.
    /// </summary>
    internal static RealityScene Track(RealityScene before, RealityScene after, Operation op, IReadOnlyCollection<string> deleted)
    {
        string? changed = op switch
        {
            CreateObject c => c.Uuid,
            InstantiatePrefab p => p.Uuid,
            DuplicateObject d => d.NewUuid,
            AssignMaterial a => a.Uuid,
            SetMesh m => m.Uuid, // a hidden object's new mesh is concealed; a visible one given a concealed mesh hides
            SetParent p when SeesObject(before, p.Uuid) => p.Uuid, // hidden before: what its subtree uses is concealed already
            _ => null,
        };
        if (op is DeleteObject) return RememberSeen(before, after, deleted);
        if (changed == null || SeesObject(after, changed)) return after;
        bool fresh = op is CreateObject or InstantiatePrefab or DuplicateObject; // a new object has no children yet
        return after with { Concealed = after.Concealed with { Data = Conceal(after, new[] { changed }, fresh ? changed : null) } };
    }

    /// <summary>
    /// <paramref name="after"/>, remembering the <paramref name="deleted"/> objects an AI could see
    /// before. A method of its own: its lambda, inline in <see cref="Track"/>, made the compiler
    /// allocate a closure on every call of it, every operation (issue #20).
    /// </summary>
    private static RealityScene RememberSeen(RealityScene before, RealityScene after, IReadOnlyCollection<string> deleted)
    {
        var seen = deleted.Where(u => SeesObject(before, u)).ToList();
        return seen.Count == 0 ? after : after with { Concealed = after.Concealed with { SeenTombstones = after.Concealed.SeenTombstones.Union(seen) } };
    }

    /// <summary>
    /// Conceals what the hidden objects <paramref name="roots"/>, their subtrees, and every object
    /// that comes to share a concealed mesh with them use.
    /// </summary>
    private static System.Collections.Immutable.ImmutableHashSet<string> Conceal(RealityScene s, IEnumerable<string> roots, string? childless = null)
    {
        var data = s.Concealed.Data.ToBuilder();
        ILookup<string, string>? children = null, users = null;
        var stack = new Stack<string>(roots);
        var done = new HashSet<string>(StringComparer.Ordinal);
        while (stack.TryPop(out var uuid))
        {
            if (!done.Add(uuid) || !s.Objects.TryGetValue(uuid, out var o)) continue;
            foreach (var m in o.Materials) if (m != null) data.Add(m);
            if (o.Mesh != null && data.Add(o.Mesh))
            {
                users ??= s.Objects.Values.Where(x => x.Mesh != null).ToLookup(x => x.Mesh!, x => x.Uuid, StringComparer.Ordinal);
                foreach (var user in users[o.Mesh]) stack.Push(user);
            }
            if (uuid == childless) continue;
            children ??= s.Objects.Values.Where(x => x.Parent != null).ToLookup(x => x.Parent!, x => x.Uuid, StringComparer.Ordinal);
            foreach (var child in children[uuid]) stack.Push(child);
        }
        return data.ToImmutable();
    }
}
