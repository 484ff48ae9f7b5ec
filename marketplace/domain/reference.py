"""``reference_data.json``: the one versioned data file of reference prices, certification rules,
signal weights, legal forms and storefront platforms (with its sources), read once per process."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def reference_json() -> dict:
    """``reference_data.json`` as a dict (read once per process)."""
    return json.loads(resources.files(__package__).joinpath("reference_data.json").read_text(encoding="utf-8"))
