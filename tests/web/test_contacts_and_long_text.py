"""Contact details shown to the other party, and free text that is too long (a fresh user's walk).

1. A phone shown to anyone but its owner is written in international format with a tel: link to its
   E.164 form (templates/_contact.html's phone macro, domain.countries.phone_shown): the Mexican
   supplier's "55 1234 5678" reads "+52 55 1234 5678" to a US buyer, the hospital's "(213)
   555-0171" "+1 213-555-0171" to the Mexican supplier; a number that cannot be read is shown as
   typed, with no link. The owner still reads their own number as typed.
2. Free text has a maximum (domain.text: REASON_MAX_LENGTH, MESSAGE_MAX_LENGTH), refused beside the
   field on a page and as a field's problem by the API, with nothing saved."""
from __future__ import annotations

from marketplace.domain.text import MESSAGE_MAX_LENGTH, REASON_MAX_LENGTH
from marketplace.extensions import db
from marketplace.models import Lead, LeadMessage, Match, User
from marketplace.services import matches
from tests.conftest import approve, bearer, login, make_api_token, make_lead, make_request, make_user, post_form
from tests.web.test_leads_pages import field_errors

BUYER, SUPPLIER, VETTER = "desk@hospital.example", "ventas@guantes.example", "vetter@city.example"


def _world(app, **options) -> dict:
    """``_make_world`` in an app context of its own (pages are then asked with no app context
    pushed: two clients in one context would share its ``g``, and so the signed-in user)."""
    with app.app_context():
        ids = _make_world(**options)
        db.session.remove()
    return ids


def _make_world(*, accepted: bool = True, supplier_phone: str = "55 1234 5678") -> dict:
    """A US hospital (facility phone "(213) 555-0171") and a Mexican supplier's approved lead with
    a match proposed to it; accepted unless ``accepted`` is False."""
    buyer = make_user("buyer", BUYER, organisation="Harbor General Hospital", verified=True)
    buyer.organisation.phone = "(213) 555-0171"
    supplier = make_user("supplier", SUPPLIER)
    make_user("vetter", VETTER)
    lead = make_lead(supplier, country="MX", phone="55 1234 5678", postal_code="06600")
    lead.phone = supplier_phone  # as stored (an older row may hold a number that cannot be read)
    db.session.commit()
    approve(lead)
    request = make_request(buyer)
    match = Match(demand_id=request.id, lead_id=lead.id, quantity=1000, unit_price=lead.unit_price, reasons=[],
                  status="proposed")
    db.session.add(match)
    db.session.commit()
    if accepted:
        matches.act_on_match(match, buyer, "accept")
        db.session.commit()
    return {"match_id": match.id, "lead_id": lead.id}


# --- 1. phones -----------------------------------------------------------------------------------

def test_the_mexican_suppliers_phone_reads_international_to_the_us_buyer(client, clean_app):
    ids = _world(clean_app)
    login(client, BUYER)
    page = client.get(f"/matches/{ids['match_id']}").get_data(as_text=True)
    assert '<a href="tel:+525512345678" class="phone">+52 55 1234 5678</a>' in page
    assert "Phone 55 1234 5678" not in " ".join(page.split())


def test_the_us_hospitals_phone_reads_international_to_the_mexican_supplier(client, clean_app):
    ids = _world(clean_app)
    login(client, SUPPLIER)
    page = client.get(f"/matches/{ids['match_id']}").get_data(as_text=True)
    assert '<a href="tel:+12135550171" class="phone">+1 213-555-0171</a>' in page
    assert "(213) 555-0171" not in page


def test_staff_read_it_international_and_the_owner_as_typed(client, clean_app):
    ids = _world(clean_app)
    login(client, VETTER)
    page = client.get(f"/staff/leads/{ids['lead_id']}").get_data(as_text=True)
    assert '<a href="tel:+525512345678" class="phone">+52 55 1234 5678</a>' in page and "(read as" not in page
    owner = clean_app.test_client()
    login(owner, SUPPLIER)
    page = owner.get(f"/leads/{ids['lead_id']}").get_data(as_text=True)
    assert '55 1234 5678 <span class="muted">(read as +52 55 1234 5678)</span>' in page and "tel:" not in page


def test_a_number_that_cannot_be_read_is_shown_as_typed_without_a_link(client, clean_app):
    ids = _world(clean_app, supplier_phone="ask for Ana, ext 12")
    login(client, BUYER)
    page = client.get(f"/matches/{ids['match_id']}").get_data(as_text=True)
    assert "<dd>ask for Ana, ext 12</dd>" in page and "tel:" not in page.split("Supplier contact")[1].split(
        "Deliver to")[0]


# --- 2. free text too long -----------------------------------------------------------------------

def _decline(client, match_id: int, reason: str):
    page = f"/matches/{match_id}"
    return post_form(client, f"{page}/act", {"action": "decline", "reason": reason}, form_page=page)


def _read(app, query):
    """``query()`` on the database as it is now, in an app context of its own."""
    with app.app_context():
        try:
            return query()
        finally:
            db.session.remove()


def _match(app, match_id: int) -> tuple:
    return _read(app, lambda: (lambda m: (m.status, m.decline_reason))(db.session.get(Match, match_id)))


def test_a_decline_reason_over_the_limit_is_refused_beside_it_and_nothing_saved(client, clean_app):
    ids = _world(clean_app, accepted=False)
    login(client, BUYER)
    long_reason = "We found stock elsewhere: " + "x" * 3000
    response = _decline(client, ids["match_id"], long_reason)
    assert response.status_code in (200, 422)
    assert field_errors(response.get_data(as_text=True)) == {
        "reason": f"At most {REASON_MAX_LENGTH} characters (this has {len(long_reason)})."}
    assert _match(clean_app, ids["match_id"]) == ("proposed", None)
    # At the limit it is taken whole (never cut).
    response = _decline(client, ids["match_id"], "y" * REASON_MAX_LENGTH)
    assert response.status_code == 302
    assert _match(clean_app, ids["match_id"]) == ("declined", "y" * REASON_MAX_LENGTH)


def test_the_api_refuses_it_as_a_fields_problem(client, clean_app):
    ids = _world(clean_app, accepted=False)
    token = _read(clean_app, lambda: make_api_token(
        db.session.execute(db.select(User).filter_by(email=BUYER)).scalar_one()))
    response = client.post(f"/api/v1/matches/{ids['match_id']}/actions",
                           json={"action": "decline", "reason": "z" * (REASON_MAX_LENGTH + 1)}, headers=bearer(token))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert f"At most {REASON_MAX_LENGTH} characters" in str(response.get_json())
    assert _match(clean_app, ids["match_id"]) == ("proposed", None)


def _lead_state(app, lead_id: int) -> tuple[str, list[str]]:
    return _read(app, lambda: (db.session.get(Lead, lead_id).status, list(db.session.execute(
        db.select(LeadMessage.kind).filter_by(lead_id=lead_id).order_by(LeadMessage.id)).scalars())))


def test_a_vetters_question_and_a_suppliers_answer_over_the_limit_are_refused(client, clean_app):
    ids = _world(clean_app, accepted=False)
    lead_id = ids["lead_id"]

    def reopen():
        db.session.get(Lead, lead_id).status = "submitted"
        db.session.commit()
    _read(clean_app, reopen)
    login(client, VETTER)
    page = f"/staff/leads/{lead_id}"
    question = "Which factory? " + "q" * MESSAGE_MAX_LENGTH
    response = post_form(client, f"{page}/decision", {"action": "request_info", "text": question}, form_page=page)
    assert field_errors(response.get_data(as_text=True)) == {
        "text": f"At most {MESSAGE_MAX_LENGTH} characters (this has {len(question)})."}
    assert _lead_state(clean_app, lead_id) == ("submitted", [])
    # Asked within the limit; the supplier's too long answer is refused the same way.
    response = post_form(client, f"{page}/decision", {"action": "request_info", "text": "Which factory?"},
                         form_page=page)
    assert response.status_code == 302
    supplier = clean_app.test_client()
    login(supplier, SUPPLIER)
    page = f"/leads/{lead_id}"
    answer = "a" * (MESSAGE_MAX_LENGTH + 1)
    response = post_form(supplier, f"{page}/answer", {"answer": answer}, form_page=page)
    assert field_errors(response.get_data(as_text=True)) == {
        "answer": f"At most {MESSAGE_MAX_LENGTH} characters (this has {len(answer)})."}
    assert _lead_state(clean_app, lead_id) == ("info_requested", ["question"])
