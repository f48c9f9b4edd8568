"""Records of operator actions and of the copy counters behind the reports (copy_space, package_copy_count:
sql/schema.sql)."""

from __future__ import annotations

from datetime import datetime

from opsdb.schemas.base import RecordModel


class OperatorAction(RecordModel):
    """Who retried, reset or cancelled which work item, from which state to which, and why."""

    __table__ = "operator_action"
    id: int
    at: datetime
    actor: str
    action: str
    kind: str
    item_id: int
    from_status: str
    to_status: str
    reason: str
    db_role: str | None = None
    """The role in effect when the row was written (set by the database, migration 0031; None before)."""
    session_role: str | None = None
    """The login that wrote it (set by the database; `actor` is what the client says)."""


class CopySpace(RecordModel):
    """Copies and bytes per (location, copy type, status), folded from the deltas."""

    __table__ = "copy_space"
    data_location_id: int
    type: str
    status: str
    copies: int
    bytes: int


class CopySpaceDelta(RecordModel):
    """A change of `copy_space` appended by a write, not yet folded."""

    __table__ = "copy_space_delta"
    data_location_id: int
    type: str
    status: str
    copies: int
    bytes: int


class PackageCopyCount(RecordModel):
    """Verified copies (present or staged, checksum verified) of one raw data package."""

    __table__ = "package_copy_count"
    raw_data_package_id: int
    verified: int


class PackageCopyDelta(RecordModel):
    """A change of `package_copy_count` appended by a write, not yet folded."""

    __table__ = "package_copy_delta"
    raw_data_package_id: int
    verified: int
