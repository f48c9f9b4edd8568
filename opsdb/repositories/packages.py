"""Raw data packages (+ IVOA metadata) and data transfer packages."""

from __future__ import annotations

from opsdb.repositories.base import Repository


class PackageRepository(Repository):
    """Raw data packages (+ IVOA metadata) and data transfer packages."""
