"""A quantity beside a product's name on a rendered page and in an e-mail (domain.catalog.units_of):
"Match #7: 2,000 × N95 respirator" and "Proposed: 2,000 N95 respirator for your request" before;
now the name agrees with the number, in English and Spanish, one way everywhere."""
from __future__ import annotations

import re

import pytest

from marketplace.extensions import db
from marketplace.models import OutboxEmail
from marketplace.services import notifications, planning
from tests.conftest import approve, login, make_lead, make_request, make_user

EXPECTED = {
    ("en", 1): ("Match #{id}: 1 isolation gown", "Proposed: 1 isolation gown for your request #"),
    ("en", 2000): ("Match #{id}: 2,000 isolation gowns", "Proposed: 2,000 isolation gowns for your request #"),
    ("es", 1): ("Propuesta #{id}: 1 bata de aislamiento", "Propuesta: 1 bata de aislamiento para su solicitud #"),
    ("es", 2000): ("Propuesta #{id}: 2.000 batas de aislamiento",
                   "Propuesta: 2.000 batas de aislamiento para su solicitud #"),
}


def heading(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split("<h1>", 1)[1].split("</h1>", 1)[0])).strip()


@pytest.mark.parametrize("locale, quantity", list(EXPECTED))
def test_a_matchs_page_and_its_email_write_the_units_as_the_reader_does(clean_app, locale, quantity):
    with clean_app.app_context():
        buyer = make_user("buyer", "nurse@hospital.example", verified=True, locale=locale)
        vetter = make_user("vetter", "vera@city.example")
        lead = make_lead(make_user("supplier", "sales@harbor.example"), product_category="isolation_gown",
                         product_description="Level 2 isolation gown", min_order_qty="1", certification="")
        approve(lead, vetter)
        match = planning.propose(make_request(buyer, category="isolation_gown", quantity="3000"), lead.id, quantity,
                                 vetter)
        db.session.commit()
        match_id = match.id
        notifications.send_pending()
        subjects = list(db.session.execute(db.select(OutboxEmail.subject).where(
            OutboxEmail.to_address == "nurse@hospital.example")).scalars())
    page_heading, subject = EXPECTED[(locale, quantity)]
    assert any(s.startswith(subject) for s in subjects), subjects
    client = clean_app.test_client()
    login(client, "nurse@hospital.example")
    response = client.get(f"/matches/{match_id}")
    assert response.status_code == 200
    assert heading(response.get_data(as_text=True)) == page_heading.format(id=match_id)
