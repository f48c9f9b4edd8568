"""Where the migration and SQL files are: inside the installed wheel, or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"opsdb: no {name}/ directory beside or inside the package")


def migrations_dir() -> Path:
    """The yoyo migrations directory."""
    return _find("migrations")


def sql_dir() -> Path:
    """The directory of named runtime queries (`sql/*.sql`)."""
    return _find("sql")
