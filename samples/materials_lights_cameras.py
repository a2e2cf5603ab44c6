"""A Blender scene for checking materials, images, cameras and lights against Blender's own glTF
exporter (issue #18 item 6).

    blender -b --factory-startup --python samples/materials_lights_cameras.py -- OUT_DIR [--small]

builds the scene with plain bpy (its PNG and JPEG images written with Blender's image API into
OUT_DIR/images, or a temporary directory) and exports it with the bundled exporter as OUT_DIR/scene.gltf
(.gltf JSON with separate image and .bin files). The in-Blender tests
(adapters/blender/tests_in_blender/test_materials_gltf.py) import ``build`` and ``export`` and compare
the exporter's file with VibeSync's records field by field.

What it has: every texture slot (base colour with alpha, metallic-roughness, normal with a scale,
occlusion with a strength, emissive) from real PNG and JPEG files of 1024² and one 4096² PNG; a
texture transform through a Mapping node; a UV set other than 0; nearest filtering and clamped and
mirrored wraps; each alpha mode; single- and double-sided; emission with a strength above 1; a
material whose node graph VibeSync cannot represent (a Noise Texture into Roughness); 100
materials sharing 10 textures; point, spot (with ranges), sun and area lights; perspective cameras
with each sensor fit and an orthographic one. Besides the swatches (one quad per material), a
smooth UV sphere, a vase and a lamp shade wear the full PBR, glass and glowing materials.
"""

import math
import os
import sys
import tempfile

import bmesh
import bpy
import numpy as np

SHARED_TEXTURES = 10
SHARED_MATERIALS = 100


def _image(name, size, directory, fmt, pattern, color_space="sRGB"):
    """An image of ``size``² written as a real PNG/JPEG file with Blender's image API, then loaded
    from that file (so Blender holds it as a file image, as a human's would be)."""
    w = h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r, g, b = pattern(x / w, y / h)
    pixels = np.stack([r, g, b, np.ones_like(r)], axis=-1).astype(np.float32)
    img = bpy.data.images.new(name + "_tmp", w, h, alpha=True)
    img.pixels.foreach_set(pixels.ravel())
    ext = "png" if fmt == "PNG" else "jpg"
    path = os.path.join(directory, f"{name}.{ext}")
    img.filepath_raw = path
    img.file_format = fmt
    img.save()
    bpy.data.images.remove(img)
    loaded = bpy.data.images.load(path)
    loaded.name = f"{name}.{ext}"
    loaded.colorspace_settings.name = color_space
    return loaded


def _checker(n):
    return lambda u, v: ((np.floor(u * n) + np.floor(v * n)) % 2, u, v)


def _images(directory, small):
    big = 256 if small else 1024
    huge = 512 if small else 4096
    return {
        "albedo": _image("brick_albedo", huge, directory, "PNG", _checker(16)),
        "orm": _image("brick_orm", big, directory, "PNG", lambda u, v: (0.5 + 0.5 * u, 0.3 + 0.6 * v, u * v), "Non-Color"),
        "normal": _image("brick_normal", big, directory, "PNG", lambda u, v: (0.5 + 0 * u, 0.5 + 0 * v, 1 + 0 * u), "Non-Color"),
        "emissive": _image("lamp_emissive", big, directory, "JPEG", lambda u, v: (u, 0.5 + 0 * v, 1 - u)),
        "leaf": _image("leaf_albedo", big, directory, "PNG", _checker(4)),
        "wood": _image("wood_albedo", big, directory, "JPEG", lambda u, v: (0.4 + 0.2 * np.sin(40 * u), 0.25 + 0 * v, 0.1 + 0 * u)),
    }


# ---- node graphs, built as Blender's glTF importer builds them -----------------------------------------

def _principled(mat):
    mat.use_nodes = True
    return next(n for n in mat.node_tree.nodes if n.type == "BSDF_PRINCIPLED")


def _tex(mat, image, interpolation="Linear", extension="REPEAT", uv_map=None, mapping=None):
    tree = mat.node_tree
    node = tree.nodes.new("ShaderNodeTexImage")
    node.image, node.interpolation, node.extension = image, interpolation, extension
    socket = node.inputs["Vector"]
    if mapping is not None:
        m = tree.nodes.new("ShaderNodeMapping")
        m.vector_type = "POINT"
        m.inputs["Location"].default_value = mapping["location"]
        m.inputs["Rotation"].default_value = mapping["rotation"]
        m.inputs["Scale"].default_value = mapping["scale"]
        tree.links.new(m.outputs[0], socket)
        socket = m.inputs["Vector"]
    if uv_map is not None or mapping is not None:
        uv = tree.nodes.new("ShaderNodeUVMap")
        uv.uv_map = uv_map or "UVMap"
        tree.links.new(uv.outputs[0], socket)
    return node


def _settings_group():
    group = bpy.data.node_groups.get("glTF Material Output")
    if group is None:
        group = bpy.data.node_groups.new("glTF Material Output", "ShaderNodeTree")
        group.inputs.new("NodeSocketFloat", "Occlusion")
        group.inputs.new("NodeSocketFloat", "Thickness")
        group.nodes.new("NodeGroupOutput")
        group.nodes.new("NodeGroupInput")
    return group


def _mix(tree, blend, factor, constant_input, constant):
    """A colour Mix node (the importer's factor node) with one constant colour input."""
    node = tree.nodes.new("ShaderNodeMix")
    node.data_type, node.blend_type = "RGBA", blend
    node.inputs[0].default_value = factor
    node.inputs[constant_input].default_value = constant
    return node


def full_pbr(images):
    """Every texture slot: base colour × factor with alpha, metallic-roughness × factors (ORM), normal
    with a scale on UV set 1, occlusion with a strength, emissive with a strength above 1, and a
    texture transform on the base colour."""
    mat = bpy.data.materials.new("FullPBR")
    p = _principled(mat)
    tree = mat.node_tree
    base = _tex(mat, images["albedo"], mapping={"location": (0.25, -0.5, 0), "rotation": (0, 0, 0.5), "scale": (2, 3, 1)})
    mix = _mix(tree, "MULTIPLY", 1.0, 7, (0.9, 0.6, 0.5, 1.0))
    tree.links.new(base.outputs["Color"], mix.inputs[6])
    tree.links.new(mix.outputs[2], p.inputs["Base Color"])
    orm = _tex(mat, images["orm"])
    sep = tree.nodes.new("ShaderNodeSeparateColor")
    tree.links.new(orm.outputs["Color"], sep.inputs[0])
    mul = tree.nodes.new("ShaderNodeMath")
    mul.operation = "MULTIPLY"
    mul.inputs[1].default_value = 0.75
    tree.links.new(sep.outputs["Blue"], mul.inputs[0])
    tree.links.new(mul.outputs[0], p.inputs["Metallic"])
    tree.links.new(sep.outputs["Green"], p.inputs["Roughness"])
    group = tree.nodes.new("ShaderNodeGroup")
    group.node_tree = _settings_group()
    occ_tex = _tex(mat, images["orm"])
    occ_sep = tree.nodes.new("ShaderNodeSeparateColor")
    tree.links.new(occ_tex.outputs["Color"], occ_sep.inputs[0])
    occ_mix = _mix(tree, "MIX", 0.6, 6, (1, 1, 1, 1))
    tree.links.new(occ_sep.outputs["Red"], occ_mix.inputs[7])
    tree.links.new(occ_mix.outputs[2], group.inputs["Occlusion"])
    nrm = _tex(mat, images["normal"], uv_map="UVMap.001")
    nm = tree.nodes.new("ShaderNodeNormalMap")
    nm.uv_map = "UVMap.001"
    nm.inputs["Strength"].default_value = 0.8
    tree.links.new(nrm.outputs["Color"], nm.inputs["Color"])
    tree.links.new(nm.outputs["Normal"], p.inputs["Normal"])
    em = _tex(mat, images["emissive"])
    tree.links.new(em.outputs["Color"], p.inputs["Emission"])
    p.inputs["Emission Strength"].default_value = 5.0
    mat.use_backface_culling = True  # single-sided
    return mat


def _simple(name, color, metallic=0.0, roughness=0.5, image=None, blend="OPAQUE", alpha=1.0, threshold=0.5,
            culling=False, emission=None, strength=1.0, interpolation="Linear", extension="REPEAT"):
    mat = bpy.data.materials.new(name)
    p = _principled(mat)
    p.inputs["Base Color"].default_value = (*color, 1.0)
    p.inputs["Metallic"].default_value = metallic
    p.inputs["Roughness"].default_value = roughness
    p.inputs["Alpha"].default_value = alpha
    if image is not None:
        t = _tex(mat, image, interpolation, extension)
        mat.node_tree.links.new(t.outputs["Color"], p.inputs["Base Color"])
        if blend != "OPAQUE":
            mat.node_tree.links.new(t.outputs["Alpha"], p.inputs["Alpha"])
    if emission is not None:
        p.inputs["Emission"].default_value = (*emission, 1.0)
        p.inputs["Emission Strength"].default_value = strength
    mat.blend_method = blend
    mat.alpha_threshold = threshold
    mat.use_backface_culling = culling
    return mat


def unrepresentable():
    """Roughness from a procedural Noise Texture: glTF has no such thing (reported, never overwritten)."""
    mat = _simple("NoisyRoughness", (0.2, 0.5, 0.3))
    noise = mat.node_tree.nodes.new("ShaderNodeTexNoise")
    mat.node_tree.links.new(noise.outputs["Fac"], _principled(mat).inputs["Roughness"])
    return mat


def materials(images):
    mats = [
        full_pbr(images),
        _simple("Masked", (1, 1, 1), image=images["leaf"], blend="CLIP", threshold=0.35, culling=False,
                interpolation="Closest", extension="EXTEND"),
        _simple("Glass", (0.6, 0.8, 1.0), roughness=0.05, blend="BLEND", alpha=0.3, culling=True),
        _simple("Glow", (0.1, 0.1, 0.1), emission=(1.0, 0.4, 0.1), strength=12.0),
        _simple("Wood", (1, 1, 1), roughness=0.8, image=images["wood"], culling=True),
        unrepresentable(),
    ]
    return mats


def shared(directory, small):
    """100 materials sharing 10 textures (each texture used by 10 materials)."""
    size = 64 if small else 256
    textures = [_image(f"shared_{i}", size, directory, "PNG" if i % 2 else "JPEG",
                       (lambda k: lambda u, v: (k / 10 + 0 * u, u, v))(i)) for i in range(SHARED_TEXTURES)]
    return [_simple(f"Shared{i:03d}", (1.0, 1.0 - i / 200, 1.0), roughness=(i % 10) / 10, image=textures[i % SHARED_TEXTURES])
            for i in range(SHARED_MATERIALS)]


# ---- objects ------------------------------------------------------------------------------------------

def _link(name, data, location=(0.0, 0.0, 0.0), rotation=(0.0, 0.0, 0.0)):
    obj = bpy.data.objects.new(name, data)
    bpy.context.scene.collection.objects.link(obj)
    obj.location, obj.rotation_euler = location, rotation
    return obj


def _quad(name, mats, location):
    """A mesh with two UV layers, one face per material."""
    mesh = bpy.data.meshes.new(name)
    n = max(1, len(mats))
    verts, faces = [], []
    for i in range(n):
        x = i * 1.1
        verts += [(x, 0, 0), (x + 1, 0, 0), (x + 1, 1, 0), (x, 1, 0)]
        faces.append((4 * i, 4 * i + 1, 4 * i + 2, 4 * i + 3))
    mesh.from_pydata(verts, [], faces)
    for layer in ("UVMap", "UVMap.001"):
        uv = mesh.uv_layers.new(name=layer)
        for loop in mesh.loops:
            v = mesh.vertices[loop.vertex_index].co
            uv.data[loop.index].uv = (v.x % 1.0001, v.y) if layer == "UVMap" else (v.y, v.x % 1.0001)
    for i, m in enumerate(mats):
        mesh.materials.append(m)
        mesh.polygons[i].material_index = i
    return _link(name, mesh, location)


def _solid(name, mat, location, make):
    """A smooth-shaded solid made by a bmesh primitive (its own UVs, copied to a second layer) wearing ``mat``."""
    mesh = bpy.data.meshes.new(name)
    bm = bmesh.new()
    bm.loops.layers.uv.new("UVMap")
    make(bm)
    bm.to_mesh(mesh)
    bm.free()
    mesh.uv_layers.new(name="UVMap.001")  # initialized from the first: FullPBR's normal map reads UV set 1
    for poly in mesh.polygons:
        poly.use_smooth = True
    mesh.materials.append(mat)
    return _link(name, mesh, location)


def props(mats):
    """What a look-dev scene shows materials on besides swatches: a sphere, a glass vase, a lamp shade."""
    return [
        _solid("PbrSphere", mats["FullPBR"], (0, -3, 1),
               lambda bm: bmesh.ops.create_uvsphere(bm, u_segments=32, v_segments=16, radius=1.0, calc_uvs=True)),
        _solid("GlassVase", mats["Glass"], (3, -3, 1),
               lambda bm: bmesh.ops.create_cone(bm, cap_ends=True, segments=24, radius1=0.4, radius2=0.6, depth=2.0, calc_uvs=True)),
        _solid("LampShade", mats["Glow"], (-3, -3, 2),
               lambda bm: bmesh.ops.create_cone(bm, cap_ends=False, segments=16, radius1=0.8, radius2=0.3, depth=0.8, calc_uvs=True)),
    ]


def _light(name, kind, energy, color, location, **settings):
    data = bpy.data.lights.new(name, kind)
    data.energy, data.color = energy, color
    for k, v in settings.items():
        setattr(data, k, v)
    return _link(name, data, location, (0.6, 0.2, 0.4))


def _camera(name, location, **settings):
    data = bpy.data.cameras.new(name)
    for k, v in settings.items():
        setattr(data, k, v)
    return _link(name, data, location, (1.2, 0.0, 0.8))


def lights():
    return [
        _light("PointLight", "POINT", 1000.0, (1.0, 0.9, 0.8), (2, 2, 3)),
        _light("PointRanged", "POINT", 250.0, (0.5, 0.5, 1.0), (-2, 2, 3), use_custom_distance=True, cutoff_distance=12.0),
        _light("SpotLight", "SPOT", 800.0, (1.0, 1.0, 1.0), (0, -3, 4), spot_size=math.radians(60), spot_blend=0.25,
               use_custom_distance=True, cutoff_distance=30.0),
        _light("SpotWide", "SPOT", 50.0, (1.0, 0.5, 0.2), (0, 3, 4), spot_size=math.radians(150), spot_blend=0.9),
        _light("Sun", "SUN", 3.5, (1.0, 0.95, 0.9), (0, 0, 10)),
        _light("AreaLight", "AREA", 200.0, (1.0, 1.0, 1.0), (3, -3, 3)),
    ]


def cameras():
    return [
        _camera("CamAuto", (0, -10, 3), lens=35.0, sensor_fit="AUTO", clip_start=0.1, clip_end=250.0),
        _camera("CamHorizontal", (5, -10, 3), lens=50.0, sensor_fit="HORIZONTAL", sensor_width=36.0, clip_start=0.5, clip_end=80.0),
        _camera("CamVertical", (-5, -10, 3), lens=24.0, sensor_fit="VERTICAL", sensor_height=24.0, clip_start=0.05, clip_end=500.0),
        _camera("CamOrtho", (0, 0, 20), type="ORTHO", ortho_scale=12.5, clip_start=1.0, clip_end=40.0),
    ]


def build(directory=None, small=False):
    """Empties the file and builds the scene; returns {name: object}. Images go to ``directory``."""
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    scene = bpy.context.scene
    scene.render.resolution_x, scene.render.resolution_y = 1920, 1080
    directory = directory or tempfile.mkdtemp(prefix="vibesync-images-")
    os.makedirs(directory, exist_ok=True)
    images = _images(directory, small)
    made = {}
    mats = materials(images)
    for i, m in enumerate(mats):
        made[m.name] = _quad(f"Show{m.name}", [m], (i * 2.5, 0, 0))
    for o in props({m.name: m for m in mats}):
        made[o.name] = o
    sharing = shared(directory, small)
    for i in range(0, len(sharing), 10):
        obj = _quad(f"SharedRow{i // 10}", sharing[i:i + 10], (0, 3 + i / 5, 0))
        made[obj.name] = obj
    for o in lights() + cameras():
        made[o.name] = o
    return made


def export(path):
    """The scene as .gltf JSON with separate .bin and image files, by Blender's own exporter (lights
    in its default SPEC mode; images as their files hold them where it can)."""
    bpy.ops.export_scene.gltf(filepath=path, export_format="GLTF_SEPARATE", export_apply=True, export_yup=True,
                              export_texcoords=True, export_normals=True, export_materials="EXPORT",
                              export_cameras=True, export_lights=True, export_image_format="AUTO",
                              export_extras=False, use_selection=False)


if __name__ == "__main__":
    argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    out = argv[0] if argv else tempfile.mkdtemp(prefix="vibesync-sample-")
    build(os.path.join(out, "images"), small="--small" in argv)
    export(os.path.join(out, "scene.gltf"))
    print(f"wrote {os.path.join(out, 'scene.gltf')}")
