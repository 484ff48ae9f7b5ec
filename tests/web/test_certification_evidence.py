"""The vetter sees the registry entry and its date behind a certification signal; the supplier's
form shows a hint that passes the rules."""
from html import unescape

from marketplace.domain.certifications import certification_hint
from marketplace.services import processing
from tests.conftest import login, make_lead, make_user


def test_the_vetting_page_shows_the_registry_entry_and_its_date(client, clean_app):
    with clean_app.app_context():
        make_user("vetter", "v@city.example")
        lead = make_lead(None, product_category="nitrile_gloves", unit_price="0.035",
                         product_description="Nitrile exam gloves", certification="FDA 510(k) K 202354")
        processing.process_lead(lead.id)
        lead_id = lead.id
    login(client, "v@city.example")
    page = unescape(client.get(f"/staff/leads/{lead_id}").get_data(as_text=True))
    assert "K202354 is FDA's clearance of 'Surgical Mask-Model Number CW01' (surgical masks, FXX)" in page
    assert "Evidence: FDA 510(k) clearances, our copy of 2020-11" in page
    assert "<td>Hunan Heng Chang Pharmaceutical Co., Ltd.</td>" in page and "<th>product code</th>" in page
    assert "openFDA device 510(k) data" in page


def test_the_lead_form_hint_is_the_rules_own(client, clean_app):
    with clean_app.app_context():
        make_user("supplier", "s@example.org")
    login(client, "s@example.org")
    page = unescape(client.get("/leads/new").get_data(as_text=True))
    assert certification_hint() in page and "NIOSH TC-84A-0006" in page and "K123456" not in page
