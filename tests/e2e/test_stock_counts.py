"""A buyer gives their stock the CDC burn-rate way in a real browser (issue 11 item 14): two counts
and the units received between them; a count dated the wrong way round is refused beside its field."""
import pytest

from marketplace.services import demand
from tests.conftest import DEFAULT_PASSWORD, make_user
from tests.e2e.conftest import expect, field_container, sign_in

pytestmark = pytest.mark.e2e


def test_buyer_posts_a_request_by_two_stock_counts(clean_app, open_page):
    from datetime import timedelta

    with clean_app.app_context():
        make_user("buyer", "stock@stvincent.example", organisation="St. Vincent Community Hospital", verified=True)
        today = demand.today()
    buyer = open_page()
    sign_in(buyer, "stock@stvincent.example", DEFAULT_PASSWORD)
    buyer.get_by_role("main").get_by_role("link", name="Request supplies").click()  # the home's button
    buyer.get_by_label("What do you need?").select_option(label="N95 respirator")
    buyer.get_by_label("Quantity (units)").fill("20000")
    buyer.get_by_label("Maximum unit price (USD)").fill("1.50")
    buyer.get_by_label("Needed by").fill((today + timedelta(days=10)).isoformat())
    buyer.get_by_label("Delivery ZIP code").fill("90033")
    buyer.get_by_label("Units on hand").fill("1400")
    buyer.get_by_label("Counted on").fill((today - timedelta(days=1)).isoformat())
    buyer.get_by_label("Earlier count (units)").fill("2000")
    buyer.get_by_label("Earlier count on").fill(today.isoformat())  # after the second count: a mistake
    buyer.get_by_label("Units received between the counts").fill("800")
    buyer.get_by_role("button", name="Post request").click()
    expect(field_container(buyer, "first_counted_on")).to_contain_text("must be dated before the second count")
    buyer.get_by_label("Earlier count on").fill((today - timedelta(days=8)).isoformat())
    buyer.get_by_role("button", name="Post request").click()
    expect(buyer.locator(".flash")).to_contain_text("is posted")
    # (2,000 + 800 - 1,400) / 7 days = 200 a day: 1,400 last 7 days from yesterday, 6 from today.
    facts = buyer.locator(".facts")
    expect(facts).to_contain_text("1,400 units on hand")
    expect(facts).to_contain_text("using 200 a day")
    expect(facts.locator("dt:has-text('Days of supply left') + dd")).to_contain_text("6")
