"""The match lifecycle (issue 4; split from services/matching.py, issue 9 item 5): who is a party
to a match and what they see, the steps of the lifecycle with their audit rows and notifications,
closures when a request is withdrawn or a lead no longer approved, and the lists of matches.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from ..domain import permissions
from ..domain.catalog import STAFF_ROLES
from ..domain.errors import Forbidden, NotFound
from ..domain.i18n import _
from ..domain.lead_status import APPROVED
from ..domain.match_status import (
    ACTIVE_STATUSES,
    CLOSE_REASONS,
    DECLINED,
    IN_PROGRESS_STATUSES,
    MATCH_ACTIONS,
    PROPOSED,
    MatchAction,
    MatchTransitionError,
    available_match_actions,
    closing_reason,
    deactivation_close_reason,
    match_transition,
    withheld_match_reasons,
)
from ..domain.messages import buyer_refusal, fact
from ..extensions import db
from ..models import DemandRequest, Lead, Match, User
from ..models.base import utcnow
from . import audit, effects, notifications
from .notifications import notify


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
    """How ``user`` takes part in this match: a staff role, "buyer", "supplier", or None
    (domain.permissions.match_party)."""
    if user.is_staff:  # staff need neither the request nor the lead loaded
        return user.role
    return permissions.match_party(user.role, user.id, user.organisation_id,
                                   buyer_organisation_id=match.demand.organisation_id,
                                   supplier_id=match.lead.owner_id)


def match_for(user: User, match_id: int) -> tuple[Match, str]:
    """The match and how ``user`` takes part in it; NotFound if it is missing or not theirs."""
    match = db.session.get(Match, match_id)
    party = match_party(user, match) if match is not None else None
    if party is None:
        raise NotFound()
    return match, party


def buyer_sees_contacts(user: User, match: Match) -> bool:
    """Staff always; a buyer only once their organisation is verified and the match accepted."""
    if user.is_staff:
        return True
    return permissions.buyer_sees_contacts(
        match_party(user, match), user.organisation.verified if user.organisation is not None else None,
        match.status)


def _verified(user: User) -> bool | None:
    return user.organisation.verified if user.organisation is not None else None


def actions_for(user: User, match: Match, party: str | None) -> list[MatchAction]:
    """The lifecycle steps ``user`` may take on this match now: none for a buyer whose
    organisation is not verified (see act_on_match)."""
    if party == "buyer" and not permissions.buyer_may_act(_verified(user)):
        return []
    return available_match_actions(match.status, party, buyer_has_account=_buyer_has_account(match, party),
                                   supplier_active=_supplier_active(match))


def _supplier_active(match: Match) -> bool:
    """Whether the offer's supplier account is active (an offer staff entered for a supplier
    without an account counts as active): match_transition's ``supplier_active``."""
    return match.lead.owner is None or match.lead.owner.active


def _buyer_has_account(match: Match, party: str | None) -> bool:
    """Whether the request's organisation has an active buyer (who answers proposals); asked only
    for staff, the one party that may record the answer for an organisation without one."""
    if party is None or party in ("buyer", "supplier"):
        return True
    return bool(buyers_of(match.demand))


def refusal_for(user: User, match: Match, party: str | None) -> str | None:
    """Why this party may take no step (a buyer of an unverified organisation), or why steps of
    theirs are not offered now (domain.match_status.action_refusal: the same rule act_on_match
    refuses by), or None."""
    if party == "buyer" and not permissions.buyer_may_act(_verified(user)):
        return buyer_refusal(_verified(user))
    return " ".join(withheld_match_reasons(match.status, party, buyer_has_account=_buyer_has_account(match, party),
                                           supplier_active=_supplier_active(match))) or None


def supplier_sees_buyer(match: Match) -> bool:
    """The supplier learns who to deliver to once the buyer has accepted (a template global)."""
    return permissions.supplier_sees_buyer(match.status)


def _change_status(match: Match, actor: User, party: str, action_name: str, *, reason: str | None,
                   close_reason: str | None, delivery_on: date | None = None) -> str:
    before, day_before = match.status, match.delivery_on
    target = match_transition(action_name, before, party, reason=reason, close_reason=close_reason,
                              delivery_on=delivery_on, supplier_active=_supplier_active(match),
                              buyer_has_account=_buyer_has_account(match, party))
    action = MATCH_ACTIONS[action_name]
    if action.records and not permissions.buyer_may_act(match.demand.organisation.verified):
        raise Forbidden(buyer_refusal(match.demand.organisation.verified))
    close_reason = closing_reason(action_name, close_reason)
    reason = (reason or "").strip() or None  # its length is match_transition's rule (refused, never cut)
    new_day = delivery_on is not None and delivery_on != day_before
    if target == before and MATCH_ACTIONS[action_name].target is None and not new_day:
        return target  # the same delivery date again (a retry): nothing to store or tell
    same_day = Match.delivery_on.is_(None) if day_before is None else Match.delivery_on == day_before
    changed = db.session.execute(update(Match).where(Match.id == match.id, Match.status == before, same_day).values(
        status=target, updated_at=utcnow(),
        decline_reason=reason if target == DECLINED else Match.decline_reason,
        close_reason=close_reason if close_reason else Match.close_reason,
        delivery_on=delivery_on if new_day else Match.delivery_on,
    )).rowcount
    if changed != 1:
        db.session.rollback()
        raise MatchTransitionError(_("Someone else changed this match a moment ago; please look again."))
    detail = reason or (dict(CLOSE_REASONS).get(close_reason) if close_reason else None)
    dates = ({"delivery_on": _iso(day_before)}, {"delivery_on": _iso(delivery_on)}) if new_day else ({}, {})
    # Every closing is "match.close" in the audit log (the reason says which); histories read it so.
    # A buyer's answer recorded by staff is the buyer's step (match.accept, match.decline: the
    # funnel and open data count it), with the staff member as the actor and their note as detail.
    effects.after_commit("refresh_summary")  # supply against demand and the match funnel moved
    step = action.records or action_name
    audit.record(actor.id, "match.close" if close_reason else f"match.{step}", "match", match.id,
                 before={"status": before, **dates[0]},
                 after={"status": target, **dates[1]}, detail=detail)
    db.session.refresh(match)
    facts = dict(match_id=match.id, demand_id=match.demand_id, quantity=match.quantity,
                 category=match.lead.product_category)
    if target == before:  # confirming availability or the delivery date: the status stays
        if new_day:  # the other party learns the day (issue 12 item 1)
            _notify_parties(match, fact("match_delivery_date", **facts, delivery_on=_iso(delivery_on),
                                        previous=_iso(day_before)), exclude=actor)
        return target
    _settle_notices(match)
    _notify_parties(match, fact("match_status", **facts, status=target, reason=reason, close_reason=close_reason,
                                **({"delivery_on": _iso(delivery_on)} if new_day else {})), exclude=actor)
    return target


def _settle_notices(match: Match) -> None:
    """The match's status moved on (any step, by anyone, or a closure): its earlier notices asking
    to act (the proposal to answer, the step to take next) are done for every recipient
    (domain.messages.TO_ACT_ON). Called before the new status is told, which stays unread."""
    for code in ("match_proposed", "match_status"):
        notifications.resolve(code, match_id=match.id)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def act_on_match(match: Match, actor: User, action_name: str, *, reason: str | None = None,
                 close_reason: str | None = None, delivery_on: date | None = None) -> str:
    """One step of the lifecycle, with its audit row and notifications; returns the new status.
    ``delivery_on``: the expected delivery date the step gives, for the actions whose
    ``delivery_date`` allows one (domain.match_status; checked by clean_delivery_on before, from the
    city's today): a new date is stored, audited (before/after ``delivery_on``) and told to the
    other party; the same date again ("Save delivery date" retried) stores nothing.
    Declining or closing gives the units back, and a matching run follows the caller's commit.
    MatchTransitionError if the step is not allowed (raised before writing) or someone else
    changed the match meanwhile (the transaction is then rolled back); Forbidden, before writing,
    for a buyer whose organisation is not verified (permissions.buyer_may_act: an unverified
    organisation never accepts). Flushes."""
    party = match_party(actor, match)
    if party is None:
        raise MatchTransitionError(_("This match is not yours."))
    if party == "buyer" and not permissions.buyer_may_act(_verified(actor)):
        raise Forbidden(buyer_refusal(_verified(actor)))
    target = _change_status(match, actor, party, action_name, reason=reason, close_reason=close_reason,
                            delivery_on=delivery_on)
    if MATCH_ACTIONS[action_name].returns_units:
        effects.replan("match_declined" if target == DECLINED else "match_closed", match_id=match.id)
    effects.after_commit("send_outbox")
    db.session.flush()
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
        effects.after_commit("refresh_summary")
        audit.record(actor.id if actor else None, "match.close", "match", match.id, before={"status": before},
                     after={"status": "closed"}, detail=reason)
        _settle_notices(match)
        _notify_parties(match, fact("match_closed", match_id=match.id, close_reason=close_reason),
                        exclude=actor, buyers=buyers)
    return len(matches)


def close_for_withdrawal(request: DemandRequest, actor: User, close_reason: str = "request_withdrawn") -> int:
    """A withdrawn or closed request's proposals end (the caller commits); accepted matches stay.
    ``close_reason``: "request_withdrawn" or "request_closed" (the rest is no longer needed)."""
    return _close_active(select(Match).where(Match.demand_id == request.id), actor, close_reason, (PROPOSED,))


def close_for_lead_withdrawal(lead: Lead, actor: User) -> int:
    """A withdrawn offer's proposals end as "no supply" (the caller commits); accepted and ordered
    matches stay: the supplier closes each with "Cannot supply" if it cannot deliver it."""
    return _close_active(select(Match).where(Match.lead_id == lead.id), actor, "no_supply", (PROPOSED,))


def close_for_offer_change(lead: Lead, actor: User) -> int:
    """An approved offer confirmed with a higher price or more units goes back to vetting: its
    proposals the buyers have not accepted end as "offer_changed" (buyers and supplier told);
    accepted and ordered matches keep their agreed price and quantity. The caller commits."""
    closed = _close_active(select(Match).where(Match.lead_id == lead.id), actor, "offer_changed", (PROPOSED,))
    if closed:
        effects.after_commit("send_outbox")
    return closed


def staff_to_tell() -> list[User]:
    """The active admins and vetters: who follows up on matches the city must look after."""
    return list(db.session.execute(select(User).where(User.role.in_(STAFF_ROLES), User.active.is_(True))
                                   .order_by(User.id)).scalars())


def close_for_deactivation(user: User, actor: User) -> tuple[int, list[int]]:
    """The city deactivated ``user`` (part of accounts.set_active; the caller commits). A supplier's
    proposals not yet accepted end as "supplier_deactivated"; a buyer's organisation's, as
    "buyer_deactivated", only when no other active buyer is left to accept them
    (domain.match_status.deactivation_close_reason). Their parties are told (match_closed), the units
    go back to matching. Matches already accepted or ordered are never cancelled here: staff (but
    ``actor``) are told which to follow up ("account_deactivated"). Returns (proposals closed, ids
    of the matches to follow up)."""
    others = 0
    if user.role == "buyer" and user.organisation_id is not None:
        others = db.session.execute(select(func.count()).select_from(User).where(
            User.organisation_id == user.organisation_id, User.role == "buyer", User.active.is_(True),
            User.id != user.id)).scalar_one()
    reason = deactivation_close_reason(user.role, others)
    if reason is None:
        return 0, []
    if user.role == "supplier":
        query = select(Match).join(Lead, Lead.id == Match.lead_id).where(Lead.owner_id == user.id)
    else:
        query = select(Match).join(DemandRequest, DemandRequest.id == Match.demand_id).where(
            DemandRequest.organisation_id == user.organisation_id)
    follow_up = sorted(db.session.execute(query.with_only_columns(Match.id).where(
        Match.status.in_(IN_PROGRESS_STATUSES))).scalars())
    closed = _close_active(query, actor, reason, (PROPOSED,))
    if closed or follow_up:
        notify(staff_to_tell(), fact("account_deactivated", email=user.email, role=user.role, withdrawn=closed,
                                     follow_up=", ".join(f"#{i}" for i in follow_up)),
               f"/matches/{follow_up[0]}" if follow_up else "/matches/?status=closed", exclude=actor)
    if closed:
        effects.replan("account_deactivated", email=user.email)
    return closed, follow_up


def tell_suppliers_of_unverified(organisation_id: int, organisation_name: str, actor: User | None) -> int:
    """The city withdrew a buyer organisation's verification: the supplier of each of its matches in
    progress (accepted or ordered) is told ("match_buyer_unverified"); the match is not cancelled and
    the supplier keeps the delivery address (docs/decisions.md). Returns how many were told."""
    rows = db.session.execute(select(Match).join(DemandRequest, DemandRequest.id == Match.demand_id).where(
        DemandRequest.organisation_id == organisation_id, Match.status.in_(IN_PROGRESS_STATUSES))
        .order_by(Match.id).options(selectinload(Match.lead).selectinload(Lead.owner))).scalars()
    told = 0
    for match in rows:
        told += notify([match.lead.owner], fact("match_buyer_unverified", match_id=match.id,
                                                demand_id=match.demand_id, organisation=organisation_name),
                       f"/matches/{match.id}", exclude=actor)
    return told


def lead_status_changed(lead: Lead, before: str, after: str, actor: User) -> None:
    """Part of a vetting decision (the caller commits once). Approval brings new supply: match
    again. A lead that is no longer approved can promise nothing: its open matches are closed."""
    if after == APPROVED:
        effects.replan("lead_approved", lead_id=lead.id)
    elif before == APPROVED:
        if _close_active(select(Match).where(Match.lead_id == lead.id), actor, "supplier_not_approved",
                         ACTIVE_STATUSES):
            effects.after_commit("send_outbox")
        effects.replan("lead_unapproved", lead_id=lead.id)


def matches_query(*, organisation_id: int | None = None, lead_owner_id: int | None = None,
                  lead_id: int | None = None, demand_id: int | None = None, status: str | None = None,
                  category: str | None = None):
    query = select(Match).order_by(Match.id.desc()).options(
        selectinload(Match.demand).selectinload(DemandRequest.organisation), selectinload(Match.lead))
    if organisation_id is not None:
        query = query.join(DemandRequest, DemandRequest.id == Match.demand_id).where(
            DemandRequest.organisation_id == organisation_id)
    if lead_owner_id is not None or category is not None:
        query = query.join(Lead, Lead.id == Match.lead_id)
    if lead_owner_id is not None:
        query = query.where(Lead.owner_id == lead_owner_id)
    if category is not None:
        query = query.where(Lead.product_category == category)  # the offer's category
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
