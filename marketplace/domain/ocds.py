"""Accepted and delivered matches as an Open Contracting Data Standard 1.1 release package
(issue 12, item 4), and its validation against the OCDS 1.1 schema shipped in ``ocds_schema/``.

One contracting process per demand request (ocid ``{prefix}-request-{id}``), with one release
describing its state now: an award and a contract per match the buyer accepted (ordered and
delivered ones included), the buyer organisation as ``buyer`` (it pays), the city as
``procuringEntity`` (it vets the offers and proposes the matches), the suppliers as ``supplier``
parties. Only what the city chooses to publish: the fields in ``OPTIONAL_FIELDS`` appear only when
named in the OCDS_PUBLISH setting; by default no prices (a value divided by the quantity is the unit
price, so values are prices too), no addresses, no contact points. Never published: the buyer's
maximum price, the request's size and days of supply, vetting scores, anyone's account.
Pure: the service reads the database into ``AwardFact``s.
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from .catalog import PRODUCT_CATEGORIES, source_label
from .i18n import N_

SCHEMA_DIR = Path(__file__).with_name("ocds_schema")
OCDS_VERSION = "1.1"
CURRENCY = "USD"  # the marketplace's prices are US dollars (domain.money, the reference prices)
CITY_PARTY_ID = "city"

# What the city may choose to publish beyond the default (OCDS_PUBLISH), and what each adds.
OPTIONAL_FIELDS: dict[str, str] = {
    "prices": N_("award and contract values and each item's unit price (the supplier's price per unit)"),
    "buyer_address": N_("the buyer organisation's street address"),
    "supplier_address": N_("the supplier's street address"),
    "supplier_contact": N_("the supplier's contact point (name, e-mail, telephone)"),
}


@dataclass(frozen=True)
class PartyFact:
    """An organisation as the package may name it: ``key`` is stable (becomes the party id)."""
    key: str
    name: str
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    contact_name: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class AwardFact:
    """One match a buyer accepted: ``quantity`` units of ``category`` at ``unit_price`` (USD) from
    ``supplier`` to ``buyer`` for request ``request_id``; ``status`` is accepted, ordered or
    delivered; datetimes are aware (UTC); ``updated_at`` is the match's last change."""
    match_id: int
    request_id: int
    category: str
    quantity: int
    unit_price: Decimal
    status: str
    accepted_at: datetime
    updated_at: datetime
    buyer: PartyFact
    supplier: PartyFact
    ordered_at: datetime | None = None
    delivered_at: datetime | None = None


def check_publish(fields: Iterable[str]) -> frozenset[str]:
    """The OCDS_PUBLISH setting as a set; ValueError naming any unknown field and the known ones."""
    chosen = frozenset(f.strip() for f in fields if f and f.strip())
    unknown = sorted(chosen - set(OPTIONAL_FIELDS))
    if unknown:
        raise ValueError(f"OCDS_PUBLISH: unknown field(s) {', '.join(unknown)}; "
                         f"choose from {', '.join(OPTIONAL_FIELDS)}")
    return chosen


def check_prefix(prefix: str | None) -> str:
    """The ocid prefix (OCDS_PREFIX): 'ocds-' and six letters or digits, as the Open Contracting
    Partnership registers them. ValueError saying so when it is missing or malformed."""
    prefix = (prefix or "").strip()
    if not (len(prefix) == 11 and prefix.startswith("ocds-") and prefix[5:].isalnum() and prefix[5:].isascii()):
        raise ValueError("OCDS_PREFIX must be the city's registered ocid prefix: 'ocds-' and six letters or "
                         f"digits (e.g. ocds-a1b2c3); got {prefix!r}")
    return prefix


def _time(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(amount: Decimal) -> float:
    # OCDS amounts are JSON numbers; cents and unit prices to 4 places survive a float exactly enough.
    return float(round(Decimal(amount), 4))


def _party(fact: PartyFact, party_id: str, roles: list[str], publish: frozenset[str], address_field: str | None,
           contact: bool) -> dict:
    party: dict = {"id": party_id, "name": fact.name, "roles": roles}
    if address_field and address_field in publish:
        address = {"streetAddress": fact.street, "locality": fact.city, "region": fact.region,
                   "postalCode": fact.postal_code, "countryName": fact.country}
        address = {k: v for k, v in address.items() if v}
        if address:
            party["address"] = address
    if contact:
        point = {"name": fact.contact_name, "email": fact.email, "telephone": fact.phone}
        point = {k: v for k, v in point.items() if v}
        if point:
            party["contactPoint"] = point
    return party


def _items(award: AwardFact, publish: frozenset[str]) -> list[dict]:
    unit: dict = {"scheme": "UNCEFACT", "id": "H87", "name": "piece"}
    if "prices" in publish:
        unit["value"] = {"amount": _money(award.unit_price), "currency": CURRENCY}
    return [{"id": "1", "description": source_label(PRODUCT_CATEGORIES, award.category),
             "classification": {"scheme": "x_marketplace_category", "id": award.category,
                                "description": source_label(PRODUCT_CATEGORIES, award.category)},
             "quantity": award.quantity, "unit": unit}]


CONTRACT_STATUS = {"accepted": "pending", "ordered": "active", "delivered": "terminated"}


def _release(prefix: str, request_id: int, awards: list[AwardFact], *, city: PartyFact,
             publish: frozenset[str]) -> dict:
    ocid = f"{prefix}-request-{request_id}"
    buyer = awards[0].buyer
    buyer_id = f"buyer-{buyer.key}"
    latest = max(a.updated_at for a in awards)
    parties = [_party(city, CITY_PARTY_ID, ["procuringEntity"], publish, None, False),
               _party(buyer, buyer_id, ["buyer"], publish, "buyer_address", False)]
    seen_suppliers: set[str] = set()
    release_awards, contracts = [], []
    for a in sorted(awards, key=lambda a: a.match_id):
        supplier_id = f"supplier-{a.supplier.key}"
        if supplier_id not in seen_suppliers:
            seen_suppliers.add(supplier_id)
            parties.append(_party(a.supplier, supplier_id, ["supplier"], publish, "supplier_address",
                                  "supplier_contact" in publish))
        award_id = f"match-{a.match_id}"
        award: dict = {"id": award_id, "status": "active", "date": _time(a.accepted_at),
                       "suppliers": [{"id": supplier_id, "name": a.supplier.name}], "items": _items(a, publish)}
        contract: dict = {"id": award_id, "awardID": award_id, "status": CONTRACT_STATUS[a.status],
                          "items": _items(a, publish)}
        if "prices" in publish:
            value = {"amount": _money(Decimal(a.unit_price) * a.quantity), "currency": CURRENCY}
            award["value"] = dict(value)
            contract["value"] = dict(value)
        if a.ordered_at:
            contract["dateSigned"] = _time(a.ordered_at)
        if a.status == "delivered" and a.delivered_at:
            contract["implementation"] = {"milestones": [{
                "id": "delivery", "title": "Delivery", "type": "delivery", "status": "met",
                "dateMet": _time(a.delivered_at)}]}
        release_awards.append(award)
        contracts.append(contract)
    return {
        "ocid": ocid,
        # The same state gives the same release id: exporting twice publishes no new release.
        "id": f"{ocid}-{_time(latest).replace('-', '').replace(':', '')}",
        "date": _time(latest),
        "tag": ["award", "contract"] + (["implementation"] if any(a.status == "delivered" for a in awards) else []),
        "initiationType": "tender",
        "language": "en",
        "parties": parties,
        "buyer": {"id": buyer_id, "name": buyer.name},
        "tender": {
            "id": f"request-{request_id}",
            "procuringEntity": {"id": CITY_PARTY_ID, "name": city.name},
            "procurementMethod": "limited",
            "procurementMethodDetails": "Emergency PPE marketplace: the city vets suppliers' offers and "
                                        "proposes them to the buyer, who accepts or declines",
            "mainProcurementCategory": "goods",
        },
        "awards": release_awards,
        "contracts": contracts,
    }


def release_package(awards: Iterable[AwardFact], *, prefix: str, publisher: str, package_uri: str,
                    published_at: datetime, publish: Iterable[str] = (), license_url: str | None = None,
                    publication_policy: str | None = None) -> dict:
    """An OCDS 1.1 release package (a dict ready for json.dumps): one release per request that has
    accepted matches, releases ordered by request id. ``publish``: the optional fields chosen (see
    OPTIONAL_FIELDS). Raises ValueError for a malformed prefix or an unknown optional field.
    The package may have no releases: ``validate`` then reports it (OCDS needs at least one)."""
    prefix = check_prefix(prefix)
    chosen = check_publish(publish)
    city = PartyFact(key=CITY_PARTY_ID, name=publisher)
    by_request: dict[int, list[AwardFact]] = defaultdict(list)
    for award in awards:
        if award.status not in CONTRACT_STATUS:
            raise ValueError(f"match {award.match_id}: status {award.status!r} is not accepted, ordered or delivered")
        by_request[award.request_id].append(award)
    package: dict = {
        "uri": package_uri,
        "version": OCDS_VERSION,
        "publishedDate": _time(published_at),
        "publisher": {"name": publisher},
        "releases": [_release(prefix, rid, by_request[rid], city=city, publish=chosen) for rid in sorted(by_request)],
    }
    if license_url:
        package["license"] = license_url
    if publication_policy:
        package["publicationPolicy"] = publication_policy
    return package


@cache
def _validator():
    package_schema = json.loads((SCHEMA_DIR / "release-package-schema.json").read_text(encoding="utf-8"))
    release_schema = json.loads((SCHEMA_DIR / "release-schema.json").read_text(encoding="utf-8"))
    release = Resource.from_contents(release_schema, default_specification=DRAFT4)
    # The package schema (1.1.5) refers to the release schema by its canonical URL; the release
    # schema shipped is the 1.1.4 one (the 1.1 patch releases describe the same fields), so it is
    # registered under both URLs: nothing is fetched from the network.
    ref = package_schema["properties"]["releases"]["items"]["$ref"]
    registry = Registry().with_resources([(ref, release), (release_schema["id"], release)])
    return Draft4Validator(package_schema, registry=registry, format_checker=FormatChecker())


def validate(package: dict) -> list[str]:
    """Every way ``package`` breaks the OCDS 1.1 release package schema (shipped in ocds_schema/),
    as "path: message" strings, sorted; [] when it is valid. Also checks what the schema cannot:
    release ids unique within an ocid and at least one release."""
    errors = [f"{'/'.join(str(p) for p in e.absolute_path) or '(package)'}: {e.message}"
              for e in _validator().iter_errors(package)]
    seen = set()
    for release in package.get("releases") or []:
        if isinstance(release, dict):
            key = (release.get("ocid"), release.get("id"))
            if key in seen:
                errors.append(f"releases: the release id {key[1]!r} appears twice for {key[0]!r}")
            seen.add(key)
    return sorted(errors)
