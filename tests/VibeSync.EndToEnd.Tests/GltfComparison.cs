using System.Globalization;
using System.Numerics;
using SharpGLTF.Schema2;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// Two glTF files compared by meaning, not by bytes (issues #17 and #18, item 6): the same node
/// names, the same world transforms, per node's mesh the same triangles with the same corner
/// attributes and material, per node the same camera and KHR_lights_punctual light, and per material
/// name the same factors, alpha, sides and texture bindings (UV set, sampler, KHR_texture_transform,
/// normal scale, occlusion strength, the image's bytes and mime). Vertex order, vertex splitting and
/// which corner a triangle starts at may differ; the winding may not. Each difference is said as
/// which field of which triangle, node or material.
/// </summary>
internal static partial class GltfComparison
{
    /// <summary>The corner attributes compared (COLOR_0 as RGBA).</summary>
    private static readonly string[] Semantics = { "POSITION", "NORMAL", "TEXCOORD_0", "TEXCOORD_1", "TEXCOORD_2", "TEXCOORD_3", "COLOR_0" };

    /// <summary>One corner: each present semantic's value as floats.</summary>
    private sealed record Corner(IReadOnlyDictionary<string, float[]> Values)
    {
        public Vector3 Position => new(Values["POSITION"][0], Values["POSITION"][1], Values["POSITION"][2]);
    }

    private sealed record Triangle(int Index, Corner[] Corners, string? Material);

    /// <summary>Every difference between <paramref name="ours"/> and <paramref name="reference"/>, at most about <paramref name="max"/>; empty when they agree.</summary>
    /// <param name="ours">VibeSync's file.</param>
    /// <param name="reference">The reference writer's file.</param>
    /// <param name="tolerance">The most any compared number may differ by.</param>
    /// <param name="meshOnlyInOurs">Nodes whose mesh only <paramref name="ours"/> has (the reference's writer leaves it out); theirs must have triangles.</param>
    /// <param name="max">Stop after this many differences.</param>
    public static List<string> Differences(ModelRoot ours, ModelRoot reference, float tolerance, ISet<string> meshOnlyInOurs, int max = 20)
    {
        var found = new List<string>();
        var a = ours.LogicalNodes.ToDictionary(n => n.Name ?? "", StringComparer.Ordinal);
        var b = reference.LogicalNodes.ToDictionary(n => n.Name ?? "", StringComparer.Ordinal);
        foreach (var name in a.Keys.Except(b.Keys)) found.Add($"node '{name}' is only in ours");
        foreach (var name in b.Keys.Except(a.Keys)) found.Add($"node '{name}' is only in the reference");
        foreach (var name in a.Keys.Intersect(b.Keys).OrderBy(n => n, StringComparer.Ordinal))
        {
            var (x, y) = (a[name].WorldMatrix, b[name].WorldMatrix);
            for (int i = 0; i < 16; i++)
                if (Math.Abs(Cell(x, i) - Cell(y, i)) > tolerance)
                {
                    found.Add($"node '{name}': world matrix [{i / 4},{i % 4}] is {F(Cell(x, i))} in ours, {F(Cell(y, i))} in the reference");
                    break;
                }
            CompareCamera(name, a[name].Camera, b[name].Camera, tolerance, found);
            CompareLight(name, a[name].PunctualLight, b[name].PunctualLight, tolerance, found);
            if (meshOnlyInOurs.Contains(name) && b[name].Mesh == null)
            {
                if (Triangles(a[name].Mesh, null).Count == 0) found.Add($"node '{name}' has no triangles in ours");
                continue;
            }
            CompareMeshes(name, Triangles(a[name].Mesh, a[name].Skin), Triangles(b[name].Mesh, b[name].Skin), tolerance, found);
            CompareSkin(name, a[name].Skin, b[name].Skin, tolerance, found);
            CompareMorphs(name, a[name].Mesh, b[name].Mesh, tolerance, found);
            if (found.Count >= max) break;
        }
        if (found.Count < max) CompareMaterials(ours, reference, tolerance, found);
        return found;
    }

    private static void CompareMeshes(string node, List<Triangle> ours, List<Triangle> reference, float tolerance, List<string> found)
    {
        if (ours.Count != reference.Count)
        {
            found.Add($"node '{node}': {ours.Count} triangles in ours, {reference.Count} in the reference");
            return;
        }
        var semanticsOurs = ours.SelectMany(t => t.Corners[0].Values.Keys).ToHashSet();
        var semanticsRef = reference.SelectMany(t => t.Corners[0].Values.Keys).ToHashSet();
        if (!semanticsOurs.SetEquals(semanticsRef))
        {
            found.Add($"node '{node}': attributes [{string.Join(", ", semanticsOurs.Order())}] in ours, [{string.Join(", ", semanticsRef.Order())}] in the reference");
            return;
        }
        var unmatched = reference.ToList();
        foreach (var t in ours)
        {
            // Among the reference's triangles at the same corner positions (same winding, any starting corner), one whose every attribute agrees.
            Triangle? samePlace = null;
            int rotation = 0, at = -1;
            for (int k = 0; k < unmatched.Count && at < 0; k++)
                for (int r = 0; r < 3; r++)
                {
                    if (!SamePositions(t, unmatched[k], r, tolerance)) continue;
                    samePlace ??= unmatched[k];
                    if (samePlace == unmatched[k]) rotation = r;
                    if (FirstDifference(t, unmatched[k], r, tolerance) == null) { at = k; break; }
                }
            if (at >= 0)
            {
                unmatched.RemoveAt(at);
                continue;
            }
            found.Add(samePlace == null
                ? $"node '{node}': triangle {t.Index} of ours (corners at {string.Join(", ", t.Corners.Select(c => V(c.Values["POSITION"])))}) has no triangle with the same corners and winding in the reference"
                : $"node '{node}': triangle {t.Index} of ours vs the reference's triangle {samePlace.Index}: {FirstDifference(t, samePlace, rotation, tolerance)}");
            return; // one triangle says enough about a mesh
        }
    }

    private static bool SamePositions(Triangle t, Triangle u, int rotation, float tolerance)
    {
        for (int c = 0; c < 3; c++)
            if (!Near(t.Corners[c].Values["POSITION"], u.Corners[(c + rotation) % 3].Values["POSITION"], tolerance)) return false;
        return true;
    }

    private static string? FirstDifference(Triangle t, Triangle u, int rotation, float tolerance)
    {
        if (t.Material != u.Material) return $"material is '{t.Material}' in ours, '{u.Material}' in the reference";
        for (int c = 0; c < 3; c++)
            foreach (var (semantic, value) in t.Corners[c].Values)
            {
                var other = u.Corners[(c + rotation) % 3].Values[semantic];
                if (semantic == SkinSemantic)
                {
                    if (!SameInfluences(value, other, tolerance)) return $"bone weights of corner {c} are {Weights(value)} in ours, {Weights(other)} in the reference";
                    continue;
                }
                if (!Near(value, other, tolerance)) return $"{semantic} of corner {c} is {V(value)} in ours, {V(other)} in the reference";
            }
        return null;
    }

    private static List<Triangle> Triangles(Mesh? mesh, Skin? skin)
    {
        var triangles = new List<Triangle>();
        if (mesh == null) return triangles;
        foreach (var p in mesh.Primitives)
        {
            var columns = new Dictionary<string, IList<float[]>>();
            foreach (var semantic in Semantics)
                if (p.GetVertexAccessor(semantic) is { } accessor)
                    columns[semantic] = semantic switch
                    {
                        "POSITION" or "NORMAL" => accessor.AsVector3Array().Select(v => new[] { v.X, v.Y, v.Z }).ToList(),
                        "COLOR_0" => accessor.AsColorArray(1f).Select(v => new[] { v.X, v.Y, v.Z, v.W }).ToList(),
                        _ => accessor.AsVector2Array().Select(v => new[] { v.X, v.Y }).ToList(),
                    };
            if (skin != null && p.GetVertexAccessor("JOINTS_0") is { } joints && p.GetVertexAccessor("WEIGHTS_0") is { } weights)
                columns[SkinSemantic] = Influences(joints.AsVector4Array(), weights.AsVector4Array(), skin);
            for (int t = 0; t < p.MorphTargetsCount; t++)
                foreach (var (semantic, accessor) in p.GetMorphTargetAccessors(t))
                    if (semantic is "POSITION" or "NORMAL")
                        columns[$"TARGET{t}.{semantic}"] = accessor.AsVector3Array().Select(v => new[] { v.X, v.Y, v.Z }).ToList();
            if (skin != null) AtRest(columns, BindSpace(skin));
            foreach (var (i, j, k) in p.GetTriangleIndices())
            {
                var corners = new[] { i, j, k }.Select(v => new Corner(columns.ToDictionary(c => c.Key, c => c.Value[v]))).ToArray();
                triangles.Add(new Triangle(triangles.Count, corners, p.Material?.Name));
            }
        }
        return triangles;
    }

    private static bool Near(float[] a, float[] b, float tolerance)
    {
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
            if (Math.Abs(a[i] - b[i]) > tolerance) return false;
        return true;
    }

    private static float Cell(Matrix4x4 m, int i) => m[i / 4, i % 4];

    private static string F(float f) => f.ToString("G7", CultureInfo.InvariantCulture);

    private static string V(float[] v) => "(" + string.Join(", ", v.Select(F)) + ")";
}
