"""A stale offer in a real browser (issue 11 item 11): the sweeper asks the supplier of an approved
offer whose quote lapsed; the supplier follows the notification, sees the offer is out of matching,
types a price the form refuses (the message beside the field), then confirms a new price; the offer
holds 14 more days and is matched again. Staff saw "Quote lapsed" in the queue before."""
import re
from datetime import timedelta

import pytest

from marketplace.domain.i18n import format_day
from marketplace.extensions import db
from marketplace.models import Lead
from marketplace.services import demand, quotes
from tests.conftest import DEFAULT_PASSWORD, approve, make_lead, make_user
from tests.e2e.conftest import expect, field_container, sign_in

pytestmark = pytest.mark.e2e


def test_supplier_confirms_a_stale_offer(clean_app, open_page):
    with clean_app.app_context():
        supplier = make_user("supplier", "mgarcia@harborindustrial.com")
        make_user("vetter", "val@lacity.example.org")
        lead = make_lead(supplier, quantity="50,000", unit_price="0.79")
        approve(lead)
        lead_id = lead.id
        lead.valid_until = demand.today() - timedelta(days=1)
        db.session.commit()
        assert quotes.ask_due().suppliers == 1  # what `flask sweep` does
        db.session.commit()
        new_until = (demand.today() + timedelta(days=14)).isoformat()
        new_until_words = format_day(demand.today() + timedelta(days=14))  # as the page writes a day

    staff = open_page()
    sign_in(staff, "val@lacity.example.org", DEFAULT_PASSWORD)
    staff.goto("/staff/leads?status=all")
    expect(staff.locator("tr").filter(has_text="Harbor Industrial")).to_contain_text("Quote lapsed")

    page = open_page()
    sign_in(page, "mgarcia@harborindustrial.com", DEFAULT_PASSWORD)
    page.goto("/notifications")
    page.get_by_role("link", name=re.compile(rf"Is your offer #{lead_id} still good\?")).click()
    expect(page).to_have_url(re.compile(rf"/leads/{lead_id}/confirm$"))
    expect(page.get_by_role("heading", name=f"Is offer #{lead_id} still good?")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("has lapsed")
    expect(page.get_by_label("Quantity available now")).to_have_value("50000")

    page.get_by_label("Price now (USD)").fill("0")  # a mistake, refused as the lead form refuses it
    page.get_by_role("button", name="Confirm price and stock").click()
    expect(field_container(page, "unit_price")).to_contain_text("must be more than 0")

    page.get_by_label("Quantity available now").fill("40,000")
    page.get_by_label("Price now (USD)").fill("0.75")  # lower: confirmed at once, still approved
    page.get_by_role("button", name="Confirm price and stock").click()
    expect(page).to_have_url(re.compile(rf"/leads/{lead_id}$"))
    expect(page.locator(".flash")).to_contain_text(f"confirmed until {new_until_words}")
    expect(page.locator("#quote")).to_contain_text(f"Quote valid until {new_until_words}")
    expect(page.get_by_role("main")).to_contain_text("Price and stock confirmed by you")
    assert page.errors == [] and staff.errors == []

    with clean_app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert (lead.quantity, str(lead.unit_price), lead.valid_until.isoformat()) == (40000, "0.7500", new_until)
        assert lead.status == "approved"
