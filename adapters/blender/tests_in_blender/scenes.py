"""Scenes for the in-Blender tests, built with plain bpy from scene JSON (Blender space): the JSON
is the truth someone else wrote, the add-on only reads what Blender then holds."""

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


