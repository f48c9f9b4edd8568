"""Data transfers (+ logs) and long-term-archive transfers."""

from __future__ import annotations

from opsdb.repositories.base import Repository


class TransferRepository(Repository):
    """Data transfers (+ logs) and long-term-archive transfers."""
