"""Reference lists: product categories, supplier types, roles, organisation kinds.

Each list is (value, label) pairs: the value is stored and used in CSV files, the label is shown.
"""
from __future__ import annotations

import re

PRODUCT_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("n95_respirator", "N95 respirator"),
    ("kn95_respirator", "KN95 respirator"),
    ("surgical_mask", "Surgical mask"),
    ("face_shield", "Face shield"),
    ("nitrile_gloves", "Nitrile gloves"),
    ("isolation_gown", "Isolation gown"),
    ("goggles", "Goggles"),
    ("hand_sanitizer", "Hand sanitizer"),
    ("disinfectant_wipes", "Disinfectant wipes"),
    ("other", "Other"),
)

SUPPLIER_TYPES: tuple[tuple[str, str], ...] = (
    ("manufacturer", "Manufacturer"),
    ("distributor", "Distributor"),
    ("broker", "Broker"),
    ("other", "Other"),
)

ROLES: tuple[tuple[str, str], ...] = (
    ("supplier", "Supplier"),
    ("buyer", "Buyer"),
    ("vetter", "Vetter (city staff)"),
    ("admin", "Administrator"),
)
SELF_REGISTERING_ROLES = ("supplier", "buyer")
STAFF_ROLES = ("vetter", "admin")

ORGANISATION_KINDS: tuple[tuple[str, str], ...] = (
    ("supplier", "Supplier company"),
    ("hospital", "Hospital"),
    ("clinic", "Clinic"),
    ("long_term_care", "Long-term care"),
    ("first_responders", "First responders"),
    ("shelter", "Shelter"),
    ("nonprofit", "Nonprofit"),
    ("government", "Government department"),
    ("other", "Other"),
)
BUYER_ORGANISATION_KINDS = tuple(kind for kind in ORGANISATION_KINDS if kind[0] != "supplier")

# Where a demand request's supplies go (issue 4).
FACILITY_TYPES: tuple[tuple[str, str], ...] = (
    ("hospital", "Hospital"),
    ("clinic", "Clinic"),
    ("long_term_care", "Long-term care"),
    ("first_responders", "First responders"),
    ("shelter", "Shelter"),
    ("other", "Other"),
)


# Words hospitals and suppliers use for our categories and facility types (issue 11 item 15), read
# by leads.clean_choice on every form, import and API field that takes one. Keys are written as
# choice_key writes them (lower case, words joined by "_", no punctuation); a final "s" is also
# dropped when matching, so "n95" covers "N95s". Values and labels of the list always match too.
CATEGORY_ALIASES: dict[str, str] = {
    "n95": "n95_respirator", "n95_mask": "n95_respirator", "respirator_n95": "n95_respirator",
    "niosh_n95": "n95_respirator", "n95_respirator_mask": "n95_respirator",
    "kn95": "kn95_respirator", "kn95_mask": "kn95_respirator",
    "surgical_masks": "surgical_mask", "procedure_mask": "surgical_mask", "mask_surgical": "surgical_mask",
    "shield": "face_shield", "face_shields": "face_shield",
    "gloves_nitrile": "nitrile_gloves", "nitrile_glove": "nitrile_gloves", "nitrile": "nitrile_gloves",
    "nitrile_exam_gloves": "nitrile_gloves", "exam_gloves_nitrile": "nitrile_gloves",
    "gown": "isolation_gown", "isolation_gowns": "isolation_gown", "gowns_isolation": "isolation_gown",
    "goggle": "goggles", "safety_goggles": "goggles",
    "hand_sanitiser": "hand_sanitizer", "sanitizer": "hand_sanitizer", "sanitiser": "hand_sanitizer",
    "disinfecting_wipes": "disinfectant_wipes", "disinfectant_wipe": "disinfectant_wipes",
}
FACILITY_ALIASES: dict[str, str] = {
    "snf": "long_term_care", "skilled_nursing_facility": "long_term_care", "skilled_nursing": "long_term_care",
    "nursing_home": "long_term_care", "ltc": "long_term_care", "ltcf": "long_term_care",
    "long_term_care_facility": "long_term_care", "assisted_living": "long_term_care",
    "acute_care_hospital": "hospital", "medical_center": "hospital",
    "urgent_care": "clinic", "fqhc": "clinic", "community_health_center": "clinic",
    "first_responder": "first_responders", "ems": "first_responders", "fire_department": "first_responders", "police": "first_responders",
    "homeless_shelter": "shelter",
}


def choice_key(text: str | None) -> str:
    """``text`` as a choice is compared: lower case, runs of anything but letters and digits as one
    "_", none at the ends ("Gloves (nitrile)" -> "gloves_nitrile", "Long-term care" -> "long_term_care")."""
    return re.sub(r"[^0-9a-z]+", "_", (text or "").casefold()).strip("_")


def label(choices: tuple[tuple[str, str], ...], value: str | None) -> str:
    """The label of ``value`` in ``choices``, or the value itself if it is unknown."""
    return dict(choices).get(value or "", value or "")


def values(choices: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    return tuple(value for value, _ in choices)
