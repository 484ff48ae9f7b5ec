"""The shortfall projection (issue 12 item 1): for each product category, the next HORIZON_DAYS
days, day by day, which week the facilities first run short and by how many units.

The method (docs/decisions.md, "The shortfall projection", is the text the dashboard quotes):

- Each facility (a buyer organisation's burn of one category: its open request with the newest
  stock count and an average daily use, domain.stock) starts day 0 (today) with the units it has
  left (stock.units_left) and uses its average daily use every day (the CDC burn-rate method).
- Supply arrives as lots on a day: a **reserved** lot (a match: proposed, accepted or ordered) goes
  into its own facility's stock on its arrival day; a **free** lot (an approved lead's units not held
  by any match) goes into the category's **pool** on its arrival day. Lots due before today arrive
  today; lots after the horizon are left out.
- Each day, in this order: the day's lots arrive; each facility draws its daily use from its own
  stock; what its stock cannot cover it draws from the pool; what the pool cannot cover is the
  day's **shortfall** (the units that facility goes without: use is not deferred to a later day).
  So free supply is not handed out ahead: it waits in the pool for whichever facility runs out
  first. When the pool cannot cover a day's draws it is used up, and the category's shortfall is
  the same whichever facility gets its last units, so the projection does not split it (who is
  served is the allocation plan's decision, by urgency).
- A facility's own stock and reserved lots are never shared with another facility: a hospital with
  a month of stock does not cover its neighbour (nor does the pool wait for it).
- Week n is days 7(n-1) .. 7n-1 (day 0 is today). The category's first short day is the first day
  with a shortfall; its units short are the shortfall summed over that week, and over the horizon.

Units are Decimals (daily use has 4 decimals; the arithmetic is additions and subtractions only, so
it is exact); the whole-unit figures round up (a shortfall of 0.25 units is one unit short).
"""
from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from decimal import Decimal

HORIZON_DAYS = 28
DAYS_A_WEEK = 7
ZERO = Decimal(0)


@dataclass(frozen=True)
class Facility:
    """One facility's burn of one category: ``key`` identifies it (the service uses
    (organisation id, category)); ``on_hand`` units at the start of day 0; ``daily_use`` units a day."""
    key: Hashable
    category: str
    on_hand: Decimal
    daily_use: Decimal


@dataclass(frozen=True)
class Lot:
    """Units of supply arriving ``arrives_in`` days from today (0 = today; negative = overdue, counted
    today). ``for_facility``: the Facility.key it is reserved for (a match), None for free supply."""
    category: str
    units: int
    arrives_in: int
    for_facility: Hashable | None = None


@dataclass(frozen=True)
class Day:
    """One day of a category's projection, in units: ``use`` all its facilities' daily use;
    ``from_stock`` drawn from their own stock (reserved lots included); ``from_pool`` from free
    supply; ``short`` not covered (use = from_stock + from_pool + short); ``stock_left`` and
    ``pool_left`` at the end of the day; ``arrived`` units that arrived that day."""
    day: int
    use: Decimal
    from_stock: Decimal
    from_pool: Decimal
    short: Decimal
    stock_left: Decimal
    pool_left: Decimal
    arrived: int


@dataclass(frozen=True)
class Projection:
    """A category's projection: ``facilities`` projected; ``days`` HORIZON_DAYS Day rows;
    ``first_short_day`` (0-based) and ``first_short_week`` (1-based) or None when it never runs short;
    ``short_in_first_week`` whole units short in that week (0 if none); ``short_units`` whole units
    short over the horizon."""
    category: str
    facilities: int
    days: tuple[Day, ...]
    first_short_day: int | None
    first_short_week: int | None
    short_in_first_week: int
    short_units: int


def whole_units(value: Decimal) -> int:
    """Units short as whole units, rounded up: Decimal('0.25') -> 1, Decimal('110') -> 110."""
    return math.ceil(value)


def project_category(category: str, facilities: Iterable[Facility], lots: Iterable[Lot],
                     horizon: int = HORIZON_DAYS) -> Projection:
    """The day-by-day projection of one category by the module's method. Facilities and lots of
    other categories are ignored; a lot reserved for a facility that is not projected (its request
    has no daily use) is left out, as its units are no one else's."""
    burns = [f for f in facilities if f.category == category]
    stock = {f.key: max(ZERO, Decimal(f.on_hand)) for f in burns}
    arriving: dict[int, list[Lot]] = {}
    for lot in lots:
        if lot.category != category or lot.units <= 0 or lot.arrives_in >= horizon:
            continue
        if lot.for_facility is not None and lot.for_facility not in stock:
            continue
        arriving.setdefault(max(0, lot.arrives_in), []).append(lot)
    pool = ZERO
    days: list[Day] = []
    for day in range(horizon):
        arrived = 0
        for lot in arriving.get(day, ()):
            arrived += lot.units
            if lot.for_facility is None:
                pool += lot.units
            else:
                stock[lot.for_facility] += lot.units
        use = from_stock = unmet = ZERO
        for facility in burns:
            drawn = min(stock[facility.key], facility.daily_use)
            stock[facility.key] -= drawn
            use += facility.daily_use
            from_stock += drawn
            unmet += facility.daily_use - drawn
        from_pool = min(pool, unmet)
        pool -= from_pool
        days.append(Day(day, use, from_stock, from_pool, unmet - from_pool, sum(stock.values(), ZERO), pool,
                        arrived))
    first = next((d.day for d in days if d.short > 0), None)
    week = None if first is None else first // DAYS_A_WEEK + 1
    in_week = ZERO if week is None else sum((d.short for d in days if d.day // DAYS_A_WEEK + 1 == week), ZERO)
    return Projection(category, len(burns), tuple(days), first, week, whole_units(in_week),
                      whole_units(sum((d.short for d in days), ZERO)))


def project(categories: Iterable[str], facilities: Iterable[Facility], lots: Iterable[Lot],
            horizon: int = HORIZON_DAYS) -> dict[str, Projection]:
    """{category: Projection} for each of ``categories`` (in their order), by project_category."""
    facilities, lots = list(facilities), list(lots)
    return {category: project_category(category, facilities, lots, horizon) for category in categories}
