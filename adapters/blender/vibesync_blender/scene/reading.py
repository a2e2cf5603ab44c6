"""Blender's values → VibeSync records: first in Blender space exactly as Blender stores them
(float32 values widened to Python floats, so nothing is rounded twice), then converted to
canonical by the shared protocol code. The Blender-space records are what `vibesync hash --space
blender` reads, so the adapter's root equals the CLI's for the same values.

Choices (docs/blender.md): the local transform is location, the rotation in the object's own
rotation mode as a quaternion, and scale; when an object's parent inverse matrix is not identity
(Blender's Ctrl+P keeps one) the local transform is that matrix times the basis, decomposed. An
object is visible unless hidden in the view layer or disabled in viewports. Materials are read from
their Principled BSDF (its unlinked input values), or from the viewport values when they have no
node tree. Meshes are triangulated; UVs are per corner in Blender and per position here, so a
vertex whose corners disagree is split (extra positions appended after the original vertices, in
corner order), and a mesh without UV layers has no uv0.
"""

from array import array
from dataclasses import replace

import bpy
from mathutils import Matrix, Quaternion

from ..protocol.convert import to_canonical
from ..protocol.model import Material, Mesh, Scene, SceneObject
from .identity import id_of

KIND = {"MESH": "mesh", "CAMERA": "camera", "LIGHT": "light"}  # anything else is synced as an empty
IDENTITY = Matrix.Identity(4)


def unit_scale(scene):
    s = scene.unit_settings.scale_length
    return s if s > 0 else 1.0


def kind_of(obj):
    return KIND.get(obj.type, "empty")


def visible(obj):
    try:
        hidden = obj.hide_get()
    except RuntimeError:  # not in the active view layer
        hidden = False
    return not (hidden or obj.hide_viewport)


def rotation_quaternion(obj):
    """The object's rotation as a Blender quaternion (w, x, y, z), whatever its rotation mode."""
    mode = obj.rotation_mode
    if mode == "QUATERNION":
        return tuple(obj.rotation_quaternion)
    if mode == "AXIS_ANGLE":
        angle, x, y, z = obj.rotation_axis_angle
        return tuple(Quaternion((x, y, z), angle))
    return tuple(obj.rotation_euler.to_quaternion())


def local_transform(obj):
    """(location, rotation w-x-y-z, scale) of the object relative to its parent."""
    if obj.parent is not None and obj.matrix_parent_inverse != IDENTITY:
        loc, rot, sca = (obj.matrix_parent_inverse @ obj.matrix_basis).decompose()
        return tuple(loc), tuple(rot), tuple(sca)
    return tuple(obj.location), rotation_quaternion(obj), tuple(obj.scale)


def blender_object(obj, index):
    """The object's record in Blender space. Parents outside the synced set read as the root."""
    loc, (w, x, y, z), sca = local_transform(obj)
    parent = id_of(obj.parent) if obj.parent is not None else None
    if parent is not None and parent not in index.objects:
        parent = None
    kind = kind_of(obj)
    mesh = _synced(obj.data, index.meshes) if kind == "mesh" else None
    materials = tuple(_synced(s.material, index.materials) for s in obj.material_slots) if kind == "mesh" else ()
    return SceneObject(id_of(obj), obj.name, kind, parent, loc, (x, y, z, w), sca, visible(obj), materials, mesh)


def _synced(block, table):
    """The block's ID when VibeSync syncs it (a library-linked material is not): else None."""
    uid = id_of(block) if block is not None else None
    return uid if uid in table else None


def fingerprint(obj):
    """A cheap summary of what an object's record is made of: equal fingerprints, equal records.
    Moving a parent re-evaluates every descendant; this tells the few that changed from the many
    that only moved along, without converting and hashing them."""
    return (obj.name, tuple(obj.location), obj.rotation_mode, tuple(obj.rotation_quaternion), tuple(obj.rotation_euler),
            tuple(obj.rotation_axis_angle), tuple(obj.scale), obj.parent.name if obj.parent else None, obj.hide_viewport,
            obj.data.name if obj.data else None, tuple(s.material.name if s.material else None for s in obj.material_slots))


def principled(material):
    if material.use_nodes and material.node_tree is not None:
        for node in material.node_tree.nodes:
            if node.type == "BSDF_PRINCIPLED":
                return node
    return None


def emission_input(node):
    return node.inputs.get("Emission Color") or node.inputs.get("Emission")  # 4.x / 3.x


def blender_material(material):
    node = principled(material)
    if node is None:
        return Material(id_of(material), material.name, tuple(material.diffuse_color), material.metallic,
                        material.roughness, (0.0, 0.0, 0.0))
    emission = emission_input(node)
    return Material(id_of(material), material.name, tuple(node.inputs["Base Color"].default_value),
                    node.inputs["Metallic"].default_value, node.inputs["Roughness"].default_value,
                    tuple(emission.default_value)[:3] if emission is not None else (0.0, 0.0, 0.0))


def blender_mesh(mesh):
    n = len(mesh.vertices)
    co = array("f", bytes(4 * 3 * n))
    mesh.vertices.foreach_get("co", co)
    positions = [(co[3 * i], co[3 * i + 1], co[3 * i + 2]) for i in range(n)]
    mesh.calc_loop_triangles()
    t = len(mesh.loop_triangles)
    corners = array("i", bytes(4 * 3 * t))
    mesh.loop_triangles.foreach_get("loops", corners)
    loop_vertex = array("i", bytes(4 * len(mesh.loops)))
    mesh.loops.foreach_get("vertex_index", loop_vertex)
    layer = mesh.uv_layers.active
    if layer is None:
        triangles = [(loop_vertex[corners[3 * i]], loop_vertex[corners[3 * i + 1]], loop_vertex[corners[3 * i + 2]])
                     for i in range(t)]
        return Mesh(id_of(mesh), tuple(positions), tuple(triangles), None)
    uv = array("f", bytes(4 * 2 * len(mesh.loops)))
    layer.data.foreach_get("uv", uv)
    uv0 = [None] * n
    split = {}  # (vertex, u, v) → index of an appended position
    position_of_loop = []
    for loop, v in enumerate(loop_vertex):
        pair = (uv[2 * loop], uv[2 * loop + 1])
        if uv0[v] is None or uv0[v] == pair:
            uv0[v] = pair
            position_of_loop.append(v)
            continue
        key = (v, pair)
        if key not in split:
            split[key] = len(positions)
            positions.append(positions[v])
            uv0.append(pair)
        position_of_loop.append(split[key])
    uv0 = [p if p is not None else (0.0, 0.0) for p in uv0]  # a loose vertex has no corner
    triangles = [(position_of_loop[corners[3 * i]], position_of_loop[corners[3 * i + 1]],
                  position_of_loop[corners[3 * i + 2]]) for i in range(t)]
    return Mesh(id_of(mesh), tuple(positions), tuple(triangles), tuple(uv0))


def blender_scene(scene, index, uuids=None):
    """The synced records in Blender space (all, or only ``uuids``), in index order."""
    def blocks(table, resolve):
        if uuids is None or len(uuids) > 16:  # one pass beats many linear name lookups
            return [(uid, b) for uid, b in index.each(table) if uuids is None or uid in uuids]
        return [(uid, b) for uid in getattr(index, table) if uid in uuids for b in [resolve(uid)] if b is not None]
    objects = tuple(blender_object(o, index) for _, o in blocks("objects", index.object))
    materials = tuple(blender_material(m) for _, m in blocks("materials", index.material))
    meshes = tuple(blender_mesh(m) for _, m in blocks("meshes", index.mesh))
    return Scene(objects, materials, meshes)


def canonical_scene(scene, index, uuids=None):
    """The synced records in canonical space. A subset still converts each object against its
    real parent: a camera's child needs its parent's frame even when the parent is not asked for."""
    native = blender_scene(scene, index, uuids)
    if uuids is not None:
        present = {o.uuid for o in native.objects}
        extra = [blender_object(index.object(o.parent), index) for o in native.objects
                 if o.parent is not None and o.parent not in present and index.object(o.parent) is not None]
        widened = Scene(native.objects + tuple(_as_root(e) for e in extra), native.materials, native.meshes)
        converted = to_canonical(widened, "blender", unit_scale(scene))
        return Scene(converted.objects[:len(native.objects)], converted.materials, converted.meshes)
    return to_canonical(native, "blender", unit_scale(scene))


def _as_root(o):
    return replace(o, parent=None)
