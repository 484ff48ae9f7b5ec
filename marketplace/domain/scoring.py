"""Risk scoring: 0 (stop) to 100 (clean), built from signals a vetter can read.

Each signal has a code (used as a filterable flag when it counts against the lead), a weight and a
sentence. The numbers and rules live in ``reference_data.json`` beside this file, with sources;
its ``version`` is stored with every score, so that a change of the data re-scores every lead.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Mapping

from .catalog import PRODUCT_CATEGORIES, label
from .formatting import money, ratio as show_ratio


@dataclass(frozen=True)
class Signal:
    code: str
    weight: int
    sentence: str

    def as_dict(self) -> dict:
        return {"code": self.code, "weight": self.weight, "sentence": self.sentence}


@dataclass(frozen=True)
class Assessment:
    score: int
    signals: tuple[Signal, ...]
    reference_version: str

    @property
    def flags(self) -> list[str]:
        return sorted({s.code for s in self.signals if s.weight < 0})


@dataclass(frozen=True)
class DuplicateContext:
    """What the duplicate search found, as plain values."""
    cluster_lead_ids: tuple[int, ...] = ()          # other leads resolved to the same supplier
    rejected_matches: tuple[tuple[int, float], ...] = ()  # (lead id, probability) of rejected look-alikes


@dataclass(frozen=True)
class Reference:
    data: dict = field(hash=False)

    @property
    def version(self) -> str:
        return self.data["version"]


@lru_cache(maxsize=1)
def load_reference() -> Reference:
    text = resources.files(__package__).joinpath("reference_data.json").read_text(encoding="utf-8")
    return Reference(json.loads(text))


def _found(patterns: list[str], text: str) -> list[str]:
    return [m.group(0) for p in patterns for m in [re.search(p, text, re.IGNORECASE)] if m]


def price_signals(category: str, unit_price: Decimal, ref: dict) -> list[Signal]:
    reference = ref["reference_prices"].get(category)
    if not reference:
        return []
    ratio = float(unit_price) / reference["price"]
    what = (f"unit price {money(unit_price)} is {show_ratio(ratio)} the reference {money(reference['price'])} "
            f"for {reference['label']}")
    for band in ref["price_bands"]:
        if ratio > band["above"]:
            return [Signal(band["code"], band["weight"], f"{what}: {band['text']}.")]
    low = ref["price_too_low"]
    if ratio < low["below"]:
        return [Signal(low["code"], low["weight"], f"{what}: {low['text']}.")]
    return [Signal("price_ok", 0, f"{what}: within the normal range.")]


def certification_signals(category: str, certification: str | None, ref: dict) -> list[Signal]:
    rule = ref["certifications"].get(category)
    if not rule:
        return []
    name = label(PRODUCT_CATEGORIES, category)
    if not certification:
        return [Signal("certification_missing", ref["certification_missing_weight"],
                       f"No certification given; {name} should come with {rule['expect']}.")]
    if not _found(rule["patterns"], certification):
        return [Signal("certification_malformed", ref["certification_malformed_weight"],
                       f"Certification '{certification[:80]}' does not contain {rule['expect']}.")]
    return [Signal("certification_ok", 0, f"Certification '{certification[:80]}' is in the expected form for {name}.")]


def broker_signals(lead: Mapping, ref: dict) -> list[Signal]:
    text = " ".join(str(lead.get(k) or "") for k in ("notes", "payment_terms", "product_description", "certification"))
    terms = []
    for term in ref["broker_terms"]:
        match = re.search(rf"(?<![A-Za-z]){term}(?![A-Za-z])", text, re.IGNORECASE if len(term) > 4 else 0)
        if match:
            terms.append(match.group(0))
    signals = []
    if terms:
        weight = max(ref["broker_term_max"], ref["broker_term_weight"] * len(terms))
        signals.append(Signal("broker_terms", weight,
                              f"Uses broker-chain wording: {', '.join(terms)}."))
    if lead.get("supplier_type") == "broker":
        signals.append(Signal("broker", ref["broker_type_weight"],
                              "The supplier is a broker: ask for the manufacturer's written authorisation."))
    return signals


def payment_signals(payment_terms: str | None, ref: dict) -> list[Signal]:
    terms = payment_terms or ""
    upfront = _found(ref["upfront_payment_patterns"], terms)
    if upfront:
        return [Signal("payment_upfront", ref["upfront_payment_weight"],
                       f"Asks for payment before delivery ('{terms[:80]}'): the classic scam; the city pays on delivery.")]
    good = _found(ref["good_payment_patterns"], terms)
    if good:
        return [Signal("payment_ok", 0, f"Payment terms '{terms[:80]}' protect the buyer.")]
    return []


def identity_signals(lead: Mapping, normal: Mapping, ref: dict) -> list[Signal]:
    signals = []
    email_domain, web_domain = normal.get("email_domain"), normal.get("website_domain")
    platform = normal.get("website_platform")
    if normal.get("disposable"):
        signals.append(Signal("disposable_email", ref["disposable_email_weight"],
                              f"Company uses a disposable (throwaway) e-mail address ({email_domain})."))
    elif normal.get("webmail"):
        signals.append(Signal("webmail", ref["webmail_weight"],
                              f"Company uses a free webmail address ({email_domain})."))
    elif email_domain and web_domain and email_domain != web_domain and not platform:
        signals.append(Signal("domain_mismatch", ref["domain_mismatch_weight"],
                              f"E-mail domain {email_domain} differs from the website's {web_domain}."))
    if platform and lead.get("website"):
        signals.append(Signal("storefront_website", ref["storefront_website_weight"],
                              f"The website is on {platform}, shared by many sellers (a marketplace, site "
                              "builder, social page, link shortener or free-mail provider), not a domain of "
                              "the company's own."))
    if not lead.get("website"):
        signals.append(Signal("no_website", ref["no_website_weight"], "No website given."))
    if not lead.get("phone"):
        signals.append(Signal("no_phone", ref["no_phone_weight"], "No phone number given."))
    elif not normal.get("phone"):
        signals.append(Signal("bad_phone", ref["no_phone_weight"], f"Phone number '{lead['phone']}' cannot be dialled."))
    return signals


def plausibility_signals(lead: Mapping, ref: dict) -> list[Signal]:
    signals = []
    quantity = int(lead.get("quantity") or 0)
    rule = ref["implausible_quantity"]
    if quantity > rule["above"]:
        signals.append(Signal("implausible_quantity", rule["weight"],
                              f"Offers {quantity:,} units: more than {rule['above']:,}, beyond almost any seller "
                              "(3M made about 1.1 billion N95s in all of 2020)."))
    rule = ref["zero_lead_time_millions"]
    if quantity >= rule["quantity"] and lead.get("lead_time_days") == 0 and lead.get("supplier_type") != "manufacturer":
        signals.append(Signal("ready_millions", rule["weight"],
                              f"{quantity:,} units 'ready to ship' with no lead time from a {lead.get('supplier_type')}."))
    return signals


def completeness_signals(lead: Mapping, ref: dict) -> list[Signal]:
    missing = [name.replace("_", " ") for name in ref["incomplete_fields"] if not lead.get(name)]
    if not missing:
        return []
    return [Signal("incomplete", ref["incomplete_weight_each"] * len(missing), f"Missing: {', '.join(missing)}.")]


def duplicate_signals(context: DuplicateContext, ref: dict) -> list[Signal]:
    signals = []
    if context.rejected_matches:
        described = ", ".join(f"#{lead_id} ({probability:.0%})" for lead_id, probability in context.rejected_matches[:5])
        signals.append(Signal("resembles_rejected", ref["resembles_rejected_weight"],
                              f"Resembles lead(s) rejected before: {described}."))
    if context.cluster_lead_ids:
        ids = ", ".join(f"#{i}" for i in context.cluster_lead_ids[:8])
        more = f" and {len(context.cluster_lead_ids) - 8} more" if len(context.cluster_lead_ids) > 8 else ""
        signals.append(Signal("duplicate", 0, f"Same supplier as earlier lead(s) {ids}{more}."))
    return signals


def score_lead(lead: Mapping, normal: Mapping, context: DuplicateContext = DuplicateContext(),
               reference: Reference | None = None) -> Assessment:
    """Score a lead given as plain values (CSV field names; quantity int, unit_price Decimal)."""
    reference = reference or load_reference()
    ref = reference.data
    signals: list[Signal] = []
    signals += price_signals(lead["product_category"], Decimal(str(lead["unit_price"])), ref)
    signals += certification_signals(lead["product_category"], lead.get("certification"), ref)
    signals += broker_signals(lead, ref)
    signals += payment_signals(lead.get("payment_terms"), ref)
    signals += identity_signals(lead, normal, ref)
    signals += plausibility_signals(lead, ref)
    signals += completeness_signals(lead, ref)
    signals += duplicate_signals(context, ref)
    signals.sort(key=lambda s: (s.weight, s.code))
    score = max(0, min(100, 100 + sum(s.weight for s in signals)))
    return Assessment(score, tuple(signals), reference.version)


# Flags a vetter can filter the queue by (the codes of signals that count against a lead).
FLAG_LABELS = {
    "price_10x": "Price over 10x reference",
    "price_3x": "Price over 3x reference",
    "price_over_1_1x": "Price over 1.1x reference",
    "price_too_low": "Price too good to be true",
    "certification_missing": "No certification",
    "certification_malformed": "Certification malformed",
    "broker_terms": "Broker-chain wording",
    "broker": "Broker",
    "payment_upfront": "Payment up front",
    "webmail": "Free webmail",
    "disposable_email": "Disposable e-mail",
    "storefront_website": "Storefront website only",
    "domain_mismatch": "E-mail/website mismatch",
    "no_website": "No website",
    "no_phone": "No phone",
    "bad_phone": "Phone not diallable",
    "implausible_quantity": "Implausible quantity",
    "ready_millions": "Millions ready, no lead time",
    "incomplete": "Incomplete",
    "resembles_rejected": "Resembles a rejected lead",
}
