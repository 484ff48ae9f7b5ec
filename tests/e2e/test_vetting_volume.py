"""Vetters at 800 leads in a real browser (issue 11, items 4 and 7): "save and next" and the
keyboard through a filtered queue, and a four-eyes approval by two vetters. With Redis configured
(CI's PostgreSQL run) the leads are processed by a real `flask worker` process."""
import re

import pytest

from tests.conftest import DEFAULT_PASSWORD, make_lead, make_user
from tests.e2e.conftest import expect, sign_in, sign_out
from tests.e2e.test_vetting_flow import processed  # noqa: F401 (a fixture)

pytestmark = pytest.mark.e2e

GOWN = dict(product_category="isolation_gown", certification="AAMI PB70 level 3", unit_price="1.20",
            product_description="Isolation gown, level 3")


def supplier_fields(n: int) -> dict:
    return dict(company_name=f"Supplier {n} Medical", email=f"sales@supplier{n}.com", website=f"supplier{n}.com",
                phone=f"(213) 555-{1400 + n}", contact_name=f"Person {n}", external_id=f"CITY-{n}",
                street=f"{100 + n} {['Main', 'Oak', 'Pine', 'Elm'][n % 4]} Street", postal_code=f"9001{n % 10}")


def test_save_and_next_and_the_keyboard_through_a_filtered_queue(clean_app, open_page, processed):  # noqa: F811
    with clean_app.app_context():
        make_user("vetter", "val@lacity.example.org")
        gowns = [make_lead(None, **supplier_fields(n), **GOWN).id for n in range(3)]
        mask = make_lead(None, **supplier_fields(9)).id  # an N95 offer, outside the gowns' queue
    processed(4)

    vetter = open_page()
    sign_in(vetter, "val@lacity.example.org", DEFAULT_PASSWORD)
    vetter.goto("/staff/leads")  # staff land on the dashboard (issue 12)
    vetter.locator('select[name="category"]').select_option("isolation_gown")
    vetter.locator('select[name="sort"]').select_option(label="Oldest first")
    vetter.get_by_role("button", name="Show").click()
    vetter.get_by_role("link", name=str(gowns[0]), exact=True).click()
    expect(vetter.locator("#shortcuts")).to_contain_text("A approve, R reject, I ask the supplier, N next lead")

    # The button: approve, and the next gown in the queue's order opens (not the N95 lead).
    vetter.get_by_role("button", name="Approve").click()
    expect(vetter.locator(".flash")).to_contain_text(f"You approved lead #{gowns[0]}.")
    expect(vetter).to_have_url(re.compile(rf"/staff/leads/{gowns[1]}\?queue="))
    vetter.wait_for_load_state()  # the shortcuts script is deferred

    # Keys typed in the text field are text, not shortcuts.
    field = vetter.get_by_label("Reason, question or note")
    field.fill("")
    field.press_sequentially("a r n")
    expect(field).to_have_value("a r n")
    expect(vetter).to_have_url(re.compile(rf"/staff/leads/{gowns[1]}\?queue="))
    field.fill("")
    # R (reject) needs a reason: the key puts the cursor in the field instead of sending.
    vetter.locator("h1").click()
    vetter.keyboard.press("r")
    expect(field).to_be_focused()
    field.fill("Gown standard not shown on the label.")
    vetter.locator("h1").click()
    vetter.keyboard.press("r")
    expect(vetter.locator(".flash")).to_contain_text(f"You rejected lead #{gowns[1]}.")
    expect(vetter).to_have_url(re.compile(rf"/staff/leads/{gowns[2]}\?queue="))

    # N skips to the next lead; after the last gown, back to the filtered queue.
    vetter.wait_for_load_state()  # the shortcuts script is deferred: a key before it loads does nothing
    vetter.keyboard.press("n")
    expect(vetter).to_have_url(re.compile(r"/staff/leads\?status=open&category=isolation_gown&sort=oldest$"))
    expect(vetter.locator(".flash")).to_contain_text("That was the last lead of this queue.")
    vetter.get_by_role("link", name=str(gowns[2]), exact=True).click()
    expect(vetter.locator("h1")).to_contain_text(f"#{gowns[2]} ")
    vetter.wait_for_load_state()  # the shortcuts script is deferred
    vetter.keyboard.press("a")
    expect(vetter.locator(".flash").first).to_contain_text(f"You approved lead #{gowns[2]}.")
    expect(vetter).to_have_url(re.compile(r"/staff/leads\?status=open&category=isolation_gown&sort=oldest$"))
    expect(vetter.locator("table.queue")).not_to_contain_text("Supplier 9 Medical")
    assert mask and vetter.errors == []


def test_four_eyes_approval_by_two_vetters(clean_app, open_page, processed):  # noqa: F811
    with clean_app.app_context():
        make_user("vetter", "ann@lacity.example.org")
        make_user("vetter", "bob@lacity.example.org")
        lead_id = make_lead(None, **supplier_fields(1), quantity="500000").id  # 500,000 x $0.79 = $395,000
    processed(1)

    ann = open_page()
    sign_in(ann, "ann@lacity.example.org", DEFAULT_PASSWORD)
    ann.goto(f"/staff/leads/{lead_id}")
    expect(ann.locator("#four-eyes")).to_contain_text("Approving takes two vetters: its value $395,000.00 is above $100,000")
    ann.get_by_role("button", name="Approve").click()
    expect(ann.locator(".flash")).to_contain_text("recorded as the first of two")
    # The first approver reads what they did; the Approve button and its key are gone.
    expect(ann.locator("#your-approval")).to_contain_text("You approved it")
    expect(ann.locator("#your-approval")).to_contain_text("a second reviewer must approve")
    expect(ann.get_by_role("button", name="Approve")).to_have_count(0)
    expect(ann.locator("#shortcuts")).to_contain_text("R reject, I ask the supplier")
    expect(ann.locator("#shortcuts")).not_to_contain_text("approve")
    sign_out(ann)

    bob = open_page()
    sign_in(bob, "bob@lacity.example.org", DEFAULT_PASSWORD)
    bob.goto("/staff/leads")
    bob.locator('select[name="waiting"]').select_option(label="Awaiting second approval")
    bob.get_by_role("button", name="Show").click()
    row = bob.locator("table.queue tbody tr").filter(has=bob.get_by_role("link", name=str(lead_id), exact=True))
    expect(row).to_contain_text("Awaiting second approval")
    row.get_by_role("link", name=str(lead_id), exact=True).click()
    expect(bob.locator("#second-approval")).to_contain_text("Second approval. ann@lacity.example.org approved it")
    bob.get_by_label("Then open the next lead in the queue").uncheck()
    bob.get_by_role("button", name="Approve (second approval)").click()
    expect(bob.locator(".flash")).to_contain_text(f"You approved lead #{lead_id}.")
    history = bob.locator("ol.history")
    expect(history).to_contain_text("First approval by ann@lacity.example.org")
    expect(history).to_contain_text("Approved by you")  # bob reads his own approval
    expect(history).to_contain_text("status: approved; first approval by: ann@lacity.example.org")
    expect(history).not_to_contain_text("{")  # the stored values in words, never JSON
    # Approved, the lead offers no approval: no four-eyes notice, no Approve button, no A key.
    expect(bob.locator("#four-eyes, #second-approval, #your-approval")).to_have_count(0)
    expect(bob.get_by_role("button", name="Approve")).to_have_count(0)
    expect(bob.locator("#shortcuts")).to_contain_text("Keys (not while typing in a field): R reject, N next lead.")
    assert ann.errors == [] and bob.errors == []
