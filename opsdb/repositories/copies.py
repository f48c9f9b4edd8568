"""Physical copies of files, packages and bundles at data locations.

Creation and look-ups. A status change has one public way, `opsdb.pipeline.set_copy_status`
(checked against opsdb/states.py, and by the database's guards whoever sends it); claiming
deletion work is the work protocol's.
"""

from __future__ import annotations

from uuid import UUID

from opsdb.queries import ModelBinding, query
from opsdb.repositories.base import Repository, page_limit
from opsdb.schemas.base import subtype_from_row
from opsdb.schemas.copies import (
    PHYSICAL_COPY_MODELS,
    DataTransferPackageCopyCreate,
    PhysicalCopy,
    PhysicalCopyCreate,
    RawDataFileCopyCreate,
    RawDataPackageCopyCreate,
)
from opsdb.schemas.enums import CopyType, PhysicalCopyStatus

_INSERT_COPY = ModelBinding(
    "insert_physical_copy", RawDataFileCopyCreate, RawDataPackageCopyCreate, DataTransferPackageCopyCreate
)
_AT_LOCATION_QUERY = {
    CopyType.RAW_DATA_FILE: "get_raw_data_file_copy_at_location",
    CopyType.RAW_DATA_PACKAGE: "get_raw_data_package_copy_at_location",
    CopyType.DATA_TRANSFER_PACKAGE: "get_data_transfer_package_copy_at_location",
}
_ITEM_COPIES_QUERY = {
    CopyType.RAW_DATA_FILE: "list_raw_data_file_copies",
    CopyType.RAW_DATA_PACKAGE: "list_raw_data_package_copies",
    CopyType.DATA_TRANSFER_PACKAGE: "list_data_transfer_package_copies",
}


class PhysicalCopyRepository(Repository):
    """Physical copies of files, packages and bundles at data locations."""

    async def create_copy(self, data: PhysicalCopyCreate) -> PhysicalCopy:
        """Record a copy of any type; a second copy of an item at one location is a ConflictError."""
        row = await _INSERT_COPY.fetchrow(self.conn, data)
        return subtype_from_row(PHYSICAL_COPY_MODELS, row)  # type: ignore[no-any-return]

    async def get_copy(self, copy_id: int) -> PhysicalCopy:
        row = await self._fetch_one("get_physical_copy", copy_id, entity="physical_copy", key=copy_id)
        return subtype_from_row(PHYSICAL_COPY_MODELS, row)  # type: ignore[no-any-return]

    async def get_copy_at_location(
        self, item_type: CopyType, item_id: UUID | int, data_location_id: int
    ) -> PhysicalCopy:
        """The copy of one item (file uuid, package id or bundle id) at a location."""
        item_type = CopyType(item_type)
        row = await self._fetch_one(
            _AT_LOCATION_QUERY[item_type],
            item_id,
            data_location_id,
            entity="physical_copy",
            key=f"{item_type.value} {item_id} at location {data_location_id}",
        )
        return subtype_from_row(PHYSICAL_COPY_MODELS, row)  # type: ignore[no-any-return]

    async def list_item_copies(self, item_type: CopyType, item_id: UUID | int) -> list[PhysicalCopy]:
        """Every copy of one item (file uuid, package id or bundle id), in location order."""
        rows = await self.conn.fetch(query(_ITEM_COPIES_QUERY[CopyType(item_type)]), item_id)
        return [subtype_from_row(PHYSICAL_COPY_MODELS, r) for r in rows]

    async def list_copies(
        self,
        *,
        data_location_id: int | None = None,
        status: PhysicalCopyStatus | None = None,
        copy_type: CopyType | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[PhysicalCopy]:
        """Copies in id order, filtered by location, status and type (None = any)."""
        # copies in a status other than 'deleted' come from the index that leaves history out
        live = status is not None and status is not PhysicalCopyStatus.DELETED
        rows = await self._fetch_page(
            "list_live_physical_copies" if live else "list_physical_copies",
            data_location_id,
            status.value if status else None,
            copy_type.value if copy_type else None,
            after_id,
            page_limit(limit),
        )
        return [subtype_from_row(PHYSICAL_COPY_MODELS, r) for r in rows]
