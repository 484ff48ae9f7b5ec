"""The control tower's summary snapshot (issue 12): the dashboard's and the public needs board's
figures, counted by a job (services.dashboard.refresh) so that the pages read one row instead of
counting whole tables on every view."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, Index
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class SummarySnapshot(db.Model):
    """One count of every figure: ``figures`` is services.dashboard.compute()'s dict (numbers,
    codes and ISO dates only; worded when shown). The newest row is the one shown; older rows are
    deleted by the refresh (a few are kept)."""

    __tablename__ = "summary_snapshots"
    __table_args__ = (Index("ix_summary_snapshots_computed_at", "computed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())
    seconds: Mapped[float] = mapped_column(Float)  # how long the count took
    figures: Mapped[dict] = mapped_column(JSON)
