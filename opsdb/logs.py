"""Logging for opsdb: stdlib `logging` under `opsdb.*`, with structured fields.

Library modules log through `logging.getLogger("opsdb.<module>")` and pass their fields in
`extra={"kind": ..., "item": ..., "worker": ..., "claim_token": ..., "batch": ...,
"location": ...}` (never one line per file). `configure()` is what the CLI and daemon entry
points call: plain text, or one JSON object per line (`--log-json`) holding the message, the
level, the logger and every structured field.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

FIELDS = (
    "kind", "item", "worker", "claim_token", "batch", "location", "count", "new", "conflicts", "actor", "reason",
)  # fmt: skip
"""The structured fields opsdb's log calls use."""


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message and the structured fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            if hasattr(record, name):
                data[name] = getattr(record, name)
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


class FieldsFormatter(logging.Formatter):
    """`LEVEL logger: message key=value ...`."""

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{n}={getattr(record, n)}" for n in FIELDS if hasattr(record, n))
        return f"{record.levelname.lower()} {record.name}: {record.getMessage()}" + (f" {fields}" if fields else "")


def configure(*, json_lines: bool = False, verbose: bool = False, stream: Any = None) -> None:
    """Send `opsdb.*` records to stderr (WARNING and up, INFO with `verbose` or JSON)."""
    logger = logging.getLogger("opsdb")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else FieldsFormatter())
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO if (verbose or json_lines) else logging.WARNING)
    logger.propagate = False
