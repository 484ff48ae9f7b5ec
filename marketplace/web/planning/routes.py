"""Staff pages for demand and allocation: all requests, one request with its candidates, and the
allocation plan (run, review line by line with reasons, release as proposals, export)."""
import io

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...domain import allocation
from ...domain.catalog import PRODUCT_CATEGORIES
from ...domain.demand import DEMAND_COLUMNS, DEMAND_STATUSES, OPTIONAL_DEMAND_COLUMNS, STATUS_OPEN, demand_example
from ...domain.i18n import _, format_integer, ngettext
from ...domain.imports import template_text
from ...domain.match_status import units_left
from ...extensions import db
from ...models import MatchPlan
from ...services import audit, demand, matches, planning, supply
from .. import once
from ..access import staff_required
from ..buyers.forms import ConfirmForm
from ..forms import page_number
from .forms import ProposeForm

bp = Blueprint("planning", __name__, url_prefix="/staff")
PLAN_LINES_SHOWN = 500


@bp.get("/requests")
@staff_required
def requests_list():
    """All demand requests (open by default), with the units already matched to each."""
    status = request.args.get("status", "open")
    status = status if status in dict(DEMAND_STATUSES) else None
    category = request.args.get("category")
    category = category if category in dict(PRODUCT_CATEGORIES) else None
    still_needed = request.args.get("still_needed") == "1"  # the dashboard's "Still needed" (units left > 0)
    pagination = demand.all_requests(status, request.args.get("page", 1, type=page_number),
                                     current_app.config["ITEMS_PER_PAGE"], category=category, still_needed=still_needed)
    states = demand.request_states(list(pagination.items))
    # The units each open request still needs: the column the dashboard's figure sums (one rule).
    left = {r.id: units_left(r.quantity, states[r.id].held) if r.status == STATUS_OPEN else None
            for r in pagination.items}
    return render_template("planning/requests.html", pagination=pagination, status=status, category=category,
                           still_needed=still_needed, categories=PRODUCT_CATEGORIES, states=states, left=left)


@bp.get("/requests/template.csv")
@staff_required
def demand_template():
    """The demand import's CSV template (``flask demand import``): DEMAND_COLUMNS, then the
    optional columns, as the header, and one example row needed two weeks from today."""
    columns = DEMAND_COLUMNS + OPTIONAL_DEMAND_COLUMNS
    return Response(template_text(columns, demand_example(demand.today())), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=demand-template.csv"})


@bp.get("/requests/<int:request_id>")
@staff_required
def request_page(request_id: int):
    """One request for staff: its candidates, matches and history, and the form to propose by hand."""
    return _request_page(demand.request_for(current_user, request_id))


def _request_page(demand_request, refused: ProposeForm | None = None):
    """The request page with one proposal form per candidate (each with its own submission
    token), the quantity the most it may take; ``refused``, the posted form, as its row's form
    with its message beside the units box and in its error summary."""
    state = demand.request_states([demand_request])[demand_request.id]
    held = state.held
    candidates = supply.candidates(demand_request)
    propose_forms = {
        c.lead.id: ProposeForm(formdata=None, data={"quantity": min(c.available, demand_request.quantity - held)})
        .for_lead(c.lead.id) for c in candidates}
    if refused is not None and refused.lead_id.data in propose_forms:
        propose_forms[refused.lead_id.data] = refused.for_lead(refused.lead_id.data)
    elif refused is not None:  # the offer is no candidate any more: its message stays on top
        for message in [*refused.form_errors, *refused.quantity.errors]:
            flash(message, "error")
    return render_template("planning/request.html", demand_request=demand_request,
                           propose_forms=propose_forms, state=state,
                           candidates=candidates,
                           matches=matches.matches_list(demand_id=demand_request.id),
                           history=audit.history_for("demand", demand_request.id, current_user))


@bp.post("/requests/<int:request_id>/propose")
@staff_required
def propose(request_id: int):
    """Propose one candidate offer to a request by hand."""
    demand_request = demand.request_for(current_user, request_id)
    form = ProposeForm()
    if form.validate_on_submit():
        if (earlier := once.already_received(form.submission_token.data)) is not None:
            return earlier  # a retry: the first POST with this token made the proposal
        location = url_for("planning.request_page", request_id=demand_request.id)
        try:
            match = planning.propose(demand_request, form.lead_id.data, form.quantity.data, current_user)
        except planning.ProposalError as exc:
            db.session.rollback()  # nothing was written, but the matching lock is held
            if exc.field is None:
                flash(str(exc), "error")
                return redirect(location)
            form.quantity.errors = [str(exc)]
        else:
            return once.commit_once(form.submission_token.data, "match", match.id, location,
                                    _("Proposed: match #{id}, {units} units. The buyer is told.").format(
                                        id=match.id, units=format_integer(match.quantity)))
    elif not (form.quantity.errors or form.submission_token.errors) or form.lead_id.errors:
        flash(_("Give the number of units to propose, a whole number."), "error")
        return redirect(url_for("planning.request_page", request_id=demand_request.id))
    # Shown again with the message beside the candidate's units box (its error summary takes the focus).
    return _request_page(demand_request, refused=form)


@bp.get("/matching")
@staff_required
def plan_page():
    """The newest allocation plan, line by line with its reasons, and the last failure since."""
    plan = planning.latest_plan()
    return render_template("planning/plan.html", plan=plan, form=ConfirmForm(), failure=planning.failure_since(plan),
                           lines=planning.plan_lines(plan, limit=PLAN_LINES_SHOWN) if plan else [],
                           lines_shown=PLAN_LINES_SHOWN, unfilled=planning.unfilled_urgent(plan),
                           urgent_days=allocation.URGENT_DAYS)


@bp.post("/matching/run")
@staff_required
def run():
    """Ask for a new allocation plan now (computed after the commit)."""
    if ConfirmForm().validate_on_submit():
        planning.request_run(current_user)
        db.session.commit()
        flash(_("A new plan is being computed; this page shows it when it is ready."), "success")
    return redirect(url_for("planning.plan_page"))


@bp.post("/matching/<int:plan_id>/release")
@staff_required
def release(plan_id: int):
    """Release a draft plan: its lines become proposals to buyers."""
    plan = db.session.get(MatchPlan, plan_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            released = planning.release_plan(plan, current_user)
        except planning.ProposalError as exc:
            db.session.rollback()  # nothing was written, but the matching lock is held
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_release_message(released), "success")
    return redirect(url_for("planning.plan_page"))


def _release_message(released: planning.Released) -> str:
    """What releasing a plan did, counted honestly: the proposals no buyer was told of (an
    organisation without an account) are said apart, with where to record their answer."""
    if not released.without_account:
        return ngettext("{count} proposal sent to buyers.", "{count} proposals sent to buyers.",
                        released.total).format(count=format_integer(released.total))
    return ngettext("{count} proposal released: {sent} sent to buyers, {without} for organisations without an "
                    "account — record their answer on the match page.",
                    "{count} proposals released: {sent} sent to buyers, {without} for organisations without an "
                    "account — record their answer on the match page.", released.total).format(
        count=format_integer(released.total), sent=format_integer(released.sent),
        without=format_integer(released.without_account))


@bp.get("/matching/<int:plan_id>.csv")
@staff_required
def export(plan_id: int):
    """Download a plan's lines as CSV."""
    plan = db.session.get(MatchPlan, plan_id) or abort(404)
    buffer = io.StringIO()
    planning.export_plan(plan, buffer)
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=plan-{plan.id}.csv"})
