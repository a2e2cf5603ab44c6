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

from .encoding import encode_object, record_hash
from .errors import SceneError
from .hashing import hash_scene
from .merkle import MerkleTree
from .model import Scene, SceneObject
from .scene_json import read_canonical

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


def _synthetic(count, seed):
    r = random.Random(seed)
    objects = []
    for i in range(count):
        parent = objects[r.randrange(i)].uuid if i and r.randrange(10) == 0 else None
        q = [r.random() - 0.5 for _ in range(4)]
        n = sum(c * c for c in q) ** 0.5
        objects.append(SceneObject(
            uuid="%08x-%04x-4%03x-8%03x-%012x" % (r.getrandbits(32), r.getrandbits(16), r.getrandbits(12),
                                                 r.getrandbits(12), r.getrandbits(48)),
            name=f"Object.{i:06d}", kind=("camera", "light", "empty", "empty", "empty")[r.randrange(5)],
            parent=parent,
            translation=tuple((r.random() - 0.5) * 200 for _ in range(3)),
            rotation=tuple(c / n for c in q), scale=tuple(1 + r.random() for _ in range(3)),
            visible=r.randrange(8) != 0))
    return Scene(tuple(objects))


def _bench(args):
    scene = _synthetic(args.objects, 20261122)
    hash_scene(scene)  # warm up
    rounds = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        hash_scene(scene)
        rounds.append(time.perf_counter() - start)
    tree = hash_scene(scene).tree
    r = random.Random(7)
    samples = []
    for _ in range(args.updates):
        o = scene.objects[r.randrange(len(scene.objects))]
        changed = SceneObject(o.uuid, o.name, o.kind, o.parent, ((r.random() - 0.5) * 200,) + o.translation[1:],
                              o.rotation, o.scale, o.visible, o.materials, o.mesh)
        start = time.perf_counter()
        tree.set(changed.uuid, record_hash(encode_object(changed)))
        samples.append(time.perf_counter() - start)
    samples.sort()
    result = {
        "benchmark": "hash (Python)",
        "objects": args.objects,
        "root_from_scratch_s": {"median": statistics.median(rounds), "min": min(rounds), "rounds": args.rounds},
        "incremental_update_us": {"p50": samples[len(samples) // 2] * 1e6,
                                  "p99": samples[int(len(samples) * 0.99) - 1] * 1e6, "updates": args.updates},
        "python": platform.python_implementation() + " " + platform.python_version(),
        "machine": platform.processor() or platform.machine(),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"scene root, {args.objects:,} objects, from scratch: median {result['root_from_scratch_s']['median'] * 1e3:.0f} ms, "
              f"min {result['root_from_scratch_s']['min'] * 1e3:.0f} ms ({args.rounds} rounds; goal ≤ 1 s for 10k)")
        print(f"one object changed, incremental: p50 {result['incremental_update_us']['p50']:.1f} µs, "
              f"p99 {result['incremental_update_us']['p99']:.1f} µs")
        print(f"{result['python']}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m vibesync_blender.protocol",
                                     description="VibeSync protocol tools (the Python twin of ./vibesync hash).")
    sub = parser.add_subparsers(dest="command", required=True)
    h = sub.add_parser("hash", help="print the canonical state hash of a scene as one line of JSON")
    h.add_argument("--space", required=True, choices=("blender", "unity", "canonical"),
                   help="the space the scene's values are written in (docs/protocol.md §8)")
    h.add_argument("file", nargs="?", metavar="FILE", help="scene JSON; standard input when omitted")
    h.set_defaults(run=_hash)
    b = sub.add_parser("bench", help="time the scene root from scratch and after one change")
    b.add_argument("--objects", type=int, default=10_000, help="objects in the synthetic scene (default 10000)")
    b.add_argument("--rounds", type=int, default=5, help="from-scratch rounds, median reported (default 5)")
    b.add_argument("--updates", type=int, default=2000, help="timed single-object updates (default 2000)")
    b.add_argument("--json", action="store_true", help="print JSON")
    b.set_defaults(run=_bench)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
