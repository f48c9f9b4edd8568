"""Shared steps of the CLI tests: seed the CCAT example, start an execution, write manifests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests_support import run_cli

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ccat.toml"


def seed_ccat(env: dict[str, str]) -> None:
    result = run_cli("seed", str(EXAMPLE), env=env)
    assert result.returncode == 0, result.stderr


def start_execution(env: dict[str, str], obs_unit: str = "GEco-Orion-CHAI") -> str:
    result = run_cli("executions", "start", "--obs-unit", obs_unit, "--json", env=env)
    assert result.returncode == 0, result.stderr
    return str(json.loads(result.stdout)["id"])


def manifest_rows(
    execution: str, count: int, *, module: str = "CHAI/LFA", prefix: str = "scan"
) -> list[dict[str, Any]]:
    return [
        {
            "module": module,
            "executed_obs_unit_id": execution,
            "name": f"{prefix}_{i}.fits",
            "relative_path": f"2026/11/23/{prefix}_{i}.fits",
            "size_bytes": 1000 + i,
            "checksum_algorithm": "sha256",
            "checksum": f"{i:064x}",
            "file_created_at": "2026-11-23T03:14:15Z",
        }
        for i in range(count)
    ]


def write_jsonl(path: Path, rows: list[dict[str, Any]] | list[str]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path
