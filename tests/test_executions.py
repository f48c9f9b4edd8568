"""Executed obs units: idempotent starts, guarded finishes, bulk filing, listings."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import pytest
from pydantic import ValidationError

from opsdb.db import Database, UnitOfWork
from opsdb.errors import (
    CheckViolationError,
    ConflictError,
    InputValidationError,
    InvalidReferenceError,
    InvalidTransitionError,
    NotFoundError,
)
from opsdb.schemas.enums import ExecutionStatus
from opsdb.schemas.execution import ExecutedObsUnit, ExecutedObsUnitFinish, ExecutedObsUnitStart
from opsdb.schemas.planning import FixedSourceCreate, ObservingProgramCreate, ObsModeCreate, ObsUnitCreate

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


async def _obs_units(uow: UnitOfWork, count: int = 2) -> list[int]:
    program = await uow.programs.create_program(ObservingProgramCreate(name="Galactic Ecology", short_name="GEco"))
    source = await uow.sources.create_source(FixedSourceCreate(name="Orion-KL", ra_deg=83.8221, dec_deg=-5.3911))
    mode = await uow.obs_units.create_obs_mode(ObsModeCreate(name="otf_map"))
    units = [
        await uow.obs_units.create_obs_unit(
            ObsUnitCreate(name=f"u{i}", observing_program_id=program.id, source_id=source.id, obs_mode_id=mode.id)
        )
        for i in range(count)
    ]
    return [u.id for u in units]


async def _setup(db: Database, count: int = 2) -> list[int]:
    async with db.transaction() as uow:
        return await _obs_units(uow, count)


def _finish(status: str = "completed", minutes: int = 30, **extra: Any) -> ExecutedObsUnitFinish:
    return ExecutedObsUnitFinish.model_validate(
        {"status": status, "end_time": T0 + timedelta(minutes=minutes), **extra}
    )


# -- start ---------------------------------------------------------------------------------


async def test_start_files_a_running_execution_under_a_time_ordered_client_id(db: Database) -> None:
    [unit] = await _setup(db, 1)
    async with db.transaction() as uow:
        started = await uow.executions.start(
            ExecutedObsUnitStart(obs_unit_id=unit, start_time=T0, conditions={"pwv_mm": 0.6}, notes="clear")
        )
        assert started.status is ExecutionStatus.RUNNING and started.end_time is None
        assert started.id.version == 7
        assert (started.start_time, started.conditions, started.notes) == (T0, {"pwv_mm": 0.6}, "clear")
        assert await uow.executions.get_execution(started.id) == started


async def test_repeated_start_returns_the_stored_row(db: Database) -> None:
    [unit] = await _setup(db, 1)
    start = ExecutedObsUnitStart(obs_unit_id=unit, start_time=T0)
    async with db.transaction() as uow:
        first = await uow.executions.start(start)
    async with db.transaction() as uow:
        again = await uow.executions.start(start.model_copy(update={"notes": "resent after outage"}))
    assert again == first


async def test_start_with_a_known_id_but_other_content_is_a_conflict(db: Database) -> None:
    units = await _setup(db)
    start = ExecutedObsUnitStart(obs_unit_id=units[0], start_time=T0)
    async with db.transaction() as uow:
        await uow.executions.start(start)
    for changed in ({"obs_unit_id": units[1]}, {"start_time": T0 + timedelta(seconds=1)}):
        with pytest.raises(ConflictError, match=str(start.id)) as err:
            async with db.transaction() as uow:
                await uow.executions.start(start.model_copy(update=changed))
        assert err.value.constraint == "executed_obs_unit_pkey"


async def test_start_of_a_missing_obs_unit_is_an_invalid_reference(db: Database) -> None:
    with pytest.raises(InvalidReferenceError) as err:
        async with db.transaction() as uow:
            await uow.executions.start(ExecutedObsUnitStart(obs_unit_id=12345, start_time=T0))
    assert err.value.constraint == "executed_obs_unit_obs_unit_id_fkey"


async def test_start_many_is_idempotent_and_keeps_input_order(db: Database) -> None:
    units = await _setup(db)
    starts = [
        ExecutedObsUnitStart(obs_unit_id=units[i % 2], start_time=T0 + timedelta(hours=i), conditions={"n": i})
        for i in range(4)
    ]
    async with db.transaction() as uow:
        early = await uow.executions.start(starts[2])
    async with db.transaction() as uow:
        filed = await uow.executions.start_many(starts)
    assert [e.id for e in filed] == [s.id for s in starts]
    assert filed[2] == early
    assert [e.conditions for e in filed] == [{"n": i} for i in range(4)]
    async with db.transaction() as uow:
        assert await uow.executions.start_many(starts) == filed
        assert await uow.executions.start_many([]) == []


async def test_start_many_with_one_conflict_writes_nothing(db: Database) -> None:
    units = await _setup(db)
    taken = ExecutedObsUnitStart(obs_unit_id=units[0], start_time=T0)
    async with db.transaction() as uow:
        await uow.executions.start(taken)
    fresh = ExecutedObsUnitStart(obs_unit_id=units[1], start_time=T0)
    clash = taken.model_copy(update={"obs_unit_id": units[1]})
    with pytest.raises(ConflictError, match=str(taken.id)):
        async with db.transaction() as uow:
            await uow.executions.start_many([fresh, clash])
    async with db.transaction() as uow:
        with pytest.raises(NotFoundError):
            await uow.executions.get_execution(fresh.id)


async def test_start_many_refuses_a_repeated_id_naming_its_position(db: Database) -> None:
    [unit] = await _setup(db, 1)
    start = ExecutedObsUnitStart(obs_unit_id=unit, start_time=T0)
    async with db.transaction() as uow:
        with pytest.raises(InputValidationError) as err:
            await uow.executions.start_many([start, ExecutedObsUnitStart(obs_unit_id=unit, start_time=T0), start])
        assert [(p.position, p.field) for p in err.value.problems] == [(2, "id")]
        with pytest.raises(InvalidReferenceError):
            await uow.executions.start_many([ExecutedObsUnitStart(obs_unit_id=999, start_time=T0)])


# -- finish --------------------------------------------------------------------------------


async def test_finish_merges_conditions_and_appends_notes(db: Database) -> None:
    [unit] = await _setup(db, 1)
    async with db.transaction() as uow:
        started = await uow.executions.start(
            ExecutedObsUnitStart(
                obs_unit_id=unit, start_time=T0, conditions={"pwv_mm": 0.6, "wind_m_s": 3}, notes="clear"
            )
        )
        finished = await uow.executions.finish(
            started.id, _finish(conditions={"pwv_mm": 0.9, "tau": 0.05}, notes="clouds at the end")
        )
    assert finished.status is ExecutionStatus.COMPLETED
    assert finished.end_time == T0 + timedelta(minutes=30)
    assert finished.conditions == {"pwv_mm": 0.9, "wind_m_s": 3, "tau": 0.05}
    assert finished.notes == "clear\nclouds at the end"


async def test_repeated_finish_with_the_same_outcome_changes_nothing(db: Database) -> None:
    [unit] = await _setup(db, 1)
    async with db.transaction() as uow:
        started = await uow.executions.start(ExecutedObsUnitStart(obs_unit_id=unit, start_time=T0))
    outcome = _finish("failed", conditions={"tau": 0.3}, notes="receiver unlocked")
    async with db.transaction() as uow:
        first = await uow.executions.finish(started.id, outcome)
    async with db.transaction() as uow:
        again = await uow.executions.finish(started.id, outcome)
    assert again == first
    assert again.notes == "receiver unlocked"


async def test_finishing_a_finished_execution_otherwise_is_an_invalid_transition(db: Database) -> None:
    [unit] = await _setup(db, 1)
    async with db.transaction() as uow:
        started = await uow.executions.start(ExecutedObsUnitStart(obs_unit_id=unit, start_time=T0))
        await uow.executions.finish(started.id, _finish("completed"))
    for other in (_finish("aborted"), _finish("completed", minutes=31), _finish("completed", notes="late remark")):
        with pytest.raises(InvalidTransitionError) as err:
            async with db.transaction() as uow:
                await uow.executions.finish(started.id, other)
        assert err.value.item == f"executed_obs_unit {started.id}"
        assert (err.value.current, err.value.target) == ("completed", other.status.value)
        assert f"executed_obs_unit {started.id}: transition completed -> {other.status.value}" in str(err.value)
    async with db.transaction() as uow:
        stored = await uow.executions.get_execution(started.id)
    assert stored.end_time == T0 + timedelta(minutes=30) and stored.notes is None


async def test_finish_before_the_start_names_end_time(db: Database) -> None:
    [unit] = await _setup(db, 1)
    async with db.transaction() as uow:
        started = await uow.executions.start(ExecutedObsUnitStart(obs_unit_id=unit, start_time=T0))
        with pytest.raises(InputValidationError) as err:
            await uow.executions.finish(started.id, _finish(minutes=-1))
        assert [p.field for p in err.value.problems] == ["end_time"]
        assert (await uow.executions.get_execution(started.id)).status is ExecutionStatus.RUNNING
        at_start = await uow.executions.finish(started.id, _finish("aborted", minutes=0))
        assert at_start.end_time == at_start.start_time


async def test_finish_of_an_unknown_execution_is_not_found(db: Database) -> None:
    unknown = uuid.uuid4()
    async with db.transaction() as uow:
        with pytest.raises(NotFoundError, match=f"executed_obs_unit not found: {unknown}"):
            await uow.executions.finish(unknown, _finish())
        with pytest.raises(NotFoundError):
            await uow.executions.finish_many({unknown: _finish()})


async def test_two_daemons_finishing_at_once_yield_one_outcome(db: Database) -> None:
    [unit] = await _setup(db, 1)
    async with db.transaction() as uow:
        started = await uow.executions.start(ExecutedObsUnitStart(obs_unit_id=unit, start_time=T0))
    results: dict[str, ExecutedObsUnit | Exception] = {}

    async def finish(status: str) -> None:
        try:
            async with db.transaction() as uow:
                results[status] = await uow.executions.finish(started.id, _finish(status))
        except InvalidTransitionError as exc:
            results[status] = exc

    async with anyio.create_task_group() as tg:
        tg.start_soon(finish, "completed")
        tg.start_soon(finish, "aborted")
    winners = [r for r in results.values() if isinstance(r, ExecutedObsUnit)]
    losers = [r for r in results.values() if isinstance(r, InvalidTransitionError)]
    assert len(winners) == 1 and len(losers) == 1
    assert losers[0].current == winners[0].status.value
    async with db.transaction() as uow:
        assert await uow.executions.get_execution(started.id) == winners[0]


async def test_finish_many_finishes_running_ones_and_tolerates_repeats(db: Database) -> None:
    units = await _setup(db)
    async with db.transaction() as uow:
        a, b, c = await uow.executions.start_many(
            [ExecutedObsUnitStart(obs_unit_id=units[i % 2], start_time=T0) for i in range(3)]
        )
        already = await uow.executions.finish(c.id, _finish("aborted", minutes=5))
    async with db.transaction() as uow:
        done = await uow.executions.finish_many(
            {b.id: _finish("failed", notes="lost lock"), a.id: _finish(), c.id: _finish("aborted", minutes=5)}
        )
    assert [e.id for e in done] == [b.id, a.id, c.id]
    assert [e.status for e in done] == ["failed", "completed", "aborted"]
    assert done[0].notes == "lost lock" and done[2] == already
    async with db.transaction() as uow:
        assert await uow.executions.finish_many({}) == []


async def test_finish_many_with_one_refusal_writes_nothing(db: Database) -> None:
    [unit] = await _setup(db, 1)
    async with db.transaction() as uow:
        a, b = await uow.executions.start_many(
            [ExecutedObsUnitStart(obs_unit_id=unit, start_time=T0 + timedelta(minutes=i)) for i in range(2)]
        )
        await uow.executions.finish(b.id, _finish("completed"))
    with pytest.raises(InvalidTransitionError):
        async with db.transaction() as uow:
            await uow.executions.finish_many({a.id: _finish(), b.id: _finish("failed")})
    with pytest.raises(NotFoundError):
        async with db.transaction() as uow:
            await uow.executions.finish_many({a.id: _finish(), b.id: _finish("completed"), uuid.uuid4(): _finish()})
    with pytest.raises(InputValidationError) as err:
        async with db.transaction() as uow:
            await uow.executions.finish_many({b.id: _finish("completed"), a.id: _finish(minutes=-5)})
    assert [(p.position, p.field) for p in err.value.problems] == [(1, "end_time")]
    async with db.transaction() as uow:
        assert (await uow.executions.get_execution(a.id)).status is ExecutionStatus.RUNNING


# -- listings ------------------------------------------------------------------------------


async def test_listing_filters_by_obs_unit_status_and_start_window_and_pages(db: Database) -> None:
    units = await _setup(db)
    async with db.transaction() as uow:
        rows = await uow.executions.start_many(
            [
                ExecutedObsUnitStart(
                    id=uuid.UUID(int=i + 1), obs_unit_id=units[i % 2], start_time=T0 + timedelta(hours=i)
                )
                for i in range(5)
            ]
        )
        await uow.executions.finish(rows[1].id, _finish(minutes=61 + 60))
        ids = [r.id for r in rows]

        assert [e.id for e in await uow.executions.list_executions()] == ids
        assert [e.id for e in await uow.executions.list_executions(obs_unit_id=units[1])] == [ids[1], ids[3]]
        running = await uow.executions.list_executions(status=ExecutionStatus.RUNNING)
        assert [e.id for e in running] == [ids[0], ids[2], ids[3], ids[4]]
        window = await uow.executions.list_executions(
            started_from=T0 + timedelta(hours=1), started_before=T0 + timedelta(hours=3)
        )
        assert [e.id for e in window] == [ids[1], ids[2]]
        assert [e.id for e in await uow.executions.list_executions(started_from=T0 + timedelta(hours=4))] == [ids[4]]
        combined = await uow.executions.list_executions(
            obs_unit_id=units[0], status=ExecutionStatus.RUNNING, started_before=T0 + timedelta(hours=3)
        )
        assert [e.id for e in combined] == [ids[0], ids[2]]
        first = await uow.executions.list_executions(limit=2)
        rest = await uow.executions.list_executions(after_id=first[-1].id, limit=10)
        assert [e.id for e in first + rest] == ids


# -- CHECK constraints and validation ------------------------------------------------------

_INSERT = (
    "INSERT INTO executed_obs_unit (id, obs_unit_id, status, start_time, end_time, conditions)"
    " VALUES ($1, $2, $3, $4, $5, $6)"
)
CHECKS: list[tuple[str, tuple[Any, ...], tuple[Any, ...]]] = [
    ("executed_obs_unit_status_valid", ("paused", T0, T0, {}), ("aborted", T0, T0, {})),
    ("executed_obs_unit_conditions_object", ("running", T0, None, [0.6]), ("running", T0, None, {"pwv": 0.6})),
    ("executed_obs_unit_end_time_iff_finished", ("completed", T0, None, {}), ("completed", T0, T0, {})),
    ("executed_obs_unit_end_time_iff_finished", ("running", T0, T0, {}), ("failed", T0, T0, {})),
    (
        "executed_obs_unit_time_order",
        ("aborted", T0, T0 - timedelta(microseconds=1), {}),
        ("aborted", T0, T0 + timedelta(microseconds=1), {}),
    ),
]


@pytest.mark.parametrize(("constraint", "bad", "good"), CHECKS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CHECKS)])
async def test_check_constraint_refuses_bad_row_and_accepts_good_one(
    db: Database, constraint: str, bad: tuple[Any, ...], good: tuple[Any, ...]
) -> None:
    [unit] = await _setup(db, 1)
    async with db.connection() as conn:
        with pytest.raises(CheckViolationError) as err:
            await conn.execute(_INSERT, uuid.uuid4(), unit, *bad)
        assert err.value.constraint == constraint
        await conn.execute(_INSERT, uuid.uuid4(), unit, *good)


def test_validation_errors_name_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        ExecutedObsUnitStart(obs_unit_id=1, start_time=datetime(2026, 11, 23, 2, 0))  # naive: which zone?
    assert err.value.errors()[0]["loc"] == ("start_time",)
    with pytest.raises(ValidationError) as err:
        ExecutedObsUnitStart.model_validate({"obs_unit_id": 1, "start_time": T0, "id": "not-a-uuid"})
    assert err.value.errors()[0]["loc"] == ("id",)
    with pytest.raises(ValidationError) as err:
        ExecutedObsUnitStart.model_validate({"obs_unit_id": 1, "start_time": T0, "conditions": ["pwv"]})
    assert err.value.errors()[0]["loc"] == ("conditions",)
    with pytest.raises(ValidationError) as err:
        _finish("running")
    assert err.value.errors()[0]["loc"] == ("status",)
    with pytest.raises(ValidationError) as err:
        ExecutedObsUnitFinish.model_validate({"status": "completed"})
    assert err.value.errors()[0]["loc"] == ("end_time",)
    start = ExecutedObsUnitStart(obs_unit_id=1, start_time=T0)
    assert start.id != ExecutedObsUnitStart(obs_unit_id=1, start_time=T0).id
