"""Declarative seeding: an observatory described in a TOML file, applied idempotently.

The file names things, never ids: telescopes name their observatory, instruments their
telescope (and hold their modules), sites hold their storage locations (`[[site.storage]]`, with the
details of their type: disk, s3 or tape), routes name sites and `SITE/LOCATION`s, obs units name their
program, source and obs mode. Every entry is validated by the pydantic create model of its
kind. `apply_seed` runs in one transaction: an entry already stored with the same values is
left alone, a new one is created, and one stored with other values is a conflict; every
problem is collected (naming file, entry and field) and nothing is written unless there is
none. Re-applying a file therefore changes nothing. The CCAT example: examples/ccat.toml.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from opsdb.db import Database, UnitOfWork
from opsdb.errors import FieldProblem, InputValidationError, NotFoundError
from opsdb.schemas.infrastructure import InstrumentCreate, InstrumentModuleCreate, ObservatoryCreate, TelescopeCreate
from opsdb.schemas.locations import DATA_LOCATION_CREATE, DataTransferRouteCreate, SiteCreate
from opsdb.schemas.planning import SOURCE_CREATE, ObservingProgramCreate, ObsModeCreate, ObsUnitCreate

log = logging.getLogger("opsdb.seed")

SECTIONS = ("observatory", "telescope", "instrument", "site", "route", "program", "obs_mode", "source", "obs_unit")
"""Top-level arrays of tables, applied in this order (modules nest in instruments, locations in sites)."""


@dataclass
class SeedReport:
    """What applying a seed file did, per kind of entry."""

    created: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        target = self.created if created else self.unchanged
        target[kind] = target.get(kind, 0) + 1


class SeedError(InputValidationError):
    """A seed file that cannot be applied; nothing was written. Each problem names file, entry and field."""

    def __init__(self, path: Path | str, problems: list[FieldProblem]) -> None:
        super().__init__(problems)
        self.path = str(path)
        lines = "\n  ".join(f"{p.field}: {p.message}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        self.args = (f"{path}: {len(problems)} problem(s), nothing written:\n  {lines}{more}",)


def load(path: Path) -> dict[str, Any]:
    """Read a seed file (TOML); SeedError for unreadable files and unknown sections."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SeedError(path, [FieldProblem(0, "file", exc.strerror or str(exc))]) from None
    except UnicodeDecodeError:
        raise SeedError(path, [FieldProblem(0, "file", "not valid UTF-8")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise SeedError(path, [FieldProblem(0, "file", f"invalid TOML: {exc}")]) from None
    unknown = [k for k in data if k not in SECTIONS]
    problems = [FieldProblem(0, k, f"unknown section (known: {', '.join(SECTIONS)})") for k in unknown]
    problems += [
        FieldProblem(0, k, "must be an array of tables ([[" + k + "]])")
        for k in SECTIONS
        if k in data and not (isinstance(data[k], list) and all(isinstance(e, dict) for e in data[k]))
    ]
    if problems:
        raise SeedError(path, problems)
    return data


class _Applier:
    def __init__(self, uow: UnitOfWork, path: Path) -> None:
        self.uow = uow
        self.path = path
        self.problems: list[FieldProblem] = []
        self.report = SeedReport()
        self.ids: dict[tuple[str, str], int] = {}

    def problem(self, entry: str, fieldname: str, message: str) -> None:
        self.problems.append(FieldProblem(len(self.problems), f"{entry}: {fieldname}", message))

    def validate(self, entry: str, model: type[BaseModel] | TypeAdapter[Any], data: Mapping[str, Any]) -> Any:
        try:
            if isinstance(model, TypeAdapter):
                return model.validate_python(dict(data))
            return model.model_validate(dict(data))
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                parts = list(error["loc"])
                if isinstance(model, TypeAdapter) and parts and parts[0] == data.get("type"):
                    parts = parts[1:]  # the union's tag (disk, s3, fixed, ...), not a field
                loc = ".".join(str(p) for p in parts)
                self.problem(entry, loc or "(entry)", error["msg"])
            return None

    async def ref(self, entry: str, fieldname: str, kind: str, name: Any, find: Callable[[], Awaitable[Any]]) -> int:
        """The id of a named entry, from this file or the database; 0 (and a problem) if unknown."""
        if not isinstance(name, str):
            self.problem(entry, fieldname, f"must name a {kind}")
            return 0
        if (kind, name) in self.ids:
            return self.ids[(kind, name)]
        try:
            found = await find()
        except NotFoundError:
            self.problem(entry, fieldname, f"no {kind} named {name!r} in the file or the database")
            return 0
        self.ids[(kind, name)] = found.id
        return int(found.id)

    async def put(
        self,
        kind: str,
        key: str,
        entry: str,
        model: BaseModel | None,
        existing: Callable[[], Awaitable[Any]],
        create: Callable[[Any], Awaitable[Any]],
    ) -> None:
        """Create `model` unless stored identically; a conflict when stored with other values."""
        if model is None:
            return
        try:
            stored = await existing()
        except NotFoundError:
            stored = None
        if stored is None:
            row = await create(model)
            self.ids[(kind, key)] = row.id
            self.report.count(kind, created=True)
            return
        self.ids[(kind, key)] = stored.id
        for name, value in model.model_dump().items():
            if hasattr(stored, name) and getattr(stored, name) != value:
                self.problem(
                    entry, name, f"already stored with {getattr(stored, name)!r}, the file says {value!r} (not changed)"
                )
        self.report.count(kind, created=False)


def _entry(section: str, index: int, item: Mapping[str, Any], key: str = "name") -> str:
    label = item.get(key) if isinstance(item.get(key), str) else None
    return f"{section} #{index + 1}" + (f" ({label})" if label else "")


def _without(item: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in keys}


async def apply_seed(db: Database, path: Path, data: Mapping[str, Any] | None = None) -> SeedReport:
    """Apply the seed file at `path` in one transaction; SeedError (nothing written) for any problem."""
    data = load(path) if data is None else data

    class _Rollback(Exception):
        pass

    applier: _Applier | None = None
    try:
        async with db.transaction() as uow:
            applier = _Applier(uow, path)
            await _apply(applier, data)
            if applier.problems:
                raise _Rollback
    except _Rollback:
        assert applier is not None
        raise SeedError(path, applier.problems) from None
    assert applier is not None
    log.info("seed applied", extra={"count": sum(applier.report.created.values()), "item": str(path)})
    return applier.report


async def _apply(a: _Applier, data: Mapping[str, Any]) -> None:
    uow = a.uow
    for i, item in enumerate(data.get("observatory", [])):
        e = _entry("observatory", i, item)
        model = a.validate(e, ObservatoryCreate, item)
        name = str(item.get("name"))
        await a.put(
            "observatory", name, e, model,
            partial(uow.observatories.get_observatory_by_name, name), uow.observatories.create_observatory,
        )  # fmt: skip
    for i, item in enumerate(data.get("telescope", [])):
        e = _entry("telescope", i, item)
        obs = item.get("observatory")
        obs_id = await a.ref(
            e, "observatory", "observatory", obs, partial(uow.observatories.get_observatory_by_name, obs)
        )
        model = a.validate(e, TelescopeCreate, {**_without(item, "observatory"), "observatory_id": obs_id})
        model = model if obs_id else None
        name = str(item.get("name"))
        await a.put(
            "telescope", name, e, model,
            partial(uow.observatories.get_telescope_by_name, name), uow.observatories.create_telescope,
        )  # fmt: skip
    for i, item in enumerate(data.get("instrument", [])):
        e = _entry("instrument", i, item)
        tel = item.get("telescope")
        tel_id = await a.ref(e, "telescope", "telescope", tel, partial(uow.observatories.get_telescope_by_name, tel))
        model = a.validate(e, InstrumentCreate, {**_without(item, "telescope", "module"), "telescope_id": tel_id})
        model = model if tel_id else None
        name = str(item.get("name"))
        await a.put(
            "instrument", name, e, model,
            partial(uow.observatories.get_instrument_by_name, tel_id, name),
            uow.observatories.create_instrument,
        )  # fmt: skip
        instrument_id = a.ids.get(("instrument", name), 0)
        modules = item.get("module", [])
        if not isinstance(modules, list):
            a.problem(e, "module", "must be an array of tables ([[instrument.module]])")
            continue
        for j, module in enumerate(modules):
            me = f"{e} module #{j + 1}" + (f" ({module.get('name')})" if isinstance(module.get("name"), str) else "")
            mmodel = a.validate(me, InstrumentModuleCreate, {**module, "instrument_id": instrument_id})
            if instrument_id == 0 or mmodel is None:
                continue
            mname = str(module.get("name"))
            await a.put(
                "module", f"{name}/{mname}", me, mmodel,
                partial(uow.observatories.get_module_by_name, instrument_id, mname),
                uow.observatories.create_module,
            )  # fmt: skip
    for i, item in enumerate(data.get("site", [])):
        e = _entry("site", i, item, "short_name")
        model = a.validate(e, SiteCreate, _without(item, "storage"))
        short = str(item.get("short_name"))
        await a.put("site", short, e, model, partial(uow.sites.get_site_by_short_name, short), uow.sites.create_site)
        site_id = a.ids.get(("site", short), 0)
        locations = item.get("storage", [])
        if not isinstance(locations, list):
            a.problem(e, "storage", "must be an array of tables ([[site.storage]])")
            continue
        for j, location in enumerate(locations):
            le = f"{e} storage #{j + 1}" + (
                f" ({location.get('name')})" if isinstance(location.get("name"), str) else ""
            )
            lmodel = a.validate(le, DATA_LOCATION_CREATE, {**location, "site_id": site_id})
            if site_id == 0 or lmodel is None:
                continue
            lname = str(location.get("name"))
            await a.put(
                "location", f"{short}/{lname}", le, lmodel,
                partial(uow.sites.get_location_by_name, short, lname), uow.sites.create_location,
            )  # fmt: skip
    for i, item in enumerate(data.get("route", [])):
        e = _entry("route", i, item)
        refs: dict[str, Any] = {}
        for fieldname in ("origin", "destination", "relay"):
            if fieldname in item:
                s = item[fieldname]
                refs[f"{fieldname}_site_id"] = await a.ref(
                    e, fieldname, "site", s, partial(uow.sites.get_site_by_short_name, s)
                )
        for fieldname in ("origin_location", "destination_location"):
            if fieldname in item:
                value = item[fieldname]
                site, _, loc = str(value).partition("/")
                refs[f"{fieldname}_id"] = await a.ref(
                    e, fieldname, "location", value, partial(uow.sites.get_location_by_name, site, loc)
                )
        rest = _without(item, "origin", "destination", "relay", "origin_location", "destination_location")
        model = a.validate(e, DataTransferRouteCreate, {**rest, **refs})
        model = model if all(refs.values()) else None
        name = str(item.get("name"))
        await a.put("route", name, e, model, partial(uow.sites.get_route_by_name, name), uow.sites.create_route)
    for i, item in enumerate(data.get("program", [])):
        e = _entry("program", i, item, "short_name")
        model = a.validate(e, ObservingProgramCreate, item)
        short = str(item.get("short_name"))
        await a.put(
            "program", short, e, model,
            partial(uow.programs.get_program_by_short_name, short), uow.programs.create_program,
        )  # fmt: skip
    for i, item in enumerate(data.get("obs_mode", [])):
        e = _entry("obs_mode", i, item)
        model = a.validate(e, ObsModeCreate, item)
        name = str(item.get("name"))
        await a.put(
            "obs_mode", name, e, model,
            partial(uow.obs_units.get_obs_mode_by_name, name), uow.obs_units.create_obs_mode,
        )  # fmt: skip
    for i, item in enumerate(data.get("source", [])):
        e = _entry("source", i, item)
        model = a.validate(e, SOURCE_CREATE, item)
        name = str(item.get("name"))
        await a.put("source", name, e, model, partial(uow.sources.get_source_by_name, name), uow.sources.create_source)
    for i, item in enumerate(data.get("obs_unit", [])):
        e = _entry("obs_unit", i, item)
        program, source, mode = item.get("program"), item.get("source"), item.get("obs_mode")
        refs = {
            "observing_program_id": await a.ref(
                e, "program", "program", program, partial(uow.programs.get_program_by_short_name, program)
            ),
            "source_id": await a.ref(e, "source", "source", source, partial(uow.sources.get_source_by_name, source)),
            "obs_mode_id": await a.ref(
                e, "obs_mode", "obs_mode", mode, partial(uow.obs_units.get_obs_mode_by_name, mode)
            ),
        }
        model = a.validate(e, ObsUnitCreate, {**_without(item, "program", "source", "obs_mode"), **refs})
        model = model if all(refs.values()) else None
        name = str(item.get("name"))
        await a.put(
            "obs_unit", name, e, model,
            partial(uow.obs_units.get_obs_unit_by_name, name), uow.obs_units.create_obs_unit,
        )  # fmt: skip
