"""Offers go stale in a crisis (issue 11 item 11): asking suppliers to confirm a quote before it
lapses and buyers whether to extend an overdue request (the sweeper runs ``ask_due``), and the
answers: confirm a quote (optionally with a new price or quantity), withdraw an offer, extend a
request. The dates and rules are domain.quotes'.

Each ask is sent once: the row is marked with the date it is about (``validity_reminded_for``,
``overdue_asked_for``) by a compare-and-set UPDATE in the transaction that adds the notification, so
two sweepers, or a sweep retried after a failure, never ask twice (the second UPDATE matches no row,
and a rolled-back sweep marked nothing and told nobody).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select, update

from ..domain.dates import city_today
from ..domain.demand import STATUS_OPEN, clean_date
from ..domain.errors import Conflict, FieldError, Forbidden, NotFound
from ..domain.i18n import _, format_integer, ngettext
from ..domain.lead_status import (
    APPROVED,
    PROCESSING_PENDING,
    UNDER_REVIEW,
    WITHDRAWABLE,
    WITHDRAWN,
    supplier_may_edit,
)
from ..domain.leads import LeadFacts
from ..domain.messages import fact
from ..domain.quotes import (
    default_valid_until,
    material_change,
    quantity_from_available_now,
    quote_lapsed,
    remind_through,
    units_available_now,
)
from ..extensions import db
from ..models import DemandRequest, Lead, User
from ..models.base import utcnow
from . import audit, effects, settings
from .demand import demand_values, held_units_by_request, today, update_request
from .matches import buyers_of, close_for_lead_withdrawal, close_for_offer_change
from .notifications import notify, resolve
from .planning import latest_plan
from .supply import held_units_of

# The figures a supplier may change when confirming a quote (as parse_lead gives them, per unit).
CONFIRM_FIELDS = ("quantity", "unit_price", "pack_price")


def confirm_link(lead_id: int) -> str:
    """Where a supplier confirms or withdraws the quote of lead ``lead_id``."""
    return f"/leads/{lead_id}/confirm"


def extend_link(request_id: int) -> str:
    """Where a buyer extends or closes the overdue request ``request_id``."""
    return f"/buyer/requests/{request_id}/extend"


# --- The sweeper's asks -----------------------------------------------------------------------


@dataclass
class Asked:
    suppliers: int = 0  # leads whose supplier was asked to confirm the quote
    buyers: int = 0     # overdue requests whose buyers were asked to extend or close


def ask_due(day: date | None = None) -> Asked:
    """Ask every supplier whose approved quote lapses within quotes.REMIND_DAYS_BEFORE days (or
    did) to confirm it, and the buyers of every open request past its needed-by date with units
    still needed whether to extend it, each once per date (see the module). ``day``: the city's
    date (default today). Flushes; the caller (the sweeper) commits."""
    day = day or today()
    return Asked(suppliers=_ask_suppliers(day), buyers=_ask_buyers(day))


def _ask_suppliers(day: date) -> int:
    due = db.session.execute(select(Lead.id, Lead.valid_until).where(
        Lead.status == APPROVED, Lead.owner_id.is_not(None), Lead.valid_until <= remind_through(day),
        or_(Lead.validity_reminded_for.is_(None), Lead.validity_reminded_for != Lead.valid_until))
        .order_by(Lead.id)).all()
    asked = 0
    for lead_id, valid_until in due:
        marked = db.session.execute(
            update(Lead).where(Lead.id == lead_id, Lead.valid_until == valid_until,
                               or_(Lead.validity_reminded_for.is_(None), Lead.validity_reminded_for != valid_until))
            .values(validity_reminded_for=valid_until).execution_options(synchronize_session=False))
        if marked.rowcount != 1:
            continue  # another sweeper asked, or the supplier confirmed meanwhile
        lead = db.session.get(Lead, lead_id)
        notify([lead.owner], fact("quote_confirm", lead_id=lead.id, company=lead.company_name,
                                  valid_until=valid_until.isoformat(), lapsed=quote_lapsed(valid_until, day)),
               confirm_link(lead.id))
        asked += 1
    db.session.flush()
    return asked


def _ask_buyers(day: date) -> int:
    due = db.session.execute(select(DemandRequest).where(
        DemandRequest.status == STATUS_OPEN, DemandRequest.needed_by < day,
        or_(DemandRequest.overdue_asked_for.is_(None), DemandRequest.overdue_asked_for != DemandRequest.needed_by))
        .order_by(DemandRequest.id)).scalars().all()
    held = held_units_by_request([r.id for r in due])
    asked = 0
    for request in due:
        if request.quantity - held.get(request.id, 0) <= 0:
            continue  # every unit is matched: nothing is waiting for a new date
        needed_by = request.needed_by
        marked = db.session.execute(
            update(DemandRequest).where(
                DemandRequest.id == request.id, DemandRequest.needed_by == needed_by,
                or_(DemandRequest.overdue_asked_for.is_(None), DemandRequest.overdue_asked_for != needed_by))
            .values(overdue_asked_for=needed_by).execution_options(synchronize_session=False))
        if marked.rowcount != 1:
            continue
        notify(buyers_of(request), fact("request_overdue", demand_id=request.id, needed_by=needed_by.isoformat(),
                                        category=request.category), extend_link(request.id))
        asked += 1
    db.session.flush()
    return asked


# --- The supplier's answer --------------------------------------------------------------------


def lead_to_confirm(user: User, lead_id: int) -> Lead:
    """The lead whose quote ``user`` may confirm or withdraw: its owner, or staff (who may do it
    after calling the supplier, and for imported leads that have no owner). NotFound otherwise, so
    another supplier's ids reveal nothing."""
    lead = db.session.get(Lead, lead_id)
    if lead is None or not (user.is_staff or (user.role == "supplier" and lead.owner_id == user.id)):
        raise NotFound()
    return lead


def available_now(lead: Lead) -> int:
    """The units of ``lead`` the supplier still has (not delivered yet): what the confirmation's
    quantity shows and takes (domain.quotes.units_available_now)."""
    return units_available_now(lead.quantity, held_units_of(lead.id).delivered)


def may_change_figures(lead: Lead) -> bool:
    """Whether a confirmation may change the price or quantity: an approved offer (re-scored; a
    higher price or more units sends it back to review, confirm_quote) or one its supplier may
    still edit. An offer a vetter is reviewing is confirmed as it is."""
    return lead.status == APPROVED or supplier_may_edit(lead.status)


@dataclass(frozen=True)
class Confirmed:
    """What a confirmation did: the new validity date; whether the offer went back to review (a
    higher price or more units on an approved offer) and how many proposals that withdrew."""
    valid_until: date
    reviewed_again: bool = False
    withdrawn: int = 0


def confirm_quote(lead: Lead, actor: User, figures: LeadFacts | None = None) -> Confirmed:
    """The supplier (or staff for them) confirms price and stock: the quote holds
    quotes.DEFAULT_VALIDITY_DAYS from the city's today and an approved lead is matched again.
    ``figures``: parse_lead's facts of the lead with a new quantity or unit price typed (the lead
    form's checks, figures far from the reference confirmed: web.suppliers.forms.QuoteForm), or
    None to confirm as is. Its ``quantity`` is the stock NOW: units not yet delivered
    (domain.quotes.units_available_now); the offer's quantity becomes it plus the units delivered.

    A higher unit price, or more units, on an APPROVED offer is a material change
    (domain.quotes.material_change): the offer is under review again (its history says why), scored
    again after the commit (so four eyes and stop signals apply to the new figures), its proposals
    not yet accepted are withdrawn ("offer_changed"; buyers told) and the vetter who approved it is
    told. Accepted and ordered matches keep their agreed price. Lower figures confirm as before:
    the offer stays approved, proposals keep the price they were made at.

    Raises Conflict (before writing) for a rejected or withdrawn lead, for changed figures on a lead
    under review, and for a quantity below the units proposed to or accepted by buyers and not
    delivered yet. Flushes; the caller commits."""
    if lead.status not in WITHDRAWABLE:
        raise Conflict(_("This offer is no longer open: there is no quote to confirm."))
    held = held_units_of(lead.id)
    changes = {}
    if figures is not None:
        changes = {name: getattr(figures, name) for name in CONFIRM_FIELDS if name != "quantity"}
        changes["quantity"] = quantity_from_available_now(figures.quantity, held.delivered)
        changes = {name: value for name, value in changes.items() if value != getattr(lead, name)}
    if changes and not may_change_figures(lead):
        raise Conflict(_("City staff are reviewing this offer: confirm it as it is, or answer their questions; "
                         "the price and quantity can change once they have decided."))
    if "quantity" in changes and figures.quantity < held.owed:
        raise Conflict(ngettext("{count} unit of this offer is proposed to or accepted by buyers and not delivered "
                                "yet; the quantity available now cannot be lower.",
                                "{count} units of this offer are proposed to or accepted by buyers and not "
                                "delivered yet; the quantity available now cannot be lower.",
                                held.owed).format(count=format_integer(held.owed)))
    before_status = lead.status
    reviewed_again = before_status == APPROVED and bool(changes) and material_change(
        lead.quantity, lead.unit_price, changes.get("quantity", lead.quantity),
        changes.get("unit_price", lead.unit_price))
    if reviewed_again:
        # Only if no vetter decided meanwhile (as vetting.decide guards its own change).
        moved = db.session.execute(update(Lead).where(Lead.id == lead.id, Lead.status == APPROVED).values(
            status=UNDER_REVIEW, first_approved_by_id=None, first_approved_at=None, claimed_by_id=None,
            claimed_at=None)).rowcount
        if moved != 1:
            db.session.rollback()
            raise Conflict(_("Someone else changed this offer a moment ago; please look again."))
    new_until = default_valid_until(today())
    before = {"valid_until": lead.valid_until.isoformat(), **{name: getattr(lead, name) for name in changes}}
    after = {"valid_until": new_until.isoformat(), **changes}
    for name, value in changes.items():
        setattr(lead, name, value)
    lead.valid_until = new_until
    if changes:
        lead.updated_at = utcnow()
        lead.processing_state = PROCESSING_PENDING  # new figures are scored again
        effects.after_commit("process_lead", lead.id)
    withdrawn = 0
    if reviewed_again:  # under review since the guarded UPDATE above; four eyes starts over
        before["status"], after["status"] = before_status, UNDER_REVIEW
    audit.record(actor.id, "lead.confirm_quote", "lead", lead.id, before=before, after=after)
    if reviewed_again:
        withdrawn = close_for_offer_change(lead, actor)
        _tell_reviewed_again(lead, actor)
        effects.after_commit("refresh_summary")  # the funnel and the backlog moved
        effects.replan("lead_unapproved", lead_id=lead.id)
    elif lead.status == APPROVED:
        effects.replan("lead_confirmed", lead_id=lead.id)
    resolve("quote_confirm", lead_id=lead.id)  # asked to confirm: done
    db.session.flush()
    return Confirmed(new_until, reviewed_again, withdrawn)


def _tell_reviewed_again(lead: Lead, actor: User) -> None:
    """Tell the vetter who approved ``lead`` (the admins when that vetter is gone) that it is under
    review again, and its supplier when staff confirmed for them."""
    message = fact("lead_changed_on_confirm", lead_id=lead.id, company=lead.company_name)
    approver = db.session.get(User, lead.decided_by_id) if lead.decided_by_id else None
    staff = [approver] if approver is not None and approver.active and approver.is_staff else list(
        db.session.execute(select(User).where(User.role == "admin", User.active.is_(True))).scalars())
    notify(staff, message, f"/staff/leads/{lead.id}", exclude=actor)
    notify([lead.owner], message, f"/leads/{lead.id}", exclude=actor)


def withdraw_offer(lead: Lead, actor: User) -> int:
    """The supplier (or staff for them) withdraws the offer: status WITHDRAWN, out of the queue and
    of matching; its proposals not yet accepted close as "no supply" (the buyers are told);
    accepted matches stay. Returns how many proposals were closed. Conflict (before writing) if it
    is rejected or withdrawn already. Flushes; the caller commits."""
    if lead.status not in WITHDRAWABLE:
        raise Conflict(_("This offer is already closed."))
    before = lead.status
    lead.status, lead.updated_at = WITHDRAWN, utcnow()
    lead.claimed_by_id = lead.claimed_at = None
    lead.first_approved_by_id = lead.first_approved_at = None
    audit.record(actor.id, "lead.withdraw", "lead", lead.id, before={"status": before}, after={"status": WITHDRAWN})
    closed = close_for_lead_withdrawal(lead, actor)
    if before == APPROVED:
        effects.replan("lead_withdrawn", lead_id=lead.id)
    resolve("quote_confirm", lead_id=lead.id)  # nothing left to confirm
    db.session.flush()
    return closed


def quote_state(lead: Lead, day: date | None = None) -> str:
    """"lapsed" (out of matching until confirmed), "due" (the supplier was asked: it lapses soon) or
    "valid", for pages (staff see "quote lapsed" on the lead and in the queue)."""
    day = day or today()
    if quote_lapsed(lead.valid_until, day):
        return "lapsed"
    return "due" if lead.valid_until <= remind_through(day) else "valid"


# --- The buyer's answer -----------------------------------------------------------------------


def extend_request(request: DemandRequest, raw_needed_by: str | None, *, actor: User) -> date:
    """Set a new needed-by date on an open request (the form's date rules: demand.clean_date, from
    the city's today); the request is matched again. Raises FieldError with the message for the
    field; Forbidden / Conflict as demand.update_request and for a request that is not open.
    Flushes; the caller commits."""
    if actor.role != "buyer" or actor.organisation_id != request.organisation_id:
        raise Forbidden()
    if request.status != STATUS_OPEN:
        raise Conflict(_("This request is not open."))
    needed_by = clean_date(raw_needed_by, today())
    if needed_by == request.needed_by:
        raise FieldError(_("This is the date the request already has; give a later one."))
    values = {**demand_values(request), "needed_by": needed_by}
    update_request(request, values, actor=actor)
    resolve("request_overdue", demand_id=request.id)  # a new date: done, for every buyer told
    return needed_by



def lapsed_since_last_plan(day: date | None = None) -> bool:
    """Whether the newest plan was computed on an earlier day of the city than ``day`` (default
    today) and, since that day, an approved offer's quote lapsed or an open request passed its
    needed-by date: nothing changed in the data, time did, so the sweeper asks for a new plan
    (the draft may hold units the time took out of matching)."""
    day = day or today()
    plan = latest_plan()
    if plan is None:
        return False
    planned_on = city_date(plan.created_at)
    if planned_on >= day:
        return False
    lapsed = db.session.execute(select(Lead.id).where(
        Lead.status == APPROVED, Lead.valid_until >= planned_on, Lead.valid_until < day).limit(1)).first()
    overdue = db.session.execute(select(DemandRequest.id).where(
        DemandRequest.status == STATUS_OPEN, DemandRequest.needed_by >= planned_on,
        DemandRequest.needed_by < day).limit(1)).first()
    return lapsed is not None or overdue is not None


def city_date(moment) -> date:
    """The city's date at ``moment`` (a stored UTC timestamp)."""
    return city_today(moment, settings.current().city_zone)
