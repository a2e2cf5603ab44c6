"""The add-on's one running adapter in the UI, pumped by a ``bpy.app.timers`` callback."""

import bpy

from ..runtime import handlers
from ..runtime.runtime import Runtime
from .preferences import preferences

TICK_S = 0.02
last_error = None


def current():
    return handlers.runtime()


def _tick():
    rt = handlers.runtime()
    if rt is None:
        return None  # unregisters the timer
    rt.tick()
    return TICK_S


def start(context=None):
    """Connects (or reports why not); returns an error sentence or None."""
    global last_error
    prefs = preferences(context)
    if prefs is None:
        return "the VibeSync add-on is not enabled"
    try:
        data_dir, port, key = prefs.endpoint()
        engine = prefs.instance()
    except (ValueError, OSError) as e:
        last_error = str(e)
        return last_error
    stop()
    rt = Runtime(data_dir, engine=engine, endpoint=(port, key) if data_dir is None else None)
    rt.adapter.on_pending = redraw_panels
    handlers.install(rt)
    rt.start()
    if not bpy.app.timers.is_registered(_tick):
        bpy.app.timers.register(_tick, first_interval=TICK_S, persistent=True)
    last_error = rt.last_error
    return None


def redraw_panels():
    """The sidebars show the pending list the orchestrator just sent (a panel redraws only when asked)."""
    wm = bpy.context.window_manager
    for window in (wm.windows if wm is not None else ()):
        for area in window.screen.areas:
            if area.type == "VIEW_3D":
                area.tag_redraw()


def stop():
    handlers.remove()
    if bpy.app.timers.is_registered(_tick):
        bpy.app.timers.unregister(_tick)


def _auto_connect():
    prefs = preferences()
    if prefs is not None and prefs.auto_connect and current() is None:
        start()
    return None
