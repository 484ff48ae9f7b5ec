"""The shortfall projection's inputs from the database, and its results per category (issue 12
item 1): the method is domain.shortfall's; this module only says who the facilities are and when
each lot of supply arrives.

- **Facilities**: per buyer organisation (verified, as for matching: services.supply.open_needs)
  and category, the open request with an average daily use and the newest stock count (domain.stock)
  is that facility's burn; its units left today are the count less the use since, plus the units
  of the organisation's matches in that category delivered after the count. Open requests with only
  days of supply have no daily use: they are not projected, and are counted per category
  (``requests_without_use``) so that the page can say so.
- **Reserved lots**: the units of proposed, accepted and ordered matches of open requests, for the
  request's facility (in the request's category, also when the offer is a substitute). They arrive
  on the match's confirmed delivery date (``Match.delivery_on``: the supplier's, or the one the
  buyer recorded when ordering) when it has one; otherwise the offer's lead time
  (allocation.lead_time: DEFAULT_LEAD_TIME_DAYS when not stated) after today for a proposal, or
  after the day the match was accepted or ordered (its last change).
- **Free lots**: the approved supply the newest allocation plan gives open requests
  (services.planning.planned_supply: its lines, in the request's category), arriving today plus
  the offer's lead time, pooled per category. Free units that no open request can take (a minimum
  order above every request, a price above every maximum, another category than any request
  accepts) are no one's supply, so they do not cover a facility.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from ..domain import allocation
from ..domain.catalog import PRODUCT_CATEGORIES
from ..domain.catalog import values as choice_values
from ..domain.dates import city_today
from ..domain.demand import STATUS_OPEN
from ..domain.match_status import ACTIVE_STATUSES, DELIVERED, PROPOSED
from ..domain.shortfall import HORIZON_DAYS, Day, Facility, Lot, Projection, project
from ..domain.stock import Stock, days_left, units_left
from ..extensions import db
from ..models import DemandRequest, Lead, Match, Organisation
from . import settings
from .demand import STOCK_FIELDS, request_stock, today
from .planning import PlannedSupply, planned_supply


@dataclass(frozen=True)
class CategoryShortfall:
    """A category's shortfall projection over the next ``len(days)`` days from ``starts_on`` (today):
    ``facilities`` projected; ``requests_without_use`` open requests not projected (days of supply
    only); ``first_short_on`` the first day with units short and ``first_short_week`` its week
    (1 = the 7 days from today), None when it does not run short; ``short_in_first_week`` whole units
    short in that week; ``short_units`` whole units short over the horizon; ``days`` the series
    (domain.shortfall.Day: day n is ``starts_on`` + n days)."""
    category: str
    facilities: int
    requests_without_use: int
    first_short_on: date | None
    first_short_week: int | None
    short_in_first_week: int
    short_units: int
    starts_on: date
    days: tuple[Day, ...]


def _city_date(moment) -> date:
    return city_today(moment, settings.current().city_zone)


def _on_hand(stock: Stock, day: date) -> Decimal:
    """Units left on ``day`` by the count; a daily use without a count (not written by the form or
    the import, which require both) reads as the days of supply left times the use."""
    left = units_left(stock, day)
    return left if left is not None else days_left(stock, day) * stock.daily_use


def _facilities(day: date) -> tuple[list[Facility], dict[str, int], dict[int, tuple]]:
    """(facilities, {category: open requests without daily use}, {request id: its facility key})."""
    # Only the columns used (no request objects: 100,000 open requests are read on every refresh).
    requests = db.session.execute(
        select(DemandRequest.id, DemandRequest.organisation_id, DemandRequest.category, DemandRequest.created_at,
               *(getattr(DemandRequest, name) for name in STOCK_FIELDS))
        .join(Organisation, Organisation.id == DemandRequest.organisation_id)
        .where(DemandRequest.status == STATUS_OPEN, Organisation.verified_at.is_not(None))
        .order_by(DemandRequest.id)).all()
    burns: dict[tuple, Stock] = {}
    for request in requests:
        if request.avg_daily_use is None:
            continue
        key = (request.organisation_id, request.category)
        stock = request_stock(request)
        newest = burns.get(key)
        if newest is None or stock.counted_on >= newest.counted_on:
            burns[key] = stock
    keys = {r.id: (r.organisation_id, r.category) for r in requests}
    without_use: dict[str, int] = {}
    for request in requests:
        if keys[request.id] not in burns:
            without_use[request.category] = without_use.get(request.category, 0) + 1
    delivered: dict[tuple, Decimal] = {}
    if burns:
        rows = db.session.execute(
            select(DemandRequest.organisation_id, DemandRequest.category, Match.quantity, Match.updated_at)
            .join(Match, Match.demand_id == DemandRequest.id)
            .join(Organisation, Organisation.id == DemandRequest.organisation_id)
            # Verified organisations' deliveries, kept below for a facility: no IN list of ids
            # (PostgreSQL's 65,535 parameters).
            .where(Match.status == DELIVERED, Organisation.verified_at.is_not(None)))
        for organisation_id, category, quantity, delivered_at in rows:
            key = (organisation_id, category)
            if key in burns and burns[key].counted_on < _city_date(delivered_at) <= day:
                delivered[key] = delivered.get(key, Decimal(0)) + quantity
    facilities = [Facility(key, key[1], _on_hand(stock, day) + delivered.get(key, Decimal(0)), stock.daily_use)
                  for key, stock in burns.items()]
    return facilities, without_use, keys


def _lots(day: date, keys: dict[int, tuple], planned: PlannedSupply) -> list[Lot]:
    lots = [Lot(category, units, allocation.DEFAULT_LEAD_TIME_DAYS if lead_time_days is None else lead_time_days)
            for category, lead_time_days, units in planned.lots]
    rows = db.session.execute(
        select(Match.demand_id, Match.quantity, Match.status, Match.updated_at, Match.delivery_on,
               Lead.lead_time_days)
        .join(Lead, Lead.id == Match.lead_id)
        .join(DemandRequest, DemandRequest.id == Match.demand_id)
        # The open requests' matches, kept below when their request is a facility's: no IN list of
        # request ids (PostgreSQL takes at most 65,535 parameters; 100,000 requests exceed it).
        .where(Match.status.in_(ACTIVE_STATUSES), DemandRequest.status == STATUS_OPEN))
    for demand_id, quantity, status, changed_at, delivery_on, lead_time_days in rows:
        if demand_id not in keys:
            continue
        if delivery_on is None:
            lead_time = allocation.DEFAULT_LEAD_TIME_DAYS if lead_time_days is None else lead_time_days
            start = day if status == PROPOSED else _city_date(changed_at)
            delivery_on = start + timedelta(days=lead_time)
        key = keys[demand_id]
        lots.append(Lot(key[1], quantity, (delivery_on - day).days, for_facility=key))
    return lots


def _result(projection: Projection, without_use: int, day: date) -> CategoryShortfall:
    first = None if projection.first_short_day is None else day + timedelta(days=projection.first_short_day)
    return CategoryShortfall(projection.category, projection.facilities, without_use, first,
                             projection.first_short_week, projection.short_in_first_week, projection.short_units, day,
                             projection.days)


def shortfall_projection(day: date | None = None, horizon: int = HORIZON_DAYS,
                         planned: PlannedSupply | None = None) -> list[CategoryShortfall]:
    """The projection for every product category (in catalog order) over ``horizon`` days from
    ``day`` (default: the city's today), by domain.shortfall's method with this module's inputs
    (``planned``: the free lots, planning.planned_supply() when not given).
    Reads only; a category with no facility and no supply is all zeros."""
    day = day or today()
    facilities, without_use, keys = _facilities(day)
    lots = _lots(day, keys, planned if planned is not None else planned_supply())
    categories = choice_values(PRODUCT_CATEGORIES)
    projections = project(categories, facilities, lots, horizon)
    return [_result(projections[c], without_use.get(c, 0), day) for c in categories]
