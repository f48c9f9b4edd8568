"""A simulated observing night: seed the observatory, run telescope, instruments and daemons, check invariants.

One module per job: `setup` (the dedicated database), `seed` (the observatory), `night` (the
engine), `invariants` (the checks and the journal they compare with), `run` (all of it, timed).
This package only re-exports their public names; walkthrough: docs/simulation.md.
"""

from opsdb.simulate.invariants import InvariantResult, Journal, JournalEntry, check_invariants, history_invariant
from opsdb.simulate.night import (
    BUNDLE_PACKAGES,
    MAX_PACKAGE_BYTES,
    SIMULATED_KINDS,
    Counters,
    Night,
    SimulationConfig,
)
from opsdb.simulate.run import SimulationResult, run_simulation
from opsdb.simulate.seed import Observatory, seed_observatory
from opsdb.simulate.setup import DATABASE, SIMULATION_MARK, prepare_database

__all__ = [
    "BUNDLE_PACKAGES",
    "DATABASE",
    "MAX_PACKAGE_BYTES",
    "SIMULATED_KINDS",
    "SIMULATION_MARK",
    "Counters",
    "InvariantResult",
    "Journal",
    "JournalEntry",
    "Night",
    "Observatory",
    "SimulationConfig",
    "SimulationResult",
    "check_invariants",
    "history_invariant",
    "prepare_database",
    "run_simulation",
    "seed_observatory",
]
