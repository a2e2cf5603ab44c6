using System.Globalization;
using System.Text;
using VibeSync.Protocol.Spaces;
using VibeSync.Protocol.State;

namespace VibeSync.Protocol.Tests.Support;

/// <summary>Writes a scene as the JSON of docs/protocol.md §8 in a given space (doubles round-trip exactly).</summary>
internal static class SceneJsonWriter
{
    public static string Write(Scene canonical, Space space, double unitScale = 1.0)
    {
        var s = SceneConverter.FromCanonical(canonical, space, unitScale);
        var (t, r, sc) = space switch
        {
            Space.Blender => ("location", "rotation_quaternion", "scale"),
            Space.Unity => ("localPosition", "localRotation", "localScale"),
            _ => ("translation", "rotation", "scale"),
        };
        var sb = new StringBuilder("{");
        if (space == Space.Blender) sb.Append("\"unit_scale\": ").Append(N(unitScale)).Append(", ");
        sb.Append("\"objects\": [");
        sb.AppendJoin(", ", s.Objects.Select(o =>
            $"{{\"uuid\": \"{o.Uuid}\", \"name\": {Str(o.Name)}, \"kind\": \"{o.Kind.ToString().ToLowerInvariant()}\", " +
            $"\"parent\": {Id(o.Parent)}, \"{t}\": {V(o.Translation)}, \"{r}\": {Q(o.Rotation, space)}, \"{sc}\": {V(o.Scale)}, " +
            $"\"visible\": {(o.Visible ? "true" : "false")}, \"materials\": [{string.Join(", ", o.Materials.Select(Id))}], \"mesh\": {Id(o.Mesh)}}}"));
        sb.Append("], \"materials\": [");
        sb.AppendJoin(", ", s.Materials.Select(m =>
            $"{{\"uuid\": \"{m.Uuid}\", \"name\": {Str(m.Name)}, \"base_color\": [{N(m.BaseColor.X)}, {N(m.BaseColor.Y)}, {N(m.BaseColor.Z)}, {N(m.BaseColor.W)}], " +
            $"\"metallic\": {N(m.Metallic)}, \"roughness\": {N(m.Roughness)}, \"emission\": {V(m.Emission)}}}"));
        sb.Append("], \"meshes\": [");
        sb.AppendJoin(", ", s.Meshes.Select(m =>
            $"{{\"uuid\": \"{m.Uuid}\", \"positions\": [{string.Join(", ", m.Positions.Select(V))}], " +
            $"\"triangles\": [{string.Join(", ", m.Triangles.Select(x => $"[{x.A}, {x.B}, {x.C}]"))}]" +
            (m.Uv0 is null ? "" : $", \"uv0\": [{string.Join(", ", m.Uv0.Select(u => $"[{N(u.X)}, {N(u.Y)}]"))}]") + "}"));
        return sb.Append("]}").ToString();
    }

    private static string N(double v) => v.ToString("R", CultureInfo.InvariantCulture);
    private static string V(Vector3d v) => $"[{N(v.X)}, {N(v.Y)}, {N(v.Z)}]";
    private static string Q(Quaterniond q, Space space) => space == Space.Blender
        ? $"[{N(q.W)}, {N(q.X)}, {N(q.Y)}, {N(q.Z)}]"
        : $"[{N(q.X)}, {N(q.Y)}, {N(q.Z)}, {N(q.W)}]";
    private static string Id(string? id) => id is null ? "null" : $"\"{id}\"";
    private static string Str(string s) => System.Text.Json.JsonSerializer.Serialize(s);
}
