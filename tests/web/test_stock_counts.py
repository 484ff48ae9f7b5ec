"""Urgency that ages (issue 11 item 14), through the buyer's form, the pages, the allocation and the
demand import: a request keeps its stock facts and its days of supply count down each day."""
from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace.domain import allocation
from marketplace.domain.demand import DEMAND_COLUMNS
from marketplace.extensions import db
from marketplace.models import DemandRequest
from marketplace.services import demand, supply
from marketplace.services.planning import unfilled_urgent
from tests.conftest import login, make_request, make_user, post_form, valid_demand
from tests.web.test_lead_form_figures import field_errors


def buyer(client, clean_app):
    with clean_app.app_context():
        make_user("buyer", "stock@hospital.example", verified=True)
    login(client, "stock@hospital.example")


def only_request(clean_app) -> DemandRequest:
    with clean_app.app_context():
        request = db.session.execute(select(DemandRequest)).scalar_one()
        db.session.expunge(request)
        return request


def test_the_form_works_out_daily_use_from_two_counts(client, clean_app):
    buyer(client, clean_app)
    with clean_app.app_context():
        today = demand.today()
    fields = valid_demand(days_of_supply="", first_count="2,000", first_counted_on=str(today - timedelta(days=8)),
                          received_between="800", stock_on_hand="1400",
                          stock_counted_on=str(today - timedelta(days=1)))
    assert post_form(client, "/buyer/requests/new", fields).status_code == 302
    request = only_request(clean_app)
    # (2,000 + 800 - 1,400) / 7 days = 200 a day; 1,400 last 7 days from yesterday: 6 today.
    assert (request.stock_on_hand, request.avg_daily_use, request.days_of_supply) == (1400, Decimal(200), 7)
    assert request.stock_counted_on == today - timedelta(days=1)
    page = client.get(f"/buyer/requests/{request.id}").get_data(as_text=True)
    assert "1,400 units on hand" in page and "using 200 a day" in page
    assert "<dd>6" in page.replace("\n", "").replace("  ", "")


def test_the_form_says_what_is_wrong_by_the_field(client, clean_app):
    buyer(client, clean_app)
    with clean_app.app_context():
        today = demand.today()
    later = post_form(client, "/buyer/requests/new", valid_demand(
        days_of_supply="", first_count="2000", first_counted_on=str(today), stock_on_hand="1400",
        stock_counted_on=str(today - timedelta(days=2))))
    assert later.status_code == 200
    assert "must be dated before the second count" in field_errors(later.get_data(as_text=True))["first_counted_on"]
    negative = post_form(client, "/buyer/requests/new", valid_demand(days_of_supply="", stock_on_hand="300",
                                                                     avg_daily_use="-20"))
    assert "must be more than 0" in field_errors(negative.get_data(as_text=True))["avg_daily_use"]
    nothing = post_form(client, "/buyer/requests/new", valid_demand(days_of_supply=""))
    assert "Give the days of supply left" in field_errors(nothing.get_data(as_text=True))["days_of_supply"]
    with clean_app.app_context():
        assert db.session.execute(select(DemandRequest)).first() is None


def _age(clean_app, request_id: int, days: int, *, legacy: bool = False) -> None:
    """Move a request's count ``days`` back; ``legacy``: a row from before 0018 (no count date)."""
    with clean_app.app_context():
        request = db.session.get(DemandRequest, request_id)
        request.stock_counted_on = None if legacy else request.stock_counted_on - timedelta(days=days)
        request.created_at = request.created_at - timedelta(days=days)
        db.session.commit()


def test_days_stated_a_week_ago_are_fewer_today_everywhere(client, clean_app):
    with clean_app.app_context():
        owner = make_user("buyer", "aging@hospital.example", verified=True)
        stated = make_request(owner, days_of_supply="12").id
        legacy = make_request(owner, days_of_supply="9", category="isolation_gown").id
    _age(clean_app, stated, 7)
    _age(clean_app, legacy, 7, legacy=True)
    with clean_app.app_context():
        needs = {n.id: n for n in supply.open_needs()}
        # 12 - 7 = 5 days: urgency weight 4 (a week or less), not 2 as the stored 12 would give.
        assert needs[stated].days_of_supply == 5 and allocation.urgency_weight(needs[stated].days_of_supply) == 4
        assert needs[legacy].days_of_supply == 2  # 9 stated at creation a week ago
        # The urgent-and-unfilled list reads the same days (both are a week or less now).
        assert {u.request.id for u in unfilled_urgent(None)} == {stated, legacy}
    login(client, "aging@hospital.example")
    home = client.get("/buyer/").get_data(as_text=True)
    assert "<td>5</td>" in home and "<td>2</td>" in home and "<td>12</td>" not in home
    detail = client.get(f"/buyer/requests/{stated}").get_data(as_text=True)
    assert "12 stated on" in detail
    # Saving the edit form unchanged keeps the statement and its date: nothing changed.
    edit = client.get(f"/buyer/requests/{stated}/edit").get_data(as_text=True)
    assert 'name="days_of_supply" type="text" value="5"' in edit or 'value="5"' in edit
    before = only_count(clean_app, stated)
    form = {**valid_demand(days_of_supply="5"), "needed_by": str(before[2])}
    saved = post_form(client, f"/buyer/requests/{stated}/edit", form, follow_redirects=True)
    assert "Nothing was changed." in saved.get_data(as_text=True)
    assert only_count(clean_app, stated) == before


def only_count(clean_app, request_id: int):
    with clean_app.app_context():
        request = db.session.get(DemandRequest, request_id)
        return request.days_of_supply, request.stock_counted_on, request.needed_by


def demand_csv(columns, *rows: str) -> io.StringIO:
    return io.StringIO("\n".join([",".join(columns), *rows]) + "\n")


def test_the_import_takes_stock_columns_and_old_files_keep_importing(app_ctx):
    soon = (demand.today() + timedelta(days=10)).isoformat()
    counted = (demand.today() - timedelta(days=2)).isoformat()
    old = demand.import_demand(demand_csv(DEMAND_COLUMNS, f"R1,County General,n95_respirator,900,1.2,{soon},90033,6,"
                                                          "hospital,"), actor_id=None)
    assert (old.imported, old.rejected) == (1, [])
    columns = (*DEMAND_COLUMNS, "stock_on_hand", "stock_counted_on", "avg_daily_use")
    new = demand.import_demand(demand_csv(
        columns,
        f"R2,County General,n95_respirator,900,1.2,{soon},90033,,hospital,,1000,{counted},100",
        f"R3,County General,nitrile_gloves,900,0.2,{soon},90033,,hospital,,500,,50",  # counted today by default
        f"R4,County General,nitrile_gloves,900,0.2,{soon},90033,30,hospital,,500,,50",  # 10 days, not 30
        f"R5,County General,nitrile_gloves,900,0.2,{soon},90033,,hospital,,500,,",
    ), actor_id=None)
    assert new.imported == 2 and [r.row for r in new.rejected] == [4, 5]  # each row whole or not at all
    assert "days_of_supply: 500 units counted on" in new.rejected[0].reason and "not 30" in new.rejected[0].reason
    assert new.rejected[1].reason.startswith("avg_daily_use: Give the average daily use")
    again = demand.import_demand(demand_csv(
        columns,
        f"R2,County General,n95_respirator,900,1.2,{soon},90033,,hospital,,1000,{counted},100",
        f"R3,County General,nitrile_gloves,900,0.2,{soon},90033,,hospital,,500,,50",
    ), actor_id=None)
    assert (again.imported, again.unchanged, again.rejected) == (0, 2, [])  # the same file again stores nothing
    rows = {r.external_id: r for r in db.session.execute(select(DemandRequest)).scalars()}
    assert demand.days_of_supply_now(rows["R2"]) == 8  # 10 days two days ago
    assert (rows["R3"].stock_counted_on, demand.days_of_supply_now(rows["R3"])) == (demand.today(), 10)
    assert rows["R1"].stock_counted_on == demand.today() and rows["R1"].stock_on_hand is None
