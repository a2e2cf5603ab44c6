"""Real .blend content never takes the adapter down: every mesh shape people make syncs (with the
root `vibesync hash` computes for the same scene), every object type is handled on purpose, and a
datablock that cannot be read is reported, located, while everything else syncs."""

import json
import math
import os
import tempfile
import unittest

import bpy
import numpy as np
from mathutils import Matrix

from vibesync_blender.link import MessageType
from vibesync_blender.not_synced import READ_FAILED, UNSUPPORTED_TYPE
from vibesync_blender.protocol import scene_json
from vibesync_blender.runtime.adapter import BlenderAdapter
from vibesync_blender.runtime.changes import ChangeDetector
from vibesync_blender.runtime.mainqueue import MainThreadQueue
from vibesync_blender.scene import geometry
from vibesync_blender.scene.identity import PROP

from .scenes import (add_loose_edges, add_object, build, every_converted_type, every_unsupported_type, grid, ids, loose_parts,
                     mesh_doc, ngon_prism, object_doc, uv_sphere)
from . import gltf_compare
from .harness import Clock
from .test_identity_and_hash import cli_hash, reported as _blender_doc


def scene_of(*pairs):
    """A Blender-space scene JSON of (object, mesh) pairs (mesh None for non-mesh objects)."""
    return {"unit_scale": 1.0, "objects": [o for o, _ in pairs], "materials": [],
            "meshes": [m for _, m in pairs if m is not None]}


def mesh_pair(seed, name, positions, triangles, uv0=None, location=(0.0, 0.0, 0.0)):
    new_id = ids(seed)
    mesh = mesh_doc(new_id, positions, triangles, uv0)
    return object_doc(new_id, name, "mesh", location, mesh=mesh["uuid"]), mesh


class RealFilesTests(unittest.TestCase):
    def setUp(self):
        bpy.ops.wm.read_homefile(use_factory_startup=True)
        self.logged = []
        self.adapter = BlenderAdapter(MainThreadQueue(), log=self.logged.append)

    def tearDown(self):
        if bpy.context.object is not None and bpy.context.object.mode != "OBJECT":
            bpy.ops.object.mode_set(mode="OBJECT")

    def record(self, report, table, uuid):
        return next((r for r in report["scene"][table] if r["uuid"] == uuid), None)

    def not_synced(self, report, name):
        return next((i for i in report["not_synced"] if i["name"] == name), None)

    def assertSyncs(self, doc, report, root=True):
        """Every mesh of the Blender-space ``doc`` is in the report with the same triangles (positions
        and, when the doc has them, TEXCOORD_0 per corner; winding kept), and the report's root is the
        one `vibesync hash` computes for the report's records."""
        records = {m["uuid"]: m for m in report["scene"]["meshes"]}
        for m in doc["meshes"]:
            record = scene_json.read_canonical(json.dumps({"objects": [], "materials": [], "meshes": [records[m["uuid"]]]}),
                                               "canonical").meshes[0]
            actual = gltf_compare.record_triangles(record, self.adapter.blobs, [])
            keep = {"POSITION", "TEXCOORD_0"} if "uv0" in m else {"POSITION"}
            actual = {k: [tuple({s: c[s] for s in keep} for c in t) for t in ts] for k, ts in actual.items()}
            self.assertEqual([], gltf_compare.compare(m["uuid"], _inline_triangles(m, doc.get("unit_scale", 1.0)), actual)[:5])
        if root:
            self.assertEqual(cli_hash(_blender_doc(report)), report["root"])

    # ---- meshes of every shape ----

    def test_a_mesh_in_edit_mode_is_read_from_what_the_human_sees(self):
        # Blender's UV arrays are empty in edit mode: reading them raised "internal error setting the array".
        cube = bpy.data.objects["Cube"]
        bpy.context.view_layer.objects.active = cube
        bpy.ops.object.mode_set(mode="EDIT")
        bpy.ops.mesh.select_all(action="SELECT")
        bpy.ops.mesh.subdivide(number_cuts=3)
        report = self.adapter.attach()
        mesh = self.record(report, "meshes", cube.data[PROP])
        self.assertEqual([], report["not_synced"])
        bpy.ops.object.mode_set(mode="OBJECT")  # Blender writes the edit-mesh back: the same record must read
        again = self.adapter.attach()
        self.assertEqual(self.record(again, "meshes", cube.data[PROP]), mesh)
        self.assertEqual(98, len(bpy.data.meshes["Cube"].vertices))  # the subdivision is what was read
        self.assertEqual(report["root"], again["root"])

    def test_a_file_saved_in_edit_mode_attaches(self):
        cube = bpy.data.objects["Cube"]
        bpy.context.view_layer.objects.active = cube
        bpy.ops.object.mode_set(mode="EDIT")
        path = os.path.join(tempfile.mkdtemp(), "editing.blend")
        bpy.ops.wm.save_as_mainfile(filepath=path)
        bpy.ops.wm.open_mainfile(filepath=path)
        self.assertTrue(bpy.data.meshes["Cube"].is_editmode)
        report = self.adapter.attach()
        self.assertEqual([], report["not_synced"])
        bpy.ops.object.mode_set(mode="OBJECT")
        again = self.adapter.attach()
        self.assertEqual(report["root"], again["root"])
        self.assertEqual(again["scene"]["meshes"], report["scene"]["meshes"])
        record = self.record(report, "meshes", bpy.data.meshes["Cube"][PROP])
        self.assertEqual(24, record["vertex_count"])  # 8 corners, split by their flat normals and the unwrap
        self.assertIn("TEXCOORD_0", record["attributes"])

    def test_loose_vertices_and_edges_with_a_uv_layer_sync_and_match_the_cli(self):
        positions = [(x * 0.1, y * 0.1, 0.0) for y in range(40) for x in range(40)]  # a 1,600-vertex wire net
        obj, mesh = mesh_pair(1, "Wire", positions, [], uv0=[(0.0, 0.0)] * len(positions))
        doc = scene_of((obj, mesh))
        build(doc)
        add_loose_edges(bpy.data.objects["Wire"].data, [(i, i + 1) for i in range(len(positions) - 1) if (i + 1) % 40])
        self.assertEqual(0, len(bpy.data.objects["Wire"].data.loops))
        report = self.adapter.attach()
        self.assertEqual([], report["not_synced"])
        self.assertSyncs(doc, report)

    def test_a_mesh_without_uvs_has_no_uv0_and_matches_the_cli(self):
        positions, triangles, _ = grid(30, 30, size=4.0, height=lambda x, y: math.sin(x) * math.cos(y))
        doc = scene_of(mesh_pair(2, "Terrain", positions, triangles))
        build(doc)
        report = self.adapter.attach()
        self.assertNotIn("TEXCOORD_0", report["scene"]["meshes"][0]["attributes"])
        self.assertSyncs(doc, report)

    def test_every_uv_map_syncs_in_the_lists_order_whichever_is_edited_or_rendered(self):
        positions, triangles, uv0 = uv_sphere(48, 24)
        doc = scene_of(mesh_pair(3, "Globe", positions, triangles, uv0))
        build(doc)
        mesh = bpy.data.objects["Globe"].data
        lightmap = mesh.uv_layers.new(name="Lightmap")
        used = {i for t in triangles for i in t}
        packed = [(0.5 * u, 0.25 + 0.5 * v) if i in used else (0.0, 0.0) for i, (u, v) in enumerate(uv0)]
        for loop in mesh.loops:
            lightmap.data[loop.index].uv = packed[loop.vertex_index]
        mesh.uv_layers.active = lightmap  # the map being edited; rendering still uses UVMap
        self.assertSyncs(doc, self.adapter.attach())  # TEXCOORD_0 is the first map, as the glTF exporter has it
        lightmap.active_render = True
        report = self.adapter.attach()
        self.assertSyncs(doc, report)
        lightmap_doc = {"meshes": [dict(doc["meshes"][0], uv0=[[scenes_f32(c) for c in u] for u in packed])]}
        record = dict(report["scene"]["meshes"][0])
        attributes = dict(record["attributes"])
        attributes["TEXCOORD_0"] = attributes.pop("TEXCOORD_1")  # the second map, checked as if it were the first
        record["attributes"] = attributes
        self.assertSyncs(lightmap_doc, {"scene": {"meshes": [record]}, "root": report["root"]}, root=False)

    def test_ngons_are_triangulated_as_blender_triangulates_them_and_match_the_cli(self):
        obj = ngon_prism("Column", sides=64)
        report = self.adapter.attach()
        mesh = obj.data
        record = self.record(report, "meshes", mesh[PROP])
        shape, data = self.adapter.blobs.get(record["primitives"][0]["indices"])
        indices = [tuple(t) for t in np.frombuffer(data, "<u4").reshape(-1, 3).tolist()]
        self.assertEqual(2 * 62 + 2 * 64, len(indices))
        mesh.calc_loop_triangles()
        blender = sorted(tuple(t.vertices) for t in mesh.loop_triangles)
        shape, data = self.adapter.blobs.get(record["attributes"]["POSITION"])
        at = {tuple(p): i for i, p in enumerate(tuple(v.co) for v in mesh.vertices)}
        positions = np.frombuffer(data, "<f4").reshape(-1, 3)
        blender_vertex = [at[(float(p[0]), float(-p[2]), float(p[1]))] for p in positions]  # canonical → Blender
        self.assertEqual(blender, sorted(tuple(blender_vertex[i] for i in t) for t in indices))
        area = sum(_area(*(mesh.vertices[i].co for i in t)) for t in blender)
        self.assertAlmostEqual(sum(p.area for p in mesh.polygons), area, places=4)  # covered exactly, no overlap
        self.assertEqual(cli_hash(_blender_doc(report)), report["root"])

    def test_degenerate_and_zero_area_triangles_sync_as_they_are(self):
        positions, triangles, uv0 = grid(30, 30, size=3.0)
        positions += [(5.0, 0.0, 0.0), (6.0, 0.0, 0.0), (7.0, 0.0, 0.0)]  # collinear: zero area
        uv0 += [(0.0, 0.0)] * 3
        n = len(positions)
        triangles += [(n - 3, n - 2, n - 1), (0, 0, 1), (5, 6, 6)]  # and two with a repeated corner
        doc = scene_of(mesh_pair(4, "Scan", positions, triangles, uv0))
        build(doc)
        report = self.adapter.attach()
        self.assertEqual([], report["not_synced"])
        self.assertSyncs(doc, report)

    def test_loose_parts_and_lone_vertices_sync_and_match_the_cli(self):
        positions, triangles = loose_parts(islands=12, lone=7)
        doc = scene_of(mesh_pair(5, "Props", positions, triangles, uv0=[(0.0, 0.0)] * len(positions)))
        build(doc)
        self.assertSyncs(doc, self.adapter.attach())

    def test_a_mesh_with_no_vertices_syncs(self):
        doc = scene_of(mesh_pair(6, "Cleared", [], [], uv0=[]), mesh_pair(7, "Tile", [(0, 0, 0), (1, 0, 0), (0, 1, 0)], [(0, 1, 2)]))
        build(doc)
        report = self.adapter.attach()
        self.assertEqual([], report["not_synced"])
        self.assertSyncs(doc, report)

    # ---- object types ----

    def test_every_object_type_is_synced_or_listed_with_its_reason(self):
        positions, triangles, uv0 = uv_sphere(16, 8)
        doc = scene_of(mesh_pair(8, "Ball", positions, triangles, uv0),
                       (object_doc(ids(9), "Anchor", "empty"), None), (object_doc(ids(10), "Eye", "camera"), None),
                       (object_doc(ids(11), "Lamp", "light"), None))
        build(doc)
        made = every_unsupported_type()
        converted = every_converted_type()
        report = self.adapter.attach()
        self.assertSyncs(doc, report)
        self.assertEqual({"Ball", "Anchor", "Eye", "Lamp", "Path", "Patch", "Blob", "Title"},
                         {o["name"] for o in report["scene"]["objects"]})
        meshes = {m["uuid"]: m for m in report["scene"]["meshes"]}
        for typ, obj in converted.items():  # their evaluated meshes, derived records of their own
            record = next(o for o in report["scene"]["objects"] if o["name"] == obj.name)
            self.assertEqual("mesh", record["kind"], typ)
            self.assertEqual([{"CURVE": "curve", "SURFACE": "surface", "META": "metaball", "FONT": "text"}[typ]],
                             meshes[record["mesh"]]["derived"], typ)
        for typ, obj in made.items():
            item = self.not_synced(report, obj.name)
            self.assertIsNotNone(item, typ)
            self.assertEqual((typ, UNSUPPORTED_TYPE), (item["type"], item["code"]))
            self.assertIn(f"'{obj.name}'", item["reason"])
            self.assertNotIn(PROP, obj)  # not synced: not stamped either
        self.assertIn("lattices are not synced", self.not_synced(report, "Cage")["reason"])
        self.assertTrue(any("not synced: UNSUPPORTED_TYPE: object 'Fur'" in line for line in self.logged), self.logged)

    def test_a_child_of_an_object_that_is_not_synced_lands_at_its_world_place(self):
        rig_root = add_object("Rig Root", location=(2.0, 0.0, 1.0))
        rig_root.rotation_euler = (0.0, 0.0, 0.7)
        rig = add_object("Cage", bpy.data.lattices.new("Cage"), parent=rig_root, location=(0.0, 1.0, 0.0))
        rig.rotation_euler = (0.3, 0.0, 0.0)
        rig.scale = (2.0, 2.0, 2.0)
        hand = add_object("Glove", bpy.data.meshes["Cube"], parent=rig, location=(0.5, 0.0, 0.25))
        marker = add_object("Marker", parent=rig, location=(0.0, 0.2, 0.0))
        path = add_object("Path", bpy.data.curves.new("Path", "CURVE"), location=(-3.0, 0.0, 0.0))
        follower = add_object("Follower", parent=path, location=(1.0, 1.0, 1.0))
        bpy.context.view_layer.update()
        worlds = {o.name: o.matrix_world.copy() for o in (hand, marker, follower)}
        report = self.adapter.attach()
        by_name = {o["name"]: o for o in report["scene"]["objects"]}
        self.assertEqual(rig_root[PROP], by_name["Glove"]["parent"])
        self.assertEqual(rig_root[PROP], by_name["Marker"]["parent"])
        self.assertIsNone(by_name["Follower"]["parent"])
        doc = _blender_doc(report)
        self.assertEqual(cli_hash(doc), report["root"])
        build(doc, self.adapter.blobs)  # what the other engine gets: the synced objects only
        bpy.context.view_layer.update()
        for name, world in worlds.items():
            _assert_matrix_close(self, world, bpy.data.objects[name].matrix_world, name)

    def test_set_transform_and_set_parent_on_such_a_child_write_through_its_real_parent(self):
        anchor = add_object("Anchor", location=(1.0, 1.0, 0.0))
        rig = add_object("Cage", bpy.data.lattices.new("Cage"), parent=anchor, location=(0.0, 0.0, 2.0))
        rig.rotation_euler = (0.0, 0.5, 0.0)
        marker = add_object("Marker", parent=rig, location=(0.1, 0.2, 0.3))
        bpy.context.view_layer.update()
        self.adapter.attach()
        uid = marker[PROP]
        before = (tuple(marker.location), tuple(marker.rotation_euler), tuple(marker.scale), marker.parent.name,
                  marker.parent_type, marker.parent_bone, tuple(tuple(r) for r in marker.matrix_parent_inverse))
        q = [0.0, math.sin(0.4), 0.0, math.cos(0.4)]
        typ, reply = self.adapter.apply(1, [{"op": "set_transform", "uuid": uid, "translation": [1.0, 2.0, 3.0], "rotation": q}])
        self.assertEqual(MessageType.APPLIED, typ, reply)
        record = self.adapter.canonical({uid}).objects[0]
        self.assertEqual(anchor[PROP], record.parent)
        for got, want in zip(record.translation + record.rotation, [1.0, 2.0, 3.0] + q):
            self.assertAlmostEqual(want, got, places=5)
        self.assertEqual(("Cage", "OBJECT"), (marker.parent.name, marker.parent_type))  # still on its real parent
        self.adapter.rollback(1)
        self.assertEqual(before, (tuple(marker.location), tuple(marker.rotation_euler), tuple(marker.scale), marker.parent.name,
                                  marker.parent_type, marker.parent_bone, tuple(tuple(r) for r in marker.matrix_parent_inverse)))
        typ, reply = self.adapter.apply(2, [{"op": "set_parent", "uuid": uid, "parent": None}])
        self.assertEqual(MessageType.APPLIED, typ, reply)
        self.assertIsNone(marker.parent)
        self.adapter.rollback(2)
        self.assertEqual(before, (tuple(marker.location), tuple(marker.rotation_euler), tuple(marker.scale), marker.parent.name,
                                  marker.parent_type, marker.parent_bone, tuple(tuple(r) for r in marker.matrix_parent_inverse)))

    def test_moving_a_lattice_sends_its_childrens_new_places(self):
        rig = add_object("Cage", bpy.data.lattices.new("Cage"))
        glove = add_object("Glove", bpy.data.meshes["Cube"], parent=rig, location=(1.0, 0.0, 0.0))
        bpy.context.view_layer.update()
        self.adapter.attach()
        sent, clock = [], Clock()
        detector = ChangeDetector(self.adapter, lambda t, p: sent.append((t, p)), clock=clock)
        self.adapter.on_changed = detector.refresh
        detector.reset()
        bpy.app.handlers.depsgraph_update_post.append(lambda scene, dg: detector.on_depsgraph(dg))
        try:
            rig.location = (0.0, 5.0, 0.0)  # the lattice is not synced; the glove it carries is
            bpy.context.view_layer.update()
            clock.now += 1.0
            detector.tick()
        finally:
            bpy.app.handlers.depsgraph_update_post.clear()
        ops = [op for t, p in sent if t == MessageType.EDIT for op in p["operations"]]
        self.assertEqual([glove[PROP]], [op["uuid"] for op in ops], ops)
        self.assertAlmostEqual(1.0, ops[0]["translation"][0], places=5)  # canonical: Blender's y is −z
        self.assertAlmostEqual(-5.0, ops[0]["translation"][2], places=5)

    def test_the_panel_lists_the_count_and_the_first_reasons(self):
        from vibesync_blender.runtime.runtime import Runtime
        from vibesync_blender.ui.panel import SHOWN_NOT_SYNCED, _wrap, not_synced_lines
        every_unsupported_type()
        rt = Runtime(None, log=self.logged.append)
        self.assertEqual([], not_synced_lines(rt))  # nothing read before an orchestrator welcomed the file
        rt.adapter.attach()
        lines = not_synced_lines(rt)
        self.assertEqual("Not synced: 7", lines[0])
        self.assertEqual(SHOWN_NOT_SYNCED, len(lines) - 2)
        self.assertTrue(lines[1].startswith("UNSUPPORTED_TYPE: object 'Cage' (LATTICE)"), lines)
        self.assertIn("and 2 more", lines[-1])
        self.assertTrue(all(len(part) <= 60 for part in _wrap(lines[1])))

    # ---- a datablock that cannot be read ----

    def test_an_object_with_a_nan_location_is_reported_and_the_rest_syncs(self):
        report = self.adapter.attach()
        bpy.data.objects["Light"].location = (float("nan"), 0.0, 0.0)
        report = self.adapter.attach()
        item = self.not_synced(report, "Light")
        self.assertEqual(("LIGHT", READ_FAILED), (item["type"], item["code"]))
        self.assertIn("object 'Light': its location is nan", item["reason"])
        self.assertEqual({"Cube", "Camera"}, {o["name"] for o in report["scene"]["objects"]})
        self.assertEqual(cli_hash(_blender_doc(report)), report["root"])

    def test_a_mesh_that_fails_to_read_is_reported_with_its_objects_and_the_rest_syncs(self):
        real = geometry.read_geometry

        def failing(mesh, *args):
            if mesh.name == "Cube":
                raise RuntimeError("internal error setting the array")
            return real(mesh, *args)
        ngon_prism("Column", sides=12)
        geometry.read_geometry = failing
        try:
            report = self.adapter.attach()
        finally:
            geometry.read_geometry = real
        mesh_item = next(i for i in report["not_synced"] if i.get("uuid") == bpy.data.meshes["Cube"][PROP])
        self.assertEqual(("Cube", "MESH", READ_FAILED), (mesh_item["name"], mesh_item["type"], mesh_item["code"]))
        self.assertIn("mesh 'Cube' (used by object 'Cube'): reading it failed: RuntimeError: internal error setting the array",
                      mesh_item["reason"])
        object_item = next(i for i in report["not_synced"] if i.get("uuid") == bpy.data.objects["Cube"][PROP])
        self.assertIn("object 'Cube': its mesh 'Cube' is not synced", object_item["reason"])
        self.assertEqual({"Camera", "Light", "Column"}, {o["name"] for o in report["scene"]["objects"]})
        self.assertEqual(cli_hash(_blender_doc(report)), report["root"])
        self.assertTrue(any("READ_FAILED: mesh 'Cube'" in line for line in self.logged), self.logged)
        self.assertEqual([], self.adapter.attach()["not_synced"])  # read again once it reads

    def test_a_child_under_a_zero_scale_anchor_is_reported_not_the_scene(self):
        anchor = add_object("Anchor")
        anchor.scale = (0.0, 1.0, 1.0)
        lattice = add_object("Cage", bpy.data.lattices.new("Cage"), parent=anchor)
        add_object("Pin", parent=lattice, location=(1.0, 0.0, 0.0))
        bpy.context.view_layer.update()
        report = self.adapter.attach()
        item = self.not_synced(report, "Pin")
        self.assertEqual(READ_FAILED, item["code"])
        self.assertIn("object 'Pin': reading it failed", item["reason"])
        self.assertIn("Anchor", {o["name"] for o in report["scene"]["objects"]})

    def test_a_failing_tick_step_is_logged_once_and_the_adapter_keeps_ticking(self):
        from vibesync_blender.runtime.runtime import Runtime
        rt = Runtime(None, log=self.logged.append)
        rt.adapter.attach()
        calls = []

        def broken():
            calls.append(1)
            raise RuntimeError("StructRNA of type Object has been removed")
        rt.detector.tick = broken
        for _ in range(3):
            rt.tick()  # raising here would end a bpy.app.timers callback, and the headless runner
        self.assertEqual(3, len(calls))
        self.assertEqual(1, len([line for line in self.logged if "StructRNA of type Object has been removed" in line]))
        self.assertEqual("disconnected", rt.connection)  # no orchestrator here: it keeps retrying

    # ---- a write Blender refuses ----

    def test_an_apply_blender_refuses_names_the_datablock_changes_nothing_and_is_logged(self):
        self.adapter.attach()
        cube, light = bpy.data.objects["Cube"], bpy.data.objects["Light"]
        before = (tuple(cube.location), light.hide_get())
        real = type(self.adapter.writer)._set_visibility

        def refusing(writer, p, op):
            raise RuntimeError("bpy_struct: attribute is read-only")
        type(self.adapter.writer)._set_visibility = refusing
        try:
            typ, reply = self.adapter.apply(1, [{"op": "set_transform", "uuid": cube[PROP], "translation": [5, 5, 5]},
                                                {"op": "set_visibility", "uuid": light[PROP], "visible": False}])
        finally:
            type(self.adapter.writer)._set_visibility = real
        self.assertEqual(MessageType.ERROR, typ)
        self.assertEqual("ENGINE_FAULT", reply["code"])
        self.assertIn(f"set_visibility on object 'Light' ({light[PROP]})", reply["message"])
        self.assertEqual(before, (tuple(cube.location), light.hide_get()))
        self.assertEqual({}, self.adapter.provisional)
        self.assertTrue(any("object 'Light'" in line for line in self.logged), self.logged)

    def test_replacing_a_mesh_in_edit_mode_is_refused_with_its_name(self):
        self.adapter.attach()
        cube = bpy.data.objects["Cube"]
        bpy.context.view_layer.objects.active = cube
        bpy.ops.object.mode_set(mode="EDIT")
        typ, reply = self.adapter.apply(1, [{"op": "replace_mesh", "uuid": cube.data[PROP], "positions": [[0, 0, 0], [1, 0, 0], [0, 1, 0]],
                                             "triangles": [[0, 1, 2]]}])
        self.assertEqual(MessageType.ERROR, typ)
        self.assertIn("mesh 'Cube'", reply["message"])
        self.assertIs(bpy.data.meshes["Cube"], cube.data)


def scenes_f32(v):
    from .scenes import f32
    return f32(v)


def _area(a, b, c):
    return (b - a).cross(c - a).length / 2


def _inline_triangles(m, unit_scale):
    """{None: [triangle]} of an inline Blender-space mesh, in canonical space."""
    positions = [tuple(float(c) * unit_scale for c in (p[0], p[2], -p[1])) for p in m["positions"]]
    uv = m.get("uv0")
    corner = (lambda i: {"POSITION": positions[i], "TEXCOORD_0": tuple(map(float, uv[i]))}) if uv else (lambda i: {"POSITION": positions[i]})
    return {None: [tuple(corner(i) for i in t) for t in m["triangles"]]} if m["triangles"] else {}


def _assert_matrix_close(test, a, b, name, eps=1e-4):
    for ra, rb in zip(a, b):
        for x, y in zip(ra, rb):
            test.assertLess(abs(x - y), eps, f"{name}: {Matrix(a)} != {Matrix(b)}")


if __name__ == "__main__":
    unittest.main()
