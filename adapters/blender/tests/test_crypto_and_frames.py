"""testdata/crypto_vectors.json and frame_vectors.json, plus the streaming decoder."""

import random
import struct
import unittest

from vibesync_blender.protocol import (FrameDecoder, FrameError, constant_time_equals, decode_frame, encode_frame,
                                       hkdf_expand, hkdf_extract, hmac_sha256)
from vibesync_blender.protocol.crypto import hkdf

from .support import vectors

CRYPTO = vectors("crypto_vectors.json")
FRAMES = vectors("frame_vectors.json")
KEY = bytes(range(32))


class CryptoTests(unittest.TestCase):
    def test_hkdf_matches_rfc_5869(self):
        for c in CRYPTO["hkdf"]:
            with self.subTest(c["name"]):
                prk = hkdf_extract(bytes.fromhex(c["salt"]), bytes.fromhex(c["ikm"]))
                self.assertEqual(prk.hex(), c["prk"])
                self.assertEqual(hkdf_expand(prk, bytes.fromhex(c["info"]), c["length"]).hex(), c["okm"])

    def test_hmac_matches_rfc_4231(self):
        for c in CRYPTO["hmac"]:
            with self.subTest(c["name"]):
                self.assertEqual(hmac_sha256(bytes.fromhex(c["key"]), bytes.fromhex(c["data"])).hex(), c["mac"])

    def test_constant_time_equality_agrees_with_the_vectors(self):
        for c in CRYPTO["constant_time_equals"]:
            self.assertEqual(constant_time_equals(bytes.fromhex(c["a"]), bytes.fromhex(c["b"])), c["equal"])

    def test_hkdf_refuses_more_than_255_blocks(self):
        with self.assertRaises(ValueError):
            hkdf(b"", b"k", b"", 255 * 32 + 1)
        self.assertEqual(len(hkdf(b"", b"k", b"", 255 * 32)), 255 * 32)


class FrameTests(unittest.TestCase):
    def test_frames_encode_to_the_vector_bytes_and_decode_back(self):
        for c in FRAMES["valid"]:
            with self.subTest(c["name"]):
                key = bytes.fromhex(c["key"])
                payload = c["payload"].encode("utf-8")
                frame = encode_frame(key, c["type"], c["seq"], c["time_ms"], payload)
                self.assertEqual(frame.hex(), c["frame"])
                decoded = decode_frame(key, frame)
                self.assertEqual((decoded.typ, decoded.seq, decoded.time_ms, decoded.payload),
                                 (c["type"], c["seq"], c["time_ms"], payload))

    def test_bad_frames_are_refused_with_the_vector_code(self):
        for c in FRAMES["invalid"]:
            with self.subTest(c["name"]):
                key, data = bytes.fromhex(c["key"]), bytes.fromhex(c["frame"])
                with self.assertRaises(FrameError) as caught:
                    decode_frame(key, data, c["max_frame"])
                self.assertEqual(caught.exception.code, c["code"])
                decoder = FrameDecoder(key, c["max_frame"])
                with self.assertRaises(FrameError) as streamed:
                    decoder.feed(data)
                    decoder.close()
                self.assertEqual(streamed.exception.code, c["code"])

    def test_any_flipped_bit_is_refused(self):
        good = encode_frame(KEY, 3, 9, 1, b'{"op":"ping"}')
        for bit in range(len(good) * 8):
            bad = bytearray(good)
            bad[bit // 8] ^= 1 << (bit % 8)
            with self.assertRaises(FrameError):
                decode_frame(KEY, bytes(bad))

    def test_an_oversize_length_is_refused_before_the_body_is_buffered(self):
        decoder = FrameDecoder(KEY, max_frame=1024)
        with self.assertRaises(FrameError) as caught:
            decoder.feed(struct.pack("<I", 1025))
        self.assertEqual(caught.exception.code, "FRAME_TOO_LARGE")
        self.assertEqual(decoder.pending, 4)
        with self.assertRaises(FrameError):
            decoder.feed(b"\x00")  # poisoned

    def test_a_stream_cut_anywhere_yields_the_same_frames(self):
        r = random.Random(5)
        for trial in range(50):
            frames = [(r.randrange(256), i, r.randrange(-2**40, 2**40), bytes(r.randrange(256) for _ in range(r.randrange(300))))
                      for i in range(r.randrange(1, 8))]
            stream = b"".join(encode_frame(KEY, *f) for f in frames)
            decoder = FrameDecoder(KEY)
            got = []
            at = 0
            while at < len(stream):
                n = r.randrange(1, 97)
                got += decoder.feed(stream[at:at + n])
                at += n
            decoder.close()
            self.assertEqual([(f.typ, f.seq, f.time_ms, f.payload) for f in got], frames)

    def test_the_vector_frames_fed_byte_by_byte_decode_the_same(self):
        for c in FRAMES["valid"]:
            with self.subTest(c["name"]):
                frame = bytes.fromhex(c["frame"])
                decoder = FrameDecoder(bytes.fromhex(c["key"]))
                got = []
                for i in range(len(frame)):
                    got += decoder.feed(frame[i:i + 1])
                    if i < len(frame) - 1:
                        self.assertEqual(got, [])
                decoder.close()
                self.assertEqual([(f.typ, f.seq, f.time_ms, f.payload) for f in got],
                                 [(c["type"], c["seq"], c["time_ms"], c["payload"].encode("utf-8"))])

    def test_the_bad_vector_frames_fed_byte_by_byte_fail_with_the_same_code(self):
        for c in FRAMES["invalid"]:
            with self.subTest(c["name"]):
                data = bytes.fromhex(c["frame"])
                decoder = FrameDecoder(bytes.fromhex(c["key"]), c["max_frame"])
                with self.assertRaises(FrameError) as caught:
                    for i in range(len(data)):
                        decoder.feed(data[i:i + 1])
                    decoder.close()
                self.assertEqual(caught.exception.code, c["code"])

    def test_one_shot_decoding_wants_exactly_one_frame(self):
        frame = encode_frame(KEY, 1, 1, 1, b"{}")
        with self.assertRaises(FrameError) as caught:
            decode_frame(KEY, frame + b"\x00")
        self.assertEqual(caught.exception.code, "FRAME_TRUNCATED")

    def test_a_stream_ending_inside_a_frame_is_truncated(self):
        decoder = FrameDecoder(KEY)
        decoder.feed(encode_frame(KEY, 1, 1, 1, b"{}")[:-1])
        with self.assertRaises(FrameError) as caught:
            decoder.close()
        self.assertEqual(caught.exception.code, "FRAME_TRUNCATED")


if __name__ == "__main__":
    unittest.main()
