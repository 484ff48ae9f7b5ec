"""The lead form's country choice, and how countries, phones and ZIP codes are shown (issue 8)."""
import re

from marketplace.extensions import db
from marketplace.models import Lead
from tests.conftest import VALID_LEAD, make_lead, post_form
from tests.web.test_leads_pages import field_errors, signed_in_supplier


def selected(html: str, name: str) -> list[str]:
    """The values of the selected options of select ``name`` (none: the browser shows the first)."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [value for tag, value in re.findall(r'(<option[^>]*value="([^"]*)"[^>]*>)', select) if "selected" in tag]


def options(html: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select)


def test_country_is_a_choice_of_every_country_the_us_by_default(client, clean_app):
    signed_in_supplier(client, clean_app)
    page = client.get("/leads/new").get_data(as_text=True)
    countries = options(page, "country")
    assert countries[0] == ("", "Choose…") and countries[1] == ("US", "United States")
    assert ("GB", "United Kingdom") in countries and ("MX", "Mexico") in countries and len(countries) >= 250
    assert selected(page, "country") == ["US"]
    assert selected(page, "country_of_origin") == []  # "Choose…", the first


def test_a_uk_lead_with_a_national_phone_is_saved_and_shown_as_read(client, clean_app):
    signed_in_supplier(client, clean_app)
    response = post_form(client, "/leads/new", {**VALID_LEAD, "country": "GB", "phone": "020 7946 0018",
                                                "postal_code": "ec1a 1bb", "country_of_origin": "CN"})
    assert response.status_code == 302, field_errors(response.get_data(as_text=True))
    with clean_app.app_context():
        lead = db.session.execute(db.select(Lead)).scalar_one()
        assert (lead.country, lead.phone, lead.postal_code, lead.country_of_origin) == (
            "GB", "020 7946 0018", "EC1A 1BB", "CN")
        lead_id = lead.id
    page = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert "020 7946 0018 <span class=\"muted\">(read as +44 20 7946 0018)</span>" in page
    assert "EC1A 1BB, United Kingdom" in page and "<dd>China</dd>" in page


def test_a_zip_without_its_zero_is_shown_as_read(client, clean_app):
    signed_in_supplier(client, clean_app)
    response = post_form(client, "/leads/new", {**VALID_LEAD, "postal_code": "2446", "city": "Brookline",
                                                "state": "MA", "phone": "+1 617 555 0142"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Brookline, MA, 02446, United States" in page


def test_messages_beside_the_fields_for_a_country_that_is_not_one_and_a_bad_zip(client, clean_app):
    signed_in_supplier(client, clean_app)
    response = post_form(client, "/leads/new", {**VALID_LEAD, "country": "Atlantis"})
    page = response.get_data(as_text=True)
    errors = field_errors(page)
    assert set(errors) == {"country", "phone"}
    assert "Unknown country &#39;Atlantis&#39;" in errors["country"]
    assert ("Atlantis", "Atlantis (not a country: choose one)") in options(page, "country")  # still seen
    errors = field_errors(post_form(client, "/leads/new", {**VALID_LEAD, "postal_code": "ABCDE"}).get_data(as_text=True))
    assert set(errors) == {"postal_code"} and "not a US ZIP code" in errors["postal_code"]
    errors = field_errors(post_form(client, "/leads/new", {**VALID_LEAD, "country": "GB", "phone": "12",
                                                     "postal_code": ""}).get_data(as_text=True))
    assert set(errors) == {"phone"} and "United Kingdom" in errors["phone"] and "+1" not in errors["phone"]


def test_an_older_free_text_country_is_selected_by_what_it_names(client, clean_app):
    user_id = signed_in_supplier(client, clean_app)
    with clean_app.app_context():
        from marketplace.models import User

        owner = db.session.get(User, user_id)
        lead = make_lead(owner, country="MX", phone="55 1234 5678", postal_code="06600")
        lead.country, lead.country_of_origin = "Mexico", "Narnia"  # as rows stored before issue 8
        db.session.commit()
        lead_id = lead.id
    detail = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert "06600, Mexico" in detail and "<dd>Narnia</dd>" in detail and "(read as +52 55 1234 5678)" in detail
    form = client.get(f"/leads/{lead_id}/edit").get_data(as_text=True)
    assert selected(form, "country") == ["MX"]
    assert selected(form, "country_of_origin") == ["Narnia"]  # shown as it was, not replaced unseen


def test_namibia_and_norway_chosen_from_the_list_are_saved_and_selected_again(client, clean_app):
    # The list's values are codes: NA chosen from it is Namibia, while "NA" typed in a CSV is refused.
    signed_in_supplier(client, clean_app)
    response = post_form(client, "/leads/new", {**VALID_LEAD, "country": "NA", "phone": "+264 61 123 4567",
                                                "postal_code": "", "country_of_origin": "NO"})
    assert response.status_code == 302, field_errors(response.get_data(as_text=True))
    with clean_app.app_context():
        lead = db.session.execute(db.select(Lead)).scalar_one()
        assert (lead.country, lead.country_of_origin) == ("NA", "NO")
        lead_id = lead.id
    form = client.get(f"/leads/{lead_id}/edit").get_data(as_text=True)
    assert selected(form, "country") == ["NA"] and selected(form, "country_of_origin") == ["NO"]
    assert "Namibia" in client.get(f"/leads/{lead_id}").get_data(as_text=True)


def test_a_mexican_postal_code_without_its_zero_is_saved_with_it(client, clean_app):
    signed_in_supplier(client, clean_app)
    response = post_form(client, "/leads/new", {**VALID_LEAD, "country": "MX", "phone": "55 1234 5678",
                                                "postal_code": "6600"})
    assert response.status_code == 302, field_errors(response.get_data(as_text=True))
    assert "06600, Mexico" in client.get(response.headers["Location"]).get_data(as_text=True)
    errors = field_errors(post_form(client, "/leads/new", {**VALID_LEAD, "country": "DE", "phone": "",
                                                          "postal_code": "123456"}).get_data(as_text=True))
    assert set(errors) == {"postal_code"} and "give 5 digits, for example 26133" in errors["postal_code"]
