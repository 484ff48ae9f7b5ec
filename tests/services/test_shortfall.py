"""The shortfall projection's inputs from the database (services.shortfall), on a scenario worked
by hand: who the facilities are, what they have on hand today, when each lot arrives."""
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from marketplace.domain.catalog import PRODUCT_CATEGORIES
from marketplace.domain.messages import trigger_fact
from marketplace.extensions import db
from marketplace.models import Match
from marketplace.services import demand, planning, shortfall
from tests.conftest import approve, make_lead, make_request, make_user


def _at(day) -> datetime:
    """20:00 UTC of ``day``: the same date in the city (America/Los_Angeles, noon) and in UTC."""
    return datetime.combine(day, time(20, 0), tzinfo=UTC)


def _match(request, lead, quantity, status, changed_on, delivery_on=None):
    db.session.add(Match(demand_id=request.id, lead_id=lead.id, quantity=quantity, unit_price=Decimal("0.79"),
                         status=status, created_at=_at(changed_on), updated_at=_at(changed_on),
                         delivery_on=delivery_on))


def test_the_projection_reads_stock_matches_and_free_supply(app_ctx):
    today = demand.today()
    a = make_user("buyer", "a@general.example", organisation="Alpha General Hospital", verified=True)
    b = make_user("buyer", "b@clinic.example", organisation="Beta Family Clinic", verified=True)
    c = make_user("buyer", "c@unverified.example", organisation="Gamma Unverified Care", verified=True)
    # A: 100 counted two days ago at 20 a day: 60 left today; a second request with days only is the
    # same facility (not counted twice, not "without use").
    counted = make_request(a, days_of_supply="", stock_on_hand="100", avg_daily_use="20",
                           stock_counted_on=str(today - timedelta(days=2)), quantity="1000")
    make_request(a, days_of_supply="4", quantity="500")
    make_request(b, days_of_supply="5", quantity="800")  # days only: not projected, counted
    make_request(c, days_of_supply="", stock_on_hand="10", avg_daily_use="99")
    c.organisation.verified_at = None  # verification withdrawn: left out, as in matching
    supplier = make_user("supplier", "sales@harbor.example")
    fast = make_lead(supplier, quantity="300", lead_time_days="3", min_order_qty="")
    slow = make_lead(supplier, quantity="50", lead_time_days="", min_order_qty="", email="ops@harbor.example")
    # Two offers fully held by matches with a confirmed delivery date (so the free pool is as before).
    confirmed = make_lead(supplier, quantity="40", lead_time_days="2", min_order_qty="", email="ship@harbor.example")
    overdue = make_lead(supplier, quantity="20", lead_time_days="10", min_order_qty="", email="late@harbor.example")
    for lead in (fast, slow, confirmed, overdue):
        approve(lead)
    _match(counted, fast, 30, "delivered", today - timedelta(days=1))   # after the count: +30 on hand
    _match(counted, fast, 10, "delivered", today - timedelta(days=3))   # before it: already counted
    _match(counted, fast, 100, "proposed", today)                       # arrives today + 3
    _match(counted, slow, 50, "accepted", today - timedelta(days=10))   # accepted 10 days ago + 14 = today + 4
    # Ordered yesterday with lead time 2 (today + 1 by lead time), but the supplier confirmed today + 6.
    _match(counted, confirmed, 40, "ordered", today - timedelta(days=1), delivery_on=today + timedelta(days=6))
    # Proposed today with lead time 10, confirmed for yesterday: overdue, so it counts today.
    _match(counted, overdue, 20, "proposed", today, delivery_on=today - timedelta(days=1))
    db.session.commit()
    # The free lots are what the plan gives open requests (services.planning.planned_supply): here
    # all of the fast offer's free 160 units.
    planning.run_matching(trigger_fact("command"))

    rows = {row.category: row for row in shortfall.shortfall_projection()}
    assert list(rows) == [value for value, _ in PRODUCT_CATEGORIES]
    n95 = rows["n95_respirator"]
    # By hand: A has 60 + 30 = 90 today and uses 20 a day. Day 0 the overdue confirmed 20 arrive
    # (110 -> 90), then 70, 50 after days 1-2. Day 3: the proposal's 100 and the free 300 - 140 held =
    # 160 arrive (stock 150 -> 130, pool 160); day 4 the accepted 50 (180 -> 160); day 5 140; day 6
    # the ordered 40 on their confirmed date (180 -> 160), not on day 1 as by lead time. Own stock
    # lasts to day 14 (160 / 20 = 8 more days), the pool days 15-22; days 23-27 are 20 short each:
    # first short on day 23 (week 4, 100 units that week), 100 in all
    # (28 x 20 = 560 used; 90 + 20 + 100 + 50 + 40 + 160 = 460 came).
    assert (n95.facilities, n95.requests_without_use) == (1, 1)
    assert [d.arrived for d in n95.days[:7]] == [20, 0, 0, 260, 50, 0, 40]
    assert [int(d.stock_left) for d in n95.days[:7]] == [90, 70, 50, 130, 160, 140, 160]
    assert n95.days[3].pool_left == 160
    assert (n95.first_short_on, n95.first_short_week) == (today + timedelta(days=23), 4)
    assert (n95.short_in_first_week, n95.short_units) == (100, 100)
    assert n95.starts_on == today and [d.day for d in n95.days] == list(range(28))
    quiet = rows["goggles"]
    assert (quiet.facilities, quiet.first_short_on, quiet.short_units) == (0, None, 0)




def test_a_facility_projects_from_its_newest_count_and_a_legacy_request_from_its_days(app_ctx):
    """Each facility's burn is its open request with the newest count (on a tie the later request);
    a request with a daily use but no count or count date (stored before counts were) has its stated
    days of supply, aged from the city's date of its creation, times that use on hand."""
    today = demand.today()
    a = make_user("buyer", "a@general.example", organisation="Alpha General Hospital", verified=True)
    b = make_user("buyer", "b@clinic.example", organisation="Beta Family Clinic", verified=True)
    c = make_user("buyer", "c@care.example", organisation="Gamma Care Home", verified=True)

    def counted(buyer, category, on_hand, use, days_ago):
        return make_request(buyer, category=category, days_of_supply="", stock_on_hand=on_hand, avg_daily_use=use,
                            stock_counted_on=str(today - timedelta(days=days_ago)))

    # N95: the count of yesterday (200 at 20 a day: 180 today), not the older one of 5 days ago.
    counted(a, "n95_respirator", "1000", "10", 5)
    counted(a, "n95_respirator", "200", "20", 1)
    # Gloves: both counted 2 days ago; the later request's 500 at 50 a day (400 today) is the burn.
    counted(b, "nitrile_gloves", "300", "10", 2)
    counted(b, "nitrile_gloves", "500", "50", 2)
    # Goggles: 6 days of supply stated 2 days ago at 10 a day, no count: 4 days, 40 units today.
    legacy = counted(c, "goggles", "100", "10", 0)
    legacy.stock_on_hand, legacy.stock_counted_on, legacy.days_of_supply = None, None, 6
    legacy.created_at = _at(today - timedelta(days=2))
    db.session.commit()

    rows = {row.category: row for row in shortfall.shortfall_projection()}
    # stock_left of day 0: on hand today less a day's use (no lots arrive: no match, no plan).
    assert [(rows[c].facilities, rows[c].requests_without_use, rows[c].days[0].use, int(rows[c].days[0].stock_left))
            for c in ("n95_respirator", "nitrile_gloves", "goggles")] == [(1, 0, 20, 160), (1, 0, 50, 350), (1, 0, 10, 30)]
