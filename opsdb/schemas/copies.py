"""Physical copies: where a file, package or bundle exists (one table, discriminated by `type`).

Deletion work on copies (claims, leases) belongs to the work protocol, not to these models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field, TypeAdapter

from opsdb.schemas.base import InputModel, RecordModel, Timestamp
from opsdb.schemas.enums import PhysicalCopyStatus

# -- create --------------------------------------------------------------------------------


class _CopyCreate(InputModel):
    data_location_id: int
    status: Literal[PhysicalCopyStatus.PRESENT, PhysicalCopyStatus.STAGED] = PhysicalCopyStatus.PRESENT
    """A new copy is present (or staged, at a processing location); later states are transitions."""
    checksum_verified_at: Timestamp | None = None


class RawDataFileCopyCreate(_CopyCreate):
    type: Literal["raw_data_file"] = "raw_data_file"
    raw_data_file_id: UUID


class RawDataPackageCopyCreate(_CopyCreate):
    type: Literal["raw_data_package"] = "raw_data_package"
    raw_data_package_id: int


class DataTransferPackageCopyCreate(_CopyCreate):
    type: Literal["data_transfer_package"] = "data_transfer_package"
    data_transfer_package_id: int


PhysicalCopyCreate = Annotated[
    RawDataFileCopyCreate | RawDataPackageCopyCreate | DataTransferPackageCopyCreate, Field(discriminator="type")
]
PHYSICAL_COPY_CREATE: TypeAdapter[RawDataFileCopyCreate | RawDataPackageCopyCreate | DataTransferPackageCopyCreate] = (
    TypeAdapter(PhysicalCopyCreate)
)

# -- records -------------------------------------------------------------------------------


class _PhysicalCopy(RecordModel):
    __table__ = "physical_copy"
    id: int
    data_location_id: int
    status: PhysicalCopyStatus
    checksum_verified_at: datetime | None
    deleted_at: datetime | None
    attempts: int
    max_attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    claimed_by: str | None
    claim_token: UUID | None
    lease_until: datetime | None
    priority: int
    external_job: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


class RawDataFileCopy(_PhysicalCopy):
    type: Literal["raw_data_file"]
    raw_data_file_id: UUID


class RawDataPackageCopy(_PhysicalCopy):
    type: Literal["raw_data_package"]
    raw_data_package_id: int


class DataTransferPackageCopy(_PhysicalCopy):
    type: Literal["data_transfer_package"]
    data_transfer_package_id: int


PhysicalCopy = Annotated[RawDataFileCopy | RawDataPackageCopy | DataTransferPackageCopy, Field(discriminator="type")]
PHYSICAL_COPY_MODELS: dict[str, type[RecordModel]] = {
    "raw_data_file": RawDataFileCopy,
    "raw_data_package": RawDataPackageCopy,
    "data_transfer_package": DataTransferPackageCopy,
}
