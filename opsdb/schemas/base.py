"""Shared pydantic building blocks: base models, constrained types, field validators.

Input models (`...Create`, `...Update`) forbid unknown fields; stored-record models mirror
their table's columns exactly (tests/test_drift.py keeps them in step).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Self
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    ValidationInfo,
)

from opsdb.schemas.enums import CHECKSUM_HEX_LENGTH, ChecksumAlgorithm, Status


class InputModel(BaseModel):
    """Base of create/update payloads: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", use_enum_values=False)


class RecordModel(BaseModel):
    """Base of stored rows as read back from the database.

    Each concrete record names its table in `__table__`; the fields of all records of one
    table (all subtypes together) must equal the table's columns (tests/test_drift.py).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    __table__: ClassVar[str] = ""

    @classmethod
    def from_row(cls, row: Any) -> Self:
        """Validate a database row (asyncpg Record or mapping) into this model."""
        return cls.model_validate(dict(row))


class WorkRecord(RecordModel):
    """A job row daemons claim: the work-protocol columns every job table carries
    (status .. lease_until; docs/workflows.md). Subclasses add their table's own columns."""

    status: Status
    attempts: int
    max_attempts: int
    last_error: str | None
    next_attempt_at: datetime
    claimed_by: str | None
    claim_token: UUID | None
    lease_until: datetime | None
    priority: int
    external_job: dict[str, Any] | None


_HEX = re.compile(r"^[0-9a-f]+$")
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_BAD_PATH = re.compile(r"(^/|//|/$|(^|/)\.\.?(/|$)|[\x00-\x1f\x7f])")


def storable(value: str) -> str:
    """PostgreSQL text holds any valid UTF-8 except NUL; refuse the rest here, naming the field."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (no lone surrogates)") from None
    return value


def _indexable(value: str) -> str:
    """Names sit in unique btree indexes, whose entries hold at most ~2700 bytes."""
    storable(value)
    if len(value.encode("utf-8")) > MAX_NAME_BYTES:
        raise ValueError(f"must be at most {MAX_NAME_BYTES} bytes in UTF-8")
    return value


MAX_NAME_BYTES = 1000


MAX_PATH_BYTES = 2048
"""Relative paths sit in the unique index (instrument module, path), whose entries hold at most
~2700 bytes; PostgreSQL checks the same bound (opsdb_relative_path_valid)."""


def _relative_path(value: str) -> str:
    storable(value)
    if not 1 <= len(value.encode()) <= MAX_PATH_BYTES:
        raise ValueError(f"must be 1 to {MAX_PATH_BYTES} bytes in UTF-8")
    if _BAD_PATH.search(value):
        raise ValueError(
            "must be relative and stay inside its root: no leading '/', no '.' or '..' segment, "
            "no empty segment or trailing '/', no control characters"
        )
    return value


def in_utc_range(value: datetime) -> bool:
    """Whether `value` converts to UTC: asyncpg does so, and near year 1 or 9999 that overflows."""
    try:
        value.astimezone(UTC)
    except OverflowError:
        return False
    return True


def _utc_representable(value: datetime) -> datetime:
    if not in_utc_range(value):
        raise ValueError("must lie between years 1 and 9999 in UTC")
    return value


Timestamp = Annotated[AwareDatetime, AfterValidator(_utc_representable)]
"""An aware datetime that PostgreSQL's timestamptz (and the UTC conversion before it) can take."""
Text = Annotated[str, AfterValidator(storable)]
"""Free text: anything PostgreSQL can store (no NUL)."""
Name = Annotated[str, StringConstraints(min_length=1, max_length=1000), AfterValidator(_indexable)]
"""A non-empty name, short enough for a unique index (at most 1000 UTF-8 bytes)."""
Identifier = Annotated[str, StringConstraints(pattern=_IDENTIFIER.pattern)]
"""Lower-case, identifier-safe: used in queue names (`{site}_{location}_{operation}`)."""
ShortName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")]
RelativePath = Annotated[str, AfterValidator(_relative_path)]
"""A path relative to a location's root that cannot escape it."""
SizeBytes = Annotated[int, Field(ge=0, le=2**63 - 1)]
RowId = Annotated[int, Field(gt=0, le=2**63 - 1)]
"""A reference to a row's identity key (bigint, drawn from 1)."""
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$", max_length=320), AfterValidator(storable)]


def _json_storable(value: Any) -> Any:
    """jsonb holds no NUL, no lone surrogate and no NaN or infinity: refuse them here."""
    if isinstance(value, str):
        storable(value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must not hold NaN or infinite numbers (JSON has none)")
    elif isinstance(value, dict):
        for key, item in value.items():
            storable(key)
            _json_storable(item)
    elif isinstance(value, list):
        for item in value:
            _json_storable(item)
    return value


JsonObject = Annotated[dict[str, JsonValue], AfterValidator(_json_storable)]
"""A JSON object PostgreSQL's jsonb can store."""


def checksum_for_algorithm(value: str | None, info: ValidationInfo) -> str | None:
    """Field validator for `checksum`: lower-case hex of its algorithm's length.

    Declare `checksum_algorithm` before `checksum` so it is already validated here.
    """
    algorithm = info.data.get("checksum_algorithm")
    if value is None:
        if algorithm is not None:
            raise ValueError("required when checksum_algorithm is given")
        return None
    if algorithm is None:
        if "checksum_algorithm" in info.data:
            raise ValueError("checksum_algorithm is required with a checksum")
        return value  # the algorithm itself was invalid and is reported on its own field
    expected = CHECKSUM_HEX_LENGTH[ChecksumAlgorithm(algorithm)]
    if len(value) != expected or not _HEX.fullmatch(value):
        raise ValueError(f"must be {expected} lower-case hex digits for {ChecksumAlgorithm(algorithm).value}")
    return value


def subtype_from_row(models: Mapping[str, type[RecordModel]], row: Any) -> Any:
    """Build the subtype record named by the row's `type`, dropping other subtypes' columns."""
    data = dict(row)
    model = models[data["type"]]
    return model.model_validate({k: v for k, v in data.items() if k in model.model_fields})
