"""Words in a quantity and fields named in messages (the intake-words brief): "10 boxes" points to
the pack path where the field has one (the form's "Units per pack", the CSV's ``pack_size``); a CSV
row's messages name columns as the file's header writes them, untranslated; a day/month date with
one reading in the field's range takes that reading. Domain rules only, no app."""
from datetime import date, timedelta

import pytest

from marketplace.domain import i18n
from marketplace.domain.dates import DateError, parse_date
from marketplace.domain.demand import parse_demand
from marketplace.domain.errors import FieldError
from marketplace.domain.i18n import csv_columns
from marketplace.domain.leads import PACK_SIZE, QUANTITY, parse_lead
from marketplace.domain.match_status import MATCH_ACTIONS, clean_delivery_on
from marketplace.domain.numbers import NumberError, read_number
from marketplace.domain.quotes import clean_valid_until

TODAY = date(2026, 11, 30)
LEAD = {"company_name": "Harbor", "email": "sales@harbor.example", "supplier_type": "distributor",
        "product_category": "n95_respirator", "quantity": "1000", "unit_price": "0.79"}
DEMAND = {"category": "n95_respirator", "quantity": "1000", "max_unit_price": "1.50", "needed_by": "2026-12-20",
          "postal_code": "90033", "days_of_supply": "5", "facility_type": "hospital"}


def _message(raw: str, **kwargs) -> str:
    with pytest.raises(NumberError) as refused:
        read_number(raw, what=QUANTITY, whole=True, **kwargs)
    return str(refused.value)


def test_a_count_of_boxes_points_to_units_per_pack_in_the_form_and_pack_size_in_a_file():
    assert _message("10 boxes", packs=PACK_SIZE) == ("Give a number: write 10 and the units in each box under "
                                                     "Units per pack (or the total number of single items).")
    with csv_columns():
        assert _message("10 boxes", packs=PACK_SIZE) == ("Give a number: write 10 and the units in each box under "
                                                         "pack_size (or the total number of single items).")
    # The same kind: other package words, in English and Spanish.
    assert _message("5 packs", packs=PACK_SIZE).startswith("Give a number: write 5 and the units in each pack under")
    assert _message("2 cartons", packs=PACK_SIZE).startswith("Give a number: write 2 and the units in each carton")
    with i18n.use_locale("es"):
        assert _message("10 cajas", packs=PACK_SIZE) == (
            "Indique un número: escriba 10 y las unidades de cada caja en «Unidades por caja» (o el número total "
            "de piezas sueltas).")
        with csv_columns():
            assert "en «pack_size»" in _message("2 cartones", packs=PACK_SIZE)
            assert "escriba 1.500 y las unidades de cada tarima" in _message("1.500 palés", packs=PACK_SIZE)


def test_without_a_pack_field_a_count_of_boxes_asks_for_single_units():
    assert _message("2 cartons").startswith("Give units, not cartons: write the quantity as a number of single items")
    assert _message("10 cajas").startswith("Give units, not boxes")
    with i18n.use_locale("es"), csv_columns():
        assert _message("10 cajas").startswith("Indique unidades, no cajas: escriba «quantity» como número")


def test_the_lead_and_the_request_name_the_pack_path_by_where_they_are_read():
    __, errors = parse_lead({**LEAD, "quantity": "10 boxes", "min_order_qty": "5 packs"}, TODAY)
    assert errors["quantity"].startswith("Give a number: write 10 and the units in each box under Units per pack")
    assert errors["min_order_qty"].startswith("Give a number: write 5 and the units in each pack under Units per pack")
    with csv_columns():
        __, errors = parse_lead({**LEAD, "quantity": "10 boxes"}, TODAY)
    assert "under pack_size" in errors["quantity"]
    # A request has no units per pack: single units only.
    __, errors = parse_demand({**DEMAND, "quantity": "10 boxes"}, TODAY)
    assert errors["quantity"].startswith("Give units, not boxes: write the quantity as a number of single items")


def test_a_csv_row_names_columns_as_the_header_writes_them_and_a_form_its_translated_labels():
    bad_lead = {**LEAD, "quantity": "abc", "unit_price": "-1", "product_category": "helmets", "lead_time_days": "x"}
    bad_demand = {**DEMAND, "max_unit_price": "abc", "days_of_supply": "x", "category": "helmets",
                  "facility_type": "spa"}
    with i18n.use_locale("es"):
        __, form = parse_lead(bad_lead, TODAY)
        __, form_demand = parse_demand(bad_demand, TODAY)
        with csv_columns():
            __, row = parse_lead(bad_lead, TODAY)
            __, row_demand = parse_demand(bad_demand, TODAY)
    assert "«cantidad»" in form["quantity"] and "«quantity»" in row["quantity"]
    assert "precio por unidad" in form["unit_price"] and "unit_price" in row["unit_price"]
    assert "product_category" in row["product_category"] and "product_category" not in form["product_category"]
    assert "lead_time_days" in row["lead_time_days"] and "lead_time_days" not in form["lead_time_days"]
    assert "max_unit_price" in row_demand["max_unit_price"] and "max_unit_price" not in form_demand["max_unit_price"]
    assert "days_of_supply" in row_demand["days_of_supply"]
    assert "category" in row_demand["category"]
    assert "facility_type" in row_demand["facility_type"] and "facility_type" not in form_demand["facility_type"]
    # In English the same: the column in a file, the label in a form.
    with csv_columns():
        __, row = parse_lead(bad_lead, TODAY)
    assert row["unit_price"] == "The unit_price must be more than 0."
    assert parse_lead(bad_lead, TODAY)[1]["unit_price"] == "The unit price must be more than 0."


AHEAD = (TODAY, TODAY + timedelta(days=366))


@pytest.mark.parametrize("typed, expected", [
    ("12/10/2026", date(2026, 12, 10)),   # the buyer's: 12 October is past on 30 November
    ("11/12/2026", date(2026, 12, 11)),   # November 12 is past: 11 December
    ("12/11/2027", date(2027, 11, 12)),   # December 11, 2027 is more than 366 days ahead: 12 November
    ("03/04/2027", None),                 # 3 April or March 4, 2027: both ahead, still refused
    ("11/05/2026", None),                 # 11 May or November 5, 2026: both past, refused as ambiguous
])
def test_an_ambiguous_date_with_one_reading_in_range_takes_it(typed, expected):
    if expected is None:
        with pytest.raises(DateError, match="can be read as"):
            parse_date(typed, within=AHEAD)
    else:
        assert parse_date(typed, within=AHEAD) == expected
    with pytest.raises(DateError, match="can be read as"):
        parse_date(typed)  # without a range: refused as before


def test_the_fields_with_a_range_give_it_and_a_csv_row_never_guesses():
    assert clean_delivery_on("12/10/2026", TODAY) == date(2026, 12, 10)
    assert clean_valid_until("11/12/2026", TODAY) == date(2026, 12, 11)
    __, errors = parse_demand({**DEMAND, "needed_by": "12/10/2026"}, TODAY)
    assert "needed_by" not in errors
    with pytest.raises(FieldError, match="can be read as 3 April or March 4"):
        clean_delivery_on("03/04/2027", TODAY)
    with csv_columns():  # an import's rows are not shown back: refused, not read
        __, errors = parse_demand({**DEMAND, "needed_by": "12/10/2026"}, TODAY)
        assert "can be read as" in errors["needed_by"]
        with pytest.raises(FieldError, match="can be read as"):
            clean_valid_until("12/10/2026", TODAY)


def test_a_delivery_date_typed_with_a_step_is_said_back_in_words():
    ordered = MATCH_ACTIONS["mark_ordered"]
    assert ordered.done_message(7, "Dec 10, 2026", day_given=True) == (
        "Match #7 is marked as ordered. Expected delivery: Dec 10, 2026.")
    assert ordered.done_message(7, "Dec 10, 2026") == "Match #7 is marked as ordered."
    moved = MATCH_ACTIONS["set_delivery_date"]  # says the day itself: not twice
    assert moved.done_message(7, "Dec 10, 2026", day_given=True) == "Match #7: delivery expected on Dec 10, 2026."
    with i18n.use_locale("es"):
        assert ordered.done_message(7, "10 dic 2026", day_given=True).endswith("Entrega prevista: 10 dic 2026.")
