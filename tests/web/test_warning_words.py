"""The wording faults a fresh user found, on the pages (branch warnwords): the forms' figure
warnings in Spanish, the flash after a decision or a match's step says what was done, the dashboard's
match table, signed weights and the open data's publisher in the reader's language."""
from __future__ import annotations

import html
import re

from flask import render_template_string

from marketplace.domain.i18n import use_locale
from marketplace.extensions import db
from marketplace.services import dashboard
from tests.conftest import VALID_LEAD, login, make_lead, make_user, post_form, valid_demand
from tests.services.test_dashboard import build_scenario
from tests.web.test_lead_form_figures import field_errors
from tests.web.test_spanish_buyer import _proposal

ES = {"Accept-Language": "es"}


def _text(response) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).replace("\xa0", " ")


def _errors(response) -> dict[str, str]:
    return {k: html.unescape(v).replace("\xa0", " ") for k, v in field_errors(response.get_data(as_text=True)).items()}


def test_the_lead_form_in_spanish_asks_about_its_figures_in_spanish(client, clean_app):
    with clean_app.app_context():
        make_user("supplier", "s@example.org", locale="es")
    login(client, "s@example.org")
    fields = {**VALID_LEAD, "product_category": "nitrile_gloves", "certification": "ASTM D6319",
              "product_description": "Guantes de nitrilo", "min_order_qty": "", "unit_price": "1,50"}
    errors = _errors(post_form(client, "/leads/new", fields, headers=ES))
    assert errors["unit_price"] == (  # over the legal ceiling: the ceiling's sentence
        "1,50 US$ por unidad es 43x el precio de referencia de guantes de examen de nitrilo (cada uno) "
        "(0,035 US$): más de un 10% por encima. El Código Penal de California 396 prohíbe esos precios durante "
        "una emergencia declarada. El personal de la ciudad ve la oferta señalada y solo la aprueba con una "
        "justificación que deja registrada. Si el precio es correcto, confírmelo abajo.")
    boxed = _errors(post_form(client, "/leads/new", {**fields, "unit_price": "12,50",
                                                     "product_description": "Guantes de nitrilo, caja de 100"},
                              headers=ES))
    assert "La oferta dice «caja de 100»: si 12,50 US$ es el precio de una caja, indique 100" in boxed["unit_price"]
    assert "reference" not in boxed["unit_price"] and "confirm it" not in boxed["unit_price"]


def test_the_request_form_in_spanish_asks_about_its_maximum_in_spanish(client, clean_app):
    with clean_app.app_context():
        make_user("buyer", "buyer@hospital.example", verified=True, locale="es")
    login(client, "buyer@hospital.example")
    errors = _errors(post_form(client, "/buyer/requests/new",
                               valid_demand(category="nitrile_gloves", max_unit_price="12,50"), headers=ES))
    assert errors["max_unit_price"] == (
        "12,50 US$ por unidad es 357x el precio de referencia de guantes de examen de nitrilo (cada uno) "
        "(0,035 US$). El máximo es por unidad suelta (un guante, una mascarilla, un frasco), no por caja ni por bulto.")
    low = _errors(post_form(client, "/buyer/requests/new", valid_demand(max_unit_price="0,05"), headers=ES))
    assert low["max_unit_price"].startswith("0,05 US$ por unidad es 0,06x el precio de referencia de respiradores N95")


def test_asking_the_supplier_says_the_question_was_sent(client, clean_app):
    with clean_app.app_context():
        lead_id = make_lead(make_user("supplier")).id
        make_user("vetter", "vetter@city.example")
    login(client, "vetter@city.example")
    page = f"/staff/leads/{lead_id}"
    text = _text(post_form(client, f"{page}/decision", {"action": "request_info", "text": "Which model?"},
                           form_page=page, follow_redirects=True))
    assert f"Your question was sent to the supplier; lead #{lead_id} waits for the answer." in text
    assert "is now" not in text


def test_confirming_availability_says_so_not_a_status_that_did_not_change(clean_app):
    _buyer, supplier_email, _request, match_id = _proposal(clean_app)
    supplier = clean_app.test_client()
    login(supplier, supplier_email)
    page = f"/matches/{match_id}"
    text = _text(post_form(supplier, f"{page}/act", {"action": "confirm_availability"}, form_page=page,
                           follow_redirects=True))
    assert f"You confirmed you can supply match #{match_id}." in text and "is now proposed" not in text
    text = _text(post_form(supplier, f"{page}/act", {"action": "confirm_availability"}, form_page=page,
                           headers=ES, follow_redirects=True))
    assert f"Confirmó que puede suministrar la propuesta #{match_id}." in text


def test_no_dashboard_table_has_a_row_named_as_the_table_in_spanish(clean_app):
    with clean_app.app_context():
        build_scenario()
        dashboard.refresh()
        db.session.commit()
        make_user("vetter", "vetter@city.example")
    client = clean_app.test_client()
    login(client, "vetter@city.example")
    page = client.get("/dashboard", headers=ES).get_data(as_text=True)
    tables = re.findall(r"<table[^>]*>\s*<caption>([^<]*)</caption>(.*?)</table>", page, flags=re.S)
    assert ("Propuestas", ) == tuple(c for c, _rows in tables if c == "Propuestas")
    for caption, rows in tables:
        assert caption.strip() not in [r.strip() for r in re.findall(r'<th scope="row">([^<]*)</th>', rows)], caption
    assert '<th scope="row">Por responder</th>' in page


def test_signed_weights_follow_the_readers_notation(clean_app):
    """The duplicate evidence's weights on the lead page ("igual (+4.0)") and a signal's weight."""
    template = "{{ 4.0|signed }} {{ -2.5|signed }} {{ -30|signed(0) }}"
    with clean_app.test_request_context(), use_locale("es"):  # as a Spanish request sets it
        assert render_template_string(template) == "+4,0 -2,5 -30"
    with clean_app.test_request_context():
        assert render_template_string(template) == "+4.0 -2.5 -30"


def test_the_open_data_publisher_is_a_description_in_spanish_or_the_name_the_city_set(clean_app, monkeypatch):
    from marketplace.services import open_data

    with clean_app.app_context():
        open_data.refresh()
        db.session.commit()
    client = clean_app.test_client()
    assert "Publicado por la oficina de compras de la ciudad bajo" in _text(client.get("/open-data", headers=ES))
    assert "Published by City procurement office under" in _text(client.get("/open-data"))
    assert client.get("/open-data/datapackage.json", headers=ES).data == client.get("/open-data/datapackage.json").data
    monkeypatch.setitem(clean_app.config, "OPEN_DATA_PUBLISHER", "Oficina de Compras de Ejemplo")
    assert "Publicado por Oficina de Compras de Ejemplo bajo" in _text(client.get("/open-data", headers=ES))
