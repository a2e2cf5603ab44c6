"""The adapter's half of blob transfer (link/blob_exchange.py, docs/protocol.md §12.2), under the
system Python: an APPLY naming blobs the cache lacks is held and asks for them, is handed on only
once they verified, keeps its order with later APPLYs, fails with the blob's code when one does not
arrive; the orchestrator's BLOB_WANT is answered from the cache in chunks, BLOB_GONE for the rest."""

import json
import struct
import unittest

from vibesync_blender.link.blob_chunks import BlobAssembler, decode_chunk, encode_chunk, spans
from vibesync_blender.link.blob_exchange import BlobExchange
from vibesync_blender.link.blobs import BlobCache
from vibesync_blender.link.limits import Limits
from vibesync_blender.link.session import MessageType
from vibesync_blender.protocol.blobs import F32, U32, blob_id
from vibesync_blender.protocol.frames import Frame


def positions(n, seed=1.0):
    data = struct.pack(f"<{3 * n}f", *[seed * i * 0.5 for i in range(3 * n)])
    return blob_id(F32, 3, n, data), (F32, 3, n), data


def apply_frame(seq, *blobs):
    ops = [{"op": "replace_mesh", "uuid": "00000000-0000-4000-8000-000000000009", "vertex_count": 1,
            "attributes": {"POSITION": b}, "primitives": [], "derived": []} for b in blobs]
    return Frame(MessageType.APPLY, seq, 0, json.dumps({"intent": seq, "operations": ops}).encode())


class Wire:
    def __init__(self, chunk_bytes=64):
        self.posted, self.sent, self.chunks = [], [], []
        self.cache = BlobCache()
        self.exchange = BlobExchange(self.cache, Limits(chunk_bytes=chunk_bytes), self.posted.append,
                                     lambda typ, text: self.sent.append((typ, json.loads(text))),
                                     lambda typ, data: self.chunks.append(bytes(data)), log=lambda *_: None)

    def last(self, typ):
        return [p for t, p in self.sent if t == typ][-1]


class BlobExchangeTests(unittest.TestCase):
    def test_an_apply_whose_blobs_are_held_goes_on_at_once_and_asks_nothing(self):
        w = Wire()
        blob, shape, data = positions(4)
        w.cache.put(blob, shape, data)
        w.exchange.apply_arrived(apply_frame(5, blob))
        self.assertEqual([5], [f.seq for f in w.posted])
        self.assertEqual([], w.sent)

    def test_an_apply_waits_for_its_blobs_and_later_applies_keep_their_order(self):
        w = Wire()
        blob, shape, data = positions(10)
        w.exchange.apply_arrived(apply_frame(5, blob))
        w.exchange.apply_arrived(apply_frame(6))  # names nothing, but comes after
        self.assertEqual([], w.posted)
        self.assertEqual({"re": 5, "blobs": [{"id": blob, "offset": 0}]}, w.last(MessageType.BLOB_WANT))
        for offset, length in spans(len(data), 0, 50):
            w.exchange.chunk_arrived(encode_chunk(blob, shape, offset, data[offset:offset + length]))
        self.assertEqual([5, 6], [f.seq for f in w.posted])
        self.assertEqual(data, bytes(w.cache.get(blob)[1]))

    def test_a_corrupt_blob_fails_its_apply_with_the_code_and_nothing_is_handed_on(self):
        w = Wire()
        blob, shape, data = positions(4)
        w.exchange.apply_arrived(apply_frame(7, blob))
        bad = data[:3] + bytes([data[3] ^ 0x40]) + data[4:]
        w.exchange.chunk_arrived(encode_chunk(blob, shape, 0, bad))
        self.assertEqual([], w.posted)
        error = w.last(MessageType.ERROR)
        self.assertEqual((7, "BLOB_CORRUPT"), (error["re"], error["code"]))
        self.assertIn(blob, error["message"])
        self.assertFalse(w.cache.has(blob))

    def test_blob_gone_fails_the_apply_with_blob_missing_and_releases_the_next(self):
        w = Wire()
        blob, _, _ = positions(4)
        w.exchange.apply_arrived(apply_frame(8, blob))
        w.exchange.apply_arrived(apply_frame(9))
        w.exchange.gone_arrived({"re": 8, "ids": [blob]})
        self.assertEqual((8, "BLOB_MISSING"), (w.last(MessageType.ERROR)["re"], w.last(MessageType.ERROR)["code"]))
        self.assertEqual([9], [f.seq for f in w.posted])

    def test_the_orchestrators_want_is_answered_from_the_cache_in_chunks_and_gone_for_the_rest(self):
        w = Wire(chunk_bytes=40)
        blob, shape, data = positions(10)
        w.cache.put(blob, shape, data)
        missing = "c" * 64
        w.exchange.want_arrived({"re": 3, "blobs": [{"id": blob, "offset": 40}, {"id": missing, "offset": 0}]})
        self.assertEqual({"re": 3, "ids": [missing]}, w.last(MessageType.BLOB_GONE))
        self.assertTrue(all(len(c) <= 51 + 40 for c in w.chunks))
        self.assertEqual([40, 80], [decode_chunk(c).offset for c in w.chunks])  # resumed: the first 40 bytes are not sent again
        got = {}
        assembler = BlobAssembler(1 << 20, 40, lambda b, s, d: got.setdefault(b, d))
        assembler.want(blob)
        assembler.accept_payload(encode_chunk(blob, shape, 0, data[:40]))
        for c in w.chunks:
            assembler.accept_payload(c)
        self.assertEqual(data, got[blob])

    def test_the_session_ending_drops_what_was_held(self):
        w = Wire()
        blob, _, _ = positions(4)
        w.exchange.apply_arrived(apply_frame(5, blob))
        w.exchange.reset()
        w.exchange.apply_arrived(apply_frame(6))
        self.assertEqual([6], [f.seq for f in w.posted])


if __name__ == "__main__":
    unittest.main()
