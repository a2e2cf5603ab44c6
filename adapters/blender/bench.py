"""The Blender adapter's benchmark, inside real Blender (run by `vibesync bench blender`):

    blender -b --factory-startup --python adapters/blender/bench.py -- [--objects N] [--applies N] [--edits N]

Prints one JSON object on a line starting with BENCH-RESULT:
- attach: scan + stamp + canonical read + hash of N objects, first (stamping every ID) and again
  (IDs present), goal ≤ 2 s for 10,000;
- applies: provisional single-operation set_transform intents per second, goal ≥ 2,000/s;
- edit → event: a property written as a human would, until the change detector has sent the EDIT,
  in a loop that ticks and evaluates the depsgraph every millisecond as the headless runner does.
  Reported with the default debounce (a quiet window of 50 ms, which dominates) and with the quiet
  window set to 0 (what detection itself costs), for a leaf object and for the object with the
  most descendants (Blender re-evaluates every one of them when it moves). Each case also reports
  the add-on's own work per edit (``addon_p50_ms``/``addon_p99_ms``: its depsgraph handler and its
  ticks, from the edit until the EDIT is sent) and Blender's evaluation of the depsgraph
  (``eval_p50_ms``/``eval_p99_ms``: ``view_layer.update()`` without the handler inside it); of the
  add-on's figure, ``walk_p50_ms``/``walk_p99_ms`` is Blender's own walk for ``depsgraph.updates`` (it
  visits every ID the depsgraph holds to find the updated ones, so it grows with the scene) and
  ``addon_own_p50_ms``/``addon_own_p99_ms`` the rest, the add-on's Python (``addon_own_cpu_p50_ms``/
  ``addon_own_cpu_p99_ms``: the same in the main thread's CPU time, which other processes' load does not inflate);
- rig (``--rig``, alone): issue #19's 60-bone character (samples/rigged_character.py): attach, and a
  keyframe edit and a shape-key slider drag until the EDIT is sent;
- scale (``--scale 1000,10000,100000``): attach and the edit → event cases again at each size, in
  the same run, with an object added and deleted (``add_delete``: until each EDIT is sent, the
  structural passes taken, and once the same add through the whole rescan, as before issue #20 §3), and the ratio of the add-on's work at the largest size to the smallest (issue #20:
  ≤ 1.5 for a leaf edit; attach of 100,000 objects ≤ 10 s). ``--add-delete-edits N`` takes fewer
  add/delete samples than ``--edits`` (Blender rebuilds its depsgraph's relations for each: tens of
  seconds at 100,000 objects on a loaded machine). Each size reads its scene once for the detector's
  baseline, and the cases follow one another on that detector (each case starts as a fresh one would:
  no burst, no drag in progress), so a size costs its build, its attach and its edits, not a whole
  read per case; the load average (``os.getloadavg``) is recorded before and after each size.

A scale run at 1,000 and 100,000 objects (about 7 minutes at load ~1, most of it Blender building and
evaluating the 100,000-object scene; half an hour or more on a loaded machine: BENCHMARKS.md):

    blender -b --factory-startup --python adapters/blender/bench.py -- --objects 1000 --applies 100 --edits 20 --add-delete-edits 5 --scale 1000,100000
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bpy  # noqa: E402

from vibesync_blender.runtime.adapter import BlenderAdapter  # noqa: E402
from vibesync_blender.runtime.changes import ChangeDetector  # noqa: E402
from vibesync_blender.runtime.mainqueue import MainThreadQueue  # noqa: E402


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def build(n):
    """N objects: three quarters meshes sharing 16 small meshes and 8 materials, a quarter empties,
    one in four parented to an earlier object."""
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    scene = bpy.context.scene
    meshes = []
    for i in range(16):
        m = bpy.data.meshes.new(f"Mesh{i}")
        m.from_pydata([(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0), (0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 1, 1)], [],
                      [(0, 1, 2, 3), (4, 5, 6, 7), (0, 1, 5, 4), (2, 3, 7, 6), (1, 2, 6, 5), (0, 3, 7, 4)])
        m.uv_layers.new(name="UVMap")
        meshes.append(m)
    materials = [bpy.data.materials.new(f"Mat{i}") for i in range(8)]
    for m in materials:
        m.use_nodes = True
    objects = []
    for i in range(n):
        data = meshes[i % 16] if i % 4 else None
        o = bpy.data.objects.new(f"Obj{i}", data)
        if data is not None and not data.materials:
            data.materials.append(materials[i % 8])
        scene.collection.objects.link(o)
        o.location = (i % 100, (i // 100) % 100, i // 10000)
        if i % 4 == 3 and objects:
            o.parent = objects[(i * 7919) % len(objects)]
        objects.append(o)
    bpy.context.view_layer.update()  # the new scene's first evaluation (70 s at 100,000 objects here) is not an edit's
    return scene


def progress(message):
    """One line of progress on stderr (`vibesync bench blender` shows these as they come)."""
    print(f"bench.py: {message}", file=sys.stderr, flush=True)


def bench_attach(n):
    progress(f"building {n:,} objects…")
    t = time.perf_counter()
    build(n)
    progress(f"built {n:,} objects in {time.perf_counter() - t:.1f} s; attaching twice…")
    adapter = BlenderAdapter(MainThreadQueue())
    t = time.perf_counter()
    first = adapter.attach()
    first_s = time.perf_counter() - t
    t = time.perf_counter()
    again = adapter.attach()
    again_s = time.perf_counter() - t
    assert first["root"] == again["root"] and again["stamped"] == 0
    progress(f"attached {n:,} objects in {first_s:.2f} s (first, stamping every ID), {again_s:.2f} s again")
    return adapter, {"objects": n, "first_attach_s": round(first_s, 3), "stamped": first["stamped"],
                     "attach_s": round(again_s, 3), "goal_s": 2.0}


def bench_applies(adapter, count):
    uuids = list(adapter.index.objects)[:1000]
    t = time.perf_counter()
    for i in range(count):
        typ, reply = adapter.apply(i + 1, [{"op": "set_transform", "uuid": uuids[i % len(uuids)], "translation": [i * 0.001, 1.0, 2.0]}])
    seconds = time.perf_counter() - t
    assert reply["intent"] == count, reply
    adapter.queue.drain(budget_s=60)  # the OBSERVED hashes each apply queued for a later tick
    for i in range(count, 0, -1):
        adapter.rollback(i)
    return {"intents": count, "seconds": round(seconds, 3), "per_second": round(count / seconds), "goal_per_second": 2000}


class Detecting:
    """A ChangeDetector on ``adapter`` fed by depsgraph updates as the runtime feeds it, with the time
    its handler takes; ``until_sent`` times one human change until its EDIT goes out."""

    def __init__(self, adapter, quiet_s):
        self.sent = []
        self.detector = ChangeDetector(adapter, lambda typ, payload: self.sent.append(time.perf_counter()), quiet_s=quiet_s,
                                       hold_s=max(0.1, quiet_s * 2))
        adapter.on_changed = self.detector.refresh
        self.detector.reset()
        self.handled = 0.0  # seconds spent in the add-on's handler since the last look
        self.walked = 0.0   # of which in Blender's walk of every ID for ``depsgraph.updates``
        self.own_cpu = 0.0  # the main thread's CPU seconds in the handler less the walk (a loaded machine preempts wall time)
        bpy.app.handlers.depsgraph_update_post.append(self._handler)

    def _handler(self, scene, depsgraph):
        t = time.perf_counter()
        updates = list(depsgraph.updates)  # Blender's C walk over every ID it holds: grows with the scene
        walked = time.perf_counter() - t
        c = time.thread_time()
        self.detector.on_depsgraph(depsgraph, updates)
        self.own_cpu += time.thread_time() - c
        self.handled += time.perf_counter() - t
        self.walked += walked

    def close(self):
        bpy.app.handlers.depsgraph_update_post.remove(self._handler)

    def case(self, quiet_s):
        """The next case on this detector, with the debounce window ``quiet_s``: it starts as a new
        detector would (no burst under way, nothing held HUMAN_ACTIVE by a drag) but keeps its
        baseline, which is the scene as it is (every edit so far was sent, so it is known): a new
        detector would read the whole scene again for it (``reset``: ~13 s at 100,000 objects)."""
        d = self.detector
        d.quiet_s, d.hold_s = quiet_s, max(0.1, quiet_s * 2)
        d.sent_at = d.first = d.last = None
        d._moving.clear()
        d.active = set()
        return self

    def until_sent(self, change, what):
        """(end-to-end, the add-on's work, Blender's evaluation, the walk, the add-on's own CPU time) in ms for
        ``change`` until its EDIT is sent."""
        detector, before = self.detector, len(self.sent)
        work = evaluating = walking = cpu = 0.0
        t0 = time.perf_counter()
        change()
        while len(self.sent) == before:
            self.handled = self.walked = self.own_cpu = 0.0
            t = time.perf_counter()
            bpy.context.view_layer.update()
            evaluating += time.perf_counter() - t - self.handled
            t, c = time.perf_counter(), time.thread_time()
            detector.tick()
            cpu += self.own_cpu + time.thread_time() - c
            work += self.handled + time.perf_counter() - t
            walking += self.walked
            if time.perf_counter() - t0 - evaluating > 30:  # a detector that misses the edit never sends it (Blender's
                # own evaluation is not counted: a structural change at 100,000 objects takes it tens of seconds here)
                raise RuntimeError(f"no EDIT within 30 s ({what}; detector: dirty {len(detector.dirty)}, "
                                   f"structure {detector.structure}, scene {detector.scene_touched})")
            time.sleep(0.001)
        return (self.sent[-1] - t0) * 1000.0, work * 1000.0, evaluating * 1000.0, walking * 1000.0, cpu * 1000.0


def timings(latencies, addon, evaluation, walk, cpu):
    """``addon_*`` is the handler and ticks as before; ``walk_*`` the part of it that is Blender's own walk
    for ``depsgraph.updates``, and ``addon_own_*`` the rest: the add-on's Python; ``addon_own_cpu_*`` the same
    in the main thread's CPU time, which time slices lost to other processes do not inflate."""
    own = [a - w for a, w in zip(addon, walk)]
    return {"p50_ms": round(percentile(latencies, 50), 2), "p99_ms": round(percentile(latencies, 99), 2),
            "addon_p50_ms": round(percentile(addon, 50), 3), "addon_p99_ms": round(percentile(addon, 99), 3),
            "eval_p50_ms": round(percentile(evaluation, 50), 2), "eval_p99_ms": round(percentile(evaluation, 99), 2),
            "walk_p50_ms": round(percentile(walk, 50), 3), "walk_p99_ms": round(percentile(walk, 99), 3),
            "addon_own_p50_ms": round(percentile(own, 50), 3), "addon_own_p99_ms": round(percentile(own, 99), 3),
            "addon_own_cpu_p50_ms": round(percentile(cpu, 50), 3), "addon_own_cpu_p99_ms": round(percentile(cpu, 99), 3)}


def descendants(objects):
    """Object → how many descendants it has, from one pass over the parents (Blender 3.4's
    ``children_recursive`` is a pass over every object per call: O(n²) to find the largest)."""
    children = {}
    for o in objects:
        if o.parent is not None:
            children.setdefault(o.parent, []).append(o)
    counts = {}

    def count(o):
        if o not in counts:
            todo, n = list(children.get(o, ())), 0
            while todo:
                c = todo.pop()
                n += 1
                todo.extend(children.get(c, ()))
            counts[o] = n
        return counts[o]
    return {o: count(o) for o in objects}


def bench_edits(detecting, samples, quiet_s, which):
    """``samples`` edits of a leaf or of the object with the most descendants, each until its EDIT is sent."""
    detecting.case(quiet_s)
    objects = [o for _, o in detecting.detector.adapter.index.each("objects")]
    below = descendants(objects)
    obj = max(objects, key=below.get) if which == "root" else next(o for o in objects if not below[o])
    measured = []
    for i in range(samples):
        measured.append(detecting.until_sent(lambda: setattr(obj.location, "x", 1000.0 + i), f"{which} object, quiet "
                                             f"{quiet_s * 1000:g} ms, sample {i}"))
        time.sleep(quiet_s * 2)  # let the drag heuristic settle between samples
    return dict({"object": which, "descendants": below[obj], "samples": samples, "quiet_ms": quiet_s * 1000}, **timings(*zip(*measured)))


def bench_cases(adapter, samples, add_delete=None):
    """The four edit → event cases (and, with ``add_delete`` samples, the add/delete case) on one detector."""
    detecting = Detecting(adapter, 0.0)
    try:
        edits = []
        for which in ("leaf", "root"):
            for quiet in (0.05, 0.0):
                progress(f"edit → event: {which} object, quiet window {quiet * 1000:g} ms, {samples} samples…")
                edits.append(bench_edits(detecting, samples, quiet, which))
        if add_delete:
            progress(f"object added and deleted: {add_delete} samples of each (Blender rebuilds its depsgraph for each)…")
        return edits, (bench_structure(detecting, add_delete) if add_delete else None)
    finally:
        detecting.close()


def bench_structure(detecting, samples):
    """An object added (sharing a mesh, as Alt+D makes it) and deleted, until each EDIT is sent (quiet 0),
    with the structural passes the detector made and, once, the same add taken by the whole rescan."""
    detecting.case(0.0)
    detector, scene, mesh = detecting.detector, bpy.context.scene, bpy.data.meshes["Mesh0"]
    added, deleted = [], []
    before = dict(detector.structure_passes)
    for i in range(samples):
        obj = bpy.data.objects.new(f"Added{i}", mesh)
        added.append(detecting.until_sent(lambda: scene.collection.objects.link(obj), f"add, sample {i}"))
        deleted.append(detecting.until_sent(lambda: bpy.data.objects.remove(obj), f"delete, sample {i}"))
    passes = {k: n - before.get(k, 0) for k, n in detector.structure_passes.items()}
    obj = bpy.data.objects.new("AddedWhole", mesh)

    def whole():
        scene.collection.objects.link(obj)
        detector.structure = True  # the path every add took before issue #20 §3
    whole_add = detecting.until_sent(whole, "add by the whole rescan")
    return {"samples": samples, "passes": passes, "add": timings(*zip(*added)), "delete": timings(*zip(*deleted)),
            "whole_rescan_add_ms": {"end_to_end": round(whole_add[0], 2), "addon": round(whole_add[1], 2)}}


def bench_scale(sizes, samples, add_delete_samples):
    """Attach and edit → event at each size, in one run: does the add-on's work follow the edit or the scene?
    Without ``add_delete_samples``, a size of 50,000 objects or more takes at most 5 add/delete samples:
    each is a depsgraph rebuild (~17 s at 100,000 objects), so --edits of them would take an hour."""
    runs = []
    for n in sizes:
        add_delete = add_delete_samples if add_delete_samples is not None else (samples if n < 50_000 else min(samples, 5))
        load = os.getloadavg()
        t = time.perf_counter()
        adapter, attach = bench_attach(n)
        attach["goal_s"] = 10.0 if n >= 100_000 else attach["goal_s"]
        edits, structure = bench_cases(adapter, samples, add_delete)
        runs.append({"objects": n, "attach": attach, "edit_to_event": edits, "add_delete": structure,
                     "load_before_after": [round(load[0], 1), round(os.getloadavg()[0], 1)],
                     "seconds": round(time.perf_counter() - t, 1)})
        progress(f"{n:,} objects done in {runs[-1]['seconds']:.0f} s (load {runs[-1]['load_before_after'][0]} → {runs[-1]['load_before_after'][1]})")
    small, large = runs[0], runs[-1]

    def ratios(field):
        pairs = [(f"{a['object']}_quiet_{a['quiet_ms']:g}ms", a, b) for a, b in zip(small["edit_to_event"], large["edit_to_event"])]
        pairs += [(f"{k}_quiet_0ms", small["add_delete"][k], large["add_delete"][k]) for k in ("add", "delete")]
        return {name: round(b[field] / max(a[field], 1e-6), 2) for name, a, b in pairs}
    return {"sizes": runs, "addon_p50_ratio_largest_to_smallest": ratios("addon_p50_ms"),
            "addon_p99_ratio_largest_to_smallest": ratios("addon_p99_ms"),
            "addon_own_p50_ratio_largest_to_smallest": ratios("addon_own_p50_ms"),
            "addon_own_p99_ratio_largest_to_smallest": ratios("addon_own_p99_ms"),
            "addon_own_cpu_p50_ratio_largest_to_smallest": ratios("addon_own_cpu_p50_ms"),
            "addon_own_cpu_p99_ratio_largest_to_smallest": ratios("addon_own_cpu_p99_ms"), "goal_ratio": 1.5}


def bench_rig(samples):
    """Issue #19's character (samples/rigged_character.py build_large: 60 bones, 20,400 vertices skinned,
    a 250-frame action, shape keys): attach, then a keyframe edit and a shape-key slider drag, each until
    the change detector has sent its EDIT (set_animation_channel / set_morph_weights): the Blender side
    of "keyframe edit → Unity ≤ 100 ms" and "slider → blend shape ≤ 50 ms" (the link and the other
    engine are not in this figure)."""
    import importlib.util
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "samples", "rigged_character.py")
    spec = importlib.util.spec_from_file_location("rigged_character", path)
    sample = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sample)
    made = sample.build_large()
    adapter = BlenderAdapter(MainThreadQueue(), log=lambda *a: None)
    t = time.perf_counter()
    adapter.attach()
    attach_s = time.perf_counter() - t
    dance = bpy.data.actions["Dance"]
    curve = next(fc for fc in dance.fcurves if fc.data_path.endswith("rotation_quaternion") and fc.array_index == 1)
    flex = made["BigBody"].data.shape_keys.key_blocks["Flex"]

    def keyframe(i):
        curve.keyframe_points[3].co.y = 0.01 * (i % 50)
        curve.keyframe_points[3].handle_left.y = curve.keyframe_points[3].handle_right.y = 0.01 * (i % 50)
        dance.update_tag()

    def slider(i):
        flex.value = 0.01 * (1 + i % 90)
    cases = []
    for name, edit, op in (("keyframe_edit", keyframe, "set_animation_channel"), ("shape_key_slider", slider, "set_morph_weights")):
        for quiet in (0.05, 0.0):
            sent = []
            detector = ChangeDetector(adapter, lambda typ, payload: sent.append((time.perf_counter(), payload)), quiet_s=quiet,
                                      hold_s=max(0.1, quiet * 2))
            adapter.on_changed = detector.refresh
            detector.reset()
            handler = lambda scene, depsgraph: detector.on_depsgraph(depsgraph)  # noqa: E731
            bpy.app.handlers.depsgraph_update_post.append(handler)
            latencies = []
            try:
                for i in range(samples):
                    before = len(sent)
                    t0 = time.perf_counter()
                    edit(i)
                    while len(sent) == before:
                        bpy.context.view_layer.update()
                        detector.tick()
                        if time.perf_counter() - t0 > 30:
                            raise RuntimeError(f"no EDIT within 30 s ({name})")
                        time.sleep(0.001)
                    at, payload = sent[-1]
                    assert [o["op"] for o in payload.get("operations", ())] == [op], payload
                    latencies.append((at - t0) * 1000.0)
                    time.sleep(quiet * 2 + 0.01)
            finally:
                bpy.app.handlers.depsgraph_update_post.remove(handler)
            cases.append({"case": name, "quiet_ms": quiet * 1000, "samples": samples,
                          "p50_ms": round(percentile(latencies, 50), 2), "p99_ms": round(percentile(latencies, 99), 2)})
    clips = adapter.last_scene.animations
    return {"bones": len(made["BigRig"].data.bones), "vertices": len(made["BigBody"].data.vertices),
            "channels": sum(len(a.channels) for a in clips), "attach_s": round(attach_s, 3), "edit_to_event": cases}


def main():
    argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    p = argparse.ArgumentParser(prog="bench.py")
    p.add_argument("--objects", type=int, default=10_000)
    p.add_argument("--applies", type=int, default=5_000)
    p.add_argument("--edits", type=int, default=100)
    p.add_argument("--add-delete-edits", type=int, default=None,
                   help="add/delete samples per size in the scale run (default: --edits, at most 5 at 50,000 objects or more)")
    p.add_argument("--scale", default="", help="sizes for the scale run, e.g. 1000,10000,100000 (none when empty)")
    p.add_argument("--rig", action="store_true", help="only issue #19's rigged character: attach, keyframe edit, slider drag")
    args = p.parse_args(argv)
    if args.rig:
        print("BENCH-RESULT " + json.dumps({"blender": bpy.app.version_string, "rig": bench_rig(args.edits)}), flush=True)
        return
    adapter, attach = bench_attach(args.objects)
    progress(f"{args.applies:,} provisional applies…")
    applies = bench_applies(adapter, args.applies)
    edits, _ = bench_cases(adapter, args.edits)
    result = {"blender": bpy.app.version_string, "attach": attach, "applies": applies, "edit_to_event": edits}
    if args.scale:
        result["scale"] = bench_scale([int(n) for n in args.scale.split(",")], args.edits, args.add_delete_edits)
    print("BENCH-RESULT " + json.dumps(result), flush=True)


main()
