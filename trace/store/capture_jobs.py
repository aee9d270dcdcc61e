"""The EPCIS capture jobs repository, over the unit of work's connection (the caller owns the transaction).

Not ledger data: written with ``append_lock=False``.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from .repository import LedgerRepository
from .tables import capture_jobs


class CaptureJobsRepository:
    """Stores each capture job's document and reads it back by id, on ``connection``."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    @classmethod
    def of(cls, unit: LedgerRepository) -> CaptureJobsRepository:
        return cls(unit.connection)

    def add(self, job_id: str, actor: str, created_at: str, job: str) -> None:
        row = {"id": job_id, "actor": actor, "created_at": created_at, "job": job}
        self.connection.execute(capture_jobs.insert(), row)

    def get(self, job_id: str) -> tuple[str, str] | None:
        """The job's submitting actor and document (JSON), or None."""
        found = self.connection.execute(
            select(capture_jobs.c.actor, capture_jobs.c.job).where(capture_jobs.c.id == job_id)
        ).first()
        return (str(found[0]), str(found[1])) if found is not None else None
