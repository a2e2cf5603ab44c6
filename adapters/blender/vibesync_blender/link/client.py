"""A blocking link client over loopback TCP, or over TLS 1.3 to the endpoints an engine's key file
names (a pinned certificate, docs/protocol.md §11.11): handshake, signed frames, heartbeats, requests, and
the orchestrator's REKEY answered on the way. One thread receives (in Blender: the listener
thread); any thread may send, since sending and the key switch of a REKEY share one lock, so
sequence numbers go out in order and nothing is MAC'd under a key about to be replaced. bpy is
never touched here."""

import hashlib
import hmac
import json
import os
import socket
import ssl
import struct
import threading
import time

from ..protocol.instances import parse_instance
from ..protocol.frames import LENGTH_SIZE, FrameError, check_length, decode_frame, encode_frame
from . import keyfile
from .leader import DialOrder, parse_refusal
from .session import (CONTENT_SCHEMA, PROTOCOL_VERSION, LinkError, MessageType, SequenceGuard, derive_session_keys, hello_json,
                      parse_welcome)


class LinkRefused(LinkError):
    """The orchestrator refused the handshake (REFUSED), e.g. VERSION_SKEW; or its TLS certificate is not the
    one the key file pins (TLS_PIN_MISMATCH). ``leader`` is the (host, port) a standby's NOT_LEADER names, else None."""

    def __init__(self, code, message, leader=None):
        super().__init__(code, message)
        self.leader = leader


TLS_PIN_MISMATCH = "TLS_PIN_MISMATCH"


class NoOrchestrator(ConnectionRefusedError):
    """Nothing serves the data directory (no serve.json), or nothing answers on the port it names: said as
    a sentence a user acts on (the panel shows it as is), and retried like any failed connection. A
    ConnectionRefusedError, as it was before it had words."""


def fingerprint(der):
    """SHA-256 of a certificate's DER: what a key file's ``tls-sha256`` line holds."""
    return hashlib.sha256(der).digest()


def dial_tls(host, port, pins, timeout=10.0):
    """TCP to (host, port), then TLS 1.3 only, the server's certificate accepted only when its SHA-256
    is one of ``pins`` (constant-time compare). No certificate authority is consulted: the key file is the
    trust anchor. Raises LinkRefused TLS_PIN_MISMATCH, or OSError (ssl.SSLError included) when the
    connection or the handshake fails."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False       # the pin decides, not a name
    context.verify_mode = ssl.CERT_NONE  # nor a chain: self-signed by design
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    raw = socket.create_connection((host, port), timeout=timeout)
    try:
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock = context.wrap_socket(raw, server_hostname=host)
    except BaseException:
        raw.close()
        raise
    seen = fingerprint(sock.getpeercert(binary_form=True) or b"")
    matched = False
    for pin in pins:
        matched |= hmac.compare_digest(seen, pin)
    if not matched:
        sock.close()
        raise LinkRefused(TLS_PIN_MISMATCH, f"the orchestrator at {host}:{port} presented a certificate with SHA-256 {seen.hex()}, "
                                            "not the one the key file pins: refusing to connect (a different orchestrator, or someone "
                                            "in between; take the key file from the orchestrator's data directory again)")
    return sock


def _now_ms():
    return int(time.time() * 1000)


class LinkClient:
    def __init__(self, sock, bootstrap_key, engine, client_nonce, generation, clock=_now_ms):
        self._sock = sock
        self._bootstrap_key = bootstrap_key
        self.engine = engine
        self._client_nonce = client_nonce
        self.generation = generation
        self.clock = clock
        self._next_out = 1
        self._inbound = None
        self.keys = None
        self.epoch = 0
        self.welcome = None
        self.endpoint = None  # (host, port) over TLS, or None on loopback
        self._send_lock = threading.Lock()

    @classmethod
    def connect(cls, port, engine, bootstrap_key, project_id="", generation=1, protocol=PROTOCOL_VERSION,
                timeout=10.0, clock=_now_ms, schema=CONTENT_SCHEMA, file="", host="127.0.0.1", pins=None):
        """Dials host:port (loopback unless told; over TLS 1.3 pinned to ``pins`` when given) and completes the
        handshake. ``project_id``/``schema`` are the open file's stamp ("" when unstamped), ``file`` its path.
        Raises LinkRefused, FrameError or OSError."""
        if pins is None:
            sock = socket.create_connection((host, port), timeout=timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        else:
            sock = dial_tls(host, port, pins, timeout)
        client = cls(sock, bootstrap_key, engine, os.urandom(32), generation, clock)
        client.endpoint = None if pins is None else (host, port)
        try:
            client._handshake(project_id, protocol, schema, file)
        except BaseException:
            sock.close()
            raise
        return client

    @classmethod
    def from_key_file(cls, key_file, engine, loopback_port=None, **kwargs):
        """Connects as a parsed key file says: to each of its endpoints in order over TLS 1.3, pinning its
        tls-sha256, until one welcomes us; without endpoints, to 127.0.0.1:``loopback_port()``. Never falls
        back to plaintext when endpoints are named. A standby's NOT_LEADER naming another of the key file's
        endpoints makes that one the next tried (leader.DialOrder). A pin mismatch is raised before any other failure."""
        if not key_file.endpoints:
            return cls.connect(loopback_port(), engine, key_file.key, **kwargs)
        pin_error = refused = other = None
        order = DialOrder(key_file.endpoints)
        for host, port in order:
            try:
                return cls.connect(port, engine, key_file.key, host=host, pins=key_file.pins, **kwargs)
            except LinkRefused as e:
                order.refused(e.code, e.leader)
                if e.code == TLS_PIN_MISMATCH:
                    pin_error = pin_error or e
                else:
                    refused = e
            except (OSError, FrameError, LinkError) as e:
                other = e
        if pin_error is not None:
            raise pin_error
        if refused is not None:
            raise refused
        where = ", ".join(f"{h}:{p}" for h, p in key_file.endpoints)
        raise OSError(f"no orchestrator answered at {where}: {other}")

    @classmethod
    def from_data_dir(cls, data_dir, engine, **kwargs):
        """Connects as the key file of the engine instance ``engine`` in DIR/keys says (``blender.key``,
        or ``blender.NAME.key`` for ``blender:NAME``): to its endpoints over TLS, else with the port in
        DIR/serve.json."""
        port = None

        def loopback_port():
            nonlocal port
            try:
                with open(os.path.join(data_dir, "serve.json"), encoding="utf-8") as f:
                    port = json.load(f)["link_port"]
            except FileNotFoundError:
                raise NoOrchestrator(f"No orchestrator is running in {data_dir}: start it with "
                                     f"./vibesync serve --data {data_dir} (this connects once it runs)") from None
            return port
        path = os.path.join(data_dir, "keys", parse_instance(engine).key_file_name)
        try:
            return cls.from_key_file(keyfile.read(path), engine, loopback_port, **kwargs)
        except ConnectionRefusedError:
            if port is None:  # the key file's endpoints were dialled: from_key_file says which
                raise
            raise NoOrchestrator(f"Nothing answers on port {port} that {data_dir}/serve.json names: the orchestrator "
                                 f"stopped or crashed. Start it again with ./vibesync serve --data {data_dir} "
                                 "(this reconnects on its own)") from None

    def _handshake(self, project_id, protocol, schema, file):
        payload = hello_json(self.engine, protocol, "vibesync-python/" + PROTOCOL_VERSION, project_id, schema,
                             self._client_nonce, self.generation, file).encode("utf-8")
        self._sock.sendall(encode_frame(self._bootstrap_key, MessageType.HELLO, self._next_out, self.clock(), payload))
        self._next_out += 1
        raw = self._read_frame()
        if raw is None:
            raise OSError("the orchestrator closed the connection during the handshake")
        frame = decode_frame(self._bootstrap_key, raw)
        text = frame.payload.decode("utf-8")
        if frame.typ == MessageType.REFUSED:
            code, message, leader = parse_refusal(text)
            raise LinkRefused(code, message, leader)
        if frame.typ != MessageType.WELCOME or frame.seq != 1:
            raise LinkError("PROTOCOL", f"expected WELCOME with sequence 1, got type {frame.typ} sequence {frame.seq}")
        self.welcome = parse_welcome(text)
        self.session_id = self.welcome["session_id"]
        self.keys = derive_session_keys(self._bootstrap_key, self._client_nonce, self.welcome["server_nonce"],
                                        self.engine, self.session_id, 0)
        self._inbound = SequenceGuard(2)

    def _read_exactly(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self._sock.recv(n - len(buf))
            if not chunk:
                return None if not buf else bytes(buf)
            buf += chunk
        return bytes(buf)

    def _read_frame(self):
        head = self._read_exactly(LENGTH_SIZE)
        if head is None:
            return None
        if len(head) < LENGTH_SIZE:
            raise FrameError("FRAME_TRUNCATED", "stream ended inside a length field")
        body = check_length(struct.unpack("<I", head)[0])
        rest = self._read_exactly(body)
        if rest is None or len(rest) < body:
            raise FrameError("FRAME_TRUNCATED", "stream ended inside a frame")
        return head + rest

    def encode(self, typ, payload, seq=None, time_ms=None):
        """A frame under the session key, not sent (tests)."""
        return encode_frame(self.keys[0], typ, self._next_out if seq is None else seq,
                            self.clock() if time_ms is None else time_ms, payload.encode("utf-8"))

    def send(self, typ, payload):
        """Sends one frame; returns its sequence number."""
        with self._send_lock:
            return self._send_locked(typ, payload)

    def _send_locked(self, typ, payload):
        seq = self._next_out
        self._sock.sendall(self.encode(typ, payload, seq))
        self._next_out += 1
        return seq

    def send_bytes(self, typ, data):
        """Sends one frame with a binary payload (BLOB_CHUNK); returns its sequence number."""
        with self._send_lock:
            seq = self._next_out
            self._sock.sendall(encode_frame(self.keys[0], typ, seq, self.clock(), bytes(data)))
            self._next_out += 1
            return seq

    def send_raw(self, data):
        self._sock.sendall(data)

    def receive(self):
        """The next frame from the orchestrator (authenticated, sequence and clock checked), or None
        when it closed the connection. REKEY is answered here and skipped."""
        while True:
            raw = self._read_frame()
            if raw is None:
                return None
            frame = decode_frame(self.keys[1], raw)
            self._inbound.check(frame.seq, frame.time_ms, self.clock())
            if frame.typ != MessageType.REKEY:
                return frame
            epoch = json.loads(frame.payload)["epoch"]
            new_keys = derive_session_keys(self._bootstrap_key, self._client_nonce, self.welcome["server_nonce"],
                                           self.engine, self.session_id, epoch)
            with self._send_lock:
                self._send_locked(MessageType.REKEY_ACK, json.dumps({"epoch": epoch}))
                self.keys, self.epoch = new_keys, epoch

    def request(self, typ, payload):
        """Sends a request and returns the ACK or ERROR frame that echoes it, with its payload parsed."""
        seq = self.send(typ, payload)
        while True:
            frame = self.receive()
            if frame is None:
                raise OSError("the orchestrator closed the connection")
            if frame.typ in (MessageType.ACK, MessageType.ERROR, MessageType.BYE):
                data = json.loads(frame.payload)
                if data.get("re") == seq or frame.typ == MessageType.BYE:
                    return frame.typ, data

    def heartbeat(self, state="ready", undo_depth=0, generation=None):
        return self.request(MessageType.HEARTBEAT, json.dumps(
            {"state": state, "generation": self.generation if generation is None else generation, "undo_depth": undo_depth}))

    def close(self):
        try:
            self._sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
