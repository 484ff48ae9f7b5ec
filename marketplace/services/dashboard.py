"""The control tower's figures (issue 12, items 1 and 2), counted by a job into a summary snapshot.

``compute()`` counts every figure of the staff dashboard and the public needs board with grouped
aggregate queries (seconds at a million leads); ``refresh()`` stores the result as the newest
SummarySnapshot (services.snapshots, kind "dashboard"); the pages read only ``latest()`` (one row
by an index), so they answer in milliseconds at any volume. Changes that move the figures declare ``after_commit("refresh_summary")``
(coalesced: one count for a burst); the sweeper counts again when the newest snapshot is older than
SUMMARY_MAX_AGE (new submissions, and anything whose effect was lost).

The snapshot's ``figures`` (all numbers in units, durations in seconds, dates ISO):
    as_of, today                      ISO timestamp of the count, the city's date
    categories[c]: requested          units of open requests
                   still_needed       units of open requests not yet held by a match
                   free_supply        units of approved leads not held by a match
                   planned            units of that free supply the newest allocation plan gives
                                      open requests of the category (services.planning.planned_supply):
                                      what covers it; free units no open request can take do not
                   proposed, accepted, ordered, delivered   units in matches of each status
                   organisations      distinct organisations with units still needed
                   largest            units still needed by the one organisation needing the most
                                      (the public board's dominance rule, domain.disclosure)
                   windows[w]         {"units", "organisations", "largest"} still needed per
                                      domain.dashboard.NEED_WINDOWS
    plan                              {"id", "as_of" (ISO), "current"} of the plan ``planned`` is
                                      from (current: no change of supply or demand since), or None
    leads:   submitted, processed, in_review, approved, rejected   (lead counts)
    matches: proposed, accepted, ordered, delivered                (match counts)
    medians[gap]                      seconds (None: no example yet), domain.dashboard.STAGE_GAPS,
                                      over the last MEDIAN_DAYS days
    backlog[bucket]                   open leads per domain.dashboard.AGE_BUCKETS
    waiting_on_supplier               leads whose question awaits the supplier's answer
    signals                           [{"code", "seen", "stopped"}]: leads submitted in the last
                                      7 days carrying the flag, and how many of them were rejected
    shortfall                         [{"category", "facilities", "requests_without_use",
                                        "first_short_on" (ISO or None), "first_short_week" (1-4 or None),
                                        "short_in_first_week", "short_units", "weekly_short" [4 ints]}]:
                                      services.shortfall's projection over the next 28 days, units
"""
from __future__ import annotations

import math
import time
from datetime import datetime, timedelta

from sqlalchemy import Integer, and_, case, cast, func, literal, select

from ..domain.dashboard import AGE_BUCKETS, NEED_WINDOWS, median
from ..domain.demand import STATUS_OPEN
from ..domain.lead_status import APPROVED, INFO_REQUESTED, OPEN_STATUSES, PROCESSING_DONE, REJECTED
from ..domain.match_status import ACCEPTED, DELIVERED, ORDERED, PROPOSED
from ..extensions import db
from ..models import AuditLog, DemandRequest, Lead, LeadFlag, Match, SummarySnapshot
from ..models.base import utcnow
from . import settings, snapshots
from .demand import today as city_today
from .held import held_by, units_left
from .planning import PlannedSupply, planned_supply
from .shortfall import shortfall_projection

KIND = "dashboard"  # its SummarySnapshot kind (services.snapshots)
KEEP_SNAPSHOTS = snapshots.KEEP_SNAPSHOTS
# The medians between stages cover the leads and matches that entered their first stage this recently.
MEDIAN_DAYS = 30
MATCH_STATUSES_SHOWN = (PROPOSED, ACCEPTED, ORDERED, DELIVERED)


def latest() -> SummarySnapshot | None:
    """The newest snapshot (None before the first count)."""
    return snapshots.latest(KIND)


def refresh_due(max_age: timedelta | None = None, now: datetime | None = None) -> bool:
    """Whether the newest snapshot is missing or older than ``max_age`` (SUMMARY_MAX_AGE)."""
    return snapshots.due(KIND, max_age if max_age is not None else settings.current().summary_max_age, now)


def refresh(now: datetime | None = None) -> SummarySnapshot:
    """Count every figure now and store it as the newest snapshot; older ones beyond the newest
    KEEP_SNAPSHOTS are deleted. Flushes; the caller (the job, the CLI) commits."""
    started = time.perf_counter()
    figures = compute(now)
    return snapshots.store(KIND, figures, datetime.fromisoformat(figures["as_of"]), time.perf_counter() - started)


def compute(now: datetime | None = None) -> dict:
    """Every figure, counted now (see the module docstring for the shape). Reads only."""
    now = now or utcnow()
    today = city_today()
    categories: dict[str, dict] = {}

    def cat(code: str) -> dict:
        return categories.setdefault(code, {"requested": 0, "still_needed": 0, "free_supply": 0, "planned": 0,
                                            **{status: 0 for status in MATCH_STATUSES_SHOWN},
                                            "organisations": 0, "largest": 0, "windows": {}})

    _demand(today, cat)
    _supply(cat)
    planned = planned_supply()
    for category, units in planned.by_category().items():
        cat(category)["planned"] = units
    for category, status, units in db.session.execute(
            select(Lead.product_category, Match.status, func.sum(Match.quantity))
            .join(Lead, Lead.id == Match.lead_id)
            .where(Match.status.in_(MATCH_STATUSES_SHOWN)).group_by(Lead.product_category, Match.status)):
        cat(category)[status] = int(units or 0)
    return {
        "as_of": now.isoformat(),
        "today": today.isoformat(),
        "categories": categories,
        "plan": None if planned.plan_id is None else {"id": planned.plan_id, "as_of": planned.as_of.isoformat(),
                                                      "current": planned.current},
        "leads": _lead_funnel(),
        "matches": {status: 0 for status in MATCH_STATUSES_SHOWN} | {
            status: int(n) for status, n in db.session.execute(
                select(Match.status, func.count()).where(Match.status.in_(MATCH_STATUSES_SHOWN))
                .group_by(Match.status))},
        "medians": _medians(now),
        "backlog": _backlog(now),
        "waiting_on_supplier": int(db.session.scalar(
            select(func.count()).select_from(Lead).where(Lead.status == INFO_REQUESTED)) or 0),
        "signals": _signals(now),
        "shortfall": _shortfall(today, planned),
    }


def _shortfall(today, planned: PlannedSupply) -> list[dict]:
    """The shortfall projection (services.shortfall) as plain figures: per category with a facility
    projected or units short, the first short day and week, and whole units short per week."""
    rows = []
    for result in shortfall_projection(today, planned=planned):
        if not (result.facilities or result.short_units or result.requests_without_use):
            continue
        weekly = [0] * ((len(result.days) + 6) // 7)
        for index, day in enumerate(result.days):
            weekly[index // 7] += day.short
        rows.append({"category": result.category, "facilities": result.facilities,
                     "requests_without_use": result.requests_without_use,
                     "first_short_on": result.first_short_on.isoformat() if result.first_short_on else None,
                     "first_short_week": result.first_short_week,
                     "short_in_first_week": result.short_in_first_week, "short_units": result.short_units,
                     "weekly_short": [math.ceil(units) for units in weekly]})
    return rows


def _demand(today, cat) -> None:
    held = held_by(Match.demand_id)
    remaining = units_left(DemandRequest.quantity, held.c.held)  # the staff requests' still_needed filter
    week, month = today + timedelta(days=7), today + timedelta(days=28)
    window = case((DemandRequest.needed_by <= week, literal(NEED_WINDOWS[0][0])),
                  (DemandRequest.needed_by <= month, literal(NEED_WINDOWS[1][0])),
                  else_=literal(NEED_WINDOWS[2][0]))
    base = (select(DemandRequest.category.label("category"), window.label("window"),
                   DemandRequest.organisation_id.label("organisation_id"), DemandRequest.quantity.label("quantity"),
                   remaining.label("remaining"))
            .outerjoin(held, held.c.key == DemandRequest.id).where(DemandRequest.status == STATUS_OPEN)).subquery()
    needing = case((base.c.remaining > 0, base.c.organisation_id), else_=None)
    for category, requested, needed, organisations in db.session.execute(
            select(base.c.category, func.sum(base.c.quantity), func.sum(base.c.remaining),
                   func.count(func.distinct(needing))).group_by(base.c.category)):
        figures = cat(category)
        figures.update(requested=int(requested or 0), still_needed=int(needed or 0),
                       organisations=int(organisations or 0))
    for category, code, needed, organisations in db.session.execute(
            select(base.c.category, base.c.window, func.sum(base.c.remaining), func.count(func.distinct(needing)))
            .group_by(base.c.category, base.c.window)):
        cat(category)["windows"][code] = {"units": int(needed or 0), "organisations": int(organisations or 0),
                                          "largest": 0}
    # The largest organisation's units still needed, per category and per window (dominance rule).
    by_organisation: dict[tuple[str, int], int] = {}
    for category, code, organisation_id, needed in db.session.execute(
            select(base.c.category, base.c.window, base.c.organisation_id, func.sum(base.c.remaining))
            .group_by(base.c.category, base.c.window, base.c.organisation_id)):
        needed = int(needed or 0)
        window = cat(category)["windows"].setdefault(code, {"units": 0, "organisations": 0, "largest": 0})
        window["largest"] = max(window["largest"], needed)
        by_organisation[(category, organisation_id)] = by_organisation.get((category, organisation_id), 0) + needed
    for (category, _organisation_id), needed in by_organisation.items():
        figures = cat(category)
        figures["largest"] = max(figures.get("largest", 0), needed)


def _supply(cat) -> None:
    held = held_by(Match.lead_id)
    for category, free in db.session.execute(
            select(Lead.product_category, func.sum(units_left(Lead.quantity, held.c.held)))  # the queue's free filter
            .outerjoin(held, held.c.key == Lead.id).where(Lead.status == APPROVED).group_by(Lead.product_category)):
        cat(category)["free_supply"] = int(free or 0)


def _lead_funnel() -> dict[str, int]:
    def count(*where) -> int:
        return int(db.session.scalar(select(func.count()).select_from(Lead).where(*where)) or 0)

    by_status = dict(db.session.execute(select(Lead.status, func.count()).group_by(Lead.status)).all())
    return {"submitted": sum(by_status.values()),
            "processed": count(Lead.processing_state == PROCESSING_DONE),
            "in_review": sum(by_status.get(status, 0) for status in OPEN_STATUSES),
            "approved": by_status.get(APPROVED, 0), "rejected": by_status.get(REJECTED, 0)}


def _median_seconds(start, end, *where, select_from=None, joins=()) -> float | None:
    """The median of ``end - start`` in seconds over the rows ``where`` selects (``select_from``
    joined to each of ``joins``, (target, on)): in the database on PostgreSQL (percentile_cont),
    over the fetched pairs elsewhere (the embedded default)."""
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        query = select(func.percentile_cont(0.5).within_group(func.extract("epoch", end - start)))
    else:
        query = select(start, end)
    if select_from is not None:
        query = query.select_from(select_from)
    for target, on in joins:
        query = query.join(target, on)
    query = query.where(*where, start.is_not(None), end.is_not(None))
    if postgres:
        value = db.session.scalar(query)
        return float(value) if value is not None else None
    return median((b - a).total_seconds() for a, b in db.session.execute(query))


def _medians(now: datetime) -> dict[str, float | None]:
    """The median time between the funnel's stages (domain.dashboard.STAGE_GAPS), in seconds, over
    the leads and matches whose first stage is in the last MEDIAN_DAYS days (how the city works
    now; and a range of an index instead of every row: 4 s less at a million leads). A lead's
    stages are its own timestamps; a match's are its creation and its audit rows."""
    since = now - timedelta(days=MEDIAN_DAYS)
    first, second = db.aliased(AuditLog), db.aliased(AuditLog)
    return {
        "submitted_processed": _median_seconds(Lead.created_at, Lead.processed_at, Lead.created_at > since),
        "processed_decided": _median_seconds(Lead.processed_at, Lead.decided_at, Lead.created_at > since,
                                             Lead.status.in_((APPROVED, REJECTED))),
        "proposed_accepted": _median_seconds(Match.created_at, first.at, Match.created_at > since, select_from=Match,
                                             joins=[(first, and_(first.entity_type == "match",
                                                                 first.entity_id == Match.id,
                                                                 first.action == "match.accept"))]),
        "accepted_ordered": _median_steps(first, second, "match.accept", "match.mark_ordered", since),
        "ordered_delivered": _median_steps(first, second, "match.mark_ordered", "match.mark_delivered", since),
    }


def _median_steps(first, second, first_action: str, second_action: str, since: datetime) -> float | None:
    """The median time from a match's ``first_action`` to its ``second_action`` (audit rows), for
    first actions after ``since``."""
    return _median_seconds(first.at, second.at, first.entity_type == "match", first.action == first_action,
                           first.at > since, select_from=first,
                           joins=[(second, and_(second.entity_type == "match", second.entity_id == first.entity_id,
                                                second.action == second_action))])


def _backlog(now: datetime) -> dict[str, int]:
    bucket = case(*[(Lead.created_at > now - timedelta(days=high), literal(code))
                    for code, _, _, high in AGE_BUCKETS if high is not None], else_=literal(AGE_BUCKETS[-1][0]))
    counts = dict(db.session.execute(select(bucket, func.count()).where(Lead.status.in_(OPEN_STATUSES))
                                     .group_by(bucket)).all())
    return {code: int(counts.get(code, 0)) for code, _, _, _ in AGE_BUCKETS}


def _signals(now: datetime) -> list[dict]:
    stopped = func.sum(cast(Lead.status == REJECTED, Integer))
    rows = db.session.execute(
        select(LeadFlag.flag, func.count(), stopped).join(Lead, Lead.id == LeadFlag.lead_id)
        .where(Lead.created_at > now - timedelta(days=7)).group_by(LeadFlag.flag))
    return sorted(({"code": code, "seen": int(seen), "stopped": int(n or 0)} for code, seen, n in rows),
                  key=lambda s: (-s["seen"], s["code"]))
