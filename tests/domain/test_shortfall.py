"""The shortfall projection's method (issue 12 item 1), pinned on a small scenario computed by hand:
four facilities, seven supply lots, two categories (domain.shortfall)."""
from decimal import Decimal

from marketplace.domain.shortfall import Facility, Lot, project, project_category

D = Decimal
# N95: F1 has 100 on hand and uses 20 a day, F2 30 at 10 a day, F3 nothing at 5 a day (35 a day in all).
# Gowns: F4 has 50 and uses 10 a day.
FACILITIES = [
    Facility("F1", "n95_respirator", D(100), D(20)),
    Facility("F2", "n95_respirator", D(30), D(10)),
    Facility("F3", "n95_respirator", D(0), D(5)),
    Facility("F4", "isolation_gown", D(50), D(10)),
]
LOTS = [
    Lot("n95_respirator", 40, 0),                      # L1 free, today
    Lot("n95_respirator", 60, 3, for_facility="F2"),   # L2 a match for F2, day 3
    Lot("n95_respirator", 100, 10),                    # L3 free, day 10
    Lot("n95_respirator", 50, 5, for_facility="F1"),   # L4 a match for F1, day 5
    Lot("n95_respirator", 500, 40),                    # L5 free, after the 28 days: left out
    Lot("isolation_gown", 140, 5),                     # L6 free, day 5
    Lot("isolation_gown", 100, 21, for_facility="F4"),  # L7 a match for F4, day 21
]

# N95 by hand (own stock after the day's draw; the pool; the units short):
#  day  F1   F2   F3   pool  short
#   0   80   20   -    40-5=35   0     L1 arrives: F3 has no stock and draws from the pool
#   1   60   10   -    30        0     (F1's 80 are never shared with F3)
#   2   40    0   -    25        0
#   3   20   50   -    20        0     L2 (60) to F2 only: 60-10 = 50
#   4    0   40   -    15        0
#   5   30   30   -    10        0     L4 (50) to F1: 50-20 = 30
#   6   10   20   -     5        0
#   7    0   10   -     0       10     F1 has 10 of its 20, the pool 5 for F1's 10 + F3's 5: 10 short
#   8    0    0   -     0       25     F2 uses its last 10; F1 20 + F3 5 short
#   9    0    0   -     0       35
#  10                  100-35=65  0    L3 arrives
#  11                  30         0
#  12                   0         5    35 wanted, 30 in the pool
#  13                   0        35
#  14..27: 35 short a day = 490
# First short: day 7, week 2 (days 7-13): 10 + 25 + 35 + 5 + 35 = 110 units. Over 28 days: 110 + 490 = 600,
# which is the check: 28 x 35 = 980 used; 100 + 30 + 0 stock + 60 + 50 reserved + 40 + 100 free = 380.
#
# Gowns by hand: F4's 50 last days 0-4; L6 (140) arrives day 5 and covers days 5-18 (14 x 10);
# days 19 and 20 are 10 short each; L7 (100) arrives day 21 and covers days 21-27 (70, 30 left).
# First short: day 19, week 3 (days 14-20): 20 units; over 28 days 20. Check: 280 used, 290 came, 30 left.


def test_n95_first_runs_short_in_week_two_by_110_units():
    n95 = project_category("n95_respirator", FACILITIES, LOTS)
    assert (n95.facilities, n95.first_short_day, n95.first_short_week) == (3, 7, 2)
    assert (n95.short_in_first_week, n95.short_units) == (110, 600)
    shorts = [int(d.short) for d in n95.days]
    assert shorts[:14] == [0, 0, 0, 0, 0, 0, 0, 10, 25, 35, 0, 0, 5, 35] and shorts[14:] == [35] * 14
    assert [int(d.pool_left) for d in n95.days[:13]] == [35, 30, 25, 20, 15, 10, 5, 0, 0, 0, 65, 30, 0]
    assert [int(d.stock_left) for d in n95.days[:9]] == [100, 70, 40, 70, 40, 60, 30, 10, 0]
    assert [d.arrived for d in n95.days if d.arrived] == [40, 60, 50, 100]  # L5 is after the horizon
    for day in n95.days:
        assert day.use == day.from_stock + day.from_pool + day.short == 35


def test_gowns_first_run_short_in_week_three_by_20_units():
    gowns = project(["isolation_gown"], FACILITIES, LOTS)["isolation_gown"]
    assert (gowns.facilities, gowns.first_short_day, gowns.first_short_week) == (1, 19, 3)
    assert (gowns.short_in_first_week, gowns.short_units) == (20, 20)
    assert [d.day for d in gowns.days if d.short] == [19, 20]
    assert gowns.days[-1].stock_left == 30 and gowns.days[-1].pool_left == 0


def test_a_category_that_never_runs_short_and_one_with_no_facility():
    rows = project(["goggles", "face_shield"], [Facility("G", "goggles", D(12), D("0.5"))],
                   [Lot("goggles", 3, -2)])  # an overdue lot counts today
    assert rows["goggles"].first_short_day is None and rows["goggles"].short_units == 0
    assert rows["goggles"].days[0].arrived == 3 and rows["goggles"].days[-1].stock_left + \
        rows["goggles"].days[-1].pool_left == 1  # 12 + 3 - 28 x 0.5
    assert rows["face_shield"].facilities == 0 and rows["face_shield"].short_units == 0


def test_fractions_of_a_unit_short_round_up_and_reserved_lots_of_unprojected_requests_stay_out():
    one = project_category("n95_respirator", [Facility("A", "n95_respirator", D(0), D("0.25"))],
                           [Lot("n95_respirator", 1000, 0, for_facility="not projected")], horizon=1)
    assert (one.first_short_week, one.short_in_first_week, one.short_units) == (1, 1, 1)
    assert one.days[0].arrived == 0
