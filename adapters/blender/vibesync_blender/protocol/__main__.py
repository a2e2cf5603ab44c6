"""Command line: ``python3 -m vibesync_blender.protocol hash --space S [FILE]`` and ``bench``.

``hash`` prints the same line as ``./vibesync hash`` for the same input (docs/protocol.md §8);
bad input exits with status 2 and one line ``error: <path>: <reason>``.
"""

import argparse
import json
import platform
import random
import statistics
import sys
import time
from dataclasses import replace

from .encoding import encode_object, record_hash
from .errors import SceneError
from .hashing import hash_scene
from .model import Material, Scene, SceneObject
from .scene_json import inline_record, read_canonical

INPUT_ERROR = 2


def _hash(args):
    try:
        if args.file is None:
            data = sys.stdin.buffer.read()
            source = "stdin"
        else:
            source = args.file
            with open(args.file, "rb") as f:
                data = f.read()
    except OSError as e:
        print(f"error: {source}: {e.strerror or e}", file=sys.stderr)
        return INPUT_ERROR
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        print("error: json: the input is not valid UTF-8", file=sys.stderr)
        return INPUT_ERROR
    try:
        scene = read_canonical(text, args.space)
    except SceneError as e:
        print(f"error: {e}", file=sys.stderr)
        return INPUT_ERROR
    sys.stdout.write(hash_scene(scene).to_json() + "\n")
    return 0


def _uuid(r):
    return "%08x-%04x-4%03x-8%03x-%012x" % (r.getrandbits(32), r.getrandbits(16), r.getrandbits(12),
                                             r.getrandbits(12), r.getrandbits(48))


def _synthetic(count, seed):
    """A canonical scene of ``count`` objects shaped like a real one: mostly empties, about one in
    ten a mesh object (sharing a few 8-vertex boxes, so the figure measures objects, not meshes),
    a few cameras and lights, one in ten parented to an earlier object."""
    r = random.Random(seed)
    box = tuple((x, y, z) for x in (-0.5, 0.5) for y in (-0.5, 0.5) for z in (-0.5, 0.5))
    faces = ((0, 1, 3), (0, 3, 2), (4, 6, 7), (4, 7, 5), (0, 4, 5), (0, 5, 1),
             (2, 3, 7), (2, 7, 6), (0, 2, 6), (0, 6, 4), (1, 5, 7), (1, 7, 3))
    meshes = tuple(inline_record(_uuid(r), [tuple(c * (i + 1) for c in p) for p in box], faces, None, None)
                   for i in range(4))
    materials = tuple(Material(_uuid(r), f"Material.{i:03d}", (r.random(), r.random(), r.random(), 1.0),
                               0.0, 0.5, (0.0, 0.0, 0.0)) for i in range(4))
    objects = []
    for i in range(count):
        parent = objects[r.randrange(i)].uuid if i and r.randrange(10) == 0 else None
        roll = r.randrange(100)
        kind = "mesh" if roll < 10 else "camera" if roll < 12 else "light" if roll < 15 else "empty"
        rotation = [r.random() - 0.5 for _ in range(4)]
        norm = sum(c * c for c in rotation) ** 0.5
        objects.append(SceneObject(
            uuid=_uuid(r), name=f"Object.{i:06d}", kind=kind, parent=parent,
            translation=tuple((r.random() - 0.5) * 200 for _ in range(3)),
            rotation=tuple(c / norm for c in rotation), scale=tuple(1 + r.random() for _ in range(3)),
            visible=r.randrange(8) != 0,
            materials=(r.choice(materials).uuid, None) if kind == "mesh" else (),
            mesh=r.choice(meshes).uuid if kind == "mesh" else None))
    return Scene(tuple(objects), materials, meshes)


def _bench(args):
    scene = _synthetic(args.objects, args.seed)
    hash_scene(scene)  # warm up: first-call costs are not what a running add-on pays
    rounds = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        hash_scene(scene)  # encode + hash every record + build the tree
        rounds.append(time.perf_counter() - start)
    tree = hash_scene(scene).tree
    r = random.Random(args.seed + 1)
    samples = []
    for _ in range(args.updates):
        o = scene.objects[r.randrange(len(scene.objects))]
        changed = replace(o, translation=((r.random() - 0.5) * 200,) + o.translation[1:])
        start = time.perf_counter()
        tree.update(changed.uuid, record_hash(encode_object(changed)))  # what one edit costs
        samples.append(time.perf_counter() - start)
    samples.sort()
    print(json.dumps({
        "objects": args.objects,
        "seconds_root_from_scratch": statistics.median(rounds),
        "seconds_incremental_update": statistics.median(samples),
        "python": platform.python_version(),
        "seconds_root_from_scratch_min": min(rounds),
        "seconds_incremental_update_p99": samples[min(len(samples) - 1, len(samples) * 99 // 100)],
        "rounds": args.rounds,
        "updates": args.updates,
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
    }))
    return 0


def _positive(text):
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return n


class _OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line and status 2, like input errors (and like ./vibesync), so a script
    reading stderr sees one shape of failure."""

    def error(self, message):
        self.exit(INPUT_ERROR, f"error: {message}\n")


def main(argv=None):
    parser = _OneLineParser(prog="python3 -m vibesync_blender.protocol",
                                     description="VibeSync protocol tools (the Python twin of ./vibesync hash).")
    sub = parser.add_subparsers(dest="command", required=True)
    h = sub.add_parser("hash", help="print the canonical state hash of a scene as one line of JSON",
                       description="Reads scene JSON (docs/protocol.md §8), validates it strictly and prints "
                                   "{\"root\": …, \"objects\": …, \"materials\": …, \"meshes\": …} on one line. "
                                   "Bad input: exit status 2 and one line 'error: <path>: <reason>' on stderr.")
    h.add_argument("--space", required=True, choices=("blender", "unity", "canonical"),
                   help="the space the scene's values are written in (docs/protocol.md §8)")
    h.add_argument("file", nargs="?", metavar="FILE", help="scene JSON; standard input when omitted")
    h.set_defaults(run=_hash)
    b = sub.add_parser("bench", help="time the scene root from scratch and after one change (JSON)",
                       description="Builds a seeded random canonical scene and prints one line of JSON: "
                                   "seconds_root_from_scratch (median of --rounds runs of encode + hash + tree) "
                                   "and seconds_incremental_update (median of --updates single-object updates: "
                                   "encode, hash, rehash the path).")
    b.add_argument("--objects", type=_positive, default=10_000, help="objects in the synthetic scene (default 10000)")
    b.add_argument("--rounds", type=_positive, default=5, help="from-scratch runs, median reported (default 5)")
    b.add_argument("--updates", type=_positive, default=1000, help="single-object updates, median reported (default 1000)")
    b.add_argument("--seed", type=int, default=20261122, help="seed of the synthetic scene (default 20261122)")
    b.set_defaults(run=_bench)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
