"""VibeSync's Blender adapter without a UI:

    blender -b FILE.blend --python adapters/blender/headless.py -- --data DIR [--seconds N] [--edits FILE]

Connects to the orchestrator whose port and key are in DIR (serve.json, keys/blender.key), attaches
(stamps IDs, reports the scene and its root), then pumps the adapter's main-thread queue from this
loop, since ``bpy.app.timers`` never fire under ``-b``. Each pass also asks Blender to evaluate the
depsgraph, which is what fires ``depsgraph_update_post`` (change detection) in background mode.

``--edits FILE`` plays a human's edits, for tests and the demo: a JSON list of typed steps
``{"at": seconds, "object": name, "location": [x, y, z]}`` (also ``rotation_quaternion``, ``scale``,
``hide``, ``name``, ``add_modifier`` {name, type}, ``remove_modifier`` name; the object may be named by ID instead, ``"uuid": id``; ``"undo_push": true`` then
records an undo step, as a UI operator does; or ``"material": name`` with ``base_color``, ``metallic``,
``roughness``, ``base_color_texture`` (an image file loaded and linked to its Principled Base Color, as
the Shader Editor's Image Texture node does); or ``"light": name`` with ``energy`` (W), ``color``; or
``"camera": name`` with ``lens`` (mm); or ``"mesh": name`` with ``offset`` [dx, dy, dz], every vertex moved by it; or
``"action": name`` with ``data_path``, ``index``, ``keyframe`` and ``value`` (that key moved to the value, its handles
with it, as dragging a key in the Graph Editor); or ``"shape_key": mesh name`` with ``key`` and ``value`` (the slider); or
``"save": path``; or ``"hold": seconds`` with any step: the main thread is busy that long after it (an
operator's work), so what the orchestrator sends meanwhile waits in the queue for the next tick; or the human's ``{"undo": true}`` (Ctrl-Z), ``{"redo": true}``
(Ctrl-Shift-Z) and ``{"reload": true}`` (File > Revert: the saved file opened again)). Nothing in it is
evaluated.

Prints one JSON line per event on stdout (``attaching`` with its wall-clock time, ``attached``, ``edit_played``, ``log``, ``stopped``); stops on
SIGTERM/SIGINT, after ``--seconds``, or when stdin closes if ``--until-stdin-closes``.
"""

import argparse
import json
import os
import queue
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bpy  # noqa: E402  (the path above must come first)
import numpy as np  # noqa: E402  (Blender's own)

from vibesync_blender.protocol.instances import InstanceError, parse_instance  # noqa: E402
from vibesync_blender.runtime import handlers  # noqa: E402
from vibesync_blender.runtime.runtime import Runtime  # noqa: E402
from vibesync_blender.scene.identity import PROP  # noqa: E402


def _args():
    argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    p = argparse.ArgumentParser(prog="headless.py", description="VibeSync's Blender adapter without a UI (run by blender -b).")
    p.add_argument("--data", required=True, help="the orchestrator's data directory (serve.json and keys/)")
    p.add_argument("--engine", default="blender",
                   help="the engine instance to connect as: blender (default) or blender:NAME, whose key is DIR/keys/blender.NAME.key")
    p.add_argument("--seconds", type=float, default=0, help="stop after this long (0: run until SIGTERM)")
    p.add_argument("--edits", help="a JSON file of timed, typed edits to play as a human would")
    p.add_argument("--steps-from-stdin", action="store_true",
                   help="also play steps (the --edits shape, without \"at\") given one JSON object per line on stdin, as each arrives")
    p.add_argument("--bare-port", type=int, default=0,
                   help="benchmark baseline only: also accept edits as plain, unsigned JSON lines on this loopback port and "
                        "apply them with no journal or verification (the way blender-mcp works); answers \"ok\" per line")
    p.add_argument("--tick-ms", type=float, default=5.0, help="pause between main-thread passes")
    p.add_argument("--budget-ms", type=float, default=8.0, help="main-thread time per pass for queued work")
    args = p.parse_args(argv)
    try:
        if parse_instance(args.engine).kind != "blender":
            p.error(f"--engine: '{args.engine}' is not a Blender instance (blender or blender:NAME)")
    except InstanceError as e:
        p.error(f"--engine: {e}")
    return args


def _say(event, **fields):
    print(json.dumps(dict(fields, event=event)), flush=True)


def _object(step):
    """The object a step names: by name, or by its VibeSync ID (names change, IDs do not)."""
    if "uuid" in step:
        found = next((o for o in bpy.data.objects if o.get(PROP) == step["uuid"]), None)
        if found is None:
            raise KeyError(f"no object has the ID {step['uuid']}")
        return found
    return bpy.data.objects[step["object"]]


def _play(step):
    """One typed edit, done as a human would in the UI: plain property writes, or the human's undo,
    redo, save and revert (the operators the UI's shortcuts run)."""
    if "save" in step:
        bpy.ops.wm.save_as_mainfile(filepath=step["save"])
        return
    if step.get("undo"):
        bpy.ops.ed.undo()
        return
    if step.get("redo"):
        bpy.ops.ed.redo()
        return
    if step.get("reload"):
        bpy.ops.wm.open_mainfile(filepath=bpy.data.filepath)
        return
    if "material" in step:
        mat = bpy.data.materials[step["material"]]
        node = next((n for n in mat.node_tree.nodes if n.type == "BSDF_PRINCIPLED"), None) if mat.use_nodes else None
        if "base_color_texture" in step:
            tex = mat.node_tree.nodes.new("ShaderNodeTexImage")
            tex.image = bpy.data.images.load(step["base_color_texture"], check_existing=True)
            mat.node_tree.links.new(tex.outputs["Color"], node.inputs["Base Color"])
        for field, socket in (("base_color", "Base Color"), ("metallic", "Metallic"), ("roughness", "Roughness")):
            if field in step:
                if node is not None:
                    node.inputs[socket].default_value = step[field]
                else:
                    setattr(mat, "diffuse_color" if field == "base_color" else field, step[field])
    elif "light" in step or "camera" in step:  # the light's or camera's own data, as the Properties editor sets it
        data = bpy.data.lights[step["light"]] if "light" in step else bpy.data.cameras[step["camera"]]
        for field in ("energy", "color", "lens"):
            if field in step:
                setattr(data, field, step[field])
    elif "action" in step:  # a key dragged in the Graph Editor: its value, its handles along
        action = bpy.data.actions[step["action"]]
        fc = action.fcurves.find(step["data_path"], index=step.get("index", 0))
        kp = fc.keyframe_points[step["keyframe"]]
        delta = float(step["value"]) - kp.co.y
        kp.co.y += delta
        kp.handle_left.y += delta
        kp.handle_right.y += delta
        action.update_tag()
    elif "shape_key" in step:
        bpy.data.meshes[step["shape_key"]].shape_keys.key_blocks[step["key"]].value = float(step["value"])
    elif "mesh" in step:  # a human's edit of the geometry itself, every vertex at once
        mesh = bpy.data.meshes[step["mesh"]]
        co = np.empty(3 * len(mesh.vertices), dtype=np.float32)  # numpy: a million vertices in milliseconds
        mesh.vertices.foreach_get("co", co)
        co.reshape(-1, 3)[:] += np.asarray(step["offset"], dtype=np.float32)
        mesh.vertices.foreach_set("co", co)
        mesh.update()
    else:
        _edit_object(_object(step), step)
    if step.get("undo_push"):
        bpy.ops.ed.undo_push(message="VibeSync step")
    if "hold" in step:
        time.sleep(float(step["hold"]))


def _edit_object(obj, step):
    for field in ("location", "rotation_quaternion", "scale"):
        if field in step:
            if field == "rotation_quaternion":
                obj.rotation_mode = "QUATERNION"
            setattr(obj, field, step[field])
    if "hide" in step:
        obj.hide_set(bool(step["hide"]))
    if "name" in step:
        obj.name = step["name"]
    if "add_modifier" in step:  # {"name": ..., "type": "SUBSURF"}: a modifier added in the Properties editor
        obj.modifiers.new(step["add_modifier"]["name"], step["add_modifier"]["type"])
    if "remove_modifier" in step:
        obj.modifiers.remove(obj.modifiers[step["remove_modifier"]])


def _bare_listener(port, arrived):
    """The benchmark's baseline: a plain socket, no key, no MAC, no journal. Lines go to the main loop."""
    import socket
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(1)

    def serve():
        while True:
            conn, _ = server.accept()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with conn, conn.makefile("rb") as lines:
                for line in lines:
                    done = threading.Event()
                    arrived.put((json.loads(line), done))
                    done.wait()
                    conn.sendall(b"ok\n")

    threading.Thread(target=serve, name="vibesync-bare", daemon=True).start()


def main():
    args = _args()
    edits = []
    if args.edits:
        with open(args.edits, encoding="utf-8") as f:
            edits = sorted(json.load(f), key=lambda s: s["at"])
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append("SIGTERM"))
    signal.signal(signal.SIGINT, lambda *_: stop.append("SIGINT"))

    rt = Runtime(args.data, engine=args.engine, budget_ms=args.budget_ms, log=lambda m: _say("log", message=m))
    handlers.install(rt)
    _say("attaching", t=time.time() * 1000.0)  # the file is loaded: what follows is the attach (for `vibesync bench content`)
    rt.start()
    index = rt.adapter.index  # None when no orchestrator welcomed this file (refused, or none running): nothing was read
    _say("attached", file=bpy.data.filepath, root=rt.adapter.last_root, objects=len(index.objects) if index else None,
         stamped=index.stamped if index else None, not_synced=rt.not_synced, connection=rt.connection, error=rt.last_error,
         generation=rt.adapter.generation)
    arrived = queue.Queue()
    bare = queue.Queue()
    if args.bare_port:
        _bare_listener(args.bare_port, bare)
    if args.steps_from_stdin:
        def read_steps():
            for line in sys.stdin:
                if line.strip():
                    try:
                        arrived.put(json.loads(line))
                    except ValueError as e:
                        _say("error", message=f"a step on stdin is not JSON: {e}")
        threading.Thread(target=read_steps, name="vibesync-steps", daemon=True).start()
    started = time.monotonic()
    try:
        while not stop and (args.seconds <= 0 or time.monotonic() - started < args.seconds):
            now = time.monotonic() - started
            while edits and edits[0]["at"] <= now:
                step = edits.pop(0)
                _play(step)
                _say("edit_played", step=step, t=time.time() * 1000.0)
            while not bare.empty():
                step, done = bare.get()
                _play(step)
                bpy.context.view_layer.update()
                done.set()
            while not arrived.empty():
                step = arrived.get()
                try:
                    _play(step)
                    _say("edit_played", step=step, t=time.time() * 1000.0)
                except (KeyError, TypeError, ValueError, RuntimeError) as e:  # RuntimeError: an operator's poll failed (nothing to undo)
                    _say("error", message=f"step {step!r} could not be played: {e}")
            rt.tick()
            bpy.context.view_layer.update()  # evaluates the depsgraph: fires depsgraph_update_post under -b
            time.sleep(args.tick_ms / 1000.0)
    finally:
        connection, error = rt.connection, rt.last_error  # as it was at the end, before stopping closes it
        handlers.remove()
        _say("stopped", reason=stop[0] if stop else "time", root=rt.adapter.last_root, queue_errors=len(rt.queue.errors),
             connection=connection, error=error, not_synced=rt.not_synced,
             edits_sent=len(rt.detector.sent), sent=rt.detector.sent if os.environ.get("VIBESYNC_DEBUG") else None)


main()
