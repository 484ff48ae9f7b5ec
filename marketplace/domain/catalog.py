"""Reference lists: product categories, supplier types, roles, organisation kinds.

Each list is (value, label) pairs: the value is stored and used in CSV files, the label is shown.
"""
from __future__ import annotations

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


def label(choices: tuple[tuple[str, str], ...], value: str | None) -> str:
    """The label of ``value`` in ``choices``, or the value itself if it is unknown."""
    return dict(choices).get(value or "", value or "")


def values(choices: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    return tuple(value for value, _ in choices)
