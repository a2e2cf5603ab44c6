using FsCheck;
using FsCheck.Xunit;
using System.Security.Cryptography;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Tests.Support;

namespace VibeSync.Protocol.Tests.Hashing;

public sealed class MerkleTreeTests
{
    private static byte[] H(params byte[][] parts) => SHA256.HashData(parts.SelectMany(p => p).ToArray());
    private static byte[] Leaf(int i) => H(BitConverter.GetBytes(i));
    private static KeyValuePair<string, byte[]> Pair(string k, byte[] v) => new(k, v);

    /// <summary>RFC 6962 MTH written the recursive way, as an independent oracle.</summary>
    private static byte[] Oracle(IReadOnlyList<byte[]> leaves)
    {
        if (leaves.Count == 0) return H();
        if (leaves.Count == 1) return leaves[0];
        int k = 1;
        while (k * 2 < leaves.Count) k *= 2;
        return H(new byte[] { 1 }, Oracle(leaves.Take(k).ToList()), Oracle(leaves.Skip(k).ToList()));
    }

    [Fact]
    public void the_empty_tree_has_the_hash_of_nothing()
    {
        Assert.Equal(H(), MerkleTree.Build(Array.Empty<KeyValuePair<string, byte[]>>()).Root);
    }

    [Fact]
    public void a_single_record_is_its_own_root()
    {
        Assert.Equal(Leaf(1), MerkleTree.Build(new[] { Pair("a", Leaf(1)) }).Root);
    }

    [Theory]
    [InlineData(2)] [InlineData(3)] [InlineData(5)] [InlineData(7)] [InlineData(8)] [InlineData(9)] [InlineData(33)] [InlineData(100)]
    public void the_root_is_the_rfc6962_tree_hash_of_the_leaves_sorted_by_uuid(int n)
    {
        var pairs = Enumerable.Range(0, n).Select(i => Pair($"k{(i * 37) % n:D4}", Leaf(i))).ToList();
        var sorted = pairs.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value).ToList();
        Assert.Equal(Oracle(sorted), MerkleTree.Build(pairs).Root);
    }

    [Property(MaxTest = 200)]
    public bool an_incremental_update_equals_a_rebuild(PositiveInt size, int seed, NonNegativeInt edits)
    {
        var r = new Random(seed);
        int n = size.Get % 300 + 1;
        var keys = Enumerable.Range(0, n).Select(_ => RandomScenes.Uuid(r)).Distinct().ToList();
        var values = keys.ToDictionary(k => k, _ => Leaf(r.Next()));
        var tree = MerkleTree.Build(values.Select(p => Pair(p.Key, p.Value)).ToList());
        for (int e = 0; e < edits.Get % 20 + 1; e++)
        {
            switch (r.Next(3))
            {
                case 0 when keys.Count > 0: // change
                    var k = keys[r.Next(keys.Count)];
                    values[k] = Leaf(r.Next());
                    tree.Set(k, values[k]);
                    break;
                case 1: // insert
                    var added = RandomScenes.Uuid(r);
                    keys.Add(added);
                    values[added] = Leaf(r.Next());
                    tree.Set(added, values[added]);
                    break;
                default: // remove
                    if (keys.Count == 0) break;
                    var gone = keys[r.Next(keys.Count)];
                    keys.Remove(gone);
                    values.Remove(gone);
                    if (!tree.Remove(gone)) return false;
                    break;
            }
        }
        var rebuilt = MerkleTree.Build(values.Select(p => Pair(p.Key, p.Value)).ToList());
        return tree.Root.SequenceEqual(rebuilt.Root) && tree.Count == values.Count;
    }

    [Property(MaxTest = 200)]
    public bool a_diff_names_exactly_the_records_that_differ(PositiveInt size, int seed)
    {
        var r = new Random(seed);
        int n = size.Get % 200;
        var left = Enumerable.Range(0, n).ToDictionary(_ => RandomScenes.Uuid(r), _ => Leaf(r.Next()));
        var right = new Dictionary<string, byte[]>(left);
        var changed = new SortedSet<string>(StringComparer.Ordinal);
        var onlyLeft = new SortedSet<string>(StringComparer.Ordinal);
        var onlyRight = new SortedSet<string>(StringComparer.Ordinal);
        bool sameKeys = r.Next(2) == 0;
        foreach (var k in left.Keys.ToList())
        {
            int roll = r.Next(10);
            if (roll == 0) { right[k] = Leaf(r.Next()); changed.Add(k); }
            else if (roll == 1 && !sameKeys) { right.Remove(k); onlyLeft.Add(k); }
        }
        if (!sameKeys)
            for (int i = r.Next(3); i > 0; i--) { var k = RandomScenes.Uuid(r); right[k] = Leaf(i); onlyRight.Add(k); }

        var diff = MerkleTree.Build(left.Select(p => Pair(p.Key, p.Value)).ToList())
            .Diff(MerkleTree.Build(right.Select(p => Pair(p.Key, p.Value)).ToList()));
        return diff.Changed.SequenceEqual(changed) && diff.OnlyLeft.SequenceEqual(onlyLeft) && diff.OnlyRight.SequenceEqual(onlyRight);
    }

    [Fact]
    public void a_value_change_rehashes_only_its_path()
    {
        // Indirect but sharp: after one Set on a 1,000-leaf tree, every sibling subtree root is
        // unchanged, so a diff against the old tree finds exactly one changed record.
        var pairs = Enumerable.Range(0, 1000).Select(i => Pair($"k{i:D4}", Leaf(i))).ToList();
        var before = MerkleTree.Build(pairs);
        var after = MerkleTree.Build(pairs);
        after.Set("k0500", Leaf(-1));
        Assert.Equal(new[] { "k0500" }, after.Diff(before).Changed);
        Assert.NotEqual(before.Root, after.Root);
    }

    [Fact]
    public void duplicate_uuids_are_refused()
    {
        Assert.Throws<ArgumentException>(() => MerkleTree.Build(new[] { Pair("a", Leaf(1)), Pair("a", Leaf(2)) }));
    }

    [Fact]
    public void scene_hashes_keep_a_tree_that_follows_record_changes()
    {
        var scene = RandomScenes.Canonical(42, 50);
        var hashes = SceneHasher.Hash(scene);
        var o = scene.Objects[0] with { Visible = !scene.Objects[0].Visible };
        hashes.Tree.Set(o.Uuid, RecordHash.Of(o));
        var objects = scene.Objects.ToArray();
        objects[0] = o;
        Assert.Equal(SceneHasher.Hash(scene with { Objects = objects }).Root, hashes.Tree.Root);
    }
}
