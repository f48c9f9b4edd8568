"""The simulated night in site mode with the link cut for part of it: every invariant holds, the site ones too."""

from __future__ import annotations

import re

import pytest

from opsdb.db import Database
from opsdb.simulate import SimulationConfig, run_simulation
from opsdb.site.outage import parse_outage

pytestmark = pytest.mark.anyio


def test_outage_option_is_parsed_and_checked() -> None:
    assert parse_outage("0.25-0.5") == (0.25, 0.5)
    for bad in ("0.5-0.2", "x", "0.1-1.5", "-0.1-0.3"):
        with pytest.raises(ValueError, match="outage"):
            parse_outage(bad)


@pytest.mark.slow
async def test_a_night_with_the_link_cut_loses_nothing_and_doubles_nothing(database_dsn: str) -> None:
    config = SimulationConfig(
        executions=5, files_per_execution=150, workers=2, seed=5, failure_rate=0.05, outage=(0.2, 0.8)
    )
    result = await run_simulation(database_dsn, config)
    named = {i.name: i for i in result.invariants}
    assert result.drained and result.ok, result.invariants
    assert named["every spooled write applied or kept as a conflict"].ok
    assert named["spooled writes in the main database, once"].ok
    spooled = re.search(r"(\d+) spooled \(([\d,]+) files\)", named["site mode"].detail)
    assert spooled is not None, named["site mode"].detail  # executions 1-3 wrote while the link was cut
    assert int(spooled.group(1)) >= 9 and int(spooled.group(2).replace(",", "")) >= 450
    assert result.totals["files"] == 750 and result.counters.files_registered == 750
    async with await Database.connect(database_dsn, max_size=1) as db, db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM executed_obs_unit WHERE status = 'completed'") == 5
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM (SELECT raw_data_file_id FROM physical_copy WHERE type = 'raw_data_file' "
                "GROUP BY raw_data_file_id, data_location_id HAVING count(*) > 1) d"
            )
            == 0
        )
