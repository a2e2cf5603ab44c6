"""TIME (docs/protocol.md §11.10): an editor's current scene time for the optional scene time sync
(config.json ``sync.scene_time``, told to adapters in WELCOME). A pose, not an edit: never
journaled, never an intent, the latest wins. The C# twin is src/VibeSync.Protocol/Link/SceneTime.cs;
testdata/time_vectors.json pins both.

Needs no bpy: the tests use it under the system Python."""

import math

from ..protocol import fields
from ..protocol.errors import SceneError

MAX_SECONDS = 1_000_000.0  # about 11.5 days; Blender's last frame at 1 fps is 1,048,574
MAX_SEQ = 2 ** 53 - 1      # the largest whole number every reader holds exactly (one more reads as 2^53 in a double)


class TimeError(ValueError):
    """A TIME payload that is not what a peer writes; ``path`` names the field."""

    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


def real_text(v):
    """A double as C#'s round-trip "R" writes it (the shortest text that reads back the same):
    Python's repr without a trailing ".0", with C#'s capital exponent."""
    text = repr(float(v))
    if text.endswith(".0"):
        text = text[:-2]
    return text.replace("e", "E")


def encode_time(seconds, seq):
    """The payload's bytes, byte for byte as the C# writer's."""
    return f'{{"seconds": {real_text(seconds)}, "seq": {int(seq)}}}'.encode("utf-8")


def parse_time(data):
    """Reads a TIME payload strictly; returns (seconds, seq). Raises TimeError naming the field."""
    try:
        o = fields.parse(bytes(data).decode("utf-8"))  # strict as the C# parser: no duplicate keys, no NaN
    except (SceneError, UnicodeDecodeError) as e:
        raise TimeError("payload", f"not JSON: {e}") from None
    if not isinstance(o, dict):
        raise TimeError("payload", "expected an object")
    for k in o:
        if k not in ("seconds", "seq"):
            raise TimeError(k, "unknown field")
    for k in ("seconds", "seq"):
        if k not in o:
            raise TimeError(k, "missing")
    s, q = o["seconds"], o["seq"]
    if isinstance(s, bool) or not isinstance(s, (int, float)) or math.isnan(s) or not 0 <= s <= MAX_SECONDS:
        raise TimeError("seconds", f"expected a number of seconds from 0 to {MAX_SECONDS:g}")
    if isinstance(q, bool) or not isinstance(q, int) or not 1 <= q <= MAX_SEQ:
        raise TimeError("seq", f"expected a whole number from 1 to {MAX_SEQ}")
    return float(s) + 0.0, q


class TimeFollower:
    """Latest wins, in one session: takes a TIME only when its seq is above the last one taken."""

    __slots__ = ("last",)

    def __init__(self):
        self.last = 0

    def take(self, seq):
        if seq <= self.last:
            return False
        self.last = seq
        return True
