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


@lru_cache(maxsize=1)
def reference_json() -> dict:
    """``reference_data.json`` as a dict (read once per process)."""
    return json.loads(resources.files(__package__).joinpath("reference_data.json").read_text(encoding="utf-8"))


def price_label(entry: dict) -> str:
    """What a ``reference_prices`` entry is a price of, in the current language ("N95 respirators" /
    "respiradores N95"); the data file's English for a label not in REFERENCE_PRICE_LABELS."""
    text = entry["label"]
    return _(text) if text in REFERENCE_PRICE_LABELS else text
