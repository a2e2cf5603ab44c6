using System.Collections.Concurrent;
using System.Numerics;
using System.Text.Json.Nodes;
using SharpGLTF.Schema2;

namespace VibeSync.EndToEnd.Tests;

/// <summary>
/// Skins and morph targets (issue #19 item 6): per skinned node its joints' names in order and each
/// inverse bind matrix; per corner the bone influences (joint by name, weight; slots and zero weights
/// ignored) and every morph target's POSITION and NORMAL deltas; per mesh its target names and default weights.
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

    private static List<(string Name, Matrix4x4 Ibm)> Joints(Skin skin) =>
        Enumerable.Range(0, skin.JointsCount).Select(i => skin.GetJoint(i)).Select(j => (j.Joint.Name ?? "", j.InverseBindMatrix)).ToList();

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
