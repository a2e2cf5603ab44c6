"""Armatures, joints, skins, JOINTS_0/WEIGHTS_0 and morph targets in real Blender, checked against
Blender's own glTF exporter (samples/rigged_character.py builds the scene and exports it): joint names
in order, joint and bone-parented node TRS, inverse bind matrices, every exported vertex's weights and
morph deltas; and bone IDs through edit mode, renames and duplication."""

import os
import tempfile
import unittest

import bpy
import numpy as np
from mathutils import Matrix, Quaternion, Vector

from vibesync_blender.protocol.blobs import F32, U16
from vibesync_blender.runtime.adapter import BlenderAdapter
from vibesync_blender.runtime.mainqueue import MainThreadQueue
from vibesync_blender.scene import armatures, meshes
from vibesync_blender.scene.identity import PROP

from . import gltf_compare
from .scenes import load_sample

EPSILON = 1e-5


RIGGED = load_sample("rigged_character")
K = np.array(armatures.K, dtype=np.float64)


class Attached:
    def attach(self):
        self.made = RIGGED.build()
        self.adapter = BlenderAdapter(MainThreadQueue())
        self.adapter.attach()
        self.read()

    def read(self):
        self.scene = self.adapter.last_scene
        self.objects = {o.name: o for o in self.scene.objects}
        self.by_id = {o.uuid: o for o in self.scene.objects}
        self.meshes = {m.uuid: m for m in self.scene.meshes}

    def array(self, bid, element=F32):
        return meshes.blob_array(self.adapter.blobs, bid, element).astype(np.float64)


def _rotation_distance(a, b):
    """How far two unit quaternions are as rotations (q and −q are one rotation)."""
    a, b = np.asarray(a), np.asarray(b)
    return min(np.abs(a - b).max(), np.abs(a + b).max())


class AgainstBlendersExporterTests(unittest.TestCase, Attached):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()

    def setUp(self):
        self.attach()
        path = os.path.join(self.tmp, "rigged.glb")
        RIGGED.export(path)
        self.glb = gltf_compare.Glb(path)
        self.gskin = self.glb.doc["skins"][0]
        self.skin = self.scene.skins[0]

    def test_the_skin_lists_the_exporters_joints_in_its_order(self):
        nodes = self.glb.doc["nodes"]
        self.assertEqual([nodes[j]["name"] for j in self.gskin["joints"]], [self.by_id[j].name for j in self.skin.joints])
        self.assertEqual(18, len(self.skin.joints))
        self.assertEqual("Rig", self.skin.name)
        self.assertEqual(self.objects["Rig"].uuid, self.skin.skeleton)  # the space of the bind matrices (the exporter writes none)
        self.assertEqual(self.skin.uuid, self.objects["Body"].skin)
        self.assertEqual(self.skin.uuid, self.made["Rig"][armatures.SKIN_PROP])

    def test_every_joint_has_the_exporters_rest_trs_under_the_exporters_parent(self):
        nodes = self.glb.doc["nodes"]
        parent_of = {c: i for i, n in enumerate(nodes) for c in n.get("children", ())}
        for j in self.gskin["joints"]:
            node = nodes[j]
            record = self.objects[node["name"]]
            self.assertEqual("joint", record.kind)
            self.assertEqual(nodes[parent_of[j]]["name"], self.by_id[record.parent].name, node["name"])
            np.testing.assert_allclose(node.get("translation", (0, 0, 0)), record.translation, atol=EPSILON, err_msg=node["name"])
            np.testing.assert_allclose(node.get("scale", (1, 1, 1)), record.scale, atol=EPSILON, err_msg=node["name"])
            self.assertLess(_rotation_distance(node.get("rotation", (0, 0, 0, 1)), record.rotation), EPSILON, node["name"])
        self.assertEqual("armature", self.objects["Rig"].kind)
        self.assertEqual(self.objects["Rig"].uuid, self.objects["Hips"].parent)
        self.assertEqual(self.objects["Rig"].uuid, self.objects["IK.L"].parent)  # a second root bone

    def test_objects_parented_to_bones_are_children_of_their_joints_with_the_exporters_trs(self):
        nodes = self.glb.doc["nodes"]
        parent_of = {c: i for i, n in enumerate(nodes) for c in n.get("children", ())}
        for name, bone in (("Hat", "Head"), ("Socket.L", "Hand.L")):
            i = next(k for k, n in enumerate(nodes) if n["name"] == name)
            self.assertEqual(bone, nodes[parent_of[i]]["name"])
            record = self.objects[name]
            self.assertEqual(self.objects[bone].uuid, record.parent)
            np.testing.assert_allclose(nodes[i].get("translation", (0, 0, 0)), record.translation, atol=EPSILON, err_msg=name)
            self.assertLess(_rotation_distance(nodes[i].get("rotation", (0, 0, 0, 1)), record.rotation), EPSILON, name)
            np.testing.assert_allclose(nodes[i].get("scale", (1, 1, 1)), record.scale, atol=EPSILON, err_msg=name)

    def test_inverse_bind_matrices_are_the_exporters_within_epsilon(self):
        # Ours are in the armature's space, the exporter's in the world's: ours = theirs @ the Rig node's world matrix.
        theirs = self.glb.accessor(self.gskin["inverseBindMatrices"])
        ours = self.array(self.skin.inverse_bind_matrices)
        self.assertEqual((18, 16), ours.shape)
        nodes = self.glb.doc["nodes"]
        at = next(i for i, n in enumerate(nodes) if n["name"] == "Rig")
        self.assertFalse(any(at in n.get("children", ()) for n in nodes), "Rig is a root node: its local matrix is its world matrix")
        rig = nodes[at]
        x, y, z, w = rig.get("rotation", (0, 0, 0, 1))
        world = np.array(Matrix.LocRotScale(Vector(rig.get("translation", (0, 0, 0))), Quaternion((w, x, y, z)), Vector(rig.get("scale", (1, 1, 1)))))
        for i in range(18):
            theirs_i = theirs[i].reshape(4, 4).T  # column-major → rows
            np.testing.assert_allclose(theirs_i @ world, ours[i].reshape(4, 4).T, atol=10 * EPSILON, err_msg=f"joint {i}")
        self.assertGreater(np.abs(theirs - ours).max(), 1e-3, "the sample's armature is moved, so the two spaces differ")

    def test_every_exported_vertex_has_a_vertex_here_with_its_weights_and_morph_deltas(self):
        theirs = self._exported_rows()
        ours = self._our_rows()
        self.assertEqual(len(theirs), len(ours), "vertex counts")
        unmatched = _unmatched(theirs, ours)
        self.assertEqual([], unmatched[:5], f"{len(unmatched)} of the exporter's {len(theirs)} vertices have no match")

    def test_the_comparison_finds_a_vertex_whose_weights_differ(self):
        theirs, ours = self._exported_rows(), self._our_rows()
        w = ours["WEIGHTS_0"]
        w[100] = w[100][::-1]
        self.assertEqual(1, len(_unmatched(theirs, ours)))

    def test_morph_targets_have_the_exporters_names_and_weights_and_vertices_beyond_four_are_reported(self):
        mesh = self.glb.doc["meshes"][self.glb.node("Body")["mesh"]]
        record = self.meshes[self.objects["Body"].mesh]
        self.assertEqual(mesh["extras"]["targetNames"], [t.name for t in record.targets])
        np.testing.assert_allclose(mesh["weights"], record.weights, atol=1e-7)
        self.assertTrue(all(t.normal is not None for t in record.targets))
        lossy = [i for i in self.adapter.index.not_synced() if i.code == "LOSSY" and i.type == "MESH"]
        self.assertEqual(1, len(lossy), lossy)
        self.assertIn("vertices lost influences beyond 4", lossy[0].reason)
        self.assertEqual(record.uuid, lossy[0].uuid)

    def test_an_armature_modifier_does_not_make_a_mesh_derived(self):
        record = self.meshes[self.objects["Body"].mesh]
        self.assertEqual((), record.derived)
        self.assertEqual(self.made["Body"].data[PROP], record.uuid)  # the datablock's record, writable from Unity

    # ---- rows -------------------------------------------------------------------------------

    def _exported_rows(self):
        prim = self.glb.doc["meshes"][self.glb.node("Body")["mesh"]]["primitives"]
        self.assertEqual(1, len(prim))
        prim = prim[0]
        rows = {k: self.glb.accessor(v) for k, v in prim["attributes"].items()}
        rows["TEXCOORD_0"][:, 1] = 1.0 - rows["TEXCOORD_0"][:, 1]
        for i, t in enumerate(prim["targets"]):
            rows[f"MORPH_{i}_POSITION"] = self.glb.accessor(t["POSITION"])
            rows[f"MORPH_{i}_NORMAL"] = self.glb.accessor(t["NORMAL"])
        return rows

    def _our_rows(self):
        """Our record's vertices as the exporter writes a skinned mesh: positions in world space (the
        object's world matrix applied), normals turned by the armature's (canonical)."""
        body, rig = self.made["Body"], self.made["Rig"]
        record = self.meshes[self.objects["Body"].mesh]
        world = K @ np.array(body.matrix_world) @ np.linalg.inv(K)
        apply = (rig.matrix_world.inverted_safe() @ body.matrix_world).to_3x3().inverted_safe().transposed()
        turn = K[:3, :3] @ np.array(rig.matrix_world.to_3x3() @ apply) @ np.linalg.inv(K[:3, :3])
        rows = {k: self.array(v, U16 if k == "JOINTS_0" else F32) for k, v in record.attributes.items()}
        rows["POSITION"] = rows["POSITION"] @ world[:3, :3].T + world[:3, 3]
        rows["NORMAL"] = rows["NORMAL"] @ turn.T
        for i, t in enumerate(record.targets):
            rows[f"MORPH_{i}_POSITION"] = self.array(t.position) @ world[:3, :3].T
            rows[f"MORPH_{i}_NORMAL"] = self.array(t.normal) @ turn.T
        return rows


TOLERANCES = {"POSITION": 1e-5, "NORMAL": 1e-5, "TEXCOORD_0": 1e-6, "JOINTS_0": 0.0, "WEIGHTS_0": 1e-6}


def _influences_in_one_order(rows):
    """JOINTS_0/WEIGHTS_0 rows each sorted by weight descending then joint: the exporter keeps Blender's
    group order among equal weights, VibeSync sorts them by joint (CONTENT-V4 §4)."""
    joints, weights = rows["JOINTS_0"], rows["WEIGHTS_0"]
    order = np.array([np.lexsort((j, -np.round(w, 6))) for j, w in zip(joints, weights)])
    rows["JOINTS_0"] = np.take_along_axis(joints, order, axis=1)
    rows["WEIGHTS_0"] = np.take_along_axis(weights, order, axis=1)
    return rows


def _unmatched(theirs, ours):
    """The exporter's vertices (index) with no vertex of ours equal in every attribute within its
    tolerance (positions matched first, then every attribute of the candidates)."""
    keys = sorted(theirs)
    assert keys == sorted(ours), (keys, sorted(ours))
    theirs, ours = _influences_in_one_order(dict(theirs)), _influences_in_one_order(dict(ours))
    p, q = theirs["POSITION"], ours["POSITION"]
    out = []
    for start in range(0, len(p), 512):
        d = np.abs(p[start:start + 512, None, :] - q[None, :, :]).max(axis=2)
        for row, i in enumerate(range(start, min(start + 512, len(p)))):
            candidates = np.flatnonzero(d[row] <= TOLERANCES["POSITION"])
            if not any(all(np.abs(theirs[k][i] - ours[k][c]).max() <= TOLERANCES.get(k, 2e-5) for k in keys)
                       for c in candidates):
                out.append(i)
    return out


class BoneIdentityTests(unittest.TestCase, Attached):
    def setUp(self):
        self.attach()

    def joint_ids(self):
        return {o.name: o.uuid for o in self.adapter.last_scene.objects if o.kind == "joint"}

    def test_bone_ids_survive_edit_mode_and_renames(self):
        before = self.joint_ids()
        rig = self.made["Rig"]
        bpy.context.view_layer.objects.active = rig
        bpy.ops.object.mode_set(mode="EDIT")
        rig.data.edit_bones["Tail3"].name = "TailTip"
        self.adapter.attach()  # read while in edit mode: the edit bones
        in_edit = self.joint_ids()
        bpy.ops.object.mode_set(mode="OBJECT")
        self.adapter.attach()
        after = self.joint_ids()
        self.assertEqual(before["Tail3"], in_edit["TailTip"])
        self.assertEqual(before["Tail3"], after["TailTip"])
        self.assertEqual(before["Hips"], after["Hips"])
        self.assertEqual(len(before), len(after))

    def test_a_duplicated_armature_gets_new_bone_ids_and_the_original_keeps_its_own(self):
        before = self.joint_ids()
        rig = self.made["Rig"]
        copy = rig.copy()
        copy.data = rig.data.copy()
        bpy.context.scene.collection.objects.link(copy)
        self.adapter.attach()
        records = [o for o in self.adapter.last_scene.objects if o.kind == "joint"]
        self.assertEqual(36, len(records))
        self.assertEqual(36, len({o.uuid for o in records}))
        ids = {rig.data.bones[n][armatures.BONE_PROP] for n in before}
        self.assertEqual(set(before.values()), ids)  # the original's bones kept their IDs
        self.assertTrue(ids.isdisjoint(b[armatures.BONE_PROP] for b in copy.data.bones))

    def test_a_bone_duplicated_in_edit_mode_gets_an_id_of_its_own(self):
        rig = self.made["Rig"]
        bpy.context.view_layer.objects.active = rig
        bpy.ops.object.mode_set(mode="EDIT")
        copy = rig.data.edit_bones.new("Extra")
        copy.head, copy.tail = (0, 0, 2), (0, 0, 2.1)
        copy[armatures.BONE_PROP] = rig.data.edit_bones["Head"][armatures.BONE_PROP]  # what Shift+D copies
        bpy.ops.object.mode_set(mode="OBJECT")
        self.adapter.attach()
        ids = self.joint_ids()
        self.assertEqual(19, len(set(ids.values())))
        self.assertNotEqual(ids["Head"], ids["Extra"])
        self.assertEqual(19, len(self.adapter.last_scene.skins[0].joints))

    def test_a_linked_duplicate_armature_syncs_as_an_object_without_a_second_set_of_joints(self):
        rig = self.made["Rig"]
        twin = rig.copy()  # shares the armature data
        bpy.context.scene.collection.objects.link(twin)
        self.adapter.attach()
        self.assertEqual(18, sum(1 for o in self.adapter.last_scene.objects if o.kind == "joint"))
        self.assertIn(twin.name, {o.name for o in self.adapter.last_scene.objects})
        self.assertTrue(any("shares its armature data" in i.reason for i in self.adapter.index.not_synced()))


def _operations(scene):
    """The operations that make ``scene`` (a Blender read of the rigged character) in an empty file, in
    an order each can apply in: the armature, its joints parents first, meshes, the skin, the objects."""
    from vibesync_blender.operations import Operation
    ops = []
    objects = {o.uuid: o for o in scene.objects}

    def create(o, **extra):
        ops.append(Operation("create_object", o.uuid, dict(name=o.name, kind=o.kind, parent=o.parent, translation=o.translation,
                                                          rotation=o.rotation, scale=o.scale, visible=o.visible, **extra)))
    for o in scene.objects:
        if o.kind == "armature":
            create(o)
    for o in scene.objects:
        if o.kind == "joint":
            create(o)
    for m in scene.meshes:
        ops.append(Operation("create_mesh", m.uuid, dict(vertex_count=m.vertex_count, attributes=m.attributes,
                                                         primitives=m.primitives, targets=m.targets, weights=m.weights)))
    for s in scene.skins:
        ops.append(Operation("create_skin", s.uuid, dict(name=s.name, joints=s.joints,
                                                         inverse_bind_matrices=s.inverse_bind_matrices, skeleton=s.skeleton)))
    for o in scene.objects:
        if o.kind not in ("armature", "joint"):
            extra = dict(mesh=o.mesh, materials=o.materials, skin=o.skin) if o.kind == "mesh" else {}
            create(o, **extra)
    assert len(objects) == sum(1 for op in ops if op.op == "create_object")
    return ops


def _operations_json(scene):
    """The same as JSON, in the form the change detector sends new content: the armature and joints
    (parents first), the meshes, the skin after its joints, the other objects, then set_skin."""
    from vibesync_blender.protocol.scene_json import mesh_json
    from vibesync_blender.runtime.changes import _create, _create_skin, _parents_first
    objects = _parents_first([o for o in scene.objects if o.kind in ("armature", "joint")])
    others = [o for o in scene.objects if o.kind not in ("armature", "joint")]
    return ([op for o in objects for op in _create(o)] + [dict({"op": "create_mesh"}, **mesh_json(m)) for m in scene.meshes]
            + [_create_skin(k) for k in scene.skins] + [op for o in _parents_first(others) for op in _create(o)]
            + [{"op": "set_skin", "uuid": o.uuid, "skin": o.skin} for o in others if o.skin is not None])


class WritingTests(unittest.TestCase, Attached):
    """Read → write into an empty file through the writer (the APPLY path) → read: the same records."""

    def setUp(self):
        self.attach()

    def rebuild(self, through_apply=False):
        from vibesync_blender.scene.writing import Writer
        first, blobs = self.scene, self.adapter.blobs
        held = {b: blobs.get(b) for b in first.blob_ids()}
        bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
        self.adapter = BlenderAdapter(MainThreadQueue())
        self.adapter.attach()
        for b, (shape, data) in held.items():
            self.adapter.blobs.put(b, shape, bytes(data))
        if through_apply:  # the real path: operations as JSON, read by operations.py, applied, finalized
            from vibesync_blender.link import MessageType
            typ, reply = self.adapter.apply(1, _operations_json(first))
            self.assertEqual(MessageType.APPLIED, typ, reply)
            self.adapter.finalize([1])
        else:
            writer = Writer(self.adapter.scene, self.adapter.index, self.adapter.blobs)
            provisional = writer.apply(1, _operations(first))
            writer.finalize(provisional)
        self.adapter.attach()
        self.read()
        self.held = held
        return first

    def before(self, bid, element=F32):
        """A blob of the first read (the second attach keeps only the blobs it reports)."""
        shape, data = self.held[bid]
        return np.frombuffer(bytes(data), dtype="<u2" if element == U16 else "<f4").reshape(shape.count, shape.components).astype(np.float64)

    def test_a_rig_read_and_written_into_an_empty_file_reads_back_the_same_records(self):
        self.check_the_same(self.rebuild())

    def test_the_same_through_an_apply_of_the_operations_the_change_detector_sends_for_new_content(self):
        self.check_the_same(self.rebuild(through_apply=True))

    def check_the_same(self, first):
        again = self.scene
        self.assertEqual(sorted(o.uuid for o in first.objects), sorted(o.uuid for o in again.objects))
        after = {o.uuid: o for o in again.objects}
        for o in first.objects:
            a = after[o.uuid]
            self.assertEqual((o.name, o.kind, o.parent, o.visible, o.mesh, o.skin), (a.name, a.kind, a.parent, a.visible, a.mesh, a.skin), o.name)
            np.testing.assert_allclose(o.translation, a.translation, atol=EPSILON, err_msg=o.name)
            np.testing.assert_allclose(o.scale, a.scale, atol=EPSILON, err_msg=o.name)
            self.assertLess(_rotation_distance(o.rotation, a.rotation), EPSILON, o.name)
        (skin,), (skin_again,) = first.skins, again.skins
        self.assertEqual((skin.uuid, skin.name, skin.joints), (skin_again.uuid, skin_again.name, skin_again.joints))
        np.testing.assert_allclose(self.before(skin.inverse_bind_matrices), self.array(skin_again.inverse_bind_matrices), atol=EPSILON)
        before = {m.uuid: m for m in first.meshes}
        for m in again.meshes:
            b = before[m.uuid]
            self.assertEqual(b.vertex_count, m.vertex_count)
            self.assertEqual(sorted(b.attributes), sorted(m.attributes))
            if "JOINTS_0" in b.attributes:  # equal weights may swap places: compare each vertex's influences as one order
                influences = [_influences_in_one_order({k: read(r.attributes[k], U16 if k == "JOINTS_0" else F32)
                                                        for k in ("JOINTS_0", "WEIGHTS_0")})
                              for r, read in ((b, self.before), (m, self.array))]
                np.testing.assert_array_equal(influences[0]["JOINTS_0"], influences[1]["JOINTS_0"])
                np.testing.assert_allclose(influences[0]["WEIGHTS_0"], influences[1]["WEIGHTS_0"], atol=1e-6)
            for semantic in set(b.attributes) - {"JOINTS_0", "WEIGHTS_0"}:
                element = F32
                tolerance = {"NORMAL": 2e-4, "JOINTS_0": 0.0}.get(semantic, 1e-6)
                np.testing.assert_allclose(self.before(b.attributes[semantic], element), self.array(m.attributes[semantic], element),
                                           atol=tolerance, err_msg=f"{semantic} of {m.uuid}")
            self.assertEqual([t.name for t in b.targets], [t.name for t in m.targets])
            np.testing.assert_allclose(b.weights, m.weights, atol=1e-7)
            for t, u in zip(b.targets, m.targets):
                np.testing.assert_allclose(self.before(t.position), self.array(u.position), atol=1e-6, err_msg=t.name)
                np.testing.assert_allclose(self.before(t.normal), self.array(u.normal), atol=2e-4, err_msg=t.name)

    def test_set_morph_weights_through_an_apply_moves_the_shape_key_sliders_and_rolls_back(self):
        from vibesync_blender.link import MessageType
        keys = self.made["Body"].data.shape_keys.key_blocks
        mesh = self.objects["Body"].mesh
        typ, reply = self.adapter.apply(1, [{"op": "set_morph_weights", "uuid": mesh, "weights": [0.0, 0.0, 0.25]}])
        self.assertEqual(MessageType.APPLIED, typ, reply)
        self.assertEqual([0.0, 0.0, 0.25], [round(keys[n].value, 6) for n in ("Smile", "Blink", "SmileWide")])
        self.assertEqual((0.0, 0.0, 0.25), next(m.weights for m in self.adapter.canonical({mesh}).meshes))
        # Blink is animated (the action "Blinking"): its weight is the animation's, never a slider's
        typ, reply = self.adapter.apply(3, [{"op": "set_morph_weights", "uuid": mesh, "weights": [0.0, 1.0, 0.25]}])
        self.assertEqual((MessageType.ERROR, "INVALID_VALUE"), (typ, reply["code"]), reply)
        self.assertIn("Blinking", reply["message"])
        typ, reply = self.adapter.apply(2, [{"op": "set_morph_weights", "uuid": mesh, "weights": [0.5]}])
        self.assertEqual((MessageType.ERROR, "INVALID_VALUE"), (typ, reply["code"]), reply)  # one weight per target
        self.adapter.rollback(1)
        self.assertAlmostEqual(0.3, keys["Smile"].value, places=6)
        self.assertEqual(0.0, keys["Blink"].value)

    def test_moving_a_joint_keeps_its_childrens_local_transforms_and_rolls_back(self):
        from vibesync_blender.operations import Operation
        from vibesync_blender.scene.writing import Writer
        rig = self.made["Rig"]
        chest = self.objects["Chest"]
        heads = {b.name: b.head_local.copy() for b in rig.data.bones}
        writer = Writer(self.adapter.scene, self.adapter.index, self.adapter.blobs)
        moved = (chest.translation[0] + 0.1, chest.translation[1], chest.translation[2])
        p = writer.apply(1, [Operation("set_transform", chest.uuid, {"translation": moved})])
        self.adapter.attach()
        after = {o.name: o for o in self.adapter.last_scene.objects}
        np.testing.assert_allclose(moved, after["Chest"].translation, atol=EPSILON)
        for name in ("Neck", "Shoulder.L", "UpperArm.R"):
            np.testing.assert_allclose(self.objects[name].translation, after[name].translation, atol=EPSILON, err_msg=name)
        self.assertGreater((rig.data.bones["Head"].head_local - heads["Head"]).length, 0.05)  # descendants moved along
        writer.rollback(p)
        for b in rig.data.bones:
            self.assertLess((b.head_local - heads[b.name]).length, 1e-6, b.name)

    def test_a_joint_cannot_be_scaled_or_parented_to_its_descendant(self):
        from vibesync_blender.operations import Operation
        from vibesync_blender.scene.writing import ApplyError, Writer
        writer = Writer(self.adapter.scene, self.adapter.index, self.adapter.blobs)
        with self.assertRaises(ApplyError) as e:
            writer.apply(1, [Operation("set_transform", self.objects["Chest"].uuid, {"scale": (2.0, 2.0, 2.0)})])
        self.assertIn("no rest scale", e.exception.message)
        with self.assertRaises(ApplyError) as e:
            writer.apply(2, [Operation("set_parent", self.objects["Spine"].uuid, {"parent": self.objects["Head"].uuid})])
        self.assertIn("Cycle", e.exception.message)


class HumanEditTests(unittest.TestCase, Attached):
    """Edits a human makes in Blender become the new operations (the change detector, no orchestrator)."""

    def setUp(self):
        from vibesync_blender.runtime.changes import ChangeDetector
        from .harness import Clock
        self.attach()
        self.sent, self.clock = [], Clock()
        self.detector = ChangeDetector(self.adapter, lambda t, p: self.sent.append(p), clock=self.clock)
        self.adapter.on_changed = self.detector.refresh
        self.detector.reset()
        self.handler = lambda scene, dg: self.detector.on_depsgraph(dg)
        bpy.app.handlers.depsgraph_update_post.append(self.handler)

    def tearDown(self):
        bpy.app.handlers.depsgraph_update_post.remove(self.handler)

    def edits(self):
        bpy.context.view_layer.update()
        self.clock.now += 1.0
        self.detector.tick()
        return [op for p in self.sent if "operations" in p for op in p["operations"]]  # not the HUMAN_ACTIVE locks

    def test_dragging_a_shape_key_slider_sends_set_morph_weights_not_the_mesh(self):
        self.made["Body"].data.shape_keys.key_blocks["SmileWide"].value = 0.75
        ops = self.edits()
        self.assertEqual([{"op": "set_morph_weights", "uuid": self.objects["Body"].mesh, "weights": [0.30000001192092896, 0.0, 0.75]}], ops)

    def test_a_slider_an_animation_drives_is_not_an_edit(self):
        self.made["Body"].data.shape_keys.key_blocks["Blink"].value = 0.75  # Blinking's curve says 0 at the start frame
        self.assertEqual([], self.edits())

    def test_moving_a_bone_in_edit_mode_sends_its_joints_new_rest_transform(self):
        rig = self.made["Rig"]
        bpy.context.view_layer.objects.active = rig
        bpy.ops.object.mode_set(mode="EDIT")
        try:
            bone = rig.data.edit_bones["Tail4"]
            bone.head.z += 0.05
            bone.tail.z += 0.05
            ops = self.edits()
        finally:
            bpy.ops.object.mode_set(mode="OBJECT")
        uid = self.objects["Tail4"].uuid
        self.assertIn(uid, {op["uuid"] for op in ops if op["op"] == "set_transform"}, ops)
        self.assertIn(self.skin_id(), {op["uuid"] for op in ops if op["op"] == "update_skin"}, ops)  # its bind matrix moved

    def skin_id(self):
        return self.scene.skins[0].uuid
