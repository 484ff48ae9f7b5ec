"""The validity rule of offers and needed-by dates (issue 11 item 11, domain.quotes): the default,
the dates a person may type, lapse on the day after valid_until, one reminder per validity period,
a request overdue the day after its needed-by date and asked once per date."""
from datetime import date, timedelta

import pytest

from marketplace.domain.errors import FieldError
from marketplace.domain.leads import parse_lead
from marketplace.domain.quotes import (
    DEFAULT_VALIDITY_DAYS,
    MAX_VALIDITY_DAYS,
    REMIND_DAYS_BEFORE,
    clean_valid_until,
    default_valid_until,
    extension_due,
    quote_lapsed,
    reminder_due,
    request_overdue,
)
from tests.conftest import VALID_LEAD

TODAY = date(2027, 1, 7)


def test_the_default_is_fourteen_days_from_the_city_today():
    assert DEFAULT_VALIDITY_DAYS == 14 and REMIND_DAYS_BEFORE == 3
    assert default_valid_until(TODAY) == date(2027, 1, 21)
    assert default_valid_until(date(2027, 12, 25)) == date(2028, 1, 8)  # across a year


@pytest.mark.parametrize("raw,expected", [
    ("", None), ("   ", None), (None, None),
    ("2027-01-21", date(2027, 1, 21)), ("21 Jan 2027", date(2027, 1, 21)), ("January 21, 2027", date(2027, 1, 21)),
    ("21/01/2027", date(2027, 1, 21)),  # 21 cannot be a month
    ("2027-01-07", TODAY),  # valid through today
])
def test_dates_people_type(raw, expected):
    assert clean_valid_until(raw, TODAY) == expected


@pytest.mark.parametrize("raw,words", [
    ("2027-01-06", "in the past"),
    ("02/03/2027", "can be read as"),  # 2 March or February 3: refused, saying how to write it
    ((TODAY + timedelta(days=MAX_VALIDITY_DAYS + 1)).isoformat(), f"at most {MAX_VALIDITY_DAYS} days"),
    ("next week", "not a date"),
    ("2027-02-30", "no such date"),
])
def test_dates_refused_with_a_message(raw, words):
    with pytest.raises(FieldError, match=words):
        clean_valid_until(raw, TODAY)


def test_the_last_allowed_day_is_accepted_and_without_today_a_date_is_only_read():
    last = TODAY + timedelta(days=MAX_VALIDITY_DAYS)
    assert clean_valid_until(last.isoformat(), TODAY) == last
    assert clean_valid_until("2020-01-01", None) == date(2020, 1, 1)


def test_a_quote_lapses_the_day_after_its_date():
    assert not quote_lapsed(TODAY, TODAY)
    assert quote_lapsed(TODAY - timedelta(days=1), TODAY)
    assert not quote_lapsed(None, TODAY)


def test_one_reminder_per_validity_period():
    until = TODAY + timedelta(days=REMIND_DAYS_BEFORE)
    assert reminder_due(until, None, TODAY)                               # 3 days before: asked
    assert not reminder_due(until + timedelta(days=1), None, TODAY)       # 4 days before: not yet
    assert not reminder_due(until, until, TODAY)                          # asked for this date already
    assert reminder_due(TODAY - timedelta(days=5), None, TODAY)           # lapsed, never asked: asked now
    assert not reminder_due(TODAY - timedelta(days=5), TODAY - timedelta(days=5), TODAY)
    confirmed = default_valid_until(TODAY)                                # a new period
    assert not reminder_due(confirmed, until, TODAY)
    assert reminder_due(confirmed, until, confirmed - timedelta(days=REMIND_DAYS_BEFORE))


def test_a_request_is_overdue_the_day_after_its_needed_by_date_and_asked_once_per_date():
    assert not request_overdue(TODAY, TODAY)
    assert request_overdue(TODAY - timedelta(days=1), TODAY)
    yesterday = TODAY - timedelta(days=1)
    assert extension_due(yesterday, None, TODAY)
    assert not extension_due(yesterday, yesterday, TODAY)
    assert not extension_due(TODAY + timedelta(days=3), yesterday, TODAY)  # extended: nothing to ask
    assert extension_due(TODAY - timedelta(days=1), TODAY - timedelta(days=9), TODAY)  # extended, passed again


def test_parse_lead_reads_the_column_with_the_city_today():
    facts, errors = parse_lead({**VALID_LEAD, "valid_until": "21 Jan 2027"}, TODAY)
    assert errors == {} and facts.valid_until == date(2027, 1, 21)
    facts, errors = parse_lead(dict(VALID_LEAD), TODAY)
    assert errors == {} and facts.valid_until is None  # the service applies the default
    _, errors = parse_lead({**VALID_LEAD, "valid_until": "2027-01-01"}, TODAY)
    assert "in the past" in errors["valid_until"]


# --- Confirming with new figures (tester report: "Confirm price and stock") -------------------


def test_the_stock_now_leaves_out_delivered_units():
    from marketplace.domain.quotes import quantity_from_available_now, units_available_now

    # The tester's offer: 50,000 gloves, 40,000 delivered: 10,000 are the supplier's now.
    assert units_available_now(50_000, 40_000) == 10_000
    assert quantity_from_available_now(10_000, 40_000) == 50_000
    # Another: 30,000 offered, 10,000 delivered (5,000 accepted still count as stock now).
    assert units_available_now(30_000, 10_000) == 20_000
    assert quantity_from_available_now(6_000, 10_000) == 16_000
    assert units_available_now(10, 12) == 0  # never negative


def test_a_higher_price_or_more_units_is_a_material_change():
    from decimal import Decimal

    from marketplace.domain.quotes import material_change

    assert material_change(50_000, Decimal("0.0469"), 50_000, Decimal("0.50"))  # the tester's price
    assert material_change(100_000, Decimal("0.12"), 900_000_000, Decimal("4.99"))  # and quantity
    assert material_change(50_000, Decimal("0.79"), 200_000, Decimal("0.79"))  # units alone
    assert not material_change(50_000, Decimal("0.79"), 40_000, Decimal("0.70"))  # lower: as approved
    assert not material_change(50_000, Decimal("0.79"), 50_000, Decimal("0.79"))
