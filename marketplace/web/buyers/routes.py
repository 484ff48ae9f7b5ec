from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...domain.catalog import FACILITY_TYPES
from ...domain.demand import STATUS_OPEN, demand_to_row
from ...domain.errors import Conflict, FieldError
from ...domain.facility import parse_facility
from ...domain.i18n import _, format_day, ngettext
from ...domain.organisations import JOIN_PENDING
from ...domain.quotes import request_overdue
from ...extensions import db, limiter
from ...services import audit, demand, matches, organisations, quotes
from .. import once
from ..access import role_required
from ..forms import attach_errors, page_number
from ..joins import JoinDecisionForm, decide_join_at, joins_page
from .forms import ConfirmForm, DemandForm, ExtendForm, OrganisationForm

bp = Blueprint("buyers", __name__, url_prefix="/buyer")


def _per_user() -> str:
    return f"user:{current_user.id}"


@bp.get("/")
@role_required("buyer")
def home():
    """The buyer's home: their organisation's requests."""
    return _home()


@bp.get("/requests")
@role_required("buyer")
def requests_list():
    """The menu's "My requests": the organisation's requests with their status, one page at a time
    (the home shows them too, beside the organisation and the proposals waiting for an answer)."""
    may_post = demand.may_post(current_user)
    return render_template("buyers/requests.html", organisation=current_user.organisation, may_post=may_post,
                           refusal=None if may_post else demand.refusal(current_user), **_requests_page())


def _requests_page() -> dict:
    """One page (``?page=``) of the buyer's organisation's requests for the requests table
    (_requests.html: requests_table): pagination (None without an organisation) and the state
    of each request (its status and matched units)."""
    organisation = current_user.organisation
    page = request.args.get("page", 1, type=page_number)
    pagination = (demand.organisation_requests(organisation.id, page, current_app.config["ITEMS_PER_PAGE"])
                  if organisation else None)
    states = demand.request_states(list(pagination.items)) if pagination else {}
    return {"pagination": pagination, "states": states}


def _home(organisation_form: OrganisationForm | None = None):
    """The home page; ``organisation_form`` as given when naming the organisation was refused
    (its messages beside its fields and in the error summary)."""
    organisation = current_user.organisation
    proposals = matches.matches_list(organisation_id=organisation.id, status="proposed") if organisation else []
    join = organisations.latest_join(current_user) if organisation is None else None
    may_post = demand.may_post(current_user)
    return render_template("buyers/home.html", organisation=organisation, **_requests_page(),
                           proposals=proposals, may_post=may_post,
                           refusal=None if may_post else demand.refusal(current_user), join=join,
                           organisation_form=(organisation_form or OrganisationForm()) if organisation is None
                           and not (join and join.status == JOIN_PENDING) else None,
                           **joins_page(), decision_form=JoinDecisionForm())


@bp.post("/organisation")
@role_required("buyer")
@limiter.limit(lambda: current_app.config["SUBMIT_LIMIT"], key_func=_per_user)
def name_organisation():
    """A buyer without an organisation names theirs: a new one, or a request to join an existing
    one of the same or a close name (the registration's rule)."""
    form = OrganisationForm()
    facility, problems = parse_facility(form.facility_data())
    if form.validate_on_submit() and not problems:
        join = organisations.place_buyer(current_user, form.organisation_name.data, form.organisation_kind.data,
                                         facility=facility)
        asked = join.organisation.name if join else None
        db.session.commit()
        flash(_("Your request to join “{organisation}” waits for approval by its members or city staff.").format(
            organisation=asked) if asked else _("Your organisation is registered. City staff will verify it."), "info")
    else:
        attach_errors(form, problems)  # beside their fields, with the form's own
        return _home(form)
    return redirect(url_for("buyers.home"))


@bp.post("/joins/<int:join_id>")
@role_required("buyer")
def decide_join(join_id: int):
    """A buyer of a verified organisation approves or refuses a request to join it."""
    return decide_join_at(join_id, url_for("buyers.home"))


@bp.route("/requests/new", methods=["GET", "POST"])
@role_required("buyer")
@limiter.limit(lambda: current_app.config["SUBMIT_LIMIT"], methods=["POST"], key_func=_per_user)
def new_request():
    """Post a new demand request (verified organisations only)."""
    if not demand.may_post(current_user):
        flash(demand.refusal(current_user), "error")
        return redirect(url_for("buyers.home"))
    form = DemandForm(today=demand.today())
    if request.method == "GET" and current_user.organisation.kind in dict(FACILITY_TYPES):
        form.facility_type.data = current_user.organisation.kind
    if form.validate_on_submit():
        token = form.submission_token.data
        if (earlier := once.already_received(token)) is not None:
            return earlier  # a retry: the first POST with this token stored the request
        request_id = demand.create_request(form.clean, buyer=current_user).id
        return once.commit_once(
            token, "request", request_id, url_for("buyers.request_detail", request_id=request_id),
            _("Your request #{id} is posted. You will be told here and by e-mail when supplies are proposed.").format(
                id=request_id))
    return render_template("buyers/request_form.html", form=form, demand_request=None)


def _form_data(demand_request) -> dict:
    data = demand_to_row(demand.form_values(demand_request))
    data["substitutes"] = list(demand_request.substitutes or [])  # the form ticks boxes, not text
    return data


@bp.route("/requests/<int:request_id>/edit", methods=["GET", "POST"])
@role_required("buyer")
def edit_request(request_id: int):
    """Edit an open request of the buyer's organisation."""
    demand_request = demand.request_for(current_user, request_id, edit=True)  # Forbidden, saying why, if unverified
    form = DemandForm(data=_form_data(demand_request) if request.method == "GET" else None, today=demand.today())
    if form.validate_on_submit():
        form.clean["external_id"] = demand_request.external_id
        try:
            changed = demand.update_request(demand_request, form.clean, actor=current_user)
        except demand.DemandError as exc:
            form.quantity.errors = list(form.quantity.errors) + [str(exc)]
        else:
            db.session.commit()
            flash(_("Your changes are saved.") if changed else _("Nothing was changed."),
                  "success" if changed else "info")
            return redirect(url_for("buyers.request_detail", request_id=demand_request.id))
    return render_template("buyers/request_form.html", form=form, demand_request=demand_request)


@bp.get("/requests/<int:request_id>")
@role_required("buyer")
def request_detail(request_id: int):
    """One request for its buyer: matched units, matches and history."""
    demand_request = demand.request_for(current_user, request_id)
    may_act = demand.may_post(current_user)  # an unverified organisation reads; it changes nothing
    state = demand.request_states([demand_request])[demand_request.id]  # fulfilled: nothing to end
    return render_template(
        "buyers/request_detail.html", demand_request=demand_request, state=state,
        matches=matches.matches_list(demand_id=demand_request.id),
        withdraw_form=ConfirmForm() if state.code == STATUS_OPEN and may_act else None,
        overdue=state.code == STATUS_OPEN and request_overdue(demand_request.needed_by, demand.today()),
        refusal=None if may_act else demand.refusal(current_user),
        history=audit.history_for("demand", demand_request.id, current_user))


@bp.route("/requests/<int:request_id>/extend", methods=["GET", "POST"])
@role_required("buyer")
def extend_request(request_id: int):
    """An overdue request (past its needed-by date, out of matching): set a new needed-by date, or
    close the rest (the close_rest button). Buyers of the request's verified organisation."""
    demand_request = demand.request_for(current_user, request_id, edit=request.method == "POST")
    form = ExtendForm()
    if form.validate_on_submit():
        try:
            needed_by = quotes.extend_request(demand_request, form.needed_by.data, actor=current_user)
        except FieldError as exc:
            form.needed_by.errors = [*form.needed_by.errors, str(exc)]
        except (Conflict, demand.DemandError) as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Request #{id} is needed by {day} now; it is matched again.").format(
                id=demand_request.id, day=format_day(needed_by)), "success")
            return redirect(url_for("buyers.request_detail", request_id=demand_request.id))
    may_act = demand_request.status == STATUS_OPEN and demand.may_post(current_user)
    return render_template("buyers/extend_request.html", demand_request=demand_request, form=form,
                           close_form=ConfirmForm() if may_act else None, may_act=may_act,
                           overdue=request_overdue(demand_request.needed_by, demand.today()),
                           refusal=None if demand.may_post(current_user) else demand.refusal(current_user))


@bp.post("/requests/<int:request_id>/withdraw")
@role_required("buyer")
def withdraw(request_id: int):
    """Withdraw an open request; unaccepted proposals are closed."""
    demand_request = demand.request_for(current_user, request_id, edit=True)
    if ConfirmForm().validate_on_submit():
        try:
            closed = demand.withdraw_request(demand_request, actor=current_user)
        except demand.DemandError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(ngettext("Request #{id} is withdrawn; {count} proposal closed.",
                           "Request #{id} is withdrawn; {count} proposals closed.", closed).format(
                id=demand_request.id, count=closed) if closed
                else _("Request #{id} is withdrawn.").format(id=demand_request.id), "success")
    return redirect(url_for("buyers.request_detail", request_id=demand_request.id))


@bp.post("/requests/<int:request_id>/close")
@role_required("buyer")
def close_rest(request_id: int):
    """Close the rest of an open request ("no longer needed"): unaccepted proposals are closed,
    accepted matches go on; the request shows "closed, N of M delivered"."""
    demand_request = demand.request_for(current_user, request_id, edit=True)
    if ConfirmForm().validate_on_submit():
        try:
            closed = demand.withdraw_request(demand_request, actor=current_user, rest_only=True)
        except demand.DemandError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(ngettext("Request #{id} is closed: the rest is no longer needed; {count} proposal closed.",
                           "Request #{id} is closed: the rest is no longer needed; {count} proposals closed.",
                           closed).format(id=demand_request.id, count=closed) if closed
                else _("Request #{id} is closed: the rest is no longer needed.").format(id=demand_request.id),
                "success")
    return redirect(url_for("buyers.request_detail", request_id=demand_request.id))
