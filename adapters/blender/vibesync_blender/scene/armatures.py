"""Armatures, bones and skins ⇄ glTF joints and skins (content schema 4, CONTENT-V4 §2–§4).

Reading follows Blender's bundled glTF exporter (io_scene_gltf2 3.4), read for this, no code copied:
gather_tree.py places a bone's node at ``armature.matrix_world @ bone.matrix_local @ K`` (K the Y-up
basis change, the REST pose by default), so a root joint's local matrix is ``matrix_local @ K`` and a
child's ``K⁻¹ @ parent.matrix_local⁻¹ @ matrix_local @ K``; these are decomposed and swizzled like an
object's local transform (protocol/convert.py). gather_skins.py lists the joints depth first (root
bones in the armature's order, then each bone's children) and writes each inverse bind matrix as
``(K @ armature.matrix_world @ matrix_local)⁻¹``, column-major. A skin record's matrices are in its
skeleton's space, the armature's (CONTENT-V4 §3, amended): ``(K @ matrix_local)⁻¹``, the exporter's
times the armature's canonical world matrix, so moving the armature changes no skin. gather_primitives_extract.py and
gather_primitive_attributes.py give JOINTS_0/WEIGHTS_0: a vertex's deform-group weights of the
armature's bones above 1e-4, the 4 largest, normalized in float32.

A bone's VibeSync ID is the custom property ``vibesync_id`` on the Bone (Blender copies ID properties
between a Bone and its EditBone on entering and leaving edit mode, so it survives edit mode, renames
and undo). In edit mode the edit bones are read: the bones are stale then, as a mesh's arrays are.
"""

import contextlib

import bpy
import numpy as np
from mathutils import Matrix, Vector

BONE_PROP = "vibesync_id"
SKIN_PROP = "vibesync_skin_id"  # on the armature *object*: the ID of its skin record
APPLIED_IBM_PROP = "vibesync_ibm"  # on the armature object: the bind matrices blob an APPLY gave, read back while the rest still matches it (float rounding apart)
IBM_TOLERANCE = 1e-4  # how far bind matrices may be from the bones' rest and still be accepted (and read back) as theirs
MIN_INFLUENCE = 1e-4            # the exporter drops weights at or below this
MAX_INFLUENCES = 4
K = Matrix(((1.0, 0.0, 0.0, 0.0), (0.0, 0.0, 1.0, 0.0), (0.0, -1.0, 0.0, 0.0), (0.0, 0.0, 0.0, 1.0)))
K_INV = K.inverted()


def bones_of(armature_object):
    """The armature's bones as Blender currently shows them: its edit bones in edit mode, else its bones."""
    data = armature_object.data
    return data.edit_bones if data.is_editmode else data.bones


def rest_matrix(bone):
    """A bone's rest matrix in armature space (Bone.matrix_local; EditBone.matrix)."""
    return bone.matrix_local if hasattr(bone, "matrix_local") else bone.matrix


def in_order(bones):
    """The bones depth first, as the exporter lists joints: root bones in the armature's order, each
    followed by its children (Bone.children's order), recursively."""
    out = []
    todo = [b for b in reversed(list(bones)) if b.parent is None]
    while todo:
        b = todo.pop()
        out.append(b)
        todo.extend(reversed(list(b.children)))
    return out


def joint_local(bone):
    """The Blender-space local matrix of a bone's joint node, relative to its parent joint (or to the
    armature node for a root bone), as the exporter's REST-pose node matrices give it."""
    if bone.parent is None:
        return rest_matrix(bone) @ K
    return K_INV @ rest_matrix(bone.parent).inverted_safe() @ rest_matrix(bone) @ K


def joint_world(armature_object, pose_bone):
    """The world matrix (Blender space) of a bone's node in the current pose: what objects parented to
    the bone hang from (they follow the pose, so their transform relative to it is the rest one)."""
    return armature_object.matrix_world @ pose_bone.matrix @ K


def inverse_bind_matrices(armature_object, bones, unit_scale=1.0):
    """(len(bones), 16) float32, each ``(K @ matrix_local)⁻¹`` column-major: the bind matrices in the
    armature's own (canonical) space, the skin's skeleton, whatever the armature's world matrix
    (translations scaled by the scene's unit scale, as positions are)."""
    del armature_object  # the space is the armature's own: its world matrix does not enter
    out = np.empty((len(bones), 16), dtype=np.float32)
    for i, b in enumerate(bones):
        m = (K @ rest_matrix(b)).inverted_safe()
        a = np.array(m, dtype=np.float64)  # rows
        if unit_scale != 1.0:
            a[:3, 3] *= unit_scale
        out[i] = a.T.reshape(16)
    return out


def skinning_armature(obj):
    """The armature object the first Armature modifier of ``obj`` deforms it with, or None."""
    for m in getattr(obj, "modifiers", ()):
        if m.type == "ARMATURE" and m.object is not None and m.object.type == "ARMATURE":
            return m.object
    return None


def vertex_influences(mesh, vertex_groups, joint_index):
    """(joints (n, 4) uint16, weights (n, 4) float32, vertices that lost influences) of a mesh's
    vertices: per vertex, its groups named after a joint (``joint_index``: bone name → joint index)
    with a weight above 1e-4, sorted by weight descending then joint ascending, the first 4
    normalized to sum 1 (float32, as the exporter); a vertex with none has joint 0 weight 0 in every
    slot. The third value counts the vertices that had more than 4."""
    n = len(mesh.vertices)
    group_joint = np.array([joint_index.get(g.name, -1) for g in vertex_groups] or [-1], dtype=np.int64)
    vertex, group, weight = [], [], []
    for v in mesh.vertices:  # Blender exposes no array of a vertex's groups
        for g in v.groups:
            vertex.append(v.index)
            group.append(g.group)
            weight.append(g.weight)
    vertex = np.array(vertex, dtype=np.int64)
    group = np.array(group, dtype=np.int64)
    weight = np.array(weight, dtype=np.float32)
    valid = (group < len(group_joint)) & (weight > MIN_INFLUENCE)
    joint = np.where(valid, group_joint[np.minimum(group, len(group_joint) - 1)], -1)
    keep = joint >= 0
    vertex, joint, weight = vertex[keep], joint[keep], weight[keep]
    order = np.lexsort((joint, -weight.astype(np.float64), vertex))
    vertex, joint, weight = vertex[order], joint[order], weight[order]
    counts = np.bincount(vertex, minlength=n)
    starts = np.cumsum(counts) - counts
    rank = np.arange(len(vertex)) - starts[vertex]
    slot = rank < MAX_INFLUENCES
    joints = np.zeros((n, MAX_INFLUENCES), dtype=np.uint16)
    weights = np.zeros((n, MAX_INFLUENCES), dtype=np.float32)
    joints[vertex[slot], rank[slot]] = joint[slot]
    weights[vertex[slot], rank[slot]] = weight[slot]
    total = weights.sum(axis=1, dtype=np.float32)
    moved = total > 0
    weights[moved] /= total[moved, None]
    return joints, weights, int((counts > MAX_INFLUENCES).sum())


# ---- writing -------------------------------------------------------------------------------------

def rest_from_joints(locals_by_bone, parent_of):
    """Armature-space rest matrices from joint local matrices (Blender space, as ``joint_local``
    gives them): the inverse of reading. ``locals_by_bone`` name → Matrix, ``parent_of`` name →
    parent bone name or None; parents come before children in the dict's order."""
    rest = {}
    for name, local in locals_by_bone.items():
        parent = parent_of[name]
        if parent is None:
            rest[name] = local @ K_INV
        else:
            rest[name] = rest[parent] @ K @ local @ K_INV
    return rest


DEFAULT_LENGTH = 0.1  # a joint carries no length: a new bone gets this until a child's head gives one


class ArmatureBusy(Exception):
    """The armature is in edit mode by the human: its bones are not written under them."""


@contextlib.contextmanager
def editing(rig):
    """Edit mode on ``rig`` (Blender creates and moves bones only there), then back to object mode,
    the active object and selection restored. The human's own edit mode is never entered or left."""
    if rig.data.is_editmode:
        raise ArmatureBusy(f"armature '{rig.name}' is in edit mode in Blender")
    context = bpy.context
    layer = context.view_layer
    active = layer.objects.active
    mode = context.object.mode if context.object is not None else "OBJECT"
    if mode != "OBJECT":
        raise ArmatureBusy(f"object '{context.object.name}' is in {mode.lower().replace('_', ' ')} mode in Blender")
    hidden = rig.hide_get() if rig.name in layer.objects else False
    if rig.name not in layer.objects:
        raise ArmatureBusy(f"armature '{rig.name}' is not in the view layer, so Blender cannot edit its bones")
    rig.hide_set(False)
    layer.objects.active = rig
    bpy.ops.object.mode_set(mode="EDIT")
    try:
        yield rig.data.edit_bones
    finally:
        bpy.ops.object.mode_set(mode="OBJECT")
        layer.objects.active = active
        rig.hide_set(hidden)


BONE_FIELDS = ("head", "tail", "roll", "use_connect", "use_deform", "hide")


def snapshot(rig):
    """Every bone's rest state (edit-bone fields, parent, ID), to put back exactly with ``restore``."""
    return [(b.name, b.parent.name if b.parent else None, b.head_local.copy(), b.tail_local.copy(),
             _roll(b), b.use_connect, b.use_deform, b.hide, b.get(BONE_PROP)) for b in rig.data.bones]


def _roll(bone):
    """A Bone's roll (Blender stores it only on edit bones): from its rest matrix, as Blender does."""
    from bpy.types import Bone
    _, roll = Bone.AxisRollFromMatrix(bone.matrix_local.to_3x3())
    return roll


def restore(rig, state):
    """Puts a ``snapshot`` back: bones it lacks are removed, missing ones made, every field set. A bone
    that was removed and is made again loses its pose-bone settings (constraints, custom shape)."""
    with editing(rig) as bones:
        keep = {s[0] for s in state}
        for b in [b for b in bones if b.name not in keep]:
            bones.remove(b)
        for name, *_ in state:
            if name not in bones:
                bones.new(name)
        for name, parent, head, tail, roll, connect, deform, hide, uid in state:
            b = bones[name]
            b.parent = bones[parent] if parent else None
            b.head, b.tail, b.roll = head, tail, roll
            b.use_connect, b.use_deform, b.hide = connect, deform, hide
            if uid is None:
                b.pop(BONE_PROP, None)
            else:
                b[BONE_PROP] = uid


def place(edit_bone, rest, length=None):
    """An edit bone at an armature-space rest matrix (translation = head, Y = along the bone, Z gives
    the roll); its length kept (a matrix carries none), or ``length``."""
    keep = length if length is not None else (edit_bone.length if edit_bone.length > 1e-6 else DEFAULT_LENGTH)
    if edit_bone.length < 1e-6:  # a new bone has none, and a zero-length bone takes no orientation
        edit_bone.tail = edit_bone.head + Vector((0.0, keep, 0.0))
    edit_bone.matrix = rest.normalized()
    edit_bone.length = keep


def reach_child(parent, child):
    """A parent bone whose +Y axis points at a child's head grows to reach it (how rigs are drawn; a
    joint carries no length, and the rest matrices stay as they are)."""
    local = parent.matrix.inverted_safe() @ child.head
    if local.y > 1e-6 and abs(local.x) < 1e-5 * local.y and abs(local.z) < 1e-5 * local.y:
        parent.length = local.y


def write_vertex_groups(obj, joint_names, joints, weights, blender_vertex):
    """The object's vertex groups from JOINTS_0/WEIGHTS_0 (record vertices) through ``blender_vertex``
    (the Blender vertex of each record vertex): one group per joint used, named after its bone; groups
    named after other joints emptied first. Other groups are left as they are."""
    first = {}
    for record_vertex, v in enumerate(blender_vertex.tolist()):
        first.setdefault(v, record_vertex)
    names = set(joint_names)
    for g in list(obj.vertex_groups):
        if g.name in names:
            obj.vertex_groups.remove(g)
    groups = {}
    for v, r in first.items():
        for j, w in zip(joints[r].tolist(), weights[r].tolist()):
            if w > 0.0:
                name = joint_names[j]
                g = groups.get(name)
                if g is None:
                    g = groups[name] = obj.vertex_groups.new(name=name)
                g.add([v], w, "REPLACE")
