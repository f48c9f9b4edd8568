"""The CPU time a PostgreSQL backend on this machine has used, from `/proc/<pid>/schedstat`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg


def backend_cpu(conn: psycopg.Connection) -> Callable[[], float]:
    """A clock of `conn`'s backend: milliseconds of CPU it has run so far (the server must run here)."""
    row = conn.execute("SELECT pg_backend_pid()").fetchone()
    assert row is not None
    stat = Path(f"/proc/{row[0]}/schedstat")

    def cpu() -> float:
        return int(stat.read_text().split()[0]) / 1e6

    return cpu
