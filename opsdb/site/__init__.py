"""Site mode for the telescope: a durable spool for instrument writes, replay, and reads with the spool merged in.

`SiteClient` (client.py) makes the instrument-facing writes, spooling them in `Spool`
(store.py, SQLite) when the main database is out of reach; `replay` (replay.py) writes the
spool to the main database exactly once in effect; `SiteReader` (reads.py) serves reads from
the local replica with spooled writes merged in; `LinkProxy` (link.py) emulates the long link
for the benchmark and the simulated outage (outage.py). Design and figures: docs/site.md.
"""

from opsdb.site.client import Outcome, SiteClient, WriteResult
from opsdb.site.reads import SiteExecution, SiteFiles, SiteReader
from opsdb.site.replay import ReplayProgress, ReplayReport, replay
from opsdb.site.store import Spool, SpooledConflict, SpoolError, SpoolStatus

__all__ = [
    "Outcome",
    "ReplayProgress",
    "ReplayReport",
    "SiteClient",
    "SiteExecution",
    "SiteFiles",
    "SiteReader",
    "Spool",
    "SpoolError",
    "SpoolStatus",
    "SpooledConflict",
    "WriteResult",
    "replay",
]
