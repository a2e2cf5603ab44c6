"""The sidebar panel (View3D › Sidebar › VibeSync): connection (and why the orchestrator refused
this file), the AI intents waiting for a human with **Review in console**, engine state, intents,
what is not synced and why, Pause."""

import bpy

from . import session
from .link_lines import link_lines
from .pending_model import pending_rows, wrap as _wrap

SHOWN_NOT_SYNCED = 5  # the first few; the log and `vibesync status` have the whole list


def not_synced_lines(rt):
    """The panel's lines about what is not synced: a count, then the first few reasons."""
    items = rt.adapter.index.not_synced() if rt.adapter.index is not None else []
    if not items:
        return []
    lines = [f"Not synced: {len(items)}"]
    lines += [f"{i.code}: {i.reason}" for i in items[:SHOWN_NOT_SYNCED]]
    if len(items) > SHOWN_NOT_SYNCED:
        lines.append(f"… and {len(items) - SHOWN_NOT_SYNCED} more (the system console and `vibesync status` list them)")
    return lines


class VIBESYNC_PT_panel(bpy.types.Panel):
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "VibeSync"
    bl_label = "VibeSync"

    def draw(self, context):
        layout = self.layout
        rt = session.current()
        if rt is None:
            _draw_link(layout, None, session.last_error)
            layout.operator("vibesync.connect", icon="LINKED")
            return
        _draw_link(layout, rt.connection, rt.last_error)  # a REFUSED names the project and the command that pairs it
        if rt.connection == "connected":  # the list is the orchestrator's: once it is gone, so is its console
            _draw_pending(layout, rt.adapter.pending)
        layout.label(text=f"Engine: {rt.adapter.engine_state()}, generation {rt.adapter.generation}")
        layout.label(text=f"Provisional intents: {len(rt.adapter.provisional)}")
        layout.label(text=f"Pending events: {len(rt.detector.dirty)}, edits sent: {len(rt.detector.sent)}")
        if rt.detector.active:
            layout.label(text=f"You are editing {len(rt.detector.active)} object(s)", icon="HAND")
        lines = not_synced_lines(rt)
        if lines:
            box = layout.box()
            box.label(text=lines[0], icon="INFO")
            for line in lines[1:]:
                for part in _wrap(line):
                    box.label(text=part)
        if rt.adapter.last_root:
            layout.label(text=f"Root {rt.adapter.last_root[:16]}…")
        row = layout.row()
        row.operator("vibesync.pause", text="Resume" if rt.adapter.paused else "Pause",
                     icon="PLAY" if rt.adapter.paused else "PAUSE")
        row.operator("vibesync.disconnect", icon="CANCEL")


def _draw_link(layout, connection, error):
    col = layout.column(align=True)
    for text, icon in link_lines(connection, error):
        col.label(text=text, icon=icon)


def _draw_pending(layout, pending):
    """The AI intents waiting for a human: who asks, its class, why, and a button to the console's
    page of it. The console decides (as the human); the add-on only points there."""
    title, rows, more = pending_rows(pending)
    if not title:
        return
    box = layout.box()
    box.label(text=title, icon="QUESTION")
    for row in rows:
        col = box.column(align=True)
        col.label(text=row.heading, icon="USER")
        for line in row.rationale:
            col.label(text=line)
        op = col.operator("vibesync.review_intent", text="Review in console", icon="URL")
        op.intent_id = str(row.intent_id)
    if more:
        box.label(text=more)
