"""Staging jobs: created atomically with their packages, read back with them, listed."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from opsdb.db import Database
from opsdb.errors import CheckViolationError, InvalidReferenceError, NotFoundError
from opsdb.ids import uuid7
from opsdb.schemas.enums import Status
from opsdb.schemas.transfers import StagingJobCreate
from opsdb.testing import T0, World, add_packages, insert, rejects, seed_world

pytestmark = pytest.mark.anyio


class Staged:
    """The one test world plus what these tests add to it."""

    def __init__(self, basics: World, package_ids: list[int]) -> None:
        self.b, self.package_ids = basics, package_ids


@pytest.fixture
async def world(db: Database) -> Staged:
    async with db.connection() as conn:
        b = await seed_world(conn, modules=2, running=2)
        packages = await add_packages(conn, b, 3)
        return Staged(b, packages)


def job_input(w: Staged, package_ids: list[int], **changes: Any) -> StagingJobCreate:
    data: dict[str, Any] = {
        "user_account_id": w.b.user_id,
        "destination_location_id": w.b.locations["cologne_processing"],
        "raw_data_package_ids": package_ids,
    }
    return StagingJobCreate.model_validate(data | changes)


async def test_job_is_created_and_read_back_with_its_packages(db: Database, world: Staged) -> None:
    wanted = [world.package_ids[2], world.package_ids[0]]
    async with db.transaction() as uow:
        created = await uow.staging.create_job(job_input(world, wanted, retention_until=T0, max_attempts=2))
        assert created.raw_data_package_ids == sorted(wanted)
        assert created.job.status is Status.PENDING and created.job.retention_until == T0
        assert created.job.max_attempts == 2
        assert await uow.staging.get_job(created.job.id) == created
        with pytest.raises(NotFoundError, match="staging_job not found"):
            await uow.staging.get_job(10**9)


async def test_job_with_an_unknown_package_leaves_nothing_behind(db: Database, world: Staged) -> None:
    async with db.transaction() as uow:
        with pytest.raises(InvalidReferenceError) as err:
            await uow.staging.create_job(job_input(world, [world.package_ids[0], 10**9]))
        assert err.value.constraint == "staging_job_package_raw_data_package_id_fkey"
        # the caller's transaction is still usable and holds no half-made job
        assert await uow.staging.list_jobs() == []
        kept = await uow.staging.create_job(job_input(world, world.package_ids[:1]))
        assert kept.raw_data_package_ids == world.package_ids[:1]


async def test_job_for_an_unknown_user_is_an_invalid_reference(db: Database, world: Staged) -> None:
    async with db.transaction() as uow:
        with pytest.raises(InvalidReferenceError) as err:
            await uow.staging.create_job(job_input(world, world.package_ids, user_account_id=10**9))
    assert err.value.constraint == "staging_job_user_account_id_fkey"


async def test_jobs_list_by_user_and_status(db: Database, world: Staged) -> None:
    async with db.connection() as conn:
        other_user = (await insert(conn, "user_account", username="other"))["id"]
    async with db.transaction() as uow:
        mine = [await uow.staging.create_job(job_input(world, world.package_ids)) for _ in range(2)]
        theirs = await uow.staging.create_job(job_input(world, world.package_ids[:1], user_account_id=other_user))
        mine_ids = [j.job.id for j in mine]
        assert [j.id for j in await uow.staging.list_jobs(user_account_id=world.b.user_id)] == mine_ids
        assert [j.id for j in await uow.staging.list_jobs(user_account_id=world.b.user_id, limit=1)] == mine_ids[:1]
        assert [j.id for j in await uow.staging.list_jobs(after_id=mine_ids[1])] == [theirs.job.id]
        assert len(await uow.staging.list_jobs(status=Status.PENDING)) == 3
        assert await uow.staging.list_jobs(status=Status.COMPLETED) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"raw_data_package_ids": []}, "raw_data_package_ids"),
        ({"raw_data_package_ids": [1, 1]}, "raw_data_package_ids"),
        ({"retention_until": "2026-12-01T00:00:00"}, "retention_until"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"status": "completed"}, "status"),
    ],
)
def test_job_input_errors_name_the_field(changes: dict[str, Any], field: str) -> None:
    data = {"user_account_id": 1, "destination_location_id": 1, "raw_data_package_ids": [1]}
    with pytest.raises(ValidationError) as err:
        StagingJobCreate.model_validate(data | changes)
    assert [e["loc"][0] for e in err.value.errors()] == [field]


async def test_database_refuses_bad_staging_job_rows(db: Database, world: Staged) -> None:
    row = {"user_account_id": world.b.user_id, "destination_location_id": world.b.locations["cologne_processing"]}
    cases: list[tuple[str, dict[str, Any]]] = [
        ("staging_job_status_valid", {"status": "staged"}),
        ("staging_job_attempts_nonnegative", {"attempts": -1}),
        ("staging_job_max_attempts_positive", {"max_attempts": 0}),
        ("staging_job_claim_columns", {"status": "in_progress", "claim_token": uuid7(), "lease_until": T0}),
    ]
    async with db.connection() as conn:
        for constraint, values in cases:
            await rejects(conn, CheckViolationError, constraint, "staging_job", **(row | values))
        claim = {"claimed_by": "stager", "claim_token": uuid7(), "lease_until": T0}
        await insert(conn, "staging_job", **row, status="in_progress", **claim)
