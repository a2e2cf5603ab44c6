// Design rationale: the scene root is the RFC 6962 Merkle Tree Hash over record hashes sorted
// by uuid (docs/protocol.md §5). A positional tree was chosen over a key-shaped trie because it
// is the standard construction, trivially the same in C# and Python, and a value change (the
// common case: transforms, colours) touches only ⌈log₂ n⌉ nodes. Adding or removing a record
// shifts positions, so it re-derives the interior levels from the kept leaf hashes (O(n) cheap
// 65-byte hashes, no record is re-encoded); diffs of trees with different key sets fall back to
// a merge-join of the leaves.
using System;
using System.Collections.Generic;
using VibeSync.Protocol.Crypto;

namespace VibeSync.Protocol.Hashing
{
    /// <summary>
    /// A Merkle tree over (uuid, record hash) leaves sorted by uuid (ordinal), stored bottom-up as
    /// one contiguous byte array per level: level 0 holds the leaves, level k+1 pairs neighbours of
    /// level k with <c>H(0x01 ‖ left ‖ right)</c>, and a last node without a partner moves up as is.
    /// Not thread-safe.
    /// </summary>
    public sealed class MerkleTree
    {
        private const int HashSize = Sha256.Size;
        private const byte InteriorPrefix = 0x01;
        private static readonly byte[] EmptyRoot = Sha256.Hash(ReadOnlySpan<byte>.Empty);

        private readonly List<string> _keys;
        private readonly List<byte[]> _levels = new List<byte[]>();
        private byte[] _leaves; // level 0, possibly with spare capacity at the end

        private MerkleTree(List<string> keys, byte[] leaves)
        {
            _keys = keys;
            _leaves = leaves;
            RebuildInterior();
        }

        /// <summary>Number of leaves.</summary>
        public int Count => _keys.Count;

        /// <summary>The sorted uuids of the leaves.</summary>
        public IReadOnlyList<string> Keys => _keys;

        /// <summary>The root hash (a copy).</summary>
        public byte[] Root => RootSpan.ToArray();

        /// <summary>The root hash, without copying.</summary>
        public ReadOnlySpan<byte> RootSpan =>
            _keys.Count == 0 ? EmptyRoot
            : _keys.Count == 1 ? new ReadOnlySpan<byte>(_leaves, 0, HashSize)
            : new ReadOnlySpan<byte>(_levels[_levels.Count - 1], 0, HashSize);

        /// <summary>Builds a tree from leaves in any order.</summary>
        /// <exception cref="ArgumentException">A uuid appears twice, or a hash is not 32 bytes.</exception>
        public static MerkleTree Build(IReadOnlyList<KeyValuePair<string, byte[]>> leaves)
        {
            var keys = new string[leaves.Count];
            var order = new int[leaves.Count];
            for (int i = 0; i < keys.Length; i++) { keys[i] = leaves[i].Key; order[i] = i; }
            SortOrdinal(keys, order);
            var bytes = new byte[Math.Max(keys.Length, 1) * HashSize];
            for (int i = 0; i < keys.Length; i++)
            {
                if (i > 0 && string.CompareOrdinal(keys[i - 1], keys[i]) == 0)
                    throw new ArgumentException($"duplicate uuid {keys[i]}", nameof(leaves));
                var hash = leaves[order[i]].Value;
                if (hash.Length != HashSize) throw new ArgumentException("leaf hash must be 32 bytes", nameof(leaves));
                Buffer.BlockCopy(hash, 0, bytes, i * HashSize, HashSize);
            }
            return new MerkleTree(new List<string>(keys), bytes);
        }

        /// <summary>
        /// Sorts keys ordinally, carrying <paramref name="order"/> along. Comparing scattered strings
        /// dominated building large trees, so keys are first sorted by their first eight chars packed
        /// into a ulong (exact for chars below U+0100, which covers every VibeSync ID), and only runs
        /// sharing that prefix are compared as strings.
        /// </summary>
        private static void SortOrdinal(string[] keys, int[] order)
        {
            var packed = new ulong[keys.Length];
            for (int i = 0; i < keys.Length; i++)
            {
                string k = keys[i];
                ulong p = 0;
                for (int c = 0; c < 8; c++)
                {
                    char ch = c < k.Length ? k[c] : '\0';
                    if (ch > 0xFF) { Array.Sort(keys, order, StringComparer.Ordinal); return; }
                    p = (p << 8) | ch;
                }
                packed[i] = p;
            }
            var index = new int[keys.Length];
            for (int i = 0; i < index.Length; i++) index[i] = i;
            Array.Sort(packed, index);
            var sortedKeys = new string[keys.Length];
            var sortedOrder = new int[keys.Length];
            for (int i = 0; i < index.Length; i++) { sortedKeys[i] = keys[index[i]]; sortedOrder[i] = order[index[i]]; }
            for (int start = 0; start < packed.Length;)
            {
                int end = start + 1;
                while (end < packed.Length && packed[end] == packed[start]) end++;
                if (end - start > 1) Array.Sort(sortedKeys, sortedOrder, start, end - start, StringComparer.Ordinal);
                start = end;
            }
            sortedKeys.CopyTo(keys, 0);
            sortedOrder.CopyTo(order, 0);
        }

        /// <summary>The leaf hash of <paramref name="uuid"/>, if present.</summary>
        public bool TryGetLeaf(string uuid, out byte[] hash)
        {
            int i = IndexOf(uuid);
            hash = i >= 0 ? Leaf(i).ToArray() : Array.Empty<byte>();
            return i >= 0;
        }

        /// <summary>
        /// Sets the leaf of <paramref name="uuid"/>. An existing leaf is updated along its path only;
        /// a new one is inserted in order and the interior levels are re-derived.
        /// </summary>
        public void Set(string uuid, ReadOnlySpan<byte> hash)
        {
            if (hash.Length != HashSize) throw new ArgumentException("leaf hash must be 32 bytes", nameof(hash));
            int i = IndexOf(uuid);
            if (i >= 0)
            {
                hash.CopyTo(new Span<byte>(_leaves, i * HashSize, HashSize));
                UpdatePath(i);
                return;
            }
            i = ~i;
            _keys.Insert(i, uuid);
            if (_leaves.Length < _keys.Count * HashSize)
                Array.Resize(ref _leaves, Math.Max(_leaves.Length * 2, _keys.Count * HashSize));
            Buffer.BlockCopy(_leaves, i * HashSize, _leaves, (i + 1) * HashSize, (_keys.Count - 1 - i) * HashSize);
            hash.CopyTo(new Span<byte>(_leaves, i * HashSize, HashSize));
            RebuildInterior();
        }

        /// <summary>Removes the leaf of <paramref name="uuid"/>; false when absent.</summary>
        public bool Remove(string uuid)
        {
            int i = IndexOf(uuid);
            if (i < 0) return false;
            Buffer.BlockCopy(_leaves, (i + 1) * HashSize, _leaves, i * HashSize, (_keys.Count - 1 - i) * HashSize);
            _keys.RemoveAt(i);
            RebuildInterior();
            return true;
        }

        /// <summary>
        /// Names the records that differ: only here, only in <paramref name="other"/>, or in both
        /// with different hashes. Equal key lists are compared top-down, descending only into
        /// subtrees whose hashes differ.
        /// </summary>
        public MerkleDiff Diff(MerkleTree other)
        {
            var onlyLeft = new List<string>();
            var onlyRight = new List<string>();
            var changed = new List<string>();
            if (SameKeys(other))
            {
                if (Count > 0) Descend(other, Height - 1, 0, changed);
            }
            else
            {
                int a = 0, b = 0;
                while (a < Count || b < other.Count)
                {
                    int cmp = a == Count ? 1 : b == other.Count ? -1 : string.CompareOrdinal(_keys[a], other._keys[b]);
                    if (cmp < 0) onlyLeft.Add(_keys[a++]);
                    else if (cmp > 0) onlyRight.Add(other._keys[b++]);
                    else
                    {
                        if (!Leaf(a).SequenceEqual(other.Leaf(b))) changed.Add(_keys[a]);
                        a++; b++;
                    }
                }
            }
            return new MerkleDiff(onlyLeft, onlyRight, changed);
        }

        private int Height => 1 + _levels.Count; // level 0 (leaves) plus the interior levels

        private ReadOnlySpan<byte> Leaf(int i) => new ReadOnlySpan<byte>(_leaves, i * HashSize, HashSize);

        private ReadOnlySpan<byte> Node(int level, int index) => level == 0
            ? Leaf(index)
            : new ReadOnlySpan<byte>(_levels[level - 1], index * HashSize, HashSize);

        private int LevelCount(int level)
        {
            int n = _keys.Count;
            for (int k = 0; k < level; k++) n = (n + 1) / 2;
            return n;
        }

        private void Descend(MerkleTree other, int level, int index, List<string> changed)
        {
            if (Node(level, index).SequenceEqual(other.Node(level, index))) return;
            if (level == 0) { changed.Add(_keys[index]); return; }
            int below = LevelCount(level - 1);
            Descend(other, level - 1, 2 * index, changed);
            if (2 * index + 1 < below) Descend(other, level - 1, 2 * index + 1, changed);
        }

        private bool SameKeys(MerkleTree other)
        {
            if (other.Count != Count) return false;
            for (int i = 0; i < _keys.Count; i++)
                if (!ReferenceEquals(_keys[i], other._keys[i]) && string.CompareOrdinal(_keys[i], other._keys[i]) != 0)
                    return false;
            return true;
        }

        private int IndexOf(string uuid)
        {
            int lo = 0, hi = _keys.Count - 1;
            while (lo <= hi)
            {
                int mid = lo + ((hi - lo) >> 1);
                int cmp = string.CompareOrdinal(_keys[mid], uuid);
                if (cmp == 0) return mid;
                if (cmp < 0) lo = mid + 1; else hi = mid - 1;
            }
            return ~lo;
        }

        private void RebuildInterior()
        {
            _levels.Clear();
            int n = _keys.Count;
            byte[] below = _leaves;
            while (n > 1)
            {
                int up = (n + 1) / 2;
                var level = new byte[up * HashSize];
                for (int j = 0; j < up; j++) Combine(below, n, j, level);
                _levels.Add(level);
                below = level;
                n = up;
            }
        }

        private void UpdatePath(int index)
        {
            byte[] below = _leaves;
            int n = _keys.Count;
            for (int k = 0; k < _levels.Count; k++)
            {
                index >>= 1;
                Combine(below, n, index, _levels[k]);
                below = _levels[k];
                n = (n + 1) / 2;
            }
        }

        /// <summary>Writes node <paramref name="j"/> of the level above <paramref name="below"/> (which has <paramref name="n"/> nodes).</summary>
        private static void Combine(byte[] below, int n, int j, byte[] above)
        {
            var target = new Span<byte>(above, j * HashSize, HashSize);
            int left = 2 * j;
            if (left + 1 >= n)
            {
                new ReadOnlySpan<byte>(below, left * HashSize, HashSize).CopyTo(target);
                return;
            }
            Span<byte> input = stackalloc byte[1 + 2 * HashSize];
            input[0] = InteriorPrefix;
            new ReadOnlySpan<byte>(below, left * HashSize, 2 * HashSize).CopyTo(input.Slice(1));
            Sha256.Hash(input, target);
        }
    }

    /// <summary>What differs between two trees, by uuid, each list in uuid order.</summary>
    public sealed record MerkleDiff(IReadOnlyList<string> OnlyLeft, IReadOnlyList<string> OnlyRight, IReadOnlyList<string> Changed)
    {
        /// <summary>True when the trees hold the same records.</summary>
        public bool IsEmpty => OnlyLeft.Count == 0 && OnlyRight.Count == 0 && Changed.Count == 0;
    }
}
