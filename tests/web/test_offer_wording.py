"""One word per reader for what a supplier submits (docs/decisions.md, "Offer or lead: one word per
reader; Spanish that agrees"). A fresh supplier read "My leads" in the menu beside "Offer supplies",
"Lead #7" on the page of the offer they had just submitted and "Your lead #7: ... proposed to a
buyer" in an e-mail, and "offer" everywhere else. Now a supplier reads "offer" (Spanish "oferta") on
every page of theirs (menu, titles, headings, buttons, flash messages), in every e-mail (subject and
body) and in the API's messages; staff keep "lead" in English, as in the vetting queue. Rendered
here as the supplier reads them, in English and in Spanish."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from marketplace.domain import i18n
from marketplace.extensions import db
from marketplace.models import OutboxEmail, User
from marketplace.services import accounts, demand, notifications, planning, quotes, vetting
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

# "lead" or "leads" as a word, but not "lead time" (the trade's word for the days to shipment).
LEAD_WORD = re.compile(r"\bleads?\b(?!\s+times?\b)", re.I)
# Addresses name the code's resource (/leads/7): not words people read.
ADDRESS = re.compile(r"https?://\S+|/leads\b\S*")
# The words the supplier reads for it, per language.
OFFER_WORD = {"en": re.compile(r"\boffers?\b", re.I), "es": re.compile(r"\bofertas?\b", re.I)}
PEOPLE_READ = re.compile(r'\b(?:title|aria-label|placeholder|alt)="([^"]*)"')


def readable(html: str) -> str:
    """What a person reads on a page: its title, its text and the attributes shown or spoken."""
    attributes = " ".join(PEOPLE_READ.findall(html))
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", f"{text} {attributes}").replace("&#39;", "'").replace("&amp;", "&")


def lead_words(text: str) -> list[str]:
    return LEAD_WORD.findall(ADDRESS.sub(" ", text))


def _world(app, locale: str):
    """A supplier (its account's language ``locale``) with: offer A, asked a question, answered,
    approved, proposed to a buyer and asked to confirm its quote; offer B rejected; offer C just
    submitted. Each step e-mails the supplier. Returns the ids and the supplier's e-mails."""
    with app.app_context():
        supplier = make_user("supplier", f"sales-{locale}@harbor.example", locale=locale)
        vetter = make_user("vetter", f"vera-{locale}@city.example")
        buyer = make_user("buyer", f"nurse-{locale}@hospital.example", verified=True)
        first, rejected, fresh = (make_lead(supplier) for _ in range(3))
        vetting.decide(first, vetter, "request_info", "Which model?")
        db.session.commit()
        vetting.decide(first, supplier, "answer", "The 1860.")
        db.session.commit()
        approve(first, vetter)
        match = planning.propose(make_request(buyer, quantity="3000"), first.id, 2000, vetter)
        db.session.commit()
        vetting.decide(rejected, vetter, "reject", "No certificate.")
        db.session.commit()
        first.valid_until = demand.today() + timedelta(days=1)
        assert quotes.ask_due().suppliers == 1
        db.session.commit()
        notifications.send_pending()
        mails = [(m.message["code"], m.subject, m.body) for m in db.session.execute(
            db.select(OutboxEmail).where(OutboxEmail.to_address == supplier.email).order_by(OutboxEmail.id)).scalars()]
        return {"email": supplier.email, "first": first.id, "rejected": rejected.id, "fresh": fresh.id,
                "match": match.id, "mails": mails, "token": make_api_token(supplier)}


@pytest.mark.parametrize("locale", ["en", "es"])
def test_every_email_to_a_supplier_says_offer_never_lead(clean_app, locale):
    world = _world(clean_app, locale)
    codes = [code for code, _subject, _body in world["mails"]]
    assert codes == ["lead_question", "lead_approved", "match_proposed", "lead_rejected", "quote_confirm"]
    for code, subject, body in world["mails"]:
        assert OFFER_WORD[locale].search(subject), (code, subject)
        assert lead_words(subject + "\n" + body) == [], (code, subject, body)
    proposed = dict((code, subject) for code, subject, _body in world["mails"])["match_proposed"]
    if locale == "en":  # the tester's example
        assert proposed.startswith(f"Your offer #{world['first']}: 2,000 N95 respirators proposed to a buyer (request #")
    else:
        assert proposed.startswith("Propuesta a un comprador: ") and f"de su oferta #{world['first']}" in proposed
        assert "propuestas" not in proposed


@pytest.mark.parametrize("locale", ["en", "es"])
def test_every_page_of_a_supplier_says_offer_never_lead(clean_app, locale):
    world = _world(clean_app, locale)
    client = clean_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = locale
    login(client, world["email"])
    first, fresh = world["first"], world["fresh"]
    expected = {
        "en": {"/leads": "My offers", f"/leads/{first}": f"Offer #{first}: N95 respirator",
               f"/leads/{fresh}/edit": f"Edit offer #{fresh}", f"/leads/{first}/confirm": f"Is offer #{first} still good?",
               "/notifications": f"Your offer #{first}: 2,000 N95 respirators proposed to a buyer"},
        "es": {"/leads": "Mis ofertas", f"/leads/{first}": f"Oferta n.º {first}: Respirador N95",
               f"/leads/{fresh}/edit": f"Editar la oferta n.º {fresh}",
               f"/leads/{first}/confirm": f"¿Sigue vigente la oferta n.º {first}?",
               "/notifications": f"de su oferta #{first} (solicitud #"},
    }[locale]
    pages = [*expected, f"/leads/{world['rejected']}", "/leads/new", "/matches/", f"/matches/{world['match']}"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        text = readable(response.get_data(as_text=True))
        assert lead_words(text) == [], (path, lead_words(text))
        if path in expected:
            assert expected[path] in text, (path, expected[path])
    menu = readable(client.get("/leads").get_data(as_text=True).split('<nav id="main-menu"', 1)[1].split("</nav>")[0])
    assert ("My offers" if locale == "en" else "Mis ofertas") in menu and lead_words(menu) == []

    # Flash messages: a new offer, an answer refused (no question waits), a withdrawal.
    submitted = post_form(client, "/leads/new", dict(VALID_LEAD), follow_redirects=True)
    refused = post_form(client, f"/leads/{first}/answer", {"answer": "Again."}, form_page=f"/leads/{first}",
                        follow_redirects=True)
    withdrawn = post_form(client, f"/leads/{first}/withdraw", {}, form_page=f"/leads/{first}/confirm",
                          follow_redirects=True)
    for response, said in ((submitted, {"en": "Your offer #", "es": "Gracias. Su oferta n.º "}),
                           (refused, {"en": "is not possible for an offer that is approved",
                                      "es": "no es posible para una oferta en estado «aprobada»"}),
                           (withdrawn, {"en": f"Offer #{first} is withdrawn", "es": f"La oferta n.º {first} está retirada"})):
        text = readable(response.get_data(as_text=True))
        assert said[locale] in text, (said[locale], text[:2000])
        assert lead_words(text) == []


def test_the_apis_message_to_a_supplier_says_offer_and_staff_keep_lead(clean_app):
    world = _world(clean_app, "en")
    client = clean_app.test_client()
    refused = client.post(f"/api/v1/leads/{world['first']}/answer", json={"answer": "Again."},
                          headers=bearer(world["token"]))
    assert refused.status_code == 409
    assert refused.get_json()["detail"] == "'Send answer' is not possible for an offer that is approved."
    with clean_app.app_context():  # the account's language, as the pages' and the e-mails'
        accounts.set_locale(db.session.execute(db.select(User).where(User.email == world["email"])).scalar_one(), "es")
        db.session.commit()
    spanish = client.post(f"/api/v1/leads/{world['first']}/answer", json={"answer": "Otra vez."},
                          headers=bearer(world["token"]))
    assert spanish.get_json()["detail"] == "«Enviar la respuesta» no es posible para una oferta en estado «aprobada»."

    # Staff read "lead", as in the vetting queue (English); Spanish has one word, "oferta".
    vetter = clean_app.test_client()
    login(vetter, "vera-en@city.example")
    page = readable(vetter.get(f"/staff/leads/{world['first']}").get_data(as_text=True))
    assert f"Lead #{world['first']}" in page and "Leads" in page
    with i18n.use_locale("es"):
        assert i18n._("Lead #%(id)s") == "Oferta n.º %(id)s"
