"""Where opsdb finds its database: the `OPSDB_DSN` environment variable, and DSN helpers."""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit, urlunsplit

DSN_ENV = "OPSDB_DSN"

_PASSWORD = re.compile(r"(://[^:/@?#]*:)([^@/?#]*)(@)")


def dsn_from_env() -> str | None:
    """The DSN from `OPSDB_DSN`, or None when it is unset or empty."""
    value = os.environ.get(DSN_ENV, "").strip()
    return value or None


def redact_dsn(dsn: str) -> str:
    """The DSN with any password replaced by `***`, safe for logs and messages."""
    redacted = _PASSWORD.sub(lambda m: f"{m.group(1)}***{m.group(3)}" if m.group(2) else m.group(0), dsn)
    return re.sub(r"(?i)(password=)[^&\s]*", r"\1***", redacted)


def yoyo_url(dsn: str) -> str:
    """The same DSN in the form yoyo needs (`postgresql+psycopg://`, psycopg 3 driver)."""
    for scheme in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if dsn.startswith(scheme):
            return "postgresql+psycopg://" + dsn[len(scheme) :]
    raise ValueError(f"not a PostgreSQL URL: {redact_dsn(dsn)}")


def with_database(dsn: str, database: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))
