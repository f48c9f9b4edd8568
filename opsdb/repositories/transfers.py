"""Data transfers (+ logs) and long-term-archive transfers.

Rows and look-ups only; claiming, completing and retrying transfers is the work protocol's.
"""

from __future__ import annotations

from opsdb.queries import ModelBinding, query
from opsdb.repositories.base import Repository, page_limit
from opsdb.schemas.enums import Status
from opsdb.schemas.transfers import (
    DataTransfer,
    DataTransferCreate,
    DataTransferLog,
    DataTransferLogCreate,
    LongTermArchiveTransfer,
    LongTermArchiveTransferCreate,
)

_INSERT_TRANSFER = ModelBinding("insert_data_transfer", DataTransferCreate)


class TransferRepository(Repository):
    """Data transfers (+ logs) and long-term-archive transfers."""

    # -- data transfers --
    async def create_transfer(self, data: DataTransferCreate) -> DataTransfer:
        """Create the transfer of a bundle to one destination (one per bundle and destination)."""
        row = await _INSERT_TRANSFER.fetchrow(self.conn, data)
        return DataTransfer.from_row(row)

    async def get_transfer(self, transfer_id: int) -> DataTransfer:
        row = await self._fetch_one("get_data_transfer", transfer_id, entity="data_transfer", key=transfer_id)
        return DataTransfer.from_row(row)

    async def get_transfer_by_package_destination(
        self, data_transfer_package_id: int, destination_location_id: int
    ) -> DataTransfer:
        """The transfer of a bundle to a destination location (natural key)."""
        row = await self._fetch_one(
            "get_data_transfer_by_package_destination",
            data_transfer_package_id,
            destination_location_id,
            entity="data_transfer",
            key=f"package {data_transfer_package_id} to location {destination_location_id}",
        )
        return DataTransfer.from_row(row)

    async def list_transfers(
        self,
        *,
        data_transfer_package_id: int | None = None,
        status: Status | None = None,
        unpack_status: Status | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[DataTransfer]:
        rows = await self._fetch_page(
            "list_data_transfers",
            data_transfer_package_id,
            status.value if status else None,
            unpack_status.value if unpack_status else None,
            after_id,
            page_limit(limit),
        )
        return [DataTransfer.from_row(r) for r in rows]

    # -- logs --
    async def append_log(self, data: DataTransferLogCreate) -> DataTransferLog:
        row = await self.conn.fetchrow(
            query("insert_data_transfer_log"), data.data_transfer_id, data.level.value, data.message, data.log_path
        )
        return DataTransferLog.from_row(row)

    async def list_logs(self, transfer_id: int, *, after_id: int = 0, limit: int = 100) -> list[DataTransferLog]:
        """A transfer's log entries, oldest first."""
        rows = await self.conn.fetch(query("list_data_transfer_logs"), transfer_id, after_id, page_limit(limit))
        return [DataTransferLog.from_row(r) for r in rows]

    # -- long-term-archive transfers --
    async def create_archive_transfer(self, data: LongTermArchiveTransferCreate) -> LongTermArchiveTransfer:
        """Create the archive transfer of a package to one destination (one per package and destination)."""
        row = await self.conn.fetchrow(
            query("insert_long_term_archive_transfer"),
            data.raw_data_package_id,
            data.origin_location_id,
            data.destination_location_id,
            data.max_attempts,
        )
        return LongTermArchiveTransfer.from_row(row)

    async def get_archive_transfer(self, transfer_id: int) -> LongTermArchiveTransfer:
        row = await self._fetch_one(
            "get_long_term_archive_transfer", transfer_id, entity="long_term_archive_transfer", key=transfer_id
        )
        return LongTermArchiveTransfer.from_row(row)

    async def get_archive_transfer_by_package_destination(
        self, raw_data_package_id: int, destination_location_id: int
    ) -> LongTermArchiveTransfer:
        """The archive transfer of a package to a destination location (natural key)."""
        row = await self._fetch_one(
            "get_long_term_archive_transfer_by_package_destination",
            raw_data_package_id,
            destination_location_id,
            entity="long_term_archive_transfer",
            key=f"package {raw_data_package_id} to location {destination_location_id}",
        )
        return LongTermArchiveTransfer.from_row(row)

    async def list_archive_transfers(
        self,
        *,
        status: Status | None = None,
        raw_data_package_id: int | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[LongTermArchiveTransfer]:
        rows = await self._fetch_page(
            "list_long_term_archive_transfers",
            status.value if status else None,
            raw_data_package_id,
            after_id,
            page_limit(limit),
        )
        return [LongTermArchiveTransfer.from_row(r) for r in rows]
