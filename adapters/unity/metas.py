"""Writes (or checks) the Unity .meta files of VibeSync's two UPM packages:

    python3 adapters/unity/metas.py          # write missing .meta files, remove orphans
    python3 adapters/unity/metas.py --check  # exit 1, listing them, if any is missing or orphaned

A package installed from a git URL is read-only to Unity, so every file and folder in it needs a
committed .meta (else Unity ignores the file and the package does not compile). GUIDs are derived
from the package name and the path, so they are stable and never collide between the packages.
Folders ending in ~ (Documentation~) are ignored by Unity and get none. Standard library only.
"""

import hashlib
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGES = {
    "com.vibesync.unity": os.path.join(ROOT, "adapters", "unity", "com.vibesync.unity"),
    "com.vibesync.protocol": os.path.join(ROOT, "src", "VibeSync.Protocol"),
}
SKIP_DIRS = {"bin", "obj"}  # build output of the .NET build, never committed

_TAIL = "  externalObjects: {}\n  userData: \n  assetBundleName: \n  assetBundleVariant: \n"
IMPORTERS = {
    ".cs": "MonoImporter:\n  externalObjects: {}\n  serializedVersion: 2\n  defaultReferences: []\n  executionOrder: 0\n  icon: {instanceID: 0}\n  userData: \n  assetBundleName: \n  assetBundleVariant: \n",
    ".asmdef": "AssemblyDefinitionImporter:\n" + _TAIL,
    "package.json": "PackageManifestImporter:\n" + _TAIL,
    ".md": "TextScriptImporter:\n" + _TAIL,
    ".json": "TextScriptImporter:\n" + _TAIL,
    ".txt": "TextScriptImporter:\n" + _TAIL,
}


def meta_text(package, rel, is_dir):
    guid = hashlib.md5(f"{package}/{rel}".encode("utf-8")).hexdigest()
    if is_dir:
        return f"fileFormatVersion: 2\nguid: {guid}\nfolderAsset: yes\nDefaultImporter:\n{_TAIL}"
    name = os.path.basename(rel)
    importer = IMPORTERS.get(name) or IMPORTERS.get(os.path.splitext(name)[1]) or "DefaultImporter:\n" + _TAIL
    return f"fileFormatVersion: 2\nguid: {guid}\n{importer}"


def expected(package, root):
    """(path of the .meta, its text) for every asset of a package."""
    out = {}
    for here, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith("~") and not d.startswith("."))
        for name in dirs + sorted(f for f in files if not f.endswith(".meta") and not f.startswith(".")):
            path = os.path.join(here, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            out[path + ".meta"] = meta_text(package, rel, os.path.isdir(path))
    return out


def present(root):
    found = set()
    for here, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith("~")]
        found.update(os.path.join(here, f) for f in files if f.endswith(".meta"))
    return found


def main(argv):
    check = "--check" in argv
    problems = []
    for package, root in PACKAGES.items():
        want = expected(package, root)
        have = present(root)
        for path, text in want.items():
            current = open(path, encoding="utf-8").read() if path in have else None
            if current != text:
                problems.append(("missing" if current is None else "stale") + " " + os.path.relpath(path, ROOT))
                if not check:
                    with open(path, "w", encoding="utf-8", newline="\n") as f:
                        f.write(text)
        for path in sorted(have - set(want)):
            problems.append("orphaned " + os.path.relpath(path, ROOT))
            if not check:
                os.remove(path)
    for p in problems:
        print(p)
    if check and problems:
        print(f"metas.py: {len(problems)} .meta file(s) out of date; run: python3 adapters/unity/metas.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
