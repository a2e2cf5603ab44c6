"""A Blender mesh ⇄ the arrays of a glTF mesh (CONTENT-V2 §2, §5), in canonical space, with numpy.

Reading follows the rule of Blender's bundled glTF exporter (io_scene_gltf2 3.4,
``gltf2_blender_gather_primitives_extract.py``): a glTF vertex is one distinct tuple of (Blender
vertex, the corner's attributes): its normal (``calc_normals_split``: flat/smooth faces, sharp
edges with auto smooth, custom split normals; a zero normal becomes +Z as there), every UV layer in
the list's order, the colour attribute Blender renders with (linear RGBA), and the tangent when
asked. Triangles are ``loop_triangles`` (Blender's own triangulation), grouped in one primitive per
material index. Two differences, both allowed by the record (one attribute set for all
primitives): a vertex two materials share is one vertex, not one per primitive; and vertices are
numbered Blender's vertices first (vertex i stays i, so a mesh without seams keeps its numbering)
and the split copies after them, in order of first use, not the exporter's sort order.

Everything is whole-array numpy (``foreach_get`` / ``foreach_set``): no Python loop per vertex or
corner. The common case (a corner agreeing with its vertex's first corner) costs one comparison;
only the corners that disagree are deduplicated, by a 64-bit key verified exactly afterwards.
"""

import bpy
import numpy as np

from ..protocol import convert

# Attribute layout of the per-corner matrix: (semantic, components).
NORMAL, COLOR, TANGENT = "NORMAL", "COLOR_0", "TANGENT"
WHITE = (1.0, 1.0, 1.0, 1.0)


class Geometry:
    """A mesh as glTF arrays in canonical space: ``attributes`` semantic → float32 (n, c) array
    (JOINTS_0 uint16), ``primitives`` [(material slot, uint32 indices)] ascending by slot, ``targets``
    [(name, POSITION deltas (n, 3), NORMAL deltas (n, 3) or None)] in key order, ``weights`` one per
    target."""

    __slots__ = ("vertex_count", "attributes", "primitives", "targets", "weights")

    def __init__(self, vertex_count, attributes, primitives, targets=(), weights=()):
        self.vertex_count = vertex_count
        self.attributes = attributes
        self.primitives = primitives
        self.targets = list(targets)
        self.weights = list(weights)

    def triangle_count(self):
        return sum(len(i) // 3 for _, i in self.primitives)


# ---- Blender → canonical -------------------------------------------------------------------------

def _get(seq, attr, count, components, dtype=np.float32):
    out = np.empty(count * components, dtype=dtype)
    if count:
        seq.foreach_get(attr, out)
    return out.reshape(count, components) if components > 1 else out


def _indices(seq, attr, count, components=1):
    """Unsigned index arrays read as uint32, the type Blender stores them in (any other type takes
    foreach_get's per-item path, ten times slower), seen as int32 (every index fits)."""
    return _get(seq, attr, count, components, np.uint32).view(np.int32)


def normals(mesh, loop_vertex, face_of_corner):
    """The normals Blender shows, as ("vertex", (n, 3)) when every face is smooth without auto smooth
    or custom normals (each corner then has its vertex's normal, exactly what ``calc_normals_split``
    copies, read from Blender's cached arrays), else ("corner", (L, 3)): flat faces take their face's
    normal, and auto smooth, sharp edges and custom normals come from ``calc_normals_split``."""
    count = len(mesh.loops)
    simple = hasattr(mesh, "vertex_normals") and not mesh.has_custom_normals and not getattr(mesh, "use_auto_smooth", True)
    if simple:
        smooth = _get(mesh.polygons, "use_smooth", len(mesh.polygons), 1, bool)
        vn = _get(mesh.vertex_normals, "vector", len(mesh.vertices), 3)
        if smooth.all():
            return "vertex", _nonzero(vn)
        fn = _get(mesh.polygon_normals, "vector", len(mesh.polygons), 3)
        if not smooth.any():
            return "corner", _nonzero(fn)[face_of_corner]
        return "corner", _nonzero(np.where(smooth[face_of_corner, None], vn[loop_vertex], fn[face_of_corner]))
    if hasattr(mesh, "calc_normals_split"):  # Blender ≤ 4.0
        if count:
            mesh.calc_normals_split()
        return "corner", _nonzero(_get(mesh.loops, "normal", count, 3))
    return "corner", _nonzero(_get(mesh.corner_normals, "vector", count, 3))  # 4.1+


def _nonzero(normals):
    """A zero normal (a degenerate face) becomes +Z, as the exporter does; −0.0 becomes 0.0."""
    zero = ~normals.any(axis=1)
    normals[zero, 2] = 1.0
    normals += np.float32(0.0)
    return normals


def render_color(mesh):
    """The colour attribute Blender renders with, or None."""
    colors = getattr(mesh, "color_attributes", None)
    if colors is None or len(colors) == 0:
        return None
    i = colors.render_color_index
    return colors[i] if 0 <= i < len(colors) else None


def same_bits(a, b):
    """True when ``a`` and ``b`` hold bit-identical values of one dtype and shape (−0.0 and 0.0
    differ): whatever was derived from ``b`` then stands for ``a``. A compare of two 16 MB arrays
    takes milliseconds; what it lets a read skip takes a hundred."""
    if a is b:
        return True
    if b is None or a.dtype != b.dtype or a.shape != b.shape:
        return False
    bits = np.dtype(f"u{a.dtype.itemsize}")
    return bool(np.array_equal(np.ascontiguousarray(a).view(bits), np.ascontiguousarray(b).view(bits)))


class Reuse:
    """One mesh's previous read, so the next read of it skips what bit-equal inputs make equal:
    the split of vertices by corner attributes and the primitives' index arrays. Moving vertices
    of a smooth mesh changes neither (its normals are per vertex, and its corners, faces, UVs and
    materials stay). Positions are never among the inputs, so primitives are reused only without
    n-gons (Blender's polyfill of an n-gon depends on where its vertices are). Keeps the previous
    inputs (about 60 bytes per corner), the price of comparing instead of recomputing."""

    __slots__ = ("inputs", "split", "first", "face_of_corner", "primitives")

    def __init__(self):
        self.inputs = self.split = self.first = self.face_of_corner = self.primitives = None

    def matches(self, inputs):
        return self.inputs is not None and len(inputs) == len(self.inputs) and \
            all(same_bits(a, b) if isinstance(a, np.ndarray) else a == b for a, b in zip(inputs, self.inputs))


def morph_keys(mesh):
    """The shape keys the exporter writes as morph targets, in key order: every key but a reference
    (one relative to itself) and the muted ones; with the reference their deltas are taken from."""
    keys = mesh.shape_keys
    if keys is None:
        return [], None
    exported = [k for k in keys.key_blocks if not (k == k.relative_key or k.mute)]
    return exported, exported[0].relative_key if exported else None


def read_geometry(mesh, unit_scale=1.0, tangents=False, reuse=None, skin=None):
    """The glTF arrays of ``mesh`` (a bpy Mesh, not in edit mode) in canonical space. ``reuse``: a
    ``Reuse`` holding this mesh's previous read (updated here), or None. ``skin``: (joints (n, 4)
    uint16, weights (n, 4) float32) per Blender vertex (armatures.vertex_influences), or None.

    Shape keys become morph targets as the exporter makes them: positions and normals of the base are
    the reference key's (its ``normals_split_get``), each target's deltas are its key's minus the
    reference's (a key relative to another key still gives its absolute shape minus the reference),
    and the normal deltas take part in splitting corners, as every corner attribute."""
    n, corners = len(mesh.vertices), len(mesh.loops)
    keys, reference = morph_keys(mesh)
    co = _get(reference.data if reference is not None else mesh.vertices, "co", n, 3)
    loop_vertex = _indices(mesh.loops, "vertex_index", corners)
    faces = Faces(mesh)
    known = reuse is not None and reuse.face_of_corner is not None and same_bits(faces.total, reuse.inputs[2])
    face_of_corner = reuse.face_of_corner if known else faces.face_of_corner()

    # Each attribute: (semantic, "vertex" (n, c) or "corner" (L, c), Blender-space float32). Only the
    # corner ones can split a vertex; a vertex one is the same at every corner of its vertex.
    if reference is not None:
        base_normals = _nonzero(_split_normals(reference, corners))
        sources = [(NORMAL, "corner", base_normals)]
        for i, k in enumerate(keys):  # normal deltas per corner: they split vertices like any corner attribute
            sources.append((f"{_MORPH}{i}N", "corner", _nonzero(_split_normals(k, corners)) - base_normals))
    else:
        sources = [(NORMAL, *normals(mesh, loop_vertex, face_of_corner))]
    for i, layer in enumerate(mesh.uv_layers):
        sources.append((f"TEXCOORD_{i}", "corner", _get(layer.data, "uv", corners, 2) + np.float32(0.0)))
    color = render_color(mesh)
    if color is not None:
        point = color.domain == "POINT"
        sources.append((COLOR, "vertex" if point else "corner", _get(color.data, "color", n if point else corners, 4)))
    tangent = _tangents(mesh, corners) if tangents else None
    if tangent is not None:
        sources.append((TANGENT, "corner", tangent))

    per_corner = [a for _, domain, a in sources if domain == "corner"]
    material = face_materials(mesh)
    inputs = (n, loop_vertex, faces.total, faces.start, material, len(mesh.materials),
              tuple(s for s, d, _ in sources if d == "corner"), *per_corner)
    if reuse is not None and reuse.matches(inputs):
        first, (vertex_of_corner, extra_vertex, extra_corner) = reuse.first, reuse.split
        primitives, fixed = reuse.primitives, True
    else:
        first = np.full(n, -1, dtype=np.int32)  # a corner of each vertex (its first: assignment keeps the last)
        if corners:
            first[loop_vertex[::-1]] = np.arange(corners - 1, -1, -1, dtype=np.int32)
        vertex_of_corner, extra_vertex, extra_corner = _split(per_corner, loop_vertex, first, n)
        primitives = None
    if primitives is None:
        primitives, fixed = _primitives(mesh, faces, vertex_of_corner, material)
    if reuse is not None:
        reuse.inputs, reuse.first, reuse.face_of_corner = inputs, first, face_of_corner
        reuse.split = (vertex_of_corner, extra_vertex, extra_corner)
        reuse.primitives = primitives if fixed else None
    used = first >= 0

    attributes = {"POSITION": _vertices(co, extra_vertex)}
    if skin is not None:
        attributes[JOINTS] = _vertices(skin[0], extra_vertex)
        attributes[WEIGHTS] = _vertices(skin[1], extra_vertex)
    for i, k in enumerate(keys):
        attributes[f"{_MORPH}{i}P"] = _vertices(_get(k.data, "co", n, 3) - co, extra_vertex)
    for semantic, domain, a in sources:
        if domain == "vertex":
            values = _vertices(a, extra_vertex)
        else:
            values = np.empty((n + len(extra_vertex), a.shape[1]), dtype=np.float32)
            if used.all():  # the common case: no mask to apply
                np.take(a, first, axis=0, out=values[:n], mode="clip")  # every index valid: no bounds buffer
            else:
                values[:n][used] = a[first[used]]
                values[:n][~used] = _loose_default(mesh, semantic, a.shape[1], ~used)
            values[n:] = a[extra_corner]
        attributes[semantic] = values
    for name in list(attributes):  # the protocol's one conversion of blob contents (§7.3); deltas convert as their base
        semantic = {"P": "POSITION", "N": NORMAL}[name[-1]] if name.startswith(_MORPH) else name
        if semantic in ("POSITION", NORMAL, TANGENT):
            values = attributes[name]
            attributes[name] = convert.mesh_attribute(semantic, values.reshape(-1), "blender", "canonical",
                                                      unit_scale).reshape(values.shape)
    targets = [(k.name, attributes.pop(f"{_MORPH}{i}P"), attributes.pop(f"{_MORPH}{i}N", None)) for i, k in enumerate(keys)]
    weights = [k.value for k in keys]
    if n == 0:  # no vertices: only POSITION, as Unity (whose empty mesh has no normals to tell apart) reads it back
        attributes = {"POSITION": attributes["POSITION"]}
        targets = []
        weights = []
    return Geometry(n + len(extra_vertex), attributes, primitives, targets, weights)


JOINTS, WEIGHTS = "JOINTS_0", "WEIGHTS_0"
_MORPH = "\0morph"  # internal names of target deltas while they travel with the attributes


def _split_normals(key, corners):
    """A shape key's corner normals (Blender computes them from the key's positions)."""
    out = np.array(key.normals_split_get(), dtype=np.float32) if corners else np.empty(0, np.float32)
    return out.reshape(corners, 3)


def _vertices(per_vertex, extra_vertex):
    """A per-vertex array followed by the rows of the split copies (the array itself when none: it
    is the read's own, and nothing writes to it afterwards)."""
    if len(extra_vertex) == 0:
        return per_vertex
    out = np.empty((len(per_vertex) + len(extra_vertex), per_vertex.shape[1]), dtype=np.float32)
    out[:len(per_vertex)] = per_vertex
    out[len(per_vertex):] = per_vertex[extra_vertex]
    return out


def _tangents(mesh, corners):
    """(L, 4) tangents with the bitangent sign, from the active UV map; None when Blender cannot
    compute them (no UV map, or n-gons: calc_tangents needs triangles and quads)."""
    if corners == 0 or mesh.uv_layers.active is None:
        return None
    try:
        mesh.calc_tangents(uvmap=mesh.uv_layers.active.name)
    except RuntimeError:
        return None
    out = np.empty((corners, 4), dtype=np.float32)
    out[:, :3] = _get(mesh.loops, "tangent", corners, 3) + np.float32(0.0)
    out[:, 3] = _get(mesh.loops, "bitangent_sign", corners, 1)
    mesh.free_tangents()
    return out


def _loose_default(mesh, semantic, components, loose):
    """A corner attribute of vertices no face uses (loose vertices and edges): the vertex normal, a
    white colour, tangent +X, UV (0, 0)."""
    count = int(loose.sum())
    if semantic == NORMAL:
        return _nonzero(_get(mesh.vertices, "normal", len(mesh.vertices), 3)[loose])
    if semantic == COLOR:
        return np.tile(np.float32(WHITE), (count, 1))
    if semantic == TANGENT:
        return np.tile(np.float32((1.0, 0.0, 0.0, 1.0)), (count, 1))
    return np.zeros((count, components), dtype=np.float32)


def _split(per_corner, loop_vertex, first, n):
    """(glTF vertex of each corner, Blender vertex of each extra vertex, a corner of each extra vertex).

    A corner agreeing with its vertex's chosen corner on every corner attribute is that vertex; the
    others are deduplicated by (vertex, attributes) into extra vertices numbered from n in order of
    first use."""
    corners = len(loop_vertex)
    none = np.empty(0, np.int32)
    if corners == 0 or not per_corner:
        return loop_vertex, none, none
    rep = first[loop_vertex]
    differs = np.zeros(corners, dtype=bool)
    for a in per_corner:
        bits = a.view(np.uint32)
        for j in range(bits.shape[1]):  # column by column: no (L, k) temporaries
            column = np.ascontiguousarray(bits[:, j])
            differs |= column != column[rep]
    odd = np.flatnonzero(differs)
    vertex_of_corner = loop_vertex.copy()
    if len(odd) == 0:
        return vertex_of_corner, none, none
    keys = np.hstack([loop_vertex[odd, None].view(np.uint32)] + [a[odd].view(np.uint32) for a in per_corner])
    group, representative = _groups(keys)
    order = np.argsort(representative, kind="stable")  # number the extras by first use
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    vertex_of_corner[odd] = n + rank[group].astype(np.int32)
    chosen = odd[representative[order]].astype(np.int32)
    return vertex_of_corner, loop_vertex[chosen], chosen


def _groups(keys):
    """For rows of uint32 ``keys``: (group of each row, first row of each group). Rows are grouped by
    a 64-bit mix, then every row is checked against its group's first row; a collision (never seen)
    falls back to an exact sort of the rows."""
    h = np.zeros(len(keys), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(keys.shape[1]):
            h = (h ^ keys[:, j].astype(np.uint64)) * np.uint64(0x100000001B3)
            h ^= h >> np.uint64(29)
    _, first, group = np.unique(h, return_index=True, return_inverse=True)
    if (keys == keys[first[group]]).all():
        return group, first
    rows = np.ascontiguousarray(keys).view(np.dtype((np.void, keys.shape[1] * 4))).ravel()
    _, first, group = np.unique(rows, return_index=True, return_inverse=True)
    return group.ravel(), first


class Faces:
    """A mesh's faces as arrays: where each starts among the corners, its corner count, its slot."""

    def __init__(self, mesh):
        self.mesh = mesh
        count = len(mesh.polygons)
        self.start = _indices(mesh.polygons, "loop_start", count)
        self.total = _indices(mesh.polygons, "loop_total", count)

    def face_of_corner(self):
        return np.repeat(np.arange(len(self.start), dtype=np.int32), self.total)

    def has_ngons(self):
        return bool(len(self.total) and self.total.max() > 4)

    def triangles(self):
        """(corners of each triangle (t, 3), face of each triangle), as ``loop_triangles`` gives them.
        Blender splits a quad (0, 1, 2), (0, 2, 3) and a triangle is itself, so meshes of triangles and
        quads are split here in numpy; a mesh with n-gons asks Blender (its polyfill)."""
        mesh = self.mesh
        count = len(self.total)
        if self.has_ngons():
            mesh.calc_loop_triangles()
            t = len(mesh.loop_triangles)
            return _indices(mesh.loop_triangles, "loops", t, 3), _indices(mesh.loop_triangles, "polygon_index", t)
        if count and (self.total == 3).all():
            return self.start[:, None] + np.array([0, 1, 2], dtype=np.int32), np.arange(count, dtype=np.int32)
        both = self.start[:, None, None] + np.array([[0, 1, 2], [0, 2, 3]], dtype=np.int32)  # (faces, 2, 3)
        if count and (self.total == 4).all():
            return both.reshape(-1, 3), np.repeat(np.arange(count, dtype=np.int32), 2)
        keep = np.ones((count, 2), dtype=bool)
        keep[:, 1] = self.total == 4
        face = np.broadcast_to(np.arange(count, dtype=np.int32)[:, None], (count, 2))
        return both[keep], face[keep]


def face_materials(mesh):
    """Each face's material index: Blender 3.4+ keeps it as the generic attribute "material_index"
    (absent while every face has 0)."""
    count = len(mesh.polygons)
    attribute = mesh.attributes.get("material_index")
    if attribute is not None and attribute.domain == "FACE" and attribute.data_type == "INT":
        return _get(attribute.data, "value", count, 1, np.int32)
    if attribute is None and hasattr(mesh, "attributes") and bpy.app.version >= (3, 4, 0):
        return np.zeros(count, dtype=np.int32)
    return _get(mesh.polygons, "material_index", count, 1, np.int32)


def _primitives(mesh, faces, vertex_of_corner, face_material):
    """([(material slot, uint32 indices)] ascending, triangles in Blender's order within each; True
    when they follow from the corners, faces and materials alone, False when Blender's polyfill of
    n-gons, which depends on the positions, made them). A material index beyond the slots renders
    with the last slot in Blender, so it is clamped."""
    corners, face = faces.triangles()
    fixed = not faces.has_ngons()
    if len(face) == 0:
        return [], fixed
    material = face_material[face]
    np.clip(material, 0, max(len(mesh.materials) - 1, 0), out=material)
    indices = vertex_of_corner[corners].astype(np.uint32)
    slots = np.unique(material)
    if len(slots) == 1:
        return [(int(slots[0]), indices.ravel())], fixed
    return [(int(s), np.ascontiguousarray(indices[material == s]).ravel()) for s in slots], fixed


# ---- canonical → Blender -------------------------------------------------------------------------

def to_blender(semantic, values, unit_scale=1.0):
    """Canonical blob contents (count, components) → Blender's, by the protocol's conversion."""
    values = np.asarray(values, dtype=np.float32)
    return convert.mesh_attribute(semantic, values.reshape(-1), "canonical", "blender", unit_scale).reshape(values.shape)


def write_geometry(mesh, geometry, unit_scale=1.0):
    """Fills the empty bpy Mesh ``mesh`` from canonical ``geometry``: quads where two consecutive
    triangles are a quad as Blender splits it (so a mesh read from Blender comes back with its quads
    and their exact normals), a triangle face for every other triangle, vertices
    with bit-equal positions merged (as the glTF importer's "Merge Vertices" does, so the mesh is
    connected and editable), corner normals as custom split normals unless Blender's own flat/smooth
    shading gives them, every TEXCOORD as a UV map, COLOR_0 as a corner colour attribute, each
    face's material index its primitive's slot."""
    a = geometry.attributes
    positions = to_blender("POSITION", a["POSITION"], unit_scale)
    tris = [np.asarray(i, dtype=np.int64).reshape(-1, 3) for _, i in geometry.primitives]
    triangles = np.vstack(tris) if tris else np.empty((0, 3), np.int64)
    slot = np.repeat(np.array([m for m, _ in geometry.primitives], dtype=np.int64), [len(t) for t in tris]) \
        if tris else np.empty(0, np.int64)
    blender_vertex = _merge_by_position(positions, triangles)
    count = int(blender_vertex.max()) + 1 if len(blender_vertex) else 0
    co = np.zeros((count, 3), dtype=np.float32)
    co[blender_vertex] = positions
    corners, sizes, face_slot = _faces(triangles, slot, blender_vertex)
    faces = len(sizes)
    mesh.vertices.add(count)
    mesh.vertices.foreach_set("co", co.ravel())
    mesh.loops.add(len(corners))
    mesh.loops.foreach_set("vertex_index", blender_vertex[corners].astype(np.int32))
    mesh.polygons.add(faces)
    mesh.polygons.foreach_set("loop_start", (np.cumsum(sizes) - sizes).astype(np.int32))
    if _has_loop_total(mesh):
        mesh.polygons.foreach_set("loop_total", sizes.astype(np.int32))
    mesh.polygons.foreach_set("material_index", face_slot.astype(np.int32))
    mesh.update(calc_edges=True)

    k = 0
    while f"TEXCOORD_{k}" in a:
        layer = mesh.uv_layers.new(name="UVMap" if k == 0 else f"UVMap.{k:03d}")
        layer.data.foreach_set("uv", np.asarray(a[f"TEXCOORD_{k}"], dtype=np.float32)[corners].ravel())
        k += 1
    if COLOR in a:
        attribute = mesh.color_attributes.new("Color", "FLOAT_COLOR", "CORNER")
        attribute.data.foreach_set("color", np.asarray(a[COLOR], dtype=np.float32)[corners].ravel())
        mesh.color_attributes.active_color = attribute
        mesh.color_attributes.render_color_index = mesh.color_attributes.find("Color")
    if NORMAL in a and faces:
        _set_normals(mesh, to_blender(NORMAL, a[NORMAL])[corners], sizes)
    if geometry.targets:
        _write_shape_keys(mesh, geometry, co, blender_vertex, unit_scale)
    mesh.update()


def blender_vertices(geometry, unit_scale=1.0):
    """(Blender vertex of each record vertex, Blender vertex count) as ``write_geometry`` makes them:
    per-vertex data written later (vertex groups) lands on the same vertices."""
    positions = to_blender("POSITION", geometry.attributes["POSITION"], unit_scale)
    tris = [np.asarray(i, dtype=np.int64).reshape(-1, 3) for _, i in geometry.primitives]
    triangles = np.vstack(tris) if tris else np.empty((0, 3), np.int64)
    merged = _merge_by_position(positions, triangles)
    return merged, int(merged.max()) + 1 if len(merged) else 0


def _write_shape_keys(mesh, geometry, co, blender_vertex, unit_scale):
    """Morph targets as shape keys: a reference key "Basis" (the mesh's positions), then one key per
    target, relative to it, at the target's POSITION deltas and default weight. Blender computes the
    keys' normals itself, so NORMAL deltas are not written (they read back as Blender computes them).
    Shape keys are added through an object (Blender has no other way): a temporary one, removed."""
    holder = bpy.data.objects.new("vibesync-shape-keys", mesh)
    try:
        holder.shape_key_add(name="Basis", from_mix=False)
        for (name, position, _), weight in zip(geometry.targets, list(geometry.weights) + [0.0] * len(geometry.targets)):
            key = holder.shape_key_add(name=name, from_mix=False)
            moved = co.copy()
            moved[blender_vertex] = co[blender_vertex] + to_blender("POSITION", position, unit_scale)
            key.data.foreach_set("co", moved.ravel())
            key.value = min(max(float(weight), 0.0), 1.0)
    finally:
        bpy.data.objects.remove(holder)


def _faces(triangles, slot, blender_vertex):
    """(record vertex of each face corner, corner count of each face, slot of each face). Triangles
    i and i+1 of one slot that are (a, b, c), (a, c, d) with d a fourth Blender vertex become the quad
    (a, b, c, d): Blender splits a quad exactly so, so the triangles stay the same. In a run of such
    pairs (a fan) every other one is taken."""
    t = len(triangles)
    if t < 2:
        return triangles.ravel(), np.full(t, 3, np.int64), slot
    first, second = triangles[:-1], triangles[1:]
    d = blender_vertex[second[:, 2]]
    pair = ((second[:, 0] == first[:, 0]) & (second[:, 1] == first[:, 2]) & (slot[:-1] == slot[1:])
            & (d != blender_vertex[first[:, 0]]) & (d != blender_vertex[first[:, 1]]) & (d != blender_vertex[first[:, 2]]))
    index = np.arange(t - 1)
    run_start = np.maximum.accumulate(np.where(pair & ~np.concatenate([[False], pair[:-1]]), index, 0))
    quad = pair & ((index - run_start) % 2 == 0)
    absorbed = np.concatenate([[False], quad])  # the second triangle of a quad is not a face of its own
    keep = ~absorbed
    sizes = np.where(np.concatenate([quad, [False]]), 4, 3)[keep]
    corners = np.concatenate([triangles, np.concatenate([second[:, 2], [0]])[:, None]], axis=1)[keep]
    corners = corners[np.arange(4)[None, :] < sizes[:, None]]
    return corners, sizes, slot[keep]


def _has_loop_total(mesh):
    """Blender ≤ 3.6 needs each face's corner count; 4.0 derives it from the starts (read-only)."""
    prop = bpy.types.MeshPolygon.bl_rna.properties.get("loop_total")
    return prop is not None and not prop.is_readonly


def _merge_by_position(positions, triangles):
    """The Blender vertex of each record vertex: one per distinct position (bit-equal float32),
    except that a triangle whose corners would merge into one another keeps its own vertices."""
    if len(positions) == 0:
        return np.empty(0, np.int64)
    rows = np.ascontiguousarray((positions + np.float32(0.0)).view(np.uint32)).view(np.dtype((np.void, 12))).ravel()
    _, first, merged = np.unique(rows, return_index=True, return_inverse=True)
    merged = merged.ravel()
    order = np.argsort(first, kind="stable")  # Blender vertices in order of first record vertex
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    merged = rank[merged]
    m = merged[triangles] if len(triangles) else np.empty((0, 3), np.int64)
    clash = (m[:, 0] == m[:, 1]) | (m[:, 1] == m[:, 2]) | (m[:, 0] == m[:, 2]) if len(m) else np.zeros(0, bool)
    if clash.any():
        own = np.unique(triangles[clash].ravel())
        merged = merged.copy()
        merged[own] = merged.max() + 1 + np.arange(len(own))
    return merged


def _set_normals(mesh, wanted, sizes):
    """The corner normals ``wanted``: Blender's own shading when it gives them (every face smooth, or
    flat where all its corners carry the face normal); else custom split normals (Blender keeps them
    as a compressed angle pair per corner, to ~1e-4)."""
    t = len(mesh.polygons)
    face = _get(mesh.polygons, "normal", t, 3)
    agrees = (np.abs(wanted - np.repeat(face, sizes, axis=0)) < 1e-4).all(axis=1)
    flat = np.minimum.reduceat(agrees, np.cumsum(sizes) - sizes) if t else np.zeros(0, bool)
    mesh.polygons.foreach_set("use_smooth", ~flat)
    mesh.update()
    if _close(_corner_normals(mesh), wanted):
        return
    if hasattr(mesh, "use_auto_smooth"):
        mesh.use_auto_smooth = True  # ≤ 4.0: custom normals are used only with auto smooth
    mesh.polygons.foreach_set("use_smooth", np.ones(t, dtype=bool))
    mesh.normals_split_custom_set(wanted)


def _corner_normals(mesh):
    loop_vertex = _indices(mesh.loops, "vertex_index", len(mesh.loops))
    domain, values = normals(mesh, loop_vertex, Faces(mesh).face_of_corner())
    return values[loop_vertex] if domain == "vertex" else values


def _close(a, b, tolerance=1e-5):
    return a.shape == b.shape and bool((np.abs(a - b) <= tolerance).all())
