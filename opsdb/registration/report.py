"""What a registration tells its caller: counts, conflicts with their input positions, progress."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

# Fields that identify a file and its content: a stored file equal on all of them is the same
# registration; any difference is a conflict. Descriptive fields (name, file_type,
# file_created_at, metadata) never make a conflict and are never updated.
COMPARED_FIELDS = (
    "id",
    "instrument_module_id",
    "relative_path",
    "executed_obs_unit_id",
    "size_bytes",
    "checksum_algorithm",
    "checksum",
)


@dataclass(frozen=True)
class Conflict:
    """An input record that collides with a stored file (or an earlier record of the input).

    `differences` maps each differing field to (stored value, given value).
    """

    position: int
    file_id: uuid.UUID
    instrument_module_id: int
    relative_path: str
    stored_file_id: uuid.UUID
    differences: dict[str, tuple[Any, Any]]
    earlier_position: int | None = None

    def __str__(self) -> str:
        against = f"record {self.earlier_position}" if self.earlier_position is not None else "stored file"
        diffs = ", ".join(f"{name}: {old!r} != {new!r}" for name, (old, new) in self.differences.items())
        return (
            f"record {self.position} (module {self.instrument_module_id}, {self.relative_path}) conflicts with "
            f"{against} {self.stored_file_id}: {diffs}"
        )


def differences(stored: Any, given: Any) -> dict[str, tuple[Any, Any]]:
    """{field: (stored, given)} for every compared field that differs (both indexable by name)."""
    out: dict[str, tuple[Any, Any]] = {}
    for name in COMPARED_FIELDS:
        old, new = stored[name], given[name]
        if old != new:
            out[name] = (old, new)
    return out


@dataclass
class RegistrationReport:
    """Outcome of a registration: counts, and every conflict with its input position."""

    new: int = 0
    existing: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    batches: int = 0
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return self.new + self.existing + len(self.conflicts)


@dataclass(frozen=True)
class BatchProgress:
    """Passed to `on_progress` after each committed batch (batches may finish out of order)."""

    batch: int
    first_position: int
    size: int
    new: int
    existing: int
    conflicts: int
    done: int  # records in committed batches so far
