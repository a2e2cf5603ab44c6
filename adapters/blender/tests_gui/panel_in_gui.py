"""Blender's side of the GUI test of the sidebar's pending AI intents (tests/VibeSync.EndToEnd.Tests/PanelGuiTests.cs):

    xvfb-run blender --factory-startup --enable-event-simulate SCENE.blend --python panel_in_gui.py -- ADDON_ZIP DATA_DIR OUT_DIR

Real GUI Blender (drawn by software OpenGL under Xvfb): installs the add-on from its zip with Blender's
own installer, connects with the panel's Connect operator (the ``bpy.app.timers`` pump, not the
headless runner), clicks the sidebar's VibeSync tab (simulated mouse events: Blender 3.4 has no API
to choose a tab), and tells the driver each step on stdout as ``VIBESYNC-GUI {json}``. The driver
submits an AI intent once this says ``ready``; this waits until the panel draws it, screenshots the
3D view with the sidebar, invokes the Review in console operator (Python's webbrowser, with BROWSER
set by the driver to a recorder) and quits. Any failure prints ``VIBESYNC-GUI {"event": "failed"}``
and quits with status 1."""

import json
import os
import sys
import time
import traceback

import bpy

ZIP, DATA, OUT = sys.argv[sys.argv.index("--") + 1:][:3]
TIMEOUT_S = 150


def say(event, **fields):
    print("VIBESYNC-GUI " + json.dumps(dict(fields, event=event)), flush=True)


def quit_with(code):
    sys.stdout.flush()
    os._exit(code)  # wm.quit_blender from a timer may ask to save; nothing here needs saving


def install():
    bpy.ops.preferences.addon_install(filepath=ZIP)
    bpy.ops.preferences.addon_enable(module="vibesync_blender")
    import vibesync_blender
    from vibesync_blender.ui import panel
    if not vibesync_blender.__file__.startswith(bpy.utils.user_resource("SCRIPTS")):
        raise AssertionError(f"the add-on was loaded from {vibesync_blender.__file__}, not from the installed zip")
    bpy.context.preferences.addons["vibesync_blender"].preferences.data_dir = DATA
    # What the real panel draws of the pending list, recorded as it draws it (the tab shows only its
    # category's panels, so a recorded draw also proves the VibeSync tab is the one on screen).
    original = panel._draw_pending

    def recording(layout, pending):
        drawn.append((time.monotonic(), [(i.id, i.actor, i.cls, i.rationale) for i in pending.intents], pending.total))
        return original(layout, pending)
    panel._draw_pending = recording
    say("installed", addon=vibesync_blender.__file__)


drawn = []
state = {"phase": "connect", "clicks": 0, "since": time.monotonic(), "started": time.monotonic()}


def view3d():
    window = bpy.context.window_manager.windows[0]
    area = next(a for a in window.screen.areas if a.type == "VIEW_3D")
    return window, area, next(r for r in area.regions if r.type == "UI")


def screenshot(name):
    window, area, ui = view3d()
    path = os.path.join(OUT, name)
    with bpy.context.temp_override(window=window, area=area):
        bpy.ops.screen.screenshot_area(filepath=path)
    return path, (ui.x - area.x, ui.width)


def sidebar_pixels(path, ui_left):
    """The sidebar's part of an area screenshot as RGBA floats (rows bottom-up, as Blender loads them)."""
    import numpy as np
    image = bpy.data.images.load(path, check_existing=False)
    w, h = image.size
    px = np.empty(w * h * 4, dtype=np.float32)
    image.pixels.foreach_get(px)
    bpy.data.images.remove(image)
    return px.reshape(h, w, 4)[:, max(0, ui_left - 8):, :]


def save_crop(pixels, path, rows=460):
    """The sidebar's top (the VibeSync panel) as a small PNG for docs/blender.md."""
    pixels = pixels[-rows:]  # rows are bottom-up: the last ones are the top of the screen
    h, w = pixels.shape[:2]
    image = bpy.data.images.new("vibesync-panel", w, h, alpha=True)
    image.pixels.foreach_set(pixels.ravel())
    image.filepath_raw = path
    image.file_format = "PNG"
    image.save()
    bpy.data.images.remove(image)


def step():
    try:
        return advance()
    except Exception as e:
        say("failed", error=f"{type(e).__name__}: {e}", trace=traceback.format_exc())
        quit_with(1)


def advance():
    from vibesync_blender.ui import session
    if time.monotonic() - state["started"] > TIMEOUT_S:
        raise TimeoutError(f"stuck in phase {state['phase']} after {TIMEOUT_S} s")
    phase = state["phase"]
    if phase == "connect":
        result = bpy.ops.vibesync.connect()  # the panel's Connect button: starts the bpy.app.timers pump
        if result != {"FINISHED"}:
            raise AssertionError(f"Connect: {result} ({session.last_error})")
        state["phase"] = "attach"
        return 0.1
    rt = session.current()
    if phase == "attach":
        if rt.connection == "connected" and rt.adapter.last_root and rt.last_scene_ack:
            window, area, ui = view3d()
            area.spaces.active.show_region_ui = True
            say("attached", root=rt.adapter.last_root)
            state["phase"] = "tab"
        return 0.1
    if phase == "tab":
        if drawn:
            state["phase"] = "ready"
            return 0.3
        # Click down the sidebar's tab strip (right edge) until the VibeSync panel draws: its tab is last.
        window, area, ui = view3d()
        if state["clicks"] > 40:
            raise AssertionError("no click on the sidebar's tabs showed the VibeSync panel")
        x, y = ui.x + ui.width - 12, ui.y + ui.height - 10 - 18 * state["clicks"]
        state["clicks"] += 1
        window.event_simulate("MOUSEMOVE", "NOTHING", x=x, y=y)
        window.event_simulate("LEFTMOUSE", "PRESS", x=x, y=y)
        window.event_simulate("LEFTMOUSE", "RELEASE", x=x, y=y)
        return 0.3
    if phase == "ready":
        before, (ui_left, _) = screenshot("sidebar-before.png")
        state["before"], state["ui_left"] = before, ui_left
        if rt.adapter.pending.total:
            raise AssertionError(f"intents pending before any was submitted: {rt.adapter.pending.intents}")
        say("ready", clicks=state["clicks"])  # the driver now submits an AI intent
        state["phase"] = "listed"
        state["since"] = time.monotonic()
        return 0.1
    if phase == "listed":
        if rt.adapter.pending.total == 0:
            return 0.1
        listed = [d for d in drawn if d[2] > 0]
        if not listed:
            return 0.1  # the notice arrived; the panel redraws on the next window update
        if "drawn_at" not in state:
            state["drawn_at"] = time.monotonic()
            return 0.5  # let the drawn panel reach the screen before the screenshot
        path, (ui_left, _) = screenshot("vibesync-panel.png")
        import numpy as np
        before, after = sidebar_pixels(state["before"], ui_left), sidebar_pixels(path, ui_left)
        changed = int(np.count_nonzero(np.abs(before - after).max(axis=2) > 0.05)) if before.shape == after.shape else -1
        save_crop(after, os.path.join(OUT, "vibesync-panel-sidebar.png"))
        intent = rt.adapter.pending.intents[0]
        say("listed", drawn=listed[-1][1], total=listed[-1][2], console=rt.adapter.pending.console, changed_pixels=changed,
            screenshot=path, seconds=round(state["drawn_at"] - state["since"], 3))
        result = bpy.ops.vibesync.review_intent(intent_id=str(intent.id))  # the row's Review in console button
        say("reviewed", result=sorted(result), intent=intent.id)
        session.stop()
        quit_with(0)
    raise AssertionError(f"unknown phase {phase}")


try:
    os.makedirs(OUT, exist_ok=True)
    install()
    bpy.app.timers.register(step, first_interval=1.0)
except Exception as e:
    say("failed", error=f"{type(e).__name__}: {e}", trace=traceback.format_exc())
    quit_with(1)
