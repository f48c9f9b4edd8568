"""Observatory hierarchy: observatories, telescopes, instruments, modules and configurations."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from opsdb.db import Database
from opsdb.errors import CheckViolationError, ConflictError, InvalidReferenceError, NotFoundError
from opsdb.repositories.observatories import ObservatoryRepository
from opsdb.schemas.infrastructure import (
    InstrumentCreate,
    InstrumentModuleConfigurationCreate,
    InstrumentModuleConfigurationUpdate,
    InstrumentModuleCreate,
    InstrumentModuleUpdate,
    InstrumentUpdate,
    ObservationConfigurationCreate,
    ObservationConfigurationUpdate,
    ObservatoryCreate,
    ObservatoryUpdate,
    TelescopeCreate,
    TelescopeUpdate,
)

pytestmark = pytest.mark.anyio


async def _chai(repo: ObservatoryRepository) -> tuple[int, int, int]:
    """CCAT -> FYST -> CHAI; returns (observatory, telescope, instrument) ids."""
    observatory = await repo.create_observatory(ObservatoryCreate(name="CCAT"))
    telescope = await repo.create_telescope(
        TelescopeCreate(
            observatory_id=observatory.id, name="FYST", latitude_deg=-22.986, longitude_deg=-67.741, elevation_m=5600
        )
    )
    chai = await repo.create_instrument(InstrumentCreate(telescope_id=telescope.id, name="CHAI"))
    return observatory.id, telescope.id, chai.id


async def test_hierarchy_round_trips_by_id_and_natural_key(db: Database) -> None:
    async with db.transaction() as uow:
        repo = uow.observatories
        observatory = await repo.create_observatory(ObservatoryCreate(name="CCAT", description="Cerro Chajnantor"))
        telescope = await repo.create_telescope(
            TelescopeCreate(observatory_id=observatory.id, name="FYST", latitude_deg=-22.986, elevation_m=5600)
        )
        chai = await repo.create_instrument(InstrumentCreate(telescope_id=telescope.id, name="CHAI"))
        lfa = await repo.create_module(
            InstrumentModuleCreate(
                instrument_id=chai.id, name="LFA", pixel_count=64, frequency_min_ghz=455, frequency_max_ghz=495
            )
        )
        config = await repo.create_module_configuration(
            InstrumentModuleConfigurationCreate(
                instrument_module_id=lfa.id, name="co43", parameters={"line": "CO(4-3)"}
            )
        )
        obs_config = await repo.create_observation_configuration(
            ObservationConfigurationCreate(name="otf_map", parameters={"scan": {"speed_arcsec_s": 30}})
        )

        assert await repo.get_observatory(observatory.id) == observatory
        assert await repo.get_observatory_by_name("CCAT") == observatory
        assert await repo.get_telescope(telescope.id) == telescope
        assert await repo.get_telescope_by_name("FYST") == telescope
        assert telescope.elevation_m == 5600 and telescope.longitude_deg is None
        assert await repo.get_instrument(chai.id) == chai
        assert await repo.get_instrument_by_name(telescope.id, "CHAI") == chai
        assert chai.available is True
        assert await repo.get_module(lfa.id) == lfa
        assert await repo.get_module_by_name(chai.id, "LFA") == lfa
        assert await repo.get_module_by_names("CHAI", "LFA") == lfa
        assert await repo.get_module_by_names("CHAI", "LFA", telescope_name="FYST") == lfa
        assert await repo.get_module_configuration(config.id) == config
        assert await repo.get_module_configuration_by_name(lfa.id, "co43") == config
        assert config.parameters == {"line": "CO(4-3)"}
        assert await repo.get_observation_configuration(obs_config.id) == obs_config
        assert await repo.get_observation_configuration_by_name("otf_map") == obs_config
        assert obs_config.parameters == {"scan": {"speed_arcsec_s": 30}}


async def test_partial_updates_change_only_the_fields_set(db: Database) -> None:
    async with db.transaction() as uow:
        repo = uow.observatories
        observatory_id, telescope_id, chai_id = await _chai(repo)
        lfa = await repo.create_module(InstrumentModuleCreate(instrument_id=chai_id, name="LFA", pixel_count=64))
        config = await repo.create_module_configuration(
            InstrumentModuleConfigurationCreate(instrument_module_id=lfa.id, name="c", parameters={"a": 1})
        )
        obs_config = await repo.create_observation_configuration(ObservationConfigurationCreate(name="o"))

        observatory = await repo.update_observatory(observatory_id, ObservatoryUpdate(description="CCAT Observatory"))
        assert observatory.name == "CCAT" and observatory.description == "CCAT Observatory"
        telescope = await repo.update_telescope(telescope_id, TelescopeUpdate(elevation_m=5612, latitude_deg=None))
        assert telescope.elevation_m == 5612 and telescope.latitude_deg is None and telescope.longitude_deg == -67.741
        chai = await repo.update_instrument(chai_id, InstrumentUpdate(available=False))
        assert chai.available is False and chai.name == "CHAI"
        updated = await repo.update_module(lfa.id, InstrumentModuleUpdate(frequency_min_ghz=455, frequency_max_ghz=495))
        assert (updated.pixel_count, updated.frequency_min_ghz, updated.frequency_max_ghz) == (64, 455, 495)
        assert updated.updated_at >= lfa.updated_at
        config = await repo.update_module_configuration(
            config.id, InstrumentModuleConfigurationUpdate(parameters={"b": 2})
        )
        assert config.parameters == {"b": 2} and config.name == "c"
        renamed = await repo.update_observation_configuration(obs_config.id, ObservationConfigurationUpdate(name="o2"))
        assert renamed.name == "o2" and renamed.parameters == {}
        assert await repo.update_module(lfa.id, InstrumentModuleUpdate()) == updated
        with pytest.raises(NotFoundError, match="instrument_module not found: 999999"):
            await repo.update_module(999_999, InstrumentModuleUpdate(available=False))


async def test_update_that_breaks_the_frequency_order_is_refused_by_the_table(db: Database) -> None:
    async with db.transaction() as uow:
        _, _, chai_id = await _chai(uow.observatories)
        lfa = await uow.observatories.create_module(
            InstrumentModuleCreate(instrument_id=chai_id, name="LFA", frequency_min_ghz=455, frequency_max_ghz=495)
        )
    with pytest.raises(CheckViolationError) as err:
        async with db.transaction() as uow:
            await uow.observatories.update_module(lfa.id, InstrumentModuleUpdate(frequency_min_ghz=500))
    assert err.value.constraint == "instrument_module_frequency_order"


async def test_listings_filter_and_page_by_id(db: Database) -> None:
    async with db.transaction() as uow:
        repo = uow.observatories
        observatory_id, telescope_id, chai_id = await _chai(repo)
        other = await repo.create_observatory(ObservatoryCreate(name="Other"))
        other_telescope = await repo.create_telescope(TelescopeCreate(observatory_id=other.id, name="T2"))
        prime = await repo.create_instrument(
            InstrumentCreate(telescope_id=telescope_id, name="Prime-Cam", available=False)
        )
        modules = [
            await repo.create_module(InstrumentModuleCreate(instrument_id=chai_id, name=name, available=available))
            for name, available in (("LFA", True), ("HFA", True), ("Mini-CHAI", False))
        ]
        prime_module = await repo.create_module(InstrumentModuleCreate(instrument_id=prime.id, name="280GHz"))
        configs = [
            await repo.create_module_configuration(
                InstrumentModuleConfigurationCreate(instrument_module_id=modules[0].id, name=f"c{i}")
            )
            for i in range(3)
        ]
        await repo.create_module_configuration(
            InstrumentModuleConfigurationCreate(instrument_module_id=modules[1].id, name="c0")
        )
        obs_configs = [
            await repo.create_observation_configuration(ObservationConfigurationCreate(name=f"o{i}")) for i in range(3)
        ]

        assert [o.name for o in await repo.list_observatories()] == ["CCAT", "Other"]
        assert [o.name for o in await repo.list_observatories(after_id=observatory_id)] == ["Other"]
        assert [t.id for t in await repo.list_telescopes(observatory_id=other.id)] == [other_telescope.id]
        assert len(await repo.list_telescopes()) == 2
        assert [i.name for i in await repo.list_instruments(telescope_id=telescope_id)] == ["CHAI", "Prime-Cam"]
        assert [i.name for i in await repo.list_instruments(available=True)] == ["CHAI"]
        assert [i.name for i in await repo.list_instruments(telescope_id=other_telescope.id)] == []

        assert [m.name for m in await repo.list_modules(instrument_id=chai_id)] == ["LFA", "HFA", "Mini-CHAI"]
        assert [m.name for m in await repo.list_modules(instrument_id=chai_id, available=True)] == ["LFA", "HFA"]
        assert [m.id for m in await repo.list_modules(available=True)] == [
            modules[0].id,
            modules[1].id,
            prime_module.id,
        ]
        first_page = await repo.list_modules(instrument_id=chai_id, limit=2)
        second_page = await repo.list_modules(instrument_id=chai_id, after_id=first_page[-1].id, limit=2)
        assert [m.name for m in first_page + second_page] == ["LFA", "HFA", "Mini-CHAI"]

        assert await repo.list_module_configurations(module_id=modules[0].id) == configs
        assert len(await repo.list_module_configurations()) == 4
        assert await repo.list_module_configurations(module_id=modules[0].id, after_id=configs[0].id, limit=1) == [
            configs[1]
        ]
        assert await repo.list_observation_configurations(after_id=obs_configs[0].id) == obs_configs[1:]
        with pytest.raises(ValueError, match="limit"):
            await repo.list_modules(limit=0)


async def test_module_by_names_needs_the_telescope_when_the_instrument_name_repeats(db: Database) -> None:
    async with db.transaction() as uow:
        repo = uow.observatories
        observatory_id, _, chai_id = await _chai(repo)
        lfa = await repo.create_module(InstrumentModuleCreate(instrument_id=chai_id, name="LFA"))
        twin = await repo.create_telescope(TelescopeCreate(observatory_id=observatory_id, name="Twin"))
        twin_chai = await repo.create_instrument(InstrumentCreate(telescope_id=twin.id, name="CHAI"))
        twin_lfa = await repo.create_module(InstrumentModuleCreate(instrument_id=twin_chai.id, name="LFA"))

        with pytest.raises(ConflictError, match="ambiguous"):
            await repo.get_module_by_names("CHAI", "LFA")
        assert await repo.get_module_by_names("CHAI", "LFA", telescope_name="FYST") == lfa
        assert await repo.get_module_by_names("CHAI", "LFA", telescope_name="Twin") == twin_lfa
        with pytest.raises(NotFoundError, match="instrument_module not found: CHAI/HFA"):
            await repo.get_module_by_names("CHAI", "HFA")


async def test_missing_rows_are_not_found_naming_entity_and_key(db: Database) -> None:
    async with db.transaction() as uow:
        repo = uow.observatories
        with pytest.raises(NotFoundError, match="observatory not found: nowhere"):
            await repo.get_observatory_by_name("nowhere")
        with pytest.raises(NotFoundError, match="telescope not found: 42"):
            await repo.get_telescope(42)
        with pytest.raises(NotFoundError, match="instrument not found"):
            await repo.get_instrument_by_name(1, "CHAI")
        with pytest.raises(NotFoundError, match="instrument_module not found: instrument 7/LFA"):
            await repo.get_module_by_name(7, "LFA")
        with pytest.raises(NotFoundError, match="instrument_module_configuration not found"):
            await repo.get_module_configuration_by_name(7, "c")
        with pytest.raises(NotFoundError, match="observation_configuration not found: x"):
            await repo.get_observation_configuration_by_name("x")


async def test_duplicates_are_conflicts_naming_the_constraint(db: Database) -> None:
    async with db.transaction() as uow:
        observatory_id, telescope_id, chai_id = await _chai(uow.observatories)
        lfa = await uow.observatories.create_module(InstrumentModuleCreate(instrument_id=chai_id, name="LFA"))
        await uow.observatories.create_module_configuration(
            InstrumentModuleConfigurationCreate(instrument_module_id=lfa.id, name="c")
        )
        await uow.observatories.create_observation_configuration(ObservationConfigurationCreate(name="o"))

    duplicates: list[tuple[str, Any]] = [
        ("observatory_name_key", lambda r: r.create_observatory(ObservatoryCreate(name="CCAT"))),
        (
            "telescope_name_key",
            lambda r: r.create_telescope(TelescopeCreate(observatory_id=observatory_id, name="FYST")),
        ),
        (
            "instrument_telescope_name_key",
            lambda r: r.create_instrument(InstrumentCreate(telescope_id=telescope_id, name="CHAI")),
        ),
        (
            "instrument_module_instrument_name_key",
            lambda r: r.create_module(InstrumentModuleCreate(instrument_id=chai_id, name="LFA")),
        ),
        (
            "instrument_module_configuration_module_name_key",
            lambda r: r.create_module_configuration(
                InstrumentModuleConfigurationCreate(instrument_module_id=lfa.id, name="c")
            ),
        ),
        (
            "observation_configuration_name_key",
            lambda r: r.create_observation_configuration(ObservationConfigurationCreate(name="o")),
        ),
    ]
    for constraint, create in duplicates:
        with pytest.raises(ConflictError) as err:
            async with db.transaction() as uow:
                await create(uow.observatories)
        assert err.value.constraint == constraint


async def test_references_to_missing_parents_are_invalid(db: Database) -> None:
    cases: list[tuple[str, Any]] = [
        ("telescope_observatory_id_fkey", lambda r: r.create_telescope(TelescopeCreate(observatory_id=9, name="T"))),
        ("instrument_telescope_id_fkey", lambda r: r.create_instrument(InstrumentCreate(telescope_id=9, name="I"))),
        (
            "instrument_module_instrument_id_fkey",
            lambda r: r.create_module(InstrumentModuleCreate(instrument_id=9, name="M")),
        ),
        (
            "instrument_module_configuration_instrument_module_id_fkey",
            lambda r: r.create_module_configuration(
                InstrumentModuleConfigurationCreate(instrument_module_id=9, name="c")
            ),
        ),
    ]
    for constraint, create in cases:
        with pytest.raises(InvalidReferenceError) as err:
            async with db.transaction() as uow:
                await create(uow.observatories)
        assert err.value.constraint == constraint


# Each CHECK of the hierarchy's tables: (constraint, INSERT, a row it refuses, a row it accepts).
# Parents are looked up by name, so each statement stands alone.
_OBSERVATORY = "(SELECT id FROM observatory WHERE name = 'CCAT')"
_TELESCOPE = "(SELECT id FROM telescope WHERE name = 'FYST')"
_INSTRUMENT = "(SELECT id FROM instrument WHERE name = 'CHAI')"
_MODULE = "(SELECT id FROM instrument_module WHERE name = 'LFA')"
CHECKS: list[tuple[str, str, tuple[Any, ...], tuple[Any, ...]]] = [
    ("observatory_name_nonempty", "INSERT INTO observatory (name) VALUES ($1)", ("",), ("X",)),
    (
        "telescope_name_nonempty",
        f"INSERT INTO telescope (observatory_id, name) VALUES ({_OBSERVATORY}, $1)",
        ("",),
        ("T",),
    ),
    *[
        (
            f"telescope_{column.split('_')[0]}_range",
            f"INSERT INTO telescope (observatory_id, name, {column}) VALUES ({_OBSERVATORY}, $1, $2)",
            ("T", bad),
            ("T", good),
        )
        for column, bad, good in (
            ("latitude_deg", 90.5, -90.0),
            ("longitude_deg", -180.5, 180.0),
            ("elevation_m", 9001.0, 5600.0),
        )
    ],
    (
        "instrument_name_nonempty",
        f"INSERT INTO instrument (telescope_id, name) VALUES ({_TELESCOPE}, $1)",
        ("",),
        ("Prime-Cam",),
    ),
    (
        "instrument_module_name_nonempty",
        f"INSERT INTO instrument_module (instrument_id, name) VALUES ({_INSTRUMENT}, $1)",
        ("",),
        ("HFA",),
    ),
    (
        "instrument_module_pixel_count_positive",
        f"INSERT INTO instrument_module (instrument_id, name, pixel_count) VALUES ({_INSTRUMENT}, 'HFA', $1)",
        (0,),
        (1,),
    ),
    (
        "instrument_module_frequency_min_positive",
        f"INSERT INTO instrument_module (instrument_id, name, frequency_min_ghz) VALUES ({_INSTRUMENT}, 'HFA', $1)",
        (0.0,),
        (0.1,),
    ),
    (
        "instrument_module_frequency_order",
        "INSERT INTO instrument_module (instrument_id, name, frequency_min_ghz, frequency_max_ghz)"
        f" VALUES ({_INSTRUMENT}, 'HFA', $1, $2)",
        (820.0, 800.0),
        (800.0, 800.0),
    ),
    (
        "instrument_module_configuration_name_nonempty",
        f"INSERT INTO instrument_module_configuration (instrument_module_id, name) VALUES ({_MODULE}, $1)",
        ("",),
        ("c",),
    ),
    (
        "instrument_module_configuration_parameters_object",
        "INSERT INTO instrument_module_configuration (instrument_module_id, name, parameters)"
        f" VALUES ({_MODULE}, 'c', $1)",
        ([1, 2],),
        ({"a": [1, 2]},),
    ),
    (
        "observation_configuration_name_nonempty",
        "INSERT INTO observation_configuration (name) VALUES ($1)",
        ("",),
        ("o",),
    ),
    (
        "observation_configuration_parameters_object",
        "INSERT INTO observation_configuration (name, parameters) VALUES ('o', $1)",
        ("scalar",),
        ({},),
    ),
]


@pytest.mark.parametrize(("constraint", "sql", "bad", "good"), CHECKS, ids=[c[0] for c in CHECKS])
async def test_check_constraint_refuses_bad_row_and_accepts_good_one(
    db: Database, constraint: str, sql: str, bad: tuple[Any, ...], good: tuple[Any, ...]
) -> None:
    async with db.transaction() as uow:
        _, _, chai_id = await _chai(uow.observatories)
        await uow.observatories.create_module(InstrumentModuleCreate(instrument_id=chai_id, name="LFA"))
    async with db.connection() as conn:
        with pytest.raises(CheckViolationError) as err:
            await conn.execute(sql, *bad)
        assert err.value.constraint == constraint
        await conn.execute(sql, *good)


def _field_errors(exc: ValidationError) -> str:
    return " | ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())


def test_validation_errors_name_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        TelescopeCreate(observatory_id=1, name="T", latitude_deg=91)
    assert err.value.errors()[0]["loc"] == ("latitude_deg",)
    with pytest.raises(ValidationError) as err:
        TelescopeCreate(observatory_id=1, name="T", elevation_m=float("nan"))
    assert err.value.errors()[0]["loc"] == ("elevation_m",)
    with pytest.raises(ValidationError) as err:
        InstrumentModuleCreate(instrument_id=1, name="M", frequency_min_ghz=820, frequency_max_ghz=800)
    assert "frequency_max_ghz: must not be below frequency_min_ghz" in _field_errors(err.value)
    with pytest.raises(ValidationError) as err:
        InstrumentModuleCreate(instrument_id=1, name="M", pixel_count=0)
    assert err.value.errors()[0]["loc"] == ("pixel_count",)
    with pytest.raises(ValidationError) as err:
        InstrumentModuleCreate(instrument_id=1, name="")
    assert err.value.errors()[0]["loc"] == ("name",)
    with pytest.raises(ValidationError) as err:
        InstrumentUpdate(available=None)
    assert "available: may not be null" in _field_errors(err.value)
    with pytest.raises(ValidationError) as err:
        InstrumentModuleConfigurationCreate(instrument_module_id=1, name="c", parameters=[1])
    assert err.value.errors()[0]["loc"] == ("parameters",)
    with pytest.raises(ValidationError) as err:
        ObservatoryCreate(name="CCAT", colour="blue")  # type: ignore[call-arg]
    assert err.value.errors()[0]["loc"] == ("colour",)
