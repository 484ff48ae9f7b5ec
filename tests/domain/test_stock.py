"""Urgency that ages (issue 11 item 14): stock on hand, daily use and the days of supply they give,
worked out each day by one rule (domain.stock)."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from marketplace.domain.demand import parse_demand
from marketplace.domain.errors import FieldError
from marketplace.domain.stock import (
    Stock,
    burn_rate,
    days_from_stock,
    days_left,
    parse_stock,
    stock_warnings,
    units_left,
)

TODAY = date(2027, 3, 10)


def test_days_left_age_one_day_a_day_and_stop_at_zero():
    stated = Stock(counted_on=TODAY - timedelta(days=7), days_at_count=12)  # 12 days stated a week ago
    assert days_left(stated, TODAY) == 5
    assert days_left(stated, TODAY + timedelta(days=5)) == 0
    assert days_left(stated, TODAY + timedelta(days=30)) == 0
    # A count dated after "today" (a clock a day ahead) counts as today, not as more days.
    assert days_left(Stock(TODAY + timedelta(days=1), 4), TODAY) == 4


def test_days_from_stock_are_floor_of_stock_over_use_and_age_as_the_stock_would():
    # 1,000 units at 142.8571 a day: 7.0000 days -> 7; three days later 571.4287 units, 4.00 days -> 4.
    use = Decimal("142.8571")
    counted = Stock(TODAY - timedelta(days=3), days_from_stock(1000, use), 1000, use)
    assert counted.days_at_count == 7
    assert units_left(counted, TODAY) == Decimal("571.4287")
    assert days_left(counted, TODAY) == 4 == int(units_left(counted, TODAY) / use)
    # A second example: 250 units at 100 a day is 2 days; on day 3 nothing is left (not -50).
    small = Stock(TODAY - timedelta(days=3), days_from_stock(250, Decimal(100)), 250, Decimal(100))
    assert (days_left(small, TODAY), units_left(small, TODAY)) == (0, 0)
    # Years of stock are capped at the days of supply a request can have.
    assert days_from_stock(10**9, Decimal("0.5")) == 365


def test_burn_rate_is_the_cdc_method():
    # 1,200 on 1 March, 500 received, 900 on 8 March: (1,200 + 500 - 900) / 7 = 114.2857 a day.
    assert burn_rate(1200, date(2027, 3, 1), 900, date(2027, 3, 8), 500) == Decimal("114.2857")
    assert burn_rate(700, date(2027, 3, 1), 100, date(2027, 3, 4), 0) == Decimal(200)


@pytest.mark.parametrize("args, field, words", [
    ((900, date(2027, 3, 8), 800, date(2027, 3, 8), 0), "first_counted_on", "before the second count"),
    ((900, date(2027, 3, 9), 800, date(2027, 3, 8), 0), "first_counted_on", "before the second count"),
    ((900, date(2027, 3, 1), 1000, date(2027, 3, 8), 50), "first_count", "-50 units"),
    ((900, date(2027, 3, 1), 900, date(2027, 3, 8), 0), "first_count", "give no use"),
])
def test_burn_rate_refuses_impossible_counts_naming_the_field(args, field, words):
    with pytest.raises(FieldError) as raised:
        burn_rate(*args)
    assert raised.value.args[1] == field and words in raised.value.args[0]


def test_the_three_ways_give_the_same_facts():
    by_use, errors = parse_stock({"stock_on_hand": "1,400", "stock_counted_on": "2027-03-08",
                                  "avg_daily_use": "200"}, TODAY)
    assert errors == {}
    assert by_use == {"days_of_supply": 7, "stock_on_hand": 1400, "stock_counted_on": date(2027, 3, 8),
                      "avg_daily_use": Decimal(200)}
    by_counts, errors = parse_stock({"first_count": "2000", "first_counted_on": "2027-03-01", "received_between": "800",
                                     "stock_on_hand": "1400", "stock_counted_on": "2027-03-08"}, TODAY)
    assert errors == {} and by_counts == by_use  # (2,000 + 800 - 1,400) / 7 = 200 a day
    by_days, errors = parse_stock({"days_of_supply": "7"}, TODAY)
    assert errors == {} and by_days == {"days_of_supply": 7, "stock_on_hand": None, "stock_counted_on": TODAY,
                                        "avg_daily_use": None}
    # Stock counted today without a date; received units default to none.
    today_count, errors = parse_stock({"first_count": "700", "first_counted_on": "2027-03-07",
                                       "stock_on_hand": "100"}, TODAY)
    assert errors == {} and (today_count["stock_counted_on"], today_count["avg_daily_use"]) == (TODAY, Decimal(200))


@pytest.mark.parametrize("raw, expected", [
    ({}, {"days_of_supply": "Give the days of supply left, or your stock on hand and average daily use."}),
    ({"stock_on_hand": "500"}, {"avg_daily_use": "Give the average daily use (units a day), or an earlier count"}),
    ({"avg_daily_use": "50", "days_of_supply": "4"}, {"stock_on_hand": "Give the units on hand with the average"}),
    ({"avg_daily_use": "0", "stock_on_hand": "5"}, {"avg_daily_use": "must be more than 0"}),
    ({"avg_daily_use": "-3", "stock_on_hand": "5"}, {"avg_daily_use": "must be more than 0"}),
    ({"stock_on_hand": "-5", "avg_daily_use": "3"}, {"stock_on_hand": "cannot be negative"}),
    ({"stock_on_hand": "500", "avg_daily_use": "50", "stock_counted_on": "2027-03-11"},
     {"stock_counted_on": "cannot be in the future"}),
    ({"stock_on_hand": "500", "avg_daily_use": "50", "stock_counted_on": "2025-03-01"},
     {"stock_counted_on": "more than a year ago"}),
    ({"stock_on_hand": "500", "avg_daily_use": "50", "stock_counted_on": "03/04/2027"},
     {"stock_counted_on": "2027-03-04"}),  # ambiguous day/month: the dates rule says how to write it
    ({"stock_on_hand": "900", "stock_counted_on": "2027-03-08", "first_count": "1000",
      "first_counted_on": "2027-03-09"}, {"first_counted_on": "must be dated before the second count (Mar 8, 2027)"}),
    ({"stock_on_hand": "1100", "first_count": "1000", "first_counted_on": "2027-03-01", "received_between": "50"},
     {"first_count": "1,000 + 50 received - 1,100 on hand = -50 units"}),
    ({"stock_on_hand": "900", "first_count": "1000"}, {"first_counted_on": "Give the date of the first count."}),
    ({"first_count": "1000", "first_counted_on": "2027-03-01"}, {"stock_on_hand": "Give the second count"}),
    ({"stock_on_hand": "900", "first_count": "1000", "first_counted_on": "2027-03-01", "avg_daily_use": "10"},
     {"avg_daily_use": "not both"}),
    ({"stock_on_hand": "1000", "avg_daily_use": "100", "days_of_supply": "30"},
     {"days_of_supply": "1,000 units counted on Mar 10, 2027 at 100 a day last 10 days from today, not 30"}),
    ({"stock_counted_on": "2027-03-08", "days_of_supply": "3"}, {"stock_on_hand": "Give the units on hand counted"}),
])
def test_impossible_inputs_get_a_message_by_the_field(raw, expected):
    values, errors = parse_stock(raw, TODAY)
    assert set(errors) == set(expected), errors
    for name, words in expected.items():
        assert words in errors[name], errors[name]


def test_days_of_supply_beside_stock_may_round_by_a_day():
    values, errors = parse_stock({"stock_on_hand": "1000", "avg_daily_use": "100", "days_of_supply": "9",
                                  "stock_counted_on": "2027-03-09"}, TODAY)
    assert errors == {} and values["days_of_supply"] == 10  # stored at the count: 10 days on 9 March


def test_the_needed_by_warning_reads_todays_days_of_supply():
    # 2,000 units at 100 a day counted 15 days ago have 5 days left today, so a
    # needed-by 40 days away is well after they run out; counted today (20 days) it is not.
    needed_by = TODAY + timedelta(days=40)
    aged = {"needed_by": needed_by, "days_of_supply": 20, "stock_on_hand": 2000, "avg_daily_use": Decimal(100),
            "stock_counted_on": TODAY - timedelta(days=15)}
    assert "5 days of supply" in stock_warnings(aged, TODAY)["needed_by"]
    assert stock_warnings({**aged, "stock_counted_on": TODAY}, TODAY) == {}


def test_parse_demand_reads_the_stock_columns_and_old_rows_keep_parsing():
    row = {"category": "n95_respirator", "quantity": "2000", "max_unit_price": "1.50",
           "needed_by": "2027-03-24", "postal_code": "90012", "facility_type": "hospital"}
    old, errors = parse_demand({**row, "days_of_supply": "10"}, TODAY)
    assert errors == {} and (old["days_of_supply"], old["stock_counted_on"], old["stock_on_hand"]) == (10, TODAY, None)
    new, errors = parse_demand({**row, "days_of_supply": "", "stock_on_hand": "8000", "avg_daily_use": "800"}, TODAY)
    assert errors == {} and (new["days_of_supply"], new["avg_daily_use"]) == (10, Decimal(800))
