"""Raw data files one at a time (bulk registration lives in registration.py)."""

from __future__ import annotations

from uuid import UUID

from opsdb.queries import ModelBinding, query
from opsdb.repositories.base import Repository, page_limit
from opsdb.schemas.data import RawDataFile, RawDataFileCreate

_INSERT_FILE = ModelBinding("insert_raw_data_file", RawDataFileCreate)


class FileRepository(Repository):
    """Raw data files one at a time (bulk registration lives in registration.py)."""

    async def create_file(self, data: RawDataFileCreate) -> RawDataFile:
        """Register one file; a second file at the same (module, path) is a ConflictError."""
        row = await _INSERT_FILE.fetchrow(self.conn, data)
        return RawDataFile.from_row(row)

    async def get_file(self, file_id: UUID) -> RawDataFile:
        row = await self._fetch_one("get_raw_data_file", file_id, entity="raw_data_file", key=file_id)
        return RawDataFile.from_row(row)

    async def get_file_by_path(self, instrument_module_id: int, relative_path: str) -> RawDataFile:
        """A file by its natural key (instrument module, relative path)."""
        row = await self._fetch_one(
            "get_raw_data_file_by_path",
            instrument_module_id,
            relative_path,
            entity="raw_data_file",
            key=f"module {instrument_module_id}: {relative_path}",
        )
        return RawDataFile.from_row(row)

    async def list_files(
        self,
        *,
        executed_obs_unit_id: UUID | None = None,
        instrument_module_id: int | None = None,
        raw_data_package_id: int | None = None,
        after_id: UUID | None = None,
        limit: int = 1000,
    ) -> list[RawDataFile]:
        """Files in id order, filtered by executed obs unit, module and package (None = any)."""
        rows = await self._fetch_page(
            "list_raw_data_files",
            executed_obs_unit_id,
            instrument_module_id,
            raw_data_package_id,
            after_id,
            page_limit(limit),
        )
        return [RawDataFile.from_row(r) for r in rows]

    async def list_unpackaged_files(
        self,
        executed_obs_unit_id: UUID,
        instrument_module_id: int,
        *,
        after_id: UUID | None = None,
        limit: int = 1000,
    ) -> list[RawDataFile]:
        """Files of one (executed obs unit, module) not in any package yet, in id order."""
        rows = await self.conn.fetch(
            query("list_unpackaged_raw_data_files"),
            executed_obs_unit_id,
            instrument_module_id,
            after_id,
            page_limit(limit),
        )
        return [RawDataFile.from_row(r) for r in rows]
