"""Long free text never widens a page (a fresh user's walk: a decline reason with a long unbroken
string made /matches/2 18,388 px wide, and the supplier's notifications too; a long product
description the quote page /leads/<id>/confirm 7,991 px). One rule in app.css (overflow-wrap:
anywhere on the page's text) breaks such a word; on a phone (390 px) no page scrolls sideways."""
from __future__ import annotations

import pytest

from marketplace.domain.text import MESSAGE_MAX_LENGTH, REASON_MAX_LENGTH
from marketplace.extensions import db
from marketplace.models import Match
from marketplace.services import matches
from tests.conftest import DEFAULT_PASSWORD, approve, make_lead, make_request, make_user
from tests.e2e.conftest import PHONE, sign_in
from tests.e2e.test_phone_tables import page_scrolls_sideways

pytestmark = pytest.mark.e2e

BUYER, SUPPLIER = "desk@longwords.example", "sales@longwords.example"
REASON = "W" * REASON_MAX_LENGTH  # the longest reason taken, one unbroken word
DESCRIPTION = "N95" + "M" * (MESSAGE_MAX_LENGTH - 3)


@pytest.fixture
def declined(clean_app) -> dict:
    """A match declined with REASON, of a lead described by DESCRIPTION (at the limits)."""
    with clean_app.app_context():
        buyer = make_user("buyer", BUYER, organisation="Long Words Hospital", verified=True)
        supplier = make_user("supplier", SUPPLIER)
        lead = make_lead(supplier, product_description=DESCRIPTION)
        approve(lead)
        request = make_request(buyer)
        match = Match(demand_id=request.id, lead_id=lead.id, quantity=1000, unit_price=lead.unit_price, reasons=[],
                      status="proposed")
        db.session.add(match)
        db.session.commit()
        matches.act_on_match(match, buyer, "decline", reason=REASON)
        db.session.commit()
        ids = {"match_id": match.id, "lead_id": lead.id}
        db.session.remove()
    return ids


def _width_on_a_phone(open_page, email: str, path: str, shown: str) -> int:
    page = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, email, DEFAULT_PASSWORD)
    page.goto(path)
    page.wait_for_load_state("load")
    assert shown in page.content(), f"{path} should show the long text"
    assert page.errors == []
    return page_scrolls_sideways(page)


def test_a_long_unbroken_decline_reason_stays_inside_a_phones_screen(declined, open_page):
    assert _width_on_a_phone(open_page, BUYER, f"/matches/{declined['match_id']}", REASON) <= 0
    assert _width_on_a_phone(open_page, SUPPLIER, f"/matches/{declined['match_id']}", REASON) <= 0


def test_the_suppliers_notifications_and_the_quote_page_too(declined, open_page):
    assert _width_on_a_phone(open_page, SUPPLIER, "/notifications", REASON[:200]) <= 0
    assert _width_on_a_phone(open_page, SUPPLIER, f"/leads/{declined['lead_id']}/confirm", DESCRIPTION[:200]) <= 0
