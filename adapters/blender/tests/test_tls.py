"""Across the LAN (docs/protocol.md §11.11): the key file's extra lines, and the Python client over TLS 1.3
against a real `vibesync serve --listen`, pinning its certificate."""

import json
import os
import shutil
import socket
import ssl
import subprocess
import unittest

from vibesync_blender.link import TLS_PIN_MISMATCH, LinkClient, LinkError, LinkRefused, MessageType, keyfile
from vibesync_blender.link.client import dial_tls

from .support import ADAPTER, blender_env
from .test_link import start_serve, stop_serve

IN_BLENDER = r"""
import sys, time, addon_utils, bpy
sys.path.insert(0, sys.argv[-3])
addon_utils.enable("vibesync_blender", default_set=True)
from vibesync_blender.ui import session
from vibesync_blender.ui.preferences import preferences
prefs = preferences()
prefs.key_file = sys.argv[-2]
prefs.host = "192.0.2.1"  # not loopback: unused when the key file names endpoints
data_dir, port, key = prefs.endpoint()
print("VIBESYNC-RESULT endpoint", data_dir is None and port is None and list(key.endpoints) == [tuple(e) for e in __import__("json").loads(sys.argv[-1])])
session.start()
rt = session.current()
deadline = time.time() + 20
while rt.connection == "disconnected" and rt.last_error is None and time.time() < deadline:
    rt.tick(); time.sleep(0.05)
print("VIBESYNC-RESULT connection", rt.connection, (rt.last_error or "").split(":")[1].strip() if rt.last_error else "-")
session.stop()
"""

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
        start_serve(cls, "vibesync-pytls-", "--listen", "127.0.0.1:0")
        with open(os.path.join(cls.dir, "serve.json")) as f:
            cls.serve = json.load(f)

    @classmethod
    def tearDownClass(cls):
        stop_serve(cls)

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

    @unittest.skipIf(shutil.which("blender") is None, "real Blender is not installed (run-tests installs it)")
    def test_in_real_blender_the_preferences_key_file_leads_over_tls_and_a_wrong_pin_shows_TLS_PIN_MISMATCH(self):
        f = self.key_file("blender")
        with open(os.path.join(self.dir, "keys", "blender.key"), encoding="ascii") as k:
            text = k.read()
        results = {}
        for name, content in (("right", text), ("wrong", text.replace(f.pins[0].hex(), "0" * 64))):
            path = os.path.join(self.dir, f"copied-{name}.key")
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="ascii") as out:
                out.write(content)
            run = subprocess.run(["blender", "-b", "--factory-startup", "--python-exit-code", "1", "--python-expr", IN_BLENDER, "--",
                                  ADAPTER, path, json.dumps(f.endpoints)], capture_output=True, text=True, timeout=120, env=blender_env())
            results[name] = [l.split()[1:] for l in run.stdout.splitlines() if l.startswith("VIBESYNC-RESULT")]
            self.assertEqual(2, len(results[name]), run.stdout[-3000:] + run.stderr[-3000:])
        self.assertEqual([["endpoint", "True"], ["connection", "connected", "-"]], results["right"])
        self.assertEqual([["endpoint", "True"], ["connection", "refused", TLS_PIN_MISMATCH]], results["wrong"])

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
