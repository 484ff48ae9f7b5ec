"""Daily open data (issue 12, item 4): per day and product category, what was asked for, offered,
proposed, accepted and delivered, with every figure passed through the one public-figure rule
(domain.disclosure.public_figure: suppressed when it covers fewer than three organisations or one
organisation holds most of it, else rounded to two significant figures), and the data dictionary as a Frictionless Data Table Schema.

Pure: the service (services.open_data) reads the database into the facts below; this module counts
them. Days are the city's dates (CITY_TIMEZONE) of the event. Organisations are opaque keys: a buyer
organisation's id for demand; for supply, the supplier (the owner's organisation, or for a lead
without an account the supplier cluster the duplicate search resolved it to).
"""
from __future__ import annotations

import csv
import io
import statistics
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date

from .catalog import PRODUCT_CATEGORIES, source_label, values
from .disclosure import (
    DOMINANCE_SHARE,
    MIN_ORGANISATIONS,
    SIGNIFICANT_FIGURES,
    may_publish,
    public_figure,
    round_figure,
)
from .i18n import N_, _, format_integer

# The stages of a match the table counts, each on the city's date it happened.
PROPOSED, ACCEPTED, DELIVERED = "proposed", "accepted", "delivered"
MATCH_STAGES = (PROPOSED, ACCEPTED, DELIVERED)


@dataclass(frozen=True)
class RequestFact:
    """A demand request posted on ``day`` for ``units`` of ``category`` by buyer organisation ``buyer``."""
    day: date
    category: str
    units: int
    buyer: Hashable


@dataclass(frozen=True)
class ApprovalFact:
    """A lead approved on ``day`` (and still approved) offering ``units`` of ``category`` by ``supplier``."""
    day: date
    category: str
    units: int
    supplier: Hashable


@dataclass(frozen=True)
class MatchFact:
    """A match reaching ``stage`` (proposed, accepted, delivered) on ``day``: ``units`` of ``category``
    (the offer's) from ``supplier`` to ``buyer``. For a delivery, ``days_to_delivery`` is the time in
    days from the request being posted to the delivery (None otherwise)."""
    day: date
    category: str
    stage: str
    units: int
    buyer: Hashable
    supplier: Hashable
    days_to_delivery: float | None = None


# The data dictionary: (name, Table Schema type, title, description). The order is the CSV's. The
# machine-readable documents publish the titles and descriptions in English; the page translates them.
FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("date", "date", N_("Date"),
     N_("The city's calendar date (ISO 8601) on which the events happened.")),
    ("category", "string", N_("Product category"),
     N_("The product category code (see the enum).")),
    ("category_label", "string", N_("Product category (label)"),
     N_("The product category in words.")),
    ("requests_posted", "integer", N_("Requests posted"),
     N_("Demand requests posted by buyer organisations (hospitals, clinics, care homes, shelters, first "
        "responders) on this date for this category.")),
    ("units_requested", "integer", N_("Units requested"),
     N_("Units asked for by the requests posted on this date.")),
    ("leads_approved", "integer", N_("Approved offers"),
     N_("Supplier offers (leads) approved by city staff on this date and still approved today.")),
    ("units_offered", "integer", N_("Units offered"),
     N_("Units offered by the offers approved on this date.")),
    ("units_proposed", "integer", N_("Units proposed"),
     N_("Units the city proposed to buyers on this date (from approved offers of this category).")),
    ("units_accepted", "integer", N_("Units accepted"),
     N_("Units whose proposal a buyer accepted on this date.")),
    ("units_delivered", "integer", N_("Units delivered"),
     N_("Units marked as delivered on this date.")),
    ("median_days_to_delivery", "number", N_("Median days to delivery"),
     N_("For the deliveries on this date: the median time, in days (one decimal), from the buyer "
        "posting the request to the delivery.")),
)
FIELD_NAMES = tuple(f[0] for f in FIELDS)
# Each published figure and the parties whose distinct organisations it covers.
SUPPRESSION_GROUPS: dict[str, tuple[str, ...]] = {
    "requests_posted": ("buyers",), "units_requested": ("buyers",),
    "leads_approved": ("suppliers",), "units_offered": ("suppliers",),
    "units_proposed": ("buyers", "suppliers"), "units_accepted": ("buyers", "suppliers"),
    "units_delivered": ("buyers", "suppliers"), "median_days_to_delivery": ("buyers", "suppliers"),
}


@dataclass(frozen=True)
class Tally:
    """The events of one kind on one date in one category, already counted: ``kind`` is
    "requests", "approvals" or a match stage; ``count`` events, ``units`` in all, covering
    ``buyers`` distinct buyer organisations and ``suppliers`` distinct suppliers, of which the
    largest holds ``largest_buyer`` / ``largest_supplier`` of the units (the dominance rule); for
    deliveries, ``days`` holds each delivery's days from request to delivery (for the median)."""
    day: date
    category: str
    kind: str
    count: int
    units: int
    buyers: int = 0
    suppliers: int = 0
    days: tuple[float, ...] = ()
    largest_buyer: int = 0
    largest_supplier: int = 0

    def may_publish(self) -> bool:
        """Whether this cell's figures may be published (disclosure.may_publish on its units)."""
        return may_publish(self.units, *self._parties())

    def figure(self, value: int) -> int | None:
        """``value`` (this cell's count or units) as published (disclosure.public_figure)."""
        return public_figure(value, self.units, *self._parties())

    def _parties(self) -> tuple[tuple[int, int], ...]:
        parties = {REQUESTS: ("buyers",), APPROVALS: ("suppliers",)}.get(self.kind, ("buyers", "suppliers"))
        return tuple((getattr(self, party), getattr(self, "largest_" + party[:-1])) for party in parties)


REQUESTS, APPROVALS = "requests", "approvals"
KINDS = (REQUESTS, APPROVALS, *MATCH_STAGES)


def tallies(requests: Iterable[RequestFact], approvals: Iterable[ApprovalFact],
            matches: Iterable[MatchFact]) -> list[Tally]:
    """The facts counted per (date, category, kind): what the database's GROUP BY gives
    (services.open_data counts there; this is the reference the tests compare it to)."""
    cells: dict[tuple[date, str, str], dict] = {}

    def add(key, units, buyer=None, supplier=None, days=None):
        cell = cells.setdefault(key, {"count": 0, "units": 0, "buyers": defaultdict(int),
                                      "suppliers": defaultdict(int), "days": []})
        cell["count"] += 1
        cell["units"] += units
        if buyer is not None:
            cell["buyers"][buyer] += units
        if supplier is not None:
            cell["suppliers"][supplier] += units
        if days is not None:
            cell["days"].append(days)

    for r in requests:
        add((r.day, r.category, REQUESTS), r.units, buyer=r.buyer)
    for a in approvals:
        add((a.day, a.category, APPROVALS), a.units, supplier=a.supplier)
    for m in matches:
        if m.stage not in MATCH_STAGES:
            raise ValueError(f"unknown match stage {m.stage!r}")
        add((m.day, m.category, m.stage), m.units, buyer=m.buyer, supplier=m.supplier,
            days=m.days_to_delivery if m.stage == DELIVERED else None)
    return [Tally(day, category, kind, c["count"], c["units"], len(c["buyers"]), len(c["suppliers"]),
                  tuple(sorted(c["days"])), max(c["buyers"].values(), default=0),
                  max(c["suppliers"].values(), default=0))
            for (day, category, kind), c in cells.items()]


def rows_from_tallies(counted: Iterable[Tally]) -> list[dict]:
    """One row (a dict keyed by FIELD_NAMES) per date and category with any event, oldest date
    first, categories in catalogue order. Each kind's figures pass disclosure.public_figure: None
    (empty in the CSV) when they cover fewer than MIN_ORGANISATIONS buyer organisations or
    suppliers, or one of them holds more than DOMINANCE_SHARE of the units; else rounded to
    SIGNIFICANT_FIGURES significant figures. Counts are integers, the median a float rounded to one
    decimal (published or suppressed with the deliveries)."""
    by_cell: dict[tuple[date, str], dict[str, Tally]] = defaultdict(dict)
    for t in counted:
        if t.kind not in KINDS:
            raise ValueError(f"unknown kind {t.kind!r}")
        by_cell[(t.day, t.category)][t.kind] = t
    order = {code: i for i, code in enumerate(values(PRODUCT_CATEGORIES))}
    empty = Tally(date.min, "", "", 0, 0)  # no event: every figure zero (published)
    rows = []
    for (day, category) in sorted(by_cell, key=lambda k: (k[0], order.get(k[1], len(order)), k[1])):
        c = by_cell[(day, category)]
        req, appr, prop, acc, dlv = (c.get(k, empty) for k in KINDS)
        median = round(statistics.median(dlv.days), 1) if dlv.days else None
        rows.append({
            "date": day.isoformat(), "category": category, "category_label": source_label(PRODUCT_CATEGORIES, category),
            "requests_posted": req.figure(req.count), "units_requested": req.figure(req.units),
            "leads_approved": appr.figure(appr.count), "units_offered": appr.figure(appr.units),
            "units_proposed": prop.figure(prop.units), "units_accepted": acc.figure(acc.units),
            "units_delivered": dlv.figure(dlv.units),
            "median_days_to_delivery": median if dlv.may_publish() else None,
        })
    return rows


def daily_rows(requests: Iterable[RequestFact], approvals: Iterable[ApprovalFact],
               matches: Iterable[MatchFact]) -> list[dict]:
    """The published rows of these facts: ``rows_from_tallies(tallies(...))``."""
    return rows_from_tallies(tallies(requests, approvals, matches))


def rows_to_csv(rows: Iterable[dict]) -> str:
    """The rows as CSV text (RFC 4180, a header of FIELD_NAMES, a suppressed figure empty)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELD_NAMES, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row[k]) for k in FIELD_NAMES})
    return out.getvalue()


_SUPPRESSION_TEXT = N_("A figure that covers fewer than {minimum} distinct organisations of a party it "
                      "is about (buyer organisations for requests; suppliers for approved offers; both for "
                      "proposals, acceptances and deliveries), or in which a single organisation holds more "
                      "than {share} per cent of the units, is left empty (null in JSON), together with the other "
                      "figures of the same kind on that row. Every other count and number of units is "
                      "rounded to {digits} significant figures ({example} is published as {published}; numbers "
                      "under 100 are exact), so that no single organisation's figures can be read or worked "
                      "out, not even by comparing the table at two times. Zero is published. Sums of "
                      "published figures are sums of rounded figures.")


_ROUNDING_EXAMPLE = 1_234_567


def _note_values(number: Callable[[int], str]) -> dict:
    """The rule's figures, the rounding example written by ``number`` (the reader's grouping)."""
    return {"minimum": MIN_ORGANISATIONS, "share": round(DOMINANCE_SHARE * 100), "digits": SIGNIFICANT_FIGURES,
            "example": number(_ROUNDING_EXAMPLE), "published": number(round_figure(_ROUNDING_EXAMPLE))}


# In English, as the machine-readable documents (daily.json, datapackage.json) publish it.
SUPPRESSION_NOTE = _SUPPRESSION_TEXT.format(**_note_values("{:,}".format))


def suppression_note() -> str:
    """The suppression rule in words in the current language (the page; SUPPRESSION_NOTE in English),
    its example numbers grouped as the reader writes them (1.234.567 in Spanish)."""
    return _(_SUPPRESSION_TEXT).format(**_note_values(format_integer))


def table_schema() -> dict:
    """The Frictionless Data Table Schema (v1) of the daily table: fields with types, titles,
    descriptions and constraints; an empty cell is a missing (suppressed) value."""
    fields = []
    for name, kind, title, description in FIELDS:
        spec: dict = {"name": name, "type": kind, "title": title, "description": description}
        if name in SUPPRESSION_GROUPS:
            spec["description"] += (" Empty when suppressed." if kind == "number" else
                                    f" Rounded to {SIGNIFICANT_FIGURES} significant figures; empty when suppressed.")
        if kind == "integer" or kind == "number":
            spec["constraints"] = {"minimum": 0}
        if name == "category":
            spec["constraints"] = {"required": True, "enum": list(values(PRODUCT_CATEGORIES))}
        if name == "date":
            spec["format"] = "default"
            spec["constraints"] = {"required": True}
        fields.append(spec)
    return {"fields": fields, "missingValues": [""], "primaryKey": ["date", "category"]}


def data_package(*, base_url: str, license_id: str, license_url: str, publisher: str) -> dict:
    """A Frictionless Data Package (datapackage.json) describing the CSV and JSON resources at
    ``base_url`` (e.g. https://city.example/open-data), with the table schema and the suppression rule."""
    schema = table_schema()
    return {
        "profile": "tabular-data-package",
        "name": "ppe-marketplace-daily",
        "title": "Emergency PPE marketplace: daily figures per product category",
        "description": SUPPRESSION_NOTE,
        "licenses": [{"name": license_id, "path": license_url}],
        "contributors": [{"title": publisher, "role": "publisher"}],
        "resources": [
            {"name": "daily", "profile": "tabular-data-resource", "path": f"{base_url}/daily.csv",
             "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "schema": schema},
            {"name": "daily-json", "path": f"{base_url}/daily.json", "format": "json",
             "mediatype": "application/json", "encoding": "utf-8",
             "description": "The same rows as JSON: {\"rows\": [...]}, suppressed figures as null."},
        ],
    }
