"""Material node graphs ⇄ material records (content schema 3, docs/protocol.md §2), the way Blender's
bundled glTF exporter reads a Principled BSDF graph and its importer builds one (io_scene_gltf2 3.4:
exp/gltf2_blender_gather_materials*.py, gather_texture_info.py, gather_sampler.py,
gltf2_blender_get.py; imp/gltf2_blender_pbrMetallicRoughness.py, gltf2_blender_texture.py; read for
this, no code copied).

The graph VibeSync represents is the importer's: a Principled BSDF on the active Material Output's
Surface; Base Color/Alpha from an Image Texture, through a Mix (Multiply) / Math (Multiply) factor;
Metallic (Blue) and Roughness (Green) through Separate Color from one Image Texture, each through an
optional Math (Multiply) factor; Normal from a Normal Map node (its Strength is normal_scale);
Emission from an Image Texture through an optional Mix (Multiply) factor, its strength the Emission
Strength; occlusion (Red, Separate Color) on the "glTF Material Output"/"glTF Settings" group's
Occlusion, its strength a Mix (Mix) with white. Each Image Texture's coordinates come from nothing
(UV set 0), or a UV Map node, through an optional Mapping node (KHR_texture_transform) and the
importer's per-axis wrap math. Anything else makes the material ``unsynced`` with the first reason
found; its values are then what the exporter would export (best effort), and a sync never writes it.

Writing (APPLY) changes only the parts of the graph a changed field needs: the factor sockets, or,
when a slot's texture changes, that slot's chain (the nodes between the Principled BSDF and its
Image Texture, removed when nothing else uses them, then built as the importer builds them). Every
other node stays. ``snapshot``/``restore`` give a rollback the exact graph back.
"""

import math

import bpy

from . import gltf

SLOTS = ("base_color", "metallic_roughness", "normal", "occlusion", "emissive")
SETTINGS_GROUPS = ("glTF Material Output", "glTF Settings")
_LINKABLE = {"Base Color", "Alpha", "Metallic", "Roughness", "Normal", "Emission"}
# normal_scale / occlusion_strength of a material without that texture: Blender has no socket for them
# (the Normal Map node and the occlusion mix exist only with a texture), so they are kept here.
SPARE_PROPS = {"normal_scale": "vibesync_normal_scale", "occlusion_strength": "vibesync_occlusion_strength"}
FILTERS_PROP = "vibesync_filters"  # "mag,min" a sync wrote on an Image Texture node (Blender has one interpolation)
# Node types a slot's chain is made of: the only ones a write removes, and only when nothing else uses them.
CHAIN_TYPES = {"TEX_IMAGE", "MAPPING", "UVMAP", "MATH", "MIX", "SEPARATE_COLOR", "SEPRGB", "NORMAL_MAP",
               "COMBXYZ", "SEPXYZ"}

DEFAULTS = {"base_color": (1.0, 1.0, 1.0, 1.0), "metallic": 1.0, "roughness": 1.0, "emission": (0.0, 0.0, 0.0),
            "emissive_strength": 1.0, "alpha_mode": "OPAQUE", "alpha_cutoff": 0.5, "double_sided": False,
            "normal_scale": 1.0, "occlusion_strength": 1.0}
TEXTURE_DEFAULTS = {"texcoord": 0, "wrap_s": "REPEAT", "wrap_t": "REPEAT", "mag_filter": "LINEAR",
                    "min_filter": "LINEAR_MIPMAP_LINEAR", "offset": (0.0, 0.0), "rotation": 0.0, "scale": (1.0, 1.0)}


# ---- graph navigation --------------------------------------------------------------------------------

def previous_socket(socket):
    """The output socket feeding ``socket`` (through reroutes), or None."""
    while socket.is_linked:
        out = socket.links[0].from_socket
        if out.node.type != "REROUTE":
            return out
        socket = out.node.inputs[0]
    return None


def previous_node(socket):
    out = previous_socket(socket)
    return out.node if out is not None else None


def const(socket):
    """An unlinked socket's value (or a Value/RGB node's), as the exporter's get_const_from_socket."""
    if not socket.is_linked:
        value = socket.default_value
        return tuple(value) if socket.type == "RGBA" else value
    node = previous_node(socket)
    if node is not None and node.type in ("VALUE", "RGB"):
        value = node.outputs[0].default_value
        return tuple(value) if node.type == "RGB" else value
    return None


def active_output(tree):
    outputs = [n for n in tree.nodes if n.type == "OUTPUT_MATERIAL"]
    return next((n for n in outputs if n.is_active_output), outputs[0] if outputs else None)


def principled(material):
    """The Principled BSDF the material's surface is (the active output's Surface), or None."""
    if not material.use_nodes or material.node_tree is None:
        return None
    out = active_output(material.node_tree)
    node = previous_node(out.inputs["Surface"]) if out is not None else None
    return node if node is not None and node.type == "BSDF_PRINCIPLED" else None


def any_principled(material):
    if not material.use_nodes or material.node_tree is None:
        return None
    return next((n for n in material.node_tree.nodes if n.type == "BSDF_PRINCIPLED" and not n.mute), None)


def emission_socket(node):
    return node.inputs.get("Emission Color") or node.inputs.get("Emission")  # 4.x / 3.x


def settings_group(tree):
    """The exporter's glTF settings group node (its Occlusion input), or None."""
    for n in tree.nodes:
        if n.type == "GROUP" and n.node_tree is not None and (
                n.node_tree.name in SETTINGS_GROUPS or n.node_tree.name.startswith("glTF Metallic Roughness")):
            if n.inputs.get("Occlusion") is not None:
                return n
    return None


def find_image_node(socket, depth=12):
    """The first Image Texture upstream of ``socket`` (the exporter's search), or None."""
    if depth <= 0 or socket is None:
        return None
    for link in socket.links:
        if link.from_node.type == "TEX_IMAGE":
            return link.from_node
        for s in link.from_node.inputs:
            found = find_image_node(s, depth - 1)
            if found is not None:
                return found
    return None


def mesh_of(material):
    """The first mesh that uses ``material``: in its own slots (the exporter's lookup), else through an
    object's object-linked slot (where the exporter finds none)."""
    for mesh in bpy.data.meshes:
        if any(m == material for m in mesh.materials):
            return mesh
    for obj in bpy.data.objects:
        if obj.type == "MESH" and any(s.material == material for s in obj.material_slots):
            return obj.data
    return None


def uv_index(material, name):
    """The index of UV map ``name`` among the UV maps of the material's mesh, or None."""
    mesh = mesh_of(material)
    i = mesh.uv_layers.find(name) if mesh is not None else -1
    return i if i >= 0 else None


def uv_name(material, k):
    """The name of UV map ``k`` of the material's mesh (else the importer's 'UVMap', 'UVMap.00k')."""
    mesh = mesh_of(material)
    if mesh is not None and k < len(mesh.uv_layers):
        return mesh.uv_layers[k].name
    return "UVMap" if k == 0 else "UVMap.%03d" % k


# ---- reading -----------------------------------------------------------------------------------------

class _Read:
    """One material's record from its graph; ``reason`` is the first thing it could not represent."""

    def __init__(self, material, image_id, uv_index):
        self.material = material
        self.image_id = image_id      # bpy image → its VibeSync ID, or (None, reason) when it is not synced
        self.uv_index = uv_index      # (material, uv map name) → index among its mesh's UV layers, or None
        self.reason = None
        self.record = {k: v for k, v in DEFAULTS.items()}
        self.record["textures"] = {}

    def unsynced(self, reason):
        if self.reason is None:
            self.reason = reason

    def read(self):
        m, r = self.material, self.record
        r["alpha_mode"] = gltf.alpha_mode_of(m.blend_method)
        r["alpha_cutoff"] = m.alpha_threshold
        r["double_sided"] = not m.use_backface_culling
        node = principled(m)
        if node is None:
            if m.use_nodes and m.node_tree is not None:
                node = any_principled(m)
                self.unsynced("no Principled BSDF output" if node is None else
                              f"the active Material Output's Surface is not the Principled BSDF '{node.name}'")
            if node is None:  # no graph: the viewport values, as the exporter takes them
                r["base_color"] = tuple(m.diffuse_color)
                r["metallic"], r["roughness"] = m.metallic, m.roughness
                self._spare("normal_scale")
                self._spare("occlusion_strength")
                return r, self.reason
        for s in node.inputs:
            if s.is_linked and s.name not in _LINKABLE and s.enabled:
                self.unsynced(f"Principled BSDF input {s.name} is linked")
        for n in self.material.node_tree.nodes:
            if n.type == "EMISSION" and n.outputs[0].is_linked:
                self.unsynced(f"an Emission shader node ('{n.name}') beside the Principled BSDF")
        self._base(node)
        self._metallic_roughness(node)
        self._normal(node)
        self._emission(node)
        self._occlusion()
        return r, self.reason

    # -- slots --

    def _base(self, node):
        r = self.record
        rgb, tex = self._factored(node.inputs["Base Color"], "Color", rgb=True)
        alpha, atex = self._factored(node.inputs["Alpha"], "Alpha", rgb=False)
        if atex is not None and tex is not None and atex != tex:
            self.unsynced(f"Alpha comes from the image node '{atex.name}', Base Color from '{tex.name}'")
        elif atex is not None and tex is None:
            self.unsynced(f"Alpha comes from the image node '{atex.name}' but Base Color from no image")
            tex = atex
        rgb = tuple(min(max(c, 0.0), 1.0) for c in rgb[:3])  # the exporter clamps: Blender colours exceed 1
        r["base_color"] = (*rgb, alpha)
        self._texture("base_color", tex)

    def _factored(self, socket, output, rgb):
        """(factor, image node) of a socket: its value, or an Image Texture's output ``output`` directly
        or through a Multiply by a constant (Mix for colours, Math for values)."""
        default = (1.0, 1.0, 1.0) if rgb else 1.0
        if not socket.is_linked:
            value = socket.default_value
            return (tuple(value)[:3] if rgb else value), None
        c = const(socket)
        if c is not None:
            return (c[:3] if rgb else c), None
        src = previous_socket(socket)
        if src.node.type == "TEX_IMAGE":
            if src.name != output:
                self.unsynced(f"{socket.name} takes the {src.name} output of the image node '{src.node.name}'")
            return default, src.node
        n = src.node
        pair = None
        if rgb and n.type == "MIX" and n.data_type == "RGBA" and n.blend_type == "MULTIPLY" and const(n.inputs[0]) == 1.0:
            pair = (n.inputs[6], n.inputs[7])
        elif not rgb and n.type == "MATH" and n.operation == "MULTIPLY" and not n.use_clamp:
            pair = (n.inputs[0], n.inputs[1])
        if pair is not None:
            a, b = const(pair[0]), const(pair[1])
            linked = pair[1] if a is not None else pair[0]
            value = a if a is not None else b
            img = previous_socket(linked)
            if value is not None and (a is None) != (b is None) and img is not None and img.node.type == "TEX_IMAGE" \
                    and img.name == output:
                return (value[:3] if rgb else value), img.node
        self.unsynced(f"{socket.name} comes from a {n.bl_label} node ('{n.name}')")
        return default, find_image_node(socket)

    def _channel(self, socket, channels):
        """(factor, image node) of a value socket fed by one channel of an Image Texture through Separate
        Color (or Separate RGB), optionally multiplied by a constant."""
        if not socket.is_linked or const(socket) is not None:
            return (socket.default_value if not socket.is_linked else const(socket)), None
        factor = 1.0
        src = previous_socket(socket)
        if src.node.type == "MATH" and src.node.operation == "MULTIPLY" and not src.node.use_clamp:
            a, b = const(src.node.inputs[0]), const(src.node.inputs[1])
            if (a is None) != (b is None):
                factor = a if a is not None else b
                src = previous_socket(src.node.inputs[1] if a is not None else src.node.inputs[0])
        ok = (src is not None and src.node.type in ("SEPARATE_COLOR", "SEPRGB") and src.name in channels
              and (src.node.type == "SEPRGB" or src.node.mode == "RGB"))
        if ok:
            img = previous_socket(src.node.inputs[0])
            if img is not None and img.node.type == "TEX_IMAGE" and img.name == "Color":
                return factor, img.node
        self.unsynced(f"{socket.name} is not one channel of an image through Separate Color")
        return 1.0, find_image_node(socket)

    def _metallic_roughness(self, node):
        r = self.record
        r["metallic"], mtex = self._channel(node.inputs["Metallic"], ("Blue", "B"))
        r["roughness"], rtex = self._channel(node.inputs["Roughness"], ("Green", "G"))
        if mtex is not None and rtex is not None and mtex != rtex:
            self.unsynced(f"Metallic and Roughness come from two image nodes ('{mtex.name}', '{rtex.name}')")
        self._texture("metallic_roughness", mtex or rtex)

    def _spare(self, field):
        value = self.material.get(SPARE_PROPS[field])
        if isinstance(value, float) and math.isfinite(value):
            self.record[field] = value

    def _normal(self, node):
        socket = node.inputs["Normal"]
        if not socket.is_linked:
            self._spare("normal_scale")
            return
        n = previous_node(socket)
        if n is None or n.type != "NORMAL_MAP":
            self.unsynced(f"Normal comes from a {n.bl_label if n else 'missing'} node, not a Normal Map")
            self._texture("normal", find_image_node(socket))
            return
        if n.space != "TANGENT":
            self.unsynced(f"the Normal Map node '{n.name}' is in {n.space.lower()} space, not tangent space")
        strength = n.inputs["Strength"]
        if strength.is_linked:
            self.unsynced(f"the Normal Map node '{n.name}' has a linked Strength")
        else:
            self.record["normal_scale"] = strength.default_value
        img = previous_socket(n.inputs["Color"])
        if img is None:
            return
        if img.node.type != "TEX_IMAGE" or img.name != "Color":
            self.unsynced(f"the Normal Map node '{n.name}' takes its colour from a {img.node.bl_label} node")
            self._texture("normal", find_image_node(n.inputs["Color"]))
            return
        self._texture("normal", img.node)

    def _emission(self, node):
        socket = emission_socket(node)
        rgb, tex = self._factored(socket, "Color", rgb=True)
        self.record["emission"] = tuple(rgb[:3])
        strength = node.inputs.get("Emission Strength")
        if strength is not None:
            if strength.is_linked:
                self.unsynced("Principled BSDF input Emission Strength is linked")
            else:
                self.record["emissive_strength"] = strength.default_value
        self._texture("emissive", tex)

    def _occlusion(self):
        group = settings_group(self.material.node_tree)
        socket = group.inputs["Occlusion"] if group is not None else None
        if socket is None or not socket.is_linked:
            self._spare("occlusion_strength")
            return
        src = previous_socket(socket)
        n = src.node
        if n.type == "MIX" and n.data_type == "RGBA" and n.blend_type == "MIX":
            fac, white = const(n.inputs[0]), const(n.inputs[6])
            if fac is not None and white is not None and tuple(white[:3]) == (1.0, 1.0, 1.0) and n.inputs[7].is_linked:
                self.record["occlusion_strength"] = fac
                src = previous_socket(n.inputs[7])
        if src is not None and src.node.type in ("SEPARATE_COLOR", "SEPRGB") and src.name in ("Red", "R"):
            img = previous_socket(src.node.inputs[0])
            if img is not None and img.node.type == "TEX_IMAGE" and img.name == "Color":
                self._texture("occlusion", img.node)
                return
        self.unsynced("Occlusion is not the Red channel of an image through Separate Color")
        self._texture("occlusion", find_image_node(socket))

    # -- one texture binding --

    def _texture(self, slot, node):
        if node is None:
            return
        if node.image is None:
            self.unsynced(f"the image node '{node.name}' has no image")
            return
        uid, why = self.image_id(node.image)
        if uid is None:
            self.unsynced(f"its image '{node.image.name}' is not synced: {why}")
            return
        t = {"image": uid}
        t["mag_filter"], t["min_filter"] = _filters(node)
        t["wrap_s"] = t["wrap_t"] = gltf.wrap_of(node.extension)
        if node.projection != "FLAT":
            self.unsynced(f"the image node '{node.name}' uses {node.projection.lower()} projection")
        vector = node.inputs["Vector"]
        wraps = manual_wrapping(node)
        if wraps is not None:
            t["wrap_s"], t["wrap_t"], vector = wraps
        n = previous_node(vector)
        t["offset"], t["rotation"], t["scale"] = (0.0, 0.0), 0.0, (1.0, 1.0)
        if n is not None and n.type == "MAPPING":
            try:
                tt = gltf.transform_from_mapping(n.vector_type, tuple(n.inputs["Location"].default_value),
                                                 tuple(n.inputs["Rotation"].default_value), tuple(n.inputs["Scale"].default_value))
                t["offset"], t["rotation"], t["scale"] = tt["offset"], tt["rotation"], tt["scale"]
            except gltf.Unrepresentable as e:
                self.unsynced(f"the image node '{node.name}': {e}")
            if any(n.inputs[k].is_linked for k in ("Location", "Rotation", "Scale")):
                self.unsynced(f"the Mapping node '{n.name}' has linked inputs")
            n = previous_node(n.inputs["Vector"])
        t["texcoord"] = 0
        if n is not None and n.type == "UVMAP":
            index = self.uv_index(self.material, n.uv_map) if n.uv_map else None
            t["texcoord"] = index if index is not None and index < 8 else 0
        elif n is not None:
            self.unsynced(f"the image node '{node.name}' takes its coordinates from a {n.bl_label} node")
        self.record["textures"][slot] = t


def _filters(node):
    """(mag, min): the interpolation's, or what a sync wrote when the interpolation still means it."""
    stored = node.get(FILTERS_PROP)
    if isinstance(stored, str) and stored.count(",") == 1:
        mag, mn = stored.split(",")
        if mag in gltf.MAG_FILTERS and mn in gltf.MIN_FILTERS and gltf.interpolation_of(mag, mn) == \
                ("Closest" if node.interpolation == "Closest" else "Linear"):
            return mag, mn
    return gltf.filters_of(node.interpolation)


def manual_wrapping(node):
    """(wrap_s, wrap_t, the socket before them) when the image node's coordinates go through the
    importer's per-axis wrap (Separate XYZ → Math Wrap/Ping-Pong per axis → Combine XYZ), else None."""
    comb = previous_node(node.inputs["Vector"])
    if comb is None or comb.type != "COMBXYZ":
        return None
    sep, wraps = None, []
    for axis in ("X", "Y"):
        src = previous_socket(comb.inputs[axis])
        if src is None:
            return None
        wrap = "CLAMP_TO_EDGE"
        if src.node.type == "MATH":
            m = src.node
            if m.operation == "PINGPONG" and const(m.inputs[1]) == 1.0:
                wrap = "MIRRORED_REPEAT"
            elif m.operation == "WRAP" and const(m.inputs[1]) == 0.0 and const(m.inputs[2]) == 1.0:
                wrap = "REPEAT"
            else:
                return None
            src = previous_socket(m.inputs[0])
        if src is None or src.node.type != "SEPXYZ" or src.name != axis or (sep is not None and src.node != sep):
            return None
        sep = src.node
        wraps.append(wrap)
    return wraps[0], wraps[1], sep.inputs[0]


def read_material(material, image_id, uv_index):
    """(record fields without uuid/name, unsynced reason or None)."""
    return _Read(material, image_id, uv_index).read()


# ---- snapshots for rollback ----------------------------------------------------------------------

_NODE_ATTRS = ("label", "interpolation", "extension", "projection", "operation", "use_clamp", "blend_type",
               "data_type", "clamp_factor", "clamp_result", "factor_mode", "vector_type", "uv_map", "space", "mode",
               "mute", "hide", "width")
_MATERIAL_ATTRS = ("blend_method", "alpha_threshold", "use_backface_culling", "diffuse_color", "metallic",
                   "roughness", "use_nodes", "show_transparent_back")


def _value(v):
    return tuple(v) if hasattr(v, "__len__") and not isinstance(v, str) else v


def snapshot(material):
    """Everything a write may change in a material, to put back exactly: material settings, every
    node (type, name, settings, image, input values, custom filters) and every link."""
    state = {"material": {a: _value(getattr(material, a)) for a in _MATERIAL_ATTRS}, "nodes": [], "links": [],
             "props": {k: material.get(k) for k in SPARE_PROPS.values()}}
    tree = material.node_tree
    if tree is None:
        return state
    for n in tree.nodes:
        attrs = {a: _value(getattr(n, a)) for a in _NODE_ATTRS if hasattr(n, a)}
        inputs = [(i, _value(s.default_value)) for i, s in enumerate(n.inputs) if hasattr(s, "default_value")]
        state["nodes"].append({"type": n.bl_idname, "name": n.name, "location": tuple(n.location), "attrs": attrs,
                               "image": n.image.name if getattr(n, "image", None) is not None else None,
                               "tree": n.node_tree.name if n.type == "GROUP" and n.node_tree is not None else None,
                               "filters": n.get(FILTERS_PROP), "inputs": inputs})
    for link in tree.links:
        state["links"].append((link.from_node.name, _index(link.from_node.outputs, link.from_socket),
                               link.to_node.name, _index(link.to_node.inputs, link.to_socket)))
    return state


def _index(sockets, socket):
    return next(i for i, s in enumerate(sockets) if s == socket)


def restore(material, state):
    for a, v in state["material"].items():
        if _value(getattr(material, a)) != v:
            setattr(material, a, v)
    for k, v in state["props"].items():
        _set_prop(material, k, v)
    tree = material.node_tree
    if tree is None:
        return
    keep = {s["name"] for s in state["nodes"]}
    for n in [n for n in tree.nodes if n.name not in keep]:
        tree.nodes.remove(n)
    for s in state["nodes"]:
        n = tree.nodes.get(s["name"])
        if n is None:
            n = tree.nodes.new(s["type"])
            n.name = s["name"]
        if s["tree"] is not None and n.node_tree is None:
            n.node_tree = bpy.data.node_groups.get(s["tree"])
        for a, v in s["attrs"].items():
            if _value(getattr(n, a)) != v:
                setattr(n, a, v)
        n.location = s["location"]
        if hasattr(n, "image"):
            n.image = bpy.data.images.get(s["image"]) if s["image"] is not None else None
        if s["filters"] is None:
            if FILTERS_PROP in n:
                del n[FILTERS_PROP]
        else:
            n[FILTERS_PROP] = s["filters"]
        for i, v in s["inputs"]:
            if i < len(n.inputs) and _value(n.inputs[i].default_value) != v:
                n.inputs[i].default_value = v
    tree.links.clear()
    for a, i, b, j in state["links"]:
        tree.links.new(tree.nodes[a].outputs[i], tree.nodes[b].inputs[j])


# ---- writing -----------------------------------------------------------------------------------------

def _set_prop(block, key, value):
    if value is None:
        if key in block:
            del block[key]
    else:
        block[key] = value


class Unwritable(ValueError):
    """A record value Blender's graph cannot hold (the text says which and why)."""


# The Principled sockets (and settings-group socket) each family of fields owns.
_FAMILIES = {
    "base": (("base_color",), "base_color"),
    "mr": (("metallic", "roughness"), "metallic_roughness"),
    "normal": (("normal_scale",), "normal"),
    "emission": (("emission", "emissive_strength"), "emissive"),
    "occlusion": (("occlusion_strength",), "occlusion"),
}


def write_material(material, current, target, image_of, uv_name):
    """Changes ``material``'s graph from the record ``current`` (as read) to ``target`` (the full record
    after the operation): only the families of fields that differ are touched. ``image_of(uuid)`` is
    the bpy image of an image record; ``uv_name(k)`` the name of UV set k of the material's mesh."""
    m = material
    if target["alpha_mode"] != current["alpha_mode"]:
        m.blend_method = gltf.blend_method_for(target["alpha_mode"], m.blend_method)
    if target["alpha_cutoff"] != current["alpha_cutoff"]:
        m.alpha_threshold = target["alpha_cutoff"]
    if target["double_sided"] != current["double_sided"]:
        m.use_backface_culling = not target["double_sided"]
    node = principled(m)
    if node is None:
        return _write_viewport(m, current, target)
    builder = _Builder(m, node, image_of, uv_name)
    for family, (fields, slot) in _FAMILIES.items():
        if all(target[f] == current[f] for f in fields) and target["textures"].get(slot) == current["textures"].get(slot):
            continue
        getattr(builder, family)(target, target["textures"].get(slot))
    if target["alpha_mode"] != current["alpha_mode"] and "base_color" in target["textures"]:
        builder.base(target, target["textures"]["base_color"])  # the texture's alpha is linked only when not opaque


def _write_viewport(m, current, target):
    """A material without nodes has only its viewport colour, metallic and roughness."""
    if target["textures"] or tuple(target["emission"]) != (0.0, 0.0, 0.0):
        raise Unwritable(f"material '{m.name}' has no node tree in Blender: it cannot hold textures or emission")
    if target["emissive_strength"] != current["emissive_strength"]:
        raise Unwritable(f"material '{m.name}' has no node tree in Blender: emissive_strength has nowhere to go")
    for f, key in SPARE_PROPS.items():
        _set_prop(m, key, float(target[f]) if target[f] != 1.0 else None)
    m.diffuse_color = target["base_color"]
    m.metallic, m.roughness = target["metallic"], target["roughness"]


class _Builder:
    """Builds one family's chain as the importer does, after clearing the old one."""

    def __init__(self, material, node, image_of, uv_name):
        self.material = material
        self.tree = material.node_tree
        self.node = node
        self.image_of = image_of
        self.uv_name = uv_name
        x, y = node.location
        self.x, self.y = x - 200, y

    def new(self, kind, offset, row):
        n = self.tree.nodes.new(kind)
        n.location = (self.x - 220 * offset, self.y - 300 * row)
        return n

    def link(self, to_socket, from_socket):
        self.tree.links.new(from_socket, to_socket)

    def clear(self, *sockets):
        """Unlinks ``sockets`` and removes the chain nodes upstream that nothing else uses any more."""
        upstream = []
        for s in sockets:
            for link in list(s.links):
                upstream.append(link.from_node)
                self.tree.links.remove(link)
        while upstream:
            n = upstream.pop()
            if n.type not in CHAIN_TYPES or n.name not in self.tree.nodes or any(o.is_linked for o in n.outputs):
                continue
            upstream.extend(link.from_node for s in n.inputs for link in s.links)
            self.tree.nodes.remove(n)

    def base(self, target, tex):
        color, alpha = self.node.inputs["Base Color"], self.node.inputs["Alpha"]
        self.clear(color, alpha)
        rgba = target["base_color"]
        if tex is None:
            color.default_value = (*rgba[:3], 1.0)
            alpha.default_value = rgba[3]
            return
        row = 0
        img = self.texture(tex, row, 2, color_space="srgb")
        if tuple(rgba[:3]) != (1.0, 1.0, 1.0):
            mix = self._multiply_rgb(rgba[:3], 1, row)
            self.link(color, mix.outputs[2])
            self.link(mix.inputs[6], img.outputs["Color"])
        else:
            self.link(color, img.outputs["Color"])
        if target["alpha_mode"] == "OPAQUE":
            alpha.default_value = rgba[3]
        elif rgba[3] != 1.0:
            math = self._multiply(rgba[3], 1, row + 0.5)
            self.link(alpha, math.outputs[0])
            self.link(math.inputs[0], img.outputs["Alpha"])
        else:
            self.link(alpha, img.outputs["Alpha"])

    def mr(self, target, tex):
        met, rough = self.node.inputs["Metallic"], self.node.inputs["Roughness"]
        self.clear(met, rough)
        if tex is None:
            met.default_value, rough.default_value = target["metallic"], target["roughness"]
            return
        row = 1
        img = self.texture(tex, row, 3, color_space="linear")
        sep = self.new("ShaderNodeSeparateColor", 2, row)
        self.link(sep.inputs[0], img.outputs["Color"])
        for socket, channel, factor, dr in ((met, "Blue", target["metallic"], 0), (rough, "Green", target["roughness"], 0.5)):
            if factor != 1.0:
                math = self._multiply(factor, 1, row + dr)
                self.link(socket, math.outputs[0])
                self.link(math.inputs[0], sep.outputs[channel])
            else:
                self.link(socket, sep.outputs[channel])

    def normal(self, target, tex):
        socket = self.node.inputs["Normal"]
        self.clear(socket)
        self.spare("normal_scale", target, tex)
        if tex is None:
            return
        row = 2
        nm = self.new("ShaderNodeNormalMap", 1, row)
        nm.inputs["Strength"].default_value = target["normal_scale"]
        nm.uv_map = self.uv_name(tex.get("texcoord", 0))
        self.link(socket, nm.outputs["Normal"])
        img = self.texture(tex, row, 2, color_space="linear")
        self.link(nm.inputs["Color"], img.outputs["Color"])

    def emission(self, target, tex):
        socket = emission_socket(self.node)
        self.clear(socket)
        strength = self.node.inputs.get("Emission Strength")
        if strength is not None:
            strength.default_value = target["emissive_strength"]
        elif target["emissive_strength"] != 1.0:
            raise Unwritable("this Blender's Principled BSDF has no Emission Strength")
        if tex is None:
            socket.default_value = (*target["emission"], 1.0)
            return
        row = 3
        img = self.texture(tex, row, 2, color_space="srgb")
        if tuple(target["emission"]) != (1.0, 1.0, 1.0):
            mix = self._multiply_rgb(target["emission"], 1, row)
            self.link(socket, mix.outputs[2])
            self.link(mix.inputs[6], img.outputs["Color"])
        else:
            self.link(socket, img.outputs["Color"])

    def occlusion(self, target, tex):
        group = settings_group(self.tree)
        self.spare("occlusion_strength", target, tex)
        if tex is None:
            if group is not None:
                self.clear(group.inputs["Occlusion"])
            return
        if group is None:
            group = self.new("ShaderNodeGroup", -1, -1)
            group.node_tree = _settings_tree()
            group.location = (self.node.location[0] + 40, self.node.location[1] - 370)
        socket = group.inputs["Occlusion"]
        self.clear(socket)
        row = 4
        img = self.texture(tex, row, 3, color_space="linear")
        sep = self.new("ShaderNodeSeparateColor", 2, row)
        self.link(sep.inputs[0], img.outputs["Color"])
        if target["occlusion_strength"] != 1.0:
            mix = self.new("ShaderNodeMix", 1, row)
            mix.data_type, mix.blend_type = "RGBA", "MIX"
            mix.inputs[0].default_value = target["occlusion_strength"]
            mix.inputs[6].default_value = (1.0, 1.0, 1.0, 1.0)
            self.link(socket, mix.outputs[2])
            self.link(mix.inputs[7], sep.outputs["Red"])
        else:
            self.link(socket, sep.outputs["Red"])

    # -- pieces --

    def spare(self, field, target, tex):
        """Keeps a strength that has no socket without its texture (SPARE_PROPS); drops it otherwise."""
        value = target[field] if tex is None and target[field] != 1.0 else None
        _set_prop(self.material, SPARE_PROPS[field], None if value is None else float(value))

    def _multiply(self, factor, offset, row):
        n = self.new("ShaderNodeMath", offset, row)
        n.operation = "MULTIPLY"
        n.inputs[1].default_value = factor
        return n

    def _multiply_rgb(self, rgb, offset, row):
        n = self.new("ShaderNodeMix", offset, row)
        n.data_type, n.blend_type = "RGBA", "MULTIPLY"
        n.inputs[0].default_value = 1.0
        n.inputs[7].default_value = (*rgb, 1.0)
        return n

    def texture(self, t, row, offset, color_space):
        """An Image Texture node for binding ``t``, with the importer's wrap math, Mapping and UV Map."""
        t = {**TEXTURE_DEFAULTS, **t}
        img = self.new("ShaderNodeTexImage", offset, row)
        img.image = self.image_of(t["image"])
        img.interpolation = gltf.interpolation_of(t["mag_filter"], t["min_filter"])
        if gltf.filters_of(img.interpolation) != (t["mag_filter"], t["min_filter"]):
            img[FILTERS_PROP] = f"{t['mag_filter']},{t['min_filter']}"  # what Blender's one interpolation cannot say
        extension, per_axis = gltf.extension_of(t["wrap_s"], t["wrap_t"])
        img.extension = extension
        socket, at = img.inputs["Vector"], offset + 1
        if per_axis:
            comb = self.new("ShaderNodeCombineXYZ", at, row)
            sep = self.new("ShaderNodeSeparateXYZ", at + 2, row)
            self.link(socket, comb.outputs[0])
            for axis, wrap in (("X", t["wrap_s"]), ("Y", t["wrap_t"])):
                if wrap == "CLAMP_TO_EDGE":
                    self.link(comb.inputs[axis], sep.outputs[axis])
                    continue
                math = self.new("ShaderNodeMath", at + 1, row + (0 if axis == "X" else 0.4))
                if wrap == "REPEAT":
                    math.operation = "WRAP"
                    math.inputs[1].default_value, math.inputs[2].default_value = 0.0, 1.0
                else:
                    math.operation = "PINGPONG"
                    math.inputs[1].default_value = 1.0
                self.link(comb.inputs[axis], math.outputs[0])
                self.link(math.inputs[0], sep.outputs[axis])
            socket, at = sep.inputs[0], at + 3
        transformed = not gltf.is_identity_transform(t["offset"], t["rotation"], t["scale"])
        if transformed:
            mapping = self.new("ShaderNodeMapping", at, row)
            mapping.vector_type = "POINT"
            loc, rot, sca = gltf.mapping_from_transform(t["offset"], t["rotation"], t["scale"])
            mapping.inputs["Location"].default_value = (loc[0], loc[1], 0.0)
            mapping.inputs["Rotation"].default_value = (0.0, 0.0, rot)
            mapping.inputs["Scale"].default_value = (sca[0], sca[1], 1.0)
            self.link(socket, mapping.outputs[0])
            socket, at = mapping.inputs["Vector"], at + 1
        if t["texcoord"] != 0 or per_axis or transformed:
            uv = self.new("ShaderNodeUVMap", at, row)
            uv.uv_map = self.uv_name(t["texcoord"])
            self.link(socket, uv.outputs[0])
        return img


def _settings_tree():
    """The exporter's settings group ("glTF Material Output" with an Occlusion input), made like the importer's."""
    name = SETTINGS_GROUPS[0]
    group = bpy.data.node_groups.get(name)
    if group is None:
        group = bpy.data.node_groups.new(name, "ShaderNodeTree")
        group.inputs.new("NodeSocketFloat", "Occlusion")
        group.inputs.new("NodeSocketFloat", "Thickness").default_value = 0.0
        group.nodes.new("NodeGroupOutput")
        group.nodes.new("NodeGroupInput")
        group.inputs.new("NodeSocketFloat", "Specular").default_value = 1.0
        group.inputs.new("NodeSocketColor", "Specular Color").default_value = (1.0, 1.0, 1.0, 1.0)
    return group
