"""The one rule for numbers people type (domain.numbers), through every field that reads one:
lead prices, quantities, minimum orders, lead times, pack sizes; demand quantities, maximum prices,
days of supply. No app needed."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from marketplace.domain.demand import parse_demand
from marketplace.domain.leads import parse_lead
from marketplace.domain.numbers import NumberError, read_number
from tests.conftest import VALID_LEAD

DEMAND = {"category": "n95_respirator", "quantity": "20000", "max_unit_price": "1.50",
          "needed_by": (date(2026, 1, 1) + timedelta(days=20)).isoformat(), "postal_code": "90033",
          "days_of_supply": "5", "facility_type": "hospital", "substitutes": ""}


def lead_error(field, raw):
    values, errors = parse_lead({**VALID_LEAD, field: raw})
    return errors.get(field), values.get(field)


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
    ("quantity", "²", None),
])
def test_other_unreadable_numbers_are_refused(field, raw, words):
    message, value = lead_error(field, raw)
    if words is None:  # a superscript two is folded to 2 by Unicode compatibility (NFKC)
        assert message is None and value == 2
        return
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
