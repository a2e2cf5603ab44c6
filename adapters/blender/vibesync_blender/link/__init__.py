"""The adapter's end of the link to the orchestrator (docs/protocol.md §11), standard library only:
usable inside Blender (from a listener thread) and outside it (tests, tools)."""

from .session import (CONTENT_SCHEMA, ENGINES, PROTOCOL_VERSION, MessageType, SequenceGuard, LinkError, derive_session_keys,
                      hello_json, parse_welcome, version_incompatibility)
from .client import TLS_PIN_MISMATCH, LinkClient, LinkRefused, NoOrchestrator

__all__ = ["NoOrchestrator", "CONTENT_SCHEMA", "ENGINES", "PROTOCOL_VERSION", "MessageType", "SequenceGuard", "LinkError", "derive_session_keys", "hello_json",
           "parse_welcome", "version_incompatibility", "LinkClient", "LinkRefused", "TLS_PIN_MISMATCH"]
