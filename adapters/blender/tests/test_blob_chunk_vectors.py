"""Blob transfer on the link against the shared vectors (docs/protocol.md §12.2), under the system
Python: BLOB_CHUNK bytes, the pieces a blob is cut into, the assembler's answer to every chunk of
every transfer (in order, out of order, corrupt, too large, not wanted), blob references, BLOB_WANT
and BLOB_GONE payloads; and the blob cache."""

import json
import struct
import unittest

from vibesync_blender.link.blob_chunks import (BlobAssembler, BlobHasher, BlobTransferError, blob_gone_json, blob_offer_json,
                                               blob_references, blob_want_json, decode_chunk, encode_chunk, read_blob_gone,
                                               read_blob_offer, read_blob_want, spans)
from vibesync_blender.link.blobs import BlobCache, BlobShape
from vibesync_blender.protocol.blobs import F32, U32, blob_id
from .support import vectors


class BlobChunkVectorTests(unittest.TestCase):
    V = vectors("blob_chunk_vectors.json")

    def test_every_vector_chunk_encodes_to_its_payload_and_decodes_back(self):
        for c in self.V["chunks"]:
            shape = (c["element"], c["components"], c["count"])
            payload = encode_chunk(c["id"], shape, c["offset"], bytes.fromhex(c["data"]))
            self.assertEqual(c["payload"], payload.hex(), c["name"])
            self.assertEqual(self.V["chunk_header_bytes"] + len(c["data"]) // 2, len(payload))
            chunk = decode_chunk(payload)
            self.assertEqual((c["id"], shape, c["offset"], c["data"]), (chunk.blob, tuple(chunk.shape), chunk.offset, chunk.data.hex()))

    def test_a_blob_is_cut_into_the_vector_spans(self):
        for s in self.V["splits"]:
            self.assertEqual(s["spans"], [list(x) for x in spans(s["byte_length"], s["from"], s["chunk_bytes"])])

    def test_every_vector_transfer_is_answered_chunk_by_chunk_as_the_vectors_say(self):
        for t in self.V["transfers"]:
            done = {}
            assembler = BlobAssembler(t["max_blob_bytes"], t["chunk_bytes"], lambda b, s, d: done.__setitem__(b, d.hex()))
            for blob in t["want"]:
                assembler.want(blob)
            for payload, expected in zip(t["chunks"], t["results"]):
                try:
                    shape = assembler.accept_payload(bytes.fromhex(payload))
                    got = {"complete": payload[:64]} if shape is not None else {"progress": True}
                except BlobTransferError as e:
                    got = {"error": e.code, "id": e.blob}
                self.assertEqual(expected, got, t["name"])
            self.assertEqual(t["completed"], done, t["name"])

    def test_refusals_are_among_the_vectors_with_each_code(self):
        codes = {r.get("error") for t in self.V["transfers"] for r in t["results"]}
        self.assertTrue({"BLOB_CHUNK_ORDER", "BLOB_TOO_LARGE", "BLOB_CORRUPT", "MALFORMED"} <= codes, codes)

    def test_blob_references_are_found_where_the_vectors_say(self):
        for r in self.V["references"]:
            self.assertEqual(r["ids"], blob_references(r["payload"]), r["name"])

    def test_want_and_gone_payloads_are_written_and_read_as_the_vectors_say(self):
        want, gone = self.V["messages"]["want"], self.V["messages"]["gone"]
        self.assertEqual(want["json"], blob_want_json(want["re"], [tuple(b) for b in want["blobs"]]))
        self.assertEqual((want["re"], [tuple(b) for b in want["blobs"]]), read_blob_want(json.loads(want["json"])))
        self.assertEqual(gone["json"], blob_gone_json(gone["re"], gone["ids"]))
        self.assertEqual((gone["re"], gone["ids"]), read_blob_gone(json.loads(gone["json"])))

    def test_offer_payloads_are_written_and_read_as_the_vectors_say_and_malformed_ones_refused(self):
        offer = self.V["messages"]["offer"]
        self.assertEqual(offer["json"], blob_offer_json(offer["ids"]))
        self.assertEqual(offer["ids"], read_blob_offer(json.loads(offer["json"])))
        for bad in ({}, {"ids": []}, {"ids": ["x"]}, {"ids": ["a" * 64], "re": 1}):
            with self.assertRaises(ValueError):
                read_blob_offer(bad)
        for bad in ({"re": 1}, {"re": 1, "blobs": []}, {"re": 1, "blobs": [{"id": "x", "offset": 0}]}, {"re": -1, "blobs": [{"id": "a" * 64, "offset": 0}]}):
            with self.assertRaises(ValueError):
                read_blob_want(bad)


class BlobHasherTests(unittest.TestCase):
    def test_a_blob_named_in_pieces_of_any_size_has_the_name_of_the_whole(self):
        data = struct.pack("<12f", *[i * 0.37 - 2 for i in range(12)])
        whole = blob_id(F32, 3, 4, data)
        for size in (1, 3, 5, 7, 48):
            for use_numpy in (True, False):
                h = BlobHasher((F32, 3, 4), use_numpy=use_numpy)
                for offset, length in spans(len(data), 0, size):
                    h.append(data[offset:offset + length])
                self.assertEqual(whole, h.finish(), (size, use_numpy))

    def test_a_float_that_cannot_be_named_is_located_across_pieces(self):
        data = struct.pack("<4f", 1.0, 2.0, 3.0, float("inf"))
        h = BlobHasher((F32, 1, 4), use_numpy=False)
        h.append(data[:6])
        with self.assertRaises(ValueError) as e:
            h.append(data[6:])
        self.assertEqual("value[3]", e.exception.field)


class BlobCacheTests(unittest.TestCase):
    def test_a_cache_holds_gives_and_retains_blobs_by_name(self):
        cache = BlobCache()
        data = struct.pack("<3I", 0, 1, 2)
        blob = blob_id(U32, 1, 3, data)
        cache.put(blob, (U32, 1, 3), data)
        shape, view = cache.get(blob)
        self.assertEqual((BlobShape(U32, 1, 3), data), (shape, bytes(view)))
        self.assertEqual([0, 1, 2], list(cache.array(blob)))
        self.assertTrue(cache.has(blob))
        cache.retain(["0" * 64])
        self.assertFalse(cache.has(blob))
        self.assertIsNone(cache.get(blob))

    def test_a_cache_refuses_a_bad_name_or_bytes_of_another_length(self):
        cache = BlobCache()
        with self.assertRaises(ValueError):
            cache.put("x", (U32, 1, 1), b"\0\0\0\0")
        with self.assertRaises(ValueError):
            cache.put("a" * 64, (U32, 1, 2), b"\0\0\0\0")
        self.assertEqual(0, len(cache))


if __name__ == "__main__":
    unittest.main()
