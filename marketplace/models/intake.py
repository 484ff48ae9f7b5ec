"""What arrived and how: one-time submission receipts (issue 10, item 10) and CSV import batches
(issue 10, item 11)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
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
    # The API request that wrote it (domain.idempotency.request_fingerprint): an Idempotency-Key
    # sent again with another request is refused. None for the pages' form tokens and for receipts
    # written before fingerprints were kept: those replay as before.
    fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())


class ImportBatch(db.Model):
    """One CSV file given to import (upload page or ``flask leads import``), read by one background
    job in chunks (services.imports). The file is kept under UPLOAD_FOLDER/imports. ``last_row``
    is the job's checkpoint: every row up to it (spreadsheet numbering, the header is row 1) is
    committed with the counters, so a retried or resumed job goes on after it and stores no row
    twice. One batch per (uploader, content, options): the same file again answers with it."""

    __tablename__ = "import_batches"
    __table_args__ = (
        UniqueConstraint("owner_key", "content_sha256", "options", name="uq_import_batches_content"),
        Index("ix_import_batches_status_updated", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="leads")
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # None: the CLI
    owner_key: Mapped[str] = mapped_column(String(40))  # "user:<id>" or "cli"
    file_name: Mapped[str] = mapped_column(String(255))  # as given, for display only
    stored_name: Mapped[str] = mapped_column(String(80))  # generated; under UPLOAD_FOLDER/imports
    content_sha256: Mapped[str] = mapped_column(String(64))
    options: Mapped[str] = mapped_column(String(64))  # what else makes two imports of a file differ
    encoding: Mapped[str | None] = mapped_column(String(40))  # the encoding the person named, if any
    # The language of the person who started the import ("en", "es"; domain.i18n): the job writes
    # the refusal and the rows' messages in it. None (before 0024): English.
    locale: Mapped[str | None] = mapped_column(String(8))
    lead_status: Mapped[str] = mapped_column(String(16))  # new leads start "submitted" or "approved"
    status: Mapped[str] = mapped_column(String(16))  # domain.imports.BATCH_STATUSES
    read_as: Mapped[str | None] = mapped_column(String(40))  # how the bytes were decoded
    rows_total: Mapped[int | None] = mapped_column(Integer)  # data rows (not blank), known once read
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_created: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    last_row: Mapped[int] = mapped_column(Integer, default=1)
    error: Mapped[str | None] = mapped_column(Text)  # why the file was refused, or the last failure
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def rows_accepted(self) -> int:
        return self.rows_created + self.rows_updated + self.rows_unchanged


class ImportRow(db.Model):
    """What became of one row of an import batch: the lead it created, updated or left unchanged,
    or why it was rejected (``problems``: [[column, message], ...]; column "" for the whole row).
    The key (batch, row) makes storing a row twice impossible, whatever a job's retry does."""

    __tablename__ = "import_rows"

    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), primary_key=True)
    row_number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    outcome: Mapped[str] = mapped_column(String(12))  # created, updated, unchanged, rejected
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"))
    problems: Mapped[list | None] = mapped_column(JSON)
