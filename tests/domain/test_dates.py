"""Dates typed by people and the city's clock (issue 11 item 13): domain rules, no app."""
from datetime import UTC, date, datetime, timedelta

import pytest

from marketplace.domain.dates import (
    DateError,
    city_today,
    city_zone,
    needed_by_warnings,
    parse_date,
)
from marketplace.domain.demand import parse_demand, request_warnings

LA = city_zone("America/Los_Angeles")


@pytest.mark.parametrize("text", ["2027-01-07", "2027/01/07", "2027-1-7", "7 Jan 2027", "7 January 2027",
                                  "January 7, 2027", "Jan 7 2027", "07-JAN-2027", " 7th Jan. 2027 "])
def test_unmistakable_forms_read_as_7_january(text):
    assert parse_date(text) == date(2027, 1, 7)


@pytest.mark.parametrize("text, expected", [
    ("13/01/2027", date(2027, 1, 13)),   # a day above 12 tells: day first
    ("01/13/2027", date(2027, 1, 13)),   # month first
    ("25.12.2026", date(2026, 12, 25)),
    ("05/05/2027", date(2027, 5, 5)),    # both readings are the same day
])
def test_day_month_numbers_that_cannot_be_misread_are_read(text, expected):
    assert parse_date(text) == expected


def test_issue_example_07_01_2027_is_refused_saying_how_to_write_it():
    with pytest.raises(DateError) as refused:
        parse_date("07/01/2027")
    message = str(refused.value)
    assert "7 January" in message and "July 1" in message
    assert "2027-01-07 or 7 Jan 2027" in message and "2027-07-01 or 1 Jul 2027" in message


def test_second_ambiguous_example_05_06_2027_is_refused():
    with pytest.raises(DateError, match="2027-06-05 or 5 Jun 2027"):
        parse_date("05/06/2027")
    with pytest.raises(DateError, match="ambiguous|can be read as"):
        parse_date("05-06-2027")


@pytest.mark.parametrize("text, why", [("07/01/27", "four digits"), ("31/02/2027", "no such date"),
                                       ("7 Foo 2027", "not a month"), ("next week", "not a date"),
                                       ("2027-13-01", "no such date")])
def test_unreadable_dates_are_refused_with_a_reason(text, why):
    with pytest.raises(DateError, match=why):
        parse_date(text)


def test_the_demand_parser_uses_the_same_rule():
    raw = {"category": "n95_respirator", "quantity": "100", "max_unit_price": "1.00", "postal_code": "90033",
           "days_of_supply": "4", "facility_type": "hospital", "substitutes": ""}
    today = date(2026, 12, 1)
    values, errors = parse_demand({**raw, "needed_by": "07/01/2027"}, today)
    assert "needed_by" in errors and "2027-01-07 or 7 Jan 2027" in errors["needed_by"]
    values, errors = parse_demand({**raw, "needed_by": "7 Jan 2027"}, today)
    assert not errors and values["needed_by"] == date(2027, 1, 7)


def test_city_today_at_23_30_utc_is_still_the_los_angeles_afternoon():
    now = datetime(2027, 1, 6, 23, 30, tzinfo=UTC)  # 15:30 in Los Angeles
    assert city_today(now, LA) == date(2027, 1, 6)
    assert now.date() == date(2027, 1, 6)
    later = datetime(2027, 1, 7, 0, 30)  # naive = UTC, as stored: 16:30 on the 6th in LA
    assert city_today(later, LA) == date(2027, 1, 6) != later.date()


def test_city_today_at_07_30_utc_next_day_is_still_the_previous_local_day():
    now = datetime(2027, 1, 7, 7, 30, tzinfo=UTC)  # 23:30 on the 6th in Los Angeles
    assert city_today(now, LA) == date(2027, 1, 6)
    assert city_today(datetime(2027, 1, 7, 8, 30, tzinfo=UTC), LA) == date(2027, 1, 7)


def test_a_needed_by_date_of_the_local_today_is_not_past_after_4_pm():
    raw = {"category": "n95_respirator", "quantity": "100", "max_unit_price": "1.00", "postal_code": "90033",
           "days_of_supply": "1", "facility_type": "hospital", "substitutes": "", "needed_by": "2027-01-06"}
    local = city_today(datetime(2027, 1, 7, 0, 30, tzinfo=UTC), LA)
    assert not parse_demand(raw, local)[1]
    assert "past" in parse_demand(raw, date(2027, 1, 7))[1]["needed_by"]  # the UTC date would refuse it


def test_unknown_city_timezone_is_refused_by_name():
    with pytest.raises(ValueError, match="CITY_TIMEZONE 'Mars/Olympus'"):
        city_zone("Mars/Olympus")
    assert city_zone(None) == LA


def test_needed_by_long_after_the_stock_runs_out_warns():
    today = date(2026, 12, 1)
    # the issue's row: 07/01/2027 read as 1 July with 4 days of supply left
    warning = needed_by_warnings(date(2027, 7, 1), 4, today)["needed_by"]
    assert "212 days away" in warning and "4 days of supply" in warning and "Dec 5, 2026" in warning
    # a second example: 60 days ahead with 10 days left
    assert needed_by_warnings(today + timedelta(days=60), 10, today)
    # ordering a few weeks ahead is not warned
    assert not needed_by_warnings(today + timedelta(days=20), 5, today)
    assert not needed_by_warnings(today + timedelta(days=40), 10, today)


def test_needed_today_with_many_days_of_supply_warns():
    today = date(2026, 12, 1)
    assert "is today" in needed_by_warnings(today, 30, today)["needed_by"]
    assert not needed_by_warnings(today, 2, today)
    assert request_warnings({"needed_by": today, "days_of_supply": 14}, today)
    assert not request_warnings({"needed_by": None, "days_of_supply": 14}, today)
