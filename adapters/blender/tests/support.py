"""Shared test plumbing: where the repository and its vectors are, and the environment Blender runs in."""

import json
import os

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
ADAPTER = os.path.join(REPO, "adapters", "blender")


def vectors(name):
    with open(os.path.join(REPO, "testdata", name), encoding="utf-8") as f:
        return json.load(f)


def blender_env(**extra):
    """This environment for a `blender` subprocess, without a pyenv interpreter's own bin directory
    on PATH: Debian's Blender runs the system Python and takes its prefix from the first python3 on
    PATH, so started from a pyenv Python it would lose the system's numpy (python3-numpy), which the
    add-on reads meshes with. Official Blender builds bundle their Python and numpy."""
    env = dict(os.environ, **extra)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if not (os.sep + ".pyenv" + os.sep + "versions" + os.sep) in p)
    return env
