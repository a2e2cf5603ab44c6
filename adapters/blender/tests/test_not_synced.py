"""What the adapter does not sync, and the frame limit, under the system Python: the list's shape and
cap, the reasons by type, the size bounds the reader relies on, and SCENE parts that never exceed
a frame."""

import json
import random
import unittest

from vibesync_blender.link.limits import Limits, mesh_bounds, payload_size, record_bound
from vibesync_blender.link.scene_parts import scene_parts
from vibesync_blender.not_synced import (MAX_ITEMS, READ_FAILED, RESOURCE_LIMIT, UNSUPPORTED_TYPE, Item, payload_items,
                                         summary, unsupported_reason, SYNCED_TYPES, UNSUPPORTED_REASONS)


def _id(i):
    return f"00000000-0000-4000-8000-{i:012x}"


class NotSyncedListTests(unittest.TestCase):
    def test_curves_surfaces_metaballs_and_text_are_synced_as_meshes(self):
        for typ in ("CURVE", "SURFACE", "META", "FONT"):
            self.assertEqual("mesh", SYNCED_TYPES[typ])
            self.assertNotIn(typ, UNSUPPORTED_REASONS)

    def test_armatures_are_synced_as_armatures_with_their_bones_as_joints(self):
        self.assertEqual("armature", SYNCED_TYPES["ARMATURE"])
        self.assertNotIn("ARMATURE", UNSUPPORTED_REASONS)

    def test_each_unsupported_type_says_why_and_an_unknown_type_is_still_named(self):
        self.assertIn("lattices are not synced", unsupported_reason("Lattice", "LATTICE"))
        self.assertIn("object 'Fur' (CURVES)", unsupported_reason("Fur", "CURVES"))
        future = unsupported_reason("Thing", "GREASEPENCIL_V3")
        self.assertIn("GREASEPENCIL_V3 is unknown to this VibeSync adapter", future)

    def test_a_list_over_ten_thousand_ends_with_one_item_counting_the_rest(self):
        items = [Item(f"Curve {i}", "CURVE", UNSUPPORTED_TYPE, f"object 'Curve {i}' (CURVE): …") for i in range(10_005)]
        wire = payload_items(items)
        self.assertEqual(MAX_ITEMS, len(wire))
        self.assertEqual({"name": "...", "type": "MORE", "code": RESOURCE_LIMIT, "reason": "6 more not listed"}, wire[-1])
        self.assertEqual(10, len(payload_items(items[:10])))

    def test_a_reason_is_cut_to_1000_utf16_units_as_the_orchestrator_counts_them(self):
        wire = Item("Cube", "MESH", READ_FAILED, "🙂" * 900, _id(1)).as_json()
        self.assertLessEqual(len(wire["reason"].encode("utf-16-le")) // 2, 1000)
        self.assertTrue(wire["reason"].endswith("…"))
        self.assertEqual(_id(1), wire["uuid"])
        self.assertNotIn("uuid", Item("Rig", "ARMATURE", UNSUPPORTED_TYPE, "x").as_json())

    def test_the_summary_counts_and_shows_the_first_reasons(self):
        items = [Item(f"C{i}", "CURVE", UNSUPPORTED_TYPE, f"reason {i}") for i in range(5)]
        self.assertEqual("5 not synced: reason 0; reason 1; reason 2; and 2 more", summary(items))
        self.assertEqual("everything is synced", summary([]))


def _mesh(i, vertices, r):
    return {"uuid": _id(i), "positions": [[r.uniform(-1e3, 1e3) / 3 for _ in range(3)] for _ in range(vertices)],
            "triangles": [[r.randrange(vertices) for _ in range(3)] for _ in range(2 * vertices)],
            "uv0": [[r.random() / 7, r.random() / 7] for _ in range(vertices)]}


class FrameLimitTests(unittest.TestCase):
    def test_limits_come_from_welcome_or_default_to_16_mib_and_a_million_vertices(self):
        self.assertEqual(Limits(16 * 1024 * 1024, 1_000_000), Limits.from_welcome({}))
        limits = Limits.from_welcome({"limits": {"frame_bytes": 1 << 20, "mesh_vertices": 5000}})
        self.assertEqual((1 << 20, 5000, (1 << 20) - 65536), (limits.frame_bytes, limits.mesh_vertices, limits.record_budget))

    def test_mesh_bounds_hold_the_real_size_between_them(self):
        r = random.Random(5)
        for n in (0, 1, 7, 300):
            m = _mesh(1, n, r) if n else {"uuid": _id(1), "positions": [], "triangles": [], "uv0": []}
            low, high = mesh_bounds(len(m["positions"]), len(m["triangles"]), len(m["uv0"]))
            self.assertLessEqual(low, payload_size(m))
            self.assertLessEqual(payload_size(m), high)
            self.assertLessEqual(payload_size(m), record_bound(m))
        small = {"uuid": _id(1), "positions": [[0.0, 0.0, 0.0]] * 50, "triangles": [[0, 0, 0]] * 100, "uv0": [[0.0, 0.0]] * 50}
        self.assertLessEqual(mesh_bounds(50, 100, 50)[0], payload_size(small))

    def test_scene_parts_never_build_a_frame_over_the_limit_and_carry_every_record_once(self):
        r = random.Random(9)
        limits = Limits(frame_bytes=400_000)
        meshes = [_mesh(100 + i, n, r) for i, n in enumerate((900, 50, 1200, 10, 700, 300))]
        objects = [{"uuid": _id(i), "name": f"Object {i}", "kind": "mesh", "parent": None, "translation": [1.0, 2.0, 3.0],
                    "rotation": [0.0, 0.0, 0.0, 1.0], "scale": [1.0, 1.0, 1.0], "visible": True, "materials": [None] * 3,
                    "mesh": meshes[i % len(meshes)]["uuid"]} for i in range(2000)]
        not_synced = [{"name": f"Curve {i}", "type": "CURVE", "code": UNSUPPORTED_TYPE, "reason": "x" * 400} for i in range(800)]
        report = {"generation": 3, "root": "ab" * 32, "stamped": 0, "not_synced": not_synced,
                  "scene": {"objects": objects, "materials": [], "meshes": meshes}}
        for m in meshes:
            self.assertLess(payload_size(m), limits.record_budget)
        parts = scene_parts(report, limits)
        for p in parts:
            self.assertLessEqual(payload_size(p), limits.payload_bytes, p["part"])
            self.assertEqual(len(parts), p["parts"])
        self.assertEqual(not_synced, parts[0]["not_synced"])
        self.assertTrue(all("not_synced" not in p for p in parts[1:]))
        seen = [r["uuid"] for p in parts for table in p["scene"].values() for r in table]
        self.assertEqual(sorted(o["uuid"] for o in objects + meshes), sorted(seen))
        self.assertEqual(json.loads(json.dumps(parts[-1]))["root"], report["root"])

    def test_scene_parts_carry_skins_and_animations_after_what_they_name(self):
        skin = {"uuid": _id(7), "name": "Rig", "joints": [_id(2)], "inverse_bind_matrices": "cd" * 32, "skeleton": _id(1)}
        clip = {"uuid": _id(8), "name": "Walk", "frame_rate": 24, "channels": []}
        report = {"generation": 1, "root": "ab" * 32, "stamped": 0, "not_synced": [],
                  "scene": {"objects": [{"uuid": _id(1)}], "materials": [], "meshes": [], "skins": [skin], "animations": [clip]}}
        tables = [t for p in scene_parts(report) for t, rs in p["scene"].items() if rs]
        self.assertEqual(["objects", "skins", "animations"], tables)  # a SCENE without them was refused (an object names its skin)


if __name__ == "__main__":
    unittest.main()
