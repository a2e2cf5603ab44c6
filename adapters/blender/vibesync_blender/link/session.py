"""The link's session layer (docs/protocol.md §11): the message registry, the handshake payloads,
session keys derived by HKDF from both nonces, and the receiving side's sequence and clock checks.
The C# twin is src/VibeSync.Protocol/Link; testdata/link_vectors.json pins them together."""

import json

from ..protocol.crypto import hkdf_expand, hkdf_extract

PROTOCOL_VERSION = "1.1"
CONTENT_SCHEMA = 4  # the scene model this build reads and writes (C#: ContentSchema.Current; CONTENT-V4 §1)
ENGINES = ("blender", "unity")
NONCE_SIZE = 32
CLOCK_WINDOW_MS = 5000
LIMITS = {"frame_bytes", "mesh_vertices", "blob_bytes", "chunk_bytes"}  # WELCOME's limits (§11.1, §12.2)


class MessageType:
    HELLO = 0x01
    WELCOME = 0x02
    REFUSED = 0x03
    HEARTBEAT = 0x10
    ACK = 0x11
    REKEY = 0x12
    REKEY_ACK = 0x13
    EDIT = 0x20
    SCENE = 0x21
    HUMAN_ACTIVE = 0x22
    NOT_SYNCED = 0x23
    TIME = 0x24  # either way, only when sync.scene_time is on: the scene's current time (link/scene_time.py)
    ERROR = 0x30
    BYE = 0x31
    APPLY = 0x40
    APPLIED = 0x41
    OBSERVED = 0x42
    ROLLBACK = 0x43
    FINALIZE = 0x44
    READ = 0x45
    STATE = 0x46
    PENDING_INTENTS = 0x47  # the AI intents waiting for a human; shown only (link/pending.py)
    BLOB_WANT = 0x50
    BLOB_CHUNK = 0x51  # the one binary payload (link/blob_chunks.py)
    BLOB_GONE = 0x52
    BLOB_OFFER = 0x53  # orchestrator → adapter: blobs another engine is sending (forwarding, docs/protocol.md §12.2)


class LinkError(Exception):
    """A protocol violation by the other side; ``code`` names it (BAD_SEQUENCE, STALE_TIMESTAMP, …)."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code


def key_info(engine, session_id, epoch, direction):
    return f"vibesync/1 {engine} {session_id} epoch {epoch} {direction}".encode("utf-8")


def derive_session_keys(bootstrap_key, client_nonce, server_nonce, engine, session_id, epoch):
    """Returns (client_to_server, server_to_client), 32 bytes each:
    HKDF-SHA256(salt = client_nonce ‖ server_nonce, ikm = bootstrap key, info = key_info(...))."""
    if len(client_nonce) != NONCE_SIZE or len(server_nonce) != NONCE_SIZE:
        raise ValueError(f"nonces are {NONCE_SIZE} bytes")
    prk = hkdf_extract(client_nonce + server_nonce, bootstrap_key)
    return (hkdf_expand(prk, key_info(engine, session_id, epoch, "c2s"), 32),
            hkdf_expand(prk, key_info(engine, session_id, epoch, "s2c"), 32))


def _json_string(s):
    return json.dumps(s, ensure_ascii=False)


def hello_json(engine, protocol, adapter, project_id, schema, client_nonce, generation, file):
    """HELLO's payload, byte for byte as the C# twin writes it. ``project_id`` is the stamp of the
    file the editor has open ("" when it carries none), ``file`` its path ("" when never saved)."""
    return (f'{{"engine": {_json_string(engine)}, "protocol": {_json_string(protocol)}, "adapter": {_json_string(adapter)}, '
            f'"project_id": {_json_string(project_id)}, "schema": {schema}, "client_nonce": "{client_nonce.hex()}", '
            f'"generation": {generation}, "file": {_json_string(file)}}}')


def parse_welcome(text):
    """WELCOME's payload, read strictly; returns a dict with session_id, server_nonce (bytes), protocol,
    heartbeat_ms, heartbeat_timeout_ms, project_id (the data directory's project: stamp the file with
    it), schema, limits ({"frame_bytes", "mesh_vertices", "blob_bytes", "chunk_bytes"}: never build more) and
    tangents (the project's tangent policy, config content.tangents; absent = off) and scene_time (config
    sync.scene_time: send and follow TIME; absent = off)."""
    def refuse(message):
        raise LinkError("MALFORMED_WELCOME", message)

    try:
        data = json.loads(text, parse_constant=lambda c: refuse(f"{c} is not JSON"))
    except ValueError as e:
        refuse(str(e))
    fields = {"session_id", "server_nonce", "protocol", "heartbeat_ms", "heartbeat_timeout_ms", "project_id", "schema", "limits"}
    if not isinstance(data, dict) or not fields <= set(data) <= fields | {"tangents", "scene_time"}:
        refuse(f"expected exactly the fields {sorted(fields)} (and tangents, scene_time)")
    for flag in ("tangents", "scene_time"):
        if not isinstance(data.get(flag, False), bool):
            refuse(f"{flag}: expected true or false")
    sid, nonce = data["session_id"], data["server_nonce"]
    if not (isinstance(sid, str) and len(sid) == 32 and all(c in "0123456789abcdef" for c in sid)):
        refuse("session_id: expected 32 lowercase hex digits")
    if not (isinstance(nonce, str) and len(nonce) == 64 and all(c in "0123456789abcdef" for c in nonce)):
        refuse("server_nonce: expected 64 lowercase hex digits")
    def whole(value):
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    for f in ("heartbeat_ms", "heartbeat_timeout_ms", "schema"):
        if not whole(data[f]):
            refuse(f"{f}: expected a whole number ≥ 0")
    if not (isinstance(data["project_id"], str) and 1 <= len(data["project_id"]) <= 200):
        refuse("project_id: expected 1–200 characters")
    limits = data["limits"]
    if not isinstance(limits, dict) or set(limits) != LIMITS or not all(whole(v) for v in limits.values()):
        refuse("limits: expected exactly frame_bytes, mesh_vertices, blob_bytes and chunk_bytes, whole numbers ≥ 0")
    return dict(data, server_nonce=bytes.fromhex(nonce))


def version_incompatibility(ours, peer):
    """None when the versions may talk (same major, at most one minor apart), else why not."""
    def parse(v):
        parts = v.split(".")
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            return None
        return int(parts[0]), int(parts[1])
    o, p = parse(ours), parse(peer)
    if o is None or p is None:
        return f"protocol version '{peer if p is None else ours}' is not major.minor"
    if o[0] != p[0]:
        return f"protocol {peer} cannot talk to {ours}: the major versions differ; install matching VibeSync versions of the orchestrator and the adapter"
    if abs(o[1] - p[1]) > 1:
        return f"protocol {peer} is more than one minor version from {ours}; update the {'adapter' if p[1] < o[1] else 'orchestrator'}"
    return None


class SequenceGuard:
    """The receiving side's check: sequence exactly last + 1, timestamp within the window."""

    def __init__(self, next_seq, window_ms=CLOCK_WINDOW_MS):
        self.next = next_seq
        self.window_ms = window_ms

    def check(self, seq, time_ms, now_ms):
        if seq != self.next:
            what = "repeats" if seq < self.next else "skips ahead"
            raise LinkError("BAD_SEQUENCE", f"sequence {seq} {what} (expected {self.next})")
        if abs(now_ms - time_ms) > self.window_ms:
            raise LinkError("STALE_TIMESTAMP", f"timestamp {time_ms} is {abs(now_ms - time_ms)} ms from this side's clock")
        self.next += 1
