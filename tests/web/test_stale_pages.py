"""Offers go stale (issue 11 item 11) on the pages: the lead form's validity date, the supplier's
confirmation and withdrawal, staff's "Quote lapsed" (lead page and queue) and confirming for a
supplier they called, and the buyer's page to extend an overdue request or close the rest. Bad
input answers with a message by the field, never a 500."""
import re
from datetime import timedelta

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import DemandRequest, Lead, Match
from marketplace.services import demand, planning
from tests.conftest import VALID_LEAD, approve, login, make_lead, make_request, make_user, post_form


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _client(app, email):
    client = app.test_client()
    login(client, email)
    return client


def _world(app):
    with app.app_context():
        supplier = make_user("supplier", "sales@harbor.example.com")
        make_user("supplier", "sales@other.example.com")
        buyer = make_user("buyer", "nurse@stvincent.example.org", verified=True)
        make_user("vetter", "vera@city.example.gov")
        lead, city = make_lead(supplier), make_lead(None, external_id="CITY-9", email="sales@city-import.example.com")
        approve(lead)
        approve(city)
        request = make_request(buyer)
        for one in (lead, city):
            one.valid_until = demand.today() - timedelta(days=1)
        request.needed_by = demand.today() - timedelta(days=1)
        db.session.commit()
        return lead.id, city.id, request.id


def test_the_lead_form_takes_a_validity_date_and_refuses_a_past_one(clean_app):
    with clean_app.app_context():
        make_user("supplier", "sales@harbor.example.com")
    client = _client(clean_app, "sales@harbor.example.com")
    page = _text(client.get("/leads/new"))
    assert "Quote valid until" in page and "Empty: 14 days from today" in page
    response = post_form(client, "/leads/new", {**VALID_LEAD, "valid_until": "2020-01-01"})
    assert response.status_code == 200 and "This date is in the past" in _text(response)
    later = (demand_today(clean_app) + timedelta(days=20)).isoformat()
    response = post_form(client, "/leads/new", {**VALID_LEAD, "valid_until": later})
    assert response.status_code == 302
    with clean_app.app_context():
        assert db.session.execute(select(Lead.valid_until)).scalar_one().isoformat() == later


def demand_today(app):
    with app.app_context():
        return demand.today()


def test_staff_see_quote_lapsed_and_confirm_for_the_supplier(clean_app):
    lead_id, city_id, _ = _world(clean_app)
    staff = _client(clean_app, "vera@city.example.gov")
    assert "Quote lapsed" in _text(staff.get(f"/staff/leads/{city_id}"))
    queue = _text(staff.get("/staff/leads?status=all"))
    assert queue.count("Quote lapsed") == 2
    page = _text(staff.get(f"/leads/{city_id}/confirm"))
    assert "has lapsed" in page
    response = post_form(staff, f"/leads/{city_id}/confirm", {"quantity": "50000", "unit_price": "0.79"})
    assert response.status_code == 302
    with clean_app.app_context():
        assert db.session.get(Lead, city_id).valid_until == demand.today() + timedelta(days=14)
    assert "Quote lapsed" not in _text(staff.get(f"/staff/leads/{city_id}"))


def test_bad_figures_are_refused_by_the_field_and_other_suppliers_get_404(clean_app):
    lead_id, city_id, _ = _world(clean_app)
    owner = _client(clean_app, "sales@harbor.example.com")
    for quantity, price, message in (("", "0.79", "required"), ("50000", "1e999", ""), ("ten", "0.79", ""),
                                     ("50000", "0.000001", "4 decimal"), ("50000", "\x00", "")):
        response = post_form(owner, f"/leads/{lead_id}/confirm", {"quantity": quantity, "unit_price": price},
                             form_page=f"/leads/{lead_id}/confirm")
        assert response.status_code == 200, (quantity, price)
        assert "has-error" in response.get_data(as_text=True) and message in _text(response)
    with clean_app.app_context():
        assert db.session.get(Lead, lead_id).valid_until < demand.today()  # nothing stored
    other = _client(clean_app, "sales@other.example.com")
    assert other.get(f"/leads/{lead_id}/confirm").status_code == 404
    assert other.get(f"/leads/{city_id}/confirm").status_code == 404
    assert post_form(other, f"/leads/{lead_id}/withdraw", {}, form_page="/leads").status_code == 404
    assert owner.post(f"/leads/{lead_id}/withdraw").status_code == 400  # no CSRF token: refused


def test_the_supplier_withdraws_and_the_buyers_proposal_closes(clean_app):
    lead_id, _, _ = _world(clean_app)
    with clean_app.app_context():
        lead = db.session.get(Lead, lead_id)
        lead.valid_until = demand.today()
        buyer = make_user("buyer", "ops@mercy.example.org", verified=True)
        request = make_request(buyer)
        vetter = make_user("vetter", "victor@city.example.gov")
        match_id = planning.propose(request, lead_id, 500, vetter).id
        db.session.commit()
    owner = _client(clean_app, "sales@harbor.example.com")
    response = post_form(owner, f"/leads/{lead_id}/withdraw", {}, form_page=f"/leads/{lead_id}/confirm")
    assert response.status_code == 302
    page = _text(owner.get(f"/leads/{lead_id}"))
    assert "Withdrawn by the supplier" in page and "Withdrawn by you" in page
    with clean_app.app_context():
        assert db.session.get(Match, match_id).status == "closed"
    assert "there is no quote to confirm" in _text(owner.get(f"/leads/{lead_id}/confirm"))


def test_the_buyer_extends_an_overdue_request_or_closes_the_rest(clean_app):
    _, _, request_id = _world(clean_app)
    buyer = _client(clean_app, "nurse@stvincent.example.org")
    assert "The needed-by date has passed" in _text(buyer.get(f"/buyer/requests/{request_id}"))
    page = _text(buyer.get(f"/buyer/requests/{request_id}/extend"))
    assert "that date has passed" in page and "Close the rest of the request" in page
    for raw, message in (("2020-01-01", "in the past"), ("05/06/2027", "can be read as"), ("", "required"),
                         ("\u202e2027-01-01", "")):
        response = post_form(buyer, f"/buyer/requests/{request_id}/extend", {"needed_by": raw})
        assert response.status_code == 200 and message in _text(response), raw
    new = (demand_today(clean_app) + timedelta(days=10)).isoformat()
    response = post_form(buyer, f"/buyer/requests/{request_id}/extend", {"needed_by": new})
    assert response.status_code == 302
    with clean_app.app_context():
        assert db.session.get(DemandRequest, request_id).needed_by.isoformat() == new
    assert "The needed-by date has passed" not in _text(buyer.get(f"/buyer/requests/{request_id}"))
    # The page's other answer: close the rest.
    response = post_form(buyer, f"/buyer/requests/{request_id}/close", {},
                         form_page=f"/buyer/requests/{request_id}/extend")
    assert response.status_code == 302
    with clean_app.app_context():
        assert db.session.get(DemandRequest, request_id).status == "closed"
    assert "there is nothing to extend" in _text(buyer.get(f"/buyer/requests/{request_id}/extend"))
    other = _client(clean_app, "sales@harbor.example.com")
    assert other.get(f"/buyer/requests/{request_id}/extend").status_code in (403, 404)


def test_on_the_embedded_default_a_request_runs_the_checks_once_an_interval(app_ctx):
    """Without Redis there is no sweeper running all the time: a request, after its response, asks
    (at most every STALE_CHECK_SECONDS); the next request within the interval does not look again.
    With Redis the hook is not installed (the sweeper asks): REDIS_URL=None here either way."""
    import time

    from marketplace.models import Notification
    from tests.web.test_csrf_and_headers import fresh_app

    supplier = make_user("supplier", "sales@harbor.example.com")
    lead = make_lead(supplier)
    approve(lead)
    lead.valid_until = demand.today() + timedelta(days=1)
    db.session.commit()
    lead_id = lead.id
    with fresh_app(app_ctx, STALE_CHECK_SECONDS=3600, REDIS_URL=None) as other:
        response = other.test_client().get("/login")
        response.close()  # the response has gone out
        asked = select(Notification).where(Notification.link == f"/leads/{lead_id}/confirm")
        for _ in range(50):
            db.session.expire_all()
            if db.session.execute(asked).first():
                break
            time.sleep(0.05)
        assert len(db.session.execute(asked).all()) == 1
        db.session.get(Lead, lead_id).validity_reminded_for = None  # as if never asked
        db.session.commit()
        other.test_client().get("/login").close()  # within the hour: not again
        time.sleep(0.2)
        db.session.expire_all()
        assert len(db.session.execute(asked).all()) == 1


def test_unchanged_figures_confirm_an_older_lead_whose_details_no_longer_pass(clean_app):
    """The second example of the confirmation's kind: the figures posted as shown are a
    confirmation as is, even for a lead saved under older rules (here an e-mail address today's
    check refuses); changed figures go through the whole lead's validation and say why not."""
    lead_id, _, _ = _world(clean_app)
    with clean_app.app_context():
        db.session.get(Lead, lead_id).email = "not an address"
        db.session.commit()
    owner = _client(clean_app, "sales@harbor.example.com")
    response = post_form(owner, f"/leads/{lead_id}/confirm", {"quantity": "40000", "unit_price": "0.79"})
    assert response.status_code == 200 and "no longer pass the checks" in _text(response)
    response = post_form(owner, f"/leads/{lead_id}/confirm", {"quantity": "50000", "unit_price": "0.79"})
    assert response.status_code == 302
    with clean_app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert lead.valid_until == demand.today() + timedelta(days=14) and lead.quantity == 50000


def test_staff_read_the_suppliers_lead_page_of_the_supplier(clean_app):
    """Staff open a supplier's lead page too: its quote and a held offer speak of the supplier to
    them ("The supplier will be asked"), and to the supplier ("You will be asked")."""
    with clean_app.app_context():
        supplier = make_user("supplier", "sales@harbor.example.com")
        unconfirmed = make_user("supplier", "new@fresh.example.com", email_verified=False)
        make_user("vetter", "vera@city.example.gov")
        lead, held = make_lead(supplier), make_lead(unconfirmed, email="new@fresh.example.com")
        assert held.status == "held"
        lead_id, held_id = lead.id, held.id
    staff, owner = _client(clean_app, "vera@city.example.gov"), _client(clean_app, "sales@harbor.example.com")
    staff_reads, owner_reads = _text(staff.get(f"/leads/{lead_id}")), _text(owner.get(f"/leads/{lead_id}"))
    assert "The supplier will be asked to confirm price and stock" in staff_reads and "You will be asked" not in staff_reads
    assert "You will be asked to confirm price and stock" in owner_reads
    with clean_app.app_context():
        db.session.get(Lead, lead_id).valid_until = demand.today() + timedelta(days=1)  # due: the supplier is asked
        db.session.commit()
    staff_reads, owner_reads = _text(staff.get(f"/leads/{lead_id}")), _text(owner.get(f"/leads/{lead_id}"))
    assert "The supplier was asked to confirm them" in staff_reads and "Please confirm them" not in staff_reads
    assert "Please confirm them, or withdraw the offer" in owner_reads
    staff_reads = _text(staff.get(f"/leads/{held_id}"))
    assert "Waiting for the supplier's e-mail confirmation" in staff_reads
    assert "Confirm your e-mail address" not in staff_reads and "once you confirm" not in staff_reads
