"""Pages show moments on the city's clock (CITY_TIMEZONE), not in UTC (domain.i18n.format_moment):
when a lead was submitted, a notification, a vetter's claim, in the reader's language with the zone
named. The stored timestamps and the API stay UTC (ISO 8601).

The given example: a lead submitted at 03:00 UTC on 12 January 2027 was submitted on the evening of
11 January in Los Angeles. The second example: a notification of a summer evening (PDT), which in a
city on Madrid's clock is already the next day.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from marketplace.app import create_app
from marketplace.domain import i18n
from marketplace.extensions import db
from marketplace.models import Lead, Notification, User
from tests.conftest import approve, bearer, fetch_token, login, make_api_token, make_lead, make_user
from tests.web.test_derived_leaks import _plain_text, _spaced

SUBMITTED = datetime(2027, 1, 12, 3, 0, tzinfo=UTC)  # 7 PM PST on 11 January in Los Angeles
NOTIFIED = datetime(2027, 7, 12, 23, 5, tzinfo=UTC)  # 4:05 PM PDT on 12 July; 1:05 on the 13th in Madrid


# The pages' text as read (_plain_text): Babel's narrow no-break space before AM/PM is a space.


def reader(client, locale: str):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = locale
    return client


@pytest.fixture
def lead_of_a_winter_evening(clean_app):
    with clean_app.app_context():
        supplier = make_user("supplier", "sales@harbor.example.com")
        make_user("vetter", "vera@city.example.gov")
        lead = make_lead(supplier)
        db.session.execute(update(Lead).where(Lead.id == lead.id).values(created_at=SUBMITTED))
        db.session.commit()
        return lead.id


@pytest.mark.parametrize(("locale", "shown"), [
    ("en", "Jan 11, 2027, 7:00 PM PST"),
    ("es", "11 ene 2027, 19:00 GMT-08:00"),
])
def test_when_a_lead_was_submitted_is_the_citys_evening_not_the_utc_night(
        clean_app, client, lead_of_a_winter_evening, locale, shown):
    lead_id = lead_of_a_winter_evening
    login(reader(client, locale), "vera@city.example.gov")
    staff = _plain_text(client.get(f"/staff/leads/{lead_id}").get_data(as_text=True))
    supplier = reader(clean_app.test_client(), locale)
    login(supplier, "sales@harbor.example.com")
    own = _plain_text(supplier.get(f"/leads/{lead_id}").get_data(as_text=True))
    mine = _plain_text(supplier.get("/leads").get_data(as_text=True))
    for text in (staff, own, mine):
        assert shown in text
        assert "UTC" not in text and "3:00" not in text
        assert ("Jan 12, 2027" if locale == "en" else "12 ene 2027") not in text


def test_the_api_keeps_the_moment_in_utc(clean_app, lead_of_a_winter_evening):
    with clean_app.app_context():
        vetter = db.session.execute(select(User).where(User.email == "vera@city.example.gov")).scalar_one()
        secret = make_api_token(vetter)
    body = clean_app.test_client().get(f"/api/v1/leads/{lead_of_a_winter_evening}", headers=bearer(secret)).get_json()
    assert body["created_at"] == "2027-01-12T03:00:00+00:00"


@pytest.fixture
def summer_notification(clean_app, lead_of_a_winter_evening):
    with clean_app.app_context():
        vetter = db.session.execute(select(User).where(User.email == "vera@city.example.gov")).scalar_one()
        approve(db.session.get(Lead, lead_of_a_winter_evening), vetter)
        db.session.execute(update(Notification).values(created_at=NOTIFIED))
        db.session.commit()


@pytest.mark.parametrize(("zone", "locale", "shown", "not_shown"), [
    ("America/Los_Angeles", "en", "Jul 12, 2027, 4:05 PM PDT", "Jul 13"),
    ("America/Los_Angeles", "es", "12 jul 2027, 16:05 GMT-07:00", "13 jul"),
    ("Europe/Madrid", "en", "Jul 13, 2027, 1:05 AM GMT+02:00", "Jul 12"),
    ("Europe/Madrid", "es", "13 jul 2027, 1:05 CEST", "12 jul"),
])
def test_a_notification_of_a_summer_evening_in_two_cities(clean_app, client, summer_notification,
                                                          zone, locale, shown, not_shown):
    before = i18n.city_zone()
    i18n.configure_zone(ZoneInfo(zone))  # as the app does at start from CITY_TIMEZONE (tested below)
    try:
        login(reader(client, locale), "sales@harbor.example.com")
        page = _plain_text(client.get("/notifications").get_data(as_text=True))
    finally:
        i18n.configure_zone(before)
    assert shown in page
    assert not_shown not in page and "UTC" not in page and "23:05" not in page


def test_the_app_shows_moments_on_the_clock_its_setting_names():
    before = i18n.city_zone()
    try:
        create_app("testing", CITY_TIMEZONE="Europe/Madrid")
        assert i18n.city_zone() == ZoneInfo("Europe/Madrid")
    finally:
        i18n.configure_zone(before)


@pytest.mark.parametrize("locale", ["en", "es"])
def test_a_claim_says_until_when_on_the_citys_clock(clean_app, client, lead_of_a_winter_evening, locale):
    lead_id = lead_of_a_winter_evening
    login(reader(client, locale), "vera@city.example.gov")
    response = client.post(f"/staff/leads/{lead_id}/claim",
                           data={"csrf_token": fetch_token(client, f"/staff/leads/{lead_id}")}, follow_redirects=True)
    with clean_app.app_context():
        claimed_at = db.session.get(Lead, lead_id).claimed_at
        with i18n.use_locale(locale):
            at = i18n.format_time_of_day(claimed_at)
    assert re.search(r"P[SD]T$" if locale == "en" else r"GMT-0[78]:00$", at)
    text = _plain_text(response.get_data(as_text=True))
    assert _spaced(at) in text and "UTC" not in text
    queue = _plain_text(client.get("/staff/leads").get_data(as_text=True))
    assert "UTC" not in queue and re.search(r"(until|hasta las) \d{1,2}:\d\d", queue)
