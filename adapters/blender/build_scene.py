"""Builds a .blend from scene JSON (Blender space) with real Blender:

    blender -b --factory-startup --python adapters/blender/build_scene.py -- SCENE.json OUT.blend

Used by ``vibesync demo`` to make its sample scene; the file is then opened like any other.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bpy  # noqa: E402

from vibesync_blender.protocol.blobs import folder_of, read_folder  # noqa: E402
from vibesync_blender.scene.building import build  # noqa: E402


def main():
    argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    if len(argv) != 2:
        print("usage: blender -b --factory-startup --python build_scene.py -- SCENE.json OUT.blend", file=sys.stderr)
        sys.exit(2)
    with open(argv[0], encoding="utf-8") as f:
        build(json.load(f), read_folder(folder_of(argv[0])))  # record-form meshes name blobs kept beside the file
    bpy.ops.wm.save_as_mainfile(filepath=os.path.abspath(argv[1]))


main()
