"""Facts, histories and labels in the reader's language (issue 13): a supplier whose browser asks for
Spanish reads their notifications, their offer's history and status, and the form's options in
Spanish; the same pages in English are as before. (The pages' own headings and buttons are marked by
the other areas.)"""
from __future__ import annotations

from marketplace.extensions import db
from marketplace.services import vetting
from tests.conftest import login, make_lead, make_user

SPANISH = {"Accept-Language": "es"}


def _asked(app):
    with app.app_context():
        supplier = make_user("supplier", "maria@harbor.example.com")
        vetter = make_user("vetter", "vera@city.example.gov")
        lead = make_lead(supplier)
        vetting.decide(lead, vetter, "request_info", "¿Quién los fabricó?")
        db.session.commit()
        return lead.id


def test_a_spanish_reader_sees_notifications_and_the_offers_history_in_spanish(client, clean_app):
    lead_id = _asked(clean_app)
    login(client, "maria@harbor.example.com")

    page = client.get("/notifications", headers=SPANISH).get_data(as_text=True)
    assert f"Los revisores de la ciudad tienen una pregunta sobre su oferta #{lead_id}" in page
    assert "¿Quién los fabricó?" in page  # the vetter's own words, as written
    assert "have a question about your offer" not in page

    page = client.get(f"/leads/{lead_id}", headers=SPANISH).get_data(as_text=True)
    assert "Oferta enviada por usted" in page and "Los revisores de la ciudad preguntaron: ¿Quién los fabricó?" in page
    assert "Se pidió información" in page  # the offer's status
    assert "Offer submitted by you" not in page and "Information requested" not in page

    english = client.get(f"/leads/{lead_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Offer submitted by you" in english and "Oferta enviada por usted" not in english


def test_a_forms_options_are_in_the_readers_language(client, clean_app):
    with clean_app.app_context():
        make_user("supplier", "maria@harbor.example.com")
    login(client, "maria@harbor.example.com")

    page = client.get("/leads/new", headers=SPANISH).get_data(as_text=True)
    assert '<option value="n95_respirator">Respirador N95</option>' in page
    assert '<option value="nitrile_gloves">Guantes de nitrilo</option>' in page
    assert '<option value="distributor">Distribuidor</option>' in page
    assert ">Nitrile gloves<" not in page
    # The same form, built once per process, in English for the next reader.
    page = client.get("/leads/new", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<option value="nitrile_gloves">Nitrile gloves</option>' in page and "Guantes de nitrilo" not in page
