"""Figures counted by a job and stored as the newest SummarySnapshot of their kind (issue 12): the
one place that stores, reads and ages them, for the control tower (services.dashboard, kind
"dashboard") and the public open-data table (services.open_data, kind "open_data"). Pages read
``latest(kind)`` (one row by an index), never count.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from ..extensions import db
from ..models import SummarySnapshot
from ..models.base import utcnow

# Older snapshots of a kind beyond this many newest are deleted by each store.
KEEP_SNAPSHOTS = 5


def _newest_first(kind: str):
    return (select(SummarySnapshot).where(SummarySnapshot.kind == kind)
            .order_by(SummarySnapshot.computed_at.desc(), SummarySnapshot.id.desc()))


def latest(kind: str) -> SummarySnapshot | None:
    """The newest snapshot of ``kind`` (None before its first count)."""
    return db.session.execute(_newest_first(kind).limit(1)).scalar()


def _newest_at(kind: str) -> datetime | None:
    return db.session.execute(select(func.max(SummarySnapshot.computed_at)).where(SummarySnapshot.kind == kind)).scalar()


def due_in(kind: str, max_age: timedelta, now: datetime | None = None) -> timedelta:
    """How long until the newest snapshot of ``kind`` is older than ``max_age``: zero when there
    is none, negative when it already is older."""
    newest = _newest_at(kind)
    return timedelta(0) if newest is None else newest + max_age - (now or utcnow())


def due(kind: str, max_age: timedelta, now: datetime | None = None) -> bool:
    """Whether the newest snapshot of ``kind`` is missing or older than ``max_age``."""
    newest = _newest_at(kind)
    return newest is None or newest < (now or utcnow()) - max_age


def store(kind: str, figures: dict, computed_at: datetime, seconds: float) -> SummarySnapshot:
    """Add ``figures`` (JSON-friendly: numbers, codes, ISO dates) as the newest snapshot of ``kind``,
    counted at ``computed_at`` (aware) in ``seconds``; older ones of the kind beyond the newest
    KEEP_SNAPSHOTS are deleted. Flushes; the caller (the job, the CLI) commits."""
    snapshot = SummarySnapshot(kind=kind, computed_at=computed_at, seconds=round(seconds, 3), figures=figures)
    db.session.add(snapshot)
    db.session.flush()
    keep = _newest_first(kind).with_only_columns(SummarySnapshot.id).limit(KEEP_SNAPSHOTS)
    db.session.execute(delete(SummarySnapshot).where(SummarySnapshot.kind == kind,
                                                     SummarySnapshot.id.not_in(keep.scalar_subquery())))
    return snapshot
