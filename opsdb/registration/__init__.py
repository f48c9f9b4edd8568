"""Bulk registration of raw data files: each file gets its row and a present copy at its source.

The headline write path (docs/performance.md). `records` validates the input in bulk and
turns each batch into columns; `binary` encodes a batch as one binary COPY payload; `writer`
writes a batch in one transaction; `register` streams the input through them; `report` holds
what the caller gets back. Single-file CRUD lives in
opsdb/repositories/files.py.
"""

from opsdb.registration.records import FileRecord
from opsdb.registration.register import DEFAULT_BATCH_SIZE, DEFAULT_CONNECTIONS, register_files
from opsdb.registration.report import COMPARED_FIELDS, BatchProgress, Conflict, RegistrationReport

__all__ = [
    "COMPARED_FIELDS",
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_CONNECTIONS",
    "BatchProgress",
    "Conflict",
    "FileRecord",
    "RegistrationReport",
    "register_files",
]
