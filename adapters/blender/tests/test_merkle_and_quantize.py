"""Properties of the Merkle tree and of quantization, over seeded random inputs."""

import hashlib
import json
import random
import unittest
from dataclasses import replace

from vibesync_blender.protocol import (MerkleTree, SceneError, encode_material, encode_object, hash_scene, q, quantize,
                                       quantize_rotation, read_canonical, record_hash)
from vibesync_blender.protocol.merkle import EMPTY_ROOT

from .support import vectors


def leaf(i):
    return hashlib.sha256(str(i).encode()).digest()


def oracle(leaves):
    """RFC 6962 MTH written recursively, as an independent check."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + oracle(leaves[:k]) + oracle(leaves[k:])).digest()


def uuid(r):
    return "%08x-%04x-4%03x-8%03x-%012x" % (r.getrandbits(32), r.getrandbits(16), r.getrandbits(12),
                                             r.getrandbits(12), r.getrandbits(48))


class MerkleTests(unittest.TestCase):
    def test_the_root_is_the_rfc6962_hash_of_the_leaves_sorted_by_uuid(self):
        self.assertEqual(MerkleTree().root, EMPTY_ROOT)
        for n in (1, 2, 3, 5, 7, 8, 9, 33, 100):
            pairs = [(f"k{(i * 37) % n:04d}", leaf(i)) for i in range(n)]
            self.assertEqual(MerkleTree(pairs).root, oracle([h for _, h in sorted(pairs)]))

    def test_incremental_changes_equal_a_rebuild(self):
        for seed in range(100):
            r = random.Random(seed)
            values = {uuid(r): leaf(r.random()) for _ in range(r.randrange(1, 200))}
            tree = MerkleTree(values.items())
            for _ in range(r.randrange(1, 20)):
                op = r.randrange(3)
                if op == 0 and values:
                    k = r.choice(sorted(values))
                    values[k] = leaf(r.random())
                    tree.set(k, values[k])
                elif op == 1:
                    k = uuid(r)
                    values[k] = leaf(r.random())
                    tree.set(k, values[k])
                elif values:
                    k = r.choice(sorted(values))
                    del values[k]
                    self.assertTrue(tree.remove(k))
            self.assertEqual(tree.root, MerkleTree(values.items()).root, f"seed {seed}")

    def test_a_diff_names_exactly_what_differs(self):
        for seed in range(100):
            r = random.Random(seed)
            left = {uuid(r): leaf(r.random()) for _ in range(r.randrange(0, 150))}
            right = dict(left)
            changed, only_left, only_right = [], [], []
            same_keys = r.random() < 0.5
            for k in sorted(left):
                roll = r.randrange(10)
                if roll == 0:
                    right[k] = leaf(r.random())
                    changed.append(k)
                elif roll == 1 and not same_keys:
                    del right[k]
                    only_left.append(k)
            if not same_keys:
                for _ in range(r.randrange(3)):
                    k = uuid(r)
                    right[k] = leaf(k)
                    only_right.append(k)
            diff = MerkleTree(left.items()).diff(MerkleTree(right.items()))
            self.assertEqual(diff, (only_left, sorted(only_right), changed), f"seed {seed}")

    def test_duplicate_uuids_are_refused(self):
        with self.assertRaises(ValueError):
            MerkleTree([("a", leaf(1)), ("a", leaf(2))])

    def test_update_needs_a_known_uuid_and_insert_a_new_one(self):
        tree = MerkleTree([("a", leaf(1)), ("b", leaf(2))])
        with self.assertRaises(KeyError):
            tree.update("c", leaf(3))
        with self.assertRaises(KeyError):
            tree.insert("a", leaf(3))
        tree.insert("c", leaf(3))
        tree.update("a", leaf(4))
        self.assertEqual(tree.root, MerkleTree([("a", leaf(4)), ("b", leaf(2)), ("c", leaf(3))]).root)
        self.assertFalse(tree.remove("zz"))

    def test_editing_random_scenes_record_by_record_equals_hashing_them_again(self):
        scenes = [c for c in vectors("hash_vectors.json")["cases"] if c["name"].startswith("random_scene_")]
        self.assertEqual(len(scenes), 3)
        for case in scenes:
            r = random.Random(case["name"])
            scene = read_canonical(json.dumps(case["scene"]), case["space"])
            tree = hash_scene(scene).tree
            objects, materials = list(scene.objects), list(scene.materials)
            for step in range(40):
                if r.random() < 0.8:
                    i = r.randrange(len(objects))
                    o = objects[i]
                    objects[i] = replace(o, translation=(o.translation[0] + r.uniform(-1, 1),) + o.translation[1:],
                                         rotation=tuple(-c for c in o.rotation) if r.random() < 0.3 else o.rotation,
                                         visible=not o.visible if r.random() < 0.2 else o.visible)
                    tree.update(o.uuid, record_hash(encode_object(objects[i])))
                else:
                    i = r.randrange(len(materials))
                    materials[i] = replace(materials[i], roughness=r.random())
                    tree.update(materials[i].uuid, record_hash(encode_material(materials[i])))
                edited = replace(scene, objects=tuple(objects), materials=tuple(materials))
                self.assertEqual(tree.root, hash_scene(edited).root, f"{case['name']} step {step}")


class IdCheckTests(unittest.TestCase):
    def test_an_id_seen_valid_stays_valid_and_its_near_misses_stay_refused(self):
        from vibesync_blender.protocol.fields import is_valid_id
        good = "0123abcd-0000-4000-8000-00000000abcd"
        for _ in range(2):  # the second time from the set of IDs already matched
            self.assertTrue(is_valid_id(good))
            self.assertTrue(is_valid_id("h-" + good))
        for bad in (good.upper(), good + " ", good[:-1], "x-" + good, good.replace("-", "_"), None, 7, b"0123abcd-0000-4000-8000-00000000abcd"):
            self.assertFalse(is_valid_id(bad), bad)


class QuantizeTests(unittest.TestCase):
    def test_the_quantizer_takes_exactly_1e12_either_way_and_refuses_just_past_it(self):
        self.assertEqual(10**17, quantize(1e12))
        self.assertEqual(-10**17, quantize(-1e12))
        with self.assertRaises(ValueError):
            quantize(-1.0000001e12)

    def test_ties_go_to_even(self):
        self.assertEqual([quantize(v) for v in (0.000005, 0.000015, 2.5e-5, -0.000015, 0.000006, 1.0, -0.0)],
                         [0, 2, 2, -2, 1, 100000, 0])

    def test_q_is_the_specs_name_for_quantize(self):
        self.assertIs(q, quantize)
        self.assertEqual(q(123456789.123), 12345678912300)
        self.assertEqual(q(-1e12), -10 ** 17)

    def test_the_multiplication_not_a_division_is_normative(self):
        # 0.000135 × 1e5 is exactly the tie 13.5 (→ 14, even); 0.000135 / 1e-5 is 13.499999999999998 (→ 13).
        self.assertEqual(0.000135 / 1e-5, 13.499999999999998)
        self.assertEqual([q(v) for v in (0.000135, 0.000155, -0.000195)], [14, 16, -20])

    def test_what_cannot_be_hashed_is_refused(self):
        for v in (float("nan"), float("inf"), -float("inf"), 1.0000001e12):
            with self.assertRaises(ValueError):
                quantize(v)

    def test_q_and_minus_q_quantize_alike(self):
        r = random.Random(3)
        for _ in range(1000):
            q = [r.uniform(-1, 1) for _ in range(4)]
            if r.random() < 0.2:
                q[3] = r.choice([0.0, 1e-9, -1e-9, 4e-6])
            self.assertEqual(quantize_rotation(*q), quantize_rotation(*[-c for c in q]))


if __name__ == "__main__":
    unittest.main()
