"""External jobs: a claim records the bbcp process / S3 upload / tape request doing its work, fenced
by its token; whoever takes the item over receives the reference and adopts or cancels the job."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from opsdb import work
from opsdb.db import Connection, Database
from opsdb.errors import ClaimLostError, InputValidationError
from opsdb.testing import World, add_bundle, add_packages, add_route, add_transfer, seed_world
from opsdb.work import WorkKind

pytestmark = pytest.mark.anyio

TRANSFER = WorkKind.DATA_TRANSFER
UNPACK = WorkKind.DATA_TRANSFER_UNPACK


async def _transfer(conn: Connection) -> tuple[World, int]:
    world = await seed_world(conn)
    packages = await add_packages(conn, world, 1, status="completed")
    bundle = await add_bundle(conn, world, packages)
    route = await add_route(conn, "ccat_to_cologne", world.sites["ccat"], world.sites["cologne"])
    transfer = await add_transfer(conn, world, bundle, route)
    return world, transfer


async def _expire(conn: Connection, transfer: int) -> None:
    """The worker's lease runs out (it crashed, or its host is cut off)."""
    await conn.execute(
        "UPDATE data_transfer SET lease_until = now() - interval '1 s', next_attempt_at = now() - interval '1 s' "
        "WHERE id = $1",
        transfer,
    )


def _start_bbcp() -> subprocess.Popen[bytes]:
    """A long-running process standing in for bbcp (the test machine has no bbcp)."""
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])


def _bbcp_ref(process: subprocess.Popen[bytes]) -> dict[str, object]:
    return {"tool": "bbcp", "host": socket.gethostname(), "pid": process.pid, "started": time.time()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_a_taken_over_transfer_sees_and_cancels_its_predecessors_job(db: Database) -> None:
    async with db.connection() as conn:
        _, transfer = await _transfer(conn)
        (first,) = await work.claim(conn, TRANSFER, "bbcp@ccat-1", lease_seconds=60)
        assert first.previous_job is None
        old_process = _start_bbcp()
        first = await work.record_external_job(conn, first, _bbcp_ref(old_process))
        await _expire(conn, transfer)  # ccat-1 hangs; its bbcp keeps running

        (second,) = await work.claim(conn, TRANSFER, "bbcp@ccat-2", lease_seconds=60)
        previous = second.previous_job
        assert previous is not None
        assert (previous.worker_id, previous.attempt) == ("bbcp@ccat-1", 1)
        assert previous.ref["tool"] == "bbcp" and previous.ref["pid"] == old_process.pid
        # cancel the predecessor's job before starting again (same host here: a signal; elsewhere: ssh)
        assert previous.ref["host"] == socket.gethostname()
        os.kill(int(previous.ref["pid"]), signal.SIGTERM)
        assert old_process.wait(timeout=10) == -signal.SIGTERM
        assert not _alive(old_process.pid)

        new_process = _start_bbcp()
        try:
            second = await work.record_external_job(conn, second, _bbcp_ref(new_process))
            # the first worker wakes up: its writes are fenced, the new reference stays
            with pytest.raises(ClaimLostError, match="claimed by bbcp@ccat-2"):
                await work.record_external_job(conn, first, {"tool": "bbcp", "pid": 1})
            stored = await conn.fetchval("SELECT external_job FROM data_transfer WHERE id = $1", transfer)
            await work.complete(conn, second, verified=True)
        finally:
            new_process.kill()
            new_process.wait()
    assert stored["ref"]["pid"] == new_process.pid
    assert (stored["worker"], stored["attempt"]) == ("bbcp@ccat-2", 2)


async def test_a_successor_can_adopt_the_running_job(db: Database) -> None:
    upload = {"tool": "s3", "bucket": "ccat-archive", "key": "dtp_1.tar", "upload_id": "2~abc", "parts_done": 17}
    async with db.connection() as conn:
        _, transfer = await _transfer(conn)
        (first,) = await work.claim(conn, TRANSFER, "s3@cologne-1", lease_seconds=60)
        await work.record_external_job(conn, first, upload)
        await _expire(conn, transfer)
        (second,) = await work.claim(conn, TRANSFER, "s3@cologne-2", lease_seconds=60)
        assert second.previous_job is not None
        adopted = await work.record_external_job(conn, second, second.previous_job.ref)  # resume the upload
        item = await work.get(conn, TRANSFER, transfer)
    assert adopted.token == second.token
    assert item.external_job is not None and item.external_job.ref == upload
    assert item.external_job.worker_id == "s3@cologne-2"


async def test_the_reference_survives_a_failed_attempt_and_can_be_cleared(db: Database) -> None:
    async with db.connection() as conn:
        _, transfer = await _transfer(conn)
        (first,) = await work.claim(conn, TRANSFER, "w1")
        await work.record_external_job(conn, first, {"tool": "tape", "request": "R-42"})
        await work.fail(conn, first, "robot timeout", backoff_seconds=0.001)
        await conn.execute("UPDATE data_transfer SET next_attempt_at = now() WHERE id = $1", transfer)
        (second,) = await work.claim(conn, TRANSFER, "w2")
        assert second.previous_job is not None and second.previous_job.ref == {"tool": "tape", "request": "R-42"}
        await work.record_external_job(conn, second, None)  # the request was cancelled: nothing runs now
        assert (await work.get(conn, TRANSFER, transfer)).external_job is None


async def test_unpacks_keep_their_own_reference(db: Database) -> None:
    async with db.connection() as conn:
        _, transfer = await _transfer(conn)
        (sending,) = await work.claim(conn, TRANSFER, "sender")
        await work.record_external_job(conn, sending, {"tool": "bbcp", "pid": 1})
        await work.complete(conn, sending, verified=True)
        (unpack,) = await work.claim(conn, UNPACK, "unpacker")
        assert unpack.previous_job is None  # the transfer's reference is not the unpack's
        await work.record_external_job(conn, unpack, {"tool": "tar", "pid": 2})
        row = await conn.fetchrow("SELECT external_job, unpack_external_job FROM data_transfer WHERE id = $1", transfer)
    assert row is not None
    assert row["external_job"]["ref"] == {"tool": "bbcp", "pid": 1}
    assert row["unpack_external_job"]["ref"] == {"tool": "tar", "pid": 2}


async def test_bad_references_are_refused_naming_item_and_field(db: Database) -> None:
    async with db.connection() as conn:
        _, transfer = await _transfer(conn)
        (c,) = await work.claim(conn, TRANSFER, "w")
        with pytest.raises(InputValidationError, match=rf"external_job: data_transfer {transfer}: must be a mapping"):
            await work.record_external_job(conn, c, ["pid", 1])  # type: ignore[arg-type]
        with pytest.raises(InputValidationError, match="not JSON"):
            await work.record_external_job(conn, c, {"started": object()})
        with pytest.raises(InputValidationError, match="at most 7000"):
            await work.record_external_job(conn, c, {"log": "x" * 8000})
        assert (await work.get(conn, TRANSFER, transfer)).external_job is None
