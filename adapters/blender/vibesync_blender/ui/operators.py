"""Connect, disconnect, pause, review an AI intent in the console: the panel's buttons."""

import webbrowser

import bpy
from bpy.props import StringProperty

from . import session
from .pending_model import review_url


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


class VIBESYNC_OT_review_intent(bpy.types.Operator):
    bl_idname = "vibesync.review_intent"
    bl_label = "Review in console"
    bl_description = ("Open this AI intent's page in VibeSync's console in your web browser, to approve or deny it there. "
                      "The add-on never decides an intent")

    # A string: intent ids go beyond a Blender IntProperty's 32 bits.
    intent_id: StringProperty(name="Intent", description="The pending intent's number, as `vibesync status` shows it",
                              options={"HIDDEN", "SKIP_SAVE"})

    @classmethod
    def poll(cls, context):
        rt = session.current()
        return rt is not None and rt.adapter.pending.total > 0

    def execute(self, context):
        rt = session.current()
        try:
            url = review_url(rt.adapter.pending, int(self.intent_id))
        except ValueError as e:
            self.report({"ERROR"}, str(e))
            return {"CANCELLED"}
        if not webbrowser.open(url):
            self.report({"WARNING"}, f"no web browser could be started here; open {url} yourself")
            return {"CANCELLED"}
        self.report({"INFO"}, f"opened {url}")
        return {"FINISHED"}
