"""A vetter works the queue in a real browser: opens a flagged lead, sees its duplicate and the
reasons, rejects it with a reason; the supplier sees the new status and the reason. With Redis
configured (CI's PostgreSQL run) the leads are processed by a real `flask worker` process."""
import re

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Lead
from tests.conftest import DEFAULT_PASSWORD, make_lead, make_user
from tests.e2e.conftest import expect, sign_in
from tests.jobs.conftest import Workers, wait_until

pytestmark = pytest.mark.e2e

BROKER = dict(company_name="Global Trade Group", contact_name="John Smith", email="john.smith77@gmail.com",
              phone="(305) 555-0177", website="", street="1 Brickell Ave", city="Miami", state="FL",
              postal_code="33131", supplier_type="broker", unit_price="6.50", certification="CE FDA",
              payment_terms="100% upfront by wire", notes="ICPO and NCNDA first, then SGS report")


@pytest.fixture
def processed(clean_app, tmp_path):
    """Wait until every lead is processed: by a real worker when Redis is configured."""
    pool = Workers(clean_app.config["REDIS_URL"], tmp_path) if clean_app.config["REDIS_URL"] else None
    if pool:
        pool.start()

    def wait(count: int):
        def done():
            with clean_app.app_context():
                db.session.remove()
                return db.session.scalar(select(func.count()).select_from(Lead).where(Lead.processing_state == "done")) == count
        wait_until(done, 60, what=f"{count} leads processed")

    yield wait
    if pool:
        pool.stop()


def test_vetter_rejects_a_flagged_duplicate_and_the_supplier_sees_it(clean_app, open_page, processed):
    with clean_app.app_context():
        make_user("vetter", "val@lacity.example.org")
        supplier = make_user("supplier", "john.smith77@gmail.com", organisation="Global Trade Group")
        earlier = make_lead(None, **{**BROKER, "company_name": "Global Trade Group LLC", "external_id": "CITY-17"})
        flagged = make_lead(supplier, **BROKER)
        earlier_id, flagged_id = earlier.id, flagged.id
    processed(2)

    vetter = open_page()
    sign_in(vetter, "val@lacity.example.org", DEFAULT_PASSWORD)
    vetter.goto("/staff/leads")  # staff land on the dashboard (issue 12)
    expect(vetter.get_by_role("heading", name="Vetting queue")).to_be_visible()
    vetter.get_by_label("Flag").select_option(label="Payment up front")
    vetter.get_by_role("button", name="Show").click()
    row = vetter.locator("table.queue tbody tr").filter(
        has=vetter.get_by_role("link", name=str(flagged_id), exact=True))
    expect(row).to_contain_text("Payment up front")
    row.get_by_role("link", name=str(flagged_id), exact=True).click()
    # The lead page carries the queue it was opened from (for "save and next").
    expect(vetter).to_have_url(re.compile(rf"/staff/leads/{flagged_id}\?queue=/staff/leads\?"))

    # The reasons, in plain words, and the duplicate side by side.
    signals = vetter.locator("ul.signals")
    expect(signals).to_contain_text("the classic scam")
    expect(signals).to_contain_text("ICPO, NCNDA, SGS report")
    expect(signals).to_contain_text("8.23x the reference $0.79")
    same_supplier = vetter.locator("section", has=vetter.get_by_role("heading", name="Same supplier?"))
    expect(same_supplier).to_contain_text(f"#{earlier_id}")
    expect(same_supplier.locator("table.compare").first).to_contain_text("john.smith77@gmail.com")

    # Reject without a reason: refused with a message; then with a reason, staying on this lead.
    vetter.get_by_label("Then open the next lead in the queue").uncheck()
    vetter.get_by_role("button", name="Reject").click()
    # The message is by the reason box, tied to it, and the cursor is in it (issue 13, item 4).
    expect(vetter.locator("#text-error")).to_have_text("Please give a reason.")
    expect(vetter.get_by_label("Reason, question or note")).to_be_focused()
    vetter.get_by_label("Reason, question or note").fill("Broker chain, payment up front, price 8x the reference.")
    vetter.get_by_label("Then open the next lead in the queue").uncheck()
    vetter.get_by_role("button", name="Reject").click()
    expect(vetter.locator(".flash")).to_contain_text(f"You rejected lead #{flagged_id}.")
    expect(vetter.locator("ol.history")).to_contain_text("Rejected by")
    assert vetter.errors == []

    supplier_page = open_page()
    sign_in(supplier_page, "john.smith77@gmail.com", DEFAULT_PASSWORD)
    expect(supplier_page.locator("table")).to_contain_text("Rejected")
    supplier_page.get_by_role("link", name=str(flagged_id), exact=True).click()
    expect(supplier_page.locator(".card.alert")).to_contain_text("Broker chain, payment up front")
    assert supplier_page.errors == []


def test_vetter_asks_and_the_supplier_answers(clean_app, open_page, processed):
    with clean_app.app_context():
        make_user("vetter", "val@lacity.example.org")
        supplier = make_user("supplier", "mgarcia@harborindustrial.com")
        lead_id = make_lead(supplier, certification="").id
    processed(1)
    vetter = open_page()
    sign_in(vetter, "val@lacity.example.org", DEFAULT_PASSWORD)
    vetter.goto(f"/staff/leads/{lead_id}")
    expect(vetter.locator("ul.signals")).to_contain_text("No certification given")
    vetter.get_by_label("Reason, question or note").fill("Please send the NIOSH approval number.")
    vetter.get_by_role("button", name="Ask the supplier").click()
    expect(vetter.locator(".flash")).to_contain_text("Your question was sent to the supplier")

    supplier_page = open_page()
    sign_in(supplier_page, "mgarcia@harborindustrial.com", DEFAULT_PASSWORD)
    supplier_page.goto(f"/leads/{lead_id}")
    expect(supplier_page.locator(".messages")).to_contain_text("Please send the NIOSH approval number.")
    supplier_page.get_by_label("Your answer").fill("TC-84A-0007, letter attached.")
    supplier_page.get_by_role("button", name="Send answer").click()
    expect(supplier_page.locator(".flash")).to_contain_text("is sent to city staff")

    vetter.reload()
    expect(vetter.locator(".messages")).to_contain_text("TC-84A-0007, letter attached.")
    expect(vetter.locator(".badge[class*='status-']").first).to_contain_text("Under review")
    # The vetter who asked is told (issue 11, item 1): one unread notification, linking to the lead.
    expect(vetter.locator("[aria-label='1 unread']")).to_be_visible()
    vetter.goto("/notifications")
    expect(vetter.locator("ul.notifications")).to_contain_text("answered your question")
    assert vetter.errors == [] and supplier_page.errors == []
