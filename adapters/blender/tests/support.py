"""Shared test plumbing: where the repository and its vectors are."""

import json
import os

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
ADAPTER = os.path.join(REPO, "adapters", "blender")


def vectors(name):
    with open(os.path.join(REPO, "testdata", name), encoding="utf-8") as f:
        return json.load(f)
