"""Matching supply to demand (issue 4, design section 8): which approved offers can serve which open
requests, in plain words, and an allocation across all open requests that never promises the same
units twice.

The allocation is a transportation problem, solved exactly with OR-Tools: max flows for the most
urgency-weighted units, then one min-cost flow for the least cost among the plans that deliver
them. Cost is the unit price plus a small charge for distance that only breaks ties between
similar prices, plus a substitute penalty that puts every exact product before any substitute for
the same request (issue 11 item 17), plus time and fair-share costs (item 18). Pairs a buyer
declined or a supplier refused are excluded (item 16). A consolidation pass then keeps small
requests with one supplier (a fixed cost per line, ``consolidate``). The request's own page ranks
its candidates by the same unit cost (``unit_cost``).
Pure: no Flask, no database; the services turn leads and requests into ``Offer`` and ``Need``.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from ortools.graph.python.max_flow import SimpleMaxFlow
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow
from rapidfuzz import fuzz

from . import geo
from . import money as amounts
from .catalog import PRODUCT_CATEGORIES, label
from .formatting import money
from .i18n import _, format_integer, ngettext
from .messages import fact

# A lead that does not state its lead time is assumed to take two weeks: long enough not to promise
# urgent requests what may come late, short enough that such leads still serve most requests.
DEFAULT_LEAD_TIME_DAYS = 14
# The farthest two places on Earth can be: half the great-circle circumference, about 20,015 km.
MAX_DISTANCE_KM = math.pi * geo.EARTH_RADIUS_KM
# The distance charged when a postal code is unknown: the farthest possible, so that an unknown
# place is never nearer than a known one (issue 11 item 18), yet never makes an offer unusable.
UNKNOWN_DISTANCE_KM = MAX_DISTANCE_KM
# Distance only breaks ties: 100 km costs as much as one cent on the unit price.
KM_PER_CENT = 100

# Time (issue 11 item 18). An urgent request (URGENT_DAYS of supply or less) may be served up to
# LATE_DAYS_MAX days after its needed-by date: late is better than never, and the plan says so.
# Three days, not a week: a week's allowance added 60% more fitting pairs to the 10k x 10k bench and
# made the plan about three times slower, for 0.1% more urgency-weighted units.
# Every day a delivery arrives after the request runs out (lead time beyond its days of supply),
# and every day it is late, costs DAY_SHARE of the request's maximum unit price a unit (at least a
# cent): a supplier 12 days away loses to one 1 day away unless it is much cheaper.
URGENT_DAYS = 7
LATE_DAYS_MAX = 3
DAY_SHARE = Decimal("0.10")

# "Other" (issue 11 item 18): the category says nothing about the product, so a request for "other"
# matches an "other" offer only when the offer's description fits the request's specification: a
# shared significant word, or two words at least OTHER_FIT_RATIO alike (RapidFuzz ratio, 0-100),
# which lets a misspelling through ("thermometr") but not another product.
OTHER_CATEGORY = "other"
OTHER_FIT_RATIO = 85
_WORD = re.compile(r"[^\W_]+")
_STOP_WORDS = frozenset({
    "and", "for", "the", "with", "without", "per", "pack", "packs", "box", "boxes", "case", "cases", "unit",
    "units", "pcs", "piece", "pieces", "each", "new", "use", "any", "not", "all", "size", "sizes", "model",
    "type", "standard", "other", "product", "products", "brand", "quality", "medical", "grade", "disposable",
})

# Near misses (issue 11 item 18): an offer that would fit if the buyer's maximum were up to 5%
# higher, or the needed-by date up to 3 days later. Shown to staff beside unfilled urgent requests.
NEAR_MISS_PRICE_SHARE = Decimal("0.05")
NEAR_MISS_DAYS = 3

# Fair shares (issue 11 item 18): a request's need is cut into FAIR_SHARES equal slices; each unit
# in slice j costs j * FAIR_STEP_CENTS more. The costs are convex (the next slice never costs less),
# so the flow fills every equally urgent request's first tenth before anyone's second: scarce
# supply is shared in proportion to need, to within a tenth. A step above any distance charge, so
# that nearness never decides who goes without.
FAIR_SHARES = 10
FAIR_STEP_CENTS = 201

# A fixed cost per plan line (issue 11 item 18), in cents: each line is a call, an order and a
# delivery for staff, the buyer and the supplier. $25: a 1,000-glove request (about $100) is not split
# across five suppliers to save a cent a unit ($10), while a 100,000-glove request still is ($1,000).
# Applied after the flow by ``consolidate`` (a fixed charge is not a min-cost flow).
LINE_COST_CENTS = 2500

# Beyond this, OR-Tools' int64 cost arithmetic (costs scaled by about the node count) may overflow.
_INT64_SAFE = 2**62
# Cells of the need x (category, lead time) table, and candidate pairs, handled at once by
# ``_fitting_codes``: bounds memory to a few tens of MB.
_MASK_CELLS = 4_000_000
_PAIR_CHUNK = 1_000_000


@dataclass(frozen=True)
class Offer:
    """An approved lead's available supply."""
    id: int
    category: str
    quantity: int                   # units still available (already net of reservations)
    unit_price: Decimal
    lead_time_days: int | None      # None = not stated
    postal_code: str | None
    min_order_qty: int | None = None
    risk_score: int | None = None   # the vetting score: 100 is clean, 0 is stop (higher is better)
    description: str = ""           # the lead's product_description (read only for category "other")


@dataclass(frozen=True)
class Need:
    """An open demand request's remaining need."""
    id: int
    category: str
    substitutes: frozenset[str]     # other categories the buyer accepts
    quantity: int                   # units still needed
    max_unit_price: Decimal
    days_until_needed: int          # needed_by minus today, in days (0 or negative = due or overdue)
    postal_code: str | None
    days_of_supply: int             # urgency: days of supply left
    # Offers never to propose for this request again: the buyer declined them, or their supplier
    # said it cannot supply this request (services.supply.excluded_pairs).
    excluded_offers: frozenset[int] = frozenset()
    specification: str = ""         # the buyer's free text (size, model, standard); "other" needs it


@dataclass(frozen=True)
class Line:
    need_id: int
    offer_id: int
    quantity: int
    unit_price: Decimal
    distance_km: float | None
    reasons: tuple[dict, ...]       # reason facts, from fit_reasons (see messages)


@dataclass(frozen=True)
class Plan:
    lines: tuple[Line, ...]
    units: int                      # total units allocated
    weighted_units: int             # sum of urgency_weight(need) * units
    cost_cents: int                 # ``cost`` in whole cents, rounded half up once (amounts.cents, domain/money.py)
    secondary_cost: int             # sum of units * unit_cost over the lines (with share_cost: the flow minimises it;
                                    # consolidation may add less than LINE_COST_CENTS per line saved)
    demand_units: int               # sum of need quantities
    solve_seconds: float            # time in the min-cost flow solver itself
    build_seconds: float            # time to find the fitting pairs, run the max flows and build the network
    secondary_step_cents: int = 1   # 1: cost minimised to the cent; more only for huge instances
    share_cost: int = 0             # the fair-share part of the secondary objective (fair_share_cost)
    cost: Decimal = Decimal(0)      # exact sum of quantity * unit price in dollars (amounts.total, domain/money.py)
    lines_saved: int = 0            # lines the consolidation pass removed (``consolidate``)


@dataclass(frozen=True)
class Pairs:
    """The fitting (need, offer) pairs of an instance as parallel arrays, sorted by need then offer."""
    need: np.ndarray                # index into the needs
    offer: np.ndarray               # index into the offers
    distance_km: np.ndarray         # NaN where a postal code is unknown
    unit_cost: np.ndarray           # secondary cost of one unit: ``unit_cost`` of the pair


def urgency_weight(days_of_supply: int) -> int:
    """How much a unit counts toward the primary objective. One unit to someone with 2 days of supply
    left counts as much as 8 units to someone with a month left. The facility type is deliberately
    not weighted: a shelter that runs out in two days is as urgent as a hospital that does."""
    if days_of_supply <= 2:
        return 8
    if days_of_supply <= 7:
        return 4
    if days_of_supply <= 14:
        return 2
    return 1


def lead_time(offer: Offer) -> int:
    """The offer's lead time in days, with the assumed default when it is not stated."""
    return DEFAULT_LEAD_TIME_DAYS if offer.lead_time_days is None else offer.lead_time_days


def price_cents(price: Decimal) -> int:
    """A unit price in whole cents, rounded half up ($0.035 -> 4): the objective's price term only
    (money totals are exact, see ``money``)."""
    return amounts.cents(price)


def distance_cents(distance_km: float | None) -> int:
    """The distance tie-break in cents per unit (unknown distance: UNKNOWN_DISTANCE_KM, 200 cents)."""
    return round(UNKNOWN_DISTANCE_KM if distance_km is None else distance_km) // KM_PER_CENT


def substitute_penalty_cents(need: Need) -> int:
    """What a unit of a substitute costs on top of its price, in cents: more than any difference in
    price and distance between two offers that fit this need (prices are at most its maximum,
    distance charges at most ``distance_cents(MAX_DISTANCE_KM)``). So an exact product always comes
    before a substitute for the same request, and a substitute is taken only for need the exact
    products cannot fill (more urgency-weighted units come first)."""
    return price_cents(need.max_unit_price) + distance_cents(MAX_DISTANCE_KM) + 1


def share_slices(quantity: int) -> list[int]:
    """The sizes of a need's FAIR_SHARES slices, in units: slice j ends at ceil(quantity * (j+1) / 10),
    so a small need's first unit is in its cheapest slice (3 units -> 1, 0, 0, 1, 0, 0, 1, 0, 0, 0)."""
    ends = [-(-quantity * j // FAIR_SHARES) for j in range(FAIR_SHARES + 1)]
    return [ends[j + 1] - ends[j] for j in range(FAIR_SHARES)]


def fair_share_cost(quantity: int, units: int) -> int:
    """The fair-share cost in cents of giving ``units`` of a need of ``quantity`` units: its slices
    filled in order, slice j at j * FAIR_STEP_CENTS a unit."""
    cost = 0
    for j, size in enumerate(share_slices(quantity)):
        taken = min(size, units)
        cost, units = cost + taken * j * FAIR_STEP_CENTS, units - taken
    return cost


def late_allowance(need: Need) -> int:
    """How many days after its needed-by date an offer may still arrive for this need: LATE_DAYS_MAX
    for an urgent need (URGENT_DAYS of supply or less), else 0."""
    return LATE_DAYS_MAX if need.days_of_supply <= URGENT_DAYS else 0


def day_cents(need: Need) -> int:
    """The cost in cents a unit of each day without supply or late: DAY_SHARE of the need's maximum
    unit price, at least 1 cent ($1.50 -> 15)."""
    return max(1, price_cents(need.max_unit_price * DAY_SHARE))


def time_cost(offer: Offer, need: Need) -> int:
    """Cents a unit for the days the delivery comes after the need runs out plus the days it is
    late (0 when it arrives before both)."""
    lead = lead_time(offer)
    return day_cents(need) * (max(0, lead - need.days_of_supply) + max(0, lead - need.days_until_needed))


def unit_cost(offer: Offer, need: Need, distance_km: float | None) -> int:
    """The secondary cost of one unit of ``offer`` for ``need``, in cents: price cents + distance
    cents + the substitute penalty if the offer is a substitute + the time cost. One rule for the
    plan (minimised over all pairs) and the request's page (ranked by it)."""
    cost = price_cents(offer.unit_price) + distance_cents(distance_km) + time_cost(offer, need)
    return cost + (substitute_penalty_cents(need) if offer.category != need.category else 0)


def _distance_cents_array(distance_km: np.ndarray) -> np.ndarray:
    # np.rint rounds half to even, as Python's round does in distance_cents.
    known = np.where(np.isnan(distance_km), UNKNOWN_DISTANCE_KM, distance_km)
    return np.rint(known).astype(np.int64) // KM_PER_CENT


def _category(value: str) -> str:
    return label(PRODUCT_CATEGORIES, value)


def _days(count: int) -> str:
    return ngettext("{count} day", "{count} days", count).format(count=format_integer(count))


def _ready(lead: int) -> str:
    return _("ready now") if lead == 0 else _("ready in {days}").format(days=_days(lead))


def _needed(days_until_needed: int) -> str:
    if days_until_needed > 0:
        return _("needed in {days}").format(days=format_integer(days_until_needed))
    if days_until_needed == 0:
        return _("needed today")
    return _("needed {days} ago").format(days=_days(-days_until_needed))


def _stem(word: str) -> str:
    """A plural's singular, roughly: "thermometers" -> "thermometer", "boxes" -> "box"."""
    if word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _significant_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.casefold()) if len(w) >= 3 and w not in _STOP_WORDS}


def specification_fits(specification: str, description: str) -> bool:
    """Whether an offer's product description fits a request's specification, for category
    "other" (issue 11 item 18), where the category says nothing: some significant word (3+
    letters, not a stop word, plurals as singular) of the one is, or is at least OTHER_FIT_RATIO
    (RapidFuzz ratio, 0-100) like, a significant word of the other. An empty text fits nothing."""
    return _stems_fit(frozenset(_stem(w) for w in _significant_words(specification)),
                      frozenset(_stem(w) for w in _significant_words(description)))


def _stems_fit(spec: frozenset[str], desc: frozenset[str]) -> bool:
    if not spec or not desc:
        return False
    return bool(spec & desc) or any(fuzz.ratio(a, b) >= OTHER_FIT_RATIO for a in spec for b in desc)


def other_unfit_reason(offer: Offer, need: Need) -> str | None:
    """The "other" rule alone: an offer in category "other" serves a need only if its description
    fits the need's specification (``specification_fits``). None if it fits or is not "other"."""
    if offer.category != OTHER_CATEGORY:
        return None
    if not need.specification.strip():
        return _('no specification: a request for "other" products matches an offer only by its specification')
    if not specification_fits(need.specification, offer.description):
        return _("wrong product: the offer's description does not fit the request's specification")
    return None


def unfit_reason(offer: Offer, need: Need) -> str | None:
    """None if the offer can serve the need; otherwise why not, in plain words in the current
    language (domain.i18n; the first reason). Worded for city staff, its only readers (the plan
    page's near misses, a refused proposal by hand): of the buyer in the third person, never "your"."""
    if offer.category != need.category and offer.category not in need.substitutes:
        accepted = functools.reduce(lambda first, second: _("{first} or {second}").format(first=first, second=second),
                                    [_category(c) for c in (need.category, *sorted(need.substitutes))])
        return _("wrong product: {offered}, the buyer asked for {accepted}").format(
            offered=_category(offer.category), accepted=accepted)
    other = other_unfit_reason(offer, need)
    if other is not None:
        return other
    if offer.quantity <= 0:
        return _("nothing available: every unit of this offer is taken")
    if need.quantity <= 0:
        return _("nothing left to fill: this request has all the units it asked for")
    if offer.id in need.excluded_offers:
        return _("excluded: the buyer declined this offer for this request, or its supplier cannot supply it")
    if offer.unit_price > need.max_unit_price:
        return _("{price} a unit is above the buyer's maximum of {maximum}").format(
            price=money(offer.unit_price), maximum=money(need.max_unit_price))
    if lead_time(offer) > need.days_until_needed + late_allowance(need):
        words = _("{ready}, {needed}") if offer.lead_time_days is not None \
            else _("{ready} (lead time not stated), {needed}")
        return words.format(ready=_ready(lead_time(offer)), needed=_needed(need.days_until_needed))
    if offer.min_order_qty is not None and offer.min_order_qty > need.quantity:
        return _("minimum order of {minimum} units is more than the {quantity} the buyer needs").format(
            minimum=format_integer(offer.min_order_qty), quantity=format_integer(need.quantity))
    return None


def near_miss(offer: Offer, need: Need) -> str | None:
    """Why ``offer`` misses ``need`` (``unfit_reason``) when a small change by the buyer would make
    it fit: a maximum price NEAR_MISS_PRICE_SHARE higher ($1.50 against $1.49) or a needed-by date
    NEAR_MISS_DAYS later. None if it fits, or misses by more (wrong product, excluded, none left)."""
    reason = unfit_reason(offer, need)
    if reason is None:
        return None
    for relaxed in (dataclasses.replace(need, max_unit_price=need.max_unit_price * (1 + NEAR_MISS_PRICE_SHARE)),
                    dataclasses.replace(need, days_until_needed=need.days_until_needed + NEAR_MISS_DAYS)):
        if unfit_reason(offer, relaxed) is None:
            return reason
    return None


def fit_reasons(offer: Offer, need: Need, distance_km: float | None) -> tuple[dict, ...]:
    """Why a fitting offer suits the need, as facts (see ``messages``; worded per reader when shown):
    price, time, distance, substitute, vetting score."""
    reasons = [fact("price", unit_price=offer.unit_price, max_unit_price=need.max_unit_price)]
    if offer.lead_time_days is None:
        reasons.append(fact("lead_time_unstated", assumed_days=DEFAULT_LEAD_TIME_DAYS))
    else:
        reasons.append(fact("lead_time", lead_time_days=offer.lead_time_days,
                            days_until_needed=need.days_until_needed))
    if lead_time(offer) > need.days_until_needed:
        reasons.append(fact("late", late_days=lead_time(offer) - need.days_until_needed,
                            days_of_supply=need.days_of_supply))
    if distance_km is None:
        reasons.append(fact("distance_unknown"))
    else:
        reasons.append(fact("distance", distance_km=float(distance_km)))
    if offer.category != need.category:
        reasons.append(fact("substitute", offer_category=offer.category, need_category=need.category))
    if offer.risk_score is None:
        reasons.append(fact("vetting_unscored"))
    else:
        reasons.append(fact("vetting_score", score=offer.risk_score))
    return tuple(reasons)


def urgency_reason(need: Need) -> dict:
    """The urgency of a need as a reason fact: its days of supply and urgency weight."""
    return fact("urgency", days_of_supply=need.days_of_supply, weight=urgency_weight(need.days_of_supply))


def rank_candidates(need: Need, offers: Sequence[Offer]) -> list[tuple[Offer, tuple[dict, ...], float | None]]:
    """The offers that can serve ``need``, best first, each with its reasons and distance in km:
    lower ``unit_cost`` first (the plan's own rule: every exact product before any substitute, then
    price plus the distance charge), then shorter lead time, shorter distance (unknown counts as
    UNKNOWN_DISTANCE_KM, as in the allocation) and higher vetting score (100 is clean, 0 is stop;
    unscored last)."""
    candidates = []
    for offer in offers:
        if unfit_reason(offer, need) is None:
            distance = geo.distance_km(offer.postal_code, need.postal_code)
            candidates.append((offer, fit_reasons(offer, need, distance), distance))

    def key(candidate):
        offer, _reasons, distance = candidate
        return (unit_cost(offer, need, distance), lead_time(offer),
                UNKNOWN_DISTANCE_KM if distance is None else distance,
                -1 if offer.risk_score is None else -offer.risk_score, offer.id)

    return sorted(candidates, key=key)


def _exact_price_units(prices: list[Decimal]) -> np.ndarray:
    """Prices as exact int64 in one unit, so that the vectorised price test is the same as Decimal
    comparison: 1/10,000 of a dollar (leads store 4 decimals), finer if some price has more."""
    places = max([4, *(-p.normalize().as_tuple().exponent for p in prices)])
    return np.array([int(p.scaleb(places)) for p in prices], dtype=np.int64)


def fitting_pairs(needs: Sequence[Need], offers: Sequence[Offer]) -> Pairs:
    """All pairs for which ``unfit_reason`` is None, enumerated with numpy (``_fitting_codes``;
    10k x 10k dense in about half a second), with their distances and secondary unit costs."""
    codes = {c: i for i, c in enumerate(sorted(
        {o.category for o in offers} | {n.category for n in needs} | {s for n in needs for s in n.substitutes}))}
    accepted = np.zeros((len(needs), len(codes)), dtype=bool)
    for row, need in enumerate(needs):
        accepted[row, [codes[c] for c in {need.category, *need.substitutes}]] = True
    prices = _exact_price_units([o.unit_price for o in offers] + [n.max_unit_price for n in needs])
    offer_price, need_max = prices[:len(offers)], prices[len(offers):]

    offer_qty = np.array([o.quantity for o in offers], dtype=np.int64)
    all_offer_code = np.array([codes[o.category] for o in offers], dtype=np.int64)
    offer_lead = np.array([lead_time(o) for o in offers], dtype=np.int64)
    offer_moq = np.array([o.min_order_qty or 0 for o in offers], dtype=np.int64)
    need_qty = np.array([n.quantity for n in needs], dtype=np.int64)
    need_days = np.array([n.days_until_needed + late_allowance(n) for n in needs], dtype=np.int64)
    pair_code = _fitting_codes(accepted, all_offer_code, offer_price, offer_lead, offer_moq, offer_qty,
                               need_max, need_days, need_qty)
    excluded = _excluded_codes(needs, offers)
    if len(excluded) and len(pair_code):
        # Both sorted: each excluded pair is found by binary search.
        at = np.minimum(np.searchsorted(pair_code, excluded), len(pair_code) - 1)
        pair_code = np.delete(pair_code, at[pair_code[at] == excluded])
    need_index, offer_index = np.divmod(pair_code, max(1, len(offers)))
    if OTHER_CATEGORY in codes:
        need_index, offer_index = _other_pairs_fitting(needs, offers, need_index, offer_index,
                                                       all_offer_code == codes[OTHER_CATEGORY])

    need_at = geo.centroids_array([n.postal_code for n in needs])
    offer_at = geo.centroids_array([o.postal_code for o in offers])
    distance = geo.haversine_pairs_km(need_at, need_index, offer_at, offer_index)
    cents = np.array([price_cents(o.unit_price) for o in offers], dtype=np.int64)
    penalty = np.array([substitute_penalty_cents(n) for n in needs], dtype=np.int64)
    need_code = np.array([codes[n.category] for n in needs], dtype=np.int64)
    substitute = all_offer_code[offer_index] != need_code[need_index]
    cost = cents[offer_index] + _distance_cents_array(distance) + np.where(substitute, penalty[need_index], 0)
    lead = np.array([lead_time(o) for o in offers], dtype=np.int64)[offer_index]
    supply_days = np.array([n.days_of_supply for n in needs], dtype=np.int64)[need_index]
    due = np.array([n.days_until_needed for n in needs], dtype=np.int64)[need_index]
    per_day = np.array([day_cents(n) for n in needs], dtype=np.int64)[need_index]
    cost += per_day * (np.maximum(0, lead - supply_days) + np.maximum(0, lead - due))
    return Pairs(need_index, offer_index, distance, cost.astype(np.int64))


def _fitting_codes(accepted: np.ndarray, offer_code: np.ndarray, offer_price: np.ndarray, offer_lead: np.ndarray,
                   offer_moq: np.ndarray, offer_qty: np.ndarray, need_max: np.ndarray, need_days: np.ndarray,
                   need_qty: np.ndarray) -> np.ndarray:
    """The pairs that pass the category, price, lead-time and minimum-order tests (offers with units
    left, needs with units to fill), as sorted codes need index * number of offers + offer index.

    Enumerated, not tested cell by cell: the live offers are grouped by (category, lead time) and
    sorted by price in each group, so the offers of a group a need accepts (its category or a
    substitute, lead time within its days) that are within its maximum price are a prefix of the
    group, found by binary search; only those candidates (about a quarter of the need x offer cells
    on the dense bench) are generated, then the minimum order is tested on them. The same pairs as
    the tests cell by cell (prices compared exactly, as int64 in one unit)."""
    n_offers = len(offer_code)
    live = np.flatnonzero(offer_qty > 0)
    open_needs = np.flatnonzero(need_qty > 0)
    if not len(live) or not len(open_needs):
        return np.zeros(0, dtype=np.int64)
    # Prices as ranks among all prices (offers' and needs' maxima): ordered as the exact prices.
    ranks = np.unique(np.concatenate([offer_price[live], need_max[open_needs]]), return_inverse=True)[1]
    offer_rank, max_rank = ranks[:len(live)], ranks[len(live):]
    order = np.lexsort((live, offer_rank, offer_lead[live], offer_code[live]))
    sorted_offers, sorted_rank = live[order], offer_rank[order]
    group_key = offer_code[sorted_offers] * (int(offer_lead.max(initial=0)) + 1) + offer_lead[sorted_offers]
    group_start = np.flatnonzero(np.r_[True, group_key[1:] != group_key[:-1]])
    group_code = offer_code[sorted_offers[group_start]]
    group_lead = offer_lead[sorted_offers[group_start]]
    # One sorted key over all groups: group number, then price rank; a need's candidates in group g
    # end where the key (g, its maximum's rank) would be inserted on the right.
    width = int(ranks.max()) + 1
    group_of = np.repeat(np.arange(len(group_start)), np.diff(np.r_[group_start, len(order)]))
    key = group_of * width + sorted_rank
    parts = []
    block = max(1, _MASK_CELLS // len(group_start))
    for start in range(0, len(open_needs), block):
        rows = open_needs[start:start + block]
        ok = accepted[rows][:, group_code] & (group_lead[None, :] <= need_days[rows, None])
        r, g = np.nonzero(ok)  # row-major: by need
        counts = np.searchsorted(key, g * width + max_rank[start:start + block][r], side="right") - group_start[g]
        # Expanded in pieces of whole needs, at most _PAIR_CHUNK candidates each (or one need's).
        at_need = np.r_[0, np.cumsum(counts)][np.searchsorted(r, np.arange(len(rows) + 1))]
        first = 0
        while first < len(rows):
            last = max(first + 1, int(np.searchsorted(at_need, at_need[first] + _PAIR_CHUNK, side="right")) - 1)
            lo, hi = np.searchsorted(r, [first, last])
            piece = counts[lo:hi]
            total = int(piece.sum())
            if total:
                offsets = np.cumsum(piece) - piece
                offer = sorted_offers[np.repeat(group_start[g[lo:hi]] - offsets, piece) + np.arange(total)]
                need = np.repeat(rows[r[lo:hi]], piece)
                fits = offer_moq[offer] <= need_qty[need]
                code = need[fits] * n_offers + offer[fits]
                code.sort()  # by need (pieces are in need order), then offer
                parts.append(code)
            first = last
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _other_pairs_fitting(needs: Sequence[Need], offers: Sequence[Offer], need_index: np.ndarray,
                         offer_index: np.ndarray, offer_is_other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs without those where an "other" offer does not fit the need's specification
    (``specification_fits``, the rule of ``other_unfit_reason``). Each distinct (specification,
    description) combination is judged once, so the cost grows with the distinct texts, not the pairs."""
    other = np.flatnonzero(offer_is_other[offer_index])
    if not len(other):
        return need_index, offer_index
    spec_ids: dict[str, int] = {}
    desc_ids: dict[str, int] = {}
    need_text = np.array([spec_ids.setdefault(n.specification, len(spec_ids)) for n in needs], dtype=np.int64)
    offer_text = np.array([desc_ids.setdefault(o.description, len(desc_ids)) for o in offers], dtype=np.int64)
    combos, where = np.unique(need_text[need_index[other]] * len(desc_ids) + offer_text[offer_index[other]],
                              return_inverse=True)
    specs, descs = list(spec_ids), list(desc_ids)
    fits = np.array([specification_fits(specs[c // len(descs)], descs[c % len(descs)]) for c in combos.tolist()],
                    dtype=bool)
    keep = np.ones(len(need_index), dtype=bool)
    keep[other] = fits[where.reshape(-1)]
    return need_index[keep], offer_index[keep]


def _excluded_codes(needs: Sequence[Need], offers: Sequence[Offer]) -> np.ndarray:
    """Excluded pairs as need index * len(offers) + offer index (offers not in the instance ignored)."""
    offer_at = {o.id: j for j, o in enumerate(offers)}
    return np.array([i * len(offers) + offer_at[oid] for i, n in enumerate(needs) for oid in n.excluded_offers
                     if oid in offer_at], dtype=np.int64)


def _unique_ids(items: Sequence[Offer] | Sequence[Need], what: str) -> None:
    # Quantities are per id: the same offer twice would promise its units twice.
    if len({item.id for item in items}) != len(items):
        raise ValueError(f"duplicate {what} ids")


def allocate(needs: Sequence[Need], offers: Sequence[Offer], line_cost_cents: int = LINE_COST_CENTS) -> Plan:
    """The exact optimum: most urgency-weighted units first, then least secondary cost (``unit_cost``
    per unit: price cents, distance cents, substitute penalty, time; plus the fair-share cost), over
    fitting pairs only (excluded pairs never fit), never taking more from an offer than it has or
    giving a need more than it asks for; then ``consolidate`` with ``line_cost_cents`` a line (0:
    the flow's optimum as it is). Totals: ``cost`` exact in dollars, ``cost_cents`` rounded once.
    Raises ValueError on duplicate ids or an instance too large for int64 costs."""
    started = time.perf_counter()
    _unique_ids(needs, "need")
    _unique_ids(offers, "offer")
    demand_units = sum(max(n.quantity, 0) for n in needs)
    pairs = fitting_pairs(needs, offers)
    if not len(pairs.need):
        return Plan((), 0, 0, 0, 0, demand_units, 0.0, time.perf_counter() - started)

    # Capacities, capped by what can be used, so that a broker's "900 billion masks" does not
    # inflate the flow (and overflow int64): an offer never gives more than its fitting needs ask
    # for in total, a need never takes more than its fitting offers can give.
    offer_qty = np.array([o.quantity for o in offers], dtype=np.int64)
    need_qty = np.array([n.quantity for n in needs], dtype=np.int64)
    asked = np.zeros(len(offers), dtype=np.int64)
    np.add.at(asked, pairs.offer, need_qty[pairs.need])
    offer_cap = np.minimum(offer_qty, asked)
    reachable = np.zeros(len(needs), dtype=np.int64)
    np.add.at(reachable, pairs.need, offer_cap[pairs.offer])
    need_cap = np.minimum(need_qty, reachable)
    pair_cap = np.minimum(offer_cap[pairs.offer], need_cap[pairs.need])

    # Nodes: 0 source, then the offers and needs that have at least one fitting pair, then one node
    # per urgency weight present (the needs of that weight reach it through their fair-share slices).
    used_offers = np.flatnonzero(np.bincount(pairs.offer, minlength=len(offers)))
    used_needs = np.flatnonzero(np.bincount(pairs.need, minlength=len(needs)))
    offer_node = np.zeros(len(offers), dtype=np.int64)
    offer_node[used_offers] = 1 + np.arange(len(used_offers))
    need_node = np.zeros(len(needs), dtype=np.int64)
    need_node[used_needs] = 1 + len(used_offers) + np.arange(len(used_needs))
    weight = np.array([urgency_weight(n.days_of_supply) for n in needs], dtype=np.int64)
    levels = sorted(set(weight[used_needs].tolist()), reverse=True)
    level_node = {w: 1 + len(used_offers) + len(used_needs) + k for k, w in enumerate(levels)}
    n_nodes = 1 + len(used_offers) + len(used_needs) + len(levels)

    # The lexicographic objective without a big M. What plans can deliver to the needs is a
    # polymatroid: the most units a set S of needs can get together, r(S) (a max flow), is
    # submodular. A positive weighted sum over a polymatroid is greatest exactly at the points
    # that give every "top" set S_w = {needs of weight >= w} its r(S_w) (Edmonds' greedy theorem;
    # the weighted units are sum over w of (w - next lower weight) * units(S_w), each term at most
    # (w - next) * r(S_w), and the greedy point attains all at once). So the first objective is a
    # few max flows, r(S_8), r(S_4), ..., and the second one min-cost flow in which the needs of
    # weight w must together receive exactly r(S_w) - r(S_w') units (w' the next higher weight):
    # its optimum is the least secondary cost among the plans with the most weighted units. Costs
    # stay in cents (no -weight * M term), which makes the solver's cost scaling several times faster.
    top_units, filled, idle = _top_units(pairs, weight, levels, offer_node, need_node, offer_cap, pair_cap,
                                         need_cap, used_offers, used_needs)
    used = np.flatnonzero(~idle)  # the pairs some optimal plan may use: only these are arcs

    # Fair shares: each used need reaches its weight's node by FAIR_SHARES arcs, slice j at
    # j * FAIR_STEP_CENTS, each cut to what the need can receive (need_cap; slices above it never
    # carry a unit). A need that every optimal plan fills to its need_cap (``_top_units``: on the
    # source side of a minimum cut of some S_w it belongs to, or of a weight whose needs can all be
    # filled together) has a constant share cost (``fixed_share``): one arc at no cost replaces its
    # slices. Fewer slices, same optimum, a faster solve.
    level_units = np.diff(np.array([0, *top_units], dtype=np.int64))
    full = {w for w, units in zip(levels, level_units.tolist())
            if units == int(need_cap[used_needs][weight[used_needs] == w].sum())}
    bounds = -(-need_qty[used_needs, None] * np.arange(FAIR_SHARES + 1)[None, :] // FAIR_SHARES)
    slice_cap = np.clip(need_cap[used_needs, None] - bounds[:, :-1], 0, np.diff(bounds, axis=1))
    slice_cents = np.arange(FAIR_SHARES, dtype=np.int64) * FAIR_STEP_CENTS
    fixed = np.isin(weight[used_needs], list(full)) | filled[used_needs]
    fixed_share = int((slice_cap[fixed] @ slice_cents).sum())
    slice_cents = np.tile(slice_cents, len(used_needs))
    slice_need = np.repeat(used_needs, FAIR_SHARES)
    slice_cap = slice_cap.ravel()
    slice_cap[np.repeat(fixed, FAIR_SHARES)] = 0
    slice_cap[np.flatnonzero(fixed) * FAIR_SHARES] = need_cap[used_needs[fixed]]
    slice_cents[np.flatnonzero(fixed) * FAIR_SHARES] = 0
    keep = slice_cap > 0
    slice_cap, slice_need, slice_cents = slice_cap[keep], slice_need[keep], slice_cents[keep]
    slice_head = np.array([level_node[w] for w in levels], dtype=np.int64)[
        np.searchsorted(-np.array(levels), -weight[slice_need])]
    # OR-Tools' int64 arithmetic bounds the costs. When cent-level costs would overflow (huge prices
    # or unit counts), the secondary cost is counted in coarser steps of 2, 4, 8... cents (rounded
    # up): the urgency-weighted units stay exact, only near-ties in cost may go either way.
    total = top_units[-1]
    step = 1
    while True:
        unit_cost = -(-pairs.unit_cost // step)
        slice_cost = -(-slice_cents // step)
        c_max = max(int(np.abs(unit_cost).max()), int(slice_cost.max(initial=0)), 1)
        if c_max * (n_nodes + 1) * (n_nodes + 1) < _INT64_SAFE and total * c_max < _INT64_SAFE:
            break
        if c_max <= 1:
            raise ValueError(f"allocation too large for int64 costs: {n_nodes:,} nodes, {total:,} units; "
                             "split it by category or region")
        step *= 2

    n_offers, n_pairs, n_slices = len(used_offers), len(used), len(slice_cap)
    tails = np.concatenate([np.zeros(n_offers, np.int64), offer_node[pairs.offer[used]], need_node[slice_need]])
    heads = np.concatenate([offer_node[used_offers], need_node[pairs.need[used]], slice_head])
    capacities = np.concatenate([offer_cap[used_offers], pair_cap[used], slice_cap])
    costs = np.concatenate([np.zeros(n_offers, np.int64), unit_cost[used], slice_cost])
    flow = SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), capacities.astype(np.int64), costs.astype(np.int64))
    flow.set_nodes_supplies(np.array([0, *level_node.values()], np.int32), np.array([total, *-level_units], np.int64))
    build_seconds = time.perf_counter() - started

    solve_started = time.perf_counter()
    status = flow.solve()
    solve_seconds = time.perf_counter() - solve_started
    if status != SimpleMinCostFlow.OPTIMAL:
        raise RuntimeError(f"the min-cost flow solver stopped with status {status.name}")

    pair_flow = np.zeros(len(pairs.need), dtype=np.int64)
    pair_flow[used] = flow.flows(arcs[n_offers:n_offers + n_pairs])
    share_cost = int(flow.flows(arcs[n_offers + n_pairs:n_offers + n_pairs + n_slices]) @ slice_cents) + fixed_share
    lines_before = int(np.count_nonzero(pair_flow))
    if line_cost_cents > 0:
        pair_flow = consolidate(pairs, pair_flow, offer_qty, weight, line_cost_cents)
    lines, weighted, secondary = [], 0, 0
    for k in np.flatnonzero(pair_flow):
        need, offer, units = needs[pairs.need[k]], offers[pairs.offer[k]], int(pair_flow[k])
        distance = None if np.isnan(pairs.distance_km[k]) else float(pairs.distance_km[k])
        lines.append(Line(need.id, offer.id, units, offer.unit_price, distance, fit_reasons(offer, need, distance)))
        weighted += urgency_weight(need.days_of_supply) * units
        secondary += int(pairs.unit_cost[k]) * units
    lines.sort(key=lambda line: (line.need_id, line.offer_id))
    cost = amounts.total((line.quantity, line.unit_price) for line in lines)
    return Plan(tuple(lines), sum(line.quantity for line in lines), weighted, amounts.cents(cost), secondary,
                demand_units, solve_seconds, build_seconds, step, share_cost, cost, lines_before - len(lines))


def _top_units(pairs: Pairs, weight: np.ndarray, levels: list[int], offer_node: np.ndarray, need_node: np.ndarray,
               offer_cap: np.ndarray, pair_cap: np.ndarray, need_cap: np.ndarray, used_offers: np.ndarray,
               used_needs: np.ndarray) -> tuple[list[int], np.ndarray, np.ndarray]:
    """For each weight w in ``levels`` (highest first), r(S_w): the most units the needs of weight
    >= w can receive together, a max flow over their pairs only (node 0 source, a sink after the
    last node). Also what every plan with the most weighted units must do, from two minimum cuts
    (X, Y) of each S_w's network (X the nodes the source reaches in the residual graph; and X all
    but the nodes that reach the sink): ``filled`` (bool per need), the needs every such plan fills
    to their need_cap, and ``idle`` (bool per pair), the pairs it never uses.

    Why: such a plan gives S_w exactly r(S_w) units along S_w's pairs, taking at most offer_cap
    from each offer, so its units to S_w are a maximum flow of S_w's network; and every maximum
    flow saturates each arc from X to Y and carries nothing on an arc from Y to X (its value is the
    cut's capacity: the flow out of X less the flow into it). So a need of S_w in X is filled (its
    arc to the sink leaves X); an offer in Y gives all its offer_cap to S_w (its arc from the source
    leaves X), hence nothing to a need of lower weight (idle), and nothing to a need of S_w in X
    (an arc from Y to X: idle). The min-cost flow's feasible flows are exactly these plans (each
    weight's units are fixed), so dropping the idle pairs leaves its feasible set and its optimum
    unchanged, with fewer arcs to solve.

    Each S_w's network leaves out the pairs found idle at higher weights: no optimal plan uses them,
    and the plan of Edmonds' greedy theorem is optimal and gives S_w r(S_w), so the smaller network
    has the same maximum flow value; every optimal plan's units to S_w are a maximum flow of it too,
    so the argument above holds for its cuts. The networks are solved reversed (same cuts)."""
    sink = int(max(offer_node.max(), need_node.max())) + 1
    source_tails, source_heads = np.zeros(len(used_offers), np.int32), offer_node[used_offers].astype(np.int32)
    filled = np.zeros(len(weight), dtype=bool)
    idle = np.zeros(len(pairs.need), dtype=bool)
    pair_offer_node, pair_need_node = offer_node[pairs.offer].astype(np.int32), need_node[pairs.need].astype(np.int32)
    pair_weight = weight[pairs.need]
    out = []
    for w in levels:
        # Pairs already idle (found at a higher weight) are left out: the plan of Edmonds' greedy
        # theorem is optimal, so it uses none of them and gives S_w r(S_w) along the others; and
        # every optimal plan gives S_w a maximum flow of the smaller network too.
        on = pair_weight >= w
        on_arcs = np.flatnonzero(on & ~idle)
        served = used_needs[weight[used_needs] >= w]
        # Solved with every arc reversed, from the sink to the source: the same flows, arcs and
        # cuts (the residual graph is the transpose; the nodes the source reaches in one are the
        # nodes that reach the source in the other, the same for every maximum flow), and OR-Tools'
        # push-relabel finishes sooner that way (0.85 s against 1.26 s for the four on the dense bench).
        solver = SimpleMaxFlow()
        solver.add_arcs_with_capacity(
            np.concatenate([source_heads, pair_need_node[on_arcs], np.full(len(served), sink, np.int32)]),
            np.concatenate([source_tails, pair_offer_node[on_arcs], need_node[served].astype(np.int32)]),
            np.concatenate([offer_cap[used_offers], pair_cap[on_arcs], need_cap[served]]).astype(np.int64))
        status = solver.solve(sink, 0)
        if status != SimpleMaxFlow.OPTIMAL:
            raise RuntimeError(f"the max flow solver stopped with status {status.name}")
        out.append(int(solver.optimal_flow()))
        reached = np.zeros(sink + 1, dtype=bool)  # X: the nodes the source reaches (in the forward network)
        reached[np.asarray(solver.get_sink_side_min_cut(), dtype=np.int64)] = True
        reaching = np.zeros(sink + 1, dtype=bool)  # the nodes that reach the sink
        reaching[np.asarray(solver.get_source_side_min_cut(), dtype=np.int64)] = True
        # Both cuts at once: bit 0 the first X (reached), bit 1 the second (cannot reach the sink).
        offer_outside = (~reached[offer_node]).astype(np.uint8) | (reaching[offer_node].astype(np.uint8) << 1)
        need_inside = reached[need_node].astype(np.uint8) | ((~reaching[need_node]).astype(np.uint8) << 1)
        idle |= (offer_outside[pairs.offer] & (need_inside[pairs.need] | np.uint8(3) * ~on)) != 0
        filled[served[~reaching[need_node[served]]]] = True  # the larger X: every node that cannot reach the sink
    return out, filled, idle


def consolidate(pairs: Pairs, pair_flow: np.ndarray, offer_qty: np.ndarray, weight: np.ndarray,
                line_cost_cents: int = LINE_COST_CENTS) -> np.ndarray:
    """Fewer plan lines where a line costs more than it saves (issue 11 item 18): a fixed charge of
    ``line_cost_cents`` a line (a call, an order, a delivery) is not a min-cost flow, so this pass
    runs after it. Request by request (most urgent first, then in the pairs' order; in passes until one
    makes no move, since a move can free units an earlier request could take), with the rest of the
    plan fixed, two moves that keep each request's units (so the urgency-weighted units and the
    fair-share cost stay those of the optimum) and never take more from an offer than it has left:
    (1) all of the request's units from the one fitting offer that can carry them at the least
    ``unit_cost``; (2) else, repeatedly, one line's units moved to the request's other lines' offers
    (cheapest first, within what they have left). A move is made when what it adds to the units'
    cost (cents) is less than ``line_cost_cents`` times the lines it saves; of the moves, the one
    that adds least, net of the lines saved. ``pair_flow`` (units per pair, aligned with ``pairs``)
    is not changed: returns the new units per pair."""
    flow = pair_flow.copy()
    left = offer_qty.astype(np.int64).copy()
    np.subtract.at(left, pairs.offer, flow)
    starts = np.searchsorted(pairs.need, np.arange(len(weight) + 1))
    # Passes over the split requests until one makes no move: a move can free units of an offer that a
    # request looked at before could now take all its units from. A request without a move gains one
    # only when an offer it fits has more left, so each pass after the first looks only at the split
    # requests that fit an offer some move freed units of. Each move lowers the plan's cost (whole
    # cents), so the passes end.
    look = np.ones(len(weight), dtype=bool)
    while look.any():
        freed = np.zeros(len(left), dtype=bool)
        lines_of = np.bincount(pairs.need[flow > 0], minlength=len(weight))
        split = np.flatnonzero((lines_of >= 2) & look)
        for i in split[np.argsort(-weight[split], kind="stable")]:
            _consolidate_request(pairs, flow, left, freed, np.arange(starts[i], starts[i + 1]), line_cost_cents)
        look = np.zeros(len(weight), dtype=bool)
        look[pairs.need[freed[pairs.offer]]] = True
    return flow


def _consolidate_request(pairs: Pairs, flow: np.ndarray, left: np.ndarray, freed: np.ndarray, ks: np.ndarray,
                         line_cost_cents: int) -> None:
    """``consolidate``'s moves for one request (its pairs ``ks``), made in place on ``flow`` (units per
    pair) and ``left`` (units per offer); marks in ``freed`` the offers a move left with more units."""
    while True:
        taken = flow[ks]
        on = ks[taken > 0]
        if len(on) < 2:
            break
        units = int(taken.sum())
        now = int(pairs.unit_cost[on] @ flow[on]) + line_cost_cents * len(on)
        carry = left[pairs.offer[ks]] + taken               # what each fitting offer could give i
        single = np.flatnonzero(carry >= units)
        best_cost, best = now, None
        if len(single):
            k = ks[single[np.argmin(pairs.unit_cost[ks[single]])]]
            cost = int(pairs.unit_cost[k]) * units + line_cost_cents
            if cost < best_cost:
                best_cost, best = cost, {int(k): units}
        if best is None:
            for drop in on:
                moved, cost, plan = int(flow[drop]), now - line_cost_cents, {}
                cost -= int(pairs.unit_cost[drop]) * moved
                for k in sorted((k for k in on if k != drop), key=lambda k: (pairs.unit_cost[k], k)):
                    extra = min(moved, int(left[pairs.offer[k]]))
                    if extra:
                        plan[int(k)] = int(flow[k]) + extra
                        cost += int(pairs.unit_cost[k]) * extra
                        moved -= extra
                if moved == 0 and cost < best_cost:
                    best_cost, best = cost, {int(k): int(flow[k]) for k in on if k != drop} | plan
        if best is None:
            break
        before = left[pairs.offer[on]]
        for k in on:
            left[pairs.offer[k]] += flow[k]
            flow[k] = 0
        for k, units_k in best.items():
            flow[k] = units_k
            left[pairs.offer[k]] -= units_k
        freed[pairs.offer[on][left[pairs.offer[on]] > before]] = True
