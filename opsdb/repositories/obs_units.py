"""Observing modes and obs units (with their instrument module configurations).

Rows and look-ups; what the telescope executed is repositories/executions.py.
"""

from __future__ import annotations

from opsdb.queries import ModelBinding, args, query
from opsdb.repositories.base import Repository, page_limit
from opsdb.schemas.infrastructure import InstrumentModuleConfiguration
from opsdb.schemas.planning import (
    ObsMode,
    ObsModeCreate,
    ObsModeUpdate,
    ObsUnit,
    ObsUnitCreate,
    ObsUnitUpdate,
)

_INSERT_OBS_UNIT = ModelBinding("insert_obs_unit", ObsUnitCreate)


class ObsUnitRepository(Repository):
    """Observing modes and obs units (with their instrument module configurations)."""

    # -- observing modes --
    async def create_obs_mode(self, data: ObsModeCreate) -> ObsMode:
        return ObsMode.from_row(await self.conn.fetchrow(query("insert_obs_mode"), data.name, data.description))

    async def get_obs_mode(self, obs_mode_id: int) -> ObsMode:
        return ObsMode.from_row(await self._fetch_one("get_obs_mode", obs_mode_id, entity="obs_mode", key=obs_mode_id))

    async def get_obs_mode_by_name(self, name: str) -> ObsMode:
        return ObsMode.from_row(await self._fetch_one("get_obs_mode_by_name", name, entity="obs_mode", key=name))

    async def update_obs_mode(self, obs_mode_id: int, changes: ObsModeUpdate) -> ObsMode:
        return ObsMode.from_row(await self._update("obs_mode", obs_mode_id, changes, entity="obs_mode"))

    async def list_obs_modes(self, *, after_id: int = 0, limit: int = 100) -> list[ObsMode]:
        rows = await self.conn.fetch(query("list_obs_modes"), after_id, page_limit(limit))
        return [ObsMode.from_row(r) for r in rows]

    # -- obs units --
    async def create_obs_unit(self, data: ObsUnitCreate) -> ObsUnit:
        """Create the obs unit and link its instrument module configurations in one statement."""
        row = await _INSERT_OBS_UNIT.fetchrow(self.conn, data)
        return ObsUnit.from_row(row)

    async def get_obs_unit(self, obs_unit_id: int) -> ObsUnit:
        return ObsUnit.from_row(await self._fetch_one("get_obs_unit", obs_unit_id, entity="obs_unit", key=obs_unit_id))

    async def get_obs_unit_by_name(self, name: str) -> ObsUnit:
        return ObsUnit.from_row(await self._fetch_one("get_obs_unit_by_name", name, entity="obs_unit", key=name))

    async def update_obs_unit(self, obs_unit_id: int, changes: ObsUnitUpdate) -> ObsUnit:
        return ObsUnit.from_row(await self._update("obs_unit", obs_unit_id, changes, entity="obs_unit"))

    async def list_obs_units(
        self,
        *,
        program_id: int | None = None,
        sub_program_id: int | None = None,
        source_id: int | None = None,
        active: bool | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[ObsUnit]:
        rows = await self.conn.fetch(
            query("list_obs_units"),
            *args(
                "list_obs_units",
                program_id=program_id,
                sub_program_id=sub_program_id,
                source_id=source_id,
                active=active,
                after_id=after_id,
                limit=page_limit(limit),
            ),
        )
        return [ObsUnit.from_row(r) for r in rows]

    # -- instrument module configuration links --
    async def link_configuration(self, obs_unit_id: int, configuration_id: int) -> bool:
        """Link a configuration to an obs unit; False if it was already linked (idempotent)."""
        row = await self.conn.fetchrow(query("link_obs_unit_configuration"), obs_unit_id, configuration_id)
        return row is not None

    async def unlink_configuration(self, obs_unit_id: int, configuration_id: int) -> bool:
        """Remove a link; False if there was none."""
        row = await self.conn.fetchrow(query("unlink_obs_unit_configuration"), obs_unit_id, configuration_id)
        return row is not None

    async def list_configurations(self, obs_unit_id: int) -> list[InstrumentModuleConfiguration]:
        """The instrument module configurations linked to an obs unit, in id order."""
        rows = await self.conn.fetch(query("list_obs_unit_configurations"), obs_unit_id)
        return [InstrumentModuleConfiguration.from_row(r) for r in rows]
