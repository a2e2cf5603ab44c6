"""VibeSync for Blender: the Blender side of a live, verified Blender <-> Unity sync.

The package is importable without Blender: ``vibesync_blender.protocol`` (hashing, conversions,
cryptography, frames), ``vibesync_blender.link`` (the link client) and ``operations`` are plain
standard-library Python, tested by the system Python and run inside Blender. Everything that needs
``bpy`` is imported from ``register()``.
"""

bl_info = {
    "name": "VibeSync",
    "author": "VibeSync contributors",
    "version": (0, 1, 0),
    "blender": (3, 4, 0),
    "location": "View3D > Sidebar > VibeSync",
    "description": "Live, verified sync between Blender and Unity, governed by the VibeSync orchestrator",
    "doc_url": "https://github.com/vibesync/vibesync/blob/main/docs/blender.md",
    "category": "System",
}

_classes = ()


def register():
    """Registers the preferences, operators and panel; connects later if the preferences say so."""
    global _classes
    import bpy
    from .ui.operators import VIBESYNC_OT_connect, VIBESYNC_OT_disconnect, VIBESYNC_OT_pause, VIBESYNC_OT_review_intent
    from .ui.panel import VIBESYNC_PT_panel
    from .ui.preferences import VIBESYNC_AP_preferences
    from .ui import session
    _classes = (VIBESYNC_AP_preferences, VIBESYNC_OT_connect, VIBESYNC_OT_disconnect, VIBESYNC_OT_pause, VIBESYNC_OT_review_intent,
                VIBESYNC_PT_panel)
    for cls in _classes:
        bpy.utils.register_class(cls)
    bpy.app.timers.register(session._auto_connect, first_interval=0.5)  # not during registration itself


def unregister():
    """Leaves nothing behind: the session, its threads and socket, handlers, timers and classes."""
    global _classes
    import bpy
    from .ui import session
    session.stop()
    if bpy.app.timers.is_registered(session._auto_connect):
        bpy.app.timers.unregister(session._auto_connect)
    for cls in reversed(_classes):
        bpy.utils.unregister_class(cls)
    _classes = ()
