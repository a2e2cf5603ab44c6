"""The sidebar panel (View3D › Sidebar › VibeSync): connection, engine state, intents, Pause."""

import bpy

from . import session


class VIBESYNC_PT_panel(bpy.types.Panel):
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "VibeSync"
    bl_label = "VibeSync"

    def draw(self, context):
        layout = self.layout
        rt = session.current()
        if rt is None:
            layout.label(text="Not connected", icon="UNLINKED")
            if session.last_error:
                layout.label(text=session.last_error, icon="ERROR")
            layout.operator("vibesync.connect", icon="LINKED")
            return
        layout.label(text=f"Link: {rt.connection}", icon="LINKED" if rt.connection == "connected" else "UNLINKED")
        if rt.last_error:
            layout.label(text=rt.last_error, icon="ERROR")
        layout.label(text=f"Engine: {rt.adapter.engine_state()}, generation {rt.adapter.generation}")
        layout.label(text=f"Provisional intents: {len(rt.adapter.provisional)}")
        layout.label(text=f"Pending events: {len(rt.detector.dirty)}, edits sent: {len(rt.detector.sent)}")
        if rt.detector.active:
            layout.label(text=f"You are editing {len(rt.detector.active)} object(s)", icon="HAND")
        if rt.adapter.last_root:
            layout.label(text=f"Root {rt.adapter.last_root[:16]}…")
        row = layout.row()
        row.operator("vibesync.pause", text="Resume" if rt.adapter.paused else "Pause",
                     icon="PLAY" if rt.adapter.paused else "PAUSE")
        row.operator("vibesync.disconnect", icon="CANCEL")
