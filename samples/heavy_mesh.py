"""The scene of `vibesync bench content` (issue #17, "Performance"): one big mesh and a cube.

    blender -b --factory-startup --python samples/heavy_mesh.py -- build OUT.blend [VERTICES]
    blender -b OUT.blend --python samples/heavy_mesh.py -- export OUT.glb

``build`` writes a .blend holding "Heavy", a smooth-shaded grid of about VERTICES vertices (default
1,000,000; the nearest square) gently waved in z so its normals differ, with one UV map laid out
like the grid (so no vertex splits: its glTF vertex count is its vertex count), and "Cube", a
default cube. Built with numpy and foreach_set (a Python loop per vertex would take minutes).

``export`` times Blender's own glTF exporter writing the opened file to a .glb (defaults, GLB)
and prints one JSON line ``{"event": "gltf_export", "seconds": s, "bytes": n}``: only the
exporter's call is timed, not starting Blender or loading the file.
"""

import json
import math
import os
import sys
import time

import bpy
import numpy as np


def build(path, vertices=1_000_000):
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    side = max(2, int(round(math.sqrt(vertices))))
    xs = np.linspace(-10.0, 10.0, side, dtype=np.float32)
    gx, gy = np.meshgrid(xs, xs, indexing="xy")
    gz = 0.3 * np.sin(gx * 0.7) * np.cos(gy * 0.5)
    co = np.stack([gx.ravel(), gy.ravel(), gz.ravel().astype(np.float32)], axis=1).astype(np.float32)

    # Quads (i, i+1, i+side+1, i+side) over the grid, counter-clockwise seen from +z.
    i = (np.arange(side - 1)[None, :] + side * np.arange(side - 1)[:, None]).ravel()
    quads = np.stack([i, i + 1, i + side + 1, i + side], axis=1).astype(np.int32)

    mesh = bpy.data.meshes.new("Heavy")
    mesh.vertices.add(len(co))
    mesh.vertices.foreach_set("co", co.ravel())
    mesh.loops.add(quads.size)
    mesh.loops.foreach_set("vertex_index", quads.ravel())
    mesh.polygons.add(len(quads))
    mesh.polygons.foreach_set("loop_start", np.arange(0, quads.size, 4, dtype=np.int32))
    mesh.polygons.foreach_set("loop_total", np.full(len(quads), 4, dtype=np.int32))
    mesh.polygons.foreach_set("use_smooth", np.ones(len(quads), dtype=bool))
    uv = mesh.uv_layers.new(name="UVMap")
    uvs = (co[quads.ravel(), :2] + 10.0) / 20.0  # the vertex's place on the grid: one UV per vertex
    uv.data.foreach_set("uv", uvs.astype(np.float32).ravel())
    mesh.update(calc_edges=True)
    mesh.validate()

    heavy = bpy.data.objects.new("Heavy", mesh)
    bpy.context.scene.collection.objects.link(heavy)
    bpy.ops.mesh.primitive_cube_add(location=(0.0, 0.0, 3.0))
    cube = bpy.context.object
    cube.name = cube.data.name = "Cube"
    bpy.context.view_layer.update()
    bpy.ops.wm.save_as_mainfile(filepath=path)
    print(json.dumps({"event": "built", "file": path, "vertices": len(mesh.vertices), "faces": len(mesh.polygons)}), flush=True)


def export(path):
    t = time.perf_counter()
    bpy.ops.export_scene.gltf(filepath=path, export_format="GLB")
    seconds = time.perf_counter() - t
    print(json.dumps({"event": "gltf_export", "seconds": seconds, "bytes": os.path.getsize(path)}), flush=True)


if __name__ == "__main__":
    argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    if len(argv) >= 2 and argv[0] == "build":
        build(argv[1], int(argv[2]) if len(argv) > 2 else 1_000_000)
    elif len(argv) == 2 and argv[0] == "export":
        export(argv[1])
    else:
        sys.exit("usage: heavy_mesh.py -- build OUT.blend [VERTICES] | export OUT.glb")
