"""Open data (issue 12, item 4): the facts behind the daily table at /open-data, read from the
database; the counting and suppression are pure (domain.open_data, domain.disclosure).

Reads only; nothing is written, so the edge commits nothing.
"""
from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..domain.dates import city_today
from ..domain.lead_status import APPROVED
from ..domain.open_data import ACCEPTED as STAGE_ACCEPTED
from ..domain.open_data import DELIVERED as STAGE_DELIVERED
from ..domain.open_data import PROPOSED as STAGE_PROPOSED
from ..domain.open_data import ApprovalFact, MatchFact, RequestFact, daily_rows
from ..extensions import db
from ..models import AuditLog, DemandRequest, Lead, Match, User
from . import settings

# The audit actions that mark a match's stages (services.matches records them).
STAGE_ACTIONS = {"match.accept": STAGE_ACCEPTED, "match.mark_ordered": "ordered",
                 "match.mark_delivered": STAGE_DELIVERED}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _supplier_key(owner_organisation_id: int | None, cluster_id: int | None, lead_id: int) -> tuple:
    """The supplier behind a lead: the owner's organisation, or the resolved supplier cluster for a
    lead without an account (imported by staff)."""
    if owner_organisation_id is not None:
        return ("organisation", owner_organisation_id)
    return ("cluster", cluster_id or lead_id)


def _stage_times() -> dict[int, dict[str, datetime]]:
    """match id -> {stage: first time it reached it} from the audit log."""
    rows = db.session.execute(select(AuditLog.entity_id, AuditLog.action, AuditLog.at).where(
        AuditLog.entity_type == "match", AuditLog.action.in_(tuple(STAGE_ACTIONS))).order_by(AuditLog.id))
    times: dict[int, dict[str, datetime]] = {}
    for match_id, action, at in rows:
        times.setdefault(match_id, {}).setdefault(STAGE_ACTIONS[action], _aware(at))
    return times


def daily() -> list[dict]:
    """The published daily table (domain.open_data.daily_rows): every day and category with an
    event, in the city's dates, each figure suppressed under disclosure.MIN_ORGANISATIONS."""
    zone = settings.current().city_zone

    def day(moment: datetime):
        return city_today(_aware(moment), zone)

    requests = [RequestFact(day(created), category, quantity, org)
                for created, category, quantity, org in db.session.execute(select(
                    DemandRequest.created_at, DemandRequest.category, DemandRequest.quantity,
                    DemandRequest.organisation_id))]
    owner = aliased(User)
    approvals = [ApprovalFact(day(decided), category, quantity, _supplier_key(org, cluster, lead_id))
                 for decided, category, quantity, org, cluster, lead_id in db.session.execute(
                     select(Lead.decided_at, Lead.product_category, Lead.quantity, owner.organisation_id,
                            Lead.cluster_id, Lead.id)
                     .outerjoin(owner, owner.id == Lead.owner_id)
                     .where(Lead.status == APPROVED, Lead.decided_at.is_not(None)))]
    stages = _stage_times()
    matches: list[MatchFact] = []
    for (match_id, quantity, created, category, org, cluster, lead_id, buyer, posted) in db.session.execute(
            select(Match.id, Match.quantity, Match.created_at, Lead.product_category, owner.organisation_id,
                   Lead.cluster_id, Lead.id, DemandRequest.organisation_id, DemandRequest.created_at)
            .join(Lead, Lead.id == Match.lead_id).join(DemandRequest, DemandRequest.id == Match.demand_id)
            .outerjoin(owner, owner.id == Lead.owner_id)):
        supplier = _supplier_key(org, cluster, lead_id)
        matches.append(MatchFact(day(created), category, STAGE_PROPOSED, quantity, buyer, supplier))
        times = stages.get(match_id, {})
        if STAGE_ACCEPTED in times:
            matches.append(MatchFact(day(times[STAGE_ACCEPTED]), category, STAGE_ACCEPTED, quantity, buyer, supplier))
        if STAGE_DELIVERED in times:
            delivered = times[STAGE_DELIVERED]
            days = (delivered - _aware(posted)).total_seconds() / 86400
            matches.append(MatchFact(day(delivered), category, STAGE_DELIVERED, quantity, buyer, supplier,
                                     days_to_delivery=days))
    return daily_rows(requests, approvals, matches)


_cache: dict[tuple, tuple[float, list[dict]]] = {}
_cache_lock = threading.Lock()


def daily_published() -> list[dict]:
    """``daily()`` as the public routes serve it: computed at most once every OPEN_DATA_CACHE_SECONDS
    per database and process (0: every time), so that anonymous readers cannot make the server
    count the whole marketplace on every request. The rows are shared: do not change them."""
    ttl = settings.current().open_data_cache_seconds
    if ttl <= 0:
        return daily()
    key = (str(db.engine.url), str(settings.current().city_zone))
    now = time.monotonic()
    hit = _cache.get(key)
    if hit and now - hit[0] < ttl:
        return hit[1]
    with _cache_lock:  # one computation at a time; the others wait for it and read the result
        hit = _cache.get(key)
        if hit and time.monotonic() - hit[0] < ttl:
            return hit[1]
        rows = daily()
        _cache[key] = (time.monotonic(), rows)
        return rows
