import io

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user

from ..access import role_required
from ..domain.catalog import PRODUCT_CATEGORIES
from ..domain.lead_status import LEAD_STATUSES
from ..domain.leads import LEAD_COLUMNS
from ..forms import page_number
from ..models.base import utcnow
from ..services import leads
from .forms import ImportForm

bp = Blueprint("vetting", __name__, url_prefix="/staff")


@bp.get("/leads")
@role_required("vetter", "admin")
def leads_list():
    page = request.args.get("page", 1, type=page_number)
    status = request.args.get("status") or None
    category = request.args.get("category") or None
    search = (request.args.get("q") or "").strip()[:100] or None
    pagination = leads.staff_leads(page, current_app.config["ITEMS_PER_PAGE"], status=status,
                                   category=category, search=search)
    return render_template("vetting/leads.html", pagination=pagination, statuses=LEAD_STATUSES,
                           categories=PRODUCT_CATEGORIES, status=status, category=category, q=search or "")


def decode_upload(data: bytes) -> str:
    """CSV files come from Excel (cp1252 on Windows) as often as from anything UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


@bp.route("/import", methods=["GET", "POST"])
@role_required("vetter", "admin")
def import_leads():
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        if not upload or not upload.filename:
            form.file.errors = ["Choose a CSV file to import."]
        else:
            data = upload.stream.read(current_app.config["MAX_CSV_BYTES"] + 1)
            if len(data) > current_app.config["MAX_CSV_BYTES"]:
                form.file.errors = ["The file is too large; split it into smaller files."]
            elif b"\x00" in data[:4096]:
                form.file.errors = ["This is not a CSV text file."]
            else:
                report = leads.import_leads(io.StringIO(decode_upload(data), newline=""), actor_id=current_user.id)
    return render_template("vetting/import.html", form=form, report=report, columns=LEAD_COLUMNS)


@bp.get("/leads.csv")
@role_required("vetter", "admin")
def export_leads():
    name = f"leads-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(leads.export_csv_text(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
