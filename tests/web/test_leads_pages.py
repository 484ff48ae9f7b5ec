"""Supplier intake through the web form, and the staff pages."""
import html
import io
import re

import pytest

from marketplace.extensions import db
from marketplace.models import Lead
from tests.conftest import VALID_LEAD, bearer, login, make_api_token, make_lead, make_user, post_form, run_imports


def field_errors(html: str) -> dict[str, str]:
    """{field id: error text} as the page shows them beside the fields."""
    return dict(re.findall(r'<p id="([a-z_]+)-error" class="error">([^<]*)</p>', html))


def signed_in_supplier(client, clean_app, email="s@example.org"):
    with clean_app.app_context():
        user = make_user("supplier", email)
        user_id = user.id
    login(client, email)
    return user_id


def test_a_mistake_is_shown_beside_its_field_and_nothing_is_saved(client, clean_app):
    signed_in_supplier(client, clean_app)
    response = post_form(client, "/leads/new", {**VALID_LEAD, "unit_price": "0", "lead_time_days": "-3",
                                                "email": "nope", "quantity": "-1"})
    assert response.status_code == 200
    errors = field_errors(response.get_data(as_text=True))
    assert set(errors) == {"unit_price", "lead_time_days", "email", "quantity"}
    assert "more than 0" in errors["unit_price"]
    assert "cannot be negative" in errors["lead_time_days"]
    # What the supplier typed is still in the form.
    assert 'value="Harbor Industrial Distribution"' in response.get_data(as_text=True)
    with clean_app.app_context():
        assert db.session.execute(db.select(Lead)).first() is None


def test_a_valid_lead_is_saved_and_listed_under_my_leads(client, clean_app):
    user_id = signed_in_supplier(client, clean_app)
    response = post_form(client, "/leads/new", VALID_LEAD)
    assert response.status_code == 302
    with clean_app.app_context():
        lead = db.session.execute(db.select(Lead)).scalar_one()
        assert (lead.owner_id, lead.status, lead.source) == (user_id, "submitted", "form")
        # Embedded default: processed in-process right after the commit. With Redis: queued for a worker.
        assert lead.processing_state == ("pending" if clean_app.config["REDIS_URL"] else "done")
        lead_id = lead.id
    page = client.get("/leads").get_data(as_text=True)
    assert f'/leads/{lead_id}"' in page and "Submitted" in page and "50,000" in page and "$0.79" in page


def test_supplier_edits_until_vetting_starts(client, clean_app):
    signed_in_supplier(client, clean_app)
    post_form(client, "/leads/new", VALID_LEAD)
    with clean_app.app_context():
        lead = db.session.execute(db.select(Lead)).scalar_one()
    form = client.get(f"/leads/{lead.id}/edit").get_data(as_text=True)
    assert 'value="50000"' in form and 'value="0.79"' in form
    response = post_form(client, f"/leads/{lead.id}/edit", {**VALID_LEAD, "quantity": "60000"})
    assert response.status_code == 302
    with clean_app.app_context():
        db.session.execute(db.update(Lead).values(status="under_review"))
        db.session.commit()
        assert db.session.get(Lead, lead.id).quantity == 60000
    # Once review has started, its owner is sent back to the offer and told why, and what to do.
    locked = client.get(f"/leads/{lead.id}/edit")
    assert locked.status_code == 302 and locked.headers["Location"] == f"/leads/{lead.id}"
    refused = post_form(client, f"/leads/{lead.id}/edit", {**VALID_LEAD, "quantity": "1"},
                        form_page=f"/leads/{lead.id}")
    assert refused.status_code == 302 and refused.headers["Location"] == f"/leads/{lead.id}"
    page = html.unescape(client.get(f"/leads/{lead.id}").get_data(as_text=True))
    assert "This offer can no longer be edited: review has started." in page
    assert '"Confirm price and stock, or withdraw"' in page and "Edit</a>" not in page
    with clean_app.app_context():
        assert db.session.get(Lead, lead.id).quantity == 60000


@pytest.mark.parametrize(("status", "words"), [
    ("approved", "This offer can no longer be edited: it is approved. Use \"Confirm price and stock, or withdraw\""),
    ("escalated", "This offer can no longer be edited: review has started."),
    ("rejected", "This offer can no longer be edited: it was rejected."),
])
def test_a_locked_offer_tells_its_owner_why(client, clean_app, status, words):
    """The page and PATCH /api/v1/leads/<id> say the same: the page by a message on the offer, the
    API as a 409 problem. Another supplier still gets 404, staff 403."""
    with clean_app.app_context():
        owner, other = make_user("supplier"), make_user("supplier")
        lead = make_lead(owner)
        lead.status = status
        db.session.commit()
        lead_id, owner_email, other_email = lead.id, owner.email, other.email
        owner_token, other_token = make_api_token(owner), make_api_token(other)
        staff_token = make_api_token(make_user("vetter"))
    login(client, owner_email)
    page = html.unescape(client.get(f"/leads/{lead_id}/edit", follow_redirects=True).get_data(as_text=True))
    assert words in page
    patched = client.patch(f"/api/v1/leads/{lead_id}", json={"quantity": 1}, headers=bearer(owner_token))
    assert patched.status_code == 409 and patched.mimetype == "application/problem+json"
    assert patched.get_json()["detail"].startswith(words)
    client.get("/logout")
    assert client.patch(f"/api/v1/leads/{lead_id}", json={"quantity": 1},
                        headers=bearer(other_token)).status_code == 404
    assert client.patch(f"/api/v1/leads/{lead_id}", json={"quantity": 1},
                        headers=bearer(staff_token)).status_code == 403
    login(client, other_email)
    assert client.get(f"/leads/{lead_id}/edit").status_code == 404


def test_supplier_cannot_see_another_suppliers_lead(client, clean_app):
    signed_in_supplier(client, clean_app)
    with clean_app.app_context():
        other = make_user("supplier", "other@example.org")
        lead_id = make_lead(other).id
    assert client.get(f"/leads/{lead_id}").status_code == 404
    assert client.get(f"/leads/{lead_id}/edit").status_code == 404


def test_submission_is_rate_limited(client, clean_app):
    clean_app.config["SUBMIT_LIMIT"] = "3 per hour"
    try:
        signed_in_supplier(client, clean_app)
        statuses = [post_form(client, "/leads/new", VALID_LEAD).status_code for _ in range(4)]
    finally:
        clean_app.config["SUBMIT_LIMIT"] = "60 per hour"
    assert statuses == [302, 302, 302, 429]


def test_staff_list_filters_and_exports(client, clean_app):
    with clean_app.app_context():
        make_user("vetter", "v@city.example")
        make_lead(None, company_name="Alpha Gloves", product_category="nitrile_gloves", external_id="A-1")
        make_lead(None, company_name="Beta Masks", product_category="surgical_mask", external_id="B-1")
    login(client, "v@city.example")
    page = client.get("/staff/leads?category=nitrile_gloves").get_data(as_text=True)
    assert "Alpha Gloves" in page and "Beta Masks" not in page
    page = client.get("/staff/leads?q=beta").get_data(as_text=True)
    assert "Beta Masks" in page and "Alpha Gloves" not in page
    export = client.get("/staff/leads.csv")
    assert export.headers["Content-Disposition"].startswith("attachment")
    assert export.get_data(as_text=True).startswith("id,external_id,company_name")


def test_csv_upload_page_reports_each_bad_row(client, clean_app):
    from marketplace.domain.demo_data import generate_leads
    from tests.services.test_import_export import csv_text

    with clean_app.app_context():
        make_user("vetter", "v@city.example")
    login(client, "v@city.example")
    rows = generate_leads(5)
    rows[2]["unit_price"] = "free"
    data = csv_text(rows).encode("utf-8-sig")
    response = post_form(client, "/staff/import", {"file": (io.BytesIO(data), "leads.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 302 and response.location.startswith("/imports/")  # the import's page
    run_imports(clean_app)  # with Redis, as a worker would
    page = client.get(response.location).get_data(as_text=True)
    assert "<strong>4</strong> imported" in page and "<strong>1</strong> rejected" in page
    assert "<td>4</td><td>unit_price</td><td>The unit_price must be a number" in page


def test_suppliers_and_buyers_cannot_import(client, clean_app):
    signed_in_supplier(client, clean_app)
    assert client.get("/staff/import").status_code == 403
    assert client.get("/staff/leads").status_code == 403
