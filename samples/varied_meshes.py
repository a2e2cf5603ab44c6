"""A varied Blender scene for checking meshes against Blender's own glTF exporter (issue #17 item 6).

    blender -b --factory-startup --python samples/varied_meshes.py -- OUT.glb

builds the scene with plain bpy and exports it with the bundled exporter (modifiers applied). The
in-Blender tests (adapters/blender/tests_in_blender/test_meshes_gltf.py) import ``build`` and
``export`` and compare the exporter's file with VibeSync's mesh records triangle by triangle.

Every case of the mesh record: flat, smooth, auto smooth with a sharp edge, custom split normals,
several UV layers, a colour attribute (point domain, float), n-gons, several materials on one mesh,
a mesh with no faces, a mesh with no vertices, loose parts with a loose vertex; modifiers
(subdivision, mirror, array), a curve with a bevel, a text, a metaball (not exported by Blender's
exporter: VibeSync only), and two objects sharing one mesh.
"""

import math
import random
import sys

import bpy


def _link(name, data, location=(0.0, 0.0, 0.0)):
    obj = bpy.data.objects.new(name, data)
    bpy.context.scene.collection.objects.link(obj)
    obj.location = location
    return obj


def _from_ops(add, name, location, **kwargs):
    """A primitive made by a bpy.ops operator, renamed (object and mesh)."""
    add(location=location, **kwargs)
    obj = bpy.context.object
    obj.name = name
    if obj.data is not None:
        obj.data.name = name
    return obj


def _material(name, color):
    m = bpy.data.materials.new(name)
    m.use_nodes = True
    m.diffuse_color = color
    return m


def build(seed=17):
    """Empties the file and builds the scene; returns {name: object}."""
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    r = random.Random(seed)
    made = {}
    red, green, blue = _material("Red", (1, 0, 0, 1)), _material("Green", (0, 1, 0, 1)), _material("Blue", (0, 0, 1, 1))

    flat = _from_ops(bpy.ops.mesh.primitive_cube_add, "Flat", (0, 0, 0))
    flat.data.polygons.foreach_set("use_smooth", [False] * len(flat.data.polygons))
    made["Flat"] = flat

    smooth = _from_ops(bpy.ops.mesh.primitive_uv_sphere_add, "Smooth", (3, 0, 0), segments=16, ring_count=8)
    smooth.data.polygons.foreach_set("use_smooth", [True] * len(smooth.data.polygons))
    made["Smooth"] = smooth

    auto = _from_ops(bpy.ops.mesh.primitive_cylinder_add, "AutoSmooth", (6, 0, 0), vertices=12)
    auto.data.polygons.foreach_set("use_smooth", [True] * len(auto.data.polygons))
    auto.data.use_auto_smooth = True
    auto.data.auto_smooth_angle = math.radians(30)
    side = next(e for e in auto.data.edges if abs(auto.data.vertices[e.vertices[0]].co.z - auto.data.vertices[e.vertices[1]].co.z) > 1)
    side.use_edge_sharp = True  # a vertical edge of the wall: smooth shading splits there too
    made["AutoSmooth"] = auto

    custom = _from_ops(bpy.ops.mesh.primitive_grid_add, "CustomNormals", (9, 0, 0), x_subdivisions=4, y_subdivisions=4)
    custom.data.use_auto_smooth = True
    custom.data.polygons.foreach_set("use_smooth", [True] * len(custom.data.polygons))
    normals = []
    for v in custom.data.vertices:
        n = (v.co.x * 0.5, v.co.y * 0.5, 1.0)
        k = math.sqrt(sum(c * c for c in n))
        normals.append(tuple(c / k for c in n))
    custom.data.normals_split_custom_set_from_vertices(normals)
    made["CustomNormals"] = custom

    uvs = _from_ops(bpy.ops.mesh.primitive_cube_add, "UVLayers", (0, 3, 0))
    for k in (1, 2):
        layer = uvs.data.uv_layers.new(name=f"UV{k}")
        for d in layer.data:
            d.uv = (r.random(), r.random())
    made["UVLayers"] = uvs

    colors = _from_ops(bpy.ops.mesh.primitive_ico_sphere_add, "Colors", (3, 3, 0), subdivisions=1)
    attribute = colors.data.color_attributes.new("Col", "FLOAT_COLOR", "POINT")
    for d in attribute.data:
        d.color = (r.random(), r.random(), r.random(), 1.0)
    colors.data.color_attributes.render_color_index = colors.data.color_attributes.find("Col")
    made["Colors"] = colors

    ngons = _from_ops(bpy.ops.mesh.primitive_cylinder_add, "NGons", (6, 3, 0), vertices=7, end_fill_type="NGON")
    made["NGons"] = ngons

    slots = _from_ops(bpy.ops.mesh.primitive_cube_add, "Materials", (9, 3, 0))
    for m in (red, green, blue):
        slots.data.materials.append(m)
    slots.data.polygons.foreach_set("material_index", [i % 3 for i in range(len(slots.data.polygons))])
    made["Materials"] = slots

    edges = bpy.data.meshes.new("NoFaces")
    edges.from_pydata([(0, 0, 0), (1, 0, 0), (1, 1, 0)], [(0, 1), (1, 2)], [])
    made["NoFaces"] = _link("NoFaces", edges, (0, 6, 0))

    made["NoVertices"] = _link("NoVertices", bpy.data.meshes.new("NoVertices"), (3, 6, 0))

    loose = bpy.data.meshes.new("Loose")
    verts = [(x + dx, y, z) for dx in (0, 3) for x, y, z in ((0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0))] + [(5, 5, 5)]
    loose.from_pydata(verts, [], [(0, 1, 2, 3), (4, 5, 6, 7)])
    made["Loose"] = _link("Loose", loose, (6, 6, 0))

    sub = _from_ops(bpy.ops.mesh.primitive_cube_add, "Subsurf", (0, 9, 0))
    sub.modifiers.new("Subdivision", "SUBSURF").levels = 1
    made["Subsurf"] = sub

    mirror = bpy.data.meshes.new("Half")
    mirror.from_pydata([(0.2, 0, 0), (1, 0, 0), (1, 1, 0), (0.2, 1, 0)], [], [(0, 1, 2, 3)])
    half = _link("Mirror", mirror, (3, 9, 0))
    half.modifiers.new("Mirror", "MIRROR")
    made["Mirror"] = half

    arr = _from_ops(bpy.ops.mesh.primitive_cube_add, "Array", (6, 9, 0), size=0.5)
    arr.modifiers.new("Array", "ARRAY").count = 3
    made["Array"] = arr

    curve = bpy.data.curves.new("Curve", "CURVE")
    curve.dimensions = "3D"
    curve.bevel_depth = 0.1
    spline = curve.splines.new("BEZIER")
    spline.bezier_points.add(2)
    for p, co in zip(spline.bezier_points, ((0, 0, 0), (1, 1, 0), (2, 0, 1))):
        p.co = co
        p.handle_left_type = p.handle_right_type = "AUTO"
    made["Curve"] = _link("Curve", curve, (0, 12, 0))

    text = bpy.data.curves.new("Text", "FONT")
    text.body = "Vs"
    text.extrude = 0.05
    made["Text"] = _link("Text", text, (3, 12, 0))

    ball = bpy.data.metaballs.new("Ball")
    ball.elements.new().radius = 1.0
    made["Metaball"] = _link("Metaball", ball, (6, 12, 0))

    shared = bpy.data.meshes.new("Shared")
    shared.from_pydata([(0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1)], [], [(0, 2, 1), (0, 1, 3), (1, 2, 3), (0, 3, 2)])
    made["SharedA"] = _link("SharedA", shared, (0, 15, 0))
    made["SharedB"] = _link("SharedB", shared, (3, 15, 0))

    for obj in made.values():
        obj.select_set(False)
    bpy.context.view_layer.update()
    return made


def export(path):
    """The scene as a GLB by Blender's own exporter: modifiers applied, Y up, colours, no tangents."""
    bpy.ops.export_scene.gltf(filepath=path, export_format="GLB", export_apply=True, export_yup=True,
                              export_colors=True, export_normals=True, export_texcoords=True, export_tangents=False,
                              export_materials="EXPORT", export_extras=False, use_selection=False)


if __name__ == "__main__":
    argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    build()
    if argv:
        export(argv[0])
        print(f"wrote {argv[0]}")
