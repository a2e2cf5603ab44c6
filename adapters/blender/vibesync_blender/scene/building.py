"""Builds a Blender scene from scene JSON in Blender space (the shape ``vibesync hash --space
blender`` reads), with plain bpy: the sample of ``vibesync demo`` and the in-Blender tests' scenes.
Records keep their VibeSync IDs. Meshes in the inline form (positions, triangles, uv0; Blender
space) are built with ``from_pydata``; meshes in the record form from their blobs. Needs bpy; runs
on the main thread."""

import bpy

from ..protocol.scene_json import read_mesh_record
from .geometry import write_geometry
from .identity import PROP
from .meshes import geometry_of


def build(doc, blobs=None):
    """Empties the current file and builds ``doc`` with plain bpy (``blobs``: where the record form's
    blobs are, ``get(id)``)."""
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
        if "positions" not in m:
            write_geometry(mesh, geometry_of(read_mesh_record(m, "mesh", m["uuid"]), blobs), scene.unit_settings.scale_length)
        else:
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
