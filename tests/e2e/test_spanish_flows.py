"""Issue 13's done-when, in a real browser whose language is Spanish (locale es-ES: the browser
sends Accept-Language: es-ES):

* a Spanish-speaking supplier registers, offers supplies (a refused price first, then the price
  typed the Spanish way, "0,79"), answers a vetter's question and confirms a delivery date without
  meeting an English sentence, and the e-mails they receive are in Spanish;
* a buyer at a clinic registers, posts a request (a refused field first) and accepts a proposal,
  in Spanish, and their e-mails are in Spanish too.

The other parties (the vetter, the admin who verifies the clinic, staff proposing a match) act
through the services, as the other browser tests' setup does: only the Spanish reader is judged.
Elements are found by id, name, href and role, never by their words (the wording may change).

"No English sentence": every page's visible text, its title and the texts of its attributes
(aria-label, title, placeholder, alt) are read line by line (english_lines); so are the subject
and body of every e-mail to the Spanish reader. Each English line found is kept with its page and
the flow goes on, so that one failure lists every English text of the flow, not just the first.
The test's own data is Spanish, so that only the marketplace's words are judged.
"""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Lead, Match, OutboxEmail, User
from marketplace.services import matches, planning, vetting
from tests.conftest import DEFAULT_PASSWORD, approve, city_today, make_lead, make_request, make_user, outbox_link
from tests.e2e.conftest import expect, field_container
from tests.e2e.english import english_lines, page_english
from tests.e2e.test_vetting_flow import processed  # noqa: F401  (fixture)
from tests.jobs.conftest import wait_until

pytestmark = pytest.mark.e2e

SPANISH = {"locale": "es-ES"}  # Playwright sends it as Accept-Language


def test_the_english_detector_finds_english_and_passes_spanish():
    assert english_lines("Please correct the fields marked below.\nOfertas") == ["Please correct the fields marked below."]
    assert english_lines("Sign out\nMatches\nSalir") == ["Sign out", "Matches"]
    assert english_lines("#1 · 5,000 · $0.79\n#1 · 5000 · 0,79 US$\n1.234,50 US$ · 2026-12-06") == ["#1 · 5,000 · $0.79"]
    assert english_lines("Aceptada · Nov 30, 14:11\nAceptada · 30 nov, 14:11") == ["Aceptada · Nov 30, 14:11"]
    assert english_lines('{"source": "form", "status": "submitted"}\n{"status": approved}') == ['{"status": approved}']
    assert english_lines("Ábralo en el mercado: http://127.0.0.1:5000/account/confirm?token=x\n"
                         "Escriba a offers@leads.example") == []
    assert english_lines("Corrija los campos marcados abajo.\nSu oferta #3 está guardada.\n"
                         "Respiradores N95 3M 1860, 20 por caja · NIOSH TC-84A-0006\n"
                         "Suministros Médicos del Pacífico · María García · 0,79 US$ la unidad\n"
                         "Vacío: 14 días desde hoy; no se propone a los compradores.") == []


class SpanishReader:
    """What the Spanish reader met that was not Spanish: {where: [English lines]}."""

    def __init__(self):
        self.english: dict[str, list[str]] = {}

    def page(self, page, where: str = "") -> None:
        """Read the page as it is now: html lang must be "es", and no English line."""
        page.wait_for_load_state("load")
        where = where or page.url.split("/", 3)[-1]
        lang = page.evaluate("document.documentElement.lang")
        lines = page_english(page)
        if lang != "es":
            lines.insert(0, f'<html lang="{lang}">')
        if lines:
            self.english.setdefault(f"/{where}", []).extend(line for line in lines
                                                          if line not in self.english.get(f"/{where}", []))

    def emails(self, app, address: str, *, at_least: int) -> list[str]:
        """Read every e-mail to ``address`` like a page, once at least ``at_least`` are sent (each
        is worded when sent, in its recipient's language: in-process on the embedded default, by
        the workers with Redis); returns their subjects."""
        def all_sent():
            with app.app_context():
                db.session.remove()
                rows = db.session.execute(select(OutboxEmail).where(OutboxEmail.to_address == address)).scalars().all()
                return len(rows) >= at_least and all(row.status == "sent" for row in rows)
        wait_until(all_sent, 60, what=f"the e-mails to {address} sent")
        with app.app_context():
            rows = db.session.execute(select(OutboxEmail).where(OutboxEmail.to_address == address)
                                      .order_by(OutboxEmail.id)).scalars().all()
            for row in rows:
                lines = english_lines(f"{row.subject}\n{row.body}")
                if lines:
                    self.english[f"e-mail {row.message.get('code') if row.message else row.id}: {row.subject}"] = lines
            return [row.subject for row in rows]

    def assert_spanish(self) -> None:
        report = "\n".join(f"{where}:\n    " + "\n    ".join(lines) for where, lines in self.english.items())
        assert not self.english, f"English met by the Spanish reader on {len(self.english)} page(s)/e-mail(s):\n{report}"


def submit(page, form_selector: str = "main form") -> None:
    """Press the form's submit button (found by its type, not its words) and wait for the answer."""
    page.locator(form_selector).locator("button[type=submit]").last.click()
    page.wait_for_load_state("load")


def nav_link(page, path_end: str):
    return page.locator(f"header nav a[href$='{path_end}']").first


def sign_in_es(page, email: str, reader: SpanishReader) -> None:
    """Sign in through the login form, in Spanish (the form read first)."""
    page.goto("/login")
    reader.page(page)
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEFAULT_PASSWORD)
    submit(page)
    expect(page.locator("header form[action$='/logout'] button")).to_be_visible()


def visit(page, reader: SpanishReader, path: str, where: str = "") -> None:
    """Go to ``path`` and read the page."""
    page.goto(path)
    reader.page(page, where)


def fill(page, **values: str) -> None:
    """Type each value into the field with that id."""
    for field_id, value in values.items():
        page.locator(f"#{field_id}").fill(value)


def choose(page, **options: str) -> None:
    """Pick each option (by value) in the select with that id."""
    for field_id, value in options.items():
        page.locator(f"#{field_id}").select_option(value)


def passwords(page, confirm: str = DEFAULT_PASSWORD) -> None:
    """The password, and its confirmation (``confirm``: the same unless told)."""
    fill(page, password=DEFAULT_PASSWORD, confirm=confirm)


def open_registration(page, reader: SpanishReader, role: str) -> None:
    """From the start page, the header's link to register as ``role``; both pages read."""
    visit(page, reader, "/", "(start page)")
    nav_link(page, f"/register/{role}").click()
    expect(page).to_have_url(re.compile(rf"/register/{role}$"))
    reader.page(page)


def registered(page, reader: SpanishReader, role: str) -> None:
    """Send the registration form; the page that asks to confirm the address is read."""
    submit(page)
    expect(page.locator("main h1")).to_have_count(1)
    reader.page(page, f"register/{role} (check your e-mail)")


def confirm_address(page, app, reader: SpanishReader, email: str) -> None:
    """Open the confirmation link from the real outbox and confirm; both pages read."""
    with app.app_context():
        link = outbox_link(email, "email_confirm")
    visit(page, reader, link, "account/confirm")
    submit(page)
    reader.page(page, "account/confirm (confirmed)")


def retyped(page, form_selector: str, field_id: str, value: str) -> None:
    """Type ``value`` (the Spanish way) into a refused field and send the form again: accepted."""
    fill(page, **{field_id: value})
    submit(page, form_selector)
    assert page.locator(".field.has-error .error").all_inner_texts() == [], f"{value} is refused"


def action_form(page, action: str):
    """The form that posts ``action`` (the match page's buttons)."""
    return page.locator(f"form:has(input[name=action][value={action}])")


def test_a_spanish_supplier_registers_offers_answers_a_question_and_confirms_the_delivery(
        clean_app, open_page, processed):  # noqa: F811
    reader = SpanishReader()
    email = "maria.garcia@suministrospacifico.example"
    page = open_page(**SPANISH)

    # The start page, then register as a supplier; the passwords differ first.
    open_registration(page, reader, "supplier")
    fill(page, name="María García", email=email, organisation_name="Suministros Médicos del Pacífico")
    passwords(page, confirm=DEFAULT_PASSWORD + "!")
    submit(page)
    expect(field_container(page, "confirm").locator(".error")).to_have_count(1)
    reader.page(page, "register/supplier (refused: the passwords differ)")
    passwords(page)
    registered(page, reader, "supplier")

    # The confirmation link, from the real outbox.
    confirm_address(page, clean_app, reader, email)

    sign_in_es(page, email, reader)
    expect(page).to_have_url(re.compile(r"/leads$"))
    reader.page(page)

    # Offer supplies: the price 0 is refused, the message beside the price, in Spanish.
    nav_link(page, "/leads/new").click()
    expect(page).to_have_url(re.compile(r"/leads/new$"))
    reader.page(page)
    choose(page, product_category="n95_respirator", supplier_type="distributor")
    fill(page, product_description="Respiradores 3M 1860, 20 por caja", quantity="8000", unit_price="0",
         lead_time_days="5", certification="NIOSH TC-84A-0006", payment_terms="Neto 30", phone="(213) 555-0100",
         city="Long Beach", state="CA", postal_code="90802")
    submit(page, "form.lead-form")
    price = field_container(page, "unit_price")
    expect(price).to_have_class(re.compile(r"\bhas-error\b"))
    expect(page.locator(".field.has-error")).to_have_count(1)
    expect(price.locator(".error")).not_to_have_text(re.compile(r"unit price|must be", re.I))
    reader.page(page, "leads/new (refused: the price)")
    retyped(page, "form.lead-form", "unit_price", "0,79")
    expect(page).to_have_url(re.compile(r"/leads/\d+$"))
    lead_id = int(re.search(r"/leads/(\d+)$", page.url).group(1))
    reader.page(page, "leads/<id> (saved)")
    processed(1)

    # A vetter asks a question; the supplier sees the notification and answers on the lead page.
    with clean_app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert lead.unit_price == Decimal("0.79"), lead.unit_price  # "0,79": 79 cents
        vetter = make_user("vetter", "revisor@ciudad.example.gov")
        vetting.decide(lead, vetter, "request_info", "¿Quién fabricó los respiradores y dónde?")
        db.session.commit()
    visit(page, reader, "/notifications")
    page.locator("ul.notifications li.unread a").first.click()
    expect(page).to_have_url(re.compile(rf"/leads/{lead_id}$"))
    reader.page(page, "leads/<id> (a question)")
    fill(page, answer="   ")  # blank (the browser refuses an empty box itself): refused, beside the box
    submit(page, "form[action$='/answer']")
    expect(field_container(page, "answer").locator(".error")).to_have_count(1)
    reader.page(page, "leads/<id>/answer (refused: empty)")
    fill(page, answer="Los fabrica 3M en Aberdeen, Dakota del Sur; adjunto el certificado.")
    submit(page, "form[action$='/answer']")
    expect(page.locator(".flash")).to_have_count(1)
    reader.page(page, "leads/<id> (answered)")

    # The lead is approved; a clinic's request is proposed this offer, and the clinic accepts.
    with clean_app.app_context():
        vetter = db.session.merge(vetter)
        lead = db.session.get(Lead, lead_id)
        approve(lead, vetter)
        buyer = make_user("buyer", "compras@clinicaesperanza.example", organisation="Clínica Comunitaria La Esperanza",
                          organisation_kind="clinic", verified=True)
        request = make_request(buyer, quantity="5000", days_of_supply="3", facility_type="clinic")
        match = planning.propose(request, lead_id, 5000, vetter)
        db.session.commit()
        matches.act_on_match(match, buyer, "accept")
        db.session.commit()
        match_id = match.id

    visit(page, reader, f"/leads/{lead_id}", "leads/<id> (approved, matched)")
    page.locator(f"main a[href$='/matches/{match_id}']").first.click()
    reader.page(page, "matches/<id>")
    delivery = action_form(page, "set_delivery_date")
    delivery.locator("#delivery_on").fill("2020-01-01")  # in the past: refused beside the field
    delivery.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    expect(field_container(page, "delivery_on").locator(".error")).to_have_count(1)
    reader.page(page, "matches/<id> (refused: a past date)")
    day = city_today() + timedelta(days=6)
    delivery.locator("#delivery_on").fill(day.isoformat())
    delivery.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_have_count(1)
    reader.page(page, "matches/<id> (delivery date saved)")
    with clean_app.app_context():
        assert db.session.get(Match, match_id).delivery_on == day
    visit(page, reader, "/matches/")
    visit(page, reader, "/notifications", "notifications (at the end)")

    # The e-mails: the confirmation link, the question, the approval, the accepted match.
    subjects = reader.emails(clean_app, email, at_least=3)
    assert len(subjects) >= 3, subjects
    assert page.errors == []
    reader.assert_spanish()


def test_a_spanish_buyer_registers_posts_a_request_and_accepts_a_proposal(
        clean_app, open_page, processed):  # noqa: F811
    reader = SpanishReader()
    email = "ana.lopez@clinicaesperanza.example"
    with clean_app.app_context():
        supplier = make_user("supplier", "ventas@suministrospacifico.example",
                             organisation="Suministros Médicos del Pacífico")
        lead_id = make_lead(supplier, company_name="Suministros Médicos del Pacífico", contact_name="María García",
                            email="ventas@suministrospacifico.example", quantity="8000", unit_price="0.79",
                            lead_time_days="5", product_description="Respiradores 3M 1860, 20 por caja",
                            payment_terms="Neto 30").id
    processed(1)
    with clean_app.app_context():
        vetter = make_user("vetter", "revisor@ciudad.example.gov")
        approve(db.session.get(Lead, lead_id), vetter)

    page = open_page(**SPANISH)
    open_registration(page, reader, "buyer")
    choose(page, organisation_kind="clinic", licence_kind="npi")
    fill(page, name="Ana López", email=email, organisation_name="Clínica Comunitaria La Esperanza",
         street="1200 Calle Olvera", city="Los Ángeles", state="CA", postal_code="90012", phone="(213) 555-0134",
         licence_number="1234567890")  # a wrong check digit: refused beside the field
    passwords(page)
    submit(page)
    expect(field_container(page, "licence_number").locator(".error")).to_have_count(1)
    reader.page(page, "register/buyer (refused: the NPI)")
    fill(page, licence_number="1234567893")
    passwords(page)
    registered(page, reader, "buyer")
    confirm_address(page, clean_app, reader, email)

    # The city verifies the clinic; the buyer signs in and posts a request, a mistake first.
    with clean_app.app_context():
        from marketplace.services import accounts

        admin = make_user("admin", "admin@ciudad.example.gov")
        buyer = db.session.execute(select(User).where(User.email == email)).scalar_one()
        accounts.verify_organisation(buyer.organisation, actor_id=admin.id)
        db.session.commit()
    sign_in_es(page, email, reader)
    reader.page(page, "buyer home")
    page.locator("main a[href$='/buyer/requests/new']").first.click()
    reader.page(page)
    choose(page, category="n95_respirator", facility_type="clinic")
    fill(page, quantity="5000", max_unit_price="uno cincuenta",
         needed_by=(city_today() + timedelta(days=21)).isoformat(), postal_code="90033", days_of_supply="3")
    submit(page, "form.demand-form")
    expect(field_container(page, "max_unit_price").locator(".error")).to_have_count(1)
    expect(page.locator(".field.has-error")).to_have_count(1)
    reader.page(page, "buyer/requests/new (refused: the price)")
    retyped(page, "form.demand-form", "max_unit_price", "1,50")
    expect(page).to_have_url(re.compile(r"/buyer/requests/\d+$"))
    request_id = int(re.search(r"/requests/(\d+)$", page.url).group(1))
    reader.page(page, "buyer/requests/<id> (posted)")

    # Staff propose the approved offer; the buyer sees the proposal and accepts it.
    with clean_app.app_context():
        from marketplace.models import DemandRequest

        request = db.session.get(DemandRequest, request_id)
        assert request.max_unit_price == Decimal("1.50"), request.max_unit_price  # "1,50"
        match_id = planning.propose(request, lead_id, 5000, db.session.merge(vetter)).id
        db.session.commit()
    visit(page, reader, "/notifications")
    visit(page, reader, "/buyer/", "buyer home (a proposal)")
    page.locator(f"main a[href$='/matches/{match_id}']").first.click()
    reader.page(page, "matches/<id> (proposed)")
    action_form(page, "accept").locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_have_count(1)
    expect(page.locator("section.contacts")).to_contain_text("ventas@suministrospacifico.example")
    reader.page(page, "matches/<id> (accepted)")
    visit(page, reader, f"/buyer/requests/{request_id}", "buyer/requests/<id> (matched)")
    visit(page, reader, "/matches/")

    reader.emails(clean_app, email, at_least=2)  # the confirmation link, the proposal
    assert page.errors == []
    reader.assert_spanish()
