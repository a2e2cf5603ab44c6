using VibeSync.Protocol.State;

namespace VibeSync.Intents.Tests;

/// <summary>A small Reality to validate against: a parent chain, a mesh object, a hidden light.</summary>
internal static class Scenes
{
    public const string Root = "00000000-0000-4000-8000-000000000001";
    public const string Child = "00000000-0000-4000-8000-000000000002";
    public const string Grandchild = "00000000-0000-4000-8000-000000000003";
    public const string Cube = "00000000-0000-4000-8000-000000000004";
    public const string Red = "00000000-0000-4000-8000-0000000000a1";
    public const string CubeMesh = "00000000-0000-4000-8000-0000000000b1";
    public const string HiddenLight = "h-00000000-0000-4000-8000-000000000009";
    public const string Fresh = "00000000-0000-4000-8000-0000000000f1";

    public static readonly Actor Ai = new(ActorKind.Ai, "claude");
    public static readonly Actor Human = new(ActorKind.Human, "blender");

    private static SceneObject Obj(string uuid, string? parent, ObjectKind kind = ObjectKind.Empty, string? mesh = null, string?[]? slots = null) =>
        new(uuid, uuid[^2..], kind, parent, Vector3d.Zero, Quaterniond.Identity, Vector3d.One, true, slots ?? Array.Empty<string?>(), mesh);

    public static RealityScene Initial() => RealityScene.From(new Scene(
        new[]
        {
            Obj(Root, null), Obj(Child, Root), Obj(Grandchild, Child),
            Obj(Cube, null, ObjectKind.Mesh, CubeMesh, new string?[] { Red }),
            Obj(HiddenLight, null, ObjectKind.Light),
        },
        new[] { new Material(Red, "Red", new Vector4d(1, 0, 0, 1), 0, 0.5, Vector3d.Zero) },
        new[] { InlineMesh.ToRecord(CubeMesh, new[] { Vector3d.Zero, new Vector3d(1, 0, 0), new Vector3d(0, 1, 0) }, new[] { new Triangle(0, 1, 2) }, null, null) }));

    public static IntentRequest Move(double x, string uuid = Cube, string rationale = "move it") => OperationReader.Read(
        $"{{\"operations\": [{{\"op\": \"set_transform\", \"uuid\": \"{uuid}\", \"translation\": [{x}, 0, 0]}}], \"rationale\": \"{rationale}\"}}");

    public static IntentRequest Hide(string uuid = Cube) => OperationReader.Read(
        $"{{\"operations\": [{{\"op\": \"set_visibility\", \"uuid\": \"{uuid}\", \"visible\": false}}], \"rationale\": \"hide it\"}}");

    public static IntentRequest Reparent(string uuid, string? parent) => OperationReader.Read(
        $"{{\"operations\": [{{\"op\": \"set_parent\", \"uuid\": \"{uuid}\", \"parent\": {(parent == null ? "null" : $"\"{parent}\"")}}}], \"rationale\": \"regroup\"}}");

    public static IntentRequest Delete(string uuid) => OperationReader.Read(
        $"{{\"operations\": [{{\"op\": \"delete_object\", \"uuid\": \"{uuid}\", \"children\": \"reparent\"}}], \"rationale\": \"clean up\"}}");

    public static IntentRequest Intent(params string[] operations) => OperationReader.Read("{\"operations\": [" + string.Join(", ", operations) + "]}");
}
