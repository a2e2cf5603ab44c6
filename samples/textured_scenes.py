"""The scenes of `vibesync bench content`'s issue #18 cases: textures, shared textures, lights and cameras.

    blender -b --factory-startup --python samples/textured_scenes.py -- texture OUT.blend [SIZE]
    blender -b --factory-startup --python samples/textured_scenes.py -- materials OUT.blend [SIZE] [TEXTURES] [MATERIALS]
    blender -b --factory-startup --python samples/textured_scenes.py -- lights OUT.blend

``texture`` writes OUT.blend holding "Textured", a cube whose Principled material "Textured" has no
texture yet, and beside it ``albedo.png``, a SIZE×SIZE RGB PNG (default 4096) saved by Blender. The
benchmark then plays the human's step that loads that file and links it to the material's Base
Color (headless.py's ``base_color_texture``), timed from that step.

``materials`` writes OUT.blend with TEXTURES PNGs (default 10, SIZE² each, default 1024) saved beside
it as external files, MATERIALS Principled materials (default 100) whose Base Color is texture
``i % TEXTURES``, and one small quad per material using it: a scene where every image is shared.

``lights`` writes OUT.blend holding a spot light "Lamp", a perspective camera "Camera" and a cube.

Every image is noise over smooth colour so PNG cannot squeeze it to nothing, as a photographed
texture: at 4096² it is tens of megabytes. Each build prints one JSON line ``{"event": "built", …}``
with the images' files and byte sizes.
"""

import json
import math
import os
import sys

import bpy
import numpy as np


def _fresh():
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)


def _png(path, size, seed):
    """Saves a SIZE² RGB PNG at ``path`` through Blender's own writer; returns its byte size."""
    rng = np.random.default_rng(seed)
    xs = np.linspace(0.0, 1.0, size, dtype=np.float32)
    gx, gy = np.meshgrid(xs, xs, indexing="xy")
    phase = seed * 0.7
    rgba = np.empty((size, size, 4), dtype=np.float32)
    rgba[..., 0] = 0.5 + 0.3 * np.sin(gx * 9.0 + phase)
    rgba[..., 1] = 0.5 + 0.3 * np.cos(gy * 7.0 - phase)
    rgba[..., 2] = 0.5 + 0.2 * np.sin((gx + gy) * 5.0)
    rgba[..., :3] += rng.normal(0.0, 0.015, (size, size, 3)).astype(np.float32)  # grain: about ±4 levels
    rgba[..., 3] = 1.0
    np.clip(rgba, 0.0, 1.0, out=rgba)
    image = bpy.data.images.new(os.path.basename(path), size, size, alpha=False)
    image.pixels.foreach_set(rgba.ravel())
    settings = bpy.context.scene.render.image_settings
    settings.file_format, settings.color_mode, settings.color_depth, settings.compression = "PNG", "RGB", "8", 15
    image.save_render(path, scene=bpy.context.scene)
    bpy.data.images.remove(image)  # the generated one: the scenes use the saved file
    return os.path.getsize(path)


def _material(name, image=None):
    mat = bpy.data.materials.new(name)
    mat.use_nodes = True
    if image is not None:
        nodes = mat.node_tree.nodes
        bsdf = next(n for n in nodes if n.type == "BSDF_PRINCIPLED")
        tex = nodes.new("ShaderNodeTexImage")
        tex.image = image
        mat.node_tree.links.new(tex.outputs["Color"], bsdf.inputs["Base Color"])
    return mat


def _save(path, **fields):
    bpy.context.view_layer.update()
    bpy.ops.wm.save_as_mainfile(filepath=path)
    print(json.dumps(dict(fields, event="built", file=path)), flush=True)


def texture(path, size=4096):
    _fresh()
    png = os.path.join(os.path.dirname(os.path.abspath(path)), "albedo.png")
    png_bytes = _png(png, size, seed=1)
    bpy.ops.mesh.primitive_cube_add()
    cube = bpy.context.object
    cube.name = cube.data.name = "Textured"
    cube.data.materials.append(_material("Textured"))
    _save(path, images=[{"file": png, "bytes": png_bytes}])


def materials(path, size=1024, textures=10, count=100):
    _fresh()
    folder = os.path.dirname(os.path.abspath(path))
    images, built = [], []
    for t in range(textures):
        png = os.path.join(folder, f"shared_{t:02d}.png")
        built.append({"file": png, "bytes": _png(png, size, seed=10 + t)})
        images.append(bpy.data.images.load(png))
    side = math.ceil(math.sqrt(count))
    for i in range(count):
        bpy.ops.mesh.primitive_plane_add(size=0.9, location=(i % side, i // side, 0.0))
        quad = bpy.context.object
        quad.name = quad.data.name = f"Quad{i:03d}"
        quad.data.materials.append(_material(f"Shared{i:03d}", images[i % textures]))
    _save(path, images=built, materials=count)


def lights(path):
    _fresh()
    data = bpy.data.lights.new("Lamp", "SPOT")
    data.energy, data.color, data.spot_size, data.spot_blend = 500.0, (1.0, 0.9, 0.8), math.radians(60), 0.2
    lamp = bpy.data.objects.new("Lamp", data)
    lamp.location = (2.0, -2.0, 4.0)
    bpy.context.scene.collection.objects.link(lamp)
    cam = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    cam.location = (6.0, -6.0, 4.0)
    bpy.context.scene.collection.objects.link(cam)
    bpy.ops.mesh.primitive_cube_add()
    bpy.context.object.name = "Cube"
    _save(path)


if __name__ == "__main__":
    argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    if len(argv) >= 2 and argv[0] == "texture":
        texture(argv[1], *map(int, argv[2:3]))
    elif len(argv) >= 2 and argv[0] == "materials":
        materials(argv[1], *map(int, argv[2:5]))
    elif len(argv) == 2 and argv[0] == "lights":
        lights(argv[1])
    else:
        sys.exit("usage: textured_scenes.py -- texture OUT.blend [SIZE] | materials OUT.blend [SIZE] [TEXTURES] [MATERIALS] | lights OUT.blend")
