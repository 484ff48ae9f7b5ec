"""The control tower's figures as rules (issue 12, items 1 and 2): age buckets of the vetting
backlog, the needed-by windows of the public needs board, medians, the reference price band, and
the small-cell rule that keeps the public board to aggregates.

Everything here is pure: the figures are counted by services.dashboard (stored as a summary
snapshot by a job) and only read, worded and suppressed here.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .catalog import PRODUCT_CATEGORIES, label
from .disclosure import may_publish, public_figure, public_row, round_figure
from .i18n import N_, NP_, _, format_decimal, format_integer
from .reference import price_ceiling_factor, price_label, reference_json

# A public cell (a category, or a category in a needed-by window) is shown only when some
# organisations are behind it and the one public-aggregate rule allows it (domain.disclosure: at
# least MIN_ORGANISATIONS, none holding most of it; fewer, and a reader who knows one hospital could
# learn another's); its units are rounded there, so two boards read minutes apart do not give away
# one hospital's request by their difference.


def _public(figures: Mapping) -> bool:
    """Whether a snapshot cell ``{"units" or "still_needed", "organisations", "largest"}`` may be
    shown. A snapshot counted before "largest" was: as if one organisation held it all (suppressed
    until the job counts again)."""
    organisations = int(figures.get("organisations", 0))
    units = int(figures.get("still_needed", figures.get("units", 0)))
    return organisations > 0 and may_publish(units, (organisations, int(figures.get("largest", units))))

# The labels of these tables are marked with N_ and translated where they are shown (_(label)).

# The vetting backlog by age: (code, label, from days, to days (None: no end)). The codes are the
# vetting queue's ``age`` filter (web.vetting.routes.queue_filter), so each bar links to its leads.
AGE_BUCKETS: tuple[tuple[str, str, int, int | None], ...] = (
    ("lt1d", N_("under a day"), 0, 1),
    ("1to3d", N_("1 to 3 days"), 1, 3),
    ("3to7d", N_("3 to 7 days"), 3, 7),
    ("gt7d", N_("over 7 days"), 7, None),
)
# "This week" for the risk signals: leads submitted in the last 7 days (also a queue filter).
WEEK = ("week", N_("submitted in the last 7 days"), 0, 7)
AGE_FILTERS = {code: (low, high) for code, _label, low, high in (*AGE_BUCKETS, WEEK)}

# When the public board says units are needed: (code, label, from day, to day) after today.
NEED_WINDOWS: tuple[tuple[str, str, int | None, int | None], ...] = (
    ("week", N_("within 7 days (or overdue)"), None, 7),
    ("month", N_("in 8 to 28 days"), 8, 28),
    ("later", N_("later"), 29, None),
)

# The lead funnel and the match funnel, in stage order: (code, label).
LEAD_STAGES = (("submitted", NP_("count", "Submitted")), ("processed", NP_("count", "Processed")), ("in_review", NP_("count", "In review")),
               ("approved", NP_("count", "Approved")), ("rejected", NP_("count", "Rejected")))
MATCH_STAGES = (("proposed", NP_("count", "Proposed")), ("accepted", NP_("count", "Accepted")), ("ordered", NP_("count", "Ordered")),
                ("delivered", NP_("count", "Delivered")))
# The medians between stages: (code, label). Computed by services.dashboard._medians.
STAGE_GAPS = (("submitted_processed", N_("submitted to processed")),
              ("processed_decided", N_("processed to approved or rejected")),
              ("proposed_accepted", N_("proposed to accepted")),
              ("accepted_ordered", N_("accepted to ordered")),
              ("ordered_delivered", N_("ordered to delivered")))


def age_window(code: str, now: datetime) -> tuple[datetime | None, datetime | None]:
    """The created_at range (newest bound, oldest bound) of the age filter ``code``: leads
    created after the first (if any) and at or before the second. KeyError for an unknown code."""
    low, high = AGE_FILTERS[code]
    return (now - timedelta(days=high) if high is not None else None, now - timedelta(days=low))


def need_window(needed_by: date, today: date) -> str:
    """The NEED_WINDOWS code for a request needed by ``needed_by`` (overdue counts as this week)."""
    days = (needed_by - today).days
    if days <= 7:
        return "week"
    return "month" if days <= 28 else "later"


def median(values: Iterable[float]) -> float | None:
    """The median of ``values`` (the mean of the middle two for an even count), None if empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def duration_words(seconds: float | None) -> str:
    """A duration for people in the current language: "—" for none, "45 min", "3.5 h", "2.1 days"
    (Spanish: "45 min", "3,5 h", "2,1 días")."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        return _("{minutes} min").format(minutes=format_integer(max(1, round(seconds / 60))))
    if seconds < 48 * 3600:
        return _("{hours} h").format(hours=_one_decimal(seconds / 3600))
    return _("{days} days").format(days=_one_decimal(seconds / 86400))


def _one_decimal(value: float) -> str:
    """``value`` with one decimal, in the language's decimal sign: 3.5 / 3,5."""
    return format_decimal(round(value, 1), min_decimals=1, max_decimals=1)


@dataclass(frozen=True)
class PriceBand:
    """The band a fair unit price falls in, in US dollars per unit: under ``low`` the scoring calls
    it too good to be true, over ``high`` it is over 10% above the reference (California Penal Code
    396). ``reference`` is the reference price itself, ``label`` what it is a price of (in the
    current language)."""

    low: float
    reference: float
    high: float
    label: str


def price_band(category: str, reference: Mapping | None = None) -> PriceBand | None:
    """The fair price band of ``category`` from reference_data.json (the same numbers that score
    leads: ``price_too_low.below`` and the lowest ``price_bands`` factor); None without a reference."""
    ref = reference or reference_json()
    entry = ref["reference_prices"].get(category)
    if entry is None:
        return None
    low = ref["price_too_low"]["below"]
    high = price_ceiling_factor(ref)
    price = float(entry["price"])
    return PriceBand(low=price * low, reference=price, high=price * high, label=price_label(entry))


@dataclass(frozen=True)
class NeedCell:
    window: str        # a NEED_WINDOWS code
    label: str
    units: int | None  # None: suppressed (fewer than MIN_ORGANISATIONS organisations)


@dataclass(frozen=True)
class SignalRow:
    """One category on the public needs board. ``short`` and ``units_short`` (units still needed
    beyond the approved supply the allocation plan gives the category's open requests) are None when the category covers fewer than
    MIN_ORGANISATIONS organisations or one organisation needs most of its units (domain.disclosure):
    then nothing but its name is shown. Units are rounded (disclosure.round_figure)."""

    category: str
    label: str
    shown: bool
    short: bool | None
    units_short: int | None
    cells: tuple[NeedCell, ...]
    band: PriceBand | None


def signal_rows(categories: Mapping[str, Mapping], reference: Mapping | None = None) -> list[SignalRow]:
    """The public needs board from a snapshot's per-category figures. Each ``categories[c]`` has
    ``still_needed`` (units), ``planned`` (units of free approved supply the allocation plan gives
    its open requests: supply nobody can take covers nothing; absent in an older snapshot: none),
    ``organisations`` (distinct organisations
    with units still needed) and ``windows``: {window code: {"units", "organisations"}}.
    A category, and each of its window cells, is shown only when domain.disclosure allows it
    (MIN_ORGANISATIONS or more organisations, none with more than DOMINANCE_SHARE of the units
    still needed: ``largest``), its units rounded (disclosure.public_figure). The supply is never shown (with it, a reader could subtract the
    shown cells from the shortfall to learn a suppressed one). Categories most short first."""
    rows = []
    for code, _unused in PRODUCT_CATEGORIES:
        figures = categories.get(code) or {}
        shown = _public(figures)
        published, values = [], []
        for window, _label, _low, _high in NEED_WINDOWS:
            cell = (figures.get("windows") or {}).get(window) or {}
            units = int(cell.get("units", 0))
            visible = shown and _public(cell)
            values.append(units)
            published.append(public_figure(units, units, (int(cell.get("organisations", 0)),
                                                          int(cell.get("largest", units)))) if visible else None)
        # A window nobody needs anything in is 0, not "–", unless that would give away a hidden one.
        published = public_row(published, values) if shown else published
        cells = [NeedCell(window, _(window_label), units)
                 for (window, window_label, _low, _high), units in zip(NEED_WINDOWS, published, strict=True)]
        needed, free = int(figures.get("still_needed", 0)), int(figures.get("planned", 0))
        rows.append(SignalRow(category=code, label=label(PRODUCT_CATEGORIES, code), shown=shown,
                              short=(needed > free) if shown else None,
                              units_short=round_figure(max(0, needed - free)) if shown else None,
                              cells=tuple(cells), band=price_band(code, reference)))
    rows.sort(key=lambda r: (not r.shown, -(r.units_short or 0), r.label))
    return rows


# --- the charts' value axis: one outlier must not flatten every other bar -------------------------

OUTLIER_RATIO = 10     # a bar at least this many times the next one down is an outlier...
OUTLIERS_AT_MOST = 3   # ...when at most this many bars stand above the gap (more: the spread is real)
CAP_ROOM = 1.25        # the axis ends this far above the tallest bar that is not cut short


def axis_cap(values: Iterable[float]) -> int | None:
    """Where a bar chart's value axis should end when a few bars dwarf the rest, or None (the
    axis fits every bar). A 50-million-unit lead beside bars of a few thousand: the axis ends just
    above the tallest of the others (``CAP_ROOM``, rounded up to 1, 2, 2.5 or 5 x 10^n), and the
    outliers are drawn cut short with their number written on them (static/js/dashboard.js).

    Among the positive values, largest first, the gap is the largest ratio between one value and
    the next below it with at most ``OUTLIERS_AT_MOST`` values above; it must be at least
    ``OUTLIER_RATIO``. ``[50_000_000, 3_000, 1_500, 800]`` -> 5000; ``[3_000, 1_500, 800]`` -> None."""
    ordered = sorted((v for v in values if v and v > 0), reverse=True)
    best_ratio, best_index = 0.0, None
    for index in range(1, min(OUTLIERS_AT_MOST, len(ordered) - 1) + 1):
        ratio = ordered[index - 1] / ordered[index]
        if ratio > best_ratio:
            best_ratio, best_index = ratio, index
    if best_index is None or best_ratio < OUTLIER_RATIO:
        return None
    return _nice_ceiling(ordered[best_index] * CAP_ROOM)


def _nice_ceiling(value: float) -> int:
    """The smallest whole number of 1, 2, 2.5, 5 x 10^n (n >= 0) at or above ``value``: 3750 ->
    5000, 12 -> 20 (2.5 itself rounds up to 3: axes of units count whole units)."""
    power = 1
    while True:
        for step in (1, 2, 2.5, 5):
            if step * power >= value:
                return math.ceil(step * power)
        power *= 10
