"""A request fully delivered shows as fulfilled; a buyer closes the rest of a request ("no longer
needed") and it shows "Closed: N of M delivered", to the buyer and to staff (issue 11 item 9). The
status is a badge with its progress beside it ("Fulfilled" 500 of 500 delivered)."""
import re

from sqlalchemy import select

from marketplace.domain.messages import trigger_fact
from marketplace.extensions import db
from marketplace.models import AuditLog, DemandRequest, Match
from marketplace.services import matches, planning
from tests.conftest import approve, login, make_lead, make_request, make_user


def _text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _deliver(match_id: int, buyer_email: str) -> None:
    from marketplace.models import User
    buyer = db.session.execute(select(User).where(User.email == buyer_email)).scalar_one()
    match = db.session.get(Match, match_id)
    for step in ("accept", "mark_ordered", "mark_delivered"):
        matches.act_on_match(match, buyer, step)
    db.session.commit()


def _world(clean_app, quantity: str, proposals: tuple[int, ...]):
    with clean_app.app_context():
        buyer = make_user("buyer", "nurse@hospital.example", verified=True)
        supplier = make_user("supplier", "sales@harbor.example")
        vetter = make_user("vetter", "vera.vetter@city.example")
        request = make_request(buyer, max_unit_price="0.85", quantity=quantity)
        ids = []
        for units in proposals:
            lead = make_lead(supplier, unit_price="0.79", min_order_qty="100")
            approve(lead, vetter)
            ids.append(planning.propose(request, lead.id, units, vetter).id)
        db.session.commit()
        return request.id, ids


def _client(clean_app, email):
    client = clean_app.test_client()
    login(client, email)
    return client


def test_a_request_fully_delivered_is_fulfilled_for_buyer_and_staff(clean_app):
    request_id, [match_id] = _world(clean_app, "500", (500,))
    with clean_app.app_context():
        _deliver(match_id, "nurse@hospital.example")
    buyer, staff = _client(clean_app, "nurse@hospital.example"), _client(clean_app, "vera.vetter@city.example")
    page = _text(buyer.get(f"/buyer/requests/{request_id}"))
    assert "Fulfilled 500 of 500 delivered" in page
    assert "Withdraw" not in page and "close the rest" not in page  # nothing left to end
    assert "Fulfilled 500 of 500 delivered" in _text(buyer.get("/buyer/"))
    assert "Fulfilled 500 of 500 delivered" in _text(staff.get(f"/staff/requests/{request_id}"))
    assert "Fulfilled 500 of 500 delivered" in _text(staff.get("/staff/requests"))


def test_a_buyer_closes_the_rest_and_it_shows_closed_n_of_m_delivered(clean_app):
    request_id, [delivered_id, proposed_id] = _world(clean_app, "1000", (300, 200))
    with clean_app.app_context():
        _deliver(delivered_id, "nurse@hospital.example")
    buyer, staff = _client(clean_app, "nurse@hospital.example"), _client(clean_app, "vera.vetter@city.example")
    page = buyer.get(f"/buyer/requests/{request_id}").get_data(as_text=True)
    assert "Partly proposed 500 of 1,000, of which 300 delivered" in _text(buyer.get(f"/buyer/requests/{request_id}"))
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    # Without the CSRF token nothing happens.
    buyer.post(f"/buyer/requests/{request_id}/close", data={})
    with clean_app.app_context():
        assert db.session.get(DemandRequest, request_id).status == "open"
    assert buyer.post(f"/buyer/requests/{request_id}/close", data={"csrf_token": csrf}).status_code == 302
    with clean_app.app_context():
        assert db.session.get(DemandRequest, request_id).status == "closed"
        kept, closed = db.session.get(Match, delivered_id), db.session.get(Match, proposed_id)
        assert kept.status == "delivered" and (closed.status, closed.close_reason) == ("closed", "request_closed")
        audited = db.session.execute(select(AuditLog.action).where(
            AuditLog.entity_type == "demand", AuditLog.entity_id == request_id)).scalars().all()
        assert "demand.close" in audited
        assert planning.run_matching(trigger_fact("command")).demand_units == 0  # the remainder left matching
    page = _text(buyer.get(f"/buyer/requests/{request_id}"))
    assert "Closed 300 of 1,000 delivered" in page and "Closed by you: the rest is no longer needed" in page
    assert "Closed 300 of 1,000 delivered" in _text(staff.get(f"/staff/requests/{request_id}"))
    assert "Closed 300 of 1,000 delivered" in _text(staff.get("/staff/requests?status=closed"))
    # Closing twice is refused as editing a request that is not open is (as withdrawing twice): no change.
    assert buyer.post(f"/buyer/requests/{request_id}/close", data={"csrf_token": csrf}).status_code == 403
    with clean_app.app_context():
        assert db.session.get(DemandRequest, request_id).status == "closed"
