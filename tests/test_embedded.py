"""Reaping stale embedded servers touches only directories a dead opsdb process owned."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from opsdb import embedded


def test_reaping_removes_only_directories_whose_owner_is_gone(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / "opsdb-test-stale"
    stale.mkdir()
    (stale / embedded.OWNER_FILE).write_text(str(dead_pid))
    notes = tmp_path / "opsdb-test-notes"  # someone's directory that merely shares the prefix
    notes.mkdir()
    (notes / "keep.txt").write_text("mine")
    alive = tmp_path / "opsdb-test-alive"
    alive.mkdir()
    (alive / embedded.OWNER_FILE).write_text(str(os.getpid()))

    assert embedded.reap_stale(tmp_path, "opsdb-test-") == 1
    assert not stale.exists()
    assert (notes / "keep.txt").read_text() == "mine"
    assert alive.exists()
