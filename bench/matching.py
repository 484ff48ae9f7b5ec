"""The allocation beside the true optimum (issue 4, design section 8): on generated instances of
1k x 1k and 10k x 10k (open requests x approved offers), our plan (marketplace.domain.allocation,
an exact min-cost flow in OR-Tools) beside the optimum found by an independent solver in the same
run (HiGHS, the LP of the same transportation problem) and beside a greedy baseline.

    python bench/matching.py [--sizes 1000,10000] [--skip-independent-above N] [--seed 7]

Needs: bench/requirements.txt (scipy, for the HiGHS it bundles; not highspy: OR-Tools bundles a
HiGHS of its own whose symbols clash with highspy's, and one process cannot load both). The 10k x
10k dense LP takes minutes per phase on a 2-core machine; ``--skip-independent-above 1000`` leaves
it out (the table then measures gaps against our plan). Exit status 1 if our weighted units or secondary cost differ from HiGHS's
optimum wherever it ran, or if the vectorised fitness test disagrees with ``unfit_reason``.

Instances (fixed seed): a crisis market in which almost every offer fits some request and almost
every request some offer, but each request only a small share of them (2% in the dense instances),
so that who gets which offer decides how much demand is met. Locations are real US ZIP codes
drawn from the ``zipcodes`` data.

* Prices follow a going rate for delivery within t days: 8x the reference price in
  marketplace/domain/reference_data.json for stock ready today, falling geometrically to 1.2x at
  45 days. An offer asks the rate for its lead time, a buyer's maximum is the rate for its deadline
  (median 2.9x reference; 10th-90th percentile 1.4x-6x), each with a log-normal spread (sigma
  0.08). Ceilings sit a little below the rate (median 0.91 of it: budgets lag a rising market),
  except for buyers about to run out, who pay more: 1.3x with 2 days of supply or less, 1.1x with
  7. So a request fits the offers that arrive shortly before its deadline at a price below the
  going rate (faster offers cost more, slower ones come late), and an urgent request a few days'
  more of them.
* Requests: a quarter from hospital systems and stockpiles (median 8,000 units, 79% of the units),
  the rest from clinics, nursing homes and shelters (median 800); needed-by 3 to 45 days ahead;
  days of supply 0 to 60 (a quarter at 2 days or less), independent of the deadline.
* Offers: 30% distributors' stock (median 5,000 units, ready in 0-7 days, no minimum order), 70%
  production or import lots (median 20,000 units, 8-42 days, 80% with a minimum order of 2,000 to
  20,000 that only large requests meet); 10% do not state a lead time (the allocation assumes 14
  days). The lead time is within the deadline on 65% of (request, offer) pairs.
* Supply is 65% of the demand in every category.

Why: with offers priced out of most buyers' reach (as these instances were before), even the
optimum filled a fifth of demand and a greedy plan came within a few points of it: the allocation
hardly mattered. Here the optimum sells nearly all the supply. A greedy plan serves the urgent
first, with the cheapest offers that fit them: the offers priced under the going rate, which were
the only ones the patient buyers could afford, while the dearer offers that only the urgent could
pay for go unsold (dense 10k x 10k: the greedy sells about 60% of the supply, the optimum 97%).

* dense: N95 and KN95 only, KN95 accepted by 15% of the N95 buyers (many hospitals would not use
  them) and N95 by 40% of the KN95 buyers: about 2% of all (request, offer) pairs fit (2.1 million
  at 10k x 10k, the size at which the issue reports OR-Tools solving in about 6 s).
* sparse: all 10 categories, 5% of requests accepting one related substitute: about 0.35% of the
  pairs fit. At 1k x 1k each category is a market of about 100 x 100, too thin for the same fill.

Methods. All three use the same fitting pairs (``allocation.fitting_pairs``, checked here against
the scalar ``unfit_reason`` on random pairs) and the same costs; what differs is the optimisation.

* ours: ``allocation.allocate`` without its line consolidation (``line_cost_cents=0``, the flow's
  own optimum): a few max flows for the most urgency-weighted units, then one min-cost flow of the
  secondary cost over the plans that deliver them (OR-Tools). The consolidation pass that follows
  in the app (a fixed cost of ``LINE_COST_CENTS`` a line) is reported under the table: lines
  before and after, and what it adds to the units' secondary cost.
* HiGHS LP (scipy.optimize.linprog, method "highs"): one variable per fitting pair, one row per
  offer and per request. Phase 1 maximises urgency-weighted units; phase 2 adds the row "weighted
  units >= phase-1 optimum" and minimises the secondary cost. The transportation polytope is
  integral and the phase-2 feasible set is one of its faces, so the LP optimum is the integer
  optimum (checked: the plan HiGHS returns is integral). The row is not relaxed to "optimum - 0.5":
  that would let the LP trade half a weighted unit for a cheaper fractional plan, and report a
  secondary cost below the true lexicographic optimum.
* greedy: requests by urgency (days of supply), then deadline; each takes the cheapest fitting
  offers (then the nearest) while units are left: what a person working down a list would do.
* scarce first (issue 11 item 20), the strongest simple baseline we found: requests by urgency
  weight, then those with the fewest fitting offers first (they have the fewest alternatives);
  each takes first the offers that the fewest other requests can use (the least wanted), then
  by unit cost (price, distance, substitute penalty). A dispatcher's rule of thumb, in one pass.

Every instance also carries exclusions (issue 11 item 16): 5% of the requests declined one of
their fitting offers, which no method may use for them; the costs include the substitute penalty
(item 17). All methods see the same pairs, so the table compares optimisation only.

Columns: fill = units / demand; weighted fill = urgency-weighted units / urgency-weighted demand;
cost = what the allocated units cost at the offers' prices (exact, rounded once); 2nd obj = the secondary cost minimised
(cents: price plus distance charge, per unit; equal optima may split it differently); gaps in percentage points below the
optimum (HiGHS where it ran, else ours); build = finding pairs and building the model, solve =
the solver alone (HiGHS: both phases).
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from marketplace.domain import allocation, geo, money  # noqa: E402
from marketplace.domain.allocation import Need, Offer  # noqa: E402
from marketplace.domain.catalog import PRODUCT_CATEGORIES, values  # noqa: E402
from marketplace.domain.formatting import ratio  # noqa: E402
from marketplace.domain.scoring import load_reference  # noqa: E402

# The substitute a buyer of each category may accept in the sparse instances.
RELATED = {
    "n95_respirator": "kn95_respirator", "kn95_respirator": "n95_respirator",
    "surgical_mask": "kn95_respirator", "face_shield": "goggles", "goggles": "face_shield",
    "nitrile_gloves": "other", "isolation_gown": "other", "hand_sanitizer": "disinfectant_wipes",
    "disinfectant_wipes": "hand_sanitizer", "other": "isolation_gown",
}
# What "other" requests and offers are (issue 11 item 18: "other" matches only by specification):
# every request that takes "other" names one of these, every "other" offer describes one.
OTHER_PRODUCTS = ("infrared thermometer", "body bag", "pulse oximeter", "folding stretcher")
# The going rate for delivery within t days, as a multiple of the reference price: 8x for stock
# ready today, falling geometrically to 1.2x for delivery in 45 days or more.
RATE_NOW, RATE_LATE, RATE_DAYS = 8.0, 1.2, 45
PRICE_SPREAD = 0.08       # log-normal sigma of offer prices and of buyers' ceilings around the rate
CEILING = 0.91            # a buyer's median ceiling, as a share of the going rate for its deadline
URGENT_PREMIUM = ((2, 1.3), (7, 1.1))  # (days of supply at most, ceiling multiplier)
DUE_DAYS = (3, 45)        # needed-by: this many days ahead, uniform
SUPPLY_SHARE = 0.65       # supply, in units, as a share of the demand in every category
SYSTEM_SHARE, SYSTEM_UNITS, FACILITY_UNITS = 0.25, 8000, 800  # requests: share of large ones; medians
STOCK_SHARE, STOCK_UNITS, LOT_UNITS = 0.3, 5000, 20000         # offers: share of stock; median sizes
STOCK_LEAD, LOT_LEAD = (0, 7), (8, 42)  # lead times in days, uniform: stock, lots
LOT_MOQ_SHARE, LOT_MOQS = 0.8, [2000, 5000, 10000, 20000]
LEAD_UNSTATED = 0.1       # offers that do not state a lead time (the allocation assumes 14 days)


def going_rate(days: np.ndarray) -> np.ndarray:
    return RATE_NOW * (RATE_LATE / RATE_NOW) ** (np.minimum(days, RATE_DAYS) / RATE_DAYS)


def reference_prices() -> dict[str, float]:
    prices = {c: p["price"] for c, p in load_reference().data["reference_prices"].items()}
    prices.setdefault("other", 1.00)
    return prices


def standard_zips() -> list[str]:
    import zipcodes

    return sorted(row["zip_code"] for row in zipcodes.list_all()
                  if row["zip_code_type"] == "STANDARD" and geo.centroid(row["zip_code"]))


def money_cents(values: np.ndarray) -> list[Decimal]:
    return [Decimal(int(v)).scaleb(-2) for v in values]


def generate(kind: str, size: int, seed: int, zips: list[str]) -> tuple[list[Need], list[Offer]]:
    rng = np.random.default_rng([seed, size, int(kind == "dense")])
    reference = reference_prices()
    if kind == "dense":
        need_cat = rng.choice(["n95_respirator", "kn95_respirator"], size, p=[0.7, 0.3])
        offer_cat = rng.choice(["n95_respirator", "kn95_respirator"], size, p=[0.6, 0.4])
        accepts = np.where(need_cat == "n95_respirator", rng.random(size) < 0.15, rng.random(size) < 0.4)
    else:
        categories = values(PRODUCT_CATEGORIES)
        need_cat, offer_cat = rng.choice(categories, size), rng.choice(categories, size)
        accepts = rng.random(size) < 0.05

    need_ref = np.array([reference[c] for c in need_cat])
    offer_ref = np.array([reference[c] for c in offer_cat])

    # Requests: large (systems, stockpiles) and small (clinics, shelters); the ceiling is the going
    # rate for the deadline, more for those about to run out (see the module docstring).
    system = rng.random(size) < SYSTEM_SHARE
    demand = np.where(system, rng.lognormal(np.log(SYSTEM_UNITS), 0.6, size),
                      rng.lognormal(np.log(FACILITY_UNITS), 0.8, size))
    demand = np.maximum(100, np.round(demand, -2)).astype(np.int64)
    due = rng.integers(DUE_DAYS[0], DUE_DAYS[1] + 1, size)
    days_of_supply = np.where(rng.random(size) < 0.25, rng.integers(0, 3, size), rng.integers(3, 61, size))
    premium = np.ones(size)
    for days, factor in reversed(URGENT_PREMIUM):
        premium[days_of_supply <= days] = factor
    ceiling = going_rate(due) * premium * rng.lognormal(np.log(CEILING), PRICE_SPREAD, size)
    max_price = np.maximum(1, np.round(need_ref * ceiling * 100))

    # Offers: distributors' stock (ready within a week, no minimum order) and production or import
    # lots (larger, slower, most with a minimum order), each at the going rate for its lead time.
    stock = rng.random(size) < STOCK_SHARE
    supply = np.where(stock, rng.lognormal(np.log(STOCK_UNITS), 0.8, size),
                      rng.lognormal(np.log(LOT_UNITS), 0.8, size))
    for category in set(need_cat) | set(offer_cat):  # supply is 65% of demand in every category
        here = offer_cat == category
        if here.any():
            supply[here] *= SUPPLY_SHARE * demand[need_cat == category].sum() / supply[here].sum()
    supply = np.maximum(1, np.round(supply)).astype(np.int64)
    lead = np.where(stock, rng.integers(STOCK_LEAD[0], STOCK_LEAD[1] + 1, size),
                    rng.integers(LOT_LEAD[0], LOT_LEAD[1] + 1, size))
    lead_stated = rng.random(size) >= LEAD_UNSTATED
    price = np.maximum(1, np.round(offer_ref * going_rate(lead) * rng.lognormal(0, PRICE_SPREAD, size) * 100))
    moq = np.where(~stock & (rng.random(size) < LOT_MOQ_SHARE), rng.choice(LOT_MOQS, size), 0)
    moq = np.minimum(moq, supply)
    need_zip = rng.choice(zips, size)
    offer_zip = rng.choice(zips, size)
    risk = rng.integers(0, 101, size)

    need_product = rng.choice(OTHER_PRODUCTS, size)
    offer_product = rng.choice(OTHER_PRODUCTS, size)
    needs = [Need(i + 1, str(need_cat[i]), frozenset({RELATED[need_cat[i]]} if accepts[i] else ()),
                  int(demand[i]), p, int(due[i]), str(need_zip[i]), int(days_of_supply[i]),
                  specification=str(need_product[i]))
             for i, p in enumerate(money_cents(max_price))]
    offers = [Offer(i + 1, str(offer_cat[i]), int(supply[i]), p, int(lead[i]) if lead_stated[i] else None,
                    str(offer_zip[i]), int(moq[i]) or None, int(risk[i]),
                    str(offer_product[i]) if offer_cat[i] == "other" else "")
              for i, p in enumerate(money_cents(price))]
    return needs, offers


EXCLUDING_SHARE = 0.05  # requests that declined one of their fitting offers


def with_exclusions(needs: list[Need], offers: list[Offer], seed: int) -> list[Need]:
    """The needs, EXCLUDING_SHARE of them (those with a fitting offer) excluding one fitting offer."""
    import dataclasses

    rng = np.random.default_rng([seed, len(needs), 16])
    pairs = allocation.fitting_pairs(needs, offers)
    starts = np.searchsorted(pairs.need, np.arange(len(needs) + 1))
    out = []
    for i, n in enumerate(needs):
        count = starts[i + 1] - starts[i]
        if count and rng.random() < EXCLUDING_SHARE:
            declined = offers[pairs.offer[starts[i] + rng.integers(count)]].id
            n = dataclasses.replace(n, excluded_offers=frozenset({declined}))
        out.append(n)
    return out


def exact_cost_cents(offers, pairs, taken: np.ndarray) -> int:
    """What the allocated units cost, summed exactly and rounded once (domain/money.py)."""
    return money.cents(money.total((int(taken[k]), offers[pairs.offer[k]].unit_price)
                                   for k in np.flatnonzero(taken)))


def secondary(needs, pairs, taken: np.ndarray) -> int:
    """The secondary objective of a plan: its pairs' unit costs plus the requests' fair-share costs."""
    given = np.bincount(pairs.need, weights=taken, minlength=len(needs)).astype(np.int64)
    return int(pairs.unit_cost @ taken) + sum(allocation.fair_share_cost(n.quantity, int(given[i]))
                                              for i, n in enumerate(needs) if given[i])


@dataclass
class Result:
    method: str
    units: int
    weighted: int
    cost_cents: int
    secondary: int
    build: float
    solve: float


def check_pairs(needs, offers, pairs, rng, samples=20_000) -> int:
    """Disagreements between the vectorised pairs and ``unfit_reason`` on random combinations,
    half of them drawn from the pairs found (mostly fitting), half uniformly (mostly not)."""
    found = set(zip(pairs.need.tolist(), pairs.offer.tolist()))
    picks = rng.integers(0, len(pairs.need), samples // 2) if len(pairs.need) else []
    combos = [(int(pairs.need[k]), int(pairs.offer[k])) for k in picks]
    combos += list(zip(rng.integers(0, len(needs), samples // 2).tolist(),
                       rng.integers(0, len(offers), samples // 2).tolist()))
    return sum(((i, j) in found) != (allocation.unfit_reason(offers[j], needs[i]) is None) for i, j in combos)


def pair_weights(needs, pairs):
    weight = np.array([allocation.urgency_weight(n.days_of_supply) for n in needs], dtype=np.int64)
    return weight[pairs.need]


def ours(needs, offers) -> tuple[Result, str]:
    plan = allocation.allocate(needs, offers, line_cost_cents=0)
    return Result("ours (min-cost flow)", plan.units, plan.weighted_units, plan.cost_cents,
                  plan.secondary_cost + plan.share_cost,
                  plan.build_seconds, plan.solve_seconds), consolidation(needs, offers, plan)


def consolidation(needs, offers, plan) -> str:
    """What the app's consolidation pass (``allocation.consolidate``) makes of the flow's plan."""
    pairs = allocation.fitting_pairs(needs, offers)
    at = {(needs[i].id, offers[j].id): k for k, (i, j) in enumerate(zip(pairs.need.tolist(), pairs.offer.tolist()))}
    flow = np.zeros(len(pairs.need), dtype=np.int64)
    for line in plan.lines:
        flow[at[(line.need_id, line.offer_id)]] = line.quantity
    weight = np.array([allocation.urgency_weight(n.days_of_supply) for n in needs], dtype=np.int64)
    started = time.perf_counter()
    after = allocation.consolidate(pairs, flow, np.array([o.quantity for o in offers], dtype=np.int64), weight)
    seconds = time.perf_counter() - started
    before_lines, after_lines = int(np.count_nonzero(flow)), int(np.count_nonzero(after))
    small = np.array([n.quantity <= 1000 for n in needs])
    split_small = [int(np.count_nonzero(np.bincount(pairs.need[f > 0], minlength=len(needs))[small] >= 2))
                   for f in (flow, after)]
    extra = int(pairs.unit_cost @ after) - int(pairs.unit_cost @ flow)
    return (f"{before_lines:,} lines -> {after_lines:,} (requests of 1,000 units or fewer on several lines: "
            f"{split_small[0]:,} -> {split_small[1]:,}); the units' secondary cost +${extra / 100:,.2f} "
            f"({extra / max(int(pairs.unit_cost @ flow), 1):.3%}) against ${allocation.LINE_COST_CENTS / 100:,.0f} "
            f"x {before_lines - after_lines:,} lines saved; weighted units unchanged; {seconds:.2f} s")


def independent(needs, offers) -> Result:
    """The lexicographic optimum by HiGHS on the LP, in two phases (see the module docstring)."""
    from scipy.optimize import linprog
    from scipy.sparse import csr_array, vstack

    started = time.perf_counter()
    pairs = allocation.fitting_pairs(needs, offers)
    weight = pair_weights(needs, pairs)
    n_pairs, columns = len(pairs.need), np.arange(len(pairs.need))
    offer_qty = np.array([o.quantity for o in offers], dtype=np.float64)
    need_qty = np.array([n.quantity for n in needs], dtype=np.float64)
    # Fair shares: one more column per slice of each request (allocation.share_slices), bounded by
    # the slice's size, at its cost; a request's row says its pairs' units = its slices' units.
    slices = [(i, j, size) for i, n in enumerate(needs) for j, size in enumerate(allocation.share_slices(n.quantity))
              if size > 0]
    n_slices = len(slices)
    slice_need = np.array([i for i, _, _ in slices], dtype=np.int64)
    slice_cents = np.array([j * allocation.FAIR_STEP_CENTS for _, j, _ in slices], dtype=np.float64)
    slice_size = np.array([size for _, _, size in slices], dtype=np.float64)
    slice_columns = n_pairs + np.arange(n_slices)
    # Pair column k: a one in its offer's row and in its request's row; slice column: minus one in its request's row.
    a_ub = csr_array((np.ones(n_pairs), (pairs.offer, columns)), shape=(len(offers), n_pairs + n_slices))
    a_eq = csr_array((np.concatenate([np.ones(n_pairs), -np.ones(n_slices)]),
                      (np.concatenate([pairs.need, slice_need]), np.concatenate([columns, slice_columns]))),
                     shape=(len(needs), n_pairs + n_slices))
    bounds = np.column_stack([np.zeros(n_pairs + n_slices),
                              np.concatenate([np.minimum(offer_qty[pairs.offer], need_qty[pairs.need]), slice_size])])
    weight_row = np.concatenate([weight.astype(np.float64), np.zeros(n_slices)])
    build = time.perf_counter() - started

    started = time.perf_counter()
    first = linprog(-weight_row, A_ub=a_ub, b_ub=offer_qty, A_eq=a_eq, b_eq=np.zeros(len(needs)),
                    bounds=bounds, method="highs")
    assert first.status == 0, first.message
    best_weighted = round(-first.fun)
    a_ub = vstack([a_ub, csr_array(-weight_row.reshape(1, -1))])
    second = linprog(np.concatenate([pairs.unit_cost.astype(np.float64), slice_cents]), A_ub=a_ub,
                     b_ub=np.append(offer_qty, -best_weighted), A_eq=a_eq, b_eq=np.zeros(len(needs)),
                     bounds=bounds, method="highs")
    assert second.status == 0, second.message
    solve = time.perf_counter() - started
    x = np.rint(second.x[:n_pairs]).astype(np.int64)
    fractional = float(np.abs(second.x[:n_pairs] - x).max()) if n_pairs else 0.0
    assert fractional < 1e-6, f"HiGHS returned a fractional plan ({fractional})"  # a vertex is integral
    return Result("HiGHS LP, 2 phases", int(x.sum()), int(weight @ x), exact_cost_cents(offers, pairs, x),
                  round(second.fun),
                  build, solve)


def take_in_order(needs, offers, pairs, order, by_need, starts) -> np.ndarray:
    """The greedy baselines' fill: each request in ``order`` takes its fitting pairs in ``by_need``
    order (its own between ``starts[i]`` and ``starts[i + 1]``) until it has its quantity or the
    offers are used up. Units taken per pair."""
    left = [o.quantity for o in offers]
    taken = np.zeros(len(pairs.need), dtype=np.int64)
    for i in order:
        wanted = needs[i].quantity
        for k in by_need[starts[i]:starts[i + 1]]:
            if not wanted:
                break
            units = min(wanted, left[pairs.offer[k]])
            taken[k], wanted = units, wanted - units
            left[pairs.offer[k]] -= units
    return taken


def greedy(needs, offers) -> Result:
    started = time.perf_counter()
    pairs = allocation.fitting_pairs(needs, offers)
    weight = pair_weights(needs, pairs)
    price = np.array([float(o.unit_price) for o in offers])[pairs.offer]
    by_need = np.lexsort((np.nan_to_num(pairs.distance_km, nan=allocation.UNKNOWN_DISTANCE_KM), price, pairs.need))
    starts = np.searchsorted(pairs.need[by_need], np.arange(len(needs) + 1))
    order = sorted(range(len(needs)), key=lambda i: (needs[i].days_of_supply, needs[i].days_until_needed, needs[i].id))
    build = time.perf_counter() - started

    started = time.perf_counter()
    taken = take_in_order(needs, offers, pairs, order, by_need, starts)
    solve = time.perf_counter() - started
    return Result("greedy (urgent first, cheapest)", int(taken.sum()), int(weight @ taken),
                  exact_cost_cents(offers, pairs, taken), secondary(needs, pairs, taken), build, solve)


def scarce_first(needs, offers) -> Result:
    """Urgent first, then the requests with the fewest fitting offers; each takes the least-wanted
    offers first (fitting the fewest requests), then the cheapest by unit cost."""
    started = time.perf_counter()
    pairs = allocation.fitting_pairs(needs, offers)
    weight = pair_weights(needs, pairs)
    wanted_by = np.bincount(pairs.offer, minlength=len(offers))   # requests each offer fits
    choices = np.bincount(pairs.need, minlength=len(needs))       # offers each request fits
    by_need = np.lexsort((pairs.unit_cost, wanted_by[pairs.offer], pairs.need))
    starts = np.searchsorted(pairs.need[by_need], np.arange(len(needs) + 1))
    order = sorted(range(len(needs)), key=lambda i: (-allocation.urgency_weight(needs[i].days_of_supply),
                                                     choices[i], needs[i].days_until_needed, needs[i].id))
    build = time.perf_counter() - started

    started = time.perf_counter()
    taken = take_in_order(needs, offers, pairs, order, by_need, starts)
    solve = time.perf_counter() - started
    return Result("scarce first (greedy)", int(taken.sum()), int(weight @ taken),
                  exact_cost_cents(offers, pairs, taken), secondary(needs, pairs, taken), build, solve)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="requests = offers per instance, comma-separated")
    parser.add_argument("--skip-independent-above", type=int, default=None, metavar="N",
                        help="do not run HiGHS on instances larger than N x N")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    zips = standard_zips()
    failures = []
    header = (f"{'instance':<18} {'method':<32} {'fill %':>7} {'wfill %':>8} {'cost $':>13} {'2nd obj':>12} "
              f"{'gap fill':>9} {'gap wfill':>10} {'build s':>8} {'solve s':>8}")
    tables, ratios, baselines, consolidations = [], [], [], []
    for size in sizes:
        for kind in ("dense", "sparse"):
            needs, offers = generate(kind, size, args.seed, zips)
            needs = with_exclusions(needs, offers, args.seed)
            pairs = allocation.fitting_pairs(needs, offers)
            disagreements = check_pairs(needs, offers, pairs, np.random.default_rng(args.seed))
            name = f"{kind} {size // 1000}k x {size // 1000}k"
            demand = sum(n.quantity for n in needs)
            weighted_demand = sum(allocation.urgency_weight(n.days_of_supply) * n.quantity for n in needs)
            print(f"{name}: {len(pairs.need):,} fitting pairs ({len(pairs.need) / size ** 2:.2%}), supply "
                  f"{sum(o.quantity for o in offers) / demand:.0%} of demand; fitness checked on 20,000 "
                  f"pairs against unfit_reason: {disagreements} disagreements", file=sys.stderr, flush=True)
            if disagreements:
                failures.append(f"{name}: vectorised fitness disagrees with unfit_reason {disagreements} times")
            del pairs

            mine, consolidated = ours(needs, offers)
            results = [mine]
            consolidations.append(f"{name}: {consolidated}")
            run_lp = args.skip_independent_above is None or size <= args.skip_independent_above
            if run_lp:
                results.append(independent(needs, offers))
                mine, lp = results
                if (mine.weighted, mine.secondary) != (lp.weighted, lp.secondary):
                    failures.append(f"{name}: ours (weighted {mine.weighted:,}, secondary {mine.secondary:,}) "
                                    f"!= HiGHS (weighted {lp.weighted:,}, secondary {lp.secondary:,})")
                ours_total, lp_total = mine.build + mine.solve, lp.build + lp.solve
                ratios.append(f"{name}: ours {ours_total:.2f} s, HiGHS {lp_total:.2f} s, HiGHS / ours "
                              f"{ratio(lp_total / max(ours_total, 1e-9))}; solvers alone: ours {mine.solve:.2f} s, "
                              f"HiGHS {lp.solve:.2f} s, {ratio(lp.solve / max(mine.solve, 1e-9))}")
            results.append(greedy(needs, offers))
            results.append(scarce_first(needs, offers))
            best = results[1] if run_lp else results[0]
            best_fill, best_wfill = 100 * best.units / demand, 100 * best.weighted / weighted_demand
            rows = []
            for r in results:
                fill, wfill = 100 * r.units / demand, 100 * r.weighted / weighted_demand
                rows.append(f"{name + ('' if run_lp else ' *'):<18} {r.method:<32} {fill:>7.2f} {wfill:>8.2f} "
                            f"{r.cost_cents / 100:>13,.2f} {r.secondary:>12,} {best_fill - fill:>9.2f} "
                            f"{best_wfill - wfill:>10.2f} "
                            f"{r.build:>8.2f} {r.solve:>8.2f}")
            tables.append(rows)
            for r in results[-2:]:
                baselines.append(f"{name}: {r.method} / optimum: weighted units "
                                 f"{r.weighted / max(best.weighted, 1):.4f}, units {r.units / max(best.units, 1):.4f}, "
                                 f"2nd obj per unit {(r.secondary / max(r.units, 1)) / max(best.secondary / max(best.units, 1), 1e-9):.4f}")
            print("\n".join([header, *rows]), file=sys.stderr, flush=True)

    print("\nAllocation: ours beside the independent optimum and a greedy baseline "
          "(gaps: percentage points below the optimum)")
    print(header)
    for rows in tables:
        print("\n".join(rows))
    if args.skip_independent_above is not None:
        print(f"* HiGHS not run above {args.skip_independent_above:,} x {args.skip_independent_above:,}: "
              "gaps measured against ours")
    print(f"\nConsolidation (a fixed cost of ${allocation.LINE_COST_CENTS / 100:,.0f} a plan line, after the flow):")
    print("\n".join(consolidations))
    print("\nGreedy baselines against the optimum (ratios; 1 = as good):")
    print("\n".join(baselines))
    if ratios:
        print("\nTime, ours vs HiGHS (build + solve):")
        print("\n".join(ratios))
    for failure in failures:
        print(f"FAIL {failure}")
    if not failures and ratios:
        print("\nours = HiGHS optimum (weighted units and secondary cost) on every instance where HiGHS ran")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
