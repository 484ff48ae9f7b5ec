"""Dates and the city's clock on the buyer's form and the demand import (issue 11 item 13):
ambiguous day/month refused next to the field or per row, a needed-by date that disagrees with the
days of supply asked to confirm on the form and reported per row on import, and "today" the city's."""
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from config import load_config
from marketplace.domain.demand import DEMAND_COLUMNS
from marketplace.extensions import db
from marketplace.models import DemandRequest
from marketplace.services import demand
from tests.conftest import login, make_user, post_form, valid_demand
from tests.web.test_lead_form_figures import confirmed_digest, field_errors


def buyer(client, clean_app):
    with clean_app.app_context():
        make_user("buyer", "buyer@hospital.example", verified=True)
    login(client, "buyer@hospital.example")


def saved(clean_app) -> list[DemandRequest]:
    with clean_app.app_context():
        return list(db.session.execute(db.select(DemandRequest)).scalars())


def in_days(days: int) -> date:
    return demand.today() + timedelta(days=days)


def demand_csv(*rows: str) -> io.StringIO:
    return io.StringIO("\n".join([",".join(DEMAND_COLUMNS), *rows]) + "\n")


def test_an_ambiguous_date_on_the_form_is_refused_next_to_the_field(client, clean_app):
    buyer(client, clean_app)
    with clean_app.app_context():
        year = in_days(40).year + 1
    for typed, says in ((f"07/01/{year}", f"{year}-01-07 or 7 Jan {year}"),
                        (f"05/06/{year}", f"{year}-06-05 or 5 Jun {year}")):
        page = post_form(client, "/buyer/requests/new", valid_demand(needed_by=typed))
        assert page.status_code == 200 and saved(clean_app) == []
        assert says in field_errors(page.get_data(as_text=True))["needed_by"]


def test_an_unmistakable_date_on_the_form_is_read(client, clean_app):
    buyer(client, clean_app)
    with clean_app.app_context():
        day = in_days(10)
    typed = f"{day.day} {day.strftime('%b')} {day.year}"  # e.g. "10 Dec 2026"
    assert post_form(client, "/buyer/requests/new", valid_demand(needed_by=typed)).status_code == 302
    [request] = saved(clean_app)
    assert request.needed_by == day


def test_a_needed_by_date_long_after_the_stock_runs_out_is_saved_only_once_confirmed(client, clean_app):
    buyer(client, clean_app)
    with clean_app.app_context():
        fields = valid_demand(needed_by=in_days(200).isoformat(), days_of_supply="4")
    first = post_form(client, "/buyer/requests/new", fields)
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and saved(clean_app) == []
    assert "200 days away, but 4 days of supply" in field_errors(html)["needed_by"]
    done = post_form(client, "/buyer/requests/new", {**fields, "confirm_figures": "y",
                                                     "confirmed_figures": confirmed_digest(html)})
    assert done.status_code == 302 and len(saved(clean_app)) == 1


def test_the_import_refuses_an_ambiguous_row_and_warns_on_a_disagreeing_one(app_ctx):
    year = in_days(40).year + 1
    report = demand.import_demand(demand_csv(
        f"R1,County General,n95_respirator,1000,1.00,07/01/{year},90033,4,hospital,",   # the row
        f"R2,County General,n95_respirator,1000,1.00,{in_days(120).isoformat()},90033,3,hospital,",
        f"R3,County General,n95_respirator,1000,1.00,{in_days(10).isoformat()},90033,5,hospital,",
    ), actor_id=None)
    assert report.imported == 2
    [rejected] = report.rejected
    assert rejected.row == 2 and f"{year}-01-07 or 7 Jan {year}" in rejected.reason
    [warning] = report.warnings
    assert warning.row == 3 and warning.message.startswith("needed_by: Needed by")
    assert "120 days away, but 3 days of supply" in warning.message


def test_today_is_the_city_date_after_4_pm_in_los_angeles(client, clean_app, monkeypatch):
    # 00:30 UTC on 7 January is 16:30 on 6 January in Los Angeles
    monkeypatch.setattr("marketplace.services.demand.utcnow", lambda: datetime(2027, 1, 7, 0, 30, tzinfo=UTC))
    with clean_app.app_context():
        assert demand.today() == date(2027, 1, 6)
    buyer(client, clean_app)
    fields = valid_demand(needed_by="2027-01-06", days_of_supply="1")
    assert post_form(client, "/buyer/requests/new", fields).status_code == 302  # not "in the past"
    monkeypatch.setitem(clean_app.config, "CITY_TIMEZONE", "Europe/Berlin")  # 01:30 on the 7th there
    with clean_app.app_context():
        assert demand.today() == date(2027, 1, 7)
    page = post_form(client, "/buyer/requests/new", valid_demand(needed_by="2027-01-06", days_of_supply="1"))
    assert "in the past" in field_errors(page.get_data(as_text=True))["needed_by"]


def test_a_misspelt_city_timezone_stops_the_start(monkeypatch):
    monkeypatch.setenv("CITY_TIMEZONE", "America/Los_Angels")
    with pytest.raises(RuntimeError, match="CITY_TIMEZONE 'America/Los_Angels' is not a known time zone"):
        load_config("testing")
