"""Observing programs and sub-programs.

Rows and look-ups only; their obs units are repositories/obs_units.py.
"""

from __future__ import annotations

from opsdb.queries import query
from opsdb.repositories.base import Repository, page_limit
from opsdb.schemas.planning import (
    ObservingProgram,
    ObservingProgramCreate,
    ObservingProgramUpdate,
    SubObservingProgram,
    SubObservingProgramCreate,
    SubObservingProgramUpdate,
)


class ProgramRepository(Repository):
    """Observing programs and sub-programs."""

    # -- programs --
    async def create_program(self, data: ObservingProgramCreate) -> ObservingProgram:
        row = await self.conn.fetchrow(
            query("insert_observing_program"),
            data.name,
            data.short_name,
            data.description,
            data.pi_name,
            data.contact_email,
        )
        return ObservingProgram.from_row(row)

    async def get_program(self, program_id: int) -> ObservingProgram:
        row = await self._fetch_one("get_observing_program", program_id, entity="observing_program", key=program_id)
        return ObservingProgram.from_row(row)

    async def get_program_by_short_name(self, short_name: str) -> ObservingProgram:
        row = await self._fetch_one(
            "get_observing_program_by_short_name", short_name, entity="observing_program", key=short_name
        )
        return ObservingProgram.from_row(row)

    async def update_program(self, program_id: int, changes: ObservingProgramUpdate) -> ObservingProgram:
        row = await self._update("observing_program", program_id, changes, entity="observing_program")
        return ObservingProgram.from_row(row)

    async def list_programs(self, *, after_id: int = 0, limit: int = 100) -> list[ObservingProgram]:
        rows = await self.conn.fetch(query("list_observing_programs"), after_id, page_limit(limit))
        return [ObservingProgram.from_row(r) for r in rows]

    # -- sub-programs --
    async def create_sub_program(self, data: SubObservingProgramCreate) -> SubObservingProgram:
        row = await self.conn.fetchrow(
            query("insert_sub_observing_program"), data.observing_program_id, data.name, data.short_name
        )
        return SubObservingProgram.from_row(row)

    async def get_sub_program(self, sub_program_id: int) -> SubObservingProgram:
        row = await self._fetch_one(
            "get_sub_observing_program", sub_program_id, entity="sub_observing_program", key=sub_program_id
        )
        return SubObservingProgram.from_row(row)

    async def get_sub_program_by_short_name(self, program_id: int, short_name: str) -> SubObservingProgram:
        row = await self._fetch_one(
            "get_sub_observing_program_by_short_name",
            program_id,
            short_name,
            entity="sub_observing_program",
            key=f"program {program_id}/{short_name}",
        )
        return SubObservingProgram.from_row(row)

    async def update_sub_program(self, sub_program_id: int, changes: SubObservingProgramUpdate) -> SubObservingProgram:
        row = await self._update("sub_observing_program", sub_program_id, changes, entity="sub_observing_program")
        return SubObservingProgram.from_row(row)

    async def list_sub_programs(
        self, *, program_id: int | None = None, after_id: int = 0, limit: int = 100
    ) -> list[SubObservingProgram]:
        rows = await self.conn.fetch(query("list_sub_observing_programs"), program_id, after_id, page_limit(limit))
        return [SubObservingProgram.from_row(r) for r in rows]
