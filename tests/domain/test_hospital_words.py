"""Words hospitals use (issue 11 item 15): categories, facility types and package counts, read by
the one rule (leads.clean_choice with catalog's aliases, numbers.read_number). No app."""
from datetime import date, timedelta

import pytest

from marketplace.domain.catalog import CATEGORY_ALIASES, FACILITY_ALIASES, PRODUCT_CATEGORIES, choice_key
from marketplace.domain.demand import parse_demand
from marketplace.domain.errors import FieldError
from marketplace.domain.leads import clean_choice, clean_int
from marketplace.domain.numbers import NumberError, read_number

TODAY = date(2026, 11, 30)


def row(**fields):
    base = {"category": "n95_respirator", "quantity": "20000", "max_unit_price": "1.50",
            "needed_by": (TODAY + timedelta(days=20)).isoformat(), "postal_code": "90033",
            "days_of_supply": "5", "facility_type": "hospital", "substitutes": ""}
    return {**base, **fields}


@pytest.mark.parametrize(("word", "category"), [
    ("N95", "n95_respirator"), ("gowns", "isolation_gown"), ("Gloves (nitrile)", "nitrile_gloves"),
    # second examples of each kind: a plural of a short name, a British spelling, a label's own words
    ("KN95s", "kn95_respirator"), ("hand sanitiser", "hand_sanitizer"), ("Nitrile gloves", "nitrile_gloves"),
    ("Isolation gown", "isolation_gown"),
])
def test_category_words_map_to_our_categories(word, category):
    values, errors = parse_demand(row(category=word), TODAY)
    assert errors == {} and values["category"] == category


@pytest.mark.parametrize(("word", "facility"), [
    ("SNF", "long_term_care"), ("Skilled nursing facility", "long_term_care"), ("nursing home", "long_term_care"),
    ("EMS", "first_responders"), ("Long-term care", "long_term_care"), ("Hospitals", "hospital"),
])
def test_facility_words_map_to_our_facility_types(word, facility):
    values, errors = parse_demand(row(facility_type=word), TODAY)
    assert errors == {} and values["facility_type"] == facility


def test_substitutes_and_offers_read_the_same_words_and_unknown_words_are_still_refused():
    values, errors = parse_demand(row(category="N95", substitutes="KN95; surgical masks"), TODAY)
    assert errors == {} and values["substitutes"] == ["kn95_respirator", "surgical_mask"]
    values, errors = parse_demand(row(category="thermometers", facility_type="spa"), TODAY)
    assert errors["category"].startswith("Unknown category 'thermometers'")
    assert errors["facility_type"].startswith("Unknown facility type 'spa'")
    # Every alias points at a value of its list, and is written as choice_key writes it.
    assert set(CATEGORY_ALIASES.values()) <= {v for v, _ in PRODUCT_CATEGORIES}
    assert all(choice_key(key) == key for key in {**CATEGORY_ALIASES, **FACILITY_ALIASES})
    with pytest.raises(FieldError):
        clean_choice("gowns", PRODUCT_CATEGORIES, "category")  # no aliases given: only values and labels


@pytest.mark.parametrize(("typed", "word"), [
    ("10 boxes", "boxes"), ("5 cases", "cases"), ("2 pallets of 100", "pallets"), ("1 box", "boxes"),
    ("3 cs", "cases"), ("12 ctn", "cartons"),
])
def test_a_count_of_packages_asks_for_units(typed, word):
    with pytest.raises(NumberError, match=f"^Give units, not {word}: write the quantity"):
        read_number(typed, what="quantity", whole=True)
    with pytest.raises(FieldError, match=f"Give units, not {word}"):
        clean_int(typed, minimum=1, maximum=10**8, required=True, what="quantity")
    _, errors = parse_demand(row(quantity=typed), TODAY)
    assert errors["quantity"].startswith(f"Give units, not {word}")


def test_plain_numbers_and_other_words_keep_their_messages():
    assert read_number("1,500", what="quantity", whole=True) == 1500
    with pytest.raises(NumberError, match="^Write only the number of units as the quantity, for example 3 "):
        read_number("3 bottles", what="quantity", whole=True)
    with pytest.raises(NumberError, match="must be a whole number"):
        read_number("boxes", what="quantity", whole=True)


@pytest.mark.parametrize(("typed", "number"), [
    ("2,000 N95 respirators", "2000"), ("500 nitrile gloves", "500"), ("1 500 surgical masks", "1500"),
    ("20000 Gloves (nitrile)", "20000"),
])
def test_a_number_followed_by_the_products_words_asks_for_the_number_alone(typed, number):
    """"2,000 N95 respirators" was refused as "must be a whole number, for example 1500": it is
    refused (never read as 2000 quietly), saying to write the number alone, the product elsewhere."""
    message = (f"Write only the number of units as the quantity, for example {number} (the product goes in its "
               "own column or field).")
    with pytest.raises(NumberError) as caught:
        read_number(typed, what="quantity", whole=True)
    assert str(caught.value) == message
    with pytest.raises(FieldError, match="^Write only the number of units"):
        clean_int(typed, minimum=1, maximum=10**8, required=True, what="minimum order")
    _, errors = parse_demand(row(quantity=typed), TODAY)
    assert errors["quantity"] == message
    # time words are no product; a price keeps its own messages
    with pytest.raises(NumberError, match="must be a whole number"):
        read_number("7 days", what="lead time (days)", whole=True)


def test_a_number_followed_by_the_products_words_in_spanish():
    from marketplace.domain.i18n import use_locale
    with use_locale("es"), pytest.raises(NumberError) as caught:
        read_number("2.000 respiradores N95", what="cantidad", whole=True)
    assert str(caught.value).startswith("Escriba solo el número de unidades")
    assert "2000" in str(caught.value)


@pytest.mark.parametrize(("word", "category"), [
    # one glove category, one kind of wipes: the common word reads as it
    ("gloves", "nitrile_gloves"), ("exam gloves", "nitrile_gloves"), ("wipes", "disinfectant_wipes"),
    ("sanitizing wipes", "disinfectant_wipes"),
    # punctuation and spaces between letters and digits
    ("N-95", "n95_respirator"), ("KN 95", "kn95_respirator"), ("n-95 respirators", "n95_respirator"),
])
def test_common_words_read_as_the_one_category_they_name(word, category):
    values, errors = parse_demand(row(category=word), TODAY)
    assert errors == {} and values["category"] == category


@pytest.mark.parametrize(("word", "facility"), [("Fire Dept", "first_responders"), ("Police Dept.", "first_responders")])
def test_common_facility_words(word, facility):
    values, errors = parse_demand(row(facility_type=word), TODAY)
    assert errors == {} and values["facility_type"] == facility


@pytest.mark.parametrize(("word", "could_be"), [
    ("masks", "Surgical mask, N95 respirator, KN95 respirator"),
    ("face masks", "Surgical mask, N95 respirator, KN95 respirator"),
    ("respirators", "N95 respirator, KN95 respirator"),
])
def test_words_of_more_than_one_category_are_refused_naming_them(word, could_be):
    _, errors = parse_demand(row(category=word), TODAY)
    assert errors["category"] == f"'{word}' could be: {could_be}. Write the one you mean."
    _, errors = parse_demand(row(substitutes=word), TODAY)
    assert errors["substitutes"].startswith(f"'{word}' could be")


def test_an_unknown_word_names_the_accepted_words_and_the_nearest_one():
    _, errors = parse_demand(row(category="glovs", facility_type="hospitl"), TODAY)
    assert errors["category"] == ("Unknown category 'glovs'. Did you mean 'Nitrile gloves'? Write one of: N95 "
                                  "respirator, KN95 respirator, Surgical mask, Face shield, Nitrile gloves, "
                                  "Isolation gown, Goggles, Hand sanitizer, Disinfectant wipes, Other.")
    assert "Did you mean 'Hospital'?" in errors["facility_type"]
    _, errors = parse_demand(row(category="thermometers"), TODAY)
    assert "Did you mean" not in errors["category"] and "n95_respirator" not in errors["category"]
    assert errors["category"].endswith("; write one of: N95 respirator, KN95 respirator, Surgical mask, Face "
                                       "shield, Nitrile gloves, Isolation gown, Goggles, Hand sanitizer, "
                                       "Disinfectant wipes, Other.")


def test_the_words_in_spanish():
    from marketplace.domain.i18n import use_locale
    with use_locale("es"):
        _, errors = parse_demand(row(category="masks", facility_type="hospitl"), TODAY)
    assert errors["category"].startswith("«masks» puede ser:")
    assert "Mascarilla quirúrgica" in errors["category"]
    assert "¿Quiso decir" in errors["facility_type"] and "n95_respirator" not in errors["category"]
