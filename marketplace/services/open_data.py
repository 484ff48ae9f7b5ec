"""Open data (issue 12, item 4): the facts behind the daily table at /open-data and the OCDS
release package of `flask open-data ocds`, read from the database; the counting, suppression and
OCDS shaping are pure (domain.open_data, domain.disclosure, domain.ocds).

Reads only; nothing is written, so the edge commits nothing.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..domain import ocds
from ..domain.dates import city_today
from ..domain.errors import ExportInvalid
from ..domain.lead_status import APPROVED
from ..domain.match_status import ACCEPTED, DELIVERED, ORDERED
from ..domain.open_data import ACCEPTED as STAGE_ACCEPTED
from ..domain.open_data import DELIVERED as STAGE_DELIVERED
from ..domain.open_data import PROPOSED as STAGE_PROPOSED
from ..domain.open_data import ApprovalFact, MatchFact, RequestFact, daily_rows
from ..extensions import db
from ..models import AuditLog, DemandRequest, Lead, Match, Organisation, User
from ..models.base import utcnow
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


# --- OCDS --------------------------------------------------------------------------------------

def _award_facts() -> Iterator[ocds.AwardFact]:
    owner = aliased(User)
    buyer_org = aliased(Organisation)
    stages = _stage_times()
    rows = db.session.execute(
        select(Match, Lead, owner.organisation_id, buyer_org, DemandRequest.id)
        .join(Lead, Lead.id == Match.lead_id).join(DemandRequest, DemandRequest.id == Match.demand_id)
        .join(buyer_org, buyer_org.id == DemandRequest.organisation_id)
        .outerjoin(owner, owner.id == Lead.owner_id)
        .where(Match.status.in_((ACCEPTED, ORDERED, DELIVERED))).order_by(Match.id))
    for match, lead, owner_org, org, request_id in rows:
        times = stages.get(match.id, {})
        kind, key = _supplier_key(owner_org, lead.cluster_id, lead.id)
        supplier = ocds.PartyFact(
            key=f"{'o' if kind == 'organisation' else 'c'}{key}", name=lead.company_name, street=lead.street,
            city=lead.city, region=lead.state, postal_code=lead.postal_code, country=lead.country,
            contact_name=lead.contact_name, email=lead.email, phone=lead.phone)
        buyer = ocds.PartyFact(key=str(org.id), name=org.name, street=org.street, city=org.city, region=org.state,
                               postal_code=org.postal_code)
        yield ocds.AwardFact(
            match_id=match.id, request_id=request_id, category=lead.product_category, quantity=match.quantity,
            unit_price=match.unit_price, status=match.status,
            accepted_at=times.get(STAGE_ACCEPTED) or _aware(match.updated_at),
            updated_at=_aware(match.updated_at), buyer=buyer, supplier=supplier,
            ordered_at=times.get("ordered"), delivered_at=times.get(STAGE_DELIVERED))


def ocds_package(now: datetime | None = None) -> dict:
    """The OCDS 1.1 release package of every accepted, ordered and delivered match, validated.
    Raises ExportInvalid when OCDS_PREFIX or OCDS_PUBLISH is wrong, or the package is invalid
    (its ``problems`` say where), never returns an invalid package."""
    config = settings.current()
    try:
        package = ocds.release_package(
            _award_facts(), prefix=config.ocds_prefix, publisher=config.open_data_publisher,
            package_uri=config.ocds_package_uri, published_at=now or utcnow(),
            publish=config.ocds_publish, license_url=config.open_data_license[1])
    except ValueError as error:
        raise ExportInvalid(str(error)) from None
    if not package["releases"]:
        raise ExportInvalid("No match has been accepted yet: there is nothing to publish (an OCDS release "
                            "package needs at least one release); nothing was written.")
    check(package)
    return package


def check(package: dict) -> None:
    """ExportInvalid listing the problems when ``package`` does not validate against OCDS 1.1."""
    problems = ocds.validate(package)
    if problems:
        raise ExportInvalid("The OCDS release package does not validate against the OCDS 1.1 schema; "
                              "nothing was written.", problems)


def write_ocds(path: Path, package: dict) -> None:
    """Check ``package`` again and write it to ``path`` (UTF-8 JSON) through a temporary file, so a
    failed run leaves no half-written or invalid file behind."""
    check(package)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
