"""``reference_data.json``: the one versioned data file of reference prices, certification rules,
signal weights, legal forms and storefront platforms (with its sources), read once per process."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from .i18n import N_, _

# What each reference price is a price of (``reference_prices[category]["label"]``), marked for the
# catalogue: the data file is not extracted, so each of its labels is written here too (a test
# checks that none is missing) and ``price_label`` words it in the reader's language.
REFERENCE_PRICE_LABELS = (N_("N95 respirators"), N_("KN95 respirators"), N_("surgical masks"), N_("face shields"),
                          N_("nitrile exam gloves (each)"), N_("isolation gowns"), N_("goggles"),
                          N_("hand sanitizer (500 ml)"), N_("disinfectant wipes (canister)"))


# The data file's other texts that people read (staff's price and certification signals): the price
# bands, the certificate each category expects, the schemes' and FDA product codes' names. Marked
# here for the catalogue (a test checks that none is missing); ``reference_text`` words them.
REFERENCE_TEXTS = (
    N_("more than 10x the reference"), N_("more than 3x the reference"),
    N_("more than 10% above the reference (California Penal Code 396)"),
    N_("less than half the reference: too good to be true"),
    N_("a NIOSH approval number such as TC-84A-0006"),
    N_("GB 2626-2019 (and a maker on the FDA emergency-use Appendix A)"),
    N_("an FDA 510(k) number such as K202354 or an ASTM F2100 level"),
    N_("an AAMI PB70 level (or the gown's FDA 510(k) number)"),
    N_("ASTM D6319 (or the glove's FDA 510(k) number)"),
    N_("NIOSH approval"), N_("FDA 510(k)"), N_("Chinese standard for KN95 respirators"),
    N_("ASTM standard for medical face masks"), N_("AAMI standard for protective apparel"),
    N_("ASTM standard for nitrile examination gloves"),
    N_("surgical masks"), N_("surgical N95 respirators"), N_("surgical gowns"), N_("isolation gowns"),
    N_("polymer (nitrile) examination gloves"), N_("specialty examination gloves"),
    N_("latex examination gloves"), N_("vinyl examination gloves"),
)


def reference_text(text: str) -> str:
    """One of the data file's texts (REFERENCE_TEXTS) in the current language; any other text (a
    newer file's, a code) as written."""
    return _(text) if text in REFERENCE_TEXTS else text


@lru_cache(maxsize=1)
def reference_json() -> dict:
    """``reference_data.json`` as a dict (read once per process)."""
    return json.loads(resources.files(__package__).joinpath("reference_data.json").read_text(encoding="utf-8"))


def price_ceiling_factor(ref: dict | None = None) -> float:
    """The factor over the reference price above which a price is over the legal ceiling: the lowest
    ``price_bands`` factor, 1.1 (California Penal Code 396: more than 10% above the pre-emergency
    price is unlawful for sellers during a declared emergency)."""
    return min(band["above"] for band in (ref or reference_json())["price_bands"])


def price_over_ceiling(category: str, unit_price, ref: dict | None = None) -> float | None:
    """The one rule of the price ceiling (the public needs board states it): unit price / reference
    price when it is more than price_ceiling_factor() times the category's reference, else None (also
    without a reference price or a price). Such a price is put to the supplier to confirm at
    submission (scoring.figures_to_confirm), flagged to the vetter (scoring.price_signals' bands),
    and approved only with the approver's justification, recorded in the audit trail
    (services.vetting.decide)."""
    ref = ref or reference_json()
    entry = ref["reference_prices"].get(category)
    if entry is None or unit_price is None:
        return None
    ratio = float(unit_price) / entry["price"]
    return ratio if ratio > price_ceiling_factor(ref) else None


def price_label(entry: dict) -> str:
    """What a ``reference_prices`` entry is a price of, in the current language ("N95 respirators" /
    "respiradores N95"); the data file's English for a label not in REFERENCE_PRICE_LABELS."""
    text = entry["label"]
    return _(text) if text in REFERENCE_PRICE_LABELS else text
