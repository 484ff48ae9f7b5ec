"""Snapshots of figures counted by a job (issue 12), so that pages read one row instead of counting
whole tables on every view: the control tower's summary (the dashboard and the public needs board,
services.dashboard) and the public open-data daily table (services.open_data). services.snapshots
stores and reads them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class SummarySnapshot(db.Model):
    """One count of one ``kind`` of figures: "dashboard" (``figures`` is services.dashboard.compute()'s
    dict) or "open_data" (``{"as_of", "rows"}``, services.open_data.refresh); numbers, codes and ISO
    dates only, worded when shown. The newest row of a kind is the one shown; older rows are deleted by the
    refresh (a few are kept)."""

    __tablename__ = "summary_snapshots"
    __table_args__ = (Index("ix_summary_snapshots_kind_computed_at", "kind", "computed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), server_default="dashboard")
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())
    seconds: Mapped[float] = mapped_column(Float)  # how long the count took
    figures: Mapped[dict] = mapped_column(JSON)
