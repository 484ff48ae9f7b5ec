"""Histories in words (issue 11, item 2): the request, match and lead histories read as sentences
for each role, never raw JSON for buyers and suppliers, and never the other party's private
fields (a supplier never reads the buyer's maximum price or days of supply; nobody but staff reads
a vetter's e-mail or internal notes)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from marketplace.domain.history import HISTORY, Entry, changes, describe
from marketplace.domain.messages import BUYER, STAFF, SUPPLIER, trigger_fact
from marketplace.extensions import db
from marketplace.models import Match
from marketplace.services import demand, matches, planning, vetting
from tests.conftest import login, make_lead, make_request, make_user


def history_of(html: str) -> str:
    found = re.search(r"<h2>History</h2>(.*?)</section>", html, re.S)
    assert found, "no history on the page"
    return re.sub(r"\s+", " ", found.group(1))


@pytest.fixture
def story(app_ctx):
    """A buyer's request (edited: maximum price and days of supply), a supplier's lead (asked,
    escalated with an internal note, answered, approved), released, accepted and ordered."""
    buyer = make_user("buyer", "nurse@stvincent.example.org", verified=True)
    supplier = make_user("supplier", "sales@harbor.example.com")
    vetter = make_user("vetter", "vera.vetter@city.example.gov")
    admin = make_user("admin", "admin@city.example.gov")
    request = make_request(buyer, max_unit_price="1.50", days_of_supply="5")
    from marketplace.domain.demand import parse_demand
    from tests.conftest import valid_demand

    values, errors = parse_demand(valid_demand(max_unit_price="1.60", days_of_supply="3"), demand.today())
    assert not errors
    demand.update_request(request, values, actor=buyer)
    db.session.commit()
    lead = make_lead(supplier, quantity="5000")
    vetting.decide(lead, vetter, "request_info", "Which NIOSH approval number?")
    vetting.decide(lead, supplier, "answer", "TC-84A-1234")
    vetting.decide(lead, vetter, "escalate", "INTERNAL: price looks like the Shenzhen ring")
    vetting.decide(lead, admin, "approve_escalated", "INTERNAL: checked with NIOSH by phone")
    db.session.commit()
    planning.release_plan(planning.run_matching(trigger_fact("command")), vetter)
    db.session.commit()
    match = db.session.execute(select(Match)).scalar_one()
    matches.act_on_match(match, buyer, "accept")
    matches.act_on_match(match, buyer, "mark_ordered")
    db.session.commit()
    return dict(buyer=buyer, supplier=supplier, vetter=vetter, admin=admin, request=request.id, lead=lead.id,
                match=match.id)


def _page(client, user, path) -> str:
    if getattr(client, "signed_in_as", None) != user.email:
        login(client, user.email)
        client.signed_in_as = user.email
    response = client.get(path)
    assert response.status_code == 200, path
    return history_of(response.get_data(as_text=True))


def test_the_buyer_reads_the_request_and_match_history_in_words(story, client):
    text = _page(client, story["buyer"], f"/buyer/requests/{story['request']}")
    assert "Request posted by you: 20,000 N95" in text
    assert "maximum unit price $1.50 → $1.60" in text and "days of supply 5 → 3" in text
    assert "{" not in text and "max_unit_price" not in text
    match_text = _page(client, story["buyer"], f"/matches/{story['match']}")
    assert "Proposed: 5,000 units, from the city&#39;s allocation plan by city staff" in match_text
    assert "Accepted by you" in match_text and "Marked as ordered by you" in match_text
    assert "{" not in match_text and "vera.vetter" not in match_text


def test_the_supplier_reads_the_match_and_lead_history_without_the_buyers_or_the_citys_private_words(story, client):
    match_text = _page(client, story["supplier"], f"/matches/{story['match']}")
    assert "Accepted by the buyer" in match_text and "Marked as ordered by the buyer" in match_text
    for private in ("{", "1.60", "1.50", "days of supply", "vera.vetter"):
        assert private not in match_text, private
    lead_text = _page(client, story["supplier"], f"/leads/{story['lead']}")
    assert "The city&#39;s reviewers asked: Which NIOSH approval number?" in lead_text
    assert "Answered by you: TC-84A-1234" in lead_text
    assert "Passed to a senior reviewer" in lead_text and "Approved by the city" in lead_text
    for private in ("{", "INTERNAL", "vera.vetter", "admin@city"):
        assert private not in lead_text, private


def test_staff_read_everything_in_words_with_the_stored_values(story, client):
    text = _page(client, story["vetter"], f"/staff/leads/{story['lead']}")
    assert "Question from you: Which NIOSH approval number?" in text
    assert "Approved by admin@city.example.gov (escalated): INTERNAL: checked with NIOSH by phone" in text
    # The stored values, for staff: field by field in words, never as JSON (domain.history.details).
    assert '<small class="muted details">status: approved</small>' in text
    assert "&#34;status&#34;" not in text and '"status"' not in text


@pytest.mark.parametrize("action", sorted(HISTORY))
def test_every_known_action_reads_for_staff_and_never_raw_for_others(action):
    entry = Entry(action=action, before={"status": "proposed", "max_unit_price": "1.5"},
                  after={"status": "accepted", "quantity": 100, "max_unit_price": "1.6", "days_of_supply": 3,
                         "name": "cert.pdf"},
                  detail="words", actor_role="vetter", actor_email="v@city.example")
    assert describe(entry, STAFF)
    for role in (BUYER, SUPPLIER):
        text = describe(entry, role)
        assert text is None or ("{" not in text and "v@city.example" not in text), (action, role, text)
    supplier_text = describe(entry, SUPPLIER) or ""
    assert "1.60" not in supplier_text and "days of supply" not in supplier_text


def test_an_unknown_action_is_for_staff_only_and_a_supplier_never_reads_buyer_fields():
    entry = Entry(action="plan.release", after={"proposals": 3}, actor_role="admin", actor_email="a@city.example")
    assert describe(entry, "admin") == "Release by a@city.example"
    assert describe(entry, "buyer") is None and describe(entry, "supplier") is None
    # Second example of the kind: a change that mixes the supplier's own field and the buyer's.
    mixed = changes({"quantity": 10, "max_unit_price": "1.5", "days_of_supply": 4},
                    {"quantity": 20, "max_unit_price": "1.6", "days_of_supply": 2}, SUPPLIER)
    assert mixed == "quantity 10 → 20"
    assert "maximum unit price $1.50 → $1.60" in changes({"max_unit_price": "1.5"}, {"max_unit_price": "1.6"}, BUYER)
