"""Raw data packages (+ IVOA metadata) and data transfer packages, and filing files into packages.

Claiming a package build is the work protocol's business; here are the rows and the atomic
filing steps (create a package with exactly its files; record a finished build).
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from opsdb.errors import (
    ConflictError,
    FieldProblem,
    InputValidationError,
    InvalidReferenceError,
    InvalidTransitionError,
)
from opsdb.queries import ModelBinding, query
from opsdb.repositories.base import Repository, page_limit
from opsdb.schemas.data import (
    DataTransferPackage,
    DataTransferPackageCreate,
    PackageChecksum,
    RawDataPackage,
    RawDataPackageCreate,
    RawDataPackageMetadata,
    RawDataPackageMetadataUpsert,
)
from opsdb.schemas.enums import ChecksumAlgorithm, PackageState, Status

_SHOWN_IDS = 20

_INSERT_PACKAGE = ModelBinding("insert_raw_data_package", RawDataPackageCreate)
_UPSERT_METADATA = ModelBinding(
    "upsert_raw_data_package_metadata", RawDataPackageMetadataUpsert, extra=("raw_data_package_id",)
)
_INSERT_TRANSFER_PACKAGE = ModelBinding("insert_data_transfer_package", DataTransferPackageCreate)


def _ids(ids: list[UUID]) -> str:
    shown = ", ".join(str(i) for i in ids[:_SHOWN_IDS])
    return shown + (f", ... ({len(ids) - _SHOWN_IDS} more)" if len(ids) > _SHOWN_IDS else "")


class PackageRepository(Repository):
    """Raw data packages (+ IVOA metadata) and data transfer packages."""

    # -- raw data packages --
    async def create_package(self, data: RawDataPackageCreate) -> RawDataPackage:
        """Create a package with no files yet (see create_package_with_files)."""
        row = await _INSERT_PACKAGE.fetchrow(self.conn, data)
        return RawDataPackage.from_row(row)

    async def create_package_with_files(self, data: RawDataPackageCreate, file_ids: Iterable[UUID]) -> RawDataPackage:
        """Create a package and put exactly `file_ids` into it, all or nothing.

        Every file must exist, be unpackaged and belong to the package's (executed obs unit,
        module); otherwise nothing is written and the error names the offending files:
        ConflictError when some are already packaged, InvalidReferenceError when some are
        unknown or belong to another executed obs unit or module.
        """
        wanted = sorted(set(file_ids))
        if not wanted:
            raise InputValidationError([FieldProblem(0, "file_ids", "a package needs at least one file")])
        async with self.conn.transaction():  # a savepoint inside the caller's transaction
            package = await self.create_package(data)
            taken = await self.conn.fetch(query("file_raw_data_files_into_package"), package.id, wanted)
            if len(taken) != len(wanted):
                # raised inside the savepoint, so the package and the files taken so far are undone
                raise await self._explain_refused_filing(package.id, wanted, {r["id"] for r in taken})
        return package

    async def _explain_refused_filing(self, package_id: int, wanted: list[UUID], taken: set[UUID]) -> Exception:
        rows = await self.conn.fetch(query("describe_files_for_package"), package_id, wanted)
        found = {r["id"]: r for r in rows}
        unknown = [i for i in wanted if i not in found]
        packaged = [i for i in wanted if i in found and i not in taken and found[i]["raw_data_package_id"] is not None]
        foreign = [
            i
            for i in wanted
            if i in found and i not in taken and i not in packaged and not found[i]["same_unit_and_module"]
        ]
        problems = []
        if packaged:
            problems.append(f"already packaged: {_ids(packaged)}")
        if foreign:
            problems.append(f"of another executed obs unit or instrument module: {_ids(foreign)}")
        if unknown:
            problems.append(f"unknown: {_ids(unknown)}")
        message = f"raw data package not created, files {'; '.join(problems) or 'changed concurrently'}"
        if packaged or not (foreign or unknown):
            return ConflictError(message)
        return InvalidReferenceError(message, "raw_data_file_package_fkey" if foreign else None)

    async def finalize_package(
        self, package_id: int, size_bytes: int, checksum_algorithm: ChecksumAlgorithm | str, checksum: str
    ) -> RawDataPackage:
        """Record a finished build: status completed with size and checksum (from pending,
        scheduled or in_progress only; InvalidTransitionError otherwise)."""
        built = PackageChecksum(size_bytes=size_bytes, checksum_algorithm=checksum_algorithm, checksum=checksum)
        row = await self.conn.fetchrow(
            query("finalize_raw_data_package"),
            package_id,
            built.size_bytes,
            built.checksum_algorithm.value,
            built.checksum,
        )
        if row is None:
            current = await self.get_package(package_id)
            raise InvalidTransitionError(f"raw_data_package {package_id}", current.status.value, Status.COMPLETED)
        return RawDataPackage.from_row(row)

    async def get_package(self, package_id: int) -> RawDataPackage:
        row = await self._fetch_one("get_raw_data_package", package_id, entity="raw_data_package", key=package_id)
        return RawDataPackage.from_row(row)

    async def get_package_by_name(self, name: str) -> RawDataPackage:
        row = await self._fetch_one("get_raw_data_package_by_name", name, entity="raw_data_package", key=name)
        return RawDataPackage.from_row(row)

    async def list_packages(
        self,
        *,
        executed_obs_unit_id: UUID | None = None,
        instrument_module_id: int | None = None,
        state: PackageState | None = None,
        status: Status | None = None,
        data_transfer_package_id: int | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[RawDataPackage]:
        rows = await self._fetch_page(
            "list_raw_data_packages",
            executed_obs_unit_id=executed_obs_unit_id,
            instrument_module_id=instrument_module_id,
            state=state,
            status=status,
            data_transfer_package_id=data_transfer_package_id,
            after_id=after_id,
            limit=page_limit(limit),
        )
        return [RawDataPackage.from_row(r) for r in rows]

    # -- IVOA metadata --
    async def upsert_metadata(self, package_id: int, data: RawDataPackageMetadataUpsert) -> RawDataPackageMetadata:
        """Create or replace (all fields) the ObsCore metadata of a package."""
        row = await _UPSERT_METADATA.fetchrow(self.conn, data, raw_data_package_id=package_id)
        return RawDataPackageMetadata.from_row(row)

    async def get_metadata(self, package_id: int) -> RawDataPackageMetadata:
        row = await self._fetch_one(
            "get_raw_data_package_metadata", package_id, entity="raw_data_package_metadata", key=package_id
        )
        return RawDataPackageMetadata.from_row(row)

    # -- data transfer packages --
    async def create_transfer_package(self, data: DataTransferPackageCreate) -> DataTransferPackage:
        row = await _INSERT_TRANSFER_PACKAGE.fetchrow(self.conn, data)
        return DataTransferPackage.from_row(row)

    async def get_transfer_package(self, package_id: int) -> DataTransferPackage:
        row = await self._fetch_one(
            "get_data_transfer_package", package_id, entity="data_transfer_package", key=package_id
        )
        return DataTransferPackage.from_row(row)

    async def get_transfer_package_by_name(self, name: str) -> DataTransferPackage:
        row = await self._fetch_one("get_data_transfer_package_by_name", name, entity="data_transfer_package", key=name)
        return DataTransferPackage.from_row(row)

    async def list_transfer_packages(
        self,
        *,
        status: Status | None = None,
        origin_location_id: int | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[DataTransferPackage]:
        rows = await self._fetch_page(
            "list_data_transfer_packages",
            status.value if status else None,
            origin_location_id,
            after_id,
            page_limit(limit),
        )
        return [DataTransferPackage.from_row(r) for r in rows]
