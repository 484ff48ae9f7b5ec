"""Risk scoring: 0 (stop) to 100 (clean), built from signals a vetter can read.

Each signal has a code (used as a filterable flag when it counts against the lead), a weight and
its parameters (plain values), worded for staff when shown (``messages.SIGNALS``). The numbers and rules live in ``reference_data.json`` beside this file, with sources;
its ``version`` is stored with every score, so that a change of the data re-scores every lead.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from . import registries as registry_data
from .certifications import check_claims, parse_claims, reference_json
from .countries import phone_invalid_reason
from .formatting import money
from .formatting import ratio as show_ratio
from .i18n import N_, _, format_integer
from .leads import LeadFacts
from .messages import STAFF, plain, render_signal
from .normalise import NormalisedLead
from .reference import price_label, price_over_ceiling


@dataclass(frozen=True)
class Signal:
    code: str
    weight: int
    # The facts the text is made of, plain values (see messages.SIGNALS for each code's).
    params: dict = field(default_factory=dict, hash=False)
    # What a registry showed (see certifications.Finding): registry, as_of, source, rows, note.
    evidence: dict | None = field(default=None, hash=False, compare=False)

    def as_dict(self) -> dict:
        """As stored in ``leads.risk_signals``: {"code", "weight", "params"[, "evidence"]}."""
        data = {"code": self.code, "weight": self.weight, "params": self.params}
        if self.evidence:
            data["evidence"] = self.evidence
        return data

    @property
    def text(self) -> str:
        """The signal as staff read it (never stored)."""
        return render_signal(self.as_dict(), STAFF) or ""


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
    registries: registry_data.Registries | None = field(default=None, hash=False)

    @property
    def version(self) -> str:
        """The rules' version and the registries' version ("2026-11-30.4+20201128-1a2b3c"): a change of
        either re-scores every lead."""
        if self.registries is None:
            return self.data["version"]
        return f"{self.data['version']}+{self.registries.version}"


@lru_cache(maxsize=4)
def _reference(registries: registry_data.Registries) -> Reference:
    return Reference(reference_json(), registries)


def load_reference() -> Reference:
    """The rules (reference_data.json, read once) with the registries in force (see registries.current)."""
    return _reference(registry_data.current())


def _found(patterns: list[str], text: str) -> list[str]:
    return [m.group(0) for p in patterns for m in [re.search(p, text, re.IGNORECASE)] if m]


@dataclass(frozen=True)
class PackReading:
    """A price that reads as the price of a pack: the words found and the price per unit."""
    pack_size: int           # units per pack, from the words
    words: str               # the words as written, e.g. "box of 100"
    unit_price: Decimal      # the price divided by pack_size (4 decimals)
    ratio: float             # unit_price / the reference price


_PACK_TEXT_FIELDS = ("product_description", "notes", "payment_terms")


def pack_reading(lead: LeadFacts, ref: dict, *, stated: bool = True) -> PackReading | None:
    """Whether a lead's price looks like the price of a pack (issue 8, item 8).

    Only when no pack size was given (``pack_size`` 1 or missing) and the description, notes or
    payment terms name a pack of N units (``ref["pack_patterns"]``: "box of 100", "100 pcs/box",
    "caja de 100", "Karton mit 1.000" ...), the price divided by N is closer to the reference price
    (on a ratio scale) than the price itself and within the normal bands (from "too good to be
    true" to the 10x band), and -- when ``stated`` -- the text says that a price is per pack
    (``ref["pack_price_patterns"]``: "per box", "/case", "por caja"; not "20 per box", which
    describes the packing). Scoring asks for the statement, so that "20 per box" in a description
    does not excuse a price 14x the reference; the supplier's form hints without it. Of several
    pack sizes named, the one whose reading is nearest the reference. None otherwise (also for
    products without a reference price)."""
    if lead.pack_size != 1:
        return None
    reference = ref["reference_prices"].get(lead.product_category)
    if not reference:
        return None
    text = " ".join(str(lead.get(k) or "") for k in _PACK_TEXT_FIELDS)
    sizes = [m for pattern in ref["pack_patterns"] for m in re.finditer(pattern, text, re.IGNORECASE)]
    if not sizes:
        return None
    if stated:
        packing = [(m.start("n"), m.end()) for m in sizes]  # "20 per box": units per box, no price
        statements = [m for pattern in ref["pack_price_patterns"] for m in re.finditer(pattern, text, re.IGNORECASE)
                      if not any(start < m.start() < end for start, end in packing)]
        if not statements:
            return None
    price = lead.unit_price
    as_typed = abs(math.log(float(price) / reference["price"]))
    low, high = ref["price_too_low"]["below"], ref["price_bands"][0]["above"]
    best: PackReading | None = None
    for match in sizes:
        digits = re.sub(r"\D", "", match.group("n"))
        if len(digits) > 7 or int(digits) < 2:  # no pack holds ten million units
            continue
        size = int(digits)
        ratio = float(price / size) / reference["price"]
        if not (low <= ratio <= high) or abs(math.log(ratio)) >= as_typed:
            continue
        if best is None or abs(math.log(ratio)) < abs(math.log(best.ratio)):
            unit_price = (price / size).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
            best = PackReading(size, " ".join(match.group(0).split()), unit_price, ratio)
    return best


def pack_signals(lead: LeadFacts, reading: PackReading | None, ref: dict) -> list[Signal]:
    """The "price looks per pack" signal for ``pack_reading``'s finding."""
    if reading is None:
        return []
    rule = ref["price_per_pack"]
    price = lead.unit_price
    as_typed = float(price) / ref["reference_prices"][lead.product_category]["price"]
    return [Signal(rule["code"], rule["weight"], fact_params(
        price=price, words=reading.words, pack_size=reading.pack_size, unit_price=reading.unit_price,
        ratio=reading.ratio, ratio_as_typed=as_typed, quantity=int(lead.quantity or 0)))]


def fact_params(**values) -> dict:
    """Signal parameters as plain values: Decimals as strings ("0.79"), floats rounded to 6 places."""
    return {k: round(v, 6) if isinstance(v, float) else plain(v) for k, v in values.items()}


def price_signals(category: str, unit_price: Decimal, ref: dict) -> list[Signal]:
    reference = ref["reference_prices"].get(category)
    if not reference:
        return []
    ratio = float(unit_price) / reference["price"]
    what = fact_params(unit_price=unit_price, ratio=ratio, reference_price=Decimal(str(reference["price"])),
                       category=category)
    for band in ref["price_bands"]:
        if ratio > band["above"]:
            return [Signal(band["code"], band["weight"], what)]
    low = ref["price_too_low"]
    if ratio < low["below"]:
        return [Signal(low["code"], low["weight"], what)]
    return [Signal("price_ok", 0, what)]


def certification_signals(category: str, certification: str | None, ref: dict,
                          lead: Mapping | None = None,
                          registries: registry_data.Registries | None = None) -> list[Signal]:
    """The claim's form (one parser, see certifications.parse_claims) and, for the numbers in it, what
    the registries say (unknown number, holder or model not matching, watch list, maker removed from
    FDA's emergency-use list, 510(k) of another product). ``lead`` (CSV field names; a LeadFacts
    reads as one) gives the company name, description and supplier type the registry entries are
    compared with."""
    rule = ref["certifications"].get(category)
    claims = parse_claims(certification)
    registries = registries or registry_data.current()
    found = [Signal(f.code, f.weight, f.params, f.evidence)
             for f in check_claims(category, claims, lead or {}, registries, ref)]
    if not rule:
        return found
    if not certification:
        return [Signal("certification_missing", ref["certification_missing_weight"], {"category": category})]
    expected = [c for c in claims if c.scheme in rule["schemes"]]
    if not expected:
        return [Signal("certification_malformed", ref["certification_malformed_weight"],
                       {"certification": certification[:80], "category": category})] + found
    primary = rule["schemes"][0]
    missing = None if any(c.scheme == primary for c in expected) else primary  # e.g. GB 2626 for an N95: a KN95
    return [Signal("certification_ok", 0, {"certification": certification[:80],
                                           "claims": [[c.number, c.scheme] for c in expected],
                                           "missing_scheme": missing})] + found


def broker_signals(lead: LeadFacts, ref: dict) -> list[Signal]:
    text = " ".join(str(lead.get(k) or "") for k in ("notes", "payment_terms", "product_description", "certification"))
    terms = []
    for term in ref["broker_terms"]:
        match = re.search(rf"(?<![A-Za-z]){term}(?![A-Za-z])", text, re.IGNORECASE if len(term) > 4 else 0)
        if match:
            terms.append(match.group(0))
    signals = []
    if terms:
        weight = max(ref["broker_term_max"], ref["broker_term_weight"] * len(terms))
        signals.append(Signal("broker_terms", weight, {"terms": terms}))
    if lead.supplier_type == "broker":
        signals.append(Signal("broker", ref["broker_type_weight"]))
    return signals


def payment_signals(payment_terms: str | None, ref: dict) -> list[Signal]:
    terms = payment_terms or ""
    upfront = _found(ref["upfront_payment_patterns"], terms)
    if upfront:
        return [Signal("payment_upfront", ref["upfront_payment_weight"], {"terms": terms[:80]})]
    good = _found(ref["good_payment_patterns"], terms)
    if good:
        return [Signal("payment_ok", 0, {"terms": terms[:80]})]
    return []


def identity_signals(lead: LeadFacts, normal: NormalisedLead, ref: dict) -> list[Signal]:
    signals = []
    email_domain, web_domain = normal.email_domain, normal.website_domain
    platform = normal.website_platform
    if normal.disposable:
        signals.append(Signal("disposable_email", ref["disposable_email_weight"], {"email_domain": email_domain}))
    elif normal.webmail:
        signals.append(Signal("webmail", ref["webmail_weight"], {"email_domain": email_domain}))
    elif email_domain and web_domain and email_domain != web_domain and not platform:
        signals.append(Signal("domain_mismatch", ref["domain_mismatch_weight"],
                              {"email_domain": email_domain, "website_domain": web_domain}))
    if platform and lead.website:
        signals.append(Signal("storefront_website", ref["storefront_website_weight"], {"platform": platform}))
    if not lead.website:
        signals.append(Signal("no_website", ref["no_website_weight"]))
    if not lead.phone:
        signals.append(Signal("no_phone", ref["no_phone_weight"]))
    elif not normal.phone:
        signals.append(Signal("bad_phone", ref["no_phone_weight"], {"phone": str(lead.phone)}))
    else:
        # Intake takes any possible number; one no numbering plan has (no such area code) is a
        # signal, often of a foreign number read with the US plan because the country is missing.
        if phone_invalid_reason(lead.phone, lead.country):
            signals.append(Signal("phone_invalid", ref["no_phone_weight"],
                                  {"phone": str(lead.phone), "country": lead.country}))
    return signals


def plausibility_signals(lead: LeadFacts, ref: dict) -> list[Signal]:
    signals = []
    quantity = lead.quantity
    rule = ref["implausible_quantity"]
    if quantity > rule["above"]:
        signals.append(Signal("implausible_quantity", rule["weight"], {"quantity": quantity, "above": rule["above"]}))
    rule = ref["zero_lead_time_millions"]
    if quantity >= rule["quantity"] and lead.lead_time_days == 0 and lead.supplier_type != "manufacturer":
        signals.append(Signal("ready_millions", rule["weight"],
                              {"quantity": quantity, "supplier_type": lead.get("supplier_type")}))
    return signals


def figures_to_confirm(lead: LeadFacts, reference: Reference | None = None) -> dict[str, str]:
    """{field: warning} for the figures of a valid lead (parse_lead's facts: per unit) that the
    supplier's form asks to confirm before saving (issue 8, item 10): a unit price above
    ``confirm_price.above`` or below ``confirm_price.below`` times the reference, a price that
    reads as the price of a pack named in the text while no pack size is given, and a quantity above
    ``implausible_quantity.above``; and a unit price over the legal ceiling
    (reference.price_over_ceiling: more than 10% above the reference, California Penal Code 396),
    worded in the reader's language. Empty when nothing needs confirming. The CSV import does not
    ask (staff import it); scoring flags the same figures."""
    ref = (reference or load_reference()).data
    warnings: dict[str, str] = {}
    reference_price = ref["reference_prices"].get(lead.product_category)
    price = lead.unit_price
    if reference_price:
        ratio = _ratio_to_confirm(price, reference_price, ref)
        parts = []
        over = price_over_ceiling(lead.product_category, price, ref)
        if ratio is not None:
            figures = {"price": money(price), "ratio": show_ratio(ratio), "product": price_label(reference_price),
                       "reference": money(reference_price["price"])}
            if lead.pack_size > 1 and lead.pack_price is not None:
                parts.append(_("{price} a unit ({pack_price} for a pack of {pack_size}) is {ratio} the reference "
                               "price of {product} ({reference}).").format(
                    pack_price=money(lead.pack_price), pack_size=format_integer(lead.pack_size), **figures))
            elif over is None:  # over the ceiling, the ceiling's warning says the same and more
                parts.append(_("{price} a unit is {ratio} the reference price of {product} ({reference}).").format(
                    **figures))
        if over is not None:
            parts.append(ceiling_warning(price, over, reference_price))
        reading = pack_reading(lead, ref, stated=False)
        if reading:
            parts.append(_("The offer says '{words}': if {price} is the price of a pack, enter {pack_size} under "
                           "units per pack (and the number of packs as the quantity).").format(
                words=reading.words, price=money(price), pack_size=format_integer(reading.pack_size)))
        if parts:
            warnings["unit_price"] = " ".join([*parts, _("If the price is right, confirm it below.")])
    quantity = lead.quantity
    rule = ref["implausible_quantity"]
    if quantity > rule["above"]:
        warnings["quantity"] = _(
            "{quantity} units is more than {above}, more than almost any seller offers (3M made about 1.1 "
            "billion N95s in all of 2020). If it is right, confirm it below.").format(
            quantity=format_integer(quantity), above=format_integer(rule["above"]))
    return warnings


def ceiling_warning(price: Decimal, ratio: float, reference_price: dict) -> str:
    """The supplier's warning of a unit price over the legal ceiling (reference.price_over_ceiling),
    in the reader's language: the same rule the public needs board states."""
    return _("{price} a unit is {ratio} the reference price of {what} ({reference}): more than 10% above it. "
             "California Penal Code 396 forbids such prices during a declared emergency. City staff see the offer "
             "flagged and approve it only with a justification they record.").format(
        price=money(price), ratio=show_ratio(ratio), what=price_label(reference_price),
        reference=money(reference_price["price"]))


def _ratio_to_confirm(price: Decimal, reference_price: dict, ref: dict) -> float | None:
    """price / reference price when it is outside ``confirm_price`` (above ``above`` or below
    ``below`` times the reference): the one band for the supplier's and the buyer's figures."""
    ratio = float(price) / reference_price["price"]
    rule = ref["confirm_price"]
    return ratio if ratio > rule["above"] or ratio < rule["below"] else None


def request_figures_to_confirm(request: Mapping, reference: Reference | None = None) -> dict[str, str]:
    """{field: warning} for a valid request (parse_demand's values) whose maximum unit price
    is outside the same ``confirm_price`` band as a supplier's price (figures_to_confirm): a buyer
    who gives the price of a box (12.50 for gloves, about 360 times a glove) would have every offer
    fit under it. The buyer's form asks to confirm it; the demand import keeps the row and reports
    the warning with the row number."""
    ref = (reference or load_reference()).data
    reference_price = ref["reference_prices"].get(request.get("category"))
    price = request.get("max_unit_price")
    if not reference_price or price is None:
        return {}
    price = Decimal(str(price))
    ratio = _ratio_to_confirm(price, reference_price, ref)
    if ratio is None:
        return {}
    return {"max_unit_price": _(
        "{price} a unit is {ratio} the reference price of {product} ({reference}). The maximum is per single "
        "unit (one glove, one mask, one bottle), not per box or case.").format(
        price=money(price), ratio=show_ratio(ratio), product=price_label(reference_price),
        reference=money(reference_price["price"]))}


def completeness_signals(lead: LeadFacts, ref: dict) -> list[Signal]:
    missing = [name for name in ref["incomplete_fields"] if not lead.get(name)]
    if not missing:
        return []
    return [Signal("incomplete", ref["incomplete_weight_each"] * len(missing), {"fields": missing})]


def duplicate_signals(context: DuplicateContext, ref: dict) -> list[Signal]:
    signals = []
    if context.rejected_matches:
        signals.append(Signal("resembles_rejected", ref["resembles_rejected_weight"],
                              {"matches": [[lead_id, float(p)] for lead_id, p in context.rejected_matches[:5]]}))
    if context.cluster_lead_ids:
        signals.append(Signal("duplicate", 0, {"lead_ids": list(context.cluster_lead_ids[:8]),
                                               "count": len(context.cluster_lead_ids)}))
    return signals


def score_lead(lead: LeadFacts, normal: NormalisedLead, context: DuplicateContext = DuplicateContext(),
               reference: Reference | None = None) -> Assessment:
    """Score a lead from its facts and its normalised identity (``normalise.normalise_lead``)."""
    reference = reference or load_reference()
    ref = reference.data
    signals: list[Signal] = []
    reading = pack_reading(lead, ref)
    signals += pack_signals(lead, reading, ref)
    signals += price_signals(lead.product_category,
                             reading.unit_price if reading else lead.unit_price, ref)
    signals += certification_signals(lead.product_category, lead.certification, ref, lead,
                                     reference.registries)
    signals += broker_signals(lead, ref)
    signals += payment_signals(lead.payment_terms, ref)
    signals += identity_signals(lead, normal, ref)
    signals += plausibility_signals(lead, ref)
    signals += completeness_signals(lead, ref)
    signals += duplicate_signals(context, ref)
    signals.sort(key=lambda s: (s.weight, s.code))
    score = max(0, min(100, 100 + sum(s.weight for s in signals)))
    return Assessment(score, tuple(signals), reference.version)


# Flags a vetter can filter the queue by (the codes of signals that count against a lead); the
# labels are marked for the catalogue and translated where shown (_(FLAG_LABELS[code])).
FLAG_LABELS = {
    "price_10x": N_("Price over 10x reference"),
    "price_3x": N_("Price over 3x reference"),
    "price_over_1_1x": N_("Price over 1.1x reference"),
    "price_too_low": N_("Price too good to be true"),
    "price_per_pack": N_("Price looks per pack"),
    "certification_missing": N_("No certification"),
    "certification_malformed": N_("Certification malformed"),
    "niosh_unknown": N_("NIOSH number not on the approvals list"),
    "niosh_holder_mismatch": N_("Not a holder of the NIOSH number"),
    "niosh_model_mismatch": N_("Model not under the NIOSH number"),
    "watchlist": N_("On the counterfeit watch list"),
    "eua_removed": N_("Maker removed from FDA emergency-use list"),
    "k510_other_product": N_("510(k) of another product"),
    "k510_unknown": N_("510(k) not in our list"),
    "broker_terms": N_("Broker-chain wording"),
    "broker": N_("Broker"),
    "payment_upfront": N_("Payment up front"),
    "webmail": N_("Free webmail"),
    "disposable_email": N_("Disposable e-mail"),
    "storefront_website": N_("Storefront website only"),
    "domain_mismatch": N_("E-mail/website mismatch"),
    "no_website": N_("No website"),
    "no_phone": N_("No phone"),
    "bad_phone": N_("Phone not diallable"),
    "phone_invalid": N_("Phone not a valid number"),
    "implausible_quantity": N_("Implausible quantity"),
    "ready_millions": N_("Millions ready, no lead time"),
    "incomplete": N_("Incomplete"),
    "resembles_rejected": N_("Resembles a rejected lead"),
}


# A signal's severity is its weight (negative: against the lead). A "stop" signal is one that on
# its own says "do not buy without a second look": a weight of STOP_WEIGHT or lower (today the
# counterfeit watch list -40, a price over 10x the reference -45, an unknown NIOSH number, a maker
# removed from the emergency-use list, a look-alike of a rejected lead, three broker-chain terms:
# -30 each). Such a lead needs two vetters' approvals (domain.four_eyes).
STOP_WEIGHT = -30


def flag_label(code: str) -> str:
    """A risk flag's label in the current language ("broker_terms" -> "Broker-chain wording"); its
    code if it has none."""
    text = FLAG_LABELS.get(code)
    return _(text) if text else code


def stop_signal_codes(signals) -> list[str]:
    """The codes of the stop signals among ``signals`` (stored dicts {"code", "weight", ...} or
    Signal objects), sorted, without repeats."""
    codes = set()
    for signal in signals or ():
        weight = signal["weight"] if isinstance(signal, Mapping) else signal.weight
        code = signal["code"] if isinstance(signal, Mapping) else signal.code
        if weight is not None and weight <= STOP_WEIGHT:
            codes.add(code)
    return sorted(codes)
