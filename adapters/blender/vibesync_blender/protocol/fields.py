"""Strict JSON for everything an adapter reads (docs/protocol.md §8, docs/intents.md): no duplicate
keys, no NaN or Infinity, nesting at most 64, and typed field readers whose refusals name the path.
The C# twin is src/VibeSync.Protocol/Json (JsonParser, JsonFields); scene and operation readers
both use these, so they refuse alike."""

import json
import math
import re

from .errors import SceneError

ID_PATTERN = re.compile(r"(h-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


_VALID_IDS = set()  # IDs already matched: a scene's IDs are checked again and again (6 times an object per attach)
_VALID_IDS_MAX = 1_000_000


def is_valid_id(text):
    """A lowercase 8-4-4-4-12 UUID, optionally prefixed h- (hidden from AI)."""
    if not isinstance(text, str):
        return False
    if text in _VALID_IDS:  # a set lookup is ~8× cheaper than the match (550,000 checks attaching 100,000 objects)
        return True
    if ID_PATTERN.fullmatch(text) is None:
        return False
    if len(_VALID_IDS) >= _VALID_IDS_MAX:
        _VALID_IDS.clear()
    _VALID_IDS.add(str(text))  # str(): a subclass's value, never the subclass
    return True


def parse(text):
    def pairs(items):
        seen = {}
        for k, v in items:
            if k in seen:
                raise SceneError("json", f"duplicate key \"{k}\"")
            seen[k] = v
        return seen

    def constant(name):
        raise SceneError("json", "NaN and Infinity are not JSON numbers")

    def integer(literal):
        # Python refuses to turn more than 4300 digits into an int; such a number is out of any
        # range anyway, so it becomes the float it is (inf), which the field checks refuse, as in C#.
        return int(literal) if len(literal) <= 4000 else float(literal)

    try:
        doc = json.loads(text, object_pairs_hook=pairs, parse_constant=constant, parse_int=integer)
    except json.JSONDecodeError as e:
        raise SceneError("json", f"line {e.lineno} column {e.colno}: {e.msg}") from None
    except RecursionError:
        raise SceneError("json", f"nesting deeper than {MAX_DEPTH}") from None
    if nesting_depth(doc) > MAX_DEPTH:
        raise SceneError("json", f"nesting deeper than {MAX_DEPTH}")
    return doc


MAX_DEPTH = 64  # the C# parser's limit (JsonParser.MaxDepth): deeper documents are refused by both


def nesting_depth(doc):
    """Nesting depth in containers (a top-level object is 1), without recursion."""
    deepest = 0
    stack = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def kind_name(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"



def check_fields(o, path, required, optional):
    prefix = path + "." if path else ""
    for key in o:
        if key not in required and key not in optional:
            raise SceneError(prefix + key, "unknown field")
    for key in required:
        if key not in o:
            raise SceneError(prefix + key, "missing field")


def as_object(v, path):
    if not isinstance(v, dict):
        raise SceneError(path, f"expected an object, got {kind_name(v)}")
    return v


def as_array(v, path):
    if not isinstance(v, list):
        raise SceneError(path, f"expected an array, got {kind_name(v)}")
    return v


def read_text(v, path):
    if not isinstance(v, str):
        raise SceneError(path, f"expected a string, got {kind_name(v)}")
    return v


def read_real(v, path):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise SceneError(path, f"expected a finite number, got {kind_name(v)}")
    f = float(v) if isinstance(v, float) else int_to_float(v)
    if math.isinf(f) or math.isnan(f):
        raise SceneError(path, f"expected a finite number, got {v!r}")
    return f


def int_to_float(i):
    try:
        return float(i)
    except OverflowError:
        return math.inf if i > 0 else -math.inf


def read_reals(v, path, count):
    a = as_array(v, path)
    if len(a) != count:
        raise SceneError(path, f"expected {count} numbers, got {len(a)}")
    return [read_real(x, f"{path}[{i}]") for i, x in enumerate(a)]


def read_vector(v, path):
    return tuple(read_reals(v, path, 3))


def read_index(v, path, count):
    if isinstance(v, bool) or not isinstance(v, int):
        raise SceneError(path, f"expected an integer vertex index, got {v if isinstance(v, float) else kind_name(v)}")
    if v < 0 or v >= count:
        raise SceneError(path, f"vertex index {v} is out of range (mesh has {count} positions)")
    return v


def read_id(v, path):
    text = read_text(v, path)
    if not is_valid_id(text):
        raise SceneError(path, f"\"{text}\" is not a VibeSync ID (lowercase 8-4-4-4-12 hex UUID, optionally prefixed h-)")
    return text


def read_optional_id(v, path):
    return None if v is None else read_id(v, path)


def read_name(v, path):
    text = read_text(v, path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise SceneError(path, "contains a lone UTF-16 surrogate (not valid Unicode)") from None
    return text


def read_blob_id(v, path):
    """A blob id (docs/protocol.md §12): 64 lowercase hex digits."""
    text = read_text(v, path)
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise SceneError(path, f"\"{shown}\" is not a blob id (64 lowercase hex digits)")
    return text
