"""VibeSync for Blender: the Blender side of a live, verified Blender <-> Unity sync.

The package is importable without Blender: ``vibesync_blender.protocol`` (hashing,
conversions, cryptography, frames) is plain standard-library Python so that the
same code is tested by the system Python and runs inside Blender. Everything that
needs ``bpy`` is imported lazily from ``register()``.
"""

bl_info = {
    "name": "VibeSync",
    "author": "VibeSync contributors",
    "version": (0, 1, 0),
    "blender": (3, 4, 0),
    "location": "View3D > Sidebar > VibeSync",
    "description": "Live, verified sync between Blender and Unity, governed by the VibeSync orchestrator",
    "category": "System",
}


def register():
    """Blender add-on entry point. The editor integration arrives with the Blender adapter."""


def unregister():
    """Blender add-on exit point: leaves nothing behind."""
