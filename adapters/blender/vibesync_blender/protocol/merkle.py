"""The scene root: an RFC 6962 Merkle tree over record hashes sorted by uuid (docs/protocol.md §5).

Stored bottom-up, one list per level: level k+1 pairs neighbours of level k with
H(0x01 ‖ left ‖ right), and a last node without a partner moves up unchanged. A value change
rehashes only its path; adding or removing a record re-derives the interior levels from the kept
leaf hashes.
"""

import bisect
import hashlib

EMPTY_ROOT = hashlib.sha256(b"").digest()
_INTERIOR = b"\x01"


def _combine(below, j):
    left = 2 * j
    if left + 1 >= len(below):
        return below[left]
    return hashlib.sha256(_INTERIOR + below[left] + below[left + 1]).digest()


class MerkleTree:
    """Leaves are (uuid, 32-byte hash); uuids are compared as Python str (ordinal for ASCII ids)."""

    def __init__(self, leaves=()):
        pairs = sorted(leaves, key=lambda p: p[0])
        for a, b in zip(pairs, pairs[1:]):
            if a[0] == b[0]:
                raise ValueError(f"duplicate uuid {a[0]}")
        self._keys = [k for k, _ in pairs]
        self._leaves = [h for _, h in pairs]
        self._levels = []
        self._rebuild()

    def __len__(self):
        return len(self._keys)

    @property
    def keys(self):
        """The uuids in leaf order (a copy)."""
        return list(self._keys)

    @property
    def root(self):
        """The 32-byte Merkle Tree Hash; SHA-256 of nothing for an empty tree."""
        if not self._keys:
            return EMPTY_ROOT
        return self._levels[-1][0] if self._levels else self._leaves[0]

    def leaf(self, uuid):
        """The leaf hash of ``uuid``, or None."""
        i = self._index(uuid)
        return self._leaves[i] if i is not None else None

    def update(self, uuid, leaf_hash):
        """Replaces the hash of a leaf that exists, rehashing only its path: O(log n).

        Raises KeyError for an unknown uuid: a new record changes the shape, which is insert's job.
        """
        i = self._index(uuid)
        if i is None:
            raise KeyError(uuid)
        self._leaves[i] = leaf_hash
        below = self._leaves
        for level in self._levels:
            i >>= 1
            level[i] = _combine(below, i)
            below = level

    def insert(self, uuid, leaf_hash):
        """Adds a new leaf in uuid order; the interior levels are re-derived from the kept leaf hashes.

        Raises KeyError when the uuid is already present (a duplicate id would make the root ambiguous).
        """
        at = bisect.bisect_left(self._keys, uuid)
        if at < len(self._keys) and self._keys[at] == uuid:
            raise KeyError(f"{uuid} is already in the tree")
        self._keys.insert(at, uuid)
        self._leaves.insert(at, leaf_hash)
        self._rebuild()

    def set(self, uuid, leaf_hash):
        """update() when the uuid is present, insert() otherwise."""
        if self._index(uuid) is not None:
            self.update(uuid, leaf_hash)
        else:
            self.insert(uuid, leaf_hash)

    def remove(self, uuid):
        """Drops a leaf and re-derives the interior levels; False when the uuid was not there."""
        i = self._index(uuid)
        if i is None:
            return False
        del self._keys[i]
        del self._leaves[i]
        self._rebuild()
        return True

    def diff(self, other):
        """(only_left, only_right, changed), each a list of uuids in order."""
        only_left, only_right, changed = [], [], []
        if self._keys == other._keys:
            if self._keys:
                self._descend(other, len(self._levels), 0, changed)
            return only_left, only_right, changed
        a = b = 0
        while a < len(self._keys) or b < len(other._keys):
            if b == len(other._keys) or (a < len(self._keys) and self._keys[a] < other._keys[b]):
                only_left.append(self._keys[a])
                a += 1
            elif a == len(self._keys) or other._keys[b] < self._keys[a]:
                only_right.append(other._keys[b])
                b += 1
            else:
                if self._leaves[a] != other._leaves[b]:
                    changed.append(self._keys[a])
                a += 1
                b += 1
        return only_left, only_right, changed

    def _node(self, level, index):
        # Level 0 is the leaves; a node at level L, index i covers leaves [i·2^L, (i+1)·2^L), because a
        # partnerless last node moves up unchanged, so equal-shaped trees line up node for node.
        return self._leaves[index] if level == 0 else self._levels[level - 1][index]

    def _descend(self, other, level, index, changed):
        if self._node(level, index) == other._node(level, index):
            return
        if level == 0:
            changed.append(self._keys[index])
            return
        below = len(self._leaves) if level == 1 else len(self._levels[level - 2])
        self._descend(other, level - 1, 2 * index, changed)
        if 2 * index + 1 < below:
            self._descend(other, level - 1, 2 * index + 1, changed)

    def _index(self, uuid):
        i = bisect.bisect_left(self._keys, uuid)
        return i if i < len(self._keys) and self._keys[i] == uuid else None

    def _rebuild(self):
        self._levels = []
        below = self._leaves
        while len(below) > 1:
            level = [_combine(below, j) for j in range((len(below) + 1) // 2)]
            self._levels.append(level)
            below = level
