"""A supplier's whole first visit, in a real browser: register, offer supplies (with one mistake
that the form explains beside the field), find the offer under My offers, open it and edit it."""
import re

import pytest

from tests.conftest import DEFAULT_PASSWORD, outbox_link
from tests.e2e.conftest import expect, field_container

pytestmark = pytest.mark.e2e


def test_supplier_registers_offers_supplies_fixes_a_mistake_and_edits_the_lead(page, clean_app):
    nav = page.get_by_role("navigation", name="Main")

    # Register from the start page.
    page.goto("/")
    nav.get_by_role("link", name="Offer supplies").click()
    expect(page).to_have_url(re.compile(r"/register/supplier$"))
    page.get_by_label("Your name", exact=True).fill("Maria Garcia")
    page.get_by_label("E-mail", exact=True).fill("mgarcia@harborindustrial.com")
    page.get_by_label("Organisation", exact=True).fill("Harbor Industrial Distribution")
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_label("Repeat the password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    # The same answer as for an address that has an account (issue 10, item 3): check your e-mail.
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="sign in").click()
    page.get_by_label("E-mail", exact=True).fill("mgarcia@harborindustrial.com")
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/leads$"))
    expect(page.get_by_role("heading", name="My offers")).to_be_visible()
    expect(page.locator(".notice-confirm")).to_contain_text("Please confirm your e-mail address")

    # Offer supplies: the form knows who the supplier is.
    nav.get_by_role("link", name="Offer supplies").click()
    expect(page).to_have_url(re.compile(r"/leads/new$"))
    expect(page.get_by_label("Company name")).to_have_value("Harbor Industrial Distribution")
    expect(page.get_by_label("E-mail", exact=True)).to_have_value("mgarcia@harborindustrial.com")
    expect(page.get_by_label("Contact person")).to_have_value("Maria Garcia")

    page.get_by_label("Product", exact=True).select_option(label="N95 respirator")
    page.get_by_label("You are a").select_option(label="Distributor")
    page.get_by_label("Product description").fill("3M 1860 N95, 20 per box")
    page.get_by_label("Quantity available (units)").fill("50,000")
    page.get_by_label("Unit price (USD)").fill("0")  # the mistake
    page.get_by_label("Minimum order (units)").fill("1000")
    page.get_by_label("Lead time (days)").fill("7")
    page.get_by_label("Certification").fill("NIOSH TC-84A-0006")
    page.get_by_label("Payment terms").fill("Net 30")
    page.get_by_label("Phone").fill("(213) 555-0100")
    page.get_by_label("Website").fill("harborindustrial.com")
    page.get_by_label("City").fill("Long Beach")
    page.get_by_label("State / region").fill("CA")
    page.get_by_label("Postal code").fill("90802")
    page.get_by_role("button", name="Submit offer").click()

    # The message sits inside the unit price's own field, and only there.
    expect(page.locator(".form-error")).to_have_text("Please correct the fields marked below.")
    price_field = field_container(page, "unit_price")
    expect(price_field).to_have_class(re.compile(r"\bhas-error\b"))
    expect(price_field.locator(".error")).to_have_text("The unit price must be more than 0.")
    expect(page.get_by_label("Unit price (USD)")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Unit price (USD)")).to_have_attribute("aria-describedby", re.compile("unit_price-error"))
    expect(page.locator(".field.has-error")).to_have_count(1)
    # What the supplier typed is kept.
    expect(page.get_by_label("Quantity available (units)")).to_have_value("50,000")
    expect(page.get_by_label("Product", exact=True)).to_have_value("n95_respirator")

    page.get_by_label("Unit price (USD)").fill("0.79")
    page.get_by_role("button", name="Submit offer").click()
    # The address is not confirmed yet: the offer waits outside the vetting queue.
    expect(page.locator(".flash")).to_contain_text(re.compile(r"Your offer #\d+ is saved. Confirm your e-mail address"))
    expect(page.locator(".badge").filter(has_text="Waiting for e-mail confirmation")).to_have_count(1)
    lead_id = re.search(r"/leads/(\d+)$", page.url).group(1)

    # The link in the e-mail (from the real outbox) confirms the address: the offer goes to review.
    with clean_app.app_context():
        link = outbox_link("mgarcia@harborindustrial.com", "email_confirm")
    page.goto(link)
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.get_by_role("heading", name="Your e-mail address is confirmed")).to_be_visible()

    # My offers lists it as Submitted.
    nav.get_by_role("link", name="My offers").click()
    row = page.locator("tbody tr").filter(has=page.get_by_role("link", name=lead_id, exact=True))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("N95 respirator")
    expect(row).to_contain_text("50,000")
    expect(row).to_contain_text("$0.79")
    expect(row.locator(".badge")).to_have_text("Submitted")

    # Open it and edit it once.
    row.get_by_role("link", name="N95 respirator").click()
    expect(page.get_by_role("heading", name=f"Offer #{lead_id}: N95 respirator")).to_be_visible()
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name=f"Edit offer #{lead_id}")).to_be_visible()
    expect(page.get_by_label("Unit price (USD)")).to_have_value("0.79")
    page.get_by_label("Quantity available (units)").fill("60000")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash")).to_contain_text("Your changes are saved.")
    expect(page.locator("dd").filter(has_text="units")).to_contain_text("60,000 units")

    nav.get_by_role("link", name="My offers").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text("60,000")
    assert page.errors == []
