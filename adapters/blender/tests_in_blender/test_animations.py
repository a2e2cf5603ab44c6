"""Actions ⇄ animation records in real Blender (issue #19 item 3; CONTENT-V4 §5), on the rigged sample
(samples/rigged_character.py): the keyed form compared with Blender's F-curves and with the pose and
transforms Blender itself evaluates at those times (joint, object and shape-key channels, LINEAR, STEP
and CUBICSPLINE, an NLA strip, a driven channel sampled); records of animated things hold the start
frame's values and scrubbing makes no edit; keyframe edits, new and removed actions become operations;
the three operations applied, read back and rolled back; bad keyframes refused with nothing changed."""

import math
import struct
import unittest

import bpy
import numpy as np

from vibesync_blender.link import MessageType
from vibesync_blender.protocol import convert
from vibesync_blender.protocol.blobs import F32
from vibesync_blender.protocol.rigging_json import animation_json, channel_json
from vibesync_blender.runtime.adapter import BlenderAdapter
from vibesync_blender.runtime.mainqueue import MainThreadQueue
from vibesync_blender.scene import animations, armatures, meshes

from .harness import Watch
from .scenes import load_sample

RIGGED = load_sample("rigged_character")
FPS = 24.0


def sample(times, values, interpolation, t):
    """A glTF sampler's value at time ``t`` (values (elements, components); CUBICSPLINE as glTF's Hermite)."""
    times = np.asarray(times, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if t <= times[0] or t >= times[-1]:
        k = 0 if t <= times[0] else len(times) - 1
        return values[3 * k + 1] if interpolation == "CUBICSPLINE" else values[k]
    k = int(np.searchsorted(times, t, side="right")) - 1
    d = times[k + 1] - times[k]
    s = (t - times[k]) / d
    if interpolation == "STEP":
        return values[k]
    if interpolation == "LINEAR":
        return values[k] * (1 - s) + values[k + 1] * s
    p0, m0 = values[3 * k + 1], values[3 * k + 2] * d
    p1, m1 = values[3 * k + 4], values[3 * k + 3] * d
    return ((2 * s ** 3 - 3 * s ** 2 + 1) * p0 + (s ** 3 - 2 * s ** 2 + s) * m0 + (-2 * s ** 3 + 3 * s ** 2) * p1
            + (s ** 3 - s ** 2) * m1)


def same_rotation(a, b):
    a, b = np.asarray(a) / np.linalg.norm(a), np.asarray(b) / np.linalg.norm(b)
    return min(np.abs(a - b).max(), np.abs(a + b).max())


def go_to(seconds):
    frame = seconds * FPS
    if abs(frame - round(frame)) < 1e-4:  # a key's time in float32: exactly its frame
        frame = round(frame)
    whole = math.floor(frame)
    bpy.context.scene.frame_set(int(whole), subframe=frame - whole)


class Attached:
    def attach(self):
        self.made = RIGGED.build()
        self.adapter = BlenderAdapter(MainThreadQueue())
        self.adapter.attach()
        Attached.read(self)  # self may be a test class (setUpClass)

    def read(self, scene=None):
        self.scene = scene or self.adapter.last_scene
        self.names = {o.uuid: o.name for o in self.scene.objects}
        self.ids = {o.name: o.uuid for o in self.scene.objects}
        self.clips = {a.name: a for a in self.scene.animations}

    def channel(self, clip, target, path):
        return next(c for c in self.clips[clip].channels if c.target == self.ids[target] and c.path == path)

    def arrays(self, c):
        times = meshes.blob_array(self.adapter.blobs, c.times, F32).reshape(-1).astype(np.float64)
        return times, meshes.blob_array(self.adapter.blobs, c.values, F32).astype(np.float64)

    def put(self, values, components):
        return meshes.put_blob(self.adapter.blobs, F32, np.asarray(values, dtype=np.float32).reshape(-1, components))


def joint_pose(rig, bone_name):
    """A bone's joint node in the pose Blender evaluated, canonical (t, r xyzw), independent of the maps."""
    rig = bpy.data.objects[rig]
    pb = rig.pose.bones[bone_name]
    local = pb.matrix @ armatures.K if pb.parent is None else armatures.K_INV @ pb.parent.matrix.inverted() @ pb.matrix @ armatures.K
    t, q, _ = local.decompose()
    return convert.translation_from_blender(tuple(t), False, 1.0), convert.rotation_from_blender((q.x, q.y, q.z, q.w), False, False)


class KeyedFormTests(unittest.TestCase, Attached):
    @classmethod
    def setUpClass(cls):
        Attached.attach(cls)

    def tearDown(self):
        bpy.context.scene.frame_set(1)

    def test_one_action_is_one_animation_and_only_single_strip_nla_tracks_count(self):
        self.assertEqual({"Wave", "Idle", "Blinking", "PropMove"}, set(self.clips))  # not Step1/Step2 (a two-strip track)
        for name, clip in self.clips.items():
            self.assertEqual(bpy.data.actions[name][animations.ACTION_PROP], clip.uuid)
            self.assertEqual(FPS, clip.frame_rate)
        self.assertEqual([self.ids["Head"]], [c.target for c in self.clips["Idle"].channels])

    def test_times_are_each_keyframes_frame_over_the_frame_rate(self):
        for clip, target, path, data_path in (("Wave", "Chest", "rotation", 'pose.bones["Chest"].rotation_quaternion'),
                                              ("Wave", "Tail1", "translation", 'pose.bones["Tail1"].location'),
                                              ("Wave", "UpperArm.L", "rotation", 'pose.bones["UpperArm.L"].rotation_quaternion'),
                                              ("PropMove", "Prop", "translation", "location"),
                                              ("Blinking", "Body", "weights", 'key_blocks["Blink"].value')):
            fc = next(f for f in bpy.data.actions[clip].fcurves if f.data_path == data_path)
            times, _ = self.arrays(self.channel(clip, target, path))
            np.testing.assert_array_equal(np.float32([kp.co[0] / FPS for kp in fc.keyframe_points]), np.float32(times), err_msg=target)

    def test_interpolations_map_linear_constant_and_bezier_at_thirds(self):
        expect = {("Wave", "Chest", "rotation"): "LINEAR", ("Wave", "Tail1", "translation"): "STEP",
                  ("Wave", "UpperArm.L", "rotation"): "CUBICSPLINE", ("PropMove", "Prop", "translation"): "CUBICSPLINE",
                  ("Blinking", "Body", "weights"): "LINEAR"}
        for (clip, target, path), interpolation in expect.items():
            c = self.channel(clip, target, path)
            self.assertEqual((interpolation, False), (c.interpolation, c.sampled), (clip, target, path))

    def test_joint_channels_are_the_pose_blender_evaluates_as_joint_nodes(self):
        for target, path, at in (("Chest", "rotation", "keys"), ("Tail1", "translation", "all"), ("UpperArm.L", "rotation", "all"),
                                 ("Forearm.L", "rotation", "all"), ("Hips", "translation", "all")):
            c = self.channel("Wave", target, path)
            times, values = self.arrays(c)
            probes = list(times) if at == "keys" else sorted(set(times) | {(a + b) / 2 for a, b in zip(times, times[1:])}
                                                              | {a + (b - a) / 3 for a, b in zip(times, times[1:])})
            for t in probes:
                go_to(t)
                want = joint_pose("Rig", target)[0 if path == "translation" else 1]
                got = sample(times, values, c.interpolation, t)
                if path == "rotation":
                    self.assertLess(same_rotation(want, got), 2e-5, (target, t))
                else:
                    np.testing.assert_allclose(want, got, atol=2e-6, err_msg=f"{target} at {t}")

    def test_an_object_channel_is_its_transform_converted_like_its_record(self):
        prop = bpy.data.objects["Prop"]
        tc = self.channel("PropMove", "Prop", "translation")
        rc = self.channel("PropMove", "Prop", "rotation")
        times, values = self.arrays(tc)
        for t in sorted(set(times) | {a + (b - a) * s for a, b in zip(times, times[1:]) for s in (0.25, 0.5, 0.8)}):
            go_to(t)
            want = convert.translation_from_blender(tuple(prop.matrix_world.to_translation()), False, 1.0)
            np.testing.assert_allclose(want, sample(times, values, "CUBICSPLINE", t), atol=2e-6, err_msg=str(t))
        rtimes, rvalues = self.arrays(rc)
        for t in rtimes:
            go_to(t)
            q = prop.matrix_world.to_quaternion()
            self.assertLess(same_rotation(convert.rotation_from_blender((q.x, q.y, q.z, q.w), False, False),
                                          sample(rtimes, rvalues, "LINEAR", t)), 2e-6)

    def test_a_linear_quaternion_turning_further_than_slerp_follows_is_sampled_as_blender_plays_it(self):
        # Prop turns 1 rad in 12 frames and Head (Idle) 0.4 rad in 20: Blender's component lerp departs
        # from glTF's slerp by 2e-3 and 1.3e-4; the Chest's 0.3 rad in 15 frames (5e-5) stays keyed.
        lossy = {i.name: i.reason for i in self.adapter.index.not_synced() if i.type == "ACTION"}
        prop = bpy.data.objects["Prop"]
        for clip, target, reason in (("PropMove", "Prop", "Prop rotation: its LINEAR quaternion turns too far between frames 1 and 13"),
                                     ("Idle", "Head", "Head rotation: its LINEAR quaternion turns too far between frames 1 and 21")):
            c = self.channel(clip, target, "rotation")
            self.assertEqual(("LINEAR", True), (c.interpolation, c.sampled), clip)
            self.assertIn(reason, lossy[clip])
        times, values = self.arrays(self.channel("PropMove", "Prop", "rotation"))
        np.testing.assert_allclose(times * FPS, np.arange(1, 26), atol=1e-4)
        for t in times[:13]:
            go_to(t)
            q = prop.matrix_world.to_quaternion()
            self.assertLess(same_rotation(convert.rotation_from_blender((q.x, q.y, q.z, q.w), False, False),
                                          sample(times, values, "LINEAR", t)), 2e-6, t)

    def test_a_driven_scale_is_sampled_at_every_frame_from_the_driver(self):
        c = self.channel("PropMove", "Prop", "scale")
        self.assertEqual(("LINEAR", True), (c.interpolation, c.sampled))
        times, values = self.arrays(c)
        np.testing.assert_allclose(times * FPS, np.arange(1, 26), atol=1e-4)  # the action's frame range, every frame
        np.testing.assert_allclose(values[:, 0], 1 + np.arange(1, 26) / 50, atol=1e-6)  # the driver's, not the curve's
        np.testing.assert_allclose(values[:, 1], np.where(np.arange(1, 26) < 13, 1.0, 1.5), atol=1e-6)  # canonical Y = Blender Z
        lossy = {i.name: i.reason for i in self.adapter.index.not_synced() if i.type == "ACTION"}
        self.assertIn("Prop scale: a driver sets it", lossy["PropMove"])
        self.assertIn("Hips translation: its components are keyed in part", lossy["Wave"])

    def test_shape_key_weights_are_the_key_values_keyframe_major(self):
        c = self.channel("Blinking", "Body", "weights")
        times, values = self.arrays(c)
        rows = values.reshape(len(times), 3)  # Smile, Blink, SmileWide
        keys = self.made["Body"].data.shape_keys.key_blocks
        for t, row in zip(times, rows):
            go_to(t)
            np.testing.assert_allclose(row, [keys["Smile"].value, keys["Blink"].value, keys["SmileWide"].value], atol=1e-6)


class SampledTests(unittest.TestCase):
    def tearDown(self):
        bpy.context.scene.frame_set(1)

    def test_a_shape_key_a_driver_sets_samples_the_weights_channel_from_blender_per_frame(self):
        made = RIGGED.build()
        driver = made["Body"].data.shape_keys.key_blocks["Smile"].driver_add("value").driver
        driver.type, driver.expression = "SCRIPTED", "frame / 100"
        adapter = BlenderAdapter(MainThreadQueue(), log=lambda *a: None)
        adapter.attach()
        clip = next(a for a in adapter.last_scene.animations if a.name == "Blinking")
        c = clip.channels[0]
        self.assertEqual(("weights", "LINEAR", True), (c.path, c.interpolation, c.sampled))
        times = meshes.blob_array(adapter.blobs, c.times, F32).reshape(-1)
        rows = meshes.blob_array(adapter.blobs, c.values, F32).reshape(len(times), 3)
        np.testing.assert_allclose(times * FPS, np.arange(1, 10), atol=1e-4)  # Blinking's keys span frames 1…9
        np.testing.assert_allclose(rows[:, 0], np.arange(1, 10) / 100, atol=1e-6)  # the driver's Smile
        np.testing.assert_allclose(rows[:, 1], [0, 0.25, 0.5, 0.75, 1, 0.75, 0.5, 0.25, 0], atol=1e-6)  # Blink's LINEAR keys
        self.assertEqual(1, bpy.context.scene.frame_current)  # put back where it was

    def test_an_f_curve_modifier_and_an_euler_rotation_are_sampled_with_their_reason(self):
        made = RIGGED.build()
        chest = next(fc for fc in bpy.data.actions["Wave"].fcurves if fc.data_path == 'pose.bones["Chest"].rotation_quaternion')
        chest.modifiers.new("NOISE")
        bpy.data.actions["Wave"].update_tag()  # as the Graph Editor does: Blender's evaluated copy gets the modifier
        prop = made["Prop"]
        prop.rotation_mode = "XYZ"
        for i, a in enumerate((0.0, 0.5, 1.0)):
            prop.rotation_euler = (0.0, 0.0, a)
            prop.keyframe_insert("rotation_euler", frame=1 + 10 * i)
        adapter = BlenderAdapter(MainThreadQueue(), log=lambda *a: None)
        adapter.attach()
        ids = {o.name: o.uuid for o in adapter.last_scene.objects}
        clips = {a.name: a for a in adapter.last_scene.animations}
        rot = next(c for c in clips["Wave"].channels if c.target == ids["Chest"])
        self.assertEqual(("LINEAR", True), (rot.interpolation, rot.sampled))
        values = meshes.blob_array(adapter.blobs, rot.values, F32)
        for f in (3, 17, 29):  # the noise Blender evaluates, at each frame
            bpy.context.scene.frame_set(f)
            want = joint_pose("Rig", "Chest")[1]
            self.assertLess(same_rotation(want, values[f - 1]), 2e-5, f)
        spin = next(c for c in clips["PropMove"].channels if c.target == ids["Prop"] and c.path == "rotation")
        self.assertTrue(spin.sampled)
        reasons = {i.name: i.reason for i in adapter.index.not_synced() if i.type == "ACTION"}
        self.assertIn("Chest rotation: an F-curve has modifiers", reasons["Wave"])
        self.assertIn("Prop rotation: its rotation is xyz (not a quaternion)", reasons["PropMove"])


class StartFrameTests(unittest.TestCase, Attached):
    def setUp(self):
        self.attach()

    def tearDown(self):
        bpy.context.scene.frame_set(1)

    def test_an_animated_record_holds_the_start_frame_value_whatever_frame_is_shown(self):
        bpy.context.scene.frame_set(1)
        prop = bpy.data.objects["Prop"]
        at_start = (tuple(prop.location), tuple(prop.scale))
        bpy.context.scene.frame_set(17)
        self.assertNotEqual(at_start, (tuple(prop.location), tuple(prop.scale)))  # Blender shows frame 17
        now = self.adapter.canonical()
        self.assertEqual([o for o in self.scene.objects], [o for o in now.objects])
        self.assertEqual({m.uuid: m.weights for m in self.scene.meshes}, {m.uuid: m.weights for m in now.meshes})
        record = next(o for o in now.objects if o.name == "Prop")
        np.testing.assert_allclose(record.translation, convert.translation_from_blender(at_start[0], False, 1.0), atol=1e-6)

    def test_scrubbing_makes_no_edit_and_locks_nothing(self):
        watch = Watch(self.adapter)
        try:
            for f in (5, 9, 2, 17, 30, 1, 12):
                bpy.context.scene.frame_set(f)
                watch.settle()
            self.assertEqual([], watch.sent)  # neither EDIT nor HUMAN_ACTIVE
        finally:
            watch.close()


class EditTests(unittest.TestCase, Attached):
    def setUp(self):
        self.attach()
        self.watch = Watch(self.adapter)

    def tearDown(self):
        self.watch.close()

    def test_an_action_renamed_sends_rename_of_its_animation(self):
        move = bpy.data.actions["PropMove"]
        move.name = "PropSlide"
        move.update_tag()
        self.watch.settle()
        ops = [op for batch in self.watch.edits() for op in batch]
        self.assertEqual([{"op": "rename", "uuid": self.clips["PropMove"].uuid, "name": "PropSlide"}], ops)
        move.name = "PropMove"
        move.update_tag()
        self.watch.settle()

    def test_a_keyframe_edit_sends_set_animation_channel_for_that_channel_only(self):
        move = bpy.data.actions["PropMove"]
        for fc in move.fcurves:
            if fc.data_path == "location":
                kp = fc.keyframe_points[1]
                kp.co.y += 0.25
                kp.handle_left.y += 0.25
                kp.handle_right.y += 0.25
        move.update_tag()
        self.watch.settle()
        ops = [op for batch in self.watch.edits() for op in batch]
        self.assertEqual(1, len(ops), ops)
        op = ops[0]
        self.assertEqual(("set_animation_channel", self.clips["PropMove"].uuid, self.ids["Prop"], "translation", "CUBICSPLINE", False),
                         (op["op"], op["uuid"], op["target"], op["path"], op["interpolation"], op["sampled"]))
        _, values = self.arrays(type("C", (), {"times": op["times"], "values": op["values"]}))
        _, before = self.arrays(self.channel("PropMove", "Prop", "translation"))
        # the second key's value (element 4: in-tangent, value, out-tangent per key) moved by Blender (¼, ¼, ¼):
        # canonical (x, z, −y)
        np.testing.assert_allclose(values[4] - before[4], [0.25, 0.25, -0.25], atol=1e-6)

    def test_a_new_action_sends_create_animation_and_taking_it_away_delete_animation(self):
        body = self.made["Body"]
        sway = bpy.data.actions.new("Sway")
        for i in range(3):
            fc = sway.fcurves.new("location", index=i)
            fc.keyframe_points.add(2)
            fc.keyframe_points[0].co = (1, 0.0)
            fc.keyframe_points[1].co = (11, 0.1 * (i + 1))
            for kp in fc.keyframe_points:
                kp.interpolation = "LINEAR"
        body.animation_data_create().action = sway
        self.watch.settle()
        ops = [op for batch in self.watch.edits() for op in batch if op["op"].endswith("animation")]
        self.assertEqual(["create_animation"], [op["op"] for op in ops])
        self.assertEqual(("Sway", 24.0, [(self.ids["Body"], "translation", "LINEAR", False)]),
                         (ops[0]["name"], ops[0]["frame_rate"], [(c["target"], c["path"], c["interpolation"], c["sampled"]) for c in ops[0]["channels"]]))
        uid = ops[0]["uuid"]
        self.assertEqual(uid, sway[animations.ACTION_PROP])
        body.animation_data.action = None
        self.watch.settle()
        ops = [op for batch in self.watch.edits() for op in batch if op["op"].endswith("animation")]
        self.assertEqual([("create_animation", uid), ("delete_animation", uid)], [(op["op"], op["uuid"]) for op in ops])


class DeleteTests(unittest.TestCase, Attached):
    def setUp(self):
        self.attach()
        self.watch = Watch(self.adapter)
        twin = bpy.data.objects.new("Twin", None)
        bpy.context.scene.collection.objects.link(twin)
        twin.rotation_mode = "QUATERNION"
        twin.animation_data_create().action = bpy.data.actions["PropMove"]  # PropMove now moves Prop and Twin
        self.watch.settle()

    def tearDown(self):
        self.watch.close()

    def test_deleting_an_animated_object_removes_its_channels_before_the_delete(self):
        clip = self.clips["PropMove"].uuid
        created = [op for batch in self.watch.edits() for op in batch]
        twin = next(op["uuid"] for op in created if op["op"] == "create_object")
        self.assertEqual({"translation", "rotation", "scale"},
                         {op["path"] for op in created if op["op"] == "set_animation_channel" and op["target"] == twin})
        self.watch.sent.clear()
        bpy.data.objects.remove(bpy.data.objects["Twin"])
        self.watch.settle()
        ops = [(op["op"], op.get("target", op["uuid"]), op.get("remove")) for batch in self.watch.edits() for op in batch]
        removals = [("set_animation_channel", twin, True)] * 3
        self.assertEqual(removals + [("delete_object", twin, None)], ops)  # CLOSURE: the channels go first
        self.assertTrue(all(op.get("uuid") == clip for batch in self.watch.edits() for op in batch if op["op"] != "delete_object"))

    def test_deleting_the_only_object_an_action_moves_deletes_the_animation_first(self):
        bpy.data.objects.remove(bpy.data.objects["Twin"])
        self.watch.settle()
        self.watch.sent.clear()
        bpy.data.objects.remove(bpy.data.objects["Prop"])
        self.watch.settle()
        ops = [(op["op"], op["uuid"]) for batch in self.watch.edits() for op in batch]
        self.assertEqual([("delete_animation", self.clips["PropMove"].uuid), ("delete_object", self.ids["Prop"])], ops)


def fingerprints():
    return {a.name: animations.fingerprint(a) for a in bpy.data.actions}


def nla_state():
    out = {}
    for block in list(bpy.data.objects) + list(bpy.data.shape_keys):
        ad = block.animation_data
        if ad is not None:
            out[block.name] = (ad.action.name if ad.action else None,
                               [(t.name, [(s.name, s.action.name if s.action else None, s.mute) for s in t.strips]) for t in ad.nla_tracks])
    return out


class ApplyTests(unittest.TestCase, Attached):
    def setUp(self):
        self.attach()
        self.before = (fingerprints(), nla_state())

    def tearDown(self):
        bpy.context.scene.frame_set(1)

    def apply(self, intent, ops):
        return self.adapter.apply(intent, ops)

    def fresh(self):
        """The scene read again from Blender's F-curves, not from what the writer remembered applying."""
        self.adapter.index.animation_cache.clear()
        return self.adapter.canonical()

    def test_create_animation_lands_as_f_curves_that_read_back_as_the_same_channels(self):
        for n, (clip, uid) in enumerate((("Wave", "a1f00000-0000-4000-8000-000000000001"),
                                         ("PropMove", "a1f00000-0000-4000-8000-000000000002"),
                                         ("Blinking", "a1f00000-0000-4000-8000-000000000003"))):
            record = animation_json(self.clips[clip])
            typ, reply = self.apply(10 + n, [dict(record, op="create_animation", uuid=uid, name=clip + " copy")])
            self.assertEqual(MessageType.APPLIED, typ, reply)
            again = {a.uuid: a for a in self.fresh().animations}[uid]
            self.assertEqual(clip + " copy", again.name)
            original = self.clips[clip]
            self.assertEqual([(c.target, c.path) for c in original.channels], [(c.target, c.path) for c in again.channels])
            for a, b in zip(original.channels, again.channels):
                self.assertEqual(a.interpolation, b.interpolation, (clip, self.names[a.target], a.path))
                ta, va = self.arrays(a)
                tb, vb = self.arrays(b)
                np.testing.assert_allclose(ta, tb, atol=1e-6)
                np.testing.assert_allclose(va, vb, atol=2e-5, err_msg=f"{clip} {self.names[a.target]} {a.path}")
                if not a.sampled:
                    self.assertFalse(b.sampled)
        self.assertIn("Wave copy", [t.name for t in self.made["Rig"].animation_data.nla_tracks])  # the rig plays Wave
        for n in (12, 11, 10):
            self.adapter.rollback(n)
        self.assertEqual(self.before, (fingerprints(), nla_state()))
        self.assertEqual(set(self.clips), {a.name for a in self.fresh().animations})

    def test_the_writers_record_stands_until_blender_changes_the_action(self):
        record = dict(animation_json(self.clips["PropMove"]), op="create_animation", uuid="a1f00000-0000-4000-8000-00000000000a")
        self.assertEqual(MessageType.APPLIED, self.apply(1, [record])[0])
        read = {a.uuid: a for a in self.adapter.canonical().animations}["a1f00000-0000-4000-8000-00000000000a"]
        self.assertEqual(self.clips["PropMove"].channels, read.channels)  # sampled flags and blobs exactly as applied
        bpy.data.actions["PropMove.001"].fcurves[0].keyframe_points[0].co.y += 1.0
        read = {a.uuid: a for a in self.adapter.canonical().animations}["a1f00000-0000-4000-8000-00000000000a"]
        self.assertNotEqual(self.clips["PropMove"].channels, read.channels)

    def test_set_animation_channel_replaces_one_channel_removes_one_and_rolls_back_exactly(self):
        wave = self.clips["Wave"]
        step = {"op": "set_animation_channel", "uuid": wave.uuid, "target": self.ids["Chest"], "path": "rotation",
                "interpolation": "STEP", "times": self.put([0.0, 0.5], 1),
                "values": self.put([0, 0, 0, 1, 0, math.sin(0.2), 0, math.cos(0.2)], 4)}
        gone = {"op": "set_animation_channel", "uuid": wave.uuid, "target": self.ids["Tail1"], "path": "translation", "remove": True}
        typ, reply = self.apply(1, [step, gone])
        self.assertEqual(MessageType.APPLIED, typ, reply)
        again = {a.uuid: a for a in self.fresh().animations}[wave.uuid]
        chest = next(c for c in again.channels if c.target == self.ids["Chest"])
        self.assertEqual("STEP", chest.interpolation)
        times, values = self.arrays(chest)
        np.testing.assert_allclose(times, [0.0, 0.5], atol=1e-7)
        np.testing.assert_allclose(values, [[0, 0, 0, 1], [0, math.sin(0.2), 0, math.cos(0.2)]], atol=2e-6)
        self.assertNotIn(self.ids["Tail1"], [c.target for c in again.channels])
        self.assertEqual([c for c in wave.channels if c.target not in (self.ids["Chest"], self.ids["Tail1"]) and not c.sampled],
                         [c for c in again.channels if c.target != self.ids["Chest"] and not c.sampled])  # sampled: the range grew
        self.adapter.rollback(1)
        self.assertEqual(self.before, (fingerprints(), nla_state()))
        self.assertEqual(wave, {a.uuid: a for a in self.fresh().animations}[wave.uuid])

    def test_delete_animation_stops_the_action_until_finalize_removes_it(self):
        wave = self.clips["Wave"]
        self.assertEqual(MessageType.APPLIED, self.apply(1, [{"op": "delete_animation", "uuid": wave.uuid}])[0])
        self.assertNotIn(wave.uuid, {a.uuid for a in self.fresh().animations})
        self.assertIsNone(self.made["Rig"].animation_data.action)
        self.adapter.rollback(1)
        self.assertEqual(self.before, (fingerprints(), nla_state()))
        self.assertEqual(wave, {a.uuid: a for a in self.fresh().animations}[wave.uuid])
        idle = self.clips["Idle"]  # an NLA strip's action: its strip is muted, then the action goes
        self.assertEqual(MessageType.APPLIED, self.apply(2, [{"op": "delete_animation", "uuid": idle.uuid}])[0])
        self.adapter.finalize([2])
        self.assertNotIn("Idle", bpy.data.actions)
        self.assertNotIn(idle.uuid, {a.uuid for a in self.fresh().animations})

    def test_a_transform_an_animation_drives_is_refused_naming_the_action(self):
        typ, reply = self.apply(1, [{"op": "set_transform", "uuid": self.ids["Prop"], "translation": [1.0, 2.0, 3.0]}])
        self.assertEqual((MessageType.ERROR, "INVALID_VALUE"), (typ, reply["code"]), reply)
        self.assertIn("action 'PropMove'", reply["message"])
        typ, reply = self.apply(2, [{"op": "set_transform", "uuid": self.ids["Hat"], "translation": [0.0, 0.3, 0.0]}])
        self.assertEqual(MessageType.APPLIED, typ, reply)  # not animated: written as ever

    def test_a_wide_linear_rotation_is_written_as_keys_blender_lerps_within_the_slerp_and_reads_back_as_the_record(self):
        # 170° about glTF's up axis in one second: Blender's component lerp of the two keys alone would be 0.07 off.
        spinner, uid = "a1f00000-0000-4000-8000-0000000000d1", "a1f00000-0000-4000-8000-0000000000d2"
        half = math.radians(170) / 2
        times, values = [0.0, 1.0], [[0, 0, 0, 1], [0, math.sin(half), 0, math.cos(half)]]
        channel = {"target": spinner, "path": "rotation", "interpolation": "LINEAR", "times": self.put(times, 1),
                   "values": self.put(values, 4), "sampled": False}
        typ, reply = self.apply(30, [{"op": "create_object", "uuid": spinner, "name": "Spinner", "kind": "empty", "parent": None,
                                      "translation": [0, 0, 0], "rotation": [0, 0, 0, 1], "scale": [1, 1, 1], "visible": True},
                                     {"op": "create_animation", "uuid": uid, "name": "Spin", "frame_rate": FPS, "channels": [channel]}])
        self.assertEqual(MessageType.APPLIED, typ, reply)
        action = bpy.data.objects["Spinner"].animation_data.action
        keys = len(action.fcurves[0].keyframe_points)
        self.assertGreater(keys, 2)  # keys inserted on the slerp
        obj = bpy.data.objects["Spinner"]
        worst = 0.0
        for t in np.linspace(0, 1, 49):
            go_to(t)
            q = obj.matrix_world.to_quaternion()
            s = t
            want = [0, math.sin(half * s), 0, math.cos(half * s)]  # the slerp from the identity
            worst = max(worst, same_rotation(convert.rotation_from_blender((q.x, q.y, q.z, q.w), False, False), want))
        self.assertLess(worst, 1e-4, f"Blender's pose departs from the slerp by {worst:.2e} with {keys} keys")
        again = {a.uuid: a for a in self.fresh().animations}[uid]
        c = again.channels[0]
        self.assertEqual(("LINEAR", False), (c.interpolation, c.sampled))
        tb, vb = self.arrays(c)
        np.testing.assert_allclose(tb, times, atol=1e-6)
        np.testing.assert_allclose(vb, values, atol=2e-6)
        self.assertEqual(self.put(times, 1), c.times)  # the same blobs: no echo, parity holds
        self.assertEqual(self.put(values, 4), c.values)

    def test_rename_of_an_animation_renames_its_action_and_rolls_back(self):
        wave = self.clips["Wave"]
        typ, reply = self.apply(40, [{"op": "rename", "uuid": wave.uuid, "name": "Greet"}])
        self.assertEqual(MessageType.APPLIED, typ, reply)
        self.assertIn("Greet", bpy.data.actions)
        self.assertEqual("Greet", {a.uuid: a for a in self.fresh().animations}[wave.uuid].name)
        self.adapter.rollback(40)
        self.assertEqual(self.before, (fingerprints(), nla_state()))
        self.assertEqual(wave, {a.uuid: a for a in self.fresh().animations}[wave.uuid])

    def test_bad_keyframes_are_refused_with_a_named_code_and_nothing_changes(self):
        wave = self.clips["Wave"]
        chest = self.ids["Chest"]

        def channel(times, values, components=4, interpolation="LINEAR"):
            return {"op": "set_animation_channel", "uuid": wave.uuid, "target": chest, "path": "rotation",
                    "interpolation": interpolation, "times": times, "values": values}
        nan = "ab" * 32
        self.adapter.blobs.put(nan, (F32, 3, 2), struct.pack("<6f", 0, 0, 0, float("nan"), 0, 0))
        cases = [
            ("INVALID_VALUE", "not after", [channel(self.put([0.0, 0.5, 0.5], 1), self.put([0, 0, 0, 1] * 3, 4))]),
            ("BLOB_SHAPE", "values", [channel(self.put([0.0, 0.5], 1), self.put([0, 0, 0, 1] * 3, 4))]),
            ("BLOB_SHAPE", "values", [channel(self.put([0.0, 0.5], 1), self.put([0, 0, 0, 1] * 2, 4), interpolation="CUBICSPLINE")]),
            ("NON_FINITE", "finite", [{"op": "set_animation_channel", "uuid": wave.uuid, "target": self.ids["Tail1"],
                                       "path": "translation", "interpolation": "LINEAR", "times": self.put([0.0, 0.5], 1), "values": nan}]),
            ("INVALID_VALUE", "unit", [channel(self.put([0.0, 0.5], 1), self.put([0, 0, 0, 2] * 2, 4))]),
            ("INVALID_VALUE", "datablocks", [dict(animation_json(self.clips["Wave"]), op="create_animation",
                                                  uuid="a1f00000-0000-4000-8000-0000000000bb", name="Both",
                                                  channels=[channel_json(c) for c in sorted(
                                                      self.clips["Wave"].channels[:1] + self.clips["PropMove"].channels[:1],
                                                      key=lambda c: c.order)])]),
            ("UNKNOWN_UUID", "no animation", [{"op": "delete_animation", "uuid": "a1f00000-0000-4000-8000-0000000000cc"}]),
        ]
        for n, (code, words, ops) in enumerate(cases):
            typ, reply = self.apply(20 + n, ops)
            self.assertEqual((MessageType.ERROR, code), (typ, reply.get("code")), reply)
            self.assertIn(words, reply["message"])
            self.assertEqual(self.before, (fingerprints(), nla_state()), code)
        self.assertEqual(self.scene.animations, self.fresh().animations)


if __name__ == "__main__":
    unittest.main()
