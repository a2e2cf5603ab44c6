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
    def __init__(self, chunk_bytes=64, blob_bytes=1 << 28):
        self.posted, self.sent, self.chunks = [], [], []
        self.cache = BlobCache()
        self.exchange = BlobExchange(self.cache, Limits(chunk_bytes=chunk_bytes, blob_bytes=blob_bytes), self.posted.append,
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


    # ---- forwarding: BLOB_OFFER ----

    def send_whole(self, w, blob, shape, data, size=50):
        for offset, length in spans(len(data), 0, size):
            w.exchange.chunk_arrived(encode_chunk(blob, shape, offset, data[offset:offset + length]))

    def test_an_offer_asks_for_what_the_cache_lacks_and_the_apply_then_goes_on_at_once(self):
        w = Wire()
        held, hshape, hdata = positions(4)
        w.cache.put(held, hshape, hdata)
        blob, shape, data = positions(10, seed=2.0)
        w.exchange.offer_arrived(21, {"ids": [held, blob]})
        self.assertEqual({"re": 21, "blobs": [{"id": blob, "offset": 0}]}, w.last(MessageType.BLOB_WANT))  # the held one is not asked for
        self.send_whole(w, blob, shape, data)
        wants = len([1 for t, _ in w.sent if t == MessageType.BLOB_WANT])
        w.exchange.apply_arrived(apply_frame(22, blob))
        self.assertEqual([22], [f.seq for f in w.posted])
        self.assertEqual(wants, len([1 for t, _ in w.sent if t == MessageType.BLOB_WANT]))  # nothing asked again

    def test_an_apply_naming_an_offered_blob_on_its_way_waits_for_it_without_asking_again(self):
        w = Wire()
        blob, shape, data = positions(10, seed=3.0)
        w.exchange.offer_arrived(30, {"ids": [blob]})
        w.exchange.chunk_arrived(encode_chunk(blob, shape, 0, data[:50]))
        w.exchange.apply_arrived(apply_frame(31, blob))
        self.assertEqual([], w.posted)
        self.assertEqual(1, len([1 for t, _ in w.sent if t == MessageType.BLOB_WANT]))
        w.exchange.chunk_arrived(encode_chunk(blob, shape, 50, data[50:100]))
        w.exchange.chunk_arrived(encode_chunk(blob, shape, 100, data[100:]))
        self.assertEqual([31], [f.seq for f in w.posted])

    def test_offered_blobs_no_apply_claims_are_bounded_and_the_oldest_is_dropped(self):
        w = Wire(blob_bytes=250)  # room for two 120-byte blobs
        blobs = [positions(10, seed=float(k + 4)) for k in range(3)]
        for k, (blob, shape, data) in enumerate(blobs):
            w.exchange.offer_arrived(40 + k, {"ids": [blob]})
            self.send_whole(w, blob, shape, data)
        self.assertEqual([False, True, True], [w.cache.has(b) for b, _, _ in blobs])
        claimed, _, _ = blobs[1]
        w.exchange.apply_arrived(apply_frame(50, claimed))  # claimed: no longer counted against the bound
        blob, shape, data = positions(10, seed=9.0)
        w.exchange.offer_arrived(51, {"ids": [blob]})
        self.send_whole(w, blob, shape, data)
        self.assertEqual([True, True, True], [w.cache.has(b) for b in (claimed, blobs[2][0], blob)])

    def test_an_offer_the_orchestrator_withdraws_is_dropped_and_a_malformed_one_changes_nothing(self):
        w = Wire()
        blob, shape, data = positions(4, seed=5.0)
        w.exchange.offer_arrived(60, {"ids": [blob]})
        w.exchange.gone_arrived({"re": 60, "ids": [blob]})
        w.exchange.chunk_arrived(encode_chunk(blob, shape, 0, data))
        self.assertFalse(w.cache.has(blob))  # no longer wanted: the chunk is refused
        sent = len(w.sent)
        w.exchange.offer_arrived(61, {"ids": [blob], "extra": 1})
        w.exchange.offer_arrived(62, {"ids": ["not a blob"]})
        self.assertEqual(sent, len(w.sent))


if __name__ == "__main__":
    unittest.main()
