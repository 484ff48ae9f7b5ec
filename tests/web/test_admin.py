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
