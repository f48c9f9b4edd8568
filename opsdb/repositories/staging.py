"""Staging jobs and the packages they stage.

Rows and look-ups only; running a staging job is the work protocol's business.
"""

from __future__ import annotations

from opsdb.queries import query
from opsdb.repositories.base import Repository, page_limit
from opsdb.schemas.enums import Status
from opsdb.schemas.transfers import StagingJob, StagingJobCreate, StagingJobWithPackages


class StagingRepository(Repository):
    """Staging jobs and the packages they stage."""

    async def create_job(self, data: StagingJobCreate) -> StagingJobWithPackages:
        """Create a job together with its packages, all or nothing (an unknown package id is an
        InvalidReferenceError and leaves no job behind)."""
        async with self.conn.transaction():
            job = StagingJob.from_row(
                await self.conn.fetchrow(
                    query("insert_staging_job"),
                    data.user_account_id,
                    data.destination_location_id,
                    data.retention_until,
                    data.max_attempts,
                )
            )
            rows = await self.conn.fetch(query("insert_staging_job_packages"), job.id, data.raw_data_package_ids)
        return StagingJobWithPackages(job=job, raw_data_package_ids=sorted(r["raw_data_package_id"] for r in rows))

    async def get_job(self, job_id: int) -> StagingJobWithPackages:
        """A job with the ids of its packages (in id order)."""
        job = StagingJob.from_row(await self._fetch_one("get_staging_job", job_id, entity="staging_job", key=job_id))
        rows = await self.conn.fetch(query("list_staging_job_package_ids"), job_id)
        return StagingJobWithPackages(job=job, raw_data_package_ids=[r["raw_data_package_id"] for r in rows])

    async def list_jobs(
        self,
        *,
        user_account_id: int | None = None,
        status: Status | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[StagingJob]:
        """Jobs in id order, filtered by user and status (None = any)."""
        rows = await self._fetch_page(
            "list_staging_jobs",
            user_account_id,
            status.value if status else None,
            after_id,
            page_limit(limit),
        )
        return [StagingJob.from_row(r) for r in rows]
