"""Builds a Blender scene from scene JSON in Blender space (the shape ``vibesync hash --space
blender`` reads), with plain bpy: the sample of ``vibesync demo`` and the in-Blender tests' scenes.
Records keep their VibeSync IDs. Meshes in the inline form (positions, triangles, uv0; Blender
space) are built with ``from_pydata``; meshes in the record form from their blobs. Needs bpy; runs
on the main thread."""

import bpy

from ..protocol.scene_json import read_mesh_record
from . import images as image_blocks, materials as graphs, optics
from .geometry import write_geometry
from .identity import PROP
from .meshes import geometry_of


def build(doc, blobs=None):
    """Empties the current file and builds ``doc`` with plain bpy (``blobs``: where the record form's
    blobs are, ``get(id)``)."""
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    scene = bpy.context.scene
    scene.unit_settings.scale_length = doc.get("unit_scale", 1.0)
    images = {}
    for i in doc.get("images", []):  # packed from their blobs' bytes, as an APPLY writes them
        held = blobs.get(i["blob"]) if blobs is not None else None
        if held is None:
            raise KeyError(f"image {i['uuid']}: blob {i['blob']} is not in the blobs given")
        data = bytes(held[1]) if isinstance(held, tuple) else bytes(held)
        image = image_blocks.packed_image(i["name"], data, i.get("color_space", "srgb"), image_blocks.ext_of(i["mime"]))
        image[PROP] = i["uuid"]
        images[i["uuid"]] = image
    materials, graphs_to_write = {}, []
    for m in doc.get("materials", []):
        mat = bpy.data.materials.new(m["name"])
        mat.use_nodes = True
        current, _ = graphs.read_material(mat, lambda image: (image.get(PROP), None), lambda material, name: None)
        target = dict(graphs.DEFAULTS, textures={})
        target.update({k: (tuple(v) if isinstance(v, list) else v) for k, v in m.items() if k in graphs.DEFAULTS})
        target["textures"] = {slot: dict(graphs.TEXTURE_DEFAULTS, **{k: (tuple(v) if isinstance(v, list) else v)
                                                                      for k, v in t.items()})
                              for slot, t in m.get("textures", {}).items()}
        mat[PROP] = m["uuid"]
        materials[m["uuid"]] = mat
        graphs_to_write.append((mat, current, target))
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
        if o.get("camera") is not None:
            optics.write_camera(data, scene, o["camera"])
        if o.get("light") is not None:
            optics.write_light(data, o["light"])
            data = obj.data
        obj.hide_set(not o["visible"])
        obj[PROP] = o["uuid"]
        objects[o["uuid"]] = obj
    for mat, current, target in graphs_to_write:  # once the meshes show them: UV Map nodes name their UV maps
        graphs.write_material(mat, current, target, images.__getitem__, lambda k, mat=mat: graphs.uv_name(mat, k))
    return scene
