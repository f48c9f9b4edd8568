"""Helpers shared by the CLI tests."""

from __future__ import annotations

import os
import subprocess
import sys


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `opsdb ARGS` in a subprocess with a clean environment (plus `env`)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("OPSDB_")}
    base.update(env or {})
    base.setdefault("COLUMNS", "200")
    return subprocess.run(
        [sys.executable, "-m", "opsdb.cli", *args], capture_output=True, text=True, env=base, timeout=timeout
    )


def local_env(name: str = "local") -> tuple[dict[str, str], str]:
    """An OPSDB_DATA_DIR for the local server in a fresh folder others can traverse (as root the server
    runs as `embedded_postgres`, and opsdb changes no permissions); (env, folder). Stop it with
    `stop_local(env)` and delete the folder afterwards."""
    import tempfile

    folder = tempfile.mkdtemp(prefix="opsdb-cli-")
    os.chmod(folder, 0o755)
    return {"OPSDB_DATA_DIR": os.path.join(folder, name)}, folder


def stop_local(env: dict[str, str], folder: str) -> None:
    """Stop a local server started by a test and delete its folder."""
    import shutil

    run_cli("db", "down", env=env)
    shutil.rmtree(folder, ignore_errors=True)
