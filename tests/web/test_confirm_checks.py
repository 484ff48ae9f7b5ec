"""Confirming price and stock runs the offer form's checks and cannot slip a new price past
vetting (tester report, "Confirm price and stock"): figures far from the reference or over the
price ceiling are confirmed with the box, as on the offer form (web.suppliers.forms.QuoteForm ->
check_lead); a higher price or more units on an approved offer send it back to review, re-scored
(four eyes again), its proposals not yet accepted withdrawn with a notice, accepted matches kept at
their agreed price (services.quotes.confirm_quote). The quantity is the stock now: delivered units
no longer count, units owed to buyers do (services.supply.held_units_of)."""
import re
from decimal import Decimal

from sqlalchemy import select, update

from marketplace.extensions import db
from marketplace.models import AuditLog, Lead, Match, Notification, User
from marketplace.services import planning, vetting
from tests.conftest import approve, login, make_lead, make_request, make_user, post_form

GLOVES = dict(product_category="nitrile_gloves", product_description="Nitrile exam gloves, size M",
              certification="ASTM D6319", quantity="50000", unit_price="0.0469", min_order_qty="1000")
MASKS = dict(product_category="surgical_mask", product_description="Surgical masks, level 2",
             certification="FDA 510(k) K202354, ASTM F2100 level 2", quantity="100000", unit_price="0.12",
             min_order_qty="1000")


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _client(app, email):
    client = app.test_client()
    login(client, email)
    return client


def _digest(response) -> str:
    found = re.search(r'name="confirmed_figures"[^>]*value="([0-9a-f]+)"|value="([0-9a-f]+)"[^>]*name="confirmed_figures"',
                      response.get_data(as_text=True))
    assert found, "no figures to confirm on the page"
    return found.group(1) or found.group(2)


def _world(app, lead_fields, *, request_fields, proposed=10000, matches=()):
    """An approved offer of a supplier, proposed to a buyer's open request (``proposed`` units), and
    earlier matches of it set to the statuses ``matches`` lists: ((status, units), ...)."""
    with app.app_context():
        supplier = make_user("supplier", "sales@harbor.example.com")
        buyer = make_user("buyer", "nurse@stvincent.example.org", verified=True)
        vetter = make_user("vetter", "vera@city.example.gov")
        lead = make_lead(supplier, **lead_fields)
        approve(lead, vetter)
        ids = []
        for status, units in matches:
            request = make_request(buyer, **request_fields, quantity=str(units))
            match = planning.propose(request, lead.id, units, vetter)
            db.session.commit()
            db.session.execute(update(Match).where(Match.id == match.id).values(status=status))
            db.session.commit()
            ids.append(match.id)
        open_id = None
        if proposed:
            request = make_request(buyer, **request_fields, quantity=str(proposed))
            open_id = planning.propose(request, lead.id, proposed, vetter).id
            db.session.commit()
        return lead.id, open_id, ids


def _confirm(client, lead_id, quantity, price, **extra):
    return post_form(client, f"/leads/{lead_id}/confirm", {"quantity": quantity, "unit_price": price, **extra},
                     form_page=f"/leads/{lead_id}/confirm")


def _confirm_ticked(client, lead_id, quantity, price):
    """Confirm, ticking the box for the figures the page warns of (as a person would, once)."""
    response = _confirm(client, lead_id, quantity, price)
    if response.status_code == 200 and "tick the box" in _text(response):
        response = _confirm(client, lead_id, quantity, price, confirm_figures="y", confirmed_figures=_digest(response))
    return response


def test_a_higher_price_is_checked_as_on_the_offer_form_and_sends_the_offer_back_to_review(clean_app):
    """The tester's example: approved gloves at $0.0469 in an open proposal (the buyer's maximum
    $0.18); confirmed at $0.50 (14x the reference)."""
    lead_id, match_id, _ = _world(clean_app, GLOVES, request_fields=dict(category="nitrile_gloves",
                                                                       max_unit_price="0.18"))
    owner = _client(clean_app, "sales@harbor.example.com")
    response = _confirm(owner, lead_id, "50000", "0.50")
    page = _text(response)
    assert response.status_code == 200 and "Please check the figures marked below" in page
    assert "the reference price of nitrile exam gloves" in page or "Penal Code 396" in page
    with clean_app.app_context():  # nothing stored until confirmed
        lead = db.session.get(Lead, lead_id)
        assert (lead.unit_price, lead.status) == (Decimal("0.0469"), "approved")
    response = _confirm(owner, lead_id, "50000", "0.50", confirm_figures="y", confirmed_figures=_digest(response))
    assert response.status_code == 302
    flashed = _text(owner.get(response.headers["Location"]))
    assert "the city reviews it again" in flashed and "1 proposal not accepted yet was withdrawn" in flashed
    with clean_app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert (lead.unit_price, lead.status) == (Decimal("0.5000"), "under_review")
        # Scored again: in-process on SQLite, queued for a worker with Redis.
        assert lead.processing_state in ("done", "pending")
        match = db.session.get(Match, match_id)
        assert (match.status, match.close_reason) == ("closed", "offer_changed")
        told = {n.user_id for n in db.session.execute(select(Notification).where(
            Notification.message["code"].as_string().in_(["match_closed", "lead_changed_on_confirm"]))).scalars()}
        emails = {db.session.get(User, uid).email for uid in told}
        assert {"nurse@stvincent.example.org", "vera@city.example.gov"} <= emails
        row = db.session.execute(select(AuditLog).where(AuditLog.action == "lead.confirm_quote")).scalar_one()
        assert (row.before["status"], row.after["status"]) == ("approved", "under_review")
    # The history says it in words; the buyer's match no longer shows the old price as a proposal.
    history = _text(owner.get(f"/leads/{lead_id}"))
    assert "with a higher price or more units" in history and "back in review" in history
    staff = _client(clean_app, "vera@city.example.gov")
    assert "under review again" in _text(staff.get("/notifications"))
    buyer = _client(clean_app, "nurse@stvincent.example.org")
    assert "the city vets it again" in _text(buyer.get(f"/matches/{match_id}"))


def test_more_units_at_a_higher_price_are_vetted_again_with_four_eyes(clean_app):
    """The tester's second example: approved surgical masks confirmed with 900,000,000 units at
    $4.99 ($4.49 billion): confirmed with the box, then back to review needing two approvals."""
    lead_id, _, _ = _world(clean_app, MASKS, request_fields=dict(category="surgical_mask", max_unit_price="0.50"),
                           proposed=0)
    owner = _client(clean_app, "sales@harbor.example.com")
    response = _confirm(owner, lead_id, "900000000", "4.99")
    assert response.status_code == 200 and "Please check the figures marked below" in _text(response)
    response = _confirm(owner, lead_id, "900000000", "4.99", confirm_figures="y",
                        confirmed_figures=_digest(response))
    assert response.status_code == 302
    with clean_app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert (lead.quantity, lead.status, lead.first_approved_by_id) == (900_000_000, "under_review", None)
        assert vetting.approval_rule(lead).over_value


def test_a_quantity_raise_alone_crossing_four_eyes_is_vetted_again_and_accepted_matches_keep_their_price(clean_app):
    """A second example of the kind: the price stays, the quantity of an approved N95 offer goes
    from 50,000 to 200,000 ($158,000 at $0.79, above the $100,000 of four eyes). The accepted
    match keeps its price and status; the open proposal is withdrawn."""
    lead_id, open_id, (accepted_id,) = _world(clean_app, {}, request_fields={}, proposed=5000,
                                              matches=(("accepted", 10000),))
    owner = _client(clean_app, "sales@harbor.example.com")
    page = _text(owner.get(f"/leads/{lead_id}/confirm"))
    assert "keep the price and quantity agreed with the buyer" in page
    response = _confirm(owner, lead_id, "200000", "0.79")
    assert response.status_code == 302, _text(response)
    with clean_app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert (lead.quantity, lead.status) == (200000, "under_review")
        assert vetting.approval_rule(lead).over_value
        accepted, proposal = db.session.get(Match, accepted_id), db.session.get(Match, open_id)
        assert (accepted.status, accepted.unit_price) == ("accepted", Decimal("0.7900"))
        assert (proposal.status, proposal.close_reason) == ("closed", "offer_changed")


def test_lower_figures_confirm_at_once_and_proposals_keep_their_price(clean_app):
    lead_id, match_id, _ = _world(clean_app, {}, request_fields={}, proposed=5000)
    owner = _client(clean_app, "sales@harbor.example.com")
    response = _confirm(owner, lead_id, "40000", "0.70")
    assert response.status_code == 302
    with clean_app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert (lead.quantity, lead.unit_price, lead.status) == (40000, Decimal("0.7000"), "approved")
        match = db.session.get(Match, match_id)
        assert (match.status, match.unit_price) == ("proposed", Decimal("0.7900"))


def test_delivered_units_are_not_available_now(clean_app):
    """The tester's example: 50,000 gloves, 40,000 delivered and 10,000 proposed. The page shows
    10,000 available now; 10,000 confirms (nothing changed); fewer than the 10,000 owed is refused."""
    lead_id, match_id, _ = _world(clean_app, GLOVES, request_fields=dict(category="nitrile_gloves",
                                                                       max_unit_price="0.18"),
                                  matches=(("delivered", 40000),))
    owner = _client(clean_app, "sales@harbor.example.com")
    page = owner.get(f"/leads/{lead_id}/confirm").get_data(as_text=True)
    assert re.search(r'name="quantity"[^>]*value="10,?000"|value="10,?000"[^>]*name="quantity"', page)
    assert "not yet delivered" in page
    response = _confirm_ticked(owner, lead_id, "9000", "0.0469")  # $0.0469 is over the ceiling: asked
    assert response.status_code == 200
    assert "10,000 units of this offer are proposed to or accepted by buyers and not delivered yet" in _text(response)
    response = _confirm(owner, lead_id, "10000", "0.0469")
    assert response.status_code == 302
    with clean_app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert (lead.quantity, lead.status) == (50000, "approved")
        assert db.session.get(Match, match_id).status == "proposed"


def test_delivered_and_accepted_units_read_as_the_supplier_counts_its_stock(clean_app):
    """A second example: 50,000 N95s, 10,000 delivered and 5,000 accepted (no open proposal). The
    page shows 40,000 now; 6,000 confirms (the offer keeps 16,000: 10,000 delivered, 6,000 now);
    4,000, fewer than the 5,000 owed, is refused."""
    lead_id, _, (delivered_id, accepted_id) = _world(clean_app, {}, request_fields={}, proposed=0,
                                                     matches=(("delivered", 10000), ("accepted", 5000)))
    owner = _client(clean_app, "sales@harbor.example.com")
    page = owner.get(f"/leads/{lead_id}/confirm").get_data(as_text=True)
    assert re.search(r'name="quantity"[^>]*value="40,?000"|value="40,?000"[^>]*name="quantity"', page)
    response = _confirm(owner, lead_id, "4000", "0.79")
    assert response.status_code == 200 and "5,000 units of this offer" in _text(response)
    response = _confirm(owner, lead_id, "6000", "0.79")
    assert response.status_code == 302
    with clean_app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert (lead.quantity, lead.status) == (16000, "approved")
        assert db.session.get(Match, accepted_id).status == "accepted"
