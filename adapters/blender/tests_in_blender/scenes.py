"""Scenes for the in-Blender tests, built with plain bpy from scene JSON (Blender space): the JSON
is the truth someone else wrote, the add-on only reads what Blender then holds."""

import math
import random
import struct
import uuid

import bpy

PROP = "vibesync_uuid"

# The scene builder is the add-on's own (the demo builds its sample with it too).
from vibesync_blender.scene.building import build  # noqa: E402,F401


def f32(v):
    return struct.unpack("<f", struct.pack("<f", v))[0]


def _id(r):
    return str(uuid.UUID(int=r.getrandbits(128), version=4))


def random_scene_json(seed=7, objects=12):
    """A Blender-space scene JSON whose every real is a float32, so Blender stores it exactly."""
    r = random.Random(seed)

    def real(lo=-10.0, hi=10.0):
        return f32(r.uniform(lo, hi))

    def quat():
        q = [r.gauss(0, 1) for _ in range(4)]
        n = sum(c * c for c in q) ** 0.5
        return [f32(c / n) for c in q]

    materials = [{"uuid": _id(r), "name": f"Mat{i}", "base_color": [real(0, 1), real(0, 1), real(0, 1), 1.0],
                  "metallic": real(0, 1), "roughness": real(0, 1), "emission": [real(0, 1), 0.0, real(0, 1)]}
                 for i in range(3)]
    positions = [[real(-1, 1), real(-1, 1), real(-1, 1)] for _ in range(5)]
    meshes = [{"uuid": _id(r), "positions": positions, "triangles": [[0, 1, 2], [0, 2, 3], [1, 4, 2]],
               "uv0": [[real(0, 1), real(0, 1)] for _ in positions]}]
    out = []
    kinds = ["mesh", "empty", "camera", "light"]
    for i in range(objects):
        kind = kinds[i % 4]
        parent = out[r.randrange(len(out))]["uuid"] if out and r.random() < 0.6 else None
        o = {"uuid": _id(r), "name": f"{kind.title()}{i}", "kind": kind, "parent": parent,
             "location": [real(), real(), real()], "rotation_quaternion": quat(),
             "scale": [real(0.5, 2), real(0.5, 2), real(0.5, 2)], "visible": r.random() < 0.8,
             "materials": [], "mesh": None}
        if kind == "mesh":
            o["mesh"] = meshes[0]["uuid"]
            o["materials"] = [materials[i % 3]["uuid"], materials[(i + 1) % 3]["uuid"]]
        out.append(o)
    return {"unit_scale": 1.0, "objects": out, "materials": materials, "meshes": meshes}




# ---- real content -------------------------------------------------------------------------------
# Scenes as people make them, at realistic sizes: each builder returns the Blender-space JSON of what
# it built (the truth `vibesync hash` reads) where the records can be written down in advance.

def ids(seed):
    r = random.Random(seed)
    return lambda: _id(r)


def mesh_doc(new_id, positions, triangles, uv0=None):
    m = {"uuid": new_id(), "positions": [[f32(c) for c in p] for p in positions], "triangles": [list(t) for t in triangles]}
    if uv0 is not None:
        m["uv0"] = [[f32(c) for c in u] for u in uv0]
    return m


def object_doc(new_id, name, kind, location=(0.0, 0.0, 0.0), parent=None, mesh=None, materials=()):
    return {"uuid": new_id(), "name": name, "kind": kind, "parent": parent, "location": [f32(c) for c in location],
            "rotation_quaternion": [1.0, 0.0, 0.0, 0.0], "scale": [1.0, 1.0, 1.0], "visible": True,
            "materials": list(materials), "mesh": mesh}


def grid(rows, cols, size=1.0, height=lambda x, y: 0.0):
    """A height field of rows × cols vertices: (positions, triangles, uv0), two triangles per cell."""
    positions, uv0, triangles = [], [], []
    for j in range(rows):
        for i in range(cols):
            x, y = size * i / (cols - 1), size * j / (rows - 1)
            positions.append((x, y, height(x, y)))
            uv0.append((i / (cols - 1), j / (rows - 1)))
    for j in range(rows - 1):
        for i in range(cols - 1):
            a = j * cols + i
            triangles += [(a, a + 1, a + cols + 1), (a, a + cols + 1, a + cols)]
    return positions, triangles, uv0


def uv_sphere(segments=48, rings=24, radius=1.0):
    """A UV sphere whose seam and poles have their own vertices (uv0 is per position)."""
    positions, uv0, triangles = [], [], []
    for j in range(rings + 1):
        theta = math.pi * j / rings
        for i in range(segments + 1):
            phi = 2 * math.pi * i / segments
            positions.append((radius * math.sin(theta) * math.cos(phi), radius * math.sin(theta) * math.sin(phi),
                              radius * math.cos(theta)))
            uv0.append((i / segments, 1 - j / rings))
    for j in range(rings):
        for i in range(segments):
            a, b = j * (segments + 1) + i, (j + 1) * (segments + 1) + i
            if j > 0:
                triangles.append((a, b, a + 1))
            if j < rings - 1:
                triangles.append((a + 1, b, b + 1))
    used = {i for t in triangles for i in t}
    uv0 = [uv if i in used else (0.0, 0.0) for i, uv in enumerate(uv0)]  # Blender keeps UVs per corner: a vertex no face uses has none
    return positions, triangles, uv0


def cube_at(cx, cy, cz, h=0.5):
    positions = [(cx + sx * h, cy + sy * h, cz + sz * h) for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)]
    quads = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    return positions, [t for a, b, c, d in quads for t in ((a, b, c), (a, c, d))]


def loose_parts(islands=8, lone=5):
    """One mesh of separate cubes (as a join of props makes) plus lone vertices nothing uses."""
    positions, triangles = [], []
    for k in range(islands):
        p, t = cube_at(3.0 * k, 0.0, 0.0)
        triangles += [(a + len(positions), b + len(positions), c + len(positions)) for a, b, c in t]
        positions += p
    positions += [(float(k), 5.0, 0.0) for k in range(lone)]
    return positions, triangles


def add_loose_edges(mesh, edges):
    """Edges that bound no face (a wireframe, a hair guide, a cleanup leftover)."""
    mesh.edges.add(len(edges))
    mesh.edges.foreach_set("vertices", [i for e in edges for i in e])
    mesh.update()


def ngon_prism(name, sides=64, radius=1.0, height=2.0):
    """A cylinder whose caps are one n-gon each (Blender's default cap fill) and sides are quads."""
    bottom = [(radius * math.cos(2 * math.pi * k / sides), radius * math.sin(2 * math.pi * k / sides), 0.0) for k in range(sides)]
    top = [(x, y, height) for x, y, _ in bottom]
    faces = [tuple(range(sides - 1, -1, -1)), tuple(range(sides, 2 * sides))]
    faces += [(k, (k + 1) % sides, sides + (k + 1) % sides, sides + k) for k in range(sides)]
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(bottom + top, [], faces)
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    return obj


def add_object(name, data=None, parent=None, location=(0.0, 0.0, 0.0)):
    obj = bpy.data.objects.new(name, data)
    bpy.context.scene.collection.objects.link(obj)
    obj.parent = parent
    obj.location = location
    return obj


def every_converted_type():
    """A curve, a NURBS surface, a metaball and a text: synced as the meshes Blender evaluates."""
    made = {}
    curve = bpy.data.curves.new("Path", "CURVE")
    spline = curve.splines.new("BEZIER")
    spline.bezier_points.add(3)
    made["CURVE"] = add_object("Path", curve, location=(0.0, 4.0, 0.0))
    surface = bpy.data.curves.new("Patch", "SURFACE")
    surface.splines.new("NURBS").points.add(15)
    made["SURFACE"] = add_object("Patch", surface)
    meta = bpy.data.metaballs.new("Blob")
    meta.elements.new()
    made["META"] = add_object("Blob", meta)
    text = bpy.data.curves.new("Title", "FONT")
    text.body = "VibeSync"
    made["FONT"] = add_object("Title", text)
    return made


def every_unsupported_type():
    """One object of every Blender type VibeSync does not sync, as a user would have them."""
    made = {}
    made["CURVES"] = add_object("Fur", bpy.data.hair_curves.new("Fur"))
    made["LATTICE"] = add_object("Cage", bpy.data.lattices.new("Cage"))
    made["LIGHT_PROBE"] = add_object("Probe", bpy.data.lightprobes.new("Probe", "CUBE"))
    made["SPEAKER"] = add_object("Speaker", bpy.data.speakers.new("Speaker"))
    made["GPENCIL"] = add_object("Sketch", bpy.data.grease_pencils.new("Sketch"))
    made["VOLUME"] = add_object("Smoke", bpy.data.volumes.new("Smoke"))
    made["POINTCLOUD"] = add_object("Points", bpy.data.pointclouds.new("Points"))
    return made


def add_bone(armature_obj, name="Hand", head=(0.0, 0.0, 0.0), tail=(0.0, 0.0, 1.0)):
    """A bone, made in edit mode as Blender requires; leaves object mode."""
    bpy.context.view_layer.objects.active = armature_obj
    bpy.ops.object.mode_set(mode="EDIT")
    bone = armature_obj.data.edit_bones.new(name)
    bone.head, bone.tail = head, tail
    bpy.ops.object.mode_set(mode="OBJECT")
    return armature_obj.data.bones[name]


def load_sample(name):
    """A bpy scene builder of samples/ (``name``.py) as a module: its ``build`` and ``export``."""
    import importlib.util
    import os
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    spec = importlib.util.spec_from_file_location(name, os.path.join(root, "samples", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
