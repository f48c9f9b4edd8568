"""Where opsdb finds its database: the `OPSDB_DSN` environment variable, and DSN helpers.

Settings as a whole are opsdb/settings.py; connecting is opsdb/connection.py and opsdb/db.py.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit, urlunsplit

from opsdb.errors import DatabaseUnavailableError

DSN_ENV = "OPSDB_DSN"

_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)(.*)$", re.DOTALL)
_KEYWORD_PASSWORD = re.compile(r"(?i)(\b(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*)")


def dsn_from_env() -> str | None:
    """The DSN from `OPSDB_DSN`, or None when it is unset or empty.

    A URL that drivers would misread (a raw ':' or '/' in the password turns part of it into
    the port or the path) raises DatabaseUnavailableError naming it redacted, before any driver
    can echo a piece of the password in its own error.
    """
    value = os.environ.get(DSN_ENV, "").strip()
    return check_dsn(value, DSN_ENV) if value else None


def check_dsn(value: str, name: str = DSN_ENV) -> str:
    """`value` if drivers read it as meant; else DatabaseUnavailableError naming `name`, redacted."""
    if _URL.match(value):
        try:
            parts = urlsplit(value)
            _ = parts.port, parts.hostname
        except ValueError:
            raise DatabaseUnavailableError(
                f"{name} is not a valid PostgreSQL URL ({redact_dsn(value)}): percent-encode "
                "'@', ':', '/', '?' and '#' in the user name and password"
            ) from None
    return value


def redact_dsn(dsn: str) -> str:
    """The DSN with any password replaced by `***`, safe for logs and messages.

    Handles URLs (the user info is taken to end at the last '@', so a raw '@', '/', '?' or '#'
    in a password is hidden too; a query that holds an '@' as well gets more hidden than
    needed), `password=` and `sslpassword=` query parameters and libpq keyword strings
    (quoted values too).
    """
    match = _URL.match(dsn)
    if match:
        scheme = match.group(1)
        body = dsn[len(scheme) :]
        userinfo, at, rest = body.rpartition("@")
        if at and ":" in userinfo:
            dsn = f"{scheme}{userinfo.partition(':')[0]}:***@{rest}"
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
