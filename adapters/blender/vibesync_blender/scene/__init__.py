"""Blender's scene as VibeSync sees it: identity (UUID stamping and the UUID index), reading into
canonical records, and provisional writing with exact undo. Everything here needs bpy and runs on
Blender's main thread only."""
