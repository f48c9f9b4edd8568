"""Which database a command uses, and saying so.

One database for everything: `OPSDB_DSN` when set, else the database `opsdb` of the
persistent local server; `--database NAME` picks another database on the same server (on
the local server it is created and migrated on demand). Every command names it on stderr.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from urllib.parse import urlsplit

from opsdb.config import dsn_from_env, redact_dsn, with_database


@dataclass(frozen=True)
class Target:
    """A database a command works on."""

    dsn: str
    label: str
    """Its name and server, for messages (never a password)."""
    local: bool


def describe(dsn: str) -> str:
    """`NAME on HOST[:PORT]` for a URL DSN, else the redacted DSN."""
    try:
        parts = urlsplit(dsn)
        name = parts.path.lstrip("/") or "(default)"
        host = parts.hostname or "local socket"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return redact_dsn(dsn)
    if not parts.scheme:
        return redact_dsn(dsn)
    return f"{name} on {host}{port}"


def resolve(args: argparse.Namespace, *, apply_migrations: bool = True, announce: bool = True) -> Target:
    """The database of this command (started and migrated on demand when local); noted on stderr."""
    from opsdb import local

    database: str | None = getattr(args, "database", None)
    configured = dsn_from_env()
    if configured:
        dsn = with_database(configured, database) if database else configured
        found = Target(dsn, f"{describe(dsn)} (OPSDB_DSN)", local=False)
    else:
        name = database or local.DATABASE
        dsn = local.up(database=name, apply_migrations=apply_migrations)
        found = Target(dsn, f"{name} on the local server in {local.data_dir()}", local=True)
    args.target = found
    if announce:
        from rich.markup import escape

        from opsdb.cli.output import stderr

        stderr().print(f"[dim]database: {escape(found.label)}[/]")
    return found
