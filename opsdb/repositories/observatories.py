"""Observatories, telescopes, instruments, instrument modules and their configurations; observation configurations.

Rows and look-ups only; seeding a whole observatory from a file is opsdb/seed.py.
"""

from __future__ import annotations

from opsdb.errors import ConflictError, NotFoundError
from opsdb.queries import ModelBinding, query
from opsdb.repositories.base import Repository, page_limit
from opsdb.schemas.infrastructure import (
    Instrument,
    InstrumentCreate,
    InstrumentModule,
    InstrumentModuleConfiguration,
    InstrumentModuleConfigurationCreate,
    InstrumentModuleConfigurationUpdate,
    InstrumentModuleCreate,
    InstrumentModuleUpdate,
    InstrumentUpdate,
    ObservationConfiguration,
    ObservationConfigurationCreate,
    ObservationConfigurationUpdate,
    Observatory,
    ObservatoryCreate,
    ObservatoryUpdate,
    Telescope,
    TelescopeCreate,
    TelescopeUpdate,
)

_INSERT_TELESCOPE = ModelBinding("insert_telescope", TelescopeCreate)
_INSERT_MODULE = ModelBinding("insert_instrument_module", InstrumentModuleCreate)


class ObservatoryRepository(Repository):
    """The observatory hierarchy down to instrument modules, their configurations; observation configurations."""

    # -- observatories --
    async def create_observatory(self, data: ObservatoryCreate) -> Observatory:
        row = await self.conn.fetchrow(query("insert_observatory"), data.name, data.description)
        return Observatory.from_row(row)

    async def get_observatory(self, observatory_id: int) -> Observatory:
        row = await self._fetch_one("get_observatory", observatory_id, entity="observatory", key=observatory_id)
        return Observatory.from_row(row)

    async def get_observatory_by_name(self, name: str) -> Observatory:
        row = await self._fetch_one("get_observatory_by_name", name, entity="observatory", key=name)
        return Observatory.from_row(row)

    async def update_observatory(self, observatory_id: int, changes: ObservatoryUpdate) -> Observatory:
        return Observatory.from_row(await self._update("observatory", observatory_id, changes, entity="observatory"))

    async def list_observatories(self, *, after_id: int = 0, limit: int = 100) -> list[Observatory]:
        rows = await self.conn.fetch(query("list_observatories"), after_id, page_limit(limit))
        return [Observatory.from_row(r) for r in rows]

    # -- telescopes --
    async def create_telescope(self, data: TelescopeCreate) -> Telescope:
        row = await _INSERT_TELESCOPE.fetchrow(self.conn, data)
        return Telescope.from_row(row)

    async def get_telescope(self, telescope_id: int) -> Telescope:
        row = await self._fetch_one("get_telescope", telescope_id, entity="telescope", key=telescope_id)
        return Telescope.from_row(row)

    async def get_telescope_by_name(self, name: str) -> Telescope:
        return Telescope.from_row(await self._fetch_one("get_telescope_by_name", name, entity="telescope", key=name))

    async def update_telescope(self, telescope_id: int, changes: TelescopeUpdate) -> Telescope:
        return Telescope.from_row(await self._update("telescope", telescope_id, changes, entity="telescope"))

    async def list_telescopes(
        self, *, observatory_id: int | None = None, after_id: int = 0, limit: int = 100
    ) -> list[Telescope]:
        rows = await self.conn.fetch(query("list_telescopes"), observatory_id, after_id, page_limit(limit))
        return [Telescope.from_row(r) for r in rows]

    # -- instruments --
    async def create_instrument(self, data: InstrumentCreate) -> Instrument:
        row = await self.conn.fetchrow(
            query("insert_instrument"), data.telescope_id, data.name, data.description, data.available
        )
        return Instrument.from_row(row)

    async def get_instrument(self, instrument_id: int) -> Instrument:
        row = await self._fetch_one("get_instrument", instrument_id, entity="instrument", key=instrument_id)
        return Instrument.from_row(row)

    async def get_instrument_by_name(self, telescope_id: int, name: str) -> Instrument:
        row = await self._fetch_one(
            "get_instrument_by_name", telescope_id, name, entity="instrument", key=f"telescope {telescope_id}/{name}"
        )
        return Instrument.from_row(row)

    async def update_instrument(self, instrument_id: int, changes: InstrumentUpdate) -> Instrument:
        return Instrument.from_row(await self._update("instrument", instrument_id, changes, entity="instrument"))

    async def list_instruments(
        self, *, telescope_id: int | None = None, available: bool | None = None, after_id: int = 0, limit: int = 100
    ) -> list[Instrument]:
        rows = await self.conn.fetch(query("list_instruments"), telescope_id, available, after_id, page_limit(limit))
        return [Instrument.from_row(r) for r in rows]

    # -- instrument modules --
    async def create_module(self, data: InstrumentModuleCreate) -> InstrumentModule:
        row = await _INSERT_MODULE.fetchrow(self.conn, data)
        return InstrumentModule.from_row(row)

    async def get_module(self, module_id: int) -> InstrumentModule:
        row = await self._fetch_one("get_instrument_module", module_id, entity="instrument_module", key=module_id)
        return InstrumentModule.from_row(row)

    async def get_module_by_name(self, instrument_id: int, name: str) -> InstrumentModule:
        row = await self._fetch_one(
            "get_instrument_module_by_name",
            instrument_id,
            name,
            entity="instrument_module",
            key=f"instrument {instrument_id}/{name}",
        )
        return InstrumentModule.from_row(row)

    async def get_module_by_names(
        self, instrument_name: str, module_name: str, *, telescope_name: str | None = None
    ) -> InstrumentModule:
        """A module by (instrument name, module name), as instruments and files name it.

        Instrument names are unique per telescope only: when two telescopes carry an
        instrument of that name, pass `telescope_name` (else ConflictError).
        """
        rows = await self.conn.fetch(
            query("find_instrument_modules_by_names"), instrument_name, module_name, telescope_name
        )
        key = (
            f"{instrument_name}/{module_name}"
            if telescope_name is None
            else (f"{telescope_name}/{instrument_name}/{module_name}")
        )
        if not rows:
            raise NotFoundError("instrument_module", key)
        if len(rows) > 1:
            raise ConflictError(f"instrument_module {key} is ambiguous: several telescopes; pass telescope_name")
        return InstrumentModule.from_row(rows[0])

    async def module_ids_by_name(self) -> dict[str, int]:
        """Every module's id keyed by 'INSTRUMENT/MODULE' (e.g. 'CHAI/LFA')."""
        rows = await self.conn.fetch(query("module_ids_by_instrument_and_name"))
        return {r["path"]: r["id"] for r in rows}

    async def update_module(self, module_id: int, changes: InstrumentModuleUpdate) -> InstrumentModule:
        row = await self._update("instrument_module", module_id, changes, entity="instrument_module")
        return InstrumentModule.from_row(row)

    async def list_modules(
        self, *, instrument_id: int | None = None, available: bool | None = None, after_id: int = 0, limit: int = 100
    ) -> list[InstrumentModule]:
        rows = await self.conn.fetch(
            query("list_instrument_modules"), instrument_id, available, after_id, page_limit(limit)
        )
        return [InstrumentModule.from_row(r) for r in rows]

    # -- instrument module configurations --
    async def create_module_configuration(
        self, data: InstrumentModuleConfigurationCreate
    ) -> InstrumentModuleConfiguration:
        row = await self.conn.fetchrow(
            query("insert_instrument_module_configuration"), data.instrument_module_id, data.name, data.parameters
        )
        return InstrumentModuleConfiguration.from_row(row)

    async def get_module_configuration(self, configuration_id: int) -> InstrumentModuleConfiguration:
        row = await self._fetch_one(
            "get_instrument_module_configuration",
            configuration_id,
            entity="instrument_module_configuration",
            key=configuration_id,
        )
        return InstrumentModuleConfiguration.from_row(row)

    async def get_module_configuration_by_name(self, module_id: int, name: str) -> InstrumentModuleConfiguration:
        row = await self._fetch_one(
            "get_instrument_module_configuration_by_name",
            module_id,
            name,
            entity="instrument_module_configuration",
            key=f"module {module_id}/{name}",
        )
        return InstrumentModuleConfiguration.from_row(row)

    async def update_module_configuration(
        self, configuration_id: int, changes: InstrumentModuleConfigurationUpdate
    ) -> InstrumentModuleConfiguration:
        row = await self._update(
            "instrument_module_configuration", configuration_id, changes, entity="instrument_module_configuration"
        )
        return InstrumentModuleConfiguration.from_row(row)

    async def list_module_configurations(
        self, *, module_id: int | None = None, after_id: int = 0, limit: int = 100
    ) -> list[InstrumentModuleConfiguration]:
        rows = await self.conn.fetch(
            query("list_instrument_module_configurations"), module_id, after_id, page_limit(limit)
        )
        return [InstrumentModuleConfiguration.from_row(r) for r in rows]

    # -- observation configurations --
    async def create_observation_configuration(self, data: ObservationConfigurationCreate) -> ObservationConfiguration:
        row = await self.conn.fetchrow(query("insert_observation_configuration"), data.name, data.parameters)
        return ObservationConfiguration.from_row(row)

    async def get_observation_configuration(self, configuration_id: int) -> ObservationConfiguration:
        row = await self._fetch_one(
            "get_observation_configuration",
            configuration_id,
            entity="observation_configuration",
            key=configuration_id,
        )
        return ObservationConfiguration.from_row(row)

    async def get_observation_configuration_by_name(self, name: str) -> ObservationConfiguration:
        row = await self._fetch_one(
            "get_observation_configuration_by_name", name, entity="observation_configuration", key=name
        )
        return ObservationConfiguration.from_row(row)

    async def update_observation_configuration(
        self, configuration_id: int, changes: ObservationConfigurationUpdate
    ) -> ObservationConfiguration:
        row = await self._update(
            "observation_configuration", configuration_id, changes, entity="observation_configuration"
        )
        return ObservationConfiguration.from_row(row)

    async def list_observation_configurations(
        self, *, after_id: int = 0, limit: int = 100
    ) -> list[ObservationConfiguration]:
        rows = await self.conn.fetch(query("list_observation_configurations"), after_id, page_limit(limit))
        return [ObservationConfiguration.from_row(r) for r in rows]
