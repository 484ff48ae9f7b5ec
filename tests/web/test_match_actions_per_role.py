"""The match page's actions and close reasons, per role (issue 11 item 10)."""
import re

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Match, User
from marketplace.services import planning
from tests.conftest import approve, login, make_lead, make_request, make_user


def _options(html: str) -> list[str]:
    select_html = re.search(r'<select[^>]*name="close_reason".*?</select>', html, re.S)
    return re.findall(r'<option value="([^"]*)"', select_html.group(0)) if select_html else []


def _buttons(html: str) -> list[str]:
    return [b.strip() for b in re.findall(r"<button[^>]*>([^<]*)</button>", html)]


def test_each_party_sees_its_own_actions_and_reasons(clean_app):
    with clean_app.app_context():
        buyer = make_user("buyer", "nurse@hospital.example", verified=True)
        supplier = make_user("supplier", "sales@harbor.example")
        vetter = make_user("vetter", "vera.vetter@city.example")
        request = make_request(buyer, max_unit_price="0.85", quantity="3000")
        lead = make_lead(supplier, unit_price="0.79")
        approve(lead, vetter)
        match_id = planning.propose(request, lead.id, 2000, vetter).id
        db.session.commit()

    pages = {}
    clients = {}
    for role, email in (("supplier", "sales@harbor.example"), ("buyer", "nurse@hospital.example"),
                        ("vetter", "vera.vetter@city.example")):
        clients[role] = clean_app.test_client()
        login(clients[role], email)
        response = clients[role].get(f"/matches/{match_id}")
        assert response.status_code == 200
        pages[role] = response.get_data(as_text=True)

    assert "buyer_unreachable" not in _options(pages["buyer"])
    assert "supplier_unreachable" in _options(pages["buyer"])
    assert "buyer_unreachable" in _options(pages["vetter"])
    supplier_buttons = _buttons(pages["supplier"])
    assert "Confirm availability" in supplier_buttons and "Cannot supply" in supplier_buttons
    assert "Close" not in supplier_buttons and _options(pages["supplier"]) == []

    # The supplier confirms: the match stays proposed, the history says so in words.
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', pages["supplier"]).group(1)
    clients["supplier"].post(f"/matches/{match_id}/act", data={"csrf_token": csrf, "action": "confirm_availability"})
    assert "Availability confirmed by you" in clients["supplier"].get(f"/matches/{match_id}").get_data(as_text=True)
    # A buyer who forges "could not reach the buyer" is refused, and nothing changes.
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', pages["buyer"]).group(1)
    clients["buyer"].post(f"/matches/{match_id}/act",
                          data={"csrf_token": csrf, "action": "close", "close_reason": "buyer_unreachable"})
    with clean_app.app_context():
        assert db.session.execute(select(Match.status).where(Match.id == match_id)).scalar_one() == "proposed"
    # The supplier cannot supply: closed with that reason, no choice asked.
    clients["supplier"].post(f"/matches/{match_id}/act", data={"csrf_token": re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', pages["supplier"]).group(1), "action": "cannot_supply"})
    with clean_app.app_context():
        match = db.session.execute(select(Match).where(Match.id == match_id)).scalar_one()
        assert (match.status, match.close_reason) == ("closed", "no_supply")


def _old_proposal_of_a_switched_off_supplier(clean_app, *, buyer_account: bool = True) -> int:
    """A proposal left open although its supplier's account was switched off (before deactivation
    withdrew proposals, or straight in the database)."""
    with clean_app.app_context():
        buyer = make_user("buyer", "nurse@hospital.example", verified=True)
        supplier = make_user("supplier", "sales@harbor.example")
        make_user("vetter", "vera.vetter@city.example")
        request = make_request(buyer, max_unit_price="0.85", quantity="3000")
        lead = make_lead(supplier, unit_price="0.79")
        vetter = db.session.execute(select(User).where(User.email == "vera.vetter@city.example")).scalar_one()
        approve(lead, vetter)
        match_id = planning.propose(request, lead.id, 2000, vetter).id
        supplier.active = False
        buyer.active = buyer_account
        db.session.commit()
    return match_id


def test_the_page_offers_no_acceptance_of_a_switched_off_suppliers_proposal_and_says_why(clean_app):
    """The example: the buyer's Accept button showed, and the server refused it
    (match_transition's supplier_active rule). The page asks the same rule: Decline and Close stay."""
    match_id = _old_proposal_of_a_switched_off_supplier(clean_app)
    client = clean_app.test_client()
    login(client, "nurse@hospital.example")
    page = client.get(f"/matches/{match_id}").get_data(as_text=True)
    buttons = _buttons(page)
    assert "Accept" not in buttons and "Decline" in buttons
    assert "This proposal can no longer be accepted: the city deactivated the supplier" in page


def test_staff_are_not_offered_to_record_an_acceptance_of_a_switched_off_suppliers_proposal(clean_app):
    """A second example of the kind: an organisation without an active buyer, staff's "Record
    acceptance (by phone)" is an acceptance too; "Record decline" stays."""
    match_id = _old_proposal_of_a_switched_off_supplier(clean_app, buyer_account=False)
    client = clean_app.test_client()
    login(client, "vera.vetter@city.example")
    page = client.get(f"/matches/{match_id}").get_data(as_text=True)
    assert "Record acceptance (by phone)" not in page and "Record decline" in page
    assert "This proposal can no longer be accepted" in page
