"""The match page's delivery date (issue 12 item 1): the supplier gives it when confirming and
moves it later, the buyer records it when ordering; a date that cannot be accepted is explained by
the field and nothing is stored; only the match's parties and staff see or change it."""
import html as html_lib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.domain.i18n import format_day
from marketplace.extensions import db
from marketplace.models import AuditLog, Match
from marketplace.services import demand, planning
from tests.conftest import approve, login, make_lead, make_request, make_user, post_form


@pytest.fixture
def match_id(clean_app):
    with clean_app.app_context():
        buyer = make_user("buyer", "nurse@hospital.example", verified=True)
        make_user("buyer", "ops@other-hospital.example", organisation="Other Hospital", verified=True)
        supplier = make_user("supplier", "sales@harbor.example")
        make_user("supplier", "sales@rival.example")
        vetter = make_user("vetter", "vera.vetter@city.example")
        request = make_request(buyer, max_unit_price="0.85", quantity="3000")
        lead = make_lead(supplier, unit_price="0.79", lead_time_days="7")
        approve(lead, vetter)
        found = planning.propose(request, lead.id, 2000, vetter)
        db.session.commit()
        return found.id


def _client(app, email):
    client = app.test_client()
    login(client, email)
    return client


def _act(client, match_id, **data):
    return post_form(client, f"/matches/{match_id}/act", data, form_page=f"/matches/{match_id}")


def _stored(app, match_id):
    with app.app_context():
        match = db.session.get(Match, match_id)
        audits = db.session.scalar(select(db.func.count(AuditLog.id)).where(
            AuditLog.entity_type == "match", AuditLog.entity_id == match_id))
        return match.status, match.delivery_on, audits


def _field_error(page: str) -> str:
    found = re.search(r'<p id="delivery_on-error" class="error">([^<]*)</p>', page)
    assert found, "no message by the delivery date field"
    return html_lib.unescape(found.group(1))


def _days(n: int):
    """The city's today + ``n`` days (within an app context)."""
    return demand.today() + timedelta(days=n)


def test_a_bad_date_is_explained_by_the_field_and_nothing_is_stored(clean_app, match_id):
    supplier = _client(clean_app, "sales@harbor.example")
    page = supplier.get(f"/matches/{match_id}").get_data(as_text=True)
    assert "Delivery date you expect" in page and "<dt>Delivery date</dt><dd>not confirmed yet</dd>" in page
    before = _stored(clean_app, match_id)
    with clean_app.app_context():
        yesterday, today = _days(-1), _days(0)
    for typed, message in ((yesterday.isoformat(), f"{format_day(yesterday)} is in the past: a delivery date is "
                                                   f"today ({format_day(today)}) or later."),
                           ("07/01/2027", "07/01/2027 can be read as 7 January or July 1"),
                           ("soon", "This is not a date we can read")):
        response = _act(supplier, match_id, action="confirm_availability", delivery_on=typed)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert _field_error(page).startswith(message)
        assert f'value="{html_lib.escape(typed)}"' in page  # what was typed stays in the field
    assert _stored(clean_app, match_id) == before


def test_both_parties_and_staff_read_the_date_the_supplier_confirmed_and_moved(clean_app, match_id):
    supplier = _client(clean_app, "sales@harbor.example")
    buyer = _client(clean_app, "nurse@hospital.example")
    vetter = _client(clean_app, "vera.vetter@city.example")
    with clean_app.app_context():
        first, later = _days(5), _days(8)
    written = f"{first.day} {first.strftime('%b')} {first.year}"  # the month in words
    assert _act(supplier, match_id, action="confirm_availability", delivery_on=written).status_code == 302
    assert _stored(clean_app, match_id)[:2] == ("proposed", first)
    for client, who in ((buyer, "the supplier"), (vetter, "sales@harbor.example"), (supplier, "you")):
        page = client.get(f"/matches/{match_id}").get_data(as_text=True)
        assert f"expected on {format_day(first)}" in page
        assert f"Availability confirmed by {who}, delivery expected on {format_day(first)}" in page

    assert _act(buyer, match_id, action="accept").status_code == 302
    page = supplier.get(f"/matches/{match_id}").get_data(as_text=True)
    assert "Save delivery date" in page
    # Moving it needs a date: the message is by the field.
    assert _field_error(_act(supplier, match_id, action="set_delivery_date", delivery_on="").get_data(
        as_text=True)).startswith("Give the day the supplier expects to deliver")
    assert _act(supplier, match_id, action="set_delivery_date", delivery_on=later.isoformat()).status_code == 302
    assert _stored(clean_app, match_id)[:2] == ("accepted", later)
    page = buyer.get(f"/matches/{match_id}").get_data(as_text=True)
    assert f"Delivery date confirmed by the supplier: expected on {format_day(later)} (was {format_day(first)})" in page
    assert "Save delivery date" not in page  # the buyer records a date only when ordering
    assert "Delivery date the supplier gave (optional)" in page


def test_the_buyer_records_the_date_when_ordering(clean_app, match_id):
    buyer = _client(clean_app, "nurse@hospital.example")
    supplier = _client(clean_app, "sales@harbor.example")
    assert _act(buyer, match_id, action="accept").status_code == 302
    with clean_app.app_context():
        day = _days(3)
    response = _act(buyer, match_id, action="mark_ordered", delivery_on="yesterday")
    assert _field_error(response.get_data(as_text=True)) and _stored(clean_app, match_id)[0] == "accepted"
    assert _act(buyer, match_id, action="mark_ordered", delivery_on=day.isoformat()).status_code == 302
    assert _stored(clean_app, match_id)[:2] == ("ordered", day)
    page = supplier.get(f"/matches/{match_id}").get_data(as_text=True)
    assert f"Marked as ordered by the buyer, delivery expected on {format_day(day)}" in page


def test_only_the_matchs_supplier_changes_it_and_others_do_not_see_it(clean_app, match_id):
    with clean_app.app_context():
        day = _days(4)
    buyer = _client(clean_app, "nurse@hospital.example")
    assert _act(buyer, match_id, action="accept").status_code == 302
    before = _stored(clean_app, match_id)
    for email in ("sales@rival.example", "ops@other-hospital.example"):
        outsider = _client(clean_app, email)
        assert outsider.get(f"/matches/{match_id}").status_code == 404
        token_page = "/matches/"
        response = post_form(outsider, f"/matches/{match_id}/act",
                             {"action": "set_delivery_date", "delivery_on": day.isoformat()}, form_page=token_page)
        assert response.status_code == 404
    # The match's buyer may not move the supplier's date: refused, nothing stored.
    response = _act(buyer, match_id, action="set_delivery_date", delivery_on=day.isoformat())
    assert response.status_code == 302
    assert "is not for you on this match" in html_lib.unescape(
        buyer.get(f"/matches/{match_id}").get_data(as_text=True))
    # Without a CSRF token nothing is taken, even from the supplier.
    supplier = _client(clean_app, "sales@harbor.example")
    assert supplier.post(f"/matches/{match_id}/act", data={"action": "set_delivery_date",
                                                           "delivery_on": day.isoformat()}).status_code in (302, 400)
    assert _stored(clean_app, match_id) == before
    anonymous = clean_app.test_client()
    assert anonymous.get(f"/matches/{match_id}").status_code in (302, 401)
