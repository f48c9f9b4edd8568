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
