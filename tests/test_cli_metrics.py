"""`opsdb metrics serve`, scraped over HTTP like Prometheus does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from opsdb.db import Database
from opsdb.testing import World, add_packages

pytestmark = pytest.mark.anyio


async def test_metrics_serve_is_scraped_over_http(db: Database, world: World, database_dsn: str) -> None:
    async with db.connection() as conn:
        await add_packages(conn, world, 2, status="failed", name="bad")
        await add_packages(conn, world, 3, status="pending", name="todo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPSDB_")} | {"OPSDB_DSN": database_dsn}
    proc = subprocess.Popen(  # noqa: ASYNC220 (the server under test; the test only waits on it)
        [sys.executable, "-m", "opsdb.cli", "metrics", "serve", "--port", "0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "serving metrics on http://127.0.0.1:" in line, proc.stderr.read() if proc.stderr else ""
        url = line.split(" on ", 1)[1].strip()
        deadline = time.monotonic() + 30
        while True:
            try:
                body = urllib.request.urlopen(url, timeout=10).read().decode()  # noqa: ASYNC210
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)  # noqa: ASYNC251
        assert "opsdb_database_up 1.0" in body
        labels = 'kind="raw_data_package_build",location="source",site="ccat"'
        assert f"opsdb_failed_items{{{labels}}} 2.0" in body
        assert f'opsdb_queue_items{{{labels},state="queued"}} 3.0' in body
        assert 'opsdb_at_risk_packages{verified="0"} 5.0' in body
        assert "opsdb_files_registered_total" in body
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 130
