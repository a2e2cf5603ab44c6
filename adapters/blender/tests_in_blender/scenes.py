"""Scenes for the in-Blender tests, built with plain bpy from scene JSON (Blender space): the JSON
is the truth someone else wrote, the add-on only reads what Blender then holds."""

import random
import struct
import uuid

import bpy

PROP = "vibesync_uuid"


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


def build(doc):
    """Empties the current file and builds ``doc`` with plain bpy."""
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    scene = bpy.context.scene
    scene.unit_settings.scale_length = doc.get("unit_scale", 1.0)
    materials = {}
    for m in doc.get("materials", []):
        mat = bpy.data.materials.new(m["name"])
        mat.use_nodes = True
        node = next(n for n in mat.node_tree.nodes if n.type == "BSDF_PRINCIPLED")
        node.inputs["Base Color"].default_value = m["base_color"]
        node.inputs["Metallic"].default_value = m["metallic"]
        node.inputs["Roughness"].default_value = m["roughness"]
        emission = node.inputs.get("Emission Color") or node.inputs["Emission"]
        emission.default_value = list(m["emission"]) + [1.0]
        mat[PROP] = m["uuid"]
        materials[m["uuid"]] = mat
    meshes = {}
    for m in doc.get("meshes", []):
        mesh = bpy.data.meshes.new("Mesh")
        mesh.from_pydata([tuple(p) for p in m["positions"]], [], [tuple(t) for t in m["triangles"]])
        if "uv0" in m:
            layer = mesh.uv_layers.new(name="UVMap")
            for loop in mesh.loops:
                layer.data[loop.index].uv = m["uv0"][loop.vertex_index]
        mesh[PROP] = m["uuid"]
        meshes[m["uuid"]] = mesh
    objects = {}
    for o in doc["objects"]:
        data = None
        if o["kind"] == "mesh":
            data = meshes[o["mesh"]]
        elif o["kind"] == "camera":
            data = bpy.data.cameras.new(o["name"])
        elif o["kind"] == "light":
            data = bpy.data.lights.new(o["name"], "POINT")
        obj = bpy.data.objects.new(o["name"], data)
        scene.collection.objects.link(obj)
        obj.rotation_mode = "QUATERNION"
        obj.location = o["location"]
        obj.rotation_quaternion = o["rotation_quaternion"]
        obj.scale = o["scale"]
        if o["parent"] is not None:
            obj.parent = objects[o["parent"]]  # matrix_parent_inverse stays identity: location is local
        if o["kind"] == "mesh":
            while len(data.materials) < len(o["materials"]):
                data.materials.append(None)
            for slot, mid in zip(obj.material_slots, o["materials"]):
                slot.link = "OBJECT"
                slot.material = materials[mid] if mid else None
        obj.hide_set(not o["visible"])
        obj[PROP] = o["uuid"]
        objects[o["uuid"]] = obj
    return scene
