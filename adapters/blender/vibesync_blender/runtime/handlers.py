"""Blender's application handlers for the running adapter, registered and removed as a set so
``unregister()`` leaves nothing behind. Persistent: they survive file loads, which they handle."""

import bpy
from bpy.app.handlers import persistent

_runtime = None


def runtime():
    return _runtime


@persistent
def _depsgraph_update_post(scene, depsgraph):
    if _runtime is not None:
        _runtime.detector.on_depsgraph(depsgraph)


@persistent
def _frame_change_post(*_):
    """The timeline moved (a scrub, playback, or our own pose, which the timeline sync ignores)."""
    if _runtime is not None:
        _runtime.timeline.frame_changed()


@persistent
def _before_freeing(*_):
    """Undo, redo and file loads free datablocks: the index's references go before they do."""
    if _runtime is not None and _runtime.adapter.index is not None:
        _runtime.adapter.index.forget_references()


@persistent
def _undo_post(*_):
    if _runtime is not None:
        _runtime.queue.post(_runtime.rebind, "undo")


@persistent
def _redo_post(*_):
    if _runtime is not None:
        _runtime.queue.post(_runtime.rebind, "redo")


@persistent
def _load_post(*_):
    if _runtime is not None:
        _runtime.rebind("load")


@persistent
def _save_pre(*_):
    if _runtime is not None:
        _runtime.adapter.before_save()


@persistent
def _save_post(*_):
    if _runtime is not None:
        _runtime.adapter.after_save()


_TABLE = (
    (bpy.app.handlers.depsgraph_update_post, _depsgraph_update_post),
    (bpy.app.handlers.frame_change_post, _frame_change_post),
    (bpy.app.handlers.undo_pre, _before_freeing),
    (bpy.app.handlers.redo_pre, _before_freeing),
    (bpy.app.handlers.load_pre, _before_freeing),
    (bpy.app.handlers.undo_post, _undo_post),
    (bpy.app.handlers.redo_post, _redo_post),
    (bpy.app.handlers.load_post, _load_post),
    (bpy.app.handlers.save_pre, _save_pre),
    (bpy.app.handlers.save_post, _save_post),
)


def install(rt):
    global _runtime
    _runtime = rt
    for handlers, fn in _TABLE:
        if fn not in handlers:
            handlers.append(fn)


def remove():
    global _runtime
    for handlers, fn in _TABLE:
        while fn in handlers:
            handlers.remove(fn)
    if _runtime is not None:
        _runtime.stop()
    _runtime = None


def installed():
    return [fn.__name__ for handlers, fn in _TABLE if fn in handlers]
