"""Every operation applied provisionally in real Blender, read back as asked, then rolled back to
the exact prior native values (every float bit, every name, link and datablock)."""

import math
import unittest
from unittest import mock

import bpy

from vibesync_blender.link import MessageType
from vibesync_blender.runtime.adapter import BlenderAdapter
from vibesync_blender.runtime.mainqueue import MainThreadQueue
from vibesync_blender.scene.identity import PROP
from vibesync_blender.scene.names import synced_name

from .harness import mesh_arrays

NEW = "7a0c5e0e-1111-4222-8333-444455556666"
NEW2 = "7a0c5e0e-1111-4222-8333-444455556667"


def dump():
    """Everything an operation could touch, natively, so 'restored exactly' means equal here."""
    def obj(o):
        return (o.name, tuple(o.location), o.rotation_mode, tuple(o.rotation_quaternion), tuple(o.rotation_euler),
                tuple(o.scale), o.hide_viewport, o.hide_get() if o.name in bpy.context.view_layer.objects else None,
                o.parent.name if o.parent else None, tuple(tuple(r) for r in o.matrix_parent_inverse),
                tuple((s.link, s.material.name if s.material else None) for s in o.material_slots),
                o.data.name if o.data else None, tuple(c.name for c in o.users_collection), o.get(PROP),
                o.instance_type, o.use_fake_user)

    def mesh(m):
        return (m.name, tuple(tuple(v.co) for v in m.vertices), tuple(tuple(p.vertices) for p in m.polygons),
                tuple(tuple(d.uv) for d in m.uv_layers.active.data) if m.uv_layers.active else None,
                tuple(x.name if x else None for x in m.materials), m.get(PROP), m.use_fake_user)

    def material(m):
        node = m.node_tree.nodes.get("Principled BSDF") if m.use_nodes else None
        values = tuple(tuple(i.default_value) if hasattr(i.default_value, "__len__") else i.default_value
                       for i in node.inputs if hasattr(i, "default_value")) if node else ()
        return (m.name, tuple(m.diffuse_color), m.metallic, m.roughness, values, m.get(PROP))

    return ({o.name: obj(o) for o in bpy.data.objects}, {m.name: mesh(m) for m in bpy.data.meshes},
            {m.name: material(m) for m in bpy.data.materials}, len(bpy.data.cameras), len(bpy.data.lights))


class ApplyRollbackTests(unittest.TestCase):
    def setUp(self):
        bpy.ops.wm.read_homefile(use_factory_startup=True)
        scene = bpy.context.scene
        # More than the factory scene: a second material, an Euler-rotated child of the camera,
        # a parent with a non-identity parent inverse (as Ctrl+P makes), a collection to instance.
        bpy.data.materials.new("Blue").use_nodes = True
        child = bpy.data.objects.new("CamChild", None)
        scene.collection.objects.link(child)
        child.parent = bpy.data.objects["Camera"]
        child.location = (0.25, 0.5, -1.0)
        child.rotation_euler = (0.1, 0.2, 0.3)
        kid = bpy.data.objects.new("CubeKid", None)
        scene.collection.objects.link(kid)
        kid.parent = bpy.data.objects["Cube"]
        kid.matrix_parent_inverse = bpy.data.objects["Cube"].matrix_world.inverted()
        kid.location = (3.0, 0.0, 0.0)
        props = bpy.data.collections.new("Props")
        props.objects.link(bpy.data.objects.new("Prop", None))
        bpy.data.collections.new("Props2")
        self.adapter = BlenderAdapter(MainThreadQueue())
        self.adapter.attach()
        self.blue = bpy.data.materials["Blue"]
        from vibesync_blender.scene.identity import new_id
        self.blue[PROP] = new_id()
        self.ids = {o.name: o[PROP] for o in bpy.data.objects if PROP in o}
        self.ids["Material"] = bpy.data.materials["Material"][PROP]
        self.ids["Blue"] = self.blue[PROP]
        self.ids["CubeMesh"] = bpy.data.meshes["Cube"][PROP]

    def read(self, uid):
        scene = self.adapter.canonical({uid})
        return {r.uuid: r for r in scene.objects + scene.materials + scene.meshes}.get(uid)

    def roundtrip(self, ops, check, intent=1):
        before = dump()
        typ, reply = self.adapter.apply(intent, ops)
        self.assertEqual(MessageType.APPLIED, typ, reply)
        check()
        self.assertNotEqual(before, dump(), "the operation changed nothing")
        typ, reply = self.adapter.rollback(intent)
        self.assertEqual(MessageType.ACK, typ, reply)
        self.assertEqual(before, dump())

    def assertClose(self, a, b, eps=1e-5):
        self.assertEqual(len(a), len(b))
        for x, y in zip(a, b):
            self.assertLess(abs(x - y), eps, (a, b))

    def test_set_transform_on_a_plain_object(self):
        q = (0.0, math.sin(0.3), 0.0, math.cos(0.3))
        self.roundtrip([{"op": "set_transform", "uuid": self.ids["Cube"], "translation": [1, 2, 3], "rotation": list(q), "scale": [2, 3, 4]}],
                       lambda: (self.assertClose(self.read(self.ids["Cube"]).translation, (1, 2, 3)),
                                self.assertClose(self.read(self.ids["Cube"]).rotation, q),
                                self.assertClose(self.read(self.ids["Cube"]).scale, (2, 3, 4))))

    def test_a_second_apply_of_a_provisional_intent_extends_it_and_rollback_undoes_both(self):
        # The orchestrator coalesces the steps of a drag into one intent and applies each as it comes.
        before = dump()
        for x in (1.0, 2.0, 3.0):
            typ, reply = self.adapter.apply(7, [{"op": "set_transform", "uuid": self.ids["Cube"], "translation": [x, 0, 0]}])
            self.assertEqual(MessageType.APPLIED, typ, reply)
        typ, reply = self.adapter.apply(7, [{"op": "set_visibility", "uuid": self.ids["Light"], "visible": False}])
        self.assertEqual(MessageType.APPLIED, typ, reply)
        self.assertClose(self.read(self.ids["Cube"]).translation, (3, 0, 0))
        self.assertEqual({self.ids["Cube"], self.ids["Light"]}, self.adapter.provisional[7].touched)
        typ, reply = self.adapter.rollback(7)
        self.assertEqual(MessageType.ACK, typ, reply)
        self.assertEqual(before, dump())

    def test_create_a_material_and_a_mesh_and_an_object_using_them(self):
        mat, mesh, new = "7a0c5e0e-1111-4222-8333-4444555566a1", "7a0c5e0e-1111-4222-8333-4444555566b1", "7a0c5e0e-1111-4222-8333-4444555566c1"
        ops = [{"op": "create_material", "uuid": mat, "name": "Teal", "base_color": [0, 0.5, 0.5, 1], "metallic": 0.1, "roughness": 0.7, "emission": [0, 0, 0]},
               {"op": "create_mesh", "uuid": mesh, "positions": [[0, 0, 0], [1, 0, 0], [0, 1, 0]], "triangles": [[0, 1, 2]], "uv0": [[0, 0], [1, 0], [0, 1]]},
               {"op": "create_object", "uuid": new, "name": "Tile", "kind": "mesh", "parent": None, "translation": [0, 0, 0],
                "rotation": [0, 0, 0, 1], "scale": [1, 1, 1], "mesh": mesh, "materials": [mat]}]

        def check():
            scene = self.adapter.canonical(None)
            m = next(x for x in scene.materials if x.uuid == mat)
            self.assertEqual("Teal", m.name)
            self.assertClose(m.base_color, (0, 0.5, 0.5, 1))
            g = mesh_arrays(next(x for x in scene.meshes if x.uuid == mesh), self.adapter.blobs)
            self.assertClose(g["POSITION"][1], (1, 0, 0))
            self.assertEqual([(0, 1, 2)], g["triangles"])
            self.assertEqual(mesh, self.read(new).mesh)
        self.roundtrip(ops, check)
        typ, reply = self.adapter.apply(5, ops[:1])
        self.assertEqual(MessageType.APPLIED, typ, reply)
        typ, reply = self.adapter.apply(6, ops[:1])  # the same ID again: refused, nothing applied
        self.assertEqual(MessageType.ERROR, typ)
        self.assertEqual("UUID_IN_USE", reply["code"])

    def test_set_transform_on_a_camera_child_with_euler_rotation(self):
        q = (math.sin(0.2), 0.0, 0.0, math.cos(0.2))
        self.roundtrip([{"op": "set_transform", "uuid": self.ids["CamChild"], "translation": [0.5, -1, 2], "rotation": list(q)}],
                       lambda: (self.assertClose(self.read(self.ids["CamChild"]).translation, (0.5, -1, 2)),
                                self.assertClose(self.read(self.ids["CamChild"]).rotation, q)))

    def test_set_transform_under_a_parent_inverse(self):
        self.roundtrip([{"op": "set_transform", "uuid": self.ids["CubeKid"], "translation": [1, 1, 1]}],
                       lambda: self.assertClose(self.read(self.ids["CubeKid"]).translation, (1, 1, 1)))

    def test_set_visibility(self):
        self.roundtrip([{"op": "set_visibility", "uuid": self.ids["Light"], "visible": False}],
                       lambda: self.assertFalse(self.read(self.ids["Light"]).visible))

    def test_set_material_params(self):
        self.roundtrip([{"op": "set_material_params", "uuid": self.ids["Material"], "base_color": [1, 0, 0, 1],
                         "metallic": 0.75, "roughness": 0.25, "emission": [0, 0.5, 0]}],
                       lambda: (self.assertClose(self.read(self.ids["Material"]).base_color, (1, 0, 0, 1)),
                                self.assertClose((self.read(self.ids["Material"]).metallic,), (0.75,)),
                                self.assertClose(self.read(self.ids["Material"]).emission, (0, 0.5, 0))))

    def test_assign_material_to_a_slot_and_appending_one(self):
        self.roundtrip([{"op": "assign_material", "uuid": self.ids["Cube"], "slot": 0, "material": self.ids["Blue"]},
                        {"op": "assign_material", "uuid": self.ids["Cube"], "slot": 1, "material": self.ids["Material"]}],
                       lambda: self.assertEqual((self.ids["Blue"], self.ids["Material"]), self.read(self.ids["Cube"]).materials))

    def test_set_parent_keeps_the_local_transform(self):
        before = self.read(self.ids["Light"])
        self.roundtrip([{"op": "set_parent", "uuid": self.ids["Light"], "parent": self.ids["Cube"]}],
                       lambda: (self.assertEqual(self.ids["Cube"], self.read(self.ids["Light"]).parent),
                                self.assertClose(self.read(self.ids["Light"]).translation, before.translation)))

    def test_create_objects_of_every_kind(self):
        base = {"parent": None, "translation": [1, 2, 3], "rotation": [0, 0, 0, 1], "scale": [1, 1, 1]}
        ops = [dict(base, op="create_object", uuid=NEW, name="New Mesh", kind="mesh", mesh=self.ids["CubeMesh"],
                    materials=[self.ids["Blue"]]),
               dict(base, op="create_object", uuid=NEW2, name="New Cam", kind="camera", parent=NEW, visible=False)]
        self.roundtrip(ops, lambda: (self.assertEqual((self.ids["Blue"],), self.read(NEW).materials),
                                     self.assertEqual(NEW, self.read(NEW2).parent),
                                     self.assertFalse(self.read(NEW2).visible),
                                     self.assertClose(self.read(NEW2).translation, (1, 2, 3))))

    def test_instantiate_a_collection_and_replace_its_asset(self):
        op = {"op": "instantiate_prefab", "uuid": NEW, "prefab": "Props", "name": "Props.1", "parent": None,
              "translation": [0, 0, 0], "rotation": [0, 0, 0, 1], "scale": [1, 1, 1]}
        self.roundtrip([op, {"op": "replace_asset", "uuid": NEW, "asset": "Props2"}],
                       lambda: self.assertEqual("Props2", bpy.data.objects["Props.1"].instance_collection.name))

    def test_duplicate_object(self):
        self.roundtrip([{"op": "duplicate_object", "uuid": self.ids["Cube"], "new_uuid": NEW, "name": "Cube Copy"}],
                       lambda: (self.assertEqual("Cube Copy", self.read(NEW).name),
                                self.assertEqual(self.read(self.ids["Cube"]).mesh, self.read(NEW).mesh)))

    def test_delete_with_its_subtree_and_with_reparenting(self):
        self.roundtrip([{"op": "delete_object", "uuid": self.ids["Camera"], "children": "delete"}],
                       lambda: (self.assertIsNone(self.read(self.ids["Camera"])), self.assertIsNone(self.read(self.ids["CamChild"]))))
        self.roundtrip([{"op": "delete_object", "uuid": self.ids["Cube"], "children": "reparent"}],
                       lambda: (self.assertIsNone(self.read(self.ids["Cube"])),
                                self.assertIsNone(self.read(self.ids["CubeKid"]).parent)), intent=2)

    def test_replace_mesh_with_uvs(self):
        positions = [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]
        uv0 = [[0, 0], [1, 0], [0, 1], [0.5, 0.5]]
        self.roundtrip([{"op": "replace_mesh", "uuid": self.ids["CubeMesh"], "positions": positions,
                         "triangles": [[0, 1, 2], [0, 2, 3]], "uv0": uv0}],
                       lambda: self.assertEqual({"triangles": [(0, 1, 2), (0, 2, 3)], "POSITION": [tuple(map(float, p)) for p in positions],
                                                 "TEXCOORD_0": [tuple(map(float, u)) for u in uv0]},
                                                mesh_arrays(self.read(self.ids["CubeMesh"]), self.adapter.blobs)))

    def test_set_mesh_to_a_mesh_created_in_the_same_intent_keeps_the_slots_and_rolls_back_exactly(self):
        create = {"op": "create_mesh", "uuid": NEW, "positions": [[0, 0, 0], [1, 0, 0], [0, 1, 0]], "triangles": [[0, 1, 2]]}
        self.roundtrip([create, {"op": "set_mesh", "uuid": self.ids["Cube"], "mesh": NEW}],
                       lambda: (self.assertEqual(NEW, self.read(self.ids["Cube"]).mesh),
                                self.assertEqual(NEW, bpy.data.objects["Cube"].data.get(PROP)),
                                self.assertEqual((self.ids["Material"],), self.read(self.ids["Cube"]).materials)))

    def test_set_mesh_to_another_objects_mesh_keeps_this_objects_material(self):
        other = bpy.data.meshes.new("Other")
        other.from_pydata([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [], [(0, 1, 2)])
        other.materials.append(self.blue)
        user = bpy.data.objects.new("OtherUser", other)
        bpy.context.scene.collection.objects.link(user)
        self.adapter.attach()
        self.ids["OtherMesh"] = other[PROP]
        self.roundtrip([{"op": "set_mesh", "uuid": self.ids["Cube"], "mesh": self.ids["OtherMesh"]}],
                       lambda: (self.assertEqual(self.ids["OtherMesh"], self.read(self.ids["Cube"]).mesh),
                                self.assertEqual((self.ids["Material"],), self.read(self.ids["Cube"]).materials),
                                self.assertEqual((self.ids["Blue"],), self.read(user[PROP]).materials)))

    def test_set_mesh_is_refused_for_an_object_with_modifiers_an_unknown_mesh_and_a_non_mesh_object(self):
        before = dump()
        for ops, code in (([{"op": "set_mesh", "uuid": self.ids["Cube"], "mesh": NEW}], "UNKNOWN_UUID"),
                          ([{"op": "set_mesh", "uuid": self.ids["Camera"], "mesh": self.ids["CubeMesh"]}], "INVALID_VALUE")):
            typ, reply = self.adapter.apply(1, ops)
            self.assertEqual(MessageType.ERROR, typ, reply)
            self.assertEqual(code, reply["code"], reply)
            self.assertEqual(before, dump())
        bpy.data.objects["Cube"].modifiers.new("Subdivision", "SUBSURF")
        self.adapter.attach()
        create = {"op": "create_mesh", "uuid": NEW, "positions": [[0, 0, 0], [1, 0, 0], [0, 1, 0]], "triangles": [[0, 1, 2]]}
        before = dump()
        typ, reply = self.adapter.apply(2, [create, {"op": "set_mesh", "uuid": self.ids["Cube"], "mesh": NEW}])
        self.assertEqual((MessageType.ERROR, "DERIVED_MESH"), (typ, reply["code"]), reply)
        self.assertIn("Subdivision (SUBSURF)", reply["message"])
        self.assertEqual(before, dump())

    def test_rename_an_object_and_a_material(self):
        self.roundtrip([{"op": "rename", "uuid": self.ids["Cube"], "name": "Box"},
                        {"op": "rename", "uuid": self.ids["Material"], "name": "Paint"}],
                       lambda: (self.assertEqual("Box", self.read(self.ids["Cube"]).name),
                                self.assertEqual("Paint", self.read(self.ids["Material"]).name)))

    def test_a_rename_to_a_name_another_object_holds_reads_back_as_asked_and_rolls_back_exactly(self):
        # Blender keeps names unique (one of the two becomes "Camera.001": in 3.4 the one that held
        # it); the sync reads back the names it gave, so a clash, even with an object it does not
        # carry (kept from AI, unsynced), is no mismatch and renames nobody.
        self.roundtrip([{"op": "rename", "uuid": self.ids["Cube"], "name": "Camera"},
                        {"op": "rename", "uuid": self.ids["Material"], "name": "Blue"}],
                       lambda: (self.assertEqual("Camera", self.read(self.ids["Cube"]).name),
                                self.assertIn("Camera.001", bpy.data.objects),
                                self.assertEqual("Camera", self.read(self.ids["Camera"]).name),
                                self.assertEqual("Blue", self.read(self.ids["Material"]).name),
                                self.assertEqual("Blue", synced_name(next(m for m in bpy.data.materials if m.get(PROP) == self.ids["Blue"])))))
        self.assertNotIn("vibesync_name", bpy.data.objects["Cube"])
        long = "L" * 80  # Blender cuts names at 63 bytes
        self.roundtrip([{"op": "rename", "uuid": self.ids["Cube"], "name": long}], lambda: self.assertEqual(long, self.read(self.ids["Cube"]).name), intent=2)

    def test_a_person_renaming_the_clashing_object_in_blender_is_read_as_that_name(self):
        typ, reply = self.adapter.apply(1, [{"op": "rename", "uuid": self.ids["Cube"], "name": "Camera"}])
        self.assertEqual(MessageType.APPLIED, typ, reply)
        renamed = bpy.data.objects["Camera.001"]  # whichever of the two Blender renamed
        renamed.name = "Box"
        self.assertEqual("Box", self.read(renamed[PROP]).name)

    def test_a_duplicate_without_a_name_keeps_the_originals(self):
        self.roundtrip([{"op": "duplicate_object", "uuid": self.ids["Cube"], "new_uuid": NEW}],
                       lambda: self.assertEqual("Cube", self.read(NEW).name))

    def test_an_intent_that_fails_half_way_leaves_nothing_applied(self):
        before = dump()
        typ, reply = self.adapter.apply(1, [{"op": "set_transform", "uuid": self.ids["Cube"], "translation": [9, 9, 9]},
                                            {"op": "set_visibility", "uuid": NEW, "visible": False}])
        self.assertEqual(MessageType.ERROR, typ)
        self.assertEqual("UNKNOWN_UUID", reply["code"])
        self.assertEqual(before, dump())
        self.assertEqual({}, self.adapter.provisional)

    def test_malformed_operations_are_refused_and_change_nothing(self):
        before = dump()
        for ops in ([{"op": "set_transform", "uuid": self.ids["Cube"], "translation": [float("nan"), 0, 0]}],
                    [{"op": "exec", "uuid": self.ids["Cube"]}],
                    [{"op": "rename", "uuid": self.ids["Cube"], "name": "x", "code": "import os"}],
                    [{"op": "instantiate_prefab", "uuid": NEW, "prefab": "../etc/passwd", "name": "x", "parent": None,
                      "translation": [0, 0, 0], "rotation": [0, 0, 0, 1], "scale": [1, 1, 1]}]):
            typ, reply = self.adapter.apply(1, ops)
            self.assertEqual(MessageType.ERROR, typ, ops)
            self.assertEqual("MALFORMED", reply["code"])
        self.assertEqual(before, dump())

    def test_finalize_removes_what_a_delete_and_a_mesh_replacement_kept(self):
        meshes = len(bpy.data.meshes)
        self.adapter.apply(1, [{"op": "replace_mesh", "uuid": self.ids["CubeMesh"], "positions": [[0, 0, 0], [1, 0, 0], [0, 1, 0]],
                                "triangles": [[0, 1, 2]]},
                               {"op": "delete_object", "uuid": self.ids["Light"], "children": "delete"}])
        self.assertEqual(meshes + 1, len(bpy.data.meshes))
        typ, _ = self.adapter.finalize([1])
        self.assertEqual(MessageType.ACK, typ)
        self.assertEqual(meshes, len(bpy.data.meshes))
        self.assertNotIn("Light", bpy.data.objects)
        self.assertIn(self.ids["Light"], self.adapter.index.tombstones)

    def test_deleting_a_parent_or_a_hierarchy_never_asks_blender_for_each_objects_children(self):
        def walk_every_object(obj):  # Blender 3.4's Object.children: a pass over every object per call
            raise AssertionError(f"Object.children asked of {obj.name}")
        kid = bpy.data.objects["CubeKid"]
        cage = bpy.data.objects.new("KidCage", bpy.data.lattices.new("KidCage"))  # not synced: its child is reported under the kid
        bpy.context.scene.collection.objects.link(cage)
        cage.parent = kid
        grandchild = bpy.data.objects.new("Grandchild", None)
        bpy.context.scene.collection.objects.link(grandchild)
        grandchild.parent = cage
        self.adapter.attach()
        ids = {o.name: o[PROP] for o in bpy.data.objects if PROP in o}
        with mock.patch.object(bpy.types.Object, "children", property(walk_every_object)):
            typ, reply = self.adapter.apply(1, [{"op": "delete_object", "uuid": ids["CubeKid"], "children": "reparent"}])
            self.assertEqual(MessageType.APPLIED, typ, reply)
            self.assertEqual({ids["CubeKid"], ids["Grandchild"]}, self.adapter.provisional[1].touched)
            self.assertEqual(ids["Cube"], self.read(ids["Grandchild"]).parent)  # under the cage, which went under the cube
            self.assertEqual(MessageType.ACK, self.adapter.rollback(1)[0])
            typ, reply = self.adapter.apply(2, [{"op": "delete_object", "uuid": ids["Cube"], "children": "delete"}])
            self.assertEqual(MessageType.APPLIED, typ, reply)
        self.assertEqual(set(), {o.name for o in bpy.context.scene.objects} & {"Cube", "CubeKid", "KidCage", "Grandchild"})

    def test_an_object_deleted_by_an_intent_is_removed_at_final_after_an_undo_dropped_every_reference(self):
        self.adapter.apply(1, [{"op": "delete_object", "uuid": self.ids["Light"], "children": "reparent"}])
        self.adapter.index.forget_references()  # what undo_pre does
        self.assertEqual(MessageType.ACK, self.adapter.finalize([1])[0])
        self.assertNotIn("Light", bpy.data.objects)

    def test_a_rollback_after_an_undo_dropped_every_reference_brings_the_deleted_object_back(self):
        before = dump()
        self.adapter.apply(1, [{"op": "delete_object", "uuid": self.ids["Light"], "children": "reparent"}])
        self.adapter.index.forget_references()
        self.assertEqual(MessageType.ACK, self.adapter.rollback(1)[0])
        self.assertEqual(before, dump())

    def test_an_object_given_a_deleted_objects_name_is_not_removed_at_the_deletes_final(self):
        self.adapter.apply(1, [{"op": "delete_object", "uuid": self.ids["Light"], "children": "reparent"}])
        bpy.data.objects["Light"].name = "Gone"  # the unlinked one gives up its name…
        newcomer = bpy.data.objects.new("Light", None)  # …and another takes it
        bpy.context.scene.collection.objects.link(newcomer)
        self.assertEqual(MessageType.ACK, self.adapter.finalize([1])[0])
        self.assertIs(newcomer, bpy.data.objects["Light"])
        self.assertNotIn("Gone", bpy.data.objects)  # the deleted one, found by its reference and its ID


if __name__ == "__main__":
    unittest.main()
