"""Test plumbing the in-Blender suites share: a clock the test moves, a change detector watching a
bare adapter (no runtime, no link), and the add-on's save handlers around one."""

import contextlib
import unittest

import bpy

from vibesync_blender.link import MessageType
from vibesync_blender.runtime import handlers
from vibesync_blender.runtime.changes import ChangeDetector


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@contextlib.contextmanager
def save_handlers(adapter):
    """The add-on's handlers (save_pre/save_post around provisional changes) for ``adapter``."""
    class Stub:  # the parts of a runtime the handlers use
        def __init__(self):
            self.adapter = adapter
            self.detector = type("NoDetector", (), {"on_depsgraph": lambda self, d: None})()

        def stop(self, reason=""):
            pass
    handlers.install(Stub())
    try:
        yield
    finally:
        handlers.remove()


class RuntimeCase(unittest.TestCase):
    """A test on a linked_runtime() over the factory scene, with its cube and a human's move of it."""

    def setUp(self):
        self.rt, self.sent, self.clock = linked_runtime()
        self.cube = bpy.data.objects["Cube"]

    def tearDown(self):
        handlers.remove()

    def move(self, x):
        self.cube.location.x = x
        bpy.context.view_layer.update()  # depsgraph_update_post: the detector marks the cube
        self.clock.now += 0.01


def linked_runtime():
    """A Runtime on the factory scene, attached, its handlers installed, whose link only records what
    is sent: (runtime, the (type, payload) list sent, the detector's clock). The caller removes the handlers."""
    bpy.ops.wm.read_homefile(use_factory_startup=True)
    sent = []

    class Link:  # what the runtime uses of a channel
        closed = False

        def send(self, typ, payload):
            sent.append((typ, payload))

        def close(self, reason):
            pass

    from vibesync_blender.runtime.runtime import Runtime
    rt = Runtime(None, log=lambda *_: None)
    rt.detector.clock = clock = Clock()
    rt.channel = Link()
    rt.adapter.attach()
    rt.detector.reset(rt.adapter.last_scene)
    handlers.install(rt)
    return rt, sent, clock


class Watch:
    """A ChangeDetector on ``adapter``, fed by depsgraph updates, its sends kept in ``sent``."""

    def __init__(self, adapter):
        self.sent = []
        self.clock = Clock()
        self.detector = ChangeDetector(adapter, lambda t, p: self.sent.append((t, p)), clock=self.clock)
        adapter.on_changed = self.detector.refresh
        adapter.before_change = self.detector.report_first
        self.detector.reset()
        bpy.app.handlers.depsgraph_update_post.append(self._on_depsgraph)

    def close(self):
        bpy.app.handlers.depsgraph_update_post.remove(self._on_depsgraph)

    def _on_depsgraph(self, scene, depsgraph):
        self.detector.on_depsgraph(depsgraph)

    def settle(self):
        """Fires depsgraph_update_post, as the UI's redraw would, then a tick once it is quiet."""
        bpy.context.view_layer.update()
        self.clock.now += 1.0
        return self.detector.tick()

    def edits(self):
        """The EDIT payloads' operation lists, oldest first."""
        return [p["operations"] for t, p in self.sent if t == MessageType.EDIT]


def mesh_arrays(record, blobs):
    """A mesh record's arrays from ``blobs``: {semantic: [tuple per vertex], "triangles": [(a, b, c)]}
    (every primitive's, in order)."""
    from vibesync_blender.scene.meshes import geometry_of
    geo = geometry_of(record, blobs)
    out = {k: [tuple(float(c) for c in row) for row in v] for k, v in geo.attributes.items()}
    out["triangles"] = [tuple(int(i) for i in t) for _, idx in geo.primitives for t in idx.reshape(-1, 3)]
    return out
