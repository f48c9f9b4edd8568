"""API tokens (only hashes are stored)."""

from __future__ import annotations

from opsdb.repositories.base import Repository


class TokenRepository(Repository):
    """API tokens (only hashes are stored)."""
