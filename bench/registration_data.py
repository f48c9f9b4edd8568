"""Re-exports for the registration benchmarks: their world is the one test world, `opsdb.testing`.

`seed` is `opsdb.testing.seed_registration`; nothing else lives here (new code imports opsdb.testing).
"""

from __future__ import annotations

from opsdb.testing import EPOCH, Seeded, file_records, iter_file_records
from opsdb.testing import seed_registration as seed

__all__ = ["EPOCH", "Seeded", "file_records", "iter_file_records", "seed"]
