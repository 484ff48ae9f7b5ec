"""The supplier's form with the figures of issue 8: decimal commas refused beside the field,
figures far from the reference confirmed before saving, prices per pack shown as read."""
import re

from marketplace.extensions import db
from marketplace.models import Lead
from tests.conftest import VALID_LEAD, login, make_user, post_form


def field_errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'<p id="([a-z_]+)-error" class="error">([^<]*)</p>', html))


def supplier(client, clean_app, email="s@example.org"):
    with clean_app.app_context():
        make_user("supplier", email)
    login(client, email)


def confirmed_digest(html: str) -> str:
    """The hidden digest of the warned figures, which a browser posts back with the ticked box."""
    match = re.search(r'name="confirmed_figures" type="hidden" value="([0-9a-f]+)"', html) or re.search(
        r'value="([0-9a-f]+)"[^>]*name="confirmed_figures"', html)
    assert match, "the warned figures' digest is not in the form"
    return match.group(1)


def saved_leads(clean_app) -> list[Lead]:
    with clean_app.app_context():
        return list(db.session.execute(db.select(Lead)).scalars())


def test_a_decimal_comma_in_the_form_is_refused_not_saved_as_12(client, clean_app):
    supplier(client, clean_app)
    response = post_form(client, "/leads/new", {**VALID_LEAD, "unit_price": "0,12", "quantity": "1,5"})
    assert response.status_code == 200
    errors = field_errors(response.get_data(as_text=True))
    assert "Use a decimal point, for example 0.12" in errors["unit_price"]
    assert "whole number" in errors["quantity"]
    assert 'value="0,12"' in response.get_data(as_text=True)  # what was typed stays in the field
    assert saved_leads(clean_app) == []


def test_scientific_notation_is_refused(client, clean_app):
    supplier(client, clean_app)
    response = post_form(client, "/leads/new", {**VALID_LEAD, "unit_price": "1e3"})
    assert "without an exponent" in field_errors(response.get_data(as_text=True))["unit_price"]
    assert saved_leads(clean_app) == []


def test_figures_far_from_the_reference_are_saved_only_once_confirmed(client, clean_app):
    supplier(client, clean_app)
    fields = {**VALID_LEAD, "unit_price": "0.0001", "quantity": "1000000000000", "min_order_qty": ""}
    first = post_form(client, "/leads/new", fields)
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and saved_leads(clean_app) == []
    errors = field_errors(html)
    assert "1/7,900 of the reference price" in errors["unit_price"] and "0x" not in errors["unit_price"]
    assert "1,000,000,000,000 units" in errors["quantity"]
    assert 'name="confirm_figures"' in html and "Please check the figures" in html
    # The second submit, with the box ticked, saves the figures exactly as typed.
    second = post_form(client, "/leads/new", {**fields, "confirm_figures": "y",
                                              "confirmed_figures": confirmed_digest(html)})
    assert second.status_code == 302
    [lead] = saved_leads(clean_app)
    assert (str(lead.unit_price.normalize()), lead.quantity) == ("0.0001", 10**12)


def test_the_box_confirms_only_the_figures_that_were_warned_about(client, clean_app):
    """Tester item 3: warned about 0.0001, tick the box AND change the price: warned again."""
    supplier(client, clean_app)
    fields = {**VALID_LEAD, "unit_price": "0.0001", "min_order_qty": ""}
    first = post_form(client, "/leads/new", fields).get_data(as_text=True)
    digest = confirmed_digest(first)
    changed = post_form(client, "/leads/new", {**fields, "unit_price": "79", "confirm_figures": "y",
                                               "confirmed_figures": digest})
    html = changed.get_data(as_text=True)
    assert changed.status_code == 200 and saved_leads(clean_app) == []
    assert "not the ones you confirmed" in html and "$79.00 a unit" in field_errors(html)["unit_price"]
    [box] = re.findall(r'<input[^>]*name="confirm_figures"[^>]*>', html)
    assert "checked" not in box  # the box is cleared for the new figures
    # A second kind: the box ticked although no warning was shown (no digest) asks first.
    unasked = post_form(client, "/leads/new", {**fields, "quantity": "1000000000000", "confirm_figures": "y"})
    assert unasked.status_code == 200 and "Please check the figures" in unasked.get_data(as_text=True)
    # Confirming what was shown (79 now) saves 79.
    saved = post_form(client, "/leads/new", {**fields, "unit_price": "79", "confirm_figures": "y",
                                             "confirmed_figures": confirmed_digest(html)})
    assert saved.status_code == 302
    [lead] = saved_leads(clean_app)
    assert lead.unit_price == 79


def test_ordinary_figures_are_saved_without_a_question(client, clean_app):
    supplier(client, clean_app)
    page = client.get("/leads/new").get_data(as_text=True)
    assert 'name="confirm_figures"' not in page and 'name="pack_size"' in page
    assert post_form(client, "/leads/new", VALID_LEAD).status_code == 302


def test_a_price_per_box_without_a_pack_size_asks_whether_it_is_per_box(client, clean_app):
    supplier(client, clean_app)
    response = post_form(client, "/leads/new", {
        **VALID_LEAD, "product_category": "nitrile_gloves", "certification": "ASTM D6319",
        "product_description": "Nitrile exam gloves - box of 100", "unit_price": "12.50",
        "quantity": "2000", "min_order_qty": ""})
    message = field_errors(response.get_data(as_text=True))["unit_price"]
    assert "357x the reference" in message and "enter 100 under units per pack" in message


def test_a_price_per_pack_is_stored_per_unit_and_shown_as_read(client, clean_app):
    supplier(client, clean_app)
    response = post_form(client, "/leads/new", {
        **VALID_LEAD, "product_category": "nitrile_gloves", "certification": "ASTM D6319",
        "product_description": "Nitrile exam gloves - box of 100", "unit_price": "3.80",
        "pack_size": "100", "quantity": "2,000", "min_order_qty": ""})
    assert response.status_code == 302
    [lead] = saved_leads(clean_app)
    assert (lead.quantity, str(lead.unit_price.normalize()), lead.pack_size) == (200_000, "0.038", 100)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "$3.80 per pack of 100 = $0.038 per unit" in page
    assert "200,000 units (2,000 packs of 100)" in page
    # The edit form shows the figures as the supplier typed them: per pack.
    form = client.get(f"/leads/{lead.id}/edit").get_data(as_text=True)
    assert 'value="3.8"' in form and 'value="2000"' in form and 'value="100"' in form


def test_staff_propose_box_reads_units_by_the_same_rule(client, clean_app):
    from marketplace.models import Match
    from tests.conftest import approve, make_lead, make_request

    with clean_app.app_context():
        buyer = make_user("buyer", "nurse@stvincent.example", verified=True)
        vetter = make_user("vetter", "v@city.example")
        request = make_request(buyer, quantity="3000")
        lead = make_lead(make_user("supplier", "sales@harbor.example"), quantity="5000")
        approve(lead, vetter)
        request_id, lead_id = request.id, lead.id
    login(client, "v@city.example")
    page = f"/staff/requests/{request_id}"
    refused = post_form(client, f"{page}/propose", {"lead_id": str(lead_id), "quantity": "1,5"}, form_page=page)
    assert "a comma only separates thousands" in refused.get_data(as_text=True)  # beside the box (a11y-forms)
    accepted = post_form(client, f"{page}/propose", {"lead_id": str(lead_id), "quantity": "2,000"}, form_page=page)
    assert accepted.status_code == 302
    with clean_app.app_context():
        assert [m.quantity for m in db.session.execute(db.select(Match)).scalars()] == [2000]
