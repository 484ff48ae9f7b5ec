"""The control tower in a real browser (issue 12): a vetter signs in, lands on the dashboard, the
charts are drawn by the vendored Chart.js within the CSP (a violation would be a console error),
and a figure leads to the filtered list behind it; the public needs board opens signed out."""
import re

import pytest

from marketplace.extensions import db
from marketplace.services import dashboard
from tests.conftest import DEFAULT_PASSWORD, make_user
from tests.e2e.conftest import expect, sign_in
from tests.services.test_dashboard import build_scenario

pytestmark = pytest.mark.e2e


@pytest.fixture
def scenario(clean_app):
    with clean_app.app_context():
        built = build_scenario()
        dashboard.refresh()
        db.session.commit()
        make_user("vetter", "val@lacity.example.org")
        ids = {name: request.id for name, request in built["requests"].items()}
        db.session.remove()
    return ids


def test_staff_land_on_the_dashboard_and_follow_a_figure_to_its_list(open_page, scenario):
    page = open_page()
    sign_in(page, "val@lacity.example.org", DEFAULT_PASSWORD)
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("heading", name="Supply against demand")).to_be_visible()
    # The charts are drawn (Chart.js attached to each canvas), from the page's JSON block.
    page.wait_for_function("() => window.Chart && ['supply', 'funnel', 'backlog'].every("
                           "n => Chart.getChart(document.getElementById('chart-' + n)))")
    n95 = page.locator("#supply-table tbody tr").filter(has_text="N95 respirator")
    expect(n95).to_contain_text("3,000")
    n95.get_by_role("link", name="3,000").click()
    expect(page).to_have_url(re.compile(r"/staff/requests\?status=open&category=n95_respirator&still_needed=1$"))
    expect(page.get_by_label("Product")).to_have_value("n95_respirator")
    expect(page.get_by_label("Only with units still needed")).to_be_checked()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(4)  # C has all it asked for: nothing still needed
    expect(page.locator("table tbody")).not_to_contain_text("Nitrile gloves")
    # Back, and the backlog's oldest bar's number opens the queue of leads older than a week.
    page.go_back()
    page.locator("#backlog-table").get_by_role("row", name=re.compile("Over 7 days")).get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"age=gt7d"))
    expect(page.get_by_label("Received")).to_have_value("gt7d")
    expect(page.locator("table.queue tbody tr")).to_have_count(1)
    assert page.errors == []


def test_the_public_needs_board_opens_signed_out(open_page, scenario):
    page = open_page()
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="What is needed").click()
    expect(page).to_have_url(re.compile(r"/signal$"))
    row = page.locator("#signal-table tbody tr").filter(has_text="N95 respirator")
    expect(row).to_contain_text("Short")
    expect(row).to_contain_text("2,300")
    expect(page.get_by_role("link", name="register and offer what you have")).to_be_visible()
    assert page.errors == []


@pytest.fixture
def short_world(clean_app):
    from tests.web.test_dashboard import short_scenario

    with clean_app.app_context():
        build_scenario()
        short_scenario()
        dashboard.refresh()
        db.session.commit()
        make_user("vetter", "vic@lacity.example.org")
        db.session.remove()


def test_staff_read_a_category_short_and_follow_it_to_its_requests(open_page, short_world):
    """Issue 12's Done-when: staff land on the dashboard, read the shortfall of a category the data
    makes short (gloves: 250 units in week 1, 1,300 in four weeks; tests.web.test_dashboard), and
    follow it to the filtered list of its open requests."""
    page = open_page()
    sign_in(page, "vic@lacity.example.org", DEFAULT_PASSWORD)
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-shortfall'))")
    gloves = page.locator("#shortfall-table tbody tr").filter(has_text="Nitrile gloves")
    expect(gloves).to_contain_text("(week 1)")
    expect(gloves.locator("td").nth(1)).to_have_text("250")
    expect(gloves.locator("td").nth(2)).to_have_text("1,300")
    gloves.get_by_role("link", name="1,300").click()
    expect(page).to_have_url(re.compile(r"/staff/requests\?status=open&category=nitrile_gloves$"))
    expect(page.locator("table tbody")).to_contain_text("Clinic G")
    expect(page.locator("table tbody")).not_to_contain_text("N95 respirator")
    assert page.errors == []


def test_the_charts_write_numbers_as_the_page_s_language_does(open_page, scenario):
    """A Spanish vetter's chart axis read "3,000,000" under a table that reads "1.555.000": the
    charts format with the page's language (Chart.js' locale option, read from <html lang>)."""
    # The browser itself is English (navigator.language en-US, Chart.js' default); the vetter
    # chooses Spanish with the header's language switch.
    page = open_page(locale="en-US")
    sign_in(page, "val@lacity.example.org", DEFAULT_PASSWORD)
    page.locator("form.language-switch button[value=es]").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-supply'))")
    assert page.evaluate("() => Chart.getChart(document.getElementById('chart-supply')).options.locale") == "es"
    # The axis' own tick labels, as drawn: Spanish never groups with a comma (and, as Babel in the
    # tables, leaves four digits ungrouped: "1000", "1.555.000"); English writes "1,000".
    ticks = "() => Chart.getChart(document.getElementById('chart-supply')).scales.y.ticks.map(t => t.label)"
    spanish_ticks = page.evaluate(ticks)
    assert "1000" in spanish_ticks and not any("," in t for t in spanish_ticks), spanish_ticks
    english = open_page()
    sign_in(english, "val@lacity.example.org", DEFAULT_PASSWORD)
    english.locator("form.language-switch button[value=en]").click()  # the account kept Spanish
    expect(english.locator("html")).to_have_attribute("lang", "en")
    english.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-supply'))")
    assert english.evaluate("() => Chart.getChart(document.getElementById('chart-supply')).options.locale") == "en"
    assert "1,000" in english.evaluate(ticks)
    assert page.errors == [] and english.errors == []
