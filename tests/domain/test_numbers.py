"""The one rule for numbers people type (domain.numbers), through every field that reads one:
lead prices, quantities, minimum orders, lead times, pack sizes; demand quantities, maximum prices,
days of supply. No app needed."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from marketplace.domain.demand import parse_demand
from marketplace.domain.leads import lead_to_row, parse_lead
from marketplace.domain.numbers import NumberError, read_number, write_number
from tests.conftest import VALID_LEAD

DEMAND = {"category": "n95_respirator", "quantity": "20000", "max_unit_price": "1.50",
          "needed_by": (date(2026, 1, 1) + timedelta(days=20)).isoformat(), "postal_code": "90033",
          "days_of_supply": "5", "facility_type": "hospital", "substitutes": ""}


def lead_error(field, raw):
    facts, errors = parse_lead({**VALID_LEAD, field: raw})
    return errors.get(field), facts.get(field) if facts else None


def demand_error(field, raw):
    values, errors = parse_demand({**DEMAND, field: raw}, date(2026, 1, 1))
    return errors.get(field), values.get(field)


# Issue 8, item 1: each example refused with "use a decimal point", never read as 12, 79, 95 or 15.
@pytest.mark.parametrize("field, raw", [
    ("unit_price", "0,12"),          # the form example
    ("unit_price", "0,79"),          # the CSV example
    ("unit_price", "0,125"),         # three decimals: not a thousands group (a group never starts with 0)
    ("unit_price", "1,5"),
    ("unit_price", "1.234,56"),      # German, Spanish, Italian notation
    ("unit_price", "1 234,56"),      # French, Swedish, Polish notation (no-break space)
    ("unit_price", "1\u202f234,56"),  # narrow no-break space, as French locales write it
    ("unit_price", "٠,٧٩"),          # a comma after Arabic-Indic digits is a comma all the same
])
def test_decimal_commas_in_a_price_are_refused_with_the_reading_offered(field, raw):
    message, value = lead_error(field, raw)
    assert message and "use a decimal point" in message.lower(), message
    assert value is None


def test_the_decimal_comma_message_shows_the_number_with_a_point():
    assert "for example 0.12" in lead_error("unit_price", "0,12")[0]
    assert "for example 1234.56" in lead_error("unit_price", "1.234,56")[0]


def test_a_buyers_maximum_with_a_decimal_comma_is_refused():
    message, value = demand_error("max_unit_price", "0,95")
    assert "use a decimal point" in message.lower() and "0.95" in message and value is None


@pytest.mark.parametrize("parse, field", [
    (lead_error, "quantity"), (lead_error, "min_order_qty"), (lead_error, "lead_time_days"),
    (lead_error, "pack_size"), (demand_error, "quantity"), (demand_error, "days_of_supply"),
])
@pytest.mark.parametrize("raw", ["1,5", "12,5", "1,50", "1.500", "1.234.567", "1,0000"])
def test_whole_numbers_with_a_decimal_comma_or_a_point_are_refused(parse, field, raw):
    message, value = parse(field, raw)
    assert message and ("whole number" in message or "thousands" in message), message
    assert value is None


def test_ambiguous_comma_group_in_a_price_is_refused_with_both_readings():
    message, value = lead_error("unit_price", "1,250")
    assert value is None
    assert "1250" in message and "1.25" in message


@pytest.mark.parametrize("field, raw, expected", [
    ("quantity", "1,500", 1500),
    ("quantity", "1,000,000", 1_000_000),
    ("quantity", "1 000 000", 1_000_000),          # space
    ("quantity", "1\u00a0000\u00a0000", 1_000_000),  # no-break space
    ("quantity", "1\u2009000", 1000),              # thin space (ISO 80000)
    ("quantity", "1'000'000", 1_000_000),           # Switzerland
    ("quantity", "1\u2019000", 1000),              # Switzerland, typographic apostrophe
    ("quantity", "５０００", 5000),                  # full-width digits (Chinese and Japanese input methods)
    ("quantity", "١٢٬٠٠٠", 12000),                  # Arabic-Indic digits and thousands separator
    ("quantity", "५०००", 5000),                     # Devanagari digits
    ("unit_price", "0.79", Decimal("0.79")),
    ("unit_price", ".79", Decimal("0.79")),
    ("unit_price", "$1,250.00", Decimal("1250")),
    ("unit_price", "1'250.50", Decimal("1250.5")),
    ("unit_price", "US$ 0.79", Decimal("0.79")),
    ("unit_price", "0.79 USD", Decimal("0.79")),
    ("unit_price", "٠٫٧٩", Decimal("0.79")),         # Arabic decimal separator
    ("unit_price", "０．７９", Decimal("0.79")),        # full-width
])
def test_unambiguous_numbers_of_many_countries_are_read(field, raw, expected):
    message, value = lead_error(field, raw)
    assert message is None and value == expected


@pytest.mark.parametrize("field, raw, words", [
    ("unit_price", "1e3", "without an exponent"),      # issue 8, item 10
    ("unit_price", "1E-4", "without an exponent"),
    ("quantity", "1e12", "without an exponent"),
    ("quantity", "2.5E+6", "without an exponent"),
    ("unit_price", "€0.79", "US dollars"),
    ("unit_price", "£1", "US dollars"),
    ("unit_price", "12 50", "groups of three"),
    ("quantity", "1,000 000", "one kind"),
    ("quantity", "1_000", "whole number"),
    ("quantity", "1,00,000", "groups of three"),       # Indian lakh grouping: not misread
    ("unit_price", "1,00,000", "groups of three"),
    ("unit_price", "1,23.45", "groups of three"),
    ("unit_price", "NaN", "must be a number"),
    ("unit_price", "Infinity", "must be a number"),
    ("quantity", "²", "superscript"),  # NFKC would fold it to 2: refused before folding
])
def test_other_unreadable_numbers_are_refused(field, raw, words):
    message, value = lead_error(field, raw)
    assert message and words in message, message
    assert value is None


def test_a_negative_number_keeps_its_sign_so_the_message_says_so():
    assert "at least 1" in lead_error("quantity", "\u22125")[0]   # the minus sign U+2212
    assert "more than 0" in lead_error("unit_price", "-$5")[0]


def test_read_number_alone():
    assert read_number("", what="x", whole=True) is None
    assert read_number("  ", what="x", whole=False) is None
    assert read_number("1,234,567.5", what="x", whole=False) == Decimal("1234567.5")
    with pytest.raises(NumberError, match="the x must be a number|The x must be a number"):
        read_number("abc", what="x", whole=False)
    with pytest.raises(NumberError):
        read_number("$5", what="x", whole=False)  # a currency sign only where money is read


def test_a_huge_number_is_refused_without_converting_it():
    message, value = lead_error("quantity", "9" * 5000)
    assert "at most" in message and value is None


# Tester item 4: superscripts, subscripts and fractions are digits to Unicode's NFKC (0.7¹ -> 0.71,
# ½ -> 1/2), never to a person: refused in every number field, lead and demand, form and CSV alike.
@pytest.mark.parametrize("parse, field, raw", [
    (lead_error, "unit_price", "0.7\u00b9"),      # the tester's 0.7¹
    (demand_error, "max_unit_price", "0.7\u00b9"),
    (lead_error, "quantity", "10\u00b3"),         # 10³ is not 103
    (lead_error, "unit_price", "\u00bd"),         # ½
    (demand_error, "days_of_supply", "1\u2082"),  # subscript two
    (demand_error, "quantity", "\u2460\u2461"),   # circled digits ①②
])
def test_superscripts_subscripts_and_fractions_are_refused_not_folded(parse, field, raw):
    message, value = parse(field, raw)
    assert value is None
    assert "superscript, subscript or fraction" in message and "plain digits" in message


# Tester item 8: a point then exactly three digits after 1-3 digits is a thousands point in much
# of Europe and Latin America: ambiguous in a price like 1,250, refused with both readings.
@pytest.mark.parametrize("parse, field, raw, decimal, thousands", [
    (lead_error, "unit_price", "1.250", "1.25", "1250"),      # the tester's example
    (lead_error, "unit_price", "12.500", "12.5", "12500"),
    (lead_error, "unit_price", "$1.125", "1.125", "1125"),
    (demand_error, "max_unit_price", "100.000", "100", "100000"),
])
def test_a_thousands_point_in_a_price_is_refused_with_both_readings(parse, field, raw, decimal, thousands):
    message, value = parse(field, raw)
    assert value is None
    assert f"could be {decimal} or {thousands}" in message, message


@pytest.mark.parametrize("raw, expected", [
    ("0.125", Decimal("0.125")),     # a zero integer part cannot be thousands
    ("1.25", Decimal("1.25")),
    ("1.2500", Decimal("1.25")),     # four decimals: a decimal point
    ("1250.000", Decimal("1250")),   # four digits before the point: not a thousands group
    ("1,250.500", Decimal("1250.5")),  # commas group thousands, so the point is decimal
])
def test_prices_with_a_point_that_is_clearly_decimal_are_read(raw, expected):
    message, value = lead_error("unit_price", raw)
    assert message is None and value == expected


@pytest.mark.parametrize("value", ["3.151", "1.25", "0.035", "12.5", "1250", "999.999", "0.0001"])
def test_written_numbers_read_back_as_the_same_value(value):
    text = write_number(Decimal(value))
    assert read_number(text, what="unit price", whole=False, money=True) == Decimal(value)


def test_a_stored_price_with_three_decimals_is_exported_so_that_it_reads_back():
    row = lead_to_row({"unit_price": Decimal("3.1510"), "quantity": 10, "pack_size": 1})
    assert row["unit_price"] == "3.1510"


# Tester item 13: messages that fit the field and the input.
def test_whole_number_messages_give_an_example_within_the_fields_range():
    for parse, field in ((lead_error, "lead_time_days"), (demand_error, "days_of_supply")):
        message, _ = parse(field, "abc")
        assert "for example 30" in message and "1500" not in message, message
        message, _ = parse(field, "1.5")
        assert "1500" not in message and "1,500" not in message, message
    assert "for example 1500" in lead_error("quantity", "abc")[0]


@pytest.mark.parametrize("parse, field, raw, example", [
    (lead_error, "unit_price", "0, 79", "0.79"),        # the tester's: a comma, a space, digits
    (demand_error, "max_unit_price", "1,\u00a050", "1.50"),  # no-break space after the comma
    (lead_error, "unit_price", "1 000, 50", "1000.50"),
])
def test_a_comma_then_a_space_gets_the_decimal_point_message(parse, field, raw, example):
    message, value = parse(field, raw)
    assert value is None and f"Use a decimal point, for example {example}" in message, message


@pytest.mark.parametrize("parse, field, raw, expected", [
    (lead_error, "unit_price", "'0.79", Decimal("0.79")),   # the tester's: a spreadsheet text marker
    (lead_error, "quantity", "'1,500", 1500),
    (demand_error, "days_of_supply", "'05", 5),
])
def test_a_leading_apostrophe_is_a_spreadsheet_text_marker_and_dropped(parse, field, raw, expected):
    message, value = parse(field, raw)
    assert message is None and value == expected
