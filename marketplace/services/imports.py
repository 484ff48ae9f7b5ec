"""CSV imports of leads as background jobs (issue 10, item 11).

``start`` keeps the file (under UPLOAD_FOLDER/imports, a generated name) and records an import
batch, or answers with the batch that already holds the same bytes from the same uploader with
the same options; it declares the one job (``effects.after_commit("import_leads", id)``) unless
the caller runs it itself (the CLI). ``steps`` is the job's body: it reads the file whole first
(decoded by the one rule, domain.csv_text; readable CSV; the header; at most IMPORT_MAX_ROWS
rows), so that a file is refused whole before anything is saved, then saves its rows
IMPORT_CHUNK_ROWS at a time with the rules of ``services.leads`` (one row, one lead, each row
whole or rejected with its reasons), yielding after each flushed chunk so that the edge commits
it. Each chunk moves the batch's checkpoint (``last_row``) by compare-and-set in the same
transaction, and each row is recorded in ``import_rows`` under (batch, row number): a retried job
or a second run resumes after the checkpoint, and a second run racing the first loses its chunk
(Conflict) instead of storing rows twice. Processing of each saved lead is queued per chunk,
after its commit.

Language (issue 13): the file's refusal and the rejected rows' messages are written when the job
runs, and stored. They are written in the language of the person who started the import: ``start``
keeps the current language on the batch (``locale``), and ``steps`` runs its body in it
(domain.i18n.use_locale), whether in a request, a thread or a worker. The CSV column names stay
as they are (they are the file's own).
"""
from __future__ import annotations

import csv
import hashlib
import io
import secrets
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import func, insert, select, update

from ..domain import i18n
from ..domain import imports as rules
from ..domain.csv_text import FileRefused, decode_csv
from ..domain.errors import Conflict, NotFound
from ..domain.i18n import _
from ..domain.lead_status import APPROVED, PROCESSING_PENDING
from ..domain.leads import LEAD_COLUMNS, OPTIONAL_LEAD_COLUMNS, parse_lead
from ..domain.permissions import may_view_import
from ..extensions import db
from ..models import ImportBatch, ImportRow, Lead, User
from ..models.base import utcnow
from . import audit, effects, settings
from .leads import ImportReport, RejectedRow, _read_header, _save_batch, today, valid_rows

SAVED = ("created", "updated", "unchanged")
CHANGED = ("created", "updated")  # rows whose lead is processed (again)


def import_dir() -> Path:
    path = settings.current().upload_folder / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def owner_key(uploader: User | None) -> str:
    return f"user:{uploader.id}" if uploader is not None else "cli"


def find(data_sha256: str, uploader: User | None, options: str) -> ImportBatch | None:
    return db.session.execute(select(ImportBatch).where(
        ImportBatch.owner_key == owner_key(uploader), ImportBatch.content_sha256 == data_sha256,
        ImportBatch.options == options)).scalar_one_or_none()


def existing(data: bytes, uploader: User | None, lead_status: str, encoding: str | None) -> ImportBatch | None:
    """The batch holding these bytes from this uploader with these options, if any."""
    return find(hashlib.sha256(data).hexdigest(), uploader, rules.options_key(lead_status, encoding))


def start(data: bytes, file_name: str | None, *, uploader: User | None, lead_status: str,
          encoding: str | None = None, enqueue: bool = True) -> tuple[ImportBatch, bool]:
    """Keep ``data`` (a CSV file's bytes) and record its import batch, status "queued", reported in
    the current language (domain.i18n: the uploader's request's; English on the command line); flushes.
    Returns (batch, True), or (the existing batch, False) when this uploader gave these bytes with
    these options before. ``enqueue`` declares the import job after the commit; an existing batch
    whose job failed, or made no progress for IMPORT_STALE_AFTER (lost), is queued again too. The caller commits, and calls
    ``discard`` if that commit fails (an IntegrityError there means the same file was started
    meanwhile: ``find`` gives that batch)."""
    digest = hashlib.sha256(data).hexdigest()
    options = rules.options_key(lead_status, encoding)
    existing = find(digest, uploader, options)
    if existing is not None:
        stalled = existing.updated_at < utcnow() - settings.current().import_stale_after
        if enqueue and (existing.status == rules.FAILED or (existing.status in rules.UNFINISHED and stalled)):
            effects.after_commit("import_leads", existing.id)  # its job failed or was lost: go on
        return existing, False
    stored_name = f"{secrets.token_hex(16)}.csv"
    with open(import_dir() / stored_name, "xb") as out:
        out.write(data)
    batch = ImportBatch(kind="leads", uploader_id=uploader.id if uploader else None, owner_key=owner_key(uploader),
                        file_name=(file_name or "import.csv")[:255], stored_name=stored_name,
                        content_sha256=digest, options=options, encoding=encoding or None,
                        locale=i18n.current_locale(),
                        lead_status=lead_status, status=rules.QUEUED, rows_read=0, rows_created=0,
                        rows_updated=0, rows_unchanged=0, rows_rejected=0, last_row=1)
    try:
        db.session.add(batch)
        db.session.flush()
    except BaseException:
        discard(stored_name)
        raise
    audit.record(uploader.id if uploader else None, "import.start", "import", batch.id,
                 after={"file": batch.file_name, "sha256": digest, "bytes": len(data), "lead_status": lead_status})
    if enqueue:
        effects.after_commit("import_leads", batch.id)
    return batch, True


def discard(stored_name: str) -> None:
    """Remove a kept file whose batch was not saved."""
    (import_dir() / stored_name).unlink(missing_ok=True)


def get(batch_id: int) -> ImportBatch | None:
    """The batch as stored now (read again, whatever the session holds)."""
    return db.session.get(ImportBatch, batch_id, populate_existing=True)


def batch_for(user: User, batch_id: int) -> ImportBatch:
    """The batch if ``user`` may see it (domain.permissions.may_view_import); NotFound otherwise."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or not may_view_import(user.role, user.id, batch.uploader_id):
        raise NotFound()
    return batch


def recent(user: User, limit: int = 10) -> list[ImportBatch]:
    """The newest batches ``user`` may see."""
    query = select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit)
    if user.role != "admin":
        query = query.where(ImportBatch.uploader_id == user.id)
    return list(db.session.execute(query).scalars())


def processing_counts(batch: ImportBatch) -> tuple[int, int]:
    """(leads of this batch processed, leads it created or changed): the leads' processing is
    queued per chunk, and the progress page shows how far it got."""
    changed = db.session.execute(
        select(func.count(), func.count(Lead.id).filter(Lead.processing_state != PROCESSING_PENDING))
        .select_from(ImportRow).join(Lead, Lead.id == ImportRow.lead_id)
        .where(ImportRow.batch_id == batch.id, ImportRow.outcome.in_(CHANGED))).one()
    return int(changed[1]), int(changed[0])


def rejected_rows(batch: ImportBatch, limit: int | None = None) -> list[tuple[int, list]]:
    """(row number, [[column, message], ...]) of the batch's rejected rows, in row order."""
    query = (select(ImportRow.row_number, ImportRow.problems)
             .where(ImportRow.batch_id == batch.id, ImportRow.outcome == "rejected").order_by(ImportRow.row_number))
    if limit is not None:
        query = query.limit(limit)
    return [(row, problems) for row, problems in db.session.execute(query)]


def report_lines(batch: ImportBatch) -> Iterator[list[str]]:
    """The report of rejected rows as spreadsheet-safe CSV lines (domain.imports.report_lines)."""
    rows = db.session.execute(
        select(ImportRow.row_number, ImportRow.problems)
        .where(ImportRow.batch_id == batch.id, ImportRow.outcome == "rejected")
        .order_by(ImportRow.row_number).execution_options(yield_per=2000))
    return rules.report_lines((row, problems) for row, problems in rows)


def to_resume(older_than) -> list[int]:
    """Batches queued or running with no progress for ``older_than`` (a timedelta): their job was
    lost (Redis emptied, the worker or the web process killed) and is asked for again."""
    return list(db.session.execute(select(ImportBatch.id).where(
        ImportBatch.status.in_((rules.QUEUED, rules.RUNNING)),
        ImportBatch.updated_at < utcnow() - older_than).order_by(ImportBatch.id)).scalars())


def record_failure(batch_id: int, error: str) -> None:
    """Note a failed run on the batch (status "failed", the error); flushes. A retry resumes it."""
    db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id, ImportBatch.status == rules.RUNNING)
                       .values(status=rules.FAILED, error=error[:2000], updated_at=utcnow()))
    db.session.flush()


# --- The job's body ----------------------------------------------------------------------------


def _refuse(batch: ImportBatch, message: str) -> None:
    batch.status, batch.error, batch.finished_at, batch.updated_at = rules.REFUSED, message, utcnow(), utcnow()
    audit.record(batch.uploader_id, "import.refuse", "import", batch.id, after={"error": message[:500]})
    db.session.flush()


def _check_file(batch: ImportBatch, max_rows: int) -> tuple[str, int] | None:
    """The file's text and data-row count, or None after refusing the batch with the reason."""
    try:
        data = (import_dir() / batch.stored_name).read_bytes()
    except FileNotFoundError:
        _refuse(batch, _("the uploaded file is no longer on the server; upload it again"))
        return None
    try:
        decoded = decode_csv(data, batch.encoding)
    except FileRefused as exc:
        _refuse(batch, str(exc))
        return None
    batch.read_as = decoded.encoding
    try:
        header = _read_header(csv.reader(io.StringIO(decoded.text, newline="")), LEAD_COLUMNS, OPTIONAL_LEAD_COLUMNS)
        total = rules.count_rows(decoded.text)
    except csv.Error as exc:
        _refuse(batch, _("not a readable CSV file ({error}); nothing was imported").format(error=exc))
        return None
    if isinstance(header, str):
        _refuse(batch, header)
        return None
    refusal = rules.too_many_rows(total, max_rows)
    if refusal:
        _refuse(batch, refusal)
        return None
    return decoded.text, total


def steps(batch_id: int) -> Iterator[str]:
    """Run the import of batch ``batch_id``: yields after each unit of work is flushed, and the
    caller commits it ("started", "chunk", "done", "refused"). Resumes after the batch's
    checkpoint. The work runs in the language of the batch (``locale``; its messages are stored
    in it); the caller's language is its own again at each yield. Raises NotFound for no such
    batch, Conflict when another run moved the checkpoint first (the caller rolls back and stops:
    that run goes on)."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFound()
    locale, body = batch.locale, _steps(batch_id)
    while True:
        # Set and reset around each resumption, never across a yield: the caller's context (a
        # request, a job running other work) keeps its own language between the steps.
        with i18n.use_locale(locale):
            try:
                step = next(body)
            except StopIteration:
                return
        yield step


def _steps(batch_id: int) -> Iterator[str]:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFound()
    if batch.status in (rules.DONE, rules.REFUSED):
        return
    config = settings.current()
    checked = _check_file(batch, config.import_max_rows)
    if checked is None:
        yield "refused"
        return
    text, total = checked
    batch.rows_total, batch.status, batch.error, batch.updated_at = total, rules.RUNNING, None, utcnow()
    db.session.flush()
    yield "started"

    checkpoint = batch.last_row
    uploader_id, lead_status = batch.uploader_id, batch.lead_status
    matched = {lead_id: row for row, lead_id in db.session.execute(
        select(ImportRow.row_number, ImportRow.lead_id).where(
            ImportRow.batch_id == batch_id, ImportRow.outcome.in_(("updated", "unchanged"))))}
    parsed = ImportReport()
    chunk: list[tuple[int, dict]] = []
    taken = 0  # parsed.rejected[:taken] are stored or before the checkpoint
    day = today()
    for row_number, values in valid_rows(io.StringIO(text, newline=""), LEAD_COLUMNS,
                                         lambda raw: parse_lead(raw, day), parsed, OPTIONAL_LEAD_COLUMNS):
        if row_number <= checkpoint:
            continue
        chunk.append((row_number, values))
        if len(chunk) >= config.import_chunk_rows:
            rejected, taken = parsed.rejected[taken:], len(parsed.rejected)
            checkpoint = _save_chunk(batch_id, checkpoint, row_number, chunk, rejected, matched,
                                     actor_id=uploader_id, lead_status=lead_status)
            chunk = []
            yield "chunk"
    if parsed.file_error:  # the whole file was read once before: only if it changed on disk
        raise RuntimeError(_("the file became unreadable after row {row}: {error}").format(
            row=checkpoint, error=parsed.file_error))
    rejected = parsed.rejected[taken:]
    end = max([checkpoint] + [row for row, _values in chunk] + [r.row for r in rejected])
    if end > checkpoint:
        checkpoint = _save_chunk(batch_id, checkpoint, end, chunk, rejected, matched, actor_id=uploader_id,
                                 lead_status=lead_status)
    finished = db.session.execute(update(ImportBatch).where(
        ImportBatch.id == batch_id, ImportBatch.last_row == checkpoint, ImportBatch.status.in_(rules.UNFINISHED))
        .values(status=rules.DONE, error=None, finished_at=utcnow(), updated_at=utcnow()))
    if finished.rowcount:
        batch = db.session.get(ImportBatch, batch_id, populate_existing=True)
        audit.record(uploader_id, "import.finish", "import", batch_id, after={
            "created": batch.rows_created, "updated": batch.rows_updated, "unchanged": batch.rows_unchanged,
            "rejected": batch.rows_rejected})
    db.session.flush()
    yield "done"


def _save_chunk(batch_id: int, checkpoint: int, end: int, valid: list[tuple[int, dict]],
                rejected: list[RejectedRow], matched: dict[int, int], *, actor_id: int | None,
                lead_status: str) -> int:
    """Save rows (checkpoint, end] of the file: the valid ones as leads, every row's outcome in
    import_rows, the counters and the new checkpoint, in the caller's transaction. Returns ``end``."""
    # The checkpoint moves only from where this run found it: a second run of the batch that got
    # there first makes this one stop (Conflict), and its rows are rolled back. A run that moves
    # it is the one going on, whatever another run's failure wrote in the status meanwhile.
    moved = db.session.execute(update(ImportBatch).where(
        ImportBatch.id == batch_id, ImportBatch.last_row == checkpoint, ImportBatch.status.in_(rules.UNFINISHED))
        .values(last_row=end, status=rules.RUNNING, error=None, updated_at=utcnow()))
    if moved.rowcount != 1:
        raise Conflict(_("another run of this import is ahead"))
    rejected = [r for r in rejected if checkpoint < r.row <= end]
    saved = ImportReport()
    _save_batch(valid, saved, matched, actor_id=actor_id, status=lead_status)
    rejected += saved.rejected
    rows = ([{"batch_id": batch_id, "row_number": row, "outcome": outcome, "lead_id": lead_id, "problems": None}
             for row, outcome, lead_id in saved.outcomes]
            + [{"batch_id": batch_id, "row_number": r.row, "outcome": "rejected", "lead_id": None,
                "problems": r.by_column()} for r in rejected])
    if rows:
        db.session.execute(insert(ImportRow), rows)
    db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(
        rows_read=ImportBatch.rows_read + len(rows), rows_created=ImportBatch.rows_created + saved.imported,
        rows_updated=ImportBatch.rows_updated + saved.updated,
        rows_unchanged=ImportBatch.rows_unchanged + saved.unchanged,
        rows_rejected=ImportBatch.rows_rejected + len(rejected)))
    for lead_id in saved.changed_lead_ids:
        effects.after_commit("process_lead", lead_id)
    if lead_status == APPROVED and saved.changed_lead_ids:
        effects.replan("leads_imported", count=len(saved.changed_lead_ids))
    db.session.flush()
    return end
