"""Builds the add-on's installable zips (standard library only):

    python3 adapters/blender/package.py [--out DIR]

- ``vibesync_blender-<version>-addon.zip``: the package folder at the zip's root, for
  Preferences › Add-ons › Install… in Blender 3.4 to 4.1 (read through bl_info);
- ``vibesync_blender-<version>-extension.zip``: the package's contents at the root with
  blender_manifest.toml, for Blender 4.2+ (Get Extensions › Install from Disk).

Prints the two paths. Tests and caches are left out."""

import argparse
import ast
import os
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.join(HERE, "vibesync_blender")


def version():
    with open(os.path.join(PACKAGE, "__init__.py"), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "bl_info":
            info = ast.literal_eval(node.value)
            return ".".join(map(str, info["version"]))
    raise SystemExit("package.py: bl_info not found in vibesync_blender/__init__.py")


def files():
    for root, dirs, names in os.walk(PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if not name.endswith((".pyc", ".pyo")):
                path = os.path.join(root, name)
                yield path, os.path.relpath(path, PACKAGE)


def build(out):
    os.makedirs(out, exist_ok=True)
    v = version()
    addon = os.path.join(out, f"vibesync_blender-{v}-addon.zip")
    extension = os.path.join(out, f"vibesync_blender-{v}-extension.zip")
    with zipfile.ZipFile(addon, "w", zipfile.ZIP_DEFLATED) as a, zipfile.ZipFile(extension, "w", zipfile.ZIP_DEFLATED) as e:
        for path, rel in files():
            a.write(path, os.path.join("vibesync_blender", rel))
            e.write(path, rel)
    return addon, extension


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=os.path.join(HERE, "dist"), help="where to write the zips (default adapters/blender/dist)")
    for path in build(p.parse_args().out):
        print(path)
