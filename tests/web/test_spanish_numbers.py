"""Numbers in the reader's language on the pages and in the forms (issue 13): a Spanish supplier
types 0,79 and 1.500 and the offer holds 0.79 and 1500; forms show a stored figure as the reader
writes it, and posting it unchanged reads the same value."""
import re
from decimal import Decimal

from marketplace.extensions import db
from marketplace.models import DemandRequest, Lead, User
from tests.conftest import (
    VALID_LEAD,
    approve,
    bearer,
    login,
    make_api_token,
    make_lead,
    make_request,
    make_user,
    post_form,
)


def spanish_supplier(clean_app, client, email="ventas@proveedor.example.mx"):
    with clean_app.app_context():
        make_user("supplier", email)
    login(client, email)
    assert post_form(client, "/language", {"language": "es"}, form_page="/leads").status_code == 302


def saved_leads(clean_app) -> list[Lead]:
    with clean_app.app_context():
        return list(db.session.execute(db.select(Lead).order_by(Lead.id)).scalars())


def test_a_spanish_supplier_types_a_decimal_comma_and_thousands_points(client, clean_app):
    spanish_supplier(clean_app, client)
    response = post_form(client, "/leads/new", {**VALID_LEAD, "unit_price": "0,79", "quantity": "1.500"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    response = post_form(client, "/leads/new", {**VALID_LEAD, "unit_price": "0,85 US$", "quantity": "12.345"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    [first, second] = saved_leads(clean_app)
    assert (first.unit_price, first.quantity) == (Decimal("0.79"), 1500)
    assert (second.unit_price, second.quantity) == (Decimal("0.85"), 12345)
    page = client.get("/leads").get_data(as_text=True)
    assert "1.500" in page and "12.345" in page
    page = client.get(f"/leads/{first.id}").get_data(as_text=True)
    assert "0,79\u00a0US$" in page and "$0.79" not in page


def test_an_ambiguous_price_is_refused_in_spanish_with_both_readings(client, clean_app):
    spanish_supplier(clean_app, client)
    response = post_form(client, "/leads/new", {**VALID_LEAD, "unit_price": "1,250"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and saved_leads(clean_app) == []
    assert "puede ser 1,25 o 1250" in html and 'value="1,250"' in html  # what was typed stays in the field


def test_the_edit_form_shows_the_price_as_the_reader_writes_it_and_reads_it_back(client, clean_app):
    spanish_supplier(clean_app, client)
    assert post_form(client, "/leads/new", {**VALID_LEAD, "unit_price": "0,795"}).status_code == 302
    [lead] = saved_leads(clean_app)
    page = client.get(f"/leads/{lead.id}/edit").get_data(as_text=True)
    shown = re.search(r'name="unit_price"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="unit_price"', page)
    assert shown and "0,795" in shown.groups(), shown
    response = post_form(client, f"/leads/{lead.id}/edit", {**VALID_LEAD, "unit_price": "0,795"})
    assert response.status_code == 302
    assert saved_leads(clean_app)[0].unit_price == Decimal("0.795")


def test_the_edit_form_shows_the_price_with_a_point_in_english(client, clean_app):
    with clean_app.app_context():
        lead_id = make_lead(make_user("supplier", "sales@english.example.com"), unit_price="3.1510").id
    login(client, "sales@english.example.com")  # no saved language, no Accept-Language: English
    assert 'value="3.1510"' in client.get(f"/leads/{lead_id}/edit").get_data(as_text=True)


def test_confirming_a_quote_unchanged_in_spanish_is_a_confirmation(client, clean_app):
    """The figures shown as 0,79 and posted back as 0,79 are the figures as they are: confirmed even
    though an older detail (the e-mail here) would not pass today's checks."""
    spanish_supplier(clean_app, client)
    with clean_app.app_context():
        owner = db.session.execute(db.select(User).where(User.email == "ventas@proveedor.example.mx")).scalar_one()
        lead = make_lead(owner)
        approve(lead)
        lead.email = "not an address"
        db.session.commit()
        lead_id = lead.id
    page = client.get(f"/leads/{lead_id}/confirm").get_data(as_text=True)
    assert 'value="0,79"' in page
    response = post_form(client, f"/leads/{lead_id}/confirm", {"quantity": "50000", "unit_price": "0,79"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]


def test_a_spanish_buyer_edits_a_request_whose_figures_are_shown_with_decimal_commas(client, clean_app):
    """The second form of the kind: the request form shows 1,5 and 120,5 to a Spanish buyer, and
    saving it as shown keeps 1.5 and 120.5."""
    with clean_app.app_context():
        buyer = make_user("buyer", "compras@clinica.example.org", verified=True)
        request_id = make_request(buyer, max_unit_price="1.5", days_of_supply="", stock_on_hand="3000",
                                  avg_daily_use="120.5").id
    login(client, "compras@clinica.example.org")
    assert post_form(client, "/language", {"language": "es"}, form_page="/buyer").status_code == 302
    page = client.get(f"/buyer/requests/{request_id}/edit").get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', page))
    assert fields["max_unit_price"] == "1,5" and fields["avg_daily_use"] == "120,5", fields
    response = post_form(client, f"/buyer/requests/{request_id}/edit",
                         {**{k: v for k, v in fields.items() if k != "csrf_token"}, "category": "n95_respirator",
                          "facility_type": "hospital"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with clean_app.app_context():
        saved = db.session.get(DemandRequest, request_id)
        assert (saved.max_unit_price, saved.avg_daily_use) == (Decimal("1.5"), Decimal("120.5"))


def test_the_api_reads_numbers_with_a_decimal_point_whatever_the_accounts_language(client, clean_app):
    """A program's numbers mean the same whoever's token sends them (numbers.fixed_notation)."""
    with clean_app.app_context():
        user = make_user("supplier", "api@proveedor.example.mx")
        user.locale = "es"
        db.session.commit()
        token = make_api_token(user)
    headers = {**bearer(token), "Accept-Language": "es"}
    body = {k: v for k, v in VALID_LEAD.items() if k != "external_id"}
    response = client.post("/api/v1/leads", json={**body, "quantity": "1,500", "min_order_qty": "", "unit_price": "0.79"},
                           headers=headers)
    assert response.status_code == 201, response.get_json()
    refused = client.post("/api/v1/leads", json={**body, "quantity": "1.500"}, headers=headers)
    assert refused.status_code == 422 and {e["field"] for e in refused.get_json()["errors"]} == {"quantity"}
    [lead] = saved_leads(clean_app)
    assert (lead.quantity, lead.unit_price) == (1500, Decimal("0.79"))
