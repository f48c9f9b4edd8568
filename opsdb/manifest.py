"""Instrument manifests: JSON Lines or CSV files of raw-file records, read as a stream.

Each record has the fields of `opsdb.registration.FileRecord`. Instead of
`instrument_module_id` a record may name its module as `module: "INSTRUMENT/MODULE"`
(e.g. `CHAI/LFA`). In CSV, empty cells are absent values and `metadata` holds JSON text.
Every record comes with its line number so errors can name the line.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from opsdb.errors import FieldProblem, InputValidationError

Format = Literal["jsonl", "csv"]

MAX_DEPTH = 64
"""Deepest nesting of objects and arrays a record may hold (metadata included)."""
MAX_CSV_FIELD = 16 * 1024 * 1024
"""Largest CSV cell read (bytes); csv's own default is 128 KiB."""


def _depth(value: Any) -> int:
    """Nesting depth of JSON-like data, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                stack.extend((v, level + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def _check_depth(number: int, field: str, value: Any) -> None:
    if _depth(value) > MAX_DEPTH:
        raise ManifestError([FieldProblem(number, field, f"nested deeper than {MAX_DEPTH} levels")])


class ManifestError(InputValidationError):
    """A manifest line that can't be read; `problems[i].position` is the line number."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__(problems)
        shown = "\n  ".join(f"line {p.position}: {p.field}: {p.message}" for p in problems[:20])
        self.args = (f"bad manifest, nothing of that batch written:\n  {shown}",)


def detect_format(path: Path) -> Format:
    """JSON Lines for .jsonl / .ndjson / .json, CSV for .csv."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    raise ManifestError([FieldProblem(0, "file", f"unknown manifest format {suffix!r}: use .jsonl or .csv")])


def count_records(path: Path) -> int:
    """Lines that may hold a record (for a progress bar; cheap, not exact for CSV)."""
    with path.open("rb") as f:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    return max(lines - (1 if path.suffix.lower() == ".csv" else 0), 0)


def read_manifest(path: Path, fmt: Format | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, record) for every record of the manifest."""
    fmt = fmt or detect_format(path)
    return _read_jsonl(path) if fmt == "jsonl" else _read_csv(path)


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise ManifestError([FieldProblem(number, "line", "not valid UTF-8")]) from None
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ManifestError([FieldProblem(number, "line", f"invalid JSON: {exc.msg}")]) from None
            except RecursionError:
                raise ManifestError([FieldProblem(number, "line", f"nested deeper than {MAX_DEPTH} levels")]) from None
            if not isinstance(record, dict):
                raise ManifestError([FieldProblem(number, "line", "must be a JSON object")])
            _check_depth(number, "line", record)
            yield number, record


def _read_csv(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    line = 1
    try:
        for number, record in _read_csv_rows(path):
            line = number
            yield number, record
    except UnicodeDecodeError:
        raise ManifestError([FieldProblem(line + 1, "line", "not valid UTF-8 (at or after this line)")]) from None
    except csv.Error as exc:
        raise ManifestError(
            [FieldProblem(line + 1, "line", f"unreadable CSV (at or after this line): {exc}")]
        ) from None


def _read_csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    csv.field_size_limit(MAX_CSV_FIELD)
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames:
            raise ManifestError([FieldProblem(1, "header", "the CSV file has no header row")])
        for row in reader:
            number = reader.line_num
            if None in row:
                raise ManifestError([FieldProblem(number, "line", "more cells than header columns")])
            record: dict[str, Any] = {k: v for k, v in row.items() if v not in ("", None)}
            if "metadata" in record:
                try:
                    record["metadata"] = json.loads(record["metadata"])
                except json.JSONDecodeError as exc:
                    raise ManifestError([FieldProblem(number, "metadata", f"invalid JSON: {exc.msg}")]) from None
                except RecursionError:
                    raise ManifestError(
                        [FieldProblem(number, "metadata", f"nested deeper than {MAX_DEPTH} levels")]
                    ) from None
                _check_depth(number, "metadata", record["metadata"])
            yield number, record


def resolve_modules(
    records: Iterator[tuple[int, dict[str, Any]]], modules: Mapping[str, int]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Replace `module: "INSTRUMENT/MODULE"` by `instrument_module_id`, naming unknown modules."""
    for number, record in records:
        name = record.pop("module", None)
        if name is not None:
            if "instrument_module_id" in record:
                raise ManifestError([FieldProblem(number, "module", "give module or instrument_module_id, not both")])
            module_id = modules.get(str(name))
            if module_id is None:
                raise ManifestError([FieldProblem(number, "module", f"unknown module {name!r} (INSTRUMENT/MODULE)")])
            record["instrument_module_id"] = module_id
        yield number, record
