"""Every day a person reads is written as their language writes a day (issue 13, item 1: "Dates,
numbers and money are formatted for the locale with Babel"): "Jan 12, 2027" / "12 ene 2027", never the
ISO ``2027-01-12`` that files, the API and form fields keep.

The kind: a date shown to a reader. It was shown raw in about ten templates (a quote's validity, a
request's needed-by date, a delivery date, a stock count's date, the dashboard's first short day), in
flashes and form messages, and in stored facts (notifications and their e-mails keep ISO days as
parameters). One filter (``|day``) and one function (``i18n.format_day``) write them; this test
crawls every page each role can reach, in both languages, in a world that shows every kind of day
(a lapsed quote, an overdue request, a delivery date with the one it replaced, a counted stock,
a shortfall), and reads every e-mail sent; no ISO day may be in the text a person reads.

Moments (a day and a time of day) are the same kind on the clock: shown on the city's clock
(``|when``, ``|when_short``, ``|time_of_day``: ``i18n.format_moment``), never as a UTC time
("03:00 UTC") or an ISO timestamp (2027-01-12T03:00, caught as an ISO day). The world holds a live
claim, whose times the lead's page and the queue show.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.domain import i18n, messages
from marketplace.extensions import db
from marketplace.models import DemandRequest, Lead, Match, OutboxEmail, User
from marketplace.services import dashboard, demand, matches, notifications, quotes, vetting
from tests.conftest import approve, login, make_lead, make_request
from tests.web.test_access_matrix import crawl, every_get_url
from tests.web.test_derived_leaks import DerivedWorld, _plain_text, _spaced

ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
# A time said in UTC rather than on the city's clock ("03:00 UTC", "Dec 3, 2026, 14:05 UTC").
UTC_TIME = re.compile(r"\bUTC\b")
# Quoted as stored, not a day to read: staff's raw audit detail and a registry's version (<code>), a
# source's citation (<cite>), and a field's hint, which gives ISO as one way to type a day ("e.g.
# 2027-01-21 or 21 Jan 2027").
QUOTED = re.compile(r"<(code|cite)\b.*?</\1>", re.S)
HINT = re.compile(r"(e\.g\.|p\. ej\.,) \d{4}-\d{2}-\d{2}")


def read_days(body: str) -> str:
    """The text a person reads as days: quoted data and typing hints left out."""
    return HINT.sub(" ", _plain_text(QUOTED.sub(" ", body)))


class DaysWorld(DerivedWorld):
    """The derived-leaks world, and every kind of day a page or e-mail may show."""

    def __init__(self, app, locale: str):
        super().__init__(app, locale)
        with app.app_context():
            today = demand.today()
            buyer = db.session.execute(select(User).where(User.email == self.emails["buyer"])).scalar_one()
            supplier = db.session.execute(select(User).where(User.email == self.emails["supplier"])).scalar_one()
            vetter = db.session.execute(select(User).where(User.email == self.emails["vetter"])).scalar_one()
            accepted = db.session.execute(select(Match).where(Match.status == "accepted")).scalars().first()
            # A delivery date, then a new one: told to the buyer with the one it replaces.
            for days in (9, 12):
                matches.act_on_match(accepted, supplier, "set_delivery_date", delivery_on=today + timedelta(days=days))
                db.session.commit()
            # A quote that lapsed and a request whose needed-by date passed: both asked about.
            lapsed = make_lead(supplier, unit_price="2.10", quantity="9000", company_name="Lapsed Gloves Ltd")
            approve(lapsed, vetter)
            overdue = make_request(buyer, category="face_shield", quantity="300", days_of_supply="30")
            db.session.execute(Lead.__table__.update().where(Lead.id == lapsed.id)
                               .values(valid_until=today - timedelta(days=2)))
            db.session.execute(DemandRequest.__table__.update().where(DemandRequest.id == overdue.id)
                               .values(needed_by=today - timedelta(days=3)))
            db.session.commit()
            quotes.ask_due(today)
            db.session.commit()
            claimed = make_lead(supplier, quantity="4000", company_name="Claimed Masks Co")
            vetting.claim(claimed, vetter)  # a live claim: its times on the lead's page and the queue
            db.session.commit()
            self.claimed_id = claimed.id
            notifications.send_pending()
            dashboard.refresh()
            db.session.commit()
            self.ids["lead_id"].append(lapsed.id)
            self.ids["request_id"].append(overdue.id)
            self.ids["lead_id"].insert(1, self.claimed_id)
            db.session.remove()
        self.clients["admin"] = app.test_client()
        self.clients["admin"].environ_base["HTTP_ACCEPT_LANGUAGE"] = locale
        login(self.clients["admin"], self.emails["admin"])


@pytest.fixture(params=list(i18n.LANGUAGES))
def world(clean_app, request):
    return DaysWorld(clean_app, request.param)


@pytest.mark.parametrize("role", ["anonymous", "supplier", "buyer", "vetter", "admin"])
def test_no_page_shows_an_iso_day_or_a_utc_time(world, clean_app, role):
    client = world.clients[role]
    failures, pages = [], 0
    for url, response in crawl(clean_app, client, ["/"] + every_get_url(clean_app, world.ids)):
        assert response.status_code < 500, f"{url}: {response.status_code}"
        if response.mimetype != "text/html" or response.status_code != 200 or url.startswith("/api/"):
            continue  # the API's docs page describes its fields, whose days are ISO by design
        pages += 1
        text = read_days(response.get_data(as_text=True))
        failures += [f"{url}: …{text[max(0, m.start() - 60):m.end() + 20]}…"
                     for pattern in (ISO_DAY, UTC_TIME) for m in pattern.finditer(text)]
    assert pages >= 5
    assert failures == [], "\n".join(failures)


def test_the_days_are_there_in_the_readers_words(world, clean_app):
    """The control: the pages do show the days, written the reader's way (so that the crawl above
    cannot pass by showing none)."""
    with clean_app.app_context():
        lapsed_id, overdue_id = world.ids["lead_id"][-1], world.ids["request_id"][-1]
        with i18n.use_locale(world.locale):
            until = i18n.format_day(db.session.get(Lead, lapsed_id).valid_until)
            needed_by = i18n.format_day(db.session.get(DemandRequest, overdue_id).needed_by)
            delivery = i18n.format_day(db.session.execute(select(Match.delivery_on).where(
                Match.delivery_on.is_not(None))).scalar_one())
    assert until in _plain_text(world.clients["vetter"].get(f"/staff/leads/{lapsed_id}").get_data(as_text=True))
    assert until in _plain_text(world.clients["supplier"].get(f"/leads/{lapsed_id}").get_data(as_text=True))
    assert needed_by in _plain_text(world.clients["buyer"].get(f"/buyer/requests/{overdue_id}").get_data(as_text=True))
    with clean_app.app_context():
        match_id = db.session.execute(select(Match.id).where(Match.delivery_on.is_not(None))).scalar_one()
    assert delivery in _plain_text(world.clients["buyer"].get(f"/matches/{match_id}").get_data(as_text=True))
    # Moments: when the lead was submitted and until when it is claimed, on the city's clock.
    lead_id = world.claimed_id
    with clean_app.app_context():
        lead = db.session.get(Lead, lead_id)
        with i18n.use_locale(world.locale):
            submitted, until = i18n.format_moment(lead.created_at), i18n.format_time_of_day(vetting.claimed_until(lead))
    staff_page = _plain_text(world.clients["vetter"].get(f"/staff/leads/{lead_id}").get_data(as_text=True))
    assert _spaced(submitted) in staff_page and _spaced(until) in staff_page


def test_no_email_or_notification_says_an_iso_day_or_a_utc_time(world, clean_app):
    with clean_app.app_context():
        emails = list(db.session.execute(select(OutboxEmail)).scalars())
        texts = [f"e-mail to {e.to_address}: {e.subject} {e.body}" for e in emails]
        assert any("deliver" in t or "entreg" in t for t in texts), "the delivery date should have been told"
    failures = [t for t in texts if ISO_DAY.search(t) or UTC_TIME.search(t)]
    assert failures == []


@pytest.mark.parametrize("locale", list(i18n.LANGUAGES))
def test_a_stored_iso_day_in_any_fact_is_written_for_the_reader(locale):
    """The second example of the kind, in the domain: every day parameter of a stored fact."""
    with i18n.use_locale(locale):
        for code in ("match_delivery_date", "request_overdue", "quote_confirm"):
            params = {"match_id": 3, "demand_id": 4, "lead_id": 5, "quantity": 100, "category": "nitrile_gloves",
                      "delivery_on": "2027-01-12", "previous": "2027-01-08", "needed_by": "2027-01-07",
                      "company": "Harbor", "valid_until": "2027-01-21", "lapsed": True}
            for role in ("staff", "buyer", "supplier"):
                text = messages.render_notification(messages.fact(code, **params), role) or ""
                assert not ISO_DAY.search(text), (code, role, text)
        subject, _body = messages.render_digest([("x", "https://x.example/1")], "2027-01-12", "https://x.example")
        assert i18n.format_day("2027-01-12") in subject and "2027-01-12" not in subject
