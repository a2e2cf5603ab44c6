"""Authenticated frames of the adapter link (docs/protocol.md §10).

 0       4   5   6       8               16              24            24+P        56+P
 | len   |ver|typ| flags | seq           | time_ms       | payload     | mac       |
 | u32   |u8 |u8 | u16   | u64           | i64           | P bytes     | 32 bytes  |
 len = 52 + P;  mac = HMAC-SHA256(key, bytes [0, 24+P));  little-endian

The length is checked before anything after it is buffered; the MAC is verified in constant time
before any other byte is interpreted.
"""

import struct
from dataclasses import dataclass

from .crypto import MAC_SIZE, constant_time_equals, hmac_sha256

VERSION = 1
LENGTH_SIZE = 4
HEADER_SIZE = 24
MIN_BODY_LENGTH = HEADER_SIZE - LENGTH_SIZE + MAC_SIZE
DEFAULT_MAX_FRAME = 16 * 1024 * 1024

_HEADER = struct.Struct("<IBBHQq")


@dataclass(frozen=True)
class Frame:
    typ: int
    seq: int
    time_ms: int
    payload: bytes


class FrameError(ValueError):
    """A refused frame; ``code`` is FRAME_TOO_SHORT, FRAME_TOO_LARGE, FRAME_TRUNCATED, FRAME_BAD_MAC,
    FRAME_BAD_VERSION or FRAME_BAD_FLAGS (checked in that order). Nothing in it was acted on."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code


def encode_frame(key, typ, seq, time_ms, payload):
    body = HEADER_SIZE - LENGTH_SIZE + len(payload) + MAC_SIZE
    head = _HEADER.pack(body, VERSION, typ, 0, seq, time_ms) + payload
    return head + hmac_sha256(key, head)


def check_length(body_length, max_frame=DEFAULT_MAX_FRAME):
    if body_length < MIN_BODY_LENGTH:
        raise FrameError("FRAME_TOO_SHORT", f"frame length {body_length} is below the minimum {MIN_BODY_LENGTH}")
    if body_length > max_frame:
        raise FrameError("FRAME_TOO_LARGE", f"frame length {body_length} exceeds the limit {max_frame}")
    return body_length


def _authenticate(key, frame):
    mac_at = len(frame) - MAC_SIZE
    if not constant_time_equals(hmac_sha256(key, frame[:mac_at]), frame[mac_at:]):
        raise FrameError("FRAME_BAD_MAC", "frame MAC does not verify")
    _, version, typ, flags, seq, time_ms = _HEADER.unpack_from(frame)
    if version != VERSION:
        raise FrameError("FRAME_BAD_VERSION", f"frame version {version} is not {VERSION}")
    if flags != 0:
        raise FrameError("FRAME_BAD_FLAGS", "reserved frame flags are set")
    return Frame(typ, seq, time_ms, bytes(frame[HEADER_SIZE:mac_at]))


def decode_frame(key, data, max_frame=DEFAULT_MAX_FRAME):
    """Decodes exactly one whole frame."""
    data = bytes(data)
    if len(data) < LENGTH_SIZE:
        raise FrameError("FRAME_TRUNCATED", "stream ended inside a length field")
    body = check_length(struct.unpack_from("<I", data)[0], max_frame)
    if len(data) < LENGTH_SIZE + body:
        raise FrameError("FRAME_TRUNCATED", f"stream ended after {len(data)} of {LENGTH_SIZE + body} bytes")
    if len(data) > LENGTH_SIZE + body:
        # Same code as the C# codec: one-shot input must be exactly one frame.
        raise FrameError("FRAME_TRUNCATED", "bytes follow the frame")
    return _authenticate(key, data)


class FrameDecoder:
    """Splits a byte stream into frames; poisoned after the first error (drop the connection)."""

    def __init__(self, key, max_frame=DEFAULT_MAX_FRAME):
        self._key = bytes(key)
        self._max = max_frame
        self._buffer = bytearray()
        self._expected = None
        self._failed = None

    @property
    def pending(self):
        return len(self._buffer)

    def feed(self, data):
        if self._failed:
            raise self._failed
        frames = []
        view = memoryview(bytes(data))
        try:
            while view:
                want = LENGTH_SIZE if self._expected is None else self._expected
                take = min(want - len(self._buffer), len(view))
                self._buffer += view[:take]
                view = view[take:]
                if len(self._buffer) < want:
                    break
                if self._expected is None:
                    body = struct.unpack_from("<I", self._buffer)[0]
                    self._expected = LENGTH_SIZE + check_length(body, self._max)
                    continue
                frames.append(_authenticate(self._key, bytes(self._buffer)))
                self._buffer.clear()
                self._expected = None
        except FrameError as e:
            self._failed = e
            raise
        return frames

    def close(self):
        """End of stream: refuses a frame left half-received."""
        if self._failed:
            raise self._failed
        if self._buffer:
            self._failed = FrameError("FRAME_TRUNCATED", f"stream ended {len(self._buffer)} bytes into a frame")
            raise self._failed
