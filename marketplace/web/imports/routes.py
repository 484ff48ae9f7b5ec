"""An import's progress page and its report of rejected rows (issue 10, item 11)."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template
from flask_login import current_user

from ...domain import imports as rules
from ...domain.i18n import _
from ...services import imports
from ..access import staff_required

bp = Blueprint("imports", __name__, url_prefix="/imports")

REJECTED_SHOWN = 100  # on the page; the report has them all


@bp.get("/<int:batch_id>")
@staff_required
def batch_page(batch_id: int):
    """How far an import got: rows read, accepted, rejected, processed; refreshes until done."""
    batch = imports.batch_for(current_user, batch_id)
    processed, to_process = imports.processing_counts(batch)
    reading = batch.status in (rules.QUEUED, rules.RUNNING)
    return render_template("imports/batch.html", batch=batch, processed=processed, to_process=to_process,
                           rejected=imports.rejected_rows(batch, limit=REJECTED_SHOWN), rejected_shown=REJECTED_SHOWN,
                           refresh=reading or (batch.status == rules.DONE and processed < to_process),
                           statuses={code: _(text) for code, text in rules.BATCH_STATUSES})


@bp.get("/<int:batch_id>/rejected.csv")
@staff_required
def rejected_report(batch_id: int):
    """Every rejected row as CSV: row, column, message (spreadsheet-safe)."""
    batch = imports.batch_for(current_user, batch_id)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(imports.report_lines(batch))  # at most IMPORT_MAX_ROWS rows: a few MB
    return Response(buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="import-{batch.id}-rejected.csv"',
        "X-Content-Type-Options": "nosniff"})
