"""The allocation plan (issue 4; split from services/matching.py, issue 9 item 5): computing it
over all open requests and available supply (services.supply), staff asking for it, releasing it
as proposals, proposing by hand, and exporting it.
"""
from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import selectinload

from ..domain import allocation, geo
from ..domain.csv_cells import protect
from ..domain.demand import STATUS_OPEN
from ..domain.i18n import _, format_integer
from ..domain.lead_status import APPROVED
from ..domain.match_status import HOLDING_STATUSES, PROPOSED
from ..domain.messages import fact, stored_trigger
from ..extensions import db
from ..models import DemandRequest, Lead, Match, MatchPlan, MatchPlanLine, User
from ..models.base import id_in, utcnow
from . import audit, effects
from .demand import held_units_by_request, today
from .matches import _notify_parties
from .supply import (
    _need,
    _offer,
    _take_matching_lock,
    available_offers,
    available_units,
    offer_in_matching,
    open_needs,
    out_of_matching,
    remaining_need,
    request_in_matching,
)

EXPORT_COLUMNS = ("demand_external_id", "lead_external_id", "quantity", "unit_price")
KEEP_SUPERSEDED_PLANS = 10


def run_matching(trigger: Mapping[str, Any]) -> MatchPlan:
    """Compute the optimal plan over all open requests and available supply and store it as the
    draft staff review; an older unreleased draft is superseded. ``trigger`` is why, stored with the
    plan: a fact of domain.messages.TRIGGERS (``trigger_fact("command")``; TypeError for anything
    else, before any work). Commits."""
    trigger = stored_trigger(trigger)
    _take_matching_lock()
    needs, offers = open_needs(), available_offers()
    try:
        result = allocation.allocate(needs, offers)
    except Exception as exc:
        # Kept for staff to see on the plan page (the job is then retried, or the sweeper asks again).
        db.session.rollback()
        db.session.add(MatchPlan(status="failed", trigger=trigger, needs_count=len(needs),
                                 offers_count=len(offers), error=f"{type(exc).__name__}: {exc}"[:2000]))
        db.session.commit()
        raise
    db.session.execute(update(MatchPlan).where(MatchPlan.status == "draft").values(status="superseded"))
    _prune_superseded_lines()
    plan = MatchPlan(status="draft", trigger=trigger, needs_count=len(needs), offers_count=len(offers),
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
    # What the public needs board and the dashboard count as covered is this plan's (planned_supply).
    effects.after_commit("refresh_summary")
    db.session.commit()
    return plan


def request_run(actor: User) -> None:
    """Staff ask for a new plan now: the request's audit row, and the run after the caller's commit."""
    audit.record(actor.id, "plan.requested", "plan", None)
    effects.replan("asked", email=actor.email)


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


def _last_change() -> datetime | None:
    """When supply or demand last changed (a request, a lead's decision, a match), None if never."""
    changes = [
        db.session.execute(select(func.max(DemandRequest.updated_at))).scalar(),
        # Any decision: approvals add supply, and a lead leaving approval takes it away.
        db.session.execute(select(func.max(Lead.decided_at))).scalar(),
        db.session.execute(select(func.max(Match.updated_at))).scalar(),
    ]
    changes = [c for c in changes if c is not None]
    if not changes:
        return None
    return max(c if c.tzinfo else c.replace(tzinfo=utcnow().tzinfo) for c in changes)


def matching_is_stale(older_than: timedelta) -> bool:
    """Supply or demand changed after the newest plan, longer than ``older_than`` ago: the run
    that change asked for was lost (Redis down), so the sweeper asks again."""
    plan = latest_plan()
    last_change = _last_change()
    if last_change is None:
        return False
    if last_change > utcnow() - older_than:
        return False  # recent: its own run is probably on its way
    return plan is None or plan.created_at < last_change


@dataclass(frozen=True)
class PlannedSupply:
    """The approved supply that can serve open requests, as the newest plan gives it (the optimum of
    what can be delivered: domain.allocation's fit rule with every capacity): ``lots`` are (the
    request's category, the offer's lead time in days or None, units) of the draft's lines, each
    request's lines cut to the units it still needs now, of offers still in matching (approved, quote valid). A released
    plan's units are held by its proposals already, so it gives none beyond them. ``plan_id`` and
    ``as_of`` name the plan (None: no plan yet, nothing can be said to serve); ``current`` is
    False when supply or demand changed after it (a new plan is on its way: domain.dashboard words it)."""
    plan_id: int | None
    as_of: datetime | None
    current: bool
    lots: tuple[tuple[str, int | None, int], ...]

    def by_category(self) -> dict[str, int]:
        units: dict[str, int] = {}
        for category, _lead_time, quantity in self.lots:
            units[category] = units.get(category, 0) + quantity
        return units


def planned_supply() -> PlannedSupply:
    """The supply the newest plan gives open requests now (PlannedSupply): what the public needs
    board and the dashboard count as covering a category, never the free units nobody can take (a
    minimum order above every request, a price above every maximum, a category no request accepts)."""
    plan = latest_plan()
    if plan is None:
        return PlannedSupply(None, None, False, ())
    last_change = _last_change()
    since = plan.released_at or plan.created_at
    current = last_change is None or last_change <= since
    if plan.status != "draft":
        return PlannedSupply(plan.id, since, current, ())
    held = (select(Match.demand_id.label("demand_id"), func.sum(Match.quantity).label("units"))
            .where(Match.status.in_(HOLDING_STATUSES)).group_by(Match.demand_id).subquery())
    rows = db.session.execute(
        select(MatchPlanLine.demand_id, DemandRequest.category,
               DemandRequest.quantity - func.coalesce(held.c.units, 0), Lead.lead_time_days, MatchPlanLine.quantity)
        .join(DemandRequest, DemandRequest.id == MatchPlanLine.demand_id)
        .join(Lead, Lead.id == MatchPlanLine.lead_id)
        .outerjoin(held, held.c.demand_id == MatchPlanLine.demand_id)
        .where(MatchPlanLine.plan_id == plan.id, DemandRequest.status == STATUS_OPEN, offer_in_matching(today()))
        .order_by(MatchPlanLine.id))
    left: dict[int, int] = {}
    lots = []
    for demand_id, category, remaining, lead_time_days, quantity in rows:
        room = left.setdefault(demand_id, max(0, int(remaining)))
        units = min(room, int(quantity))
        left[demand_id] = room - units
        if units:
            lots.append((category, lead_time_days, units))
    return PlannedSupply(plan.id, since, current, tuple(lots))


@dataclass
class Unfilled:
    """An urgent request the plan leaves short, and the offers that nearly fit it."""
    request: DemandRequest
    short: int                              # units the plan leaves unfilled
    near_misses: list[tuple[Lead, str]]     # (lead, why it misses, in words for staff)


def unfilled_urgent(plan: MatchPlan | None, limit: int = 50, misses_each: int = 5) -> list[Unfilled]:
    """The open urgent requests (allocation.URGENT_DAYS of supply or fewer) left short as of now,
    most urgent first: their remaining need minus the plan's lines when it is a draft (a released
    plan's units are already held by its proposals). Each with up to ``misses_each`` near misses
    (allocation.near_miss) among the offers available now."""
    needs = sorted((n for n in open_needs() if n.days_of_supply <= allocation.URGENT_DAYS),
                   key=lambda n: (n.days_of_supply, n.days_until_needed, n.id))
    given: dict[int, int] = {}
    if plan is not None and plan.status == "draft":
        given = dict(db.session.execute(select(MatchPlanLine.demand_id, func.sum(MatchPlanLine.quantity))
                                        .where(MatchPlanLine.plan_id == plan.id)
                                        .group_by(MatchPlanLine.demand_id)).all())
    short = [(n, n.quantity - int(given.get(n.id, 0))) for n in needs]
    short = [(n, units) for n, units in short if units > 0][:limit]
    if not short:
        return []
    offers = available_offers({c for n, _units in short for c in (n.category, *n.substitutes)})
    misses = {n.id: [(o.id, why) for o in offers if (why := allocation.near_miss(o, n))][:misses_each]
              for n, _units in short}
    lead_ids = {lead_id for found in misses.values() for lead_id, _why in found}
    leads = {lead.id: lead for lead in db.session.execute(select(Lead).where(id_in(Lead.id, lead_ids))).scalars()} \
        if lead_ids else {}
    requests = {r.id: r for r in db.session.execute(
        select(DemandRequest).where(id_in(DemandRequest.id, [n.id for n, _units in short]))
        .options(selectinload(DemandRequest.organisation))).scalars()}
    return [Unfilled(requests[n.id], units, [(leads[lead_id], why) for lead_id, why in misses[n.id]])
            for n, units in short]


class ProposalError(ValueError):
    """Why a plan or a proposal cannot be released, in words for staff. ``field`` names the
    proposal form's field it is about ("quantity"), shown beside it; None when it is about the
    offer, the request or the plan."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Released:
    """What releasing a plan made: ``total`` proposals, of which ``without_account`` went to
    organisations with no active buyer (requests imported by staff): nobody was told, staff record
    their answer on the match page (MATCH_ACTIONS "accept_by_phone", "decline_by_phone")."""

    total: int
    without_account: int = 0

    @property
    def sent(self) -> int:
        """The proposals some buyer was told of."""
        return self.total - self.without_account


def release_plan(plan: MatchPlan, actor: User) -> Released:
    """Turn the plan's lines into proposals to buyers. Each line is checked again against the
    supply and need left now (anything may have changed since the plan was computed) and cut
    down if it must be. Returns how many proposals were made and how many of them no buyer could
    be told of (an organisation without an active member). ProposalError if the plan is no
    longer a draft (the caller rolls back: the matching lock is held). Flushes; the caller commits."""
    _take_matching_lock()
    db.session.refresh(plan)
    if plan.status != "draft":
        raise ProposalError(_("This plan was already released or replaced by a newer one."))
    lines = plan_lines(plan)
    lead_ids = sorted({line.lead_id for line in lines})
    available = available_units(lead_ids)
    day = today()
    # Approved with a valid quote now (one may have lapsed since the plan: supply.offer_in_matching).
    approved = set(db.session.execute(select(Lead.id).where(id_in(Lead.id, lead_ids), offer_in_matching(day))).scalars())
    requests = {line.demand_id: line.demand for line in lines}
    held = held_units_by_request(list(requests))
    # A request withdrawn, past its needed-by date, left without an active buyer, or whose
    # organisation lost its verification, since the plan gets nothing (supply.request_in_matching).
    in_matching = set(db.session.execute(select(DemandRequest.id).where(
        id_in(DemandRequest.id, list(requests)), request_in_matching(day))).scalars()) if requests else set()
    remaining = {rid: (r.quantity - held.get(rid, 0)) if rid in in_matching and r.organisation.verified else 0
                 for rid, r in requests.items()}
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
    effects.after_commit("send_outbox")
    db.session.flush()
    return Released(len(made), sum(1 for match in made if not buyers[match.demand.organisation_id]))


def _announce_proposal(match: Match, actor: User, *, buyers: dict[int, list[User]] | None = None) -> None:
    """The audit row and the notifications of a new proposal (the caller flushed it and commits)."""
    effects.after_commit("refresh_summary")  # units proposed
    audit.record(actor.id, "match.propose", "match", match.id,
                 after={"status": PROPOSED, "quantity": match.quantity, "plan": match.plan_id})
    # The supplier learns who the buyer is only once the buyer accepts (see supplier_sees_buyer).
    _notify_parties(match, fact("match_proposed", match_id=match.id, lead_id=match.lead_id,
                                demand_id=match.demand_id, quantity=match.quantity,
                                category=match.lead.product_category), exclude=actor, buyers=buyers)


def propose(request: DemandRequest, lead_id: int, quantity: int, actor: User) -> Match:
    """Staff propose one candidate by hand (an urgent call cannot wait for the next plan). The
    same rules as the plan: the offer must be approved and fit, and the units must be free.
    ProposalError otherwise (the caller rolls back: the matching lock is held). Flushes; the
    caller commits."""
    _take_matching_lock()
    lead = db.session.get(Lead, lead_id)
    if lead is None or lead.status != APPROVED:
        raise ProposalError(_("This offer is not approved."))
    if request.status != STATUS_OPEN:
        raise ProposalError(_("This request is not open."))
    if not request.organisation.verified:
        raise ProposalError(_("This request's organisation is not verified (any more): it could not accept a "
                              "proposal."))
    if (stale := out_of_matching(lead, request)) is not None:
        raise ProposalError(stale)
    available, remaining = available_units([lead.id])[lead.id], remaining_need(request)
    offer, need = _offer(lead, available), _need(request, remaining)
    unfit = allocation.unfit_reason(offer, need)
    if unfit:
        raise ProposalError(_("This offer does not fit the request: {reason}.").format(reason=unfit))
    most = min(available, remaining)
    if not 1 <= quantity <= most:
        raise ProposalError(_("Propose between 1 and {most} units.").format(most=format_integer(most)),
                            field="quantity")
    distance = geo.distance_km(offer.postal_code, request.postal_code)
    match = Match(demand=request, lead=lead, quantity=quantity, unit_price=lead.unit_price, distance_km=distance,
                  reasons=[allocation.urgency_reason(need), *allocation.fit_reasons(offer, need, distance),
                           fact("proposed_by_hand", staff_email=actor.email)], status=PROPOSED)
    db.session.add(match)
    db.session.flush()
    _announce_proposal(match, actor)
    effects.after_commit("send_outbox")
    effects.replan("match_proposed", match_id=match.id)  # the draft may count these units
    db.session.flush()
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
