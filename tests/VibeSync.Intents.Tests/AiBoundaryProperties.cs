using FsCheck.Xunit;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.State;

namespace VibeSync.Intents.Tests;

/// <summary>
/// For random scenes with hidden parts (h- objects, objects under them, meshes and materials only
/// they use) and random AI operations, naming a hidden record gives the AI exactly the answer that
/// naming a record that does not exist gives: same code, same path, same sentence (the uuid aside),
/// same current hashes. An AI cannot probe.
/// </summary>
public sealed class AiBoundaryProperties
{
    private const string Nowhere = "00000000-0000-4000-8000-00000000dead";
    private const string HiddenNowhere = "h-" + Nowhere;
    private const string Mine = "00000000-0000-4000-8000-0000000000f1";   // an object the AI creates first, so it has one it may see
    private const string MyMesh = "00000000-0000-4000-8000-0000000000f2";
    private const string Spare = "00000000-0000-4000-8000-0000000000f3";
    private static readonly Actor Ai = new(ActorKind.Ai, "claude");

    private static readonly Func<string, string>[] Templates =
    {
        u => $"{{\"op\": \"set_transform\", \"uuid\": \"{u}\", \"translation\": [1, 2, 3]}}",
        u => $"{{\"op\": \"set_visibility\", \"uuid\": \"{u}\", \"visible\": false}}",
        u => $"{{\"op\": \"rename\", \"uuid\": \"{u}\", \"name\": \"Mine\"}}",
        u => $"{{\"op\": \"set_material_params\", \"uuid\": \"{u}\", \"roughness\": 0.1}}",
        u => $"{{\"op\": \"replace_mesh\", \"uuid\": \"{u}\", \"positions\": [[0, 0, 0], [1, 0, 0], [0, 1, 0]], \"triangles\": [[0, 1, 2]]}}",
        u => $"{{\"op\": \"set_parent\", \"uuid\": \"{u}\", \"parent\": null}}",
        u => $"{{\"op\": \"set_parent\", \"uuid\": \"{Mine}\", \"parent\": \"{u}\"}}",
        u => $"{{\"op\": \"assign_material\", \"uuid\": \"{Spare}\", \"slot\": 0, \"material\": \"{u}\"}}",
        u => $"{{\"op\": \"create_object\", \"uuid\": \"{Nowhere[..^4]}beef\", \"name\": \"x\", \"kind\": \"empty\", \"parent\": \"{u}\", \"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1]}}",
        u => $"{{\"op\": \"create_object\", \"uuid\": \"{Nowhere[..^4]}beef\", \"name\": \"x\", \"kind\": \"mesh\", \"parent\": null, \"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1], \"mesh\": \"{u}\"}}",
        u => $"{{\"op\": \"create_object\", \"uuid\": \"{Nowhere[..^4]}beef\", \"name\": \"x\", \"kind\": \"mesh\", \"parent\": \"{Mine}\", \"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1], \"mesh\": \"{MyMesh}\", \"materials\": [null, \"{u}\"]}}",
        u => $"{{\"op\": \"duplicate_object\", \"uuid\": \"{u}\", \"new_uuid\": \"{Nowhere[..^4]}beef\"}}",
        u => $"{{\"op\": \"delete_object\", \"uuid\": \"{u}\", \"children\": \"delete\"}}",
        u => $"{{\"op\": \"delete_object\", \"uuid\": \"{u}\", \"children\": \"reparent\"}}",
        u => $"{{\"op\": \"replace_asset\", \"uuid\": \"{u}\", \"asset\": \"props/crate\"}}",
        u => $"{{\"op\": \"instantiate_prefab\", \"uuid\": \"{Nowhere[..^4]}beef\", \"prefab\": \"props/crate\", \"name\": \"x\", \"parent\": \"{u}\", \"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1]}}",
    };

    [Property(MaxTest = 500)]
    public void for_an_ai_a_hidden_record_answers_exactly_as_one_that_does_not_exist(int seed)
    {
        var rng = new Random(seed);
        var (world, hidden) = RandomWorld(rng);
        if (hidden.Count == 0) return;
        string h = hidden[rng.Next(hidden.Count)];
        string nothing = VibeSyncId.IsHidden(h) ? HiddenNowhere : Nowhere;
        var template = Templates[rng.Next(Templates.Length)];
        bool basedOn = rng.Next(4) == 0;
        Assert.Equal(Answer(world, template, nothing, basedOn), Answer(world, template, h, basedOn));
    }

    /// <summary>
    /// Non-interference: whatever an AI submits, the answer it gets and what it then sees are the
    /// same in a world with hidden parts as in the world made only of what it sees (hidden records
    /// replaced by IDs that are merely taken).
    /// </summary>
    [Property(MaxTest = 500)]
    public void what_an_ai_is_told_and_then_sees_depends_only_on_what_it_sees(int seed)
    {
        var rng = new Random(seed);
        var (world, _) = RandomWorld(rng);
        if (rng.Next(2) == 0 && world.Objects.Count > 0) // a human deleted something once: tombstones, seen and not
        {
            var gone = world.Objects.Keys.ElementAt(rng.Next(world.Objects.Count));
            world = IntentValidator.Apply(world, OperationReader.Read($"{{\"operations\": [{{\"op\": \"delete_object\", \"uuid\": \"{gone}\", \"children\": \"{(rng.Next(2) == 0 ? "delete" : "reparent")}\"}}]}}"),
                new Actor(ActorKind.Human, "blender"));
        }
        var view = AiVisibility.View(world);
        var seen = AiVisibility.View(world).Objects.Select(o => o.Uuid).Concat(view.Materials.Select(m => m.Uuid)).Concat(view.Meshes.Select(m => m.Uuid)).ToHashSet();
        var taken = world.Tombstones.Union(world.Objects.Keys).Union(world.Materials.Keys).Union(world.Meshes.Keys).Where(u => !seen.Contains(u));
        var alone = RealityScene.From(view) with { Tombstones = world.Tombstones.Union(taken), Assets = world.Assets.RemoveRange(world.Assets.Keys.Where(k => !seen.Contains(k))) };
        alone = alone with { Concealed = alone.Concealed with { SeenTombstones = world.Concealed.SeenTombstones } };

        var candidates = world.Objects.Keys.Concat(world.Materials.Keys).Concat(world.Meshes.Keys).Concat(world.Tombstones).Append(Nowhere).Append(HiddenNowhere).ToList();
        string u = candidates[rng.Next(candidates.Count)];
        var template = Templates[rng.Next(Templates.Length)];
        bool basedOn = rng.Next(4) == 0;
        Assert.Equal(Outcome(alone, template, u, basedOn), Outcome(world, template, u, basedOn));
    }

    private static string Outcome(RealityScene world, Func<string, string> template, string uuid, bool basedOn)
    {
        try { return "admitted, then sees " + SceneHasher.RootHex(AiVisibility.View(IntentValidator.Apply(world, Probe(template, uuid, basedOn), Ai))); }
        catch (IntentRefusedException e) { return Refusal(e, "\0"); }
    }

    private static IntentRequest Probe(Func<string, string> template, string uuid, bool basedOn) => OperationReader.Read("{\"operations\": [" +
        $"{{\"op\": \"create_object\", \"uuid\": \"{Mine}\", \"name\": \"mine\", \"kind\": \"empty\", \"parent\": null, \"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1]}}, " +
        $"{{\"op\": \"create_mesh\", \"uuid\": \"{MyMesh}\", \"positions\": [[0, 0, 0], [1, 0, 0], [0, 1, 0]], \"triangles\": [[0, 1, 2]]}}, " +
        $"{{\"op\": \"create_object\", \"uuid\": \"{Spare}\", \"name\": \"spare\", \"kind\": \"mesh\", \"parent\": null, \"translation\": [0, 0, 0], \"rotation\": [0, 0, 0, 1], \"scale\": [1, 1, 1], \"mesh\": \"{MyMesh}\"}}, " +
        template(uuid) + "]" +
        (basedOn ? $", \"based_on\": {{\"{uuid}\": \"{new string('0', 64)}\"}}" : "") +
        ", \"rationale\": \"probe\"}");

    /// <summary>The AI's first operations make things of its own to point at; then the one under test.</summary>
    private static string Answer(RealityScene world, Func<string, string> template, string uuid, bool basedOn)
    {
        try
        {
            IntentValidator.Apply(world, Probe(template, uuid, basedOn), Ai);
            return "admitted";
        }
        catch (IntentRefusedException e) { return Refusal(e, uuid); }
    }

    /// <summary>A refusal as the AI gets it (code, path, sentence, current hashes), <paramref name="uuid"/> written U.</summary>
    internal static string Refusal(IntentRefusedException e, string uuid)
    {
        string hashes = string.Join(",", e.CurrentHashes.Select(p => p.Key.Replace(uuid, "U") + "=" + p.Value));
        return $"{IntentRefusedException.WireName(e.Code)} at {e.Path.Replace(uuid, "U")}: {e.Reason.Replace(uuid, "U")} [{hashes}]";
    }

    /// <summary>
    /// A random scene: objects (some h-, some under h- objects), meshes (some shared), materials in
    /// slots. Returns it and the records an AI may not see by the plainest reading of the rule: h-
    /// objects and everything under them, and meshes and materials only those use.
    /// </summary>
    internal static (RealityScene World, List<string> Hidden) RandomWorld(Random rng)
    {
        string Id(char kind, int i) => $"{kind}0000000-0000-4000-8000-{i:x12}";
        int n = rng.Next(2, 12);
        var objects = new List<SceneObject>();
        var meshes = new List<Mesh>();
        var materials = Enumerable.Range(0, 4).Select(i => new Material(Id('a', i), "m" + i, new Vector4d(1, 0, 0, 1), 0, 0.5, Vector3d.Zero)).ToList();
        for (int i = 0; i < n; i++)
        {
            string uuid = (rng.Next(4) == 0 ? "h-" : "") + Id('0', i);
            string? parent = i > 0 && rng.Next(2) == 0 ? objects[rng.Next(i)].Uuid : null;
            string? mesh = null;
            var slots = Array.Empty<string?>();
            if (rng.Next(2) == 0)
            {
                if (meshes.Count > 0 && rng.Next(3) == 0) mesh = meshes[rng.Next(meshes.Count)].Uuid;
                else
                {
                    mesh = Id('b', meshes.Count);
                    meshes.Add(InlineMesh.ToRecord(mesh, new[] { new Vector3d(i, 0, 0), new Vector3d(1, 0, 0), new Vector3d(0, 1, 0) }, new[] { new Triangle(0, 1, 2) }, null, null));
                }
                slots = Enumerable.Range(0, rng.Next(3)).Select(_ => rng.Next(4) == 0 ? null : materials[rng.Next(materials.Count)].Uuid).ToArray();
            }
            objects.Add(new SceneObject(uuid, "o" + i, mesh == null ? ObjectKind.Empty : ObjectKind.Mesh, parent, Vector3d.Zero, Quaterniond.Identity, Vector3d.One, true, slots, mesh));
        }
        var byId = objects.ToDictionary(o => o.Uuid);
        bool Under(SceneObject o) => VibeSyncId.IsHidden(o.Uuid) || (o.Parent != null && Under(byId[o.Parent]));
        var hiddenObjects = objects.Where(Under).ToList();
        var seen = objects.Except(hiddenObjects).ToList();
        var hidden = hiddenObjects.Select(o => o.Uuid).ToList();
        hidden.AddRange(meshes.Select(m => m.Uuid).Where(m => hiddenObjects.Any(o => o.Mesh == m) && !seen.Any(o => o.Mesh == m)));
        hidden.AddRange(materials.Select(m => m.Uuid).Where(m => hiddenObjects.Any(o => o.Materials.Contains(m)) && !seen.Any(o => o.Materials.Contains(m))));
        return (RealityScene.From(new Scene(objects, materials, meshes)), hidden);
    }
}
