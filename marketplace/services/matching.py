"""Matching use cases (issue 4): candidates for one request, the allocation plan over all open
requests and available supply, releasing a plan as proposals, and the match lifecycle.

Units are counted in one way everywhere: a lead's available units are its quantity minus the
units of its matches in HOLDING_STATUSES, and a request's remaining need is its quantity minus
the same. A plan therefore never offers units that a proposal or an accepted match holds.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import timedelta
from typing import IO

from flask import abort
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import selectinload

from ..domain import allocation, countries, geo
from ..domain.csv_cells import protect
from ..domain.demand import STATUS_OPEN
from ..domain.lead_status import APPROVED
from ..domain.match_status import (ACTIVE_STATUSES, CLOSE_REASONS, CONTACT_STATUSES, HOLDING_STATUSES,
                                   MATCH_ACTIONS, PROPOSED, MatchTransitionError,
                                   match_transition)
from ..domain.messages import fact
from ..extensions import db
from ..jobs.queue import enqueue_matching, enqueue_outbox
from ..models import DemandRequest, Lead, Match, MatchPlan, MatchPlanLine, User
from ..models.base import utcnow
from . import audit
from .demand import held_units, held_units_by_request
from .notifications import notify

# One matching run or release at a time (PostgreSQL advisory lock, held to the end of the
# transaction); SQLite serialises writers anyway.
MATCHING_LOCK_KEY = 0x4D41_5443  # "MATC"
EXPORT_COLUMNS = ("demand_external_id", "lead_external_id", "quantity", "unit_price")
KEEP_SUPERSEDED_PLANS = 10


def _take_matching_lock() -> None:
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MATCHING_LOCK_KEY})


def _held_by(column, ids: list[int] | None = None):
    query = (select(column.label("owner_id"), func.sum(Match.quantity).label("held"))
             .where(Match.status.in_(HOLDING_STATUSES)).group_by(column))
    if ids is not None:
        query = query.where(column.in_(ids))
    return query


def available_units(lead_ids: list[int]) -> dict[int, int]:
    held = dict(db.session.execute(_held_by(Match.lead_id, lead_ids)).all()) if lead_ids else {}
    quantities = dict(db.session.execute(select(Lead.id, Lead.quantity).where(Lead.id.in_(lead_ids))).all())
    return {lead_id: quantity - held.get(lead_id, 0) for lead_id, quantity in quantities.items()}


def _offer(lead: Lead, available: int) -> allocation.Offer:
    return allocation.Offer(id=lead.id, category=lead.product_category, quantity=available,
                            unit_price=lead.unit_price, lead_time_days=lead.lead_time_days,
                            postal_code=countries.us_zip(lead.postal_code, lead.country), min_order_qty=lead.min_order_qty,
                            risk_score=lead.risk_score)


def _need(request: DemandRequest, remaining: int) -> allocation.Need:
    return allocation.Need(id=request.id, category=request.category, substitutes=frozenset(request.substitutes or ()),
                           quantity=remaining, max_unit_price=request.max_unit_price,
                           days_until_needed=(request.needed_by - utcnow().date()).days,
                           postal_code=request.postal_code, days_of_supply=request.days_of_supply)


def available_offers(categories: set[str] | None = None) -> list[allocation.Offer]:
    """Every approved lead with units left (of these categories), as the allocation sees it."""
    held = _held_by(Match.lead_id).subquery()
    query = (select(Lead, func.coalesce(held.c.held, 0)).outerjoin(held, held.c.owner_id == Lead.id)
             .where(Lead.status == APPROVED).order_by(Lead.id))
    if categories is not None:
        query = query.where(Lead.product_category.in_(sorted(categories)))
    rows = db.session.execute(query).all()
    return [_offer(lead, lead.quantity - taken) for lead, taken in rows if lead.quantity - taken > 0]


def open_needs() -> list[allocation.Need]:
    """Every open request with units still needed."""
    held = _held_by(Match.demand_id).subquery()
    rows = db.session.execute(
        select(DemandRequest, func.coalesce(held.c.held, 0)).outerjoin(held, held.c.owner_id == DemandRequest.id)
        .where(DemandRequest.status == STATUS_OPEN).order_by(DemandRequest.id)).all()
    return [_need(request, request.quantity - taken) for request, taken in rows if request.quantity - taken > 0]


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
        select(Lead).where(Lead.id.in_([offer.id for offer, _, _ in ranked]))).scalars()}
    return [Candidate(leads[offer.id], offer.quantity, reasons, distance) for offer, reasons, distance in ranked]


# --- The allocation plan -------------------------------------------------------------------

def run_matching(trigger: str) -> MatchPlan:
    """Compute the optimal plan over all open requests and available supply and store it as the
    draft staff review; an older unreleased draft is superseded. Commits."""
    _take_matching_lock()
    needs, offers = open_needs(), available_offers()
    try:
        result = allocation.allocate(needs, offers)
    except Exception as exc:
        # Kept for staff to see on the plan page (the job is then retried, or the sweeper asks again).
        db.session.rollback()
        db.session.add(MatchPlan(status="failed", trigger=trigger[:120], needs_count=len(needs),
                                 offers_count=len(offers), error=f"{type(exc).__name__}: {exc}"[:2000]))
        db.session.commit()
        raise
    db.session.execute(update(MatchPlan).where(MatchPlan.status == "draft").values(status="superseded"))
    _prune_superseded_lines()
    plan = MatchPlan(status="draft", trigger=trigger[:120], needs_count=len(needs), offers_count=len(offers),
                     demand_units=result.demand_units, units=result.units, weighted_units=result.weighted_units,
                     cost_cents=result.cost_cents,
                     solve_ms=round((result.solve_seconds + result.build_seconds) * 1000))
    db.session.add(plan)
    db.session.flush()
    need_by_id = {need.id: need for need in needs}
    if result.lines:
        db.session.execute(MatchPlanLine.__table__.insert(), [
            {"plan_id": plan.id, "demand_id": line.need_id, "lead_id": line.offer_id, "quantity": line.quantity,
             "unit_price": line.unit_price, "distance_km": line.distance_km,
             "reasons": [allocation.urgency_reason(need_by_id[line.need_id]), *line.reasons]}
            for line in result.lines])
    db.session.commit()
    return plan


def _prune_superseded_lines() -> None:
    """Every change of supply or demand computes a plan; keep the lines of the newest superseded
    ones only (the plan rows stay, with their totals), so the table does not grow without end."""
    keep = select(MatchPlan.id).where(MatchPlan.status == "superseded").order_by(MatchPlan.id.desc()) \
        .limit(KEEP_SUPERSEDED_PLANS).scalar_subquery()
    old = select(MatchPlan.id).where(MatchPlan.status == "superseded", MatchPlan.id.not_in(keep))
    db.session.execute(delete(MatchPlanLine).where(MatchPlanLine.plan_id.in_(old)))


def latest_plan() -> MatchPlan | None:
    """The newest plan that was computed (failed runs aside)."""
    return db.session.execute(select(MatchPlan).where(MatchPlan.status != "failed")
                              .order_by(MatchPlan.id.desc()).limit(1)).scalars().first()


def failure_since(plan: MatchPlan | None) -> MatchPlan | None:
    """The newest failed run after ``plan``, if the last attempts to compute a plan failed."""
    query = select(MatchPlan).where(MatchPlan.status == "failed")
    if plan is not None:
        query = query.where(MatchPlan.id > plan.id)
    return db.session.execute(query.order_by(MatchPlan.id.desc()).limit(1)).scalars().first()


def plan_lines(plan: MatchPlan, limit: int | None = None) -> list[MatchPlanLine]:
    # The page shows each line's request, organisation and lead: load them in three queries, not per line.
    query = (select(MatchPlanLine).where(MatchPlanLine.plan_id == plan.id).order_by(MatchPlanLine.id)
             .options(selectinload(MatchPlanLine.demand).selectinload(DemandRequest.organisation),
                      selectinload(MatchPlanLine.lead).selectinload(Lead.owner)))
    if limit:
        query = query.limit(limit)
    return list(db.session.execute(query).scalars())


def matching_is_stale(older_than: timedelta) -> bool:
    """Supply or demand changed after the newest plan, longer than ``older_than`` ago: the run
    that change asked for was lost (Redis down), so the sweeper asks again."""
    plan = latest_plan()
    changes = [
        db.session.execute(select(func.max(DemandRequest.updated_at))).scalar(),
        # Any decision: approvals add supply, and a lead leaving approval takes it away.
        db.session.execute(select(func.max(Lead.decided_at))).scalar(),
        db.session.execute(select(func.max(Match.updated_at))).scalar(),
    ]
    changes = [c for c in changes if c is not None]
    if not changes:
        return False
    last_change = max(c if c.tzinfo else c.replace(tzinfo=utcnow().tzinfo) for c in changes)
    if last_change > utcnow() - older_than:
        return False  # recent: its own run is probably on its way
    return plan is None or plan.created_at < last_change


class ProposalError(ValueError):
    """Why a plan or a proposal cannot be released, in words for staff."""


def release_plan(plan: MatchPlan, actor: User) -> int:
    """Turn the plan's lines into proposals to buyers. Each line is checked again against the
    supply and need left now (anything may have changed since the plan was computed) and cut
    down if it must be. Returns the number of proposals made. Commits."""
    _take_matching_lock()
    db.session.refresh(plan)
    if plan.status != "draft":
        raise ProposalError("This plan was already released or replaced by a newer one.")
    lines = plan_lines(plan)
    lead_ids = sorted({line.lead_id for line in lines})
    available = available_units(lead_ids)
    approved = set(db.session.execute(select(Lead.id).where(Lead.id.in_(lead_ids), Lead.status == APPROVED)).scalars())
    requests = {line.demand_id: line.demand for line in lines}
    held = held_units_by_request(list(requests))
    remaining = {rid: (r.quantity - held.get(rid, 0)) if r.status == STATUS_OPEN else 0 for rid, r in requests.items()}
    made: list[Match] = []
    for line in lines:
        quantity = min(line.quantity, available.get(line.lead_id, 0), remaining[line.demand_id])
        if quantity <= 0 or line.lead_id not in approved:
            continue
        available[line.lead_id] -= quantity
        remaining[line.demand_id] -= quantity
        # The related objects, not just their ids: notifying below then needs no query per match.
        match = Match(demand=line.demand, lead=line.lead, plan_id=plan.id, quantity=quantity,
                      unit_price=line.unit_price, distance_km=line.distance_km, reasons=line.reasons,
                      status=PROPOSED)
        db.session.add(match)
        made.append(match)
    db.session.flush()
    buyers: dict[int, list[User]] = {}
    for match in made:
        _announce_proposal(match, actor, buyers=buyers)
    plan.status, plan.released_at, plan.released_by_id = "released", utcnow(), actor.id
    audit.record(actor.id, "plan.release", "plan", plan.id, after={"proposals": len(made)})
    db.session.commit()
    enqueue_outbox()
    return len(made)


def _announce_proposal(match: Match, actor: User, *, buyers: dict[int, list[User]] | None = None) -> None:
    """The audit row and the notifications of a new proposal (the caller flushed it and commits)."""
    audit.record(actor.id, "match.propose", "match", match.id,
                 after={"status": PROPOSED, "quantity": match.quantity, "plan": match.plan_id})
    # The supplier learns who the buyer is only once the buyer accepts (see supplier_sees_buyer).
    _notify_parties(match, fact("match_proposed", match_id=match.id, lead_id=match.lead_id,
                                demand_id=match.demand_id, quantity=match.quantity,
                                category=match.lead.product_category), exclude=actor, buyers=buyers)


def propose(request: DemandRequest, lead_id: int, quantity: int, actor: User) -> Match:
    """Staff propose one candidate by hand (an urgent call cannot wait for the next plan). The
    same rules as the plan: the offer must be approved and fit, and the units must be free."""
    _take_matching_lock()
    lead = db.session.get(Lead, lead_id)
    if lead is None or lead.status != APPROVED:
        raise ProposalError("This offer is not approved.")
    if request.status != STATUS_OPEN:
        raise ProposalError("This request is not open.")
    available, remaining = available_units([lead.id])[lead.id], remaining_need(request)
    offer, need = _offer(lead, available), _need(request, remaining)
    unfit = allocation.unfit_reason(offer, need)
    if unfit:
        raise ProposalError(f"This offer does not fit the request: {unfit}.")
    most = min(available, remaining)
    if not 1 <= quantity <= most:
        raise ProposalError(f"Propose between 1 and {most:,} units.")
    distance = geo.distance_km(offer.postal_code, request.postal_code)
    match = Match(demand=request, lead=lead, quantity=quantity, unit_price=lead.unit_price, distance_km=distance,
                  reasons=[allocation.urgency_reason(need), *allocation.fit_reasons(offer, need, distance),
                           fact("proposed_by_hand", staff_email=actor.email)], status=PROPOSED)
    db.session.add(match)
    db.session.flush()
    _announce_proposal(match, actor)
    db.session.commit()
    enqueue_outbox()
    enqueue_matching(f"match {match.id} proposed by hand")  # the draft plan may count these units
    return match


def export_plan(plan: MatchPlan, stream: IO[str]) -> int:
    """demand_external_id, lead_external_id, quantity, unit_price for every line. Records without
    an external id (posted through the web form) are written as id:<number>."""
    writer = csv.writer(stream)
    writer.writerow(EXPORT_COLUMNS)
    rows = db.session.execute(
        select(DemandRequest.external_id, DemandRequest.id, Lead.external_id, Lead.id, MatchPlanLine.quantity,
               MatchPlanLine.unit_price)
        .join(DemandRequest, DemandRequest.id == MatchPlanLine.demand_id).join(Lead, Lead.id == MatchPlanLine.lead_id)
        .where(MatchPlanLine.plan_id == plan.id).order_by(MatchPlanLine.id)).all()
    for demand_external, demand_id, lead_external, lead_id, quantity, unit_price in rows:
        writer.writerow([protect(demand_external or f"id:{demand_id}"), protect(lead_external or f"id:{lead_id}"),
                         quantity, format(unit_price.normalize(), "f")])
    return len(rows)


# --- Matches: who sees them, and the lifecycle -----------------------------------------------

def buyers_of(request: DemandRequest) -> list[User]:
    return list(db.session.execute(select(User).where(
        User.organisation_id == request.organisation_id, User.role == "buyer", User.active.is_(True))).scalars())


def _notify_parties(match: Match, message: dict, *, exclude: User | None,
                    buyers: dict[int, list[User]] | None = None) -> None:
    """Tell the buyer organisation and the lead's supplier (not the person who acted) the fact
    ``message`` (see domain.messages: each reads it worded for their role). ``buyers`` caches each
    organisation's buyers when many matches are notified at once."""
    link = f"/matches/{match.id}"
    buyers = {} if buyers is None else buyers
    organisation_id = match.demand.organisation_id
    if organisation_id not in buyers:
        buyers[organisation_id] = buyers_of(match.demand)
    notify(buyers[organisation_id], message, link, exclude=exclude)
    if match.lead.owner is not None:
        notify([match.lead.owner], message, link, exclude=exclude)


def match_party(user: User, match: Match) -> str | None:
    """How ``user`` takes part in this match: a staff role, "buyer", "supplier", or None."""
    if user.is_staff:
        return user.role
    if user.role == "buyer" and user.organisation_id is not None and match.demand.organisation_id == user.organisation_id:
        return "buyer"
    if user.role == "supplier" and match.lead.owner_id == user.id:
        return "supplier"
    return None


def match_for(user: User, match_id: int) -> tuple[Match, str]:
    match = db.session.get(Match, match_id)
    party = match_party(user, match) if match is not None else None
    if party is None:
        abort(404)
    return match, party


def buyer_sees_contacts(user: User, match: Match) -> bool:
    """Staff always; a buyer only once their organisation is verified and the match accepted."""
    if user.is_staff:
        return True
    return (match_party(user, match) == "buyer" and user.organisation is not None and user.organisation.verified
            and match.status in CONTACT_STATUSES)


def supplier_sees_buyer(match: Match) -> bool:
    """The supplier learns who to deliver to once the buyer has accepted."""
    return match.status in CONTACT_STATUSES


def _change_status(match: Match, actor: User, party: str, action_name: str, *, reason: str | None,
                   close_reason: str | None) -> str:
    before = match.status
    target = match_transition(action_name, before, party, reason=reason, close_reason=close_reason)
    reason = (reason or "").strip()[:2000] or None
    changed = db.session.execute(update(Match).where(Match.id == match.id, Match.status == before).values(
        status=target, updated_at=utcnow(),
        decline_reason=reason if action_name == "decline" else Match.decline_reason,
        close_reason=close_reason if action_name == "close" else Match.close_reason,
    )).rowcount
    if changed != 1:
        db.session.rollback()
        raise MatchTransitionError("Someone else changed this match a moment ago; please look again.")
    detail = reason or (dict(CLOSE_REASONS).get(close_reason) if action_name == "close" else None)
    audit.record(actor.id, f"match.{action_name}", "match", match.id, before={"status": before},
                 after={"status": target}, detail=detail)
    db.session.refresh(match)
    _notify_parties(match, fact("match_status", match_id=match.id, demand_id=match.demand_id,
                                quantity=match.quantity, category=match.lead.product_category, status=target,
                                reason=reason,
                                close_reason=close_reason if action_name == "close" else None), exclude=actor)
    return target


def act_on_match(match: Match, actor: User, action_name: str, *, reason: str | None = None,
                 close_reason: str | None = None) -> str:
    """One step of the lifecycle, with its audit row and notifications, in one transaction.
    Declining or closing gives the units back, and a matching run follows."""
    party = match_party(actor, match)
    if party is None:
        raise MatchTransitionError("This match is not yours.")
    target = _change_status(match, actor, party, action_name, reason=reason, close_reason=close_reason)
    db.session.commit()
    if MATCH_ACTIONS[action_name].returns_units:
        enqueue_matching(f"match {match.id} {target}")
    enqueue_outbox()
    return target


def _close_active(query, actor: User | None, close_reason: str, statuses) -> int:
    """Close the matches ``query`` selects in ``statuses`` (the system's closures), each with its
    audit row and notifications; the caller commits."""
    matches = list(db.session.execute(query.where(Match.status.in_(statuses)).options(
        selectinload(Match.demand), selectinload(Match.lead).selectinload(Lead.owner))).scalars())
    reason, buyers = dict(CLOSE_REASONS)[close_reason], {}
    for match in matches:
        before = match.status
        match.status, match.close_reason, match.updated_at = "closed", close_reason, utcnow()
        audit.record(actor.id if actor else None, "match.close", "match", match.id, before={"status": before},
                     after={"status": "closed"}, detail=reason)
        _notify_parties(match, fact("match_closed", match_id=match.id, close_reason=close_reason),
                        exclude=actor, buyers=buyers)
    return len(matches)


def close_for_withdrawal(request: DemandRequest, actor: User) -> int:
    """A withdrawn request's proposals end (the caller commits); accepted matches stay."""
    return _close_active(select(Match).where(Match.demand_id == request.id), actor, "request_withdrawn", (PROPOSED,))


def lead_status_changed(lead: Lead, before: str, after: str, actor: User) -> None:
    """Called after a vetting decision is committed. Approval brings new supply: match again.
    A lead that is no longer approved can promise nothing: its open matches are closed."""
    if after == APPROVED:
        enqueue_matching(f"lead {lead.id} approved")
    elif before == APPROVED:
        if _close_active(select(Match).where(Match.lead_id == lead.id), actor, "supplier_not_approved",
                         ACTIVE_STATUSES):
            db.session.commit()
            enqueue_outbox()
        enqueue_matching(f"lead {lead.id} no longer approved")


def matches_query(*, organisation_id: int | None = None, lead_owner_id: int | None = None,
                  lead_id: int | None = None, demand_id: int | None = None, status: str | None = None):
    query = select(Match).order_by(Match.id.desc()).options(
        selectinload(Match.demand).selectinload(DemandRequest.organisation), selectinload(Match.lead))
    if organisation_id is not None:
        query = query.join(DemandRequest, DemandRequest.id == Match.demand_id).where(
            DemandRequest.organisation_id == organisation_id)
    if lead_owner_id is not None:
        query = query.join(Lead, Lead.id == Match.lead_id).where(Lead.owner_id == lead_owner_id)
    if lead_id is not None:
        query = query.where(Match.lead_id == lead_id)
    if demand_id is not None:
        query = query.where(Match.demand_id == demand_id)
    if status == "active":
        query = query.where(Match.status.in_(ACTIVE_STATUSES))
    elif status:
        query = query.where(Match.status == status)
    return query


def matches_page(page: int, per_page: int, **filters):
    return db.paginate(matches_query(**filters), page=page, per_page=per_page, error_out=False)


def matches_list(limit: int = 200, **filters) -> list[Match]:
    return list(db.session.execute(matches_query(**filters).limit(limit)).scalars())
