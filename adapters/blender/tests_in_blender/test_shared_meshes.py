"""Objects that share one mesh, in real Blender. A material slot is linked to the mesh (DATA) by
default, so changing it changes every object using the mesh; VibeSync keeps materials per object.
The writer changes exactly the object an operation names, rolls back exactly, refuses what Blender
cannot do per object (a slot appended to a shared mesh), and none of it comes back as a human's edit
(the chaos soak, seed 2026: a rollback on one object of a shared mesh came back as
`assign_material slot 0 → null` for the other twelve)."""

import os
import tempfile
import unittest

import bpy

from vibesync_blender.link import MessageType
from vibesync_blender.runtime.adapter import BlenderAdapter
from vibesync_blender.runtime.mainqueue import MainThreadQueue
from vibesync_blender.scene.identity import PROP

from .harness import Watch, save_handlers
from .test_apply_and_rollback import dump

NEW = "7a0c5e0e-1111-4222-8333-4444555566d1"


def slots(name):
    return [(s.link, s.material.name if s.material else None) for s in bpy.data.objects[name].material_slots]


class SharedMeshTests(unittest.TestCase):
    def setUp(self):
        bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
        scene = bpy.context.scene
        self.mats = {}
        for name in ("Red", "Green", "Blue", "Grey"):
            m = bpy.data.materials.new(name)
            m.use_nodes = True
            self.mats[name] = m

        def mesh(name):
            m = bpy.data.meshes.new(name)
            m.from_pydata([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [], [(0, 1, 2)])
            return m

        def obj(name, data, x):
            o = bpy.data.objects.new(name, data)
            scene.collection.objects.link(o)
            o.location.x = x
            return o
        # As VibeSync's scene builder and the chaos soak make them: one slot per object, linked to the object.
        tile = mesh("Tile")
        tile.materials.append(None)
        for i, (name, mat) in enumerate((("A", "Red"), ("B", "Green"), ("C", "Blue"))):
            o = obj(name, tile, i)
            o.material_slots[0].link = "OBJECT"
            o.material_slots[0].material = self.mats[mat]
        # As a human makes them (Alt+D, a linked duplicate): the slot is the mesh's, Red for both.
        rock = mesh("Rock")
        rock.materials.append(self.mats["Red"])
        obj("P", rock, 5)
        obj("Q", rock, 6)
        obj("Solo", mesh("Solo"), 7).data.materials.append(self.mats["Grey"])
        self.adapter = BlenderAdapter(MainThreadQueue())
        self.adapter.attach()
        self.watch = Watch(self.adapter)
        self.settle = self.watch.settle
        self.id = {o.name: o[PROP] for o in bpy.data.objects}
        self.id.update({m.name: m[PROP] for m in bpy.data.materials})
        self.id.update({"Tile mesh": tile[PROP], "Rock mesh": rock[PROP], "D": NEW})

    def tearDown(self):
        self.watch.close()

    def edits(self):
        return [op for batch in self.watch.edits() for op in batch]

    def materials(self, *names):
        scene = self.adapter.canonical({self.id[n] for n in names})
        by_id = {o.uuid: o for o in scene.objects}
        return [tuple(self._name_of(m) for m in by_id[self.id[n]].materials) for n in names]

    def _name_of(self, uid):
        return next((n for n, i in self.id.items() if i == uid), None)

    def apply(self, intent, *ops):
        typ, reply = self.adapter.apply(intent, list(ops))
        self.assertEqual(MessageType.APPLIED, typ, reply)

    def assign(self, name, slot, material):
        return {"op": "assign_material", "uuid": self.id[name], "slot": slot, "material": self.id.get(material)}

    # ---- reading ---------------------------------------------------------------------------------

    def test_reading_reports_the_material_each_object_shows_whether_its_slot_is_linked_to_the_object_or_the_mesh(self):
        self.assertEqual([("Red",), ("Green",), ("Blue",), ("Red",), ("Red",), ("Grey",)],
                         self.materials("A", "B", "C", "P", "Q", "Solo"))

    # ---- assign_material ---------------------------------------------------------------------------

    def test_assigning_a_material_to_a_shared_mesh_slot_changes_only_the_object_it_names_and_rolls_back_exactly(self):
        before = dump()
        self.apply(1, self.assign("P", 0, "Blue"), self.assign("A", 0, "Grey"))
        self.assertEqual([("Blue",), ("Red",), ("Grey",), ("Green",), ("Blue",)], self.materials("P", "Q", "A", "B", "C"))
        self.assertEqual("OBJECT", bpy.data.objects["P"].material_slots[0].link)  # P's own slot now; Q keeps the mesh's
        self.assertEqual([("DATA", "Red")], slots("Q"))
        self.assertEqual({self.id["P"], self.id["A"]}, self.adapter.provisional[1].touched)
        self.adapter.rollback(1)
        self.assertEqual(before, dump())
        self.settle()
        self.assertEqual([], self.edits())

    def test_a_slot_of_a_mesh_nobody_else_uses_stays_the_mesh_s(self):
        before = dump()
        self.apply(1, self.assign("Solo", 0, "Blue"))
        self.assertEqual([("DATA", "Blue")], slots("Solo"))
        self.adapter.rollback(1)
        self.assertEqual(before, dump())

    def test_appending_a_slot_to_a_shared_mesh_is_refused_naming_the_objects_that_share_it(self):
        before = dump()
        typ, reply = self.adapter.apply(1, [self.assign("A", 1, "Grey")])
        self.assertEqual(MessageType.ERROR, typ)
        self.assertEqual("INVALID_VALUE", reply["code"])
        self.assertIn("'B'", reply["message"])
        self.assertIn("'C'", reply["message"])
        self.assertIn("'Tile'", reply["message"])
        self.assertEqual(before, dump())
        self.apply(2, self.assign("Solo", 1, "Red"))  # a mesh of its own: appended, and removed by rollback
        self.assertEqual([("DATA", "Grey"), ("DATA", "Red")], slots("Solo"))
        self.adapter.rollback(2)
        self.assertEqual(before, dump())

    def test_an_object_created_on_a_shared_mesh_needs_as_many_materials_as_the_mesh_has_slots(self):
        base = {"op": "create_object", "uuid": NEW, "name": "D", "kind": "mesh", "parent": None, "translation": [0, 0, 0],
                "rotation": [0, 0, 0, 1], "scale": [1, 1, 1], "mesh": self.id["Tile mesh"]}
        before = dump()
        typ, reply = self.adapter.apply(1, [dict(base, materials=[self.id["Red"], self.id["Red"]])])
        self.assertEqual((MessageType.ERROR, "INVALID_VALUE"), (typ, reply.get("code")), reply)
        self.assertIn("1 material slot", reply["message"])
        self.assertEqual(before, dump())
        self.apply(2, dict(base, materials=[self.id["Grey"]]))
        self.assertEqual([("Red",), ("Green",), ("Blue",), ("Grey",)], self.materials("A", "B", "C", "D"))
        self.adapter.rollback(2)
        self.assertEqual(before, dump())

    # ---- rollback, saves and resync: nothing comes back as a human's edit ---------------------------

    def test_a_rollback_on_one_object_leaves_every_other_object_sharing_its_mesh_as_it_was(self):
        before = dump()
        self.apply(1, {"op": "set_transform", "uuid": self.id["A"], "translation": [3, 3, 3]})
        self.apply(2, {"op": "rename", "uuid": self.id["P"], "name": "Pebble"})
        self.adapter.rollback(2)
        self.adapter.rollback(1)
        self.assertEqual(before, dump())
        self.settle()
        self.settle()
        self.assertEqual([], self.edits())

    def test_a_save_with_provisional_intents_on_a_shared_mesh_changes_no_other_object(self):
        self.apply(1, {"op": "set_transform", "uuid": self.id["B"], "translation": [0, 9, 0]}, self.assign("C", 0, "Grey"))
        with save_handlers(self.adapter):
            bpy.ops.wm.save_as_mainfile(filepath=os.path.join(tempfile.mkdtemp(), "shared.blend"))
        self.assertEqual([("Red",), ("Green",), ("Grey",), ("Red",), ("Red",)], self.materials("A", "B", "C", "P", "Q"))
        self.settle()
        self.settle()
        self.assertEqual([], self.edits())

    def test_a_resync_through_the_writer_on_a_shared_mesh_reports_nothing(self):
        # What the orchestrator sends a Blender restarted on its saved file: the objects made since
        # (here one on the shared mesh), material and transform edits, applied and finalized at once.
        self.apply(0, {"op": "create_object", "uuid": NEW, "name": "D", "kind": "mesh", "parent": None,
                       "translation": [0, 0, 0], "rotation": [0, 0, 0, 1], "scale": [1, 1, 1],
                       "mesh": self.id["Tile mesh"], "materials": [self.id["Grey"]]},
                   self.assign("B", 0, "Blue"), self.assign("Q", 0, "Green"),
                   {"op": "set_transform", "uuid": self.id["C"], "translation": [1, 1, 1]})
        self.adapter.finalize([0])
        self.settle()
        self.apply(5, {"op": "set_visibility", "uuid": self.id["A"], "visible": False})
        self.adapter.rollback(5)
        self.settle()
        self.settle()
        self.assertEqual([], self.edits())
        self.assertEqual([("Red",), ("Blue",), ("Blue",), ("Grey",), ("Red",), ("Green",)],
                         self.materials("A", "B", "C", "D", "P", "Q"))

    # ---- a human's edit ------------------------------------------------------------------------------

    def test_a_human_changing_a_shared_mesh_s_slot_is_reported_for_every_object_that_shows_it(self):
        bpy.data.meshes["Rock"].materials[0] = self.mats["Blue"]  # what the material menu does to a DATA slot
        self.settle()
        self.settle()
        ops = sorted((op["op"], op["uuid"], op["slot"], op["material"]) for op in self.edits())
        self.assertEqual(sorted([("assign_material", self.id["P"], 0, self.id["Blue"]),
                                 ("assign_material", self.id["Q"], 0, self.id["Blue"])]), ops)


if __name__ == "__main__":
    unittest.main()
