"""An engine's key file (docs/protocol.md §11.11), the twin of C#'s ``Protocol/Link/KeyFile``: line 1
is the bootstrap key as 64 lowercase hex digits (a file of that one line is a whole key file);
further lines are ``name value`` pairs, unknown names ignored: ``tls-sha256 HEX`` (the SHA-256 of
the orchestrator's TLS certificate, DER) and ``endpoint HOST:PORT`` (zero or more, in order of
preference: where the orchestrator takes adapters across the LAN)."""

import re
from collections import namedtuple

from .session import LinkError

_HEX64 = re.compile(r"[0-9a-f]{64}\Z")
_HOST = re.compile(r"[A-Za-z0-9._:-]{1,253}\Z")

KeyFile = namedtuple("KeyFile", "key pins endpoints")
KeyFile.__doc__ = "key: 32 bytes; pins: certificate fingerprints (bytes) accepted; endpoints: (host, port) in order."


def parse_endpoint(text):
    """``HOST:PORT`` or ``[V6]:PORT`` as (host, port); None when it is not one."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or len(port) > 5 or not 1 <= int(port) <= 65535:
        return None
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        return None  # an IPv6 address must be bracketed
    return (host, int(port)) if _HOST.match(host) else None


def parse(text, path="key file"):
    """Reads a key file's text. Raises LinkError BAD_KEY_FILE when line 1 is not a key, a known line is
    ill-formed, or endpoints come without a fingerprint to pin (nothing is sent unpinned)."""
    lines = text.replace("\r\n", "\n").split("\n")
    first = lines[0].strip()
    if not _HEX64.match(first):
        raise LinkError("BAD_KEY_FILE", f"{path} is not a key (line 1: expected 64 lowercase hex digits)")
    pins, endpoints = [], []
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        if not line:
            continue
        name, _, value = line.partition(" ")
        value = value.strip()
        if name == "tls-sha256":
            if not _HEX64.match(value):
                raise LinkError("BAD_KEY_FILE", f"{path} line {number}: tls-sha256 must be 64 lowercase hex digits")
            pins.append(bytes.fromhex(value))
        elif name == "endpoint":
            endpoint = parse_endpoint(value)
            if endpoint is None:
                raise LinkError("BAD_KEY_FILE", f"{path} line {number}: endpoint must be HOST:PORT, not {value!r}")
            endpoints.append(endpoint)
    if endpoints and not pins:
        raise LinkError("BAD_KEY_FILE", f"{path} names endpoints but no tls-sha256 line: the orchestrator's certificate "
                                        "cannot be pinned, so nothing is sent there")
    return KeyFile(bytes.fromhex(first), tuple(pins), tuple(endpoints))


def read(path):
    with open(path, encoding="ascii") as f:
        return parse(f.read(), path)
