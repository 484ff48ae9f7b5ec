"""Units held and available (issue 4; split from services/matching.py, issue 9 item 5): the
offers and needs the allocation works on, one request's candidates, and the lock that serialises
matching runs and hand proposals.

Time counts too (issue 11 item 11, domain.quotes): an offer whose quote lapsed (valid_until before
the city's today) and a request past its needed-by date leave matching -- the plan, a release and a
hand proposal -- until the supplier confirms or the buyer extends (``in_matching``). Matches they
already have stay.

Units are counted in one way everywhere: a lead's available units are its quantity minus the
units of its matches in HOLDING_STATUSES, and a request's remaining need is its quantity minus
the same. A plan therefore never offers units that a proposal or an accepted match holds.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select, text

from ..domain import allocation, countries
from ..domain.demand import STATUS_OPEN
from ..domain.i18n import _, format_day
from ..domain.lead_status import APPROVED
from ..domain.match_status import (
    CLOSED,
    DECLINED,
    DELIVERED,
    EXCLUDING_CLOSE_REASONS,
    HOLDING_STATUSES,
)
from ..domain.quotes import quote_lapsed, request_overdue
from ..extensions import db
from ..models import DemandRequest, Lead, Match, Organisation, User
from ..models.base import id_in
from .demand import days_of_supply_now, held_units, today

# One matching run or release at a time (PostgreSQL advisory lock, held to the end of the
# transaction); SQLite serialises writers anyway.
MATCHING_LOCK_KEY = 0x4D41_5443  # "MATC"


def _take_matching_lock() -> None:
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MATCHING_LOCK_KEY})


def offer_in_matching(day):
    """The SQL condition for a lead that matching may use on ``day`` (the city's date): approved,
    its quote still valid (valid_until is the last day it holds), its supplier's account active
    (or none: an offer staff entered for a supplier without an account)."""
    return and_(Lead.status == APPROVED, Lead.valid_until >= day,
                or_(Lead.owner_id.is_(None), Lead.owner_id.in_(select(User.id).where(User.active.is_(True)))))


def request_in_matching(day):
    """The SQL condition for a request matching may serve on ``day``: open and not past its
    needed-by date (due today still is), and not of an organisation whose buyer accounts the city
    all deactivated (nobody left to accept; an organisation staff imported requests for, without
    buyer accounts, stays in matching)."""
    buyers = select(User.organisation_id).where(User.role == "buyer", User.organisation_id.is_not(None))
    return and_(DemandRequest.status == STATUS_OPEN, DemandRequest.needed_by >= day,
                or_(DemandRequest.organisation_id.in_(buyers.where(User.active.is_(True))),
                    DemandRequest.organisation_id.not_in(buyers)))


def _held_by(column, ids: list[int] | None = None):
    query = (select(column.label("owner_id"), func.sum(Match.quantity).label("held"))
             .where(Match.status.in_(HOLDING_STATUSES)).group_by(column))
    if ids is not None:
        query = query.where(id_in(column, ids))
    return query


def available_units(lead_ids: list[int]) -> dict[int, int]:
    held = dict(db.session.execute(_held_by(Match.lead_id, lead_ids)).all()) if lead_ids else {}
    quantities = dict(db.session.execute(select(Lead.id, Lead.quantity).where(id_in(Lead.id, lead_ids))).all())
    return {lead_id: quantity - held.get(lead_id, 0) for lead_id, quantity in quantities.items()}


@dataclass(frozen=True)
class HeldUnits:
    """A lead's units held by its matches (HOLDING_STATUSES), split as a supplier reads its stock:
    ``delivered`` (gone: no longer the supplier's) and ``owed`` (proposed, accepted or ordered:
    still in stock, promised to buyers)."""
    delivered: int = 0
    owed: int = 0


def held_units_of(lead_id: int) -> HeldUnits:
    """The units of lead ``lead_id`` its matches hold (the same count as ``available_units``),
    delivered and still owed."""
    rows = db.session.execute(select(Match.status, func.sum(Match.quantity)).where(
        Match.lead_id == lead_id, Match.status.in_(HOLDING_STATUSES)).group_by(Match.status)).all()
    delivered = sum(int(units) for status, units in rows if status == DELIVERED)
    return HeldUnits(delivered=delivered, owed=sum(int(units) for _status, units in rows) - delivered)


def _offer(lead: Lead, available: int) -> allocation.Offer:
    return allocation.Offer(id=lead.id, category=lead.product_category, quantity=available,
                            unit_price=lead.unit_price, lead_time_days=lead.lead_time_days,
                            postal_code=countries.us_zip(lead.postal_code, lead.country), min_order_qty=lead.min_order_qty,
                            risk_score=lead.risk_score, description=lead.product_description or "")


def excluded_offers(request_ids: list[int] | None = None) -> dict[int, frozenset[int]]:
    """request id -> the leads never to propose to it again: matches the buyer declined, or closed
    for a reason that rules the pair out (match_status.excludes_pair, the same rule in SQL)."""
    query = select(Match.demand_id, Match.lead_id).where(or_(
        Match.status == DECLINED, and_(Match.status == CLOSED, Match.close_reason.in_(sorted(EXCLUDING_CLOSE_REASONS)))))
    if request_ids is not None:
        query = query.where(id_in(Match.demand_id, request_ids))
    found: dict[int, set[int]] = {}
    for demand_id, lead_id in db.session.execute(query):
        found.setdefault(demand_id, set()).add(lead_id)
    return {demand_id: frozenset(leads) for demand_id, leads in found.items()}


def _need(request: DemandRequest, remaining: int, excluded: frozenset[int] | None = None) -> allocation.Need:
    if excluded is None:
        excluded = excluded_offers([request.id]).get(request.id, frozenset())
    return allocation.Need(id=request.id, category=request.category, substitutes=frozenset(request.substitutes or ()),
                           quantity=remaining, max_unit_price=request.max_unit_price,
                           days_until_needed=(request.needed_by - today()).days,
                           postal_code=request.postal_code, days_of_supply=days_of_supply_now(request),
                           excluded_offers=excluded, specification=request.specification or "")


def available_offers(categories: set[str] | None = None) -> list[allocation.Offer]:
    """Every approved lead with a valid quote and units left (of these categories), as the
    allocation sees it."""
    held = _held_by(Match.lead_id).subquery()
    query = (select(Lead, func.coalesce(held.c.held, 0)).outerjoin(held, held.c.owner_id == Lead.id)
             .where(offer_in_matching(today())).order_by(Lead.id))
    if categories is not None:
        query = query.where(Lead.product_category.in_(sorted(categories)))
    rows = db.session.execute(query).all()
    return [_offer(lead, lead.quantity - taken) for lead, taken in rows if lead.quantity - taken > 0]


def open_needs() -> list[allocation.Need]:
    """Every open request not past its needed-by date with units still needed, of a verified
    organisation: an unverified one (its verification revoked) could not accept a proposal, which
    would only hold the units (permissions.buyer_may_act)."""
    held = _held_by(Match.demand_id).subquery()
    rows = db.session.execute(
        select(DemandRequest, func.coalesce(held.c.held, 0)).outerjoin(held, held.c.owner_id == DemandRequest.id)
        .join(Organisation, Organisation.id == DemandRequest.organisation_id)
        .where(request_in_matching(today()), Organisation.verified_at.is_not(None))
        .order_by(DemandRequest.id)).all()
    excluded = excluded_offers()
    return [_need(request, request.quantity - taken, excluded.get(request.id, frozenset()))
            for request, taken in rows if request.quantity - taken > 0]


def out_of_matching(lead: Lead | None = None, request: DemandRequest | None = None) -> str | None:
    """Why this lead or request is out of matching (a hand proposal is refused saying so),
    or None: the rule of offer_in_matching and request_in_matching, for one row."""
    day = today()
    if lead is not None and lead.owner is not None and not lead.owner.active:
        return _("The city deactivated this offer's supplier account: it is not proposed to buyers.")
    buyers = [u for u in request.organisation.members if u.role == "buyer"] if request is not None else []
    if buyers and not any(u.active for u in buyers):
        return _("This request's organisation has no active buyer account left: nobody could accept a proposal.")
    if lead is not None and quote_lapsed(lead.valid_until, day):
        return _("This offer's quote lapsed after {day}: the supplier was asked to confirm price and stock; it "
                 "is matched again once they do.").format(day=format_day(lead.valid_until))
    if request is not None and request_overdue(request.needed_by, day):
        return _("This request was needed by {day}: its buyers are asked to set a new date or close the "
                 "rest.").format(day=format_day(request.needed_by))
    return None


def remaining_need(request: DemandRequest) -> int:
    return request.quantity - held_units(request.id)


# --- Candidates for one request ------------------------------------------------------------


@dataclass
class Candidate:
    lead: Lead
    available: int
    reasons: tuple[str, ...]
    distance_km: float | None


def candidates(request: DemandRequest, limit: int = 50) -> list[Candidate]:
    """The approved offers that fit this request, best first, each with its reasons."""
    need = _need(request, max(remaining_need(request), 1))
    offers = available_offers({request.category, *(request.substitutes or ())})
    ranked = allocation.rank_candidates(need, offers)[:limit]
    leads = {lead.id: lead for lead in db.session.execute(
        select(Lead).where(id_in(Lead.id, [offer.id for offer, _, _ in ranked]))).scalars()}
    return [Candidate(leads[offer.id], offer.quantity, reasons, distance) for offer, reasons, distance in ranked]


