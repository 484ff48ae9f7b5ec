"""Lead use cases: submit, edit, list, import and export."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO

from ..domain.catalog import label
from ..domain.csv_cells import protect, unprotect
from ..domain.csv_text import FileRefused, decode_csv
from ..domain.dates import city_today
from ..domain.errors import Conflict, Forbidden, NotFound
from ..domain.i18n import _, csv_columns, ngettext
from ..domain.lead_status import (
    APPROVED,
    HELD,
    LEAD_STATUSES,
    PROCESSING_PENDING,
    SUBMITTED,
    edit_refusal,
    import_may_change,
    submission_status,
)
from ..domain.leads import (
    DERIVED_FIELDS,
    LEAD_COLUMNS,
    MARKETPLACE_REF,
    OPTIONAL_LEAD_COLUMNS,
    lead_to_row,
    new_marketplace_ref,
    parse_lead,
)
from ..domain.numbers import fixed_notation
from ..domain.permissions import may_edit_lead, may_view_lead
from ..domain.quotes import default_valid_until
from ..extensions import db
from ..models import Lead, User
from ..models.base import id_in, utcnow
from . import audit, effects, settings

# marketplace_ref last: a file read by column position before it was added reads as before.
EXPORT_COLUMNS = ("id",) + LEAD_COLUMNS + ("status", "cluster", "risk_score", "flags", MARKETPLACE_REF)
# The values that name one record in an import file: each may appear on one row of a file only.
ROW_KEYS = ("external_id", MARKETPLACE_REF)
# Fields a supplier or an import may set (parse_lead's values); everything else (owner, status,
# ...) is the system's.
EDITABLE_FIELDS = LEAD_COLUMNS + DERIVED_FIELDS


def lead_values(lead: Lead) -> dict:
    return {name: getattr(lead, name) for name in EDITABLE_FIELDS}


def today() -> date:
    """The city's date now (CITY_TIMEZONE), as services.demand.today gives it (demand imports this
    module, so it cannot be imported here)."""
    return city_today(utcnow(), settings.current().city_zone)


def new_lead_fields(values) -> dict:
    """The EDITABLE_FIELDS of a new lead from parse_lead's values, its quote dated: a lead given
    without ``valid_until`` holds for quotes.DEFAULT_VALIDITY_DAYS from the city's today."""
    fields = {name: values.get(name) for name in EDITABLE_FIELDS}
    fields["valid_until"] = fields["valid_until"] or default_valid_until(today())
    return fields


def _given(values, name: str) -> bool:
    """Whether an edit or import row sets ``name``: an empty ``external_id`` keeps the city's id and
    an empty ``valid_until`` keeps the quote's date (an old file, a column left empty)."""
    return not (name in ("external_id", "valid_until") and values.get(name) is None)


def _new_lead_row(values: dict, owner: User | None, actor_id: int | None, source: str, status: str) -> dict:
    """The columns of a new lead (create_lead and insert_lead): a lead submitted by an ``owner``
    whose e-mail address is not confirmed is HELD instead of ``status`` (see release_held_leads)."""
    if owner is not None and status == SUBMITTED:
        status = submission_status(owner.email_verified)
    return dict(new_lead_fields(values), owner_id=owner.id if owner else None, created_by_id=actor_id,
                source=source, status=status, processing_state=PROCESSING_PENDING)


def _created(lead_id: int, actor_id: int | None, row: dict, *, core: bool = False) -> None:
    """What every new lead brings: its audit row, and its processing queued after the commit."""
    write = audit.insert if core else audit.record
    write(actor_id, "lead.create", "lead", lead_id, after={"source": row["source"], "status": row["status"]})
    effects.after_commit("process_lead", lead_id)  # after the commit: the job must find the row


def create_lead(values: dict, *, owner: User | None, actor_id: int | None, source: str,
                status: str = SUBMITTED) -> Lead:
    """Save a validated lead (values from ``parse_lead``) with its audit row; flushes (the caller
    commits, and processing is queued after that commit). A lead submitted by an ``owner`` whose
    e-mail address is not confirmed is HELD instead of ``status`` (see release_held_leads)."""
    row = _new_lead_row(values, owner, actor_id, source, status)
    lead = Lead(**row)
    db.session.add(lead)
    db.session.flush()
    _created(lead.id, actor_id, row)
    return lead


@dataclass(frozen=True)
class NewLead:
    """A lead just inserted by ``insert_lead``: its id and columns as written, read as a Lead's
    attributes are (``lead_values``, web.api.views.lead), with no ORM object behind it."""

    id: int
    row: dict

    def __getattr__(self, name: str):
        try:
            return self.row[name]
        except KeyError:
            raise AttributeError(name) from None


_INSERT_LEAD = None


def insert_lead(values: dict, *, owner: User | None, actor_id: int | None, source: str,
                status: str = SUBMITTED) -> NewLead:
    """create_lead in one Core INSERT ... RETURNING id (with its audit row, also Core), without the
    ORM's unit of work, which cost about as much again as the statements (the API's lead POST,
    docs/decisions.md "The API's speed: to half the bare endpoint"). The same columns, defaults
    and effects as create_lead; the lead is not in the session (read it with lead_for)."""
    global _INSERT_LEAD
    if _INSERT_LEAD is None:
        table = Lead.__table__
        _INSERT_LEAD = table.insert().returning(table.c.id)
    now = utcnow()
    row = _new_lead_row(values, owner, actor_id, source, status)
    row.update(marketplace_ref=new_marketplace_ref(), created_at=now, updated_at=now)  # the rest: the columns' defaults
    lead_id = db.session.execute(_INSERT_LEAD, row).scalar_one()
    _created(lead_id, actor_id, row, core=True)
    return NewLead(lead_id, row)


def release_held_leads(owner: User, *, actor_id: int | None) -> list[int]:
    """Send ``owner``'s HELD leads to the vetting queue (SUBMITTED), audited, once their e-mail
    address is confirmed; returns their ids. Flushes; the caller commits. They were processed
    (scored) while held, so they enter the queue with their score."""
    held = list(db.session.execute(db.select(Lead).where(Lead.owner_id == owner.id, Lead.status == HELD)
                                   .order_by(Lead.id)).scalars())
    for lead in held:
        lead.status = SUBMITTED
        lead.updated_at = utcnow()
        audit.record(actor_id, "lead.release", "lead", lead.id, before={"status": HELD},
                     after={"status": SUBMITTED}, detail="the owner confirmed their e-mail address")
    db.session.flush()
    return [lead.id for lead in held]


def apply_changes(record, values: dict, fields) -> tuple[dict, dict]:
    """Set ``fields`` of ``record`` (a lead or a request) from clean ``values``; returns the
    changed fields' (before, after) for the audit row and stamps ``updated_at`` if any changed.
    An edit without an external id keeps the one the record has (it is the city's, not the user's);
    one without a quote validity date keeps the lead's."""
    before, after = changed_fields(record, values, fields)
    for name, new in after.items():
        setattr(record, name, new)
    if after:
        record.updated_at = utcnow()
    return before, after


def changed_fields(record, values: dict, fields) -> tuple[dict, dict]:
    """The (before, after) values of ``fields`` that ``values`` would change; nothing is set."""
    before, after = {}, {}
    for name in fields:
        if not _given(values, name):
            continue
        new = values.get(name)
        if getattr(record, name) != new:
            before[name], after[name] = getattr(record, name), new
    return before, after


def _apply_changes(lead: Lead, values: dict) -> tuple[dict, dict]:
    before, after = apply_changes(lead, values, EDITABLE_FIELDS)
    if after:
        lead.processing_state = PROCESSING_PENDING  # changed data is processed again
    return before, after


def update_lead(lead: Lead, values: dict, *, actor_id: int) -> bool:
    """Apply a supplier's edit; returns whether anything changed. Flushes; the caller commits."""
    before, after = _apply_changes(lead, values)
    if after:
        audit.record(actor_id, "lead.update", "lead", lead.id, before=before, after=after)
        effects.after_commit("process_lead", lead.id)
        db.session.flush()
    return bool(after)


def lead_for(user: User, lead_id: int, *, edit: bool = False) -> Lead:
    """The lead if ``user`` may see (or edit) it. Raises NotFound when it is missing or not theirs to
    see, Forbidden when they may see but not edit it (staff), Conflict saying why and what to do
    instead when it is their own offer and its status no longer allows editing
    (lead_status.edit_refusal)."""
    lead = db.session.get(Lead, lead_id)
    if lead is None or not may_view_lead(user.role, user.id, lead.owner_id):
        raise NotFound()
    if edit and not may_edit_lead(user.role, user.id, lead.owner_id, lead.status):
        if user.role == "supplier" and (reason := edit_refusal(lead.status)):  # may see it: their own
            raise Conflict(reason)
        raise Forbidden()
    return lead


def supplier_leads(user: User, page: int, per_page: int):
    query = db.select(Lead).where(Lead.owner_id == user.id).order_by(Lead.created_at.desc(), Lead.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


# --- CSV import and export -------------------------------------------------------------------

@dataclass
class RejectedRow:
    row: int  # the spreadsheet row number: the header is row 1
    reason: str
    # The reason by column: ((column, message), ...); column "" when it is about the whole row.
    problems: tuple[tuple[str, str], ...] = ()

    def by_column(self) -> list[list[str]]:
        return [list(p) for p in self.problems] or [["", self.reason]]


@dataclass
class RowWarning:
    row: int  # the spreadsheet row number: the header is row 1
    message: str  # "field: what to check"; the row was saved


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)  # rows saved with a figure to check
    file_error: str | None = None
    encoding: str | None = None  # how the file's bytes were read (domain.csv_text), shown with the result
    changed_lead_ids: list[int] = field(default_factory=list)  # to process after the commit
    # (row number, "created" / "updated" / "unchanged", lead id) per saved row, in file order
    outcomes: list[tuple[int, str, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.file_error is None

    def summary(self) -> str:
        if self.file_error:
            return f"File refused: {self.file_error}"
        return (f"imported {self.imported}, updated {self.updated}, unchanged {self.unchanged}, "
                f"rejected {len(self.rejected)}")


def import_file(data: bytes, importer: Callable[[IO[str]], ImportReport],
                encoding: str | None = None) -> ImportReport:
    """Decode a CSV file's bytes with the one rule for all imports (domain.csv_text; ``encoding``
    is the name the importing person gave, if any) and hand the text to ``importer`` (import_leads,
    import_demand). A file that cannot be decoded is refused whole: nothing is imported and
    ``file_error`` says why."""
    try:
        decoded = decode_csv(data, encoding)
    except FileRefused as exc:
        return ImportReport(file_error=str(exc))
    report = importer(io.StringIO(decoded.text, newline=""))
    report.encoding = decoded.encoding
    return report


def _read_header(reader: Iterator[list[str]], columns: tuple[str, ...],
                 optional: tuple[str, ...] = ()) -> list[str] | str:
    try:
        header = next(reader)
    except StopIteration:
        return _("the file is empty; the first row must name the columns")
    names = [h.strip().lstrip("\ufeff").strip().lower() for h in header]
    missing = [c for c in columns if c not in names and c not in optional]
    if missing and len(names) == 1 and (";" in names[0] or "\t" in names[0]):
        separator = "';'" if ";" in names[0] else _("tabs")
        return _("the columns are separated by {separator}, not commas (Excel does this in many "
                 "European languages); save the file as 'CSV UTF-8 (comma delimited)', or choose the comma "
                 "as the list separator, and import it again").format(separator=separator)
    if missing:
        return ngettext("the header row lacks the column {missing}. Expected: {expected}",
                        "the header row lacks the columns {missing}. Expected: {expected}", len(missing)).format(
            missing=", ".join(missing), expected=",".join(columns))
    return names


def valid_rows(stream: IO[str], columns: tuple[str, ...], parse, report: ImportReport,
               optional: tuple[str, ...] = ()) -> Iterator[tuple[int, dict]]:
    """(row number, clean values) for each valid row of a CSV file with ``columns``; every other
    row goes to ``report.rejected`` with its number and reasons, a bad file to ``report.file_error``.
    ``parse(raw) -> (values, errors)`` is the domain's validation (parse_lead, parse_demand);
    columns named in ``optional`` may be missing from the file (parse sees them as empty)."""
    reader = csv.reader(stream)
    try:
        header = _read_header(reader, columns, optional)
    except csv.Error as exc:
        report.file_error = _("not a readable CSV file ({error})").format(error=exc)
        return
    if isinstance(header, str):
        report.file_error = header
        return
    seen: dict[tuple[str, str], int] = {}
    row_number = 1
    try:
        for cells in reader:
            row_number += 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                reason = (_("expected {expected} columns, found {found} (a number with a decimal comma, or a "
                            "text with a comma, needs quotes: use a decimal point)") if len(cells) > len(header)
                          else _("expected {expected} columns, found {found}")).format(
                    expected=len(header), found=len(cells))
                report.rejected.append(RejectedRow(row_number, reason, (("", reason),)))
                continue
            # A CSV file's numbers have a decimal point whatever the importing person's language, and
            # its messages name the columns as the file's header writes them (i18n.csv_columns).
            with fixed_notation("."), csv_columns():
                values, errors = parse({name: unprotect(cell) for name, cell in zip(header, cells)})
            if errors:
                reason = "; ".join(f"{name}: {_clause(message)}" for name, message in errors.items())
                report.rejected.append(RejectedRow(row_number, reason, tuple(errors.items())))
                continue
            repeated = next(((key, values[key]) for key in ROW_KEYS
                             if values.get(key) and (key, values[key]) in seen), None)
            if repeated:
                key, value = repeated
                message = _("{value} already appears on row {row}").format(value=repr(value), row=seen[repeated])
                report.rejected.append(RejectedRow(row_number, f"{key} {message}", ((key, message),)))
                continue
            for key in ROW_KEYS:
                if values.get(key):
                    seen[(key, values[key])] = row_number
            yield row_number, values
    except csv.Error as exc:
        # Read whole or refused whole: the importer rolls back what this file saved so far.
        report.file_error = _("row {row} is not readable CSV ({error}); nothing was imported").format(
            row=row_number, error=exc)


def _clause(message: str) -> str:
    """A field's message as one clause of a row's reasons: without its final full stop, so that
    the reasons read 'postal_code: ... 07102-1234; days_of_supply: ...'."""
    return message[:-1] if message.endswith(".") else message


def import_leads(stream: IO[str], *, actor_id: int | None, status: str = SUBMITTED,
                 batch_size: int = 1000) -> ImportReport:
    """Import leads from CSV text. Each row is taken whole or not at all: valid rows are saved,
    each invalid row is reported with its row number and reason. A row names the lead it updates
    by its ``marketplace_ref`` (the column an export writes; see _match) or else by a known
    external_id; any other row creates a new lead. ``status=approved`` is for an
    admin loading suppliers the city has already vetted: new leads start approved (existing ones
    keep their status) and a matching run follows."""
    report = ImportReport()
    batch: list[tuple[int, dict]] = []
    matched: dict[int, int] = {}  # lead id -> the row that updated it
    day = today()
    for row_number, values in valid_rows(stream, LEAD_COLUMNS, lambda raw: parse_lead(raw, day), report,
                                         OPTIONAL_LEAD_COLUMNS):
        batch.append((row_number, values))
        if len(batch) >= batch_size:
            _save_batch(batch, report, matched, actor_id=actor_id, status=status)
            batch = []
    if not report.ok:
        db.session.rollback()
        return report
    _save_batch(batch, report, matched, actor_id=actor_id, status=status)
    for lead_id in report.changed_lead_ids:
        effects.after_commit("process_lead", lead_id)
    if status == APPROVED and report.changed_lead_ids:
        effects.replan("leads_imported", count=len(report.changed_lead_ids))
    db.session.flush()  # the caller commits once; then every job goes in one Redis pipeline
    return report


def _known(column, batch: list[tuple[int, dict]], key: str) -> dict[str, Lead]:
    wanted = [values[key] for _, values in batch if values.get(key)]
    if not wanted:
        return {}
    return {getattr(lead, key): lead for lead in db.session.execute(
        db.select(Lead).where(id_in(column, wanted))).scalars()}


def _match(values: dict, by_ref: dict[str, Lead], by_external_id: dict[str, Lead]) -> tuple[Lead | None, str | None]:
    """(the lead a valid row updates or None for a new lead, or the reason the row is refused).

    A known marketplace_ref names its lead. An unknown one (a file from another deployment, or a
    lead deleted here) names none: the row falls back to its external_id, the city's or the
    supplier's own reference, whose known value updates that lead as always; else the row is a new
    lead that keeps the reference, so that importing the same file again changes nothing. A row
    whose two references name two different leads is refused: which one it means is not clear."""
    ref, external_id = values.get(MARKETPLACE_REF), values.get("external_id")
    lead = by_ref.get(ref) if ref else None
    other = by_external_id.get(external_id) if external_id else None
    if lead is None:
        return other, None
    if other is not None and other.id != lead.id:
        return None, "external_id: " + _(
            "'{external_id}' is the external_id of lead {other}, but the row's marketplace_ref is lead {lead}'s; "
            "correct one of them").format(external_id=external_id, other=other.id, lead=lead.id)
    return lead, None


def _refusal(row_number: int, reason: str, column: str) -> RejectedRow:
    message = reason[len(column) + 2:] if reason.startswith(column + ": ") else reason
    return RejectedRow(row_number, reason, ((column, message),))


def _save_batch(batch: list[tuple[int, dict]], report: ImportReport, matched: dict[int, int], *,
                actor_id: int | None, status: str) -> None:
    if not batch:
        return
    by_ref = _known(Lead.marketplace_ref, batch, MARKETPLACE_REF)
    by_external_id = _known(Lead.external_id, batch, "external_id")
    created: list[tuple[int, Lead]] = []
    for row_number, values in batch:
        lead, refused = _match(values, by_ref, by_external_id)
        column = "external_id"
        if lead is not None and lead.id in matched:
            refused = _("this row and row {row} both name lead {lead} (by its marketplace_ref or external_id); "
                        "keep one of them").format(row=matched[lead.id], lead=lead.id)
            column = MARKETPLACE_REF if values.get(MARKETPLACE_REF) else "external_id"
        if refused:
            report.rejected.append(_refusal(row_number, refused, column))
            continue
        if lead is None:
            lead = Lead(**new_lead_fields(values), owner_id=None,
                        created_by_id=actor_id, source="csv", status=status,
                        processing_state=PROCESSING_PENDING,
                        marketplace_ref=values.get(MARKETPLACE_REF) or new_marketplace_ref())
            if status == APPROVED:  # vetted by the city before the import: the import is the decision
                lead.decided_at, lead.decided_by_id = utcnow(), actor_id
            created.append((row_number, lead))
            continue
        matched[lead.id] = row_number
        if not import_may_change(lead.status):
            # A decided lead's vetted details stay; its quote's validity is not one of them.
            _before, would_change = changed_fields(lead, values, [f for f in EDITABLE_FIELDS if f != "valid_until"])
            if would_change:
                reason = _("lead {lead} is {status}: a vetter decided on its details, so the import does not change "
                           "{fields}; an admin reopens the lead first").format(
                    lead=lead.id, status=label(LEAD_STATUSES, lead.status).lower(), fields=", ".join(sorted(would_change)))
                report.rejected.append(RejectedRow(row_number, reason, ((" ".join(sorted(would_change)), reason),)))
                continue
        before, after = _apply_changes(lead, values)
        if after:
            report.updated += 1
            report.changed_lead_ids.append(lead.id)
            report.outcomes.append((row_number, "updated", lead.id))
            audit.record(actor_id, "lead.update", "lead", lead.id, before=before, after=after,
                         detail="CSV import")
        else:
            report.unchanged += 1
            report.outcomes.append((row_number, "unchanged", lead.id))
    db.session.add_all([lead for _row, lead in created])
    db.session.flush()
    for row_number, lead in created:
        audit.record(actor_id, "lead.create", "lead", lead.id, after={"source": "csv", "status": status},
                     detail="CSV import")
        report.outcomes.append((row_number, "created", lead.id))
    report.imported += len(created)
    report.changed_lead_ids.extend(lead.id for _, lead in created)
    db.session.flush()


def export_rows() -> Iterable[list[str]]:
    """The header and one row per lead, spreadsheet-safe (see domain.csv_cells)."""
    yield list(EXPORT_COLUMNS)
    for lead in db.session.execute(db.select(Lead).order_by(Lead.id).execution_options(yield_per=1000)).scalars():
        row = lead_to_row(lead_values(lead))
        flags = ";".join(sorted({s["code"] for s in lead.risk_signals or [] if s["weight"] < 0}))
        yield ([str(lead.id)] + [protect(row[name]) for name in LEAD_COLUMNS]
               + [lead.status, _text(lead.cluster_id), _text(lead.risk_score), flags, lead.marketplace_ref])


def _text(value) -> str:
    return "" if value is None else str(value)


def export_clusters(stream: IO[str]) -> int:
    """external_id, lead_id, cluster for every lead: leads resolved to one supplier share a cluster."""
    writer = csv.writer(stream)
    writer.writerow(["external_id", "lead_id", "cluster"])
    count = 0
    for external_id, lead_id, cluster_id in db.session.execute(
            db.select(Lead.external_id, Lead.id, Lead.cluster_id).order_by(Lead.id).execution_options(yield_per=5000)):
        writer.writerow([protect(external_id or ""), lead_id, cluster_id if cluster_id is not None else lead_id])
        count += 1
    return count


def export_leads(stream: IO[str]) -> int:
    writer = csv.writer(stream)
    count = -1  # the header row is not a lead
    for row in export_rows():
        writer.writerow(row)
        count += 1
    return count


def export_csv_text() -> str:
    buffer = io.StringIO()
    export_leads(buffer)
    return buffer.getvalue()
