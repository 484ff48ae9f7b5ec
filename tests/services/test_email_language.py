"""Every e-mail in its recipient's language (issue 13): worded when the sender runs (a job, or right
after a request's commit), in the language the recipient's account chose (users.locale), English
when they chose none; the daily digest too. Sent to a real SMTP server (the fixtures of
test_mail_delivery), so the subject, both parts and the HTML part's language are what arrives."""
from __future__ import annotations

from marketplace.domain import i18n
from marketplace.extensions import db
from marketplace.models import OutboxEmail
from marketplace.services import accounts, notifications, vetting
from tests.conftest import make_lead, make_user
from tests.services import test_mail_delivery as delivery

# The SMTP server and the app that sends to it, as test_mail_delivery builds them.
smtp_server, mail_app, _parsed = delivery.smtp_server, delivery.mail_app, delivery._parsed


def _by_recipient(inbox) -> dict:
    return {message["To"]: message for message in _parsed(inbox)}


def _subject(message) -> str:
    return " ".join(str(message["Subject"]).split())  # a long subject arrives folded


def test_a_spanish_supplier_reads_the_vetters_question_and_the_approval_in_spanish_staff_in_english(mail_app):
    supplier = make_user("supplier", "maria@harbor.example.com")
    vetter = make_user("vetter", "vera@city.example.gov")
    admin = make_user("admin", "admin@city.example.gov")
    accounts.set_locale(supplier, "es")
    accounts.set_locale(admin, "en")  # chosen, as the vetter's None, English
    lead = make_lead(supplier)
    db.session.commit()

    vetting.decide(lead, vetter, "request_info", "¿Quién los fabricó?")
    db.session.commit()
    vetting.decide(lead, supplier, "answer", "3M, modelo 1860")
    db.session.commit()
    notifications.send_pending()
    told = _by_recipient(mail_app)
    question, answered = told["maria@harbor.example.com"], told["vera@city.example.gov"]
    assert _subject(question).startswith(f"Los revisores de la ciudad tienen una pregunta sobre su oferta #{lead.id}")
    text, html = question.get_body(("plain",)).get_content(), question.get_body(("html",)).get_content()
    assert "¿Quién los fabricó?" in text and "Ábralo en el mercado" in text and "Open it" not in text
    assert '<html lang="es">' in html and "Respóndala en la página de la oferta" in html
    assert "answered your question about lead" in _subject(answered)
    assert "Open it in the marketplace" in answered.get_body(("plain",)).get_content()
    assert '<html lang="en">' in answered.get_body(("html",)).get_content()

    mail_app.messages.clear()
    vetting.decide(lead, vetter, "escalate", "Looks odd")
    db.session.commit()
    vetting.decide(lead, admin, "approve_escalated", "Checked with 3M")
    db.session.commit()
    notifications.send_pending()
    told = _by_recipient(mail_app)
    assert _subject(told["admin@city.example.gov"]).startswith(f"Lead #{lead.id} of")
    assert "was escalated: an admin decides it." in _subject(told["admin@city.example.gov"])
    assert _subject(told["maria@harbor.example.com"]).startswith(f"La ciudad aprobó su oferta #{lead.id}")
    # The sender leaves the language as it found it (English here: no request chose one).
    assert i18n.current_locale() == "en"


def test_the_daily_digest_is_in_the_staff_members_language(mail_app):
    supplier = make_user("supplier", "maria@harbor.example.com")
    vetter = make_user("vetter", "vera@city.example.gov")
    accounts.set_locale(vetter, "es")
    notifications.set_digest(vetter, True)
    lead = make_lead(supplier)
    db.session.commit()
    vetting.decide(lead, vetter, "request_info", "Which factory?")
    db.session.commit()
    vetting.decide(lead, supplier, "answer", "Shenzhen plant 2")
    db.session.commit()
    assert notifications.send_digests() == 1
    db.session.commit()
    notifications.send_pending()
    digest = db.session.execute(db.select(OutboxEmail).where(OutboxEmail.to_address == vetter.email)).scalar_one()
    assert digest.subject.startswith("Su resumen del mercado del") and digest.subject.endswith("1 aviso")
    assert "respondió su pregunta sobre la oferta" in digest.body and "Todos sus avisos" in digest.body
