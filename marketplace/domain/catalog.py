"""Reference lists: product categories, supplier types, roles, organisation kinds.

Each list is (value, label) pairs: the value is stored and used in CSV files, the label is shown.
The labels are written in English (the source language) and marked with ``N_``: ``label`` and
``translated`` give them in the reader's language (domain.i18n); forms take them through
web.forms.choices, which translates each label when the form is shown.
"""
from __future__ import annotations

import re

from .i18n import N_, NN_, _, format_integer, ngettext

PRODUCT_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("n95_respirator", N_("N95 respirator")),
    ("kn95_respirator", N_("KN95 respirator")),
    ("surgical_mask", N_("Surgical mask")),
    ("face_shield", N_("Face shield")),
    ("nitrile_gloves", N_("Nitrile gloves")),
    ("isolation_gown", N_("Isolation gown")),
    ("goggles", N_("Goggles")),
    ("hand_sanitizer", N_("Hand sanitizer")),
    ("disinfectant_wipes", N_("Disinfectant wipes")),
    ("other", N_("Other")),
)

# A quantity of each category as a sentence writes it: "1 N95 respirator", "2,000 N95 respirators"
# (``units_of``). The number is in the text so that a language may put it where it goes and make the
# name agree with it ("1 bata de aislamiento", "500 batas de aislamiento"); the names are in lower
# case, as inside a sentence. What a unit is where the category's name is not one thing: a pair of
# goggles, a unit of hand sanitizer.
PRODUCT_UNITS: dict[str, tuple[str, str]] = {
    "n95_respirator": NN_("{quantity} N95 respirator", "{quantity} N95 respirators"),
    "kn95_respirator": NN_("{quantity} KN95 respirator", "{quantity} KN95 respirators"),
    "surgical_mask": NN_("{quantity} surgical mask", "{quantity} surgical masks"),
    "face_shield": NN_("{quantity} face shield", "{quantity} face shields"),
    "nitrile_gloves": NN_("{quantity} nitrile glove", "{quantity} nitrile gloves"),
    "isolation_gown": NN_("{quantity} isolation gown", "{quantity} isolation gowns"),
    "goggles": NN_("{quantity} pair of goggles", "{quantity} pairs of goggles"),
    "hand_sanitizer": NN_("{quantity} unit of hand sanitizer", "{quantity} units of hand sanitizer"),
    "disinfectant_wipes": NN_("{quantity} disinfectant wipe", "{quantity} disinfectant wipes"),
    "other": NN_("{quantity} other item", "{quantity} other items"),
}

SUPPLIER_TYPES: tuple[tuple[str, str], ...] = (
    ("manufacturer", N_("Manufacturer")),
    ("distributor", N_("Distributor")),
    ("broker", N_("Broker")),
    ("other", N_("Other")),
)

ROLES: tuple[tuple[str, str], ...] = (
    ("supplier", N_("Supplier")),
    ("buyer", N_("Buyer")),
    ("vetter", N_("Vetter (city staff)")),
    ("admin", N_("Administrator")),
)
SELF_REGISTERING_ROLES = ("supplier", "buyer")
STAFF_ROLES = ("vetter", "admin")

ORGANISATION_KINDS: tuple[tuple[str, str], ...] = (
    ("supplier", N_("Supplier company")),
    ("hospital", N_("Hospital")),
    ("clinic", N_("Clinic")),
    ("long_term_care", N_("Long-term care")),
    ("first_responders", N_("First responders")),
    ("shelter", N_("Shelter")),
    ("nonprofit", N_("Nonprofit")),
    ("government", N_("Government department")),
    ("other", N_("Other")),
)
BUYER_ORGANISATION_KINDS = tuple(kind for kind in ORGANISATION_KINDS if kind[0] != "supplier")

# Where a demand request's supplies go (issue 4).
FACILITY_TYPES: tuple[tuple[str, str], ...] = (
    ("hospital", N_("Hospital")),
    ("clinic", N_("Clinic")),
    ("long_term_care", N_("Long-term care")),
    ("first_responders", N_("First responders")),
    ("shelter", N_("Shelter")),
    ("other", N_("Other")),
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
    # Common words that name one category of ours (one glove category, one kind of wipes).
    "gloves": "nitrile_gloves", "exam_gloves": "nitrile_gloves", "examination_gloves": "nitrile_gloves",
    "medical_gloves": "nitrile_gloves", "disposable_gloves": "nitrile_gloves",
    "wipes": "disinfectant_wipes", "sanitizing_wipes": "disinfectant_wipes", "sanitising_wipes": "disinfectant_wipes",
    "cleaning_wipes": "disinfectant_wipes",
}
# Common words that name more than one category: refused, naming the categories they could be.
CATEGORY_AMBIGUOUS: dict[str, tuple[str, ...]] = {
    "mask": ("surgical_mask", "n95_respirator", "kn95_respirator"),
    "face_mask": ("surgical_mask", "n95_respirator", "kn95_respirator"),
    "medical_mask": ("surgical_mask", "n95_respirator", "kn95_respirator"),
    "respirator": ("n95_respirator", "kn95_respirator"),
    "respirator_mask": ("n95_respirator", "kn95_respirator"),
}
FACILITY_ALIASES: dict[str, str] = {
    "snf": "long_term_care", "skilled_nursing_facility": "long_term_care", "skilled_nursing": "long_term_care",
    "nursing_home": "long_term_care", "ltc": "long_term_care", "ltcf": "long_term_care",
    "long_term_care_facility": "long_term_care", "assisted_living": "long_term_care",
    "acute_care_hospital": "hospital", "medical_center": "hospital",
    "urgent_care": "clinic", "fqhc": "clinic", "community_health_center": "clinic",
    "first_responder": "first_responders", "ems": "first_responders", "fire_department": "first_responders", "police": "first_responders",
    "homeless_shelter": "shelter",
    "fire_dept": "first_responders", "fire_station": "first_responders", "fire_rescue": "first_responders",
    "police_department": "first_responders", "police_dept": "first_responders", "paramedics": "first_responders",
}


def choice_key(text: str | None) -> str:
    """``text`` as a choice is compared: lower case, runs of anything but letters and digits as one
    "_", none at the ends ("Gloves (nitrile)" -> "gloves_nitrile", "Long-term care" -> "long_term_care")."""
    return re.sub(r"[^0-9a-z]+", "_", (text or "").casefold()).strip("_")


def compact_key(text: str | None) -> str:
    """``choice_key`` without its "_": "N-95", "N 95" and "n95" all read "n95"."""
    return choice_key(text).replace("_", "")


def label(choices: tuple[tuple[str, str], ...], value: str | None) -> str:
    """The label of ``value`` in ``choices`` in the reader's language ("Nitrile gloves" / "Guantes
    de nitrilo"), or the value itself if it is unknown (never translated: a code, or a value stored
    before the list changed)."""
    text = dict(choices).get(value or "")
    return _(text) if text else value or ""


def units_of(category: str | None, quantity: int) -> str:
    """A quantity of a product category as sentences write it, in the reader's language: the number
    grouped as the reader writes it and the category's name agreeing with it ("1 N95 respirator",
    "2,000 N95 respirators"; "1 respirador N95", "2.000 respiradores N95"). The one place that puts
    a quantity beside a category's name (notifications, e-mails, histories, pages). A category this
    version does not know is named by its value: "2,000 units of masks_old"."""
    quantity = int(quantity)
    forms = PRODUCT_UNITS.get(category or "")
    if forms is None:
        return ngettext("{quantity} unit of {product}", "{quantity} units of {product}", quantity).format(
            quantity=format_integer(quantity), product=label(PRODUCT_CATEGORIES, category))
    return ngettext(*forms, quantity).format(quantity=format_integer(quantity))


def source_label(choices: tuple[tuple[str, str], ...], value: str | None) -> str:
    """The label of ``value`` as written in the list (English, whatever the reader's language), for
    what machines read: CSV and JSON files, open data. The value itself if it is unknown."""
    return dict(choices).get(value or "", value or "")


def translated(choices: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """``choices`` with each label in the reader's language, in order: [(value, label)], for a list
    of filters or options a page builds now (a form's choices: web.forms.choices)."""
    return [(value, _(text)) for value, text in choices]


def values(choices: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    return tuple(value for value, _label in choices)


# The fields of a lead or request as people read them (histories, signals), one place.
FIELD_LABELS = {
    "external_id": N_("reference"), "category": N_("product"), "product_category": N_("product"),
    "substitutes": N_("substitutes accepted"), "quantity": N_("quantity"), "max_unit_price": N_("maximum unit price"),
    "needed_by": N_("needed by"), "postal_code": N_("postal code"), "days_of_supply": N_("days of supply"),
    "stock_on_hand": N_("units on hand"), "stock_counted_on": N_("counted on"), "avg_daily_use": N_("average daily use"),
    "facility_type": N_("kind of facility"), "specification": N_("specification"), "unit_price": N_("unit price"), "pack_price": N_("price a pack"),
    "pack_size": N_("units a pack"), "min_order_qty": N_("minimum order"), "lead_time_days": N_("lead time (days)"),
    "company_name": N_("company"), "contact_name": N_("contact"), "product_description": N_("description"),
    "supplier_type": N_("kind of supplier"), "country_of_origin": N_("country of origin"), "payment_terms": N_("payment terms"),
    "valid_until": N_("quote valid until"), "delivery_on": N_("delivery date"),
    "street": N_("street"), "city": N_("city"), "phone": N_("phone"), "email": N_("e-mail"),
    "website": N_("website"), "country": N_("country"),
}


def field_label(name: str) -> str:
    """A record's field as its reader calls it ("postal code" / "código postal"); an unknown name
    with its underscores as spaces."""
    return _(FIELD_LABELS[name]) if name in FIELD_LABELS else name.replace("_", " ")


# How a lead was submitted (``Lead.source``), as people read it.
LEAD_SOURCES: tuple[tuple[str, str], ...] = (
    ("form", N_("web form")), ("csv", N_("CSV import")), ("api", N_("API")),
)
