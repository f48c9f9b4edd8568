"""Where opsdb finds its database: the `OPSDB_DSN` environment variable, and DSN helpers."""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit, urlunsplit

DSN_ENV = "OPSDB_DSN"

_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^/?#]*)(.*)$", re.DOTALL)
_KEYWORD_PASSWORD = re.compile(r"(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*)")


def dsn_from_env() -> str | None:
    """The DSN from `OPSDB_DSN`, or None when it is unset or empty."""
    value = os.environ.get(DSN_ENV, "").strip()
    return value or None


def redact_dsn(dsn: str) -> str:
    """The DSN with any password replaced by `***`, safe for logs and messages.

    Handles URLs (the user info ends at the authority's last '@', so a raw '@' in a password
    is hidden too), `password=` query parameters and libpq keyword strings (quoted values too).
    """
    match = _URL.match(dsn)
    if match:
        scheme, authority, rest = match.groups()
        userinfo, at, hostport = authority.rpartition("@")
        if at and ":" in userinfo:
            authority = f"{userinfo.partition(':')[0]}:***@{hostport}"
        dsn = scheme + authority + rest
    return _KEYWORD_PASSWORD.sub(lambda m: m.group(1) + "***", dsn)


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
