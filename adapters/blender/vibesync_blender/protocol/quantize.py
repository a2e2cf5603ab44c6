"""Quantization of canonical reals for the state hash (docs/protocol.md §3)."""

import math

EPSILON = 1e-5
SCALE = 100000.0  # multiplying by this exact double, not dividing by EPSILON, is normative
MAX_MAGNITUDE = 1e12


def is_hashable(v):
    """True when ``v`` is a finite real within ±1e12."""
    return not math.isnan(v) and abs(v) <= MAX_MAGNITUDE


def quantize(v):
    """round_half_to_even(v × 100000.0) as an int; −0.0 gives 0."""
    if not -MAX_MAGNITUDE <= v <= MAX_MAGNITUDE:  # is_hashable, inline (a million calls hashing 100,000 objects); NaN fails it
        raise ValueError(f"{v!r} is not a finite real within ±1e12")
    return int(round(v * SCALE))  # round() on a float is exact half-to-even


q = quantize  # the name docs/protocol.md §3 uses


def quantize_rotation(x, y, z, w):
    """Quantizes (x, y, z, w) and canonicalizes the sign on the integers.

    w > 0, or w = 0 and the first non-zero of x, y, z positive; doing it on the integers makes q
    and −q hash alike even when w is within ε of zero.
    """
    ints = [quantize(x), quantize(y), quantize(z), quantize(w)]
    lead = ints[3] or ints[0] or ints[1] or ints[2]
    if lead < 0:
        ints = [-c for c in ints]
    return ints
