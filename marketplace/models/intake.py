"""What arrived and how: one-time submission receipts (issue 10, item 10) and CSV import batches
(issue 10, item 11)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class SubmissionReceipt(db.Model):
    """A create form's one-time ``submission_token`` and what its first POST created. Written in the
    transaction that creates the record, so a crash before the commit leaves neither; unique per
    (user, token), so a concurrent second POST with the same token fails at the insert and is
    answered with the first one's result (services.submissions)."""

    __tablename__ = "submission_receipts"
    __table_args__ = (UniqueConstraint("user_id", "token", name="uq_submission_receipts_user_token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # "lead", "request", "document", "match"
    object_id: Mapped[int] = mapped_column(Integer)
    # Where the first POST sent its sender (a path on this site), so a retry is sent there too
    # without reading the created record.
    location: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())
