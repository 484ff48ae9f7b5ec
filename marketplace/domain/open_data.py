"""Daily open data (issue 12, item 4): per day and product category, what was asked for, offered,
proposed, accepted and delivered, with every figure that covers fewer than three organisations
suppressed (domain.disclosure), and the data dictionary as a Frictionless Data Table Schema.

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
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date

from .catalog import PRODUCT_CATEGORIES, label, values
from .disclosure import MIN_ORGANISATIONS, disclosed

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


# The data dictionary: (name, Table Schema type, title, description). The order is the CSV's.
FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("date", "date", "Date", "The city's calendar date (ISO 8601) on which the events happened."),
    ("category", "string", "Product category", "The product category code (see the enum)."),
    ("category_label", "string", "Product category (label)", "The product category in words."),
    ("requests_posted", "integer", "Requests posted",
     "Demand requests posted by buyer organisations (hospitals, clinics, care homes, shelters, first "
     "responders) on this date for this category."),
    ("units_requested", "integer", "Units requested", "Units asked for by the requests posted on this date."),
    ("leads_approved", "integer", "Approved offers",
     "Supplier offers (leads) approved by city staff on this date and still approved today."),
    ("units_offered", "integer", "Units offered", "Units offered by the offers approved on this date."),
    ("units_proposed", "integer", "Units proposed",
     "Units the city proposed to buyers on this date (from approved offers of this category)."),
    ("units_accepted", "integer", "Units accepted", "Units whose proposal a buyer accepted on this date."),
    ("units_delivered", "integer", "Units delivered", "Units marked as delivered on this date."),
    ("median_days_to_delivery", "number", "Median days to delivery",
     "For the deliveries on this date: the median time, in days (one decimal), from the buyer posting "
     "the request to the delivery."),
)
FIELD_NAMES = tuple(f[0] for f in FIELDS)
# Each published figure and the parties whose distinct organisations it covers.
SUPPRESSION_GROUPS: dict[str, tuple[str, ...]] = {
    "requests_posted": ("buyers",), "units_requested": ("buyers",),
    "leads_approved": ("suppliers",), "units_offered": ("suppliers",),
    "units_proposed": ("buyers", "suppliers"), "units_accepted": ("buyers", "suppliers"),
    "units_delivered": ("buyers", "suppliers"), "median_days_to_delivery": ("buyers", "suppliers"),
}


@dataclass
class _Cell:
    count: int = 0
    units: int = 0
    days: list[float] = field(default_factory=list)
    buyers: set = field(default_factory=set)
    suppliers: set = field(default_factory=set)


def daily_rows(requests: Iterable[RequestFact], approvals: Iterable[ApprovalFact],
               matches: Iterable[MatchFact]) -> list[dict]:
    """One row (a dict keyed by FIELD_NAMES) per date and category with any event, oldest date
    first, categories in catalogue order. A suppressed figure is None (empty in the CSV): it
    covers fewer than MIN_ORGANISATIONS buyer organisations or suppliers (disclosure.disclosed).
    Counts are integers, the median a float rounded to one decimal."""
    cells: dict[tuple[date, str], dict[str, _Cell]] = defaultdict(lambda: defaultdict(_Cell))
    for r in requests:
        cell = cells[(r.day, r.category)]["requests"]
        cell.count += 1
        cell.units += r.units
        cell.buyers.add(r.buyer)
    for a in approvals:
        cell = cells[(a.day, a.category)]["approvals"]
        cell.count += 1
        cell.units += a.units
        cell.suppliers.add(a.supplier)
    for m in matches:
        if m.stage not in MATCH_STAGES:
            raise ValueError(f"unknown match stage {m.stage!r}")
        cell = cells[(m.day, m.category)][m.stage]
        cell.count += 1
        cell.units += m.units
        cell.buyers.add(m.buyer)
        cell.suppliers.add(m.supplier)
        if m.stage == DELIVERED and m.days_to_delivery is not None:
            cell.days.append(m.days_to_delivery)
    order = {code: i for i, code in enumerate(values(PRODUCT_CATEGORIES))}
    rows = []
    for (day, category) in sorted(cells, key=lambda k: (k[0], order.get(k[1], len(order)), k[1])):
        c = cells[(day, category)]
        req, appr, prop, acc, dlv = (c[k] for k in ("requests", "approvals", PROPOSED, ACCEPTED, DELIVERED))
        median = round(statistics.median(dlv.days), 1) if dlv.days else None
        rows.append({
            "date": day.isoformat(), "category": category, "category_label": label(PRODUCT_CATEGORIES, category),
            "requests_posted": disclosed(req.count, req.buyers),
            "units_requested": disclosed(req.units, req.buyers),
            "leads_approved": disclosed(appr.count, appr.suppliers),
            "units_offered": disclosed(appr.units, appr.suppliers),
            "units_proposed": disclosed(prop.units, prop.buyers, prop.suppliers),
            "units_accepted": disclosed(acc.units, acc.buyers, acc.suppliers),
            "units_delivered": disclosed(dlv.units, dlv.buyers, dlv.suppliers),
            "median_days_to_delivery": disclosed(median, dlv.buyers, dlv.suppliers),
        })
    return rows


def rows_to_csv(rows: Iterable[dict]) -> str:
    """The rows as CSV text (RFC 4180, a header of FIELD_NAMES, a suppressed figure empty)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELD_NAMES, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row[k]) for k in FIELD_NAMES})
    return out.getvalue()


SUPPRESSION_NOTE = (f"A figure that covers fewer than {MIN_ORGANISATIONS} distinct organisations of a party it "
                    "is about (buyer organisations for requests; suppliers for approved offers; both for "
                    "proposals, acceptances and deliveries) is left empty (null in JSON), so that no single "
                    "organisation's figures can be read or worked out. Zero is published.")


def table_schema() -> dict:
    """The Frictionless Data Table Schema (v1) of the daily table: fields with types, titles,
    descriptions and constraints; an empty cell is a missing (suppressed) value."""
    fields = []
    for name, kind, title, description in FIELDS:
        spec: dict = {"name": name, "type": kind, "title": title, "description": description}
        if name in SUPPRESSION_GROUPS:
            spec["description"] += " Empty when suppressed."
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
