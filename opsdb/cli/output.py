"""Printing for the command line: consoles that never cut tables, escaped cells, JSON.

Every value that comes from users or the database goes through `rich.markup.escape` (a path
holding `[/x]` or `[bold]` prints as it is). When stdout is not a terminal, tables are as wide
as their content instead of 80 columns (COLUMNS still wins when set).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any
from uuid import UUID

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def _width(stream: Any) -> int | None:
    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    return None if stream.isatty() else 10_000


@cache
def stdout() -> Console:
    """The console for results."""
    return Console(highlight=False, width=_width(sys.stdout), soft_wrap=False)


@cache
def stderr() -> Console:
    """The console for errors, notes and progress."""
    return Console(stderr=True, highlight=False, width=_width(sys.stderr))


def cell(value: Any) -> str:
    """A value as table text, escaped."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S%z")
    if isinstance(value, timedelta):
        return duration(value.total_seconds())
    if isinstance(value, bool):
        return "yes" if value else "no"
    return escape(str(value))


def duration(seconds: float | None) -> str:
    """Seconds as `3d 4h`, `2h 5m`, `4m 10s` or `12s`."""
    if seconds is None:
        return ""
    s = int(seconds)
    for unit, size, sub, sub_size in (("d", 86400, "h", 3600), ("h", 3600, "m", 60), ("m", 60, "s", 1)):
        if s >= size:
            return f"{s // size}{unit} {(s % size) // sub_size}{sub}"
    return f"{s}s"


def size(n: int | None) -> str:
    """Bytes in SI units."""
    if n is None:
        return ""
    value = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if abs(value) < 1000 or unit == "PB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.2f} {unit}"
        value /= 1000
    return str(n)


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    """A table whose every cell is escaped."""
    out = Table(*columns, title=escape(title) if title else None)
    for row in rows:
        out.add_row(*(cell(v) for v in row))
    return out


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, UUID | Decimal):
        return str(value) if isinstance(value, UUID) else int(value) if value == value.to_integral() else float(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def print_json(data: Any) -> None:
    """Machine-readable output on stdout."""
    sys.stdout.write(json.dumps(data, default=_default, indent=2) + "\n")


def rows_of(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Database records as plain dicts."""
    return [dict(r) for r in records]
