"""A quantity beside a product's name (catalog.units_of): one helper writes it everywhere, the name
agreeing with the number in the reader's language. Sentences read "2,000 N95 respirator" and
"1,000 × Nitrile gloves" before: a count with a singular name, and two ways of writing the same thing."""
from __future__ import annotations

import pytest

from marketplace.domain import i18n
from marketplace.domain.catalog import PRODUCT_CATEGORIES, PRODUCT_UNITS, units_of
from marketplace.domain.history import Entry, describe
from marketplace.domain.messages import BUYER, STAFF, SUPPLIER, fact, render_email, render_notification

# Every category, one and many, as each language writes them.
EXPECTED = {
    "n95_respirator": (("1 N95 respirator", "2,000 N95 respirators"), ("1 respirador N95", "2.000 respiradores N95")),
    "kn95_respirator": (("1 KN95 respirator", "2,000 KN95 respirators"),
                        ("1 respirador KN95", "2.000 respiradores KN95")),
    "surgical_mask": (("1 surgical mask", "2,000 surgical masks"),
                      ("1 mascarilla quirúrgica", "2.000 mascarillas quirúrgicas")),
    "face_shield": (("1 face shield", "2,000 face shields"), ("1 careta protectora", "2.000 caretas protectoras")),
    "nitrile_gloves": (("1 nitrile glove", "2,000 nitrile gloves"), ("1 guante de nitrilo", "2.000 guantes de nitrilo")),
    "isolation_gown": (("1 isolation gown", "2,000 isolation gowns"),
                       ("1 bata de aislamiento", "2.000 batas de aislamiento")),
    "goggles": (("1 pair of goggles", "2,000 pairs of goggles"),
                ("1 par de gafas de protección", "2.000 pares de gafas de protección")),
    "hand_sanitizer": (("1 unit of hand sanitizer", "2,000 units of hand sanitizer"),
                       ("1 unidad de gel antibacterial", "2.000 unidades de gel antibacterial")),
    "disinfectant_wipes": (("1 disinfectant wipe", "2,000 disinfectant wipes"),
                           ("1 toallita desinfectante", "2.000 toallitas desinfectantes")),
    "other": (("1 other item", "2,000 other items"), ("1 artículo de otro tipo", "2.000 artículos de otro tipo")),
}


def in_spanish(function, *args):
    with i18n.use_locale("es"):
        return function(*args)


def test_the_given_example_and_a_second_category():
    assert units_of("n95_respirator", 2000) == "2,000 N95 respirators"
    assert units_of("n95_respirator", 1) == "1 N95 respirator"
    assert units_of("isolation_gown", 500) == "500 isolation gowns"
    assert units_of("face_shield", 1) == "1 face shield"
    assert in_spanish(units_of, "n95_respirator", 2000) == "2.000 respiradores N95"
    assert in_spanish(units_of, "isolation_gown", 1) == "1 bata de aislamiento"
    assert in_spanish(units_of, "nitrile_gloves", 25000) == "25.000 guantes de nitrilo"


@pytest.mark.parametrize("code", [code for code, _text in PRODUCT_CATEGORIES])
def test_every_category_agrees_with_its_quantity_in_both_languages(code):
    (one, many), (uno, muchos) = EXPECTED[code]
    assert (units_of(code, 1), units_of(code, 2000)) == (one, many)
    assert (in_spanish(units_of, code, 1), in_spanish(units_of, code, 2000)) == (uno, muchos)
    assert units_of(code, 0).startswith("0 ") and units_of(code, 0) == many.replace("2,000", "0")


def test_every_category_has_its_two_forms():
    assert set(PRODUCT_UNITS) == {code for code, _text in PRODUCT_CATEGORIES}


def test_a_category_this_version_does_not_know_is_named_by_its_value():
    assert units_of("masks_old", 1) == "1 unit of masks_old"
    assert units_of("masks_old", 1500) == "1,500 units of masks_old"
    assert in_spanish(units_of, "masks_old", 15000) == "15.000 unidades de masks_old"


@pytest.mark.parametrize("quantity, english, spanish", [
    (1, "1 isolation gown", "1 bata de aislamiento"), (2000, "2,000 isolation gowns", "2.000 batas de aislamiento")])
def test_notifications_and_emails_use_it(quantity, english, spanish):
    proposed = fact("match_proposed", match_id=7, lead_id=12, demand_id=3, quantity=quantity, category="isolation_gown")
    assert render_notification(proposed, BUYER) == f"Proposed: {english} for your request #3"
    assert render_notification(proposed, SUPPLIER) == f"Your offer #12: {english} proposed to a buyer (request #3)"
    subject, _body = render_email(proposed, STAFF, "https://ppe.example/matches/7")
    assert subject == f"Proposed: {english} from lead #12 for request #3"
    assert in_spanish(render_notification, proposed, BUYER) == f"Propuesta: {spanish} para su solicitud #3"


def test_a_requests_history_uses_it():
    posted = Entry(action="demand.create", actor_role="buyer", by_reader=True,
                   after={"quantity": 20000, "category": "n95_respirator", "needed_by": None, "max_unit_price": None})
    assert "20,000 N95 respirators" in describe(posted, BUYER)
    one = Entry(action="demand.create", actor_role="buyer", by_reader=True,
                after={"quantity": 1, "category": "face_shield", "needed_by": None, "max_unit_price": None})
    assert "1 face shield" in describe(one, BUYER)
    assert "1 careta protectora" in in_spanish(describe, one, BUYER)
