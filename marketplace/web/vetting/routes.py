
from urllib.parse import parse_qs, urlsplit

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from ...domain.catalog import PRODUCT_CATEGORIES, SUPPLIER_TYPES, translated
from ...domain.dashboard import AGE_BUCKETS, AGE_FILTERS, WEEK
from ...domain.errors import Conflict
from ...domain.formatting import ratio as show_ratio
from ...domain.four_eyes import ACTION_WORDS, TOGETHER
from ...domain.i18n import N_, _, format_time_of_day, ngettext
from ...domain.imports import BATCH_STATUSES, template_text
from ...domain.lead_status import (
    ACTIONS,
    APPROVED,
    LEAD_STATUSES,
    PROCESSING_STATES,
    SUBMITTED,
    TextRefused,
    TransitionError,
)
from ...domain.leads import LEAD_COLUMNS, LEAD_EXAMPLE
from ...domain.redirects import safe_next
from ...domain.reference import price_over_ceiling
from ...domain.scoring import FLAG_LABELS
from ...extensions import db
from ...models import DuplicatePair, Lead, User
from ...models.base import utcnow
from ...services import audit, held, imports, leads, matches, vetting
from ..access import staff_required
from ..forms import choices
from .forms import ActionForm, ClusterDecisionForm, DecisionForm, ImportForm, MergeForm

bp = Blueprint("vetting", __name__, url_prefix="/staff")


# The queue's filters: code -> label (marked with N_, translated where shown).
CLAIM_FILTERS = {"mine": N_("Claimed by me"), "unclaimed": N_("Not claimed")}
WAITING_FILTERS = {"answered": N_("Supplier answered"), "second": N_("Awaiting second approval")}
# The age filter (the dashboard's backlog bars and "this week" link here): code -> "Received ...".
AGE_LABELS = {code: text for code, text, _low, _high in (*AGE_BUCKETS, WEEK)}


def queue_filter(args) -> vetting.QueueFilter:
    """The queue's filter from its query string (the page's own, or the one carried to a lead
    page). Filters take only the values the form offers (anything else, NUL included, is no
    filter), and the search drops control characters: hostile query strings are no database errors."""
    return vetting.QueueFilter(
        status=args.get("status") if args.get("status") in ("open", "all", *dict(LEAD_STATUSES)) else "open",
        category=args.get("category") if args.get("category") in dict(PRODUCT_CATEGORIES) else None,
        supplier_type=args.get("supplier_type") if args.get("supplier_type") in dict(SUPPLIER_TYPES) else None,
        flag=args.get("flag") if args.get("flag") in FLAG_LABELS else None,
        processing=args.get("processing") if args.get("processing") in ("pending", "failed", "done") else None,
        age=args.get("age") if args.get("age") in AGE_FILTERS else None,
        free=args.get("free") == "1",
        search="".join(c for c in args.get("q") or "" if c.isprintable()).strip()[:100] or None,
        sort=args.get("sort") if args.get("sort") in vetting.SORTS else "best",
        claim=args.get("claim") if args.get("claim") in CLAIM_FILTERS else None,
        waiting=args.get("waiting") if args.get("waiting") in WAITING_FILTERS else None,
        viewer_id=current_user.id,
    )


def queue_url(value: str | None) -> str | None:
    """``value`` if it is a local link to the vetting queue (domain.redirects.safe_next, then the
    queue's own path), else None: the queue a lead page carries comes back from the browser."""
    target = safe_next(value, default="")
    path = url_for("vetting.leads_list")
    if not target or urlsplit(target).path != path:
        return None
    return target


def queue_filter_of(url: str) -> vetting.QueueFilter:
    return queue_filter(MultiDict(parse_qs(urlsplit(url).query)))


def _lead_link(lead_id: int, queue: str | None) -> str:
    return url_for("vetting.lead_page", lead_id=lead_id, queue=queue) if queue else url_for("vetting.lead_page", lead_id=lead_id)


def _go_next(lead: Lead, queue: str | None):
    """To the lead after ``lead`` in the queue ``queue``, or back to the queue at its end."""
    if not queue:
        return redirect(url_for("vetting.lead_page", lead_id=lead.id))
    following = vetting.next_in_queue(queue_filter_of(queue), lead)
    if following is None:
        flash(_("That was the last lead of this queue."), "info")
        return redirect(queue)
    return redirect(_lead_link(following.id, queue))


@bp.get("/leads")
@staff_required
def leads_list():
    """The vetting queue: ranked, filterable, read page by page with a cursor (fast at any depth)."""
    args = request.args
    flt = queue_filter(args)
    rows, next_cursor, total = vetting.queue_page(flt, after=args.get("after") or None,
                                                   per_page=current_app.config["ITEMS_PER_PAGE"])
    # Never url_for's own keywords (endpoint, _external, _scheme, ...) in the paging links.
    base_args = {k: v for k, v in args.items()
                 if k != "after" and v and k != "endpoint" and not k.startswith("_")}
    # The queue as it is now (order, filter, page): carried to each lead for "save and next".
    here = url_for("vetting.leads_list", **base_args, **({"after": args["after"]} if args.get("after") else {}))
    return render_template("vetting/leads.html", rows=rows, next_cursor=next_cursor, total=total, flt=flt,
                           base_args=base_args, statuses=translated(LEAD_STATUSES),
                           categories=translated(PRODUCT_CATEGORIES), supplier_types=translated(SUPPLIER_TYPES),
                           flags=FLAG_LABELS, sorts=vetting.SORTS,
                           counts=vetting.processing_counts(), count_cap=vetting.COUNT_CAP, here=here,
                           claim_filters=CLAIM_FILTERS, waiting_filters=WAITING_FILTERS, ages=AGE_LABELS,
                           claims={lead.id: vetting.live_claim(lead) for lead in rows},
                           answered=vetting.answered_ids([lead.id for lead in rows]),
                           # the units free of matches: the column the dashboard's free supply sums
                           free=held.free_units_of(rows) if flt.free or flt.status == APPROVED else None)


@bp.get("/leads/<int:lead_id>")
@staff_required
def lead_page(lead_id: int):
    """One lead for staff: its data, duplicates, cluster, messages, matches, history and actions."""
    lead = leads.lead_for(current_user, lead_id)
    queue = queue_url(request.args.get("queue"))
    return _lead_page(lead, queue, DecisionForm(queue=queue or ""))


def _lead_page(lead: Lead, queue: str | None, decision_form: DecisionForm,
               cluster_form: ClusterDecisionForm | None = None, merge_form: MergeForm | None = None):
    """The lead page with ``decision_form`` (and ``cluster_form``, ``merge_form``) as given: fresh,
    or refused with its message beside the field (a text box takes the cursor; otherwise the
    form's error summary does)."""
    cluster = vetting.cluster_members(lead)
    together = {other.id: vetting.together_for(other, current_user) for other in vetting.cluster_open([lead, *cluster])}
    if cluster_form is None:
        ticked = [lead.id] if lead.id in together and together[lead.id].selectable else []
        cluster_form = ClusterDecisionForm(formdata=None, data={"cluster_leads": ticked})  # this lead ticked
    _offer_together(cluster_form, together)
    return render_template("vetting/lead.html", lead=lead, pairs=vetting.lead_pairs(lead),
                           cluster=cluster, messages=vetting.messages(lead),
                           history=audit.history_for("lead", lead.id, current_user),
                           matches=matches.matches_list(lead_id=lead.id),
                           decisions=vetting.decisions_for(lead, current_user),
                           decision_form=decision_form, action_form=ActionForm(), merge_form=merge_form or MergeForm(),
                           cluster_form=cluster_form, queue=queue,
                           not_choosable=[(i, choice.refusal()) for i, choice in together.items() if not choice.selectable], claim=vetting.live_claim(lead),
                           over_ceiling=_over_ceiling(lead),
                           processing_states={code: _(text) for code, text in PROCESSING_STATES})


def _offer_together(form: ClusterDecisionForm, together: dict) -> None:
    """The cluster form offers what the lead page's rule lets this person decide on each lead
    (vetting.together_for): the leads they may decide (a decision some of them cannot take is
    named beside the lead, with why), and only the decisions one of those leads can take."""
    offered = {i: choice for i, choice in together.items() if choice.selectable}
    form.cluster_leads.choices = choices(
        (i, f"#{i} ({choice.refusal()})" if choice.refusals else f"#{i}") for i, choice in offered.items())
    open_decisions = {name for choice in offered.values() for name in choice.actions}
    form.cluster_action.choices = choices((name, ACTION_WORDS[name]) for name in TOGETHER if name in open_decisions)


@bp.post("/leads/<int:lead_id>/decision")
@staff_required
def decide(lead_id: int):
    """Apply a vetting decision (approve, reject, ask for information...) to a lead; with "then
    the next lead" and the queue it came from, go on to that queue's next lead."""
    lead = leads.lead_for(current_user, lead_id)
    form = DecisionForm()
    queue = queue_url(form.queue.data)
    if form.validate_on_submit():
        try:
            vetting.decide(lead, current_user, form.action.data, form.text.data)
            db.session.commit()
        except TextRefused as exc:
            # Shown again, the message by the text box it is about (and tied to it), the cursor in it.
            form.text.errors = [str(exc)]
            return _lead_page(lead, queue, form)
        except (TransitionError, vetting.DecisionRefused) as exc:
            flash(str(exc), "error")
        else:
            if lead.first_approved_by_id is not None and form.action.data in vetting.APPROVALS:
                flash(_("Your approval of lead #{id} is recorded as the first of two: {reason}. A different "
                        "vetter must approve it too.").format(id=lead.id, reason=vetting.approval_rule(lead).reason()),
                      "success")
            else:
                flash(ACTIONS[form.action.data].done_message(lead.id), "success")
            if form.then_next.data and queue:
                return _go_next(lead, queue)
    elif form.text.errors:  # longer than text.MESSAGE_MAX_LENGTH: shown again, the message by the text box
        return _lead_page(lead, queue, form)
    return redirect(_lead_link(lead.id, queue))


@bp.get("/leads/<int:lead_id>/next")
@staff_required
def next_lead(lead_id: int):
    """Skip to the lead after this one in the queue it was opened from (``?queue=``)."""
    lead = leads.lead_for(current_user, lead_id)
    queue = queue_url(request.args.get("queue"))
    if not queue:
        return redirect(url_for("vetting.leads_list"))
    return _go_next(lead, queue)


@bp.post("/leads/<int:lead_id>/claim")
@staff_required
def claim(lead_id: int):
    """Claim a lead ("I am on it") for LEAD_CLAIM_TTL, or release one's own claim (release=1)."""
    lead = leads.lead_for(current_user, lead_id)
    queue = queue_url(request.form.get("queue"))
    if ActionForm().validate_on_submit():
        if request.form.get("release"):
            vetting.release_claim(lead, current_user)
            db.session.commit()
            flash(_("You released lead #{id}.").format(id=lead.id), "success")
        else:
            try:
                until = vetting.claim(lead, current_user)
            except Conflict as exc:
                db.session.rollback()
                flash(exc.message or _("Please try again."), "error")
            else:
                db.session.commit()
                flash(_("Lead #{id} is yours until {until}.").format(id=lead.id, until=format_time_of_day(until)),
                      "success")
    return redirect(_lead_link(lead.id, queue))


@bp.post("/leads/<int:lead_id>/cluster-decision")
@staff_required
def decide_cluster(lead_id: int):
    """Approve or reject several leads of this lead's supplier cluster at once: each is decided
    on its own (own audit row, own commit, four eyes per lead); the outcome is listed per lead."""
    lead = leads.lead_for(current_user, lead_id)
    queue = queue_url(request.form.get("queue"))
    form = ClusterDecisionForm()
    members = {other.id: other for other in vetting.cluster_open([lead, *vetting.cluster_members(lead)])}
    # Any open lead of the supplier and either decision may be posted: one the person may not take
    # on a lead is refused for that lead, in words (vetting.decide_together).
    form.cluster_leads.choices = choices((other_id, f"#{other_id}") for other_id in members)
    form.cluster_action.choices = choices((name, ACTION_WORDS[name]) for name in TOGETHER)
    if not form.validate_on_submit() or not form.cluster_leads.data:
        message = _("Choose the leads of this supplier to decide (only leads awaiting a decision can be chosen).")
        if form.csrf_token.errors:  # nothing to show beside a field
            flash(message, "error")
            return redirect(_lead_link(lead.id, queue))
        # Shown again with the message beside the leads' boxes (the error summary takes the focus).
        if form.cluster_leads.errors or not form.cluster_leads.data:
            form.cluster_leads.errors = [message]
        return _lead_page(lead, queue, DecisionForm(queue=queue or ""), form)
    if form.cluster_action.data == "reject" and not (form.cluster_text.data or "").strip():
        # Shown again with the message by the reason box (tied to it), the cursor in it.
        form.cluster_text.errors = [_("Please give a reason to reject.")]
        return _lead_page(lead, queue, DecisionForm(queue=queue or ""), form)
    for other_id in sorted(form.cluster_leads.data):
        other = members[other_id]
        try:
            action = vetting.decide_together(other, current_user, form.cluster_action.data, form.cluster_text.data)
            db.session.commit()  # each lead is its own decision: one refused lead undoes no other
        except (TransitionError, vetting.DecisionRefused) as exc:
            flash(_("Lead #{id}: {error}").format(id=other_id, error=exc), "error")
        else:
            if other.first_approved_by_id is not None and action in vetting.APPROVALS:
                flash(_("Lead #{id}: first approval recorded; a different vetter must approve it too.").format(
                    id=other_id), "success")
            else:
                flash(ACTIONS[action].done_message(other_id), "success")
    return redirect(_lead_link(lead.id, queue))


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
            flash(_("Your decision on the pair is saved and will be kept."), "success")
    return redirect(url_for("vetting.lead_page", lead_id=back))


@bp.post("/leads/<int:lead_id>/split")
@staff_required
def split(lead_id: int):
    """Split a lead from its duplicate cluster."""
    lead = leads.lead_for(current_user, lead_id)
    if ActionForm().validate_on_submit():
        unlinked = vetting.split_from_cluster(lead, current_user)
        db.session.commit()
        flash(ngettext("Lead #{id} is split from its cluster ({count} link marked 'different').",
                       "Lead #{id} is split from its cluster ({count} links marked 'different').", unlinked)
              .format(id=lead.id, count=unlinked), "success")
    return redirect(url_for("vetting.lead_page", lead_id=lead.id))


@bp.post("/leads/<int:lead_id>/merge")
@staff_required
def merge(lead_id: int):
    """Say that two leads are the same supplier."""
    lead = leads.lead_for(current_user, lead_id)
    form = MergeForm()
    if not form.validate_on_submit():
        if not form.other_lead_id.errors:  # the CSRF token: nothing to show beside the field
            flash(_("Give the number of the lead to merge with."), "error")
            return redirect(url_for("vetting.lead_page", lead_id=lead.id))
        form.other_lead_id.errors = [_("Give the number of the lead to merge with.")]
        return _lead_page(lead, None, DecisionForm(), merge_form=form)
    other = db.session.get(Lead, form.other_lead_id.data)
    if other is None:
        form.other_lead_id.errors = [_("There is no lead #{id}.").format(id=form.other_lead_id.data)]
    else:
        try:
            vetting.merge_leads(lead, other, current_user)
        except TransitionError as exc:  # raised before writing; about the lead number given
            form.other_lead_id.errors = [str(exc)]
        else:
            db.session.commit()
            flash(_("Leads #{id} and #{other} are now one supplier.").format(id=lead.id, other=other.id), "success")
            return redirect(url_for("vetting.lead_page", lead_id=lead.id))
    # Shown again with the message beside the lead number (the error summary takes the focus).
    return _lead_page(lead, None, DecisionForm(), merge_form=form)


@bp.post("/leads/<int:lead_id>/reprocess")
@staff_required
def reprocess(lead_id: int):
    """Queue a lead to be processed again."""
    lead = leads.lead_for(current_user, lead_id)
    if ActionForm().validate_on_submit():
        vetting.retry_processing(lead, current_user)
        db.session.commit()
        flash(_("The lead is queued to be processed again."), "success")
    return redirect(url_for("vetting.lead_page", lead_id=lead.id))


@bp.route("/import", methods=["GET", "POST"])
@staff_required
def import_leads():
    """Upload a CSV file of leads: it is kept and read by a background job (services.imports);
    the answer is the import's progress page. The same file again answers with its first import."""
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        if not upload or not upload.filename:
            form.file.errors = [_("Choose a CSV file to import.")]
        else:
            data = upload.stream.read(current_app.config["MAX_CSV_BYTES"] + 1)
            if len(data) > current_app.config["MAX_CSV_BYTES"]:
                form.file.errors = [_("The file is too large; split it into smaller files.")]
            else:
                return _start_import(data, upload.filename, form.encoding.data or None)
    return render_template("vetting/import.html", form=form, columns=LEAD_COLUMNS,
                           batches=imports.recent(current_user),
                           max_rows=current_app.config["IMPORT_MAX_ROWS"],
                           max_mb=current_app.config["MAX_CSV_BYTES"] // (1024 * 1024),
                           statuses={code: _(text) for code, text in BATCH_STATUSES})


@bp.get("/import/template.csv")
@staff_required
def lead_template():
    """The lead import's CSV template: LEAD_COLUMNS as the header and one example row."""
    return Response(template_text(LEAD_COLUMNS, LEAD_EXAMPLE), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=leads-template.csv"})


def _start_import(data: bytes, file_name: str, encoding: str | None):
    user_id = current_user.id
    stored_name, new = None, False
    try:
        batch, new = imports.start(data, file_name, uploader=current_user, lead_status=SUBMITTED,
                                   encoding=encoding)
        stored_name = batch.stored_name if new else None
        location = url_for("imports.batch_page", batch_id=batch.id)  # taken before the commit
        db.session.commit()
    except IntegrityError:  # the same file, started meanwhile (a double click): answer with that import
        db.session.rollback()
        if stored_name:
            imports.discard(stored_name)  # (start() discards its file itself if its own insert fails)
        batch = imports.existing(data, db.session.get(User, user_id), SUBMITTED, encoding)
        if batch is None:
            raise
        location, new = url_for("imports.batch_page", batch_id=batch.id), False
    except BaseException:
        db.session.rollback()
        if stored_name:
            imports.discard(stored_name)
        raise
    flash(_("The file is saved and being imported; this page shows how far it got.") if new else
          _("This file was given to import before: here is that import (the same file is not imported twice)."),
          "success" if new else "info")
    return redirect(location)


@bp.get("/leads.csv")
@staff_required
def export_leads():
    """Download every lead as CSV."""
    name = f"leads-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(leads.export_csv_text(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _over_ceiling(lead) -> str | None:
    """How many times the reference the lead's price is ("3.43x") when over the legal ceiling
    (reference.price_over_ceiling: approving it needs a justification), else None."""
    over = price_over_ceiling(lead.product_category, lead.unit_price)
    return show_ratio(over) if over is not None else None
