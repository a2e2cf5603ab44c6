"""Across the LAN (docs/protocol.md §11.11): the key file's extra lines, and the Python client over TLS 1.3
against a real `vibesync serve --listen`, pinning its certificate."""

import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import unittest

from vibesync_blender.link import TLS_PIN_MISMATCH, LinkClient, LinkError, LinkRefused, MessageType, keyfile
from vibesync_blender.link.client import dial_tls

from .test_link import serve_command

KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
PIN = "a" * 64


class KeyFileTests(unittest.TestCase):
    def test_a_one_line_key_file_is_a_whole_key_file(self):
        for text in (KEY, KEY + "\n", KEY + "\r\n"):
            f = keyfile.parse(text)
            self.assertEqual((bytes.fromhex(KEY), (), ()), (f.key, f.pins, f.endpoints))

    def test_line_1_is_the_key_and_later_lines_name_the_pin_and_the_endpoints_in_order(self):
        f = keyfile.parse(f"{KEY}\ntls-sha256 {PIN}\nendpoint studio-1:7420\nfuture-thing 42\nendpoint [fe80::1]:7421\n"
                          "endpoint 10.0.0.5:7420\n")
        self.assertEqual(bytes.fromhex(KEY), f.key)
        self.assertEqual((bytes.fromhex(PIN),), f.pins)
        self.assertEqual((("studio-1", 7420), ("fe80::1", 7421), ("10.0.0.5", 7420)), f.endpoints)

    def test_a_bad_key_file_is_refused_with_the_line_that_is_wrong(self):
        for text, says in (("00112233", "line 1"),
                           (f"{KEY}\nendpoint host:7420\n", "no tls-sha256"),
                           (f"{KEY}\ntls-sha256 abc\n", "tls-sha256 must be"),
                           (f"{KEY}\ntls-sha256 {PIN}\nendpoint host\n", "HOST:PORT"),
                           (f"{KEY}\ntls-sha256 {PIN}\nendpoint host:0\n", "HOST:PORT"),
                           (f"{KEY}\ntls-sha256 {PIN}\nendpoint fe80::1:7420\n", "HOST:PORT")):
            with self.assertRaises(LinkError) as e:
                keyfile.parse(text)
            self.assertEqual("BAD_KEY_FILE", e.exception.code)
            self.assertIn(says, str(e.exception))


class LiveTlsTests(unittest.TestCase):
    """Against a real orchestrator listening on loopback over TLS 1.3 (a free port)."""

    @classmethod
    def setUpClass(cls):
        if shutil.which("dotnet") is None:
            raise unittest.SkipTest("the .NET SDK is needed to run vibesync serve")
        cls.dir = tempfile.mkdtemp(prefix="vibesync-pytls-")
        cls.err = open(os.path.join(cls.dir, "serve.log"), "w")
        cls.proc = subprocess.Popen(serve_command(cls.dir, "--listen", "127.0.0.1:0"), stdout=subprocess.PIPE, stderr=cls.err, text=True)
        line = cls.proc.stdout.readline()
        if not line.startswith("vibesync serve:"):
            cls.proc.kill()
            raise RuntimeError("serve did not start: " + line)
        with open(os.path.join(cls.dir, "serve.json")) as f:
            cls.serve = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        try:
            cls.proc.wait(timeout=20)
        finally:
            if cls.proc.poll() is None:
                cls.proc.kill()
        cls.proc.stdout.close()
        cls.err.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def key_file(self, engine="unity"):
        return keyfile.read(os.path.join(self.dir, "keys", f"{engine}.key"))

    def test_serve_writes_its_endpoint_and_certificate_fingerprint_into_the_key_files(self):
        f = self.key_file()
        host, port = self.serve["listen"].rsplit(":", 1)
        self.assertEqual(((host, int(port)),), f.endpoints)
        self.assertEqual((bytes.fromhex(self.serve["tls_sha256"]),), f.pins)
        self.assertEqual(0o600, os.stat(os.path.join(self.dir, "keys", "unity.key")).st_mode & 0o777)

    def test_the_client_connects_over_tls_1_3_and_the_signed_session_runs_inside(self):
        def no_loopback():
            raise AssertionError("loopback must not be used when the key file names endpoints")
        with LinkClient.from_key_file(self.key_file(), "unity", no_loopback, file="tls.unity") as c:
            self.assertEqual(self.key_file().endpoints[0], c.endpoint)
            self.assertEqual("TLSv1.3", c._sock.version())
            self.assertEqual(MessageType.ACK, c.heartbeat()[0])
            self.assertEqual(MessageType.ACK, c.heartbeat()[0])

    def test_a_certificate_other_than_the_pinned_one_is_refused_and_nothing_falls_back_to_plaintext(self):
        f = self.key_file()
        wrong = f._replace(pins=(bytes(32),))
        with self.assertRaises(LinkRefused) as e:
            LinkClient.from_key_file(wrong, "unity", lambda: self.serve["link_port"])
        self.assertEqual(TLS_PIN_MISMATCH, e.exception.code)
        self.assertIn(self.serve["tls_sha256"], str(e.exception))  # says which certificate it saw

    def test_an_endpoint_that_does_not_answer_is_skipped_for_the_next_in_order(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
        s.close()
        f = self.key_file()
        with LinkClient.from_key_file(f._replace(endpoints=(("127.0.0.1", dead),) + f.endpoints), "unity") as c:
            self.assertEqual(f.endpoints[0], c.endpoint)
        with self.assertRaises(OSError) as e:
            LinkClient.from_key_file(f._replace(endpoints=(("127.0.0.1", dead),)), "unity", lambda: self.serve["link_port"])
        self.assertIn(f"127.0.0.1:{dead}", str(e.exception))

    def test_the_server_refuses_a_client_that_offers_only_tls_1_2(self):
        host, port = self.serve["listen"].rsplit(":", 1)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        context.maximum_version = ssl.TLSVersion.TLSv1_2
        with socket.create_connection((host, int(port)), timeout=10) as raw:
            with self.assertRaises(OSError):  # ssl.SSLError: the server speaks TLS 1.3 only
                context.wrap_socket(raw, server_hostname=host).close()
        dial_tls(host, int(port), self.key_file().pins).close()  # TLS 1.3 still gets in


if __name__ == "__main__":
    unittest.main()
