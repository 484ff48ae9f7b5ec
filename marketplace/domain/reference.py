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


def price_label(entry: dict) -> str:
    """What a ``reference_prices`` entry is a price of, in the current language ("N95 respirators" /
    "respiradores N95"); the data file's English for a label not in REFERENCE_PRICE_LABELS."""
    text = entry["label"]
    return _(text) if text in REFERENCE_PRICE_LABELS else text
