"""Admin pages: users, vetters, organisation verification."""
from marketplace.extensions import db
from marketplace.models import AuditLog, Organisation, User
from tests.conftest import DEFAULT_PASSWORD, login, make_user, post_form


def signed_in_admin(client, clean_app):
    with clean_app.app_context():
        make_user("admin", "admin@city.example")
    login(client, "admin@city.example")


def test_admin_creates_a_vetter_who_can_sign_in(client, clean_app):
    signed_in_admin(client, clean_app)
    response = post_form(client, "/admin/users/new", {"name": "Val Vetter", "email": "val@city.example",
                                                      "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    vetter = clean_app.test_client()
    login(vetter, "val@city.example")
    assert vetter.get("/staff/leads").status_code == 200
    assert vetter.get("/admin/users").status_code == 403


def test_admin_verifies_a_buyer_organisation(client, clean_app):
    with clean_app.app_context():
        buyer = make_user("buyer", "b@hospital.example")
        organisation_id = buyer.organisation_id
    signed_in_admin(client, clean_app)
    page = client.get("/admin/organisations").get_data(as_text=True)
    assert "awaiting" in page and "b@hospital.example" in page
    post_form(client, f"/admin/organisations/{organisation_id}/verification", {"verified": "1"},
              form_page="/admin/organisations")
    with clean_app.app_context():
        assert db.session.get(Organisation, organisation_id).verified
        assert db.session.execute(db.select(AuditLog).where(AuditLog.action == "organisation.verify")).scalar_one()
    buyer_client = clean_app.test_client()
    login(buyer_client, "b@hospital.example")
    assert "Verified" in buyer_client.get("/buyer/").get_data(as_text=True)


def test_admin_lists_users_by_role_and_reactivates(client, clean_app):
    with clean_app.app_context():
        supplier = make_user("supplier", "s@example.org")
        supplier_id = supplier.id
    signed_in_admin(client, clean_app)
    page = client.get("/admin/users?role=supplier").get_data(as_text=True)
    assert "<td>s@example.org</td>" in page and "<td>admin@city.example</td>" not in page
    post_form(client, f"/admin/users/{supplier_id}/active", {"active": "0"}, form_page="/admin/users")
    post_form(client, f"/admin/users/{supplier_id}/active", {"active": "1"}, form_page="/admin/users")
    with clean_app.app_context():
        assert db.session.get(User, supplier_id).active


def _proposal(clean_app):
    """A released proposal from supplier@example.com's offer to a verified buyer's request."""
    from marketplace.domain.messages import trigger_fact
    from marketplace.models import Match
    from marketplace.services import planning
    from tests.conftest import approve, make_lead, make_request

    with clean_app.app_context():
        vetter = make_user("vetter", "vera@city.example")
        supplier = make_user("supplier", "supplier@example.com")
        buyer = make_user("buyer", "nurse@hospital.example", verified=True)
        make_request(buyer)
        approve(make_lead(supplier, quantity="5000"), vetter)
        planning.release_plan(planning.run_matching(trigger_fact("command")), vetter)
        db.session.commit()
        return db.session.execute(db.select(Match)).scalar_one().id, supplier.id, buyer.organisation_id


def _accept(clean_app, match_id: int):
    from tests.conftest import fetch_token

    buyer = clean_app.test_client()
    login(buyer, "nurse@hospital.example")
    response = buyer.post(f"/matches/{match_id}/act", data={
        "action": "accept", "csrf_token": fetch_token(buyer, f"/matches/{match_id}")}, follow_redirects=True)
    return response.get_data(as_text=True)


def test_deactivating_a_supplier_withdraws_its_proposal_the_buyer_cannot_accept(client, clean_app):
    """The example: the admin deactivates supplier@example.com; the buyer's proposal from its offer
    is closed with the reason in words, and Accept is refused (no contacts shown)."""
    from marketplace.models import Match

    match_id, supplier_id, _organisation = _proposal(clean_app)
    signed_in_admin(client, clean_app)
    done = post_form(client, f"/admin/users/{supplier_id}/active", {"active": "0"}, form_page="/admin/users")
    assert done.status_code == 302
    flashes = client.get("/admin/users").get_data(as_text=True)
    assert "1 of their proposals not yet accepted were withdrawn" in flashes
    page = _accept(clean_app, match_id)
    assert "You accepted match" not in page and "is not possible for a match that is closed" in page
    assert "The city deactivated the supplier&#39;s account" in page
    with clean_app.app_context():
        assert db.session.get(Match, match_id).status == "closed"


def test_a_proposal_of_a_supplier_switched_off_otherwise_is_refused_in_words(client, clean_app):
    """Second of the kind: the account deactivated by another way (before this release, in the
    database): the proposal is still "Proposed", and accepting it says why not."""
    from marketplace.models import Match

    match_id, supplier_id, _organisation = _proposal(clean_app)
    with clean_app.app_context():
        db.session.get(User, supplier_id).active = False
        db.session.commit()
    page = _accept(clean_app, match_id)
    assert "You accepted match" not in page
    assert "the city deactivated the supplier&#39;s account" in page
    with clean_app.app_context():
        assert db.session.get(Match, match_id).status == "proposed"


def test_revoke_asks_for_confirmation_like_deactivate(client, clean_app):
    match_id, _supplier, organisation_id = _proposal(clean_app)
    signed_in_admin(client, clean_app)
    page = client.get("/admin/organisations").get_data(as_text=True)
    assert 'data-confirm="Revoke the verification of' in page
    post_form(client, f"/admin/organisations/{organisation_id}/verification", {"verified": "0"},
              form_page="/admin/organisations")
    assert "the suppliers of its matches in progress, were told" in client.get("/admin/organisations").get_data(
        as_text=True)
