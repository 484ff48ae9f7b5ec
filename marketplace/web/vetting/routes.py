
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...domain.catalog import PRODUCT_CATEGORIES, SUPPLIER_TYPES, label
from ...domain.lead_status import LEAD_STATUSES, TransitionError, available_actions
from ...domain.leads import LEAD_COLUMNS
from ...domain.scoring import FLAG_LABELS
from ...extensions import db
from ...models import DuplicatePair, Lead
from ...models.base import utcnow
from ...services import audit, leads, matches, vetting
from ..access import staff_required
from .forms import ActionForm, DecisionForm, ImportForm, MergeForm

bp = Blueprint("vetting", __name__, url_prefix="/staff")


@bp.get("/leads")
@staff_required
def leads_list():
    """The vetting queue: ranked, filterable, read page by page with a cursor (fast at any depth)."""
    args = request.args
    # Filters take only the values the form offers (anything else, NUL included, is no filter),
    # and the search drops control characters: hostile query strings are no database errors.
    flt = vetting.QueueFilter(
        status=args.get("status") if args.get("status") in ("open", "all", *dict(LEAD_STATUSES)) else "open",
        category=args.get("category") if args.get("category") in dict(PRODUCT_CATEGORIES) else None,
        supplier_type=args.get("supplier_type") if args.get("supplier_type") in dict(SUPPLIER_TYPES) else None,
        flag=args.get("flag") if args.get("flag") in FLAG_LABELS else None,
        processing=args.get("processing") or None,
        search="".join(c for c in args.get("q") or "" if c.isprintable()).strip()[:100] or None,
        sort=args.get("sort") if args.get("sort") in vetting.SORTS else "best",
    )
    rows, next_cursor, total = vetting.queue_page(flt, after=args.get("after") or None,
                                                   per_page=current_app.config["ITEMS_PER_PAGE"])
    # Never url_for's own keywords (endpoint, _external, _scheme, ...) in the paging links.
    base_args = {k: v for k, v in args.items()
                 if k != "after" and v and k != "endpoint" and not k.startswith("_")}
    return render_template("vetting/leads.html", rows=rows, next_cursor=next_cursor, total=total, flt=flt,
                           base_args=base_args, statuses=LEAD_STATUSES, categories=PRODUCT_CATEGORIES,
                           supplier_types=SUPPLIER_TYPES, flags=FLAG_LABELS, sorts=vetting.SORTS,
                           counts=vetting.processing_counts(), count_cap=vetting.COUNT_CAP,
                           answered=vetting.answered_ids([lead.id for lead in rows]))


@bp.get("/leads/<int:lead_id>")
@staff_required
def lead_page(lead_id: int):
    """One lead for staff: its data, duplicates, cluster, messages, matches, history and actions."""
    lead = leads.lead_for(current_user, lead_id)
    return render_template("vetting/lead.html", lead=lead, pairs=vetting.lead_pairs(lead),
                           cluster=vetting.cluster_members(lead), messages=vetting.messages(lead),
                           history=audit.history_for("lead", lead.id, current_user),
                           matches=matches.matches_list(lead_id=lead.id),
                           actions=available_actions(lead.status, current_user.role),
                           decision_form=DecisionForm(), action_form=ActionForm(), merge_form=MergeForm())


@bp.post("/leads/<int:lead_id>/decision")
@staff_required
def decide(lead_id: int):
    """Apply a vetting decision (approve, reject, ask for information...) to a lead."""
    lead = leads.lead_for(current_user, lead_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            status = vetting.decide(lead, current_user, form.action.data, form.text.data)
            db.session.commit()
        except (TransitionError, vetting.DecisionRefused) as exc:
            flash(str(exc), "error")
        else:
            flash(f"Lead #{lead.id} is now {label(LEAD_STATUSES, status).lower()}.", "success")
    return redirect(url_for("vetting.lead_page", lead_id=lead.id))


@bp.post("/pairs/<int:pair_id>")
@staff_required
def decide_pair(pair_id: int):
    """Record a vetter's 'same' or 'different' on a pair of possible duplicates."""
    pair = db.session.get(DuplicatePair, pair_id) or abort(404)
    back = request.form.get("lead_id", type=int)
    back = back if back in (pair.lead_id, pair.other_id) else pair.lead_id
    if ActionForm().validate_on_submit():
        try:
            vetting.decide_pair(pair, current_user, request.form.get("decision", ""))
        except TransitionError as exc:  # raised before writing
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash("Your decision on the pair is saved and will be kept.", "success")
    return redirect(url_for("vetting.lead_page", lead_id=back))


@bp.post("/leads/<int:lead_id>/split")
@staff_required
def split(lead_id: int):
    """Split a lead from its duplicate cluster."""
    lead = leads.lead_for(current_user, lead_id)
    if ActionForm().validate_on_submit():
        unlinked = vetting.split_from_cluster(lead, current_user)
        db.session.commit()
        flash(f"Lead #{lead.id} is split from its cluster ({unlinked} link(s) marked 'different').", "success")
    return redirect(url_for("vetting.lead_page", lead_id=lead.id))


@bp.post("/leads/<int:lead_id>/merge")
@staff_required
def merge(lead_id: int):
    """Say that two leads are the same supplier."""
    lead = leads.lead_for(current_user, lead_id)
    form = MergeForm()
    if form.validate_on_submit():
        other = db.session.get(Lead, form.other_lead_id.data)
        if other is None:
            flash(f"There is no lead #{form.other_lead_id.data}.", "error")
        else:
            try:
                vetting.merge_leads(lead, other, current_user)
            except TransitionError as exc:  # raised before writing
                flash(str(exc), "error")
            else:
                db.session.commit()
                flash(f"Leads #{lead.id} and #{other.id} are now one supplier.", "success")
    else:
        flash("Give the number of the lead to merge with.", "error")
    return redirect(url_for("vetting.lead_page", lead_id=lead.id))


@bp.post("/leads/<int:lead_id>/reprocess")
@staff_required
def reprocess(lead_id: int):
    """Queue a lead to be processed again."""
    lead = leads.lead_for(current_user, lead_id)
    if ActionForm().validate_on_submit():
        vetting.retry_processing(lead, current_user)
        db.session.commit()
        flash("The lead is queued to be processed again.", "success")
    return redirect(url_for("vetting.lead_page", lead_id=lead.id))


@bp.route("/import", methods=["GET", "POST"])
@staff_required
def import_leads():
    """Import leads from an uploaded CSV file and show the report."""
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
            else:
                report = leads.import_file(data, lambda stream: leads.import_leads(stream, actor_id=current_user.id),
                                           form.encoding.data or None)
                db.session.commit()  # a refused file wrote nothing; rejected rows were rolled back
    return render_template("vetting/import.html", form=form, report=report, columns=LEAD_COLUMNS)


@bp.get("/leads.csv")
@staff_required
def export_leads():
    """Download every lead as CSV."""
    name = f"leads-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(leads.export_csv_text(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
