"""Record model of the work protocol's own configuration table (caps on work in progress)."""

from __future__ import annotations

from datetime import datetime

from opsdb.schemas.base import RecordModel


class WorkCapRecord(RecordModel):
    """A cap: at most `max_items` items / `max_bytes` bytes of `kind` in progress at a location or on a route."""

    __table__ = "work_cap"
    id: int
    kind: str
    data_location_id: int | None
    data_transfer_route_id: int | None
    max_items: int | None
    max_bytes: int | None
    created_at: datetime
    updated_at: datetime
