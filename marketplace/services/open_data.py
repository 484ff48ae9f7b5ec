"""Open data (issue 12, item 4): the facts behind the daily table at /open-data and the OCDS
release package of `flask open-data ocds`, read from the database; the counting, suppression and
OCDS shaping are pure (domain.open_data, domain.disclosure, domain.ocds).

The daily table is counted by a job into a snapshot (``refresh``: the sweeper's job when the newest
is older than OPEN_DATA_MAX_AGE; without Redis a request after its response, web.open_data_refresh;
`flask open-data refresh`), and the public routes read only ``published()``. Everything else reads only.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import case, func, literal_column, null, select
from sqlalchemy.orm import aliased

from ..domain import ocds
from ..domain.dates import city_today
from ..domain.errors import ExportInvalid
from ..domain.i18n import DEFAULT_LOCALE, _, use_locale
from ..domain.lead_status import APPROVED
from ..domain.match_status import ACCEPTED, DELIVERED, ORDERED
from ..domain.open_data import ACCEPTED as STAGE_ACCEPTED
from ..domain.open_data import APPROVALS, REQUESTS, MatchFact, Tally, rows_from_tallies, tallies
from ..domain.open_data import DELIVERED as STAGE_DELIVERED
from ..domain.open_data import PROPOSED as STAGE_PROPOSED
from ..extensions import db
from ..models import AuditLog, DemandRequest, Lead, Match, Organisation, SummarySnapshot, User
from ..models.base import city_date, utcnow
from . import settings, snapshots

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


def _supplier_key_sql(owner):
    """The same supplier as one integer, cheap to count distinct: the owner's organisation id, or
    minus the cluster (or lead) id for a lead without an account."""
    return case((owner.organisation_id.is_not(None), owner.organisation_id),
                else_=-func.coalesce(Lead.cluster_id, Lead.id))


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def daily() -> list[dict]:
    """The published daily table (domain.open_data.rows_from_tallies): every city date and category
    with an event, each figure passed through disclosure.public_figure. Counted by the database
    (GROUP BY city date and category, distinct organisations and the largest one's units counted
    there), except the
    deliveries, read one by one for their median. In English whatever the reader's language (the
    rows are published as files and shared by every reader of the cache)."""
    zone = settings.current().city_zone
    zone_sql = literal_column("'" + str(zone).replace("'", "''") + "'")  # an IANA name, checked at start
    owner = aliased(User)
    supplier = _supplier_key_sql(owner)
    counted: list[Tally] = []

    def tally(kind: str, statement) -> None:
        """Count ``statement``'s events (columns day, category, units, buyer, supplier; a party the
        kind is not about NULL) per day and category: events, units, distinct organisations of each
        party and the units of the largest of each (one window sum per organisation, then the max)."""
        events = statement.subquery()
        cell = (events.c.day, events.c.category)
        per_org = select(events, func.sum(events.c.units).over(partition_by=(*cell, events.c.buyer)).label("buyer_units"),
                         func.sum(events.c.units).over(partition_by=(*cell, events.c.supplier)).label("supplier_units")
                         ).subquery()
        has = {party: case((getattr(per_org.c, party).is_not(None), getattr(per_org.c, party + "_units")), else_=0)
               for party in ("buyer", "supplier")}
        for day, category, count, units, buyers, suppliers, largest_buyer, largest_supplier in db.session.execute(
                select(per_org.c.day, per_org.c.category, func.count(), func.sum(per_org.c.units),
                       func.count(per_org.c.buyer.distinct()), func.count(per_org.c.supplier.distinct()),
                       func.max(has["buyer"]), func.max(has["supplier"]))
                .group_by(per_org.c.day, per_org.c.category)):
            counted.append(Tally(_as_date(day), category, kind, count, int(units or 0), buyers, suppliers,
                                 largest_buyer=int(largest_buyer or 0), largest_supplier=int(largest_supplier or 0)))

    def events(day, category, units, buyer, supplier):
        return select(day.label("day"), category.label("category"), units.label("units"),
                      buyer.label("buyer"), supplier.label("supplier"))

    nobody = null()
    tally(REQUESTS, events(city_date(DemandRequest.created_at, zone_sql), DemandRequest.category,
                           DemandRequest.quantity, DemandRequest.organisation_id, nobody))
    tally(APPROVALS, events(city_date(Lead.decided_at, zone_sql), Lead.product_category, Lead.quantity, nobody, supplier)
          .outerjoin(owner, owner.id == Lead.owner_id)
          .where(Lead.status == APPROVED, Lead.decided_at.is_not(None)))
    tally(STAGE_PROPOSED, events(city_date(Match.created_at, zone_sql), Lead.product_category, Match.quantity,
                                 DemandRequest.organisation_id, supplier)
          .join(Lead, Lead.id == Match.lead_id).join(DemandRequest, DemandRequest.id == Match.demand_id)
          .outerjoin(owner, owner.id == Lead.owner_id))
    tally(STAGE_ACCEPTED, events(city_date(AuditLog.at, zone_sql), Lead.product_category, Match.quantity,
                                 DemandRequest.organisation_id, supplier)
          .select_from(AuditLog)
          .join(Match, Match.id == AuditLog.entity_id).join(Lead, Lead.id == Match.lead_id)
          .join(DemandRequest, DemandRequest.id == Match.demand_id).outerjoin(owner, owner.id == Lead.owner_id)
          .where(AuditLog.entity_type == "match", AuditLog.action == "match.accept"))
    deliveries = [MatchFact(city_today(_aware(at), zone), category, STAGE_DELIVERED, quantity, buyer, key,
                            days_to_delivery=(_aware(at) - _aware(posted)).total_seconds() / 86400)
                  for at, category, quantity, buyer, key, posted in db.session.execute(
                      select(AuditLog.at, Lead.product_category, Match.quantity, DemandRequest.organisation_id,
                             supplier, DemandRequest.created_at)
                      .join(Match, Match.id == AuditLog.entity_id).join(Lead, Lead.id == Match.lead_id)
                      .join(DemandRequest, DemandRequest.id == Match.demand_id)
                      .outerjoin(owner, owner.id == Lead.owner_id)
                      .where(AuditLog.entity_type == "match", AuditLog.action == "match.mark_delivered"))]
    with use_locale(DEFAULT_LOCALE):  # published data (and cached for every reader): category labels in English
        return rows_from_tallies(counted + tallies([], [], deliveries))


# --- the published snapshot ---------------------------------------------------------------------

KIND = "open_data"  # its SummarySnapshot kind (services.snapshots)


@dataclass(frozen=True)
class Published:
    """The newest counted daily table: ``rows`` as daily() gave them, counted at ``as_of`` (aware UTC)."""
    rows: list[dict]
    as_of: datetime


def published() -> Published | None:
    """The daily table the public routes serve: the newest snapshot (one row by an index; the table
    is never counted here), or None before the first count. The rows are shared: do not change them."""
    snapshot = snapshots.latest(KIND)
    return Published(snapshot.figures["rows"], _aware(snapshot.computed_at)) if snapshot else None


def refresh_due(max_age: timedelta | None = None, now: datetime | None = None) -> bool:
    """Whether the newest snapshot is missing or older than ``max_age`` (OPEN_DATA_MAX_AGE)."""
    return snapshots.due(KIND, max_age if max_age is not None else settings.current().open_data_max_age, now)


def refresh_due_in(now: datetime | None = None) -> timedelta:
    """How long until the newest snapshot is older than OPEN_DATA_MAX_AGE (zero or less: due now)."""
    return snapshots.due_in(KIND, settings.current().open_data_max_age, now)


def refresh(now: datetime | None = None) -> SummarySnapshot:
    """Count the daily table now (daily()) and store it as the newest snapshot, figures
    ``{"as_of": ISO timestamp, "rows": [...]}``; a few older ones are kept. Flushes; the caller
    (the job, the CLI) commits. Seconds at a million leads: only jobs and the CLI call it."""
    started = time.perf_counter()
    now = now or utcnow()
    rows = daily()
    return snapshots.store(KIND, {"as_of": now.isoformat(), "rows": rows}, now, time.perf_counter() - started)


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
        with use_locale(DEFAULT_LOCALE):  # a published file: its category labels in English
            package = ocds.release_package(
                _award_facts(), prefix=config.ocds_prefix, publisher=config.open_data_publisher,
                package_uri=config.ocds_package_uri, published_at=now or utcnow(),
                publish=config.ocds_publish, license_url=config.open_data_license[1])
    except ValueError as error:
        raise ExportInvalid(str(error)) from None
    if not package["releases"]:
        raise ExportInvalid(_("No match has been accepted yet: there is nothing to publish (an OCDS release "
                              "package needs at least one release); nothing was written."))
    check(package)
    return package


def check(package: dict) -> None:
    """ExportInvalid listing the problems when ``package`` does not validate against OCDS 1.1."""
    problems = ocds.validate(package)
    if problems:
        raise ExportInvalid(_("The OCDS release package does not validate against the OCDS 1.1 schema; "
                              "nothing was written."), problems)


def write_ocds(path: Path, package: dict) -> None:
    """Check ``package`` again and write it to ``path`` (UTF-8 JSON) through a temporary file, so a
    failed run leaves no half-written or invalid file behind."""
    check(package)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
