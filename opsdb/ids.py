"""Client-made identifiers: time-ordered UUIDs, and deterministic file ids.

Rows created at the telescope (executed obs units, raw files) get their UUIDs on the client,
possibly offline. Keys are time-ordered (UUIDv7 layout: 48-bit Unix milliseconds first) so
inserts append to the right edge of the primary-key index instead of touching random pages
(docs/performance.md).
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from datetime import datetime

# Namespace of opsdb's deterministic ids (a fixed, random UUID; never change it).
FILE_NAMESPACE = uuid.UUID("6b1f0a52-3c1e-4a8e-9d0e-3f3c2b0a9e71")


def _with_version(value: int, version: int) -> uuid.UUID:
    value &= ~(0xF << 76)
    value |= version << 76
    value &= ~(0x3 << 62)
    value |= 0x2 << 62  # RFC 9562 variant
    return uuid.UUID(int=value)


def uuid7(at: datetime | None = None) -> uuid.UUID:
    """A random, time-ordered UUIDv7 (for `at`, or now)."""
    millis = int(at.timestamp() * 1000) if at is not None else time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    return _with_version(((millis & 0xFFFF_FFFF_FFFF) << 80) | rand, 7)


def file_id(instrument_module_id: int, relative_path: str, file_created_at: datetime) -> uuid.UUID:
    """The deterministic id of a raw file: same module, path and creation time, same id.

    Layout (UUIDv8): 48 bits of the file's creation time in Unix milliseconds, then 74 bits
    of SHA-256 over (namespace, module id, relative path). An instrument that lost its state
    re-derives the id from what it has on disk: the module, the path and the file's own
    creation time.
    """
    millis = int(file_created_at.timestamp() * 1000) & 0xFFFF_FFFF_FFFF
    digest = hashlib.sha256(f"{FILE_NAMESPACE}\x00{instrument_module_id}\x00{relative_path}".encode()).digest()
    return _with_version((millis << 80) | int.from_bytes(digest[:10], "big"), 8)
