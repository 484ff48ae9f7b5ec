"""Matches, for every party: the buyer's organisation, the supplier who owns the lead, and staff.
What each sees and may do is decided in services.matches and domain.match_status."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...domain.catalog import PRODUCT_CATEGORIES, STAFF_ROLES
from ...domain.facility import delivery_place
from ...domain.i18n import _, format_day
from ...domain.match_status import MATCH_ACTIONS, MATCH_STATUSES, MatchTransitionError
from ...extensions import db
from ...services import audit, demand, matches
from ..access import role_required
from ..forms import attach_errors, page_number
from .forms import MatchActionForm

bp = Blueprint("matches", __name__, url_prefix="/matches")
ALL_ROLES = ("supplier", "buyer", "vetter", "admin")


@bp.get("/")
@role_required(*ALL_ROLES)
def index():
    """The matches the signed-in user is party to (all, for staff), optionally by status."""
    status = request.args.get("status")
    status = status if status in ("active", *dict(MATCH_STATUSES)) else None
    category = request.args.get("category")
    category = category if category in dict(PRODUCT_CATEGORIES) else None
    scope = {"buyer": {"organisation_id": current_user.organisation_id or -1},
             "supplier": {"lead_owner_id": current_user.id}}.get(current_user.role, {})
    pagination = matches.matches_page(request.args.get("page", 1, type=page_number),
                                       current_app.config["ITEMS_PER_PAGE"], status=status,
                                       category=category, **scope)
    return render_template("matches/list.html", pagination=pagination, status=status, category=category)


@bp.get("/<int:match_id>")
@role_required(*ALL_ROLES)
def detail(match_id: int):
    """One match: its terms, the actions open to this party, contacts where allowed, and history."""
    match, party = matches.match_for(current_user, match_id)
    return _detail(match, party, MatchActionForm(party=party))


def _detail(match, party: str, form: MatchActionForm, status: int = 200):
    return render_template(
        "matches/detail.html", match=match, party=party, form=form,
        actions=matches.actions_for(current_user, match, party),
        refusal=matches.refusal_for(current_user, match, party),
        show_contacts=matches.buyer_sees_contacts(current_user, match),
        show_buyer=party in STAFF_ROLES or (party == "supplier" and matches.supplier_sees_buyer(match)),
        buyers=matches.buyers_of(match.demand), delivery=_delivery(match),
        history=audit.history_for("match", match.id, current_user)), status


def _delivery(match):
    r, o = match.demand, match.demand.organisation
    return delivery_place(r.postal_code, o.street, o.city, o.state, o.postal_code)


@bp.post("/<int:match_id>/act")
@role_required(*ALL_ROLES)
def act(match_id: int):
    """Take one step of a match's lifecycle (accept, decline, order, deliver, close, the delivery
    date). A step refused for one of its fields (no reason to decline, no close reason, a delivery
    date that cannot be accepted) shows the page again with the message beside that field."""
    match, party = matches.match_for(current_user, match_id)
    form = MatchActionForm(party=party, today=demand.today())
    if form.validate_on_submit():
        try:
            matches.act_on_match(match, current_user, form.action.data or "", reason=form.reason.data,
                                 close_reason=form.close_reason.data or None, delivery_on=form.delivery_day)
        except MatchTransitionError as exc:  # raised before writing, or after rolling back
            if exc.field:  # shown again with the message beside the field it is about
                attach_errors(form, {exc.field: str(exc)})
                return _detail(match, party, form)
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(MATCH_ACTIONS[form.action.data].done_message(match.id, format_day(match.delivery_on),
                                                               day_given=form.delivery_day is not None), "success")
    elif form.reason.errors or form.close_reason.errors or form.delivery_on.errors:
        return _detail(match, party, form)
    else:
        flash(_("The form could not be read; please try again."), "error")
    return redirect(url_for("matches.detail", match_id=match.id))
