"""HMAC-SHA256 (RFC 2104), HKDF-SHA256 (RFC 5869) and constant-time comparison (docs/protocol.md §9)."""

import hashlib
import hmac

MAC_SIZE = 32
HKDF_MAX_OUTPUT = 255 * MAC_SIZE


def hmac_sha256(key, data):
    return hmac.new(key, data, hashlib.sha256).digest()


def constant_time_equals(a, b):
    """Equal contents, compared without an early exit (lengths are public)."""
    return hmac.compare_digest(a, b)


def hkdf_extract(salt, ikm):
    """PRK = HMAC(salt, ikm); an empty salt means 32 zero bytes."""
    return hmac_sha256(salt or bytes(MAC_SIZE), ikm)


def hkdf_expand(prk, info, length):
    """OKM = T(1) ‖ T(2) ‖ … truncated to ``length``; T(i) = HMAC(prk, T(i−1) ‖ info ‖ i)."""
    if not 0 <= length <= HKDF_MAX_OUTPUT:
        raise ValueError(f"HKDF-SHA256 output is 0..{HKDF_MAX_OUTPUT} bytes, not {length}")
    okm = bytearray()
    t = b""
    counter = 1
    while len(okm) < length:
        t = hmac_sha256(prk, t + info + bytes([counter]))
        okm += t
        counter += 1
    return bytes(okm[:length])


def hkdf(salt, ikm, info, length):
    """Extract then expand."""
    return hkdf_expand(hkdf_extract(salt, ikm), info, length)
