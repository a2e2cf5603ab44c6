"""Connect, disconnect, pause: the panel's buttons."""

import bpy

from . import session


class VIBESYNC_OT_connect(bpy.types.Operator):
    bl_idname = "vibesync.connect"
    bl_label = "Connect"
    bl_description = "Attach this scene to the VibeSync orchestrator (stamps VibeSync IDs, reports the scene)"

    def execute(self, context):
        error = session.start(context)
        if error:
            self.report({"ERROR"}, error)
            return {"CANCELLED"}
        return {"FINISHED"}


class VIBESYNC_OT_disconnect(bpy.types.Operator):
    bl_idname = "vibesync.disconnect"
    bl_label = "Disconnect"
    bl_description = "End the session with the orchestrator; edits here stop syncing"

    @classmethod
    def poll(cls, context):
        return session.current() is not None

    def execute(self, context):
        session.stop()
        return {"FINISHED"}


class VIBESYNC_OT_pause(bpy.types.Operator):
    bl_idname = "vibesync.pause"
    bl_label = "Pause"
    bl_description = "Stop applying and reporting changes until resumed (the orchestrator sees this engine as busy)"

    @classmethod
    def poll(cls, context):
        return session.current() is not None

    def execute(self, context):
        rt = session.current()
        rt.adapter.paused = not rt.adapter.paused
        return {"FINISHED"}
