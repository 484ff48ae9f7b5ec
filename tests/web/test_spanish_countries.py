"""Countries in the reader's language (issue 13): the offer form's two country lists and the
lead page name the countries in Spanish for a Spanish reader (CLDR's names, ordered by them),
and stay English for an English one; the value stored is the code either way."""
import re

from marketplace.extensions import db
from marketplace.models import Lead
from tests.conftest import VALID_LEAD, login, make_user, post_form

SUPPLIER = "ventas@suministrospacifico.example"


def _options(html: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S).group(0)
    return re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select)


def test_the_offer_form_lists_the_countries_in_the_readers_language(clean_app):
    with clean_app.app_context():
        make_user("supplier", SUPPLIER)
    client = clean_app.test_client()
    login(client, SUPPLIER)
    english = client.get("/leads/new").get_data(as_text=True)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-MX,es;q=0.9"
    spanish = client.get("/leads/new").get_data(as_text=True)

    for name in ("country", "country_of_origin"):
        en, es = dict(_options(english, name)), dict(_options(spanish, name))
        assert en["MX"] == "Mexico" and en["DE"] == "Germany" and en["US"] == "United States"
        assert es["MX"] == "México" and es["DE"] == "Alemania" and es["US"] == "Estados Unidos"
        codes = [code for code, _label in _options(spanish, name)]
        assert codes[1] == "US" and codes.index("DE") < codes.index("DZ")  # Alemania, Argelia
    assert "Antigua y Barbuda" in spanish and "Antigua and Barbuda" not in spanish

    # Chosen from the Spanish list, the code is stored; the lead page names it in Spanish.
    response = post_form(client, "/leads/new", {**VALID_LEAD, "country_of_origin": "MX"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    with clean_app.app_context():
        lead = db.session.execute(db.select(Lead)).scalar_one()
        assert lead.country_of_origin == "MX"
        lead_id = lead.id
    page = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert "México" in page
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "Mexico" in client.get(f"/leads/{lead_id}").get_data(as_text=True)
