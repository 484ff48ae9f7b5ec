"""Self-vetting is part of the lead page's one rule (domain.four_eyes.lead_decisions, quality bar
S3): on a lead a vetter may decide nothing on (their own, or their own e-mail domain's) the page
shows no decision buttons nor keys, and says why in words; a decision posted anyway is refused as
before, and the refusal recorded in the audit log."""
import re

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AuditLog, Lead
from tests.conftest import fetch_token, login, make_lead, make_user


def decision_buttons(page):
    return re.findall(r'<button type="submit" name="action" value="([^"]+)"', page)


def refused_post(client, lead_id, action, text=""):
    return client.post(f"/staff/leads/{lead_id}/decision", follow_redirects=True, data={
        "csrf_token": fetch_token(client, f"/staff/leads/{lead_id}"), "action": action, "text": text,
    }).get_data(as_text=True)


def refusals(lead_id):
    return db.session.execute(select(AuditLog.detail).where(
        AuditLog.entity_type == "lead", AuditLog.entity_id == lead_id,
        AuditLog.action == "lead.decision_refused")).scalars().all()


def assert_nothing_to_decide(page, notice):
    assert decision_buttons(page) == [] and 'id="decision-form"' not in page
    assert 'id="shortcuts"' not in page and "data-key=" not in page and "<kbd>A</kbd>" not in page
    assert f'<p class="alert" id="self-vetting">{notice}</p>' in page
    assert "No decision is open to you" not in page and "No tiene ninguna decisión" not in page


def test_a_lead_from_the_vetters_own_domain_offers_no_decision_and_says_why(client, clean_app):
    """The given example: Ann (city.example.gov) opened a lead from sales@city.example.gov; the page
    showed Approve and Reject (and their keys) and refused only when pressed."""
    with clean_app.app_context():
        ann = make_user("vetter", "ann@city.example.gov").email
        lead = make_lead(email="sales@city.example.gov").id
        other = make_lead(company_name="Other Supplier Inc", email="sales@othersupplier.com",
                          website="othersupplier.com", phone="(213) 555-0199").id
    login(client, ann)
    page = client.get(f"/staff/leads/{lead}").get_data(as_text=True)
    assert_nothing_to_decide(
        page, "You may not decide on this lead: it comes from your own e-mail domain (example.gov).")
    # Another supplier's lead: her buttons and keys as ever.
    page = client.get(f"/staff/leads/{other}").get_data(as_text=True)
    assert decision_buttons(page)[:2] == ["start_review", "approve"] and 'id="self-vetting"' not in page
    # A crafted POST is refused in the same words, recorded, and changes nothing.
    text = refused_post(client, lead, "approve")
    assert "You may not decide on this lead: it comes from your own e-mail domain (example.gov)." in text
    with clean_app.app_context():
        assert db.session.get(Lead, lead).status == "submitted"
        assert refusals(lead) == ["approve: it comes from your own e-mail domain (example.gov)"]


def test_the_vetters_own_lead_and_an_administrators_own_domain_offer_nothing(client, clean_app):
    """The second example of the kind: a lead the vetter submitted herself (read in Spanish), and an
    administrator on an escalated lead from her own domain (administrators are bound too). A
    webmail domain is nobody's own: a vetter at gmail.com decides a gmail.com supplier's lead."""
    with clean_app.app_context():
        val = make_user("vetter", "val@city.example.gov", locale="es")
        own = make_lead(val, email="x@elsewhere.example.com").id
        ada = make_user("admin", "ada@harborindustrial.com").email
        escalated = make_lead().id  # mgarcia@harborindustrial.com
        db.session.execute(Lead.__table__.update().where(Lead.id == escalated).values(status="escalated"))
        db.session.commit()
        gil = make_user("vetter", "gil@gmail.com").email
        webmail = make_lead(company_name="Webmail Supplies", email="owner@gmail.com", website="webmailsupplies.com",
                            phone="(213) 555-0177").id
        val = val.email
    login(client, val)
    page = client.get(f"/staff/leads/{own}").get_data(as_text=True)
    assert_nothing_to_decide(page, "No puede decidir sobre esta oferta: usted mismo envió esta oferta.")
    text = refused_post(client, own, "reject", "duplicate")
    assert "No puede decidir sobre esta oferta: usted mismo envió esta oferta." in text
    admin = client.application.test_client()
    login(admin, ada)
    page = admin.get(f"/staff/leads/{escalated}").get_data(as_text=True)
    assert_nothing_to_decide(
        page, "You may not decide on this lead: it comes from your own e-mail domain (harborindustrial.com).")
    text = refused_post(admin, escalated, "approve_escalated")
    assert "You may not decide on this lead: it comes from your own e-mail domain (harborindustrial.com)." in text
    with clean_app.app_context():
        assert [db.session.get(Lead, i).status for i in (own, escalated)] == ["submitted", "escalated"]
        assert refusals(own) == ["reject: usted mismo envió esta oferta"]  # as the refusal read (as before)
        assert refusals(escalated) == ["approve_escalated: it comes from your own e-mail domain (harborindustrial.com)"]
    vetter = client.application.test_client()
    login(vetter, gil)
    page = vetter.get(f"/staff/leads/{webmail}").get_data(as_text=True)
    assert "approve" in decision_buttons(page) and 'id="self-vetting"' not in page


def test_one_who_may_decide_nothing_on_a_lead_neither_claims_it_nor_is_asked_for_a_justification(client, clean_app):
    """Self-vetting covers the whole decision card: no "Claim: I am on it" (a crafted claim is
    refused in the page's words), and an over-ceiling price is stated without "Approving it needs a
    justification in the note below" (there is no note box for them)."""
    with clean_app.app_context():
        ann = make_user("vetter", "ann@city.example.gov").email
        lead = make_lead(email="sales@city.example.gov", unit_price="5.00").id
        other = make_lead(company_name="Other Supplier Inc", email="sales@othersupplier.com",
                          website="othersupplier.com", phone="(213) 555-0199", unit_price="5.00").id
    login(client, ann)
    page = client.get(f"/staff/leads/{lead}").get_data(as_text=True)
    assert "Claim: I am on it" not in page
    assert 'id="price-ceiling"' in page and "Approving it needs a justification" not in page
    text = client.post(f"/staff/leads/{lead}/claim", follow_redirects=True, data={
        "csrf_token": fetch_token(client, f"/staff/leads/{other}")}).get_data(as_text=True)
    assert "You may not decide on this lead: it comes from your own e-mail domain (example.gov)." in text
    with clean_app.app_context():
        assert db.session.get(Lead, lead).claimed_by_id is None
    # Another supplier's lead at the same price: the claim and the justification as ever.
    page = client.get(f"/staff/leads/{other}").get_data(as_text=True)
    assert "Claim: I am on it" in page and "Approving it needs a justification" in page


def test_approve_asks_for_the_justification_first_when_the_price_is_over_the_ceiling(client, clean_app):
    """The "A" key (and a click) on a lead priced over the ceiling puts the cursor in the note, as
    "R" does for a reason (data-needs-text, static/js/app.js), rather than sending an approval the
    server refuses for want of a justification; within the ceiling Approve sends at once."""
    with clean_app.app_context():
        make_user("vetter", "ann@city.example.gov")
        over = make_lead(unit_price="5.00").id
        within = make_lead(company_name="Other Supplier Inc", email="sales@othersupplier.com",
                           website="othersupplier.com", phone="(213) 555-0199").id
    login(client, "ann@city.example.gov")
    approve = re.compile(r'<button type="submit" name="action" value="approve"[^>]*>')
    button = approve.search(client.get(f"/staff/leads/{over}").get_data(as_text=True)).group(0)
    assert 'data-key="a"' in button and 'data-needs-text="Write the justification for this price"' in button
    button = approve.search(client.get(f"/staff/leads/{within}").get_data(as_text=True)).group(0)
    assert "data-needs-text" not in button
