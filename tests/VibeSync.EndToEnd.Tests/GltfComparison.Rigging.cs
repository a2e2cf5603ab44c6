using System.Collections.Concurrent;
using System.Numerics;
using System.Text.Json.Nodes;
using SharpGLTF.Schema2;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// Skins and morph targets (issue #19 item 6): per skinned node its joints' names in order and each
/// inverse bind matrix; per corner the bone influences (joint by name, weight; slots and zero weights
/// ignored) and every morph target's POSITION and NORMAL deltas; per mesh its target names and default weights.
/// glTF leaves the space of a skinned mesh's vertices to the writer: Blender's exporter writes them in
/// world space with world-space inverse bind matrices, VibeSync's export in the node's own space with
/// matrices that carry the node's world transform (IBM · skeleton world⁻¹ · node world). Both bind
/// alike, so a skinned mesh is compared where its skin puts it at rest: every corner (positions,
/// normals, morph deltas) through the bind space M = joint world · IBM (the same for every joint at
/// rest: checked), and every inverse bind matrix as IBM · M⁻¹ (the joint's world inverse).
/// </summary>
internal static partial class GltfComparison
{
    /// <summary>A corner's influences: (joint number, weight) pairs, by joint number, weights above 1e-3.</summary>
    private const string SkinSemantic = "SKIN";

    /// <summary>A number per joint name, shared by both files of a comparison (one process).</summary>
    private static readonly ConcurrentDictionary<string, int> JointNumbers = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<int, string> JointNames = new();

    private static List<float[]> Influences(IList<Vector4> joints, IList<Vector4> weights, Skin skin)
    {
        var result = new List<float[]>(joints.Count);
        for (int v = 0; v < joints.Count; v++)
        {
            var (j, w) = (joints[v], weights[v]);
            var pairs = new[] { (j.X, w.X), (j.Y, w.Y), (j.Z, w.Z), (j.W, w.W) }
                .Where(p => p.Item2 > 1e-3f)
                .Select(p => (Number: Number(skin.GetJoint((int)p.Item1).Joint.Name ?? ""), Weight: p.Item2))
                .OrderBy(p => p.Number);
            result.Add(pairs.SelectMany(p => new[] { (float)p.Number, p.Weight }).ToArray());
        }
        return result;
    }

    private static int Number(string joint)
    {
        int n = JointNumbers.GetOrAdd(joint, _ => JointNumbers.Count);
        JointNames[n] = joint;
        return n;
    }

    private static bool SameInfluences(float[] a, float[] b, float tolerance)
    {
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i += 2)
            if (a[i] != b[i] || Math.Abs(a[i + 1] - b[i + 1]) > tolerance) return false;
        return true;
    }

    private static string Weights(float[] pairs) =>
        "{" + string.Join(", ", Enumerable.Range(0, pairs.Length / 2).Select(k => $"{JointNames.GetValueOrDefault((int)pairs[2 * k], "?")}: {F(pairs[2 * k + 1])}")) + "}";

    private static void CompareSkin(string node, Skin? ours, Skin? reference, float tolerance, List<string> found)
    {
        if (ours == null || reference == null)
        {
            if ((ours == null) != (reference == null)) found.Add($"node '{node}': skinned in {(ours != null ? "ours" : "the reference")} only");
            return;
        }
        foreach (var (skin, whose) in new[] { (ours, "ours"), (reference, "the reference") })
            foreach (var joint in Unbound(skin, tolerance))
                found.Add($"node '{node}': in {whose}, joint {joint}'s world · inverse bind matrix is not the skin's bind space (the mesh would move at rest)");
        var (a, b) = (Joints(ours), Joints(reference));
        if (!a.Select(j => j.Name).SequenceEqual(b.Select(j => j.Name)))
        {
            found.Add($"node '{node}': joints [{string.Join(", ", a.Select(j => j.Name))}] in ours, [{string.Join(", ", b.Select(j => j.Name))}] in the reference");
            return;
        }
        for (int i = 0; i < a.Count; i++)
            for (int k = 0; k < 16; k++)
                if (Math.Abs(Cell(a[i].Ibm, k) - Cell(b[i].Ibm, k)) > tolerance)
                {
                    found.Add($"node '{node}': joint {a[i].Name}'s inverse bind matrix [{k / 4},{k % 4}] is {F(Cell(a[i].Ibm, k))} in ours, {F(Cell(b[i].Ibm, k))} in the reference");
                    return;
                }
    }

    /// <summary>
    /// Each joint's name and its inverse bind matrix taken to world space (row-vector layout: M⁻¹ then the IBM).
    /// A joint whose world · IBM is not the skin's bind space M is reported as such.
    /// </summary>
    private static List<(string Name, Matrix4x4 Ibm)> Joints(Skin skin)
    {
        var m = BindSpace(skin);
        Matrix4x4.Invert(m, out var inverse);
        return Enumerable.Range(0, skin.JointsCount).Select(i => skin.GetJoint(i)).Select(j => (j.Joint.Name ?? "", inverse * j.InverseBindMatrix)).ToList();
    }

    /// <summary>The skin's bind space at rest: the first joint's IBM then its world matrix (row-vector layout).</summary>
    private static Matrix4x4 BindSpace(Skin skin)
    {
        var (joint, ibm) = skin.GetJoint(0);
        return ibm * joint.WorldMatrix;
    }

    /// <summary>Positions, normals and morph deltas of a skinned primitive where the skin puts them at rest.</summary>
    private static void AtRest(Dictionary<string, IList<float[]>> columns, Matrix4x4 m)
    {
        foreach (var (semantic, values) in columns.ToList())
        {
            bool point = semantic == "POSITION", direction = semantic == "NORMAL" || semantic.StartsWith("TARGET", StringComparison.Ordinal);
            if (!point && !direction) continue;
            columns[semantic] = values.Select(v =>
            {
                var x = new Vector3(v[0], v[1], v[2]);
                var r = point ? Vector3.Transform(x, m) : Vector3.TransformNormal(x, m);
                return new[] { r.X, r.Y, r.Z };
            }).ToList();
        }
    }

    /// <summary>Every joint of <paramref name="skin"/> whose world · IBM is not the bind space (a skin that does not hold the mesh at rest).</summary>
    private static IEnumerable<string> Unbound(Skin skin, float tolerance)
    {
        var m = BindSpace(skin);
        for (int i = 1; i < skin.JointsCount; i++)
        {
            var (joint, ibm) = skin.GetJoint(i);
            var b = ibm * joint.WorldMatrix;
            for (int k = 0; k < 16; k++)
                if (Math.Abs(Cell(b, k) - Cell(m, k)) > tolerance) { yield return joint.Name ?? ""; break; }
        }
    }

    private static void CompareMorphs(string node, Mesh? ours, Mesh? reference, float tolerance, List<string> found)
    {
        if (ours == null || reference == null) return;
        var (a, b) = (TargetNames(ours), TargetNames(reference));
        if (!a.SequenceEqual(b)) found.Add($"node '{node}': morph targets [{string.Join(", ", a)}] in ours, [{string.Join(", ", b)}] in the reference");
        var (wa, wb) = (ours.MorphWeights ?? Array.Empty<float>(), reference.MorphWeights ?? Array.Empty<float>());
        if (!Near(wa.ToArray(), wb.ToArray(), tolerance))
            found.Add($"node '{node}': default morph weights {V(wa.ToArray())} in ours, {V(wb.ToArray())} in the reference");
    }

    private static string[] TargetNames(Mesh mesh) =>
        mesh.Extras is JsonObject extras && extras["targetNames"] is JsonArray names ? names.Select(n => n?.GetValue<string>() ?? "").ToArray() : Array.Empty<string>();
}
