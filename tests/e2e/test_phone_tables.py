"""Data tables on a phone (390 x 844; a fresh user's walk): "My requests" had its Status column
off-screen and the public needs board's table was cut off. Now a table wider than the screen is
stacked (app.js, app.css "Tables on a phone"): each row a block, each cell after its column's
heading, every cell inside the screen, the page never scrolling sideways. It is still a table to a
screen reader (Chrome's accessibility tree: a table, its column headers, cells named by their
content alone). Without JavaScript the table scrolls sideways inside its own box, not the page; on
a desktop nothing changed."""
from __future__ import annotations

import re

import pytest

from marketplace.extensions import db
from marketplace.services import dashboard
from tests.conftest import DEFAULT_PASSWORD, login
from tests.e2e.conftest import DESKTOP, PHONE, expect, sign_in
from tests.e2e.test_accessibility import axe_violations, pages_of
from tests.services.test_dashboard import build_scenario
from tests.web.test_derived_leaks import DerivedWorld
from tests.web.test_request_status_shown import status_world

pytestmark = pytest.mark.e2e

BUYER = "nurse@status.example"
REQUEST_HEADINGS = ["#", "Product", "Quantity", "Matched", "Needed by", "Days of supply", "Status"]
SHOWN_ROWS = ("full", "part", "accepted", "fulfilled", "withdrawn", "untouched")  # status_world's requests

# The boxes of every cell of the page's tables that are not wholly inside the window: [(text, left, right)].
CELLS_OUTSIDE = """() => {
  const out = [];
  for (const cell of document.querySelectorAll("table > tbody > tr > td, table > tbody > tr > th")) {
    const box = cell.getBoundingClientRect();
    if (box.width === 0 || box.left < -0.5 || box.right > window.innerWidth + 0.5) {
      out.push([cell.textContent.trim().slice(0, 40), Math.round(box.left), Math.round(box.right)]);
    }
  }
  return out;
}"""


def _phone(open_page, **options):
    return open_page(viewport=PHONE, is_mobile=True, has_touch=True, **options)


def page_scrolls_sideways(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")


def accessibility_tree(page) -> list[tuple[str, str]]:
    """(role, name) of the table parts in Chrome's accessibility tree: what a screen reader gets."""
    session = page.context.new_cdp_session(page)
    nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    return [(node["role"]["value"], node.get("name", {}).get("value", "")) for node in nodes
            if not node.get("ignored") and node.get("role", {}).get("value") in ("table", "columnheader", "rowheader",
                                                                                  "row", "cell")]


def _signed_in_phone(clean_app, open_page, **options):
    ids = status_world(clean_app)
    page = _phone(open_page, **options)
    sign_in(page, BUYER, DEFAULT_PASSWORD)
    return page, ids


def test_my_requests_on_a_phone_shows_every_column_and_stays_a_table(clean_app, open_page):
    page, ids = _signed_in_phone(clean_app, open_page)
    page.goto("/buyer/requests")
    page.wait_for_load_state("load")
    table = page.locator("main table")
    expect(table).to_have_attribute("data-stacked", "")
    assert page_scrolls_sideways(page) <= 0
    assert page.evaluate(CELLS_OUTSIDE) == []
    # The Status of each request is on the screen, after its heading ("Status", drawn by the CSS).
    status = page.locator(f'tr:has(a[href="/buyer/requests/{ids["full"]}"]) td[data-label="Status"]')
    expect(status).to_have_text(re.compile(r"^\s*Proposed\s+4,000 of 4,000\s*$"))
    box = status.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert status.evaluate("cell => getComputedStyle(cell, '::before').content").startswith('"Status"')
    # Every column's heading labels its cells.
    labels = page.locator("main table tbody tr").first.locator("td").evaluate_all(
        "cells => cells.map(cell => cell.dataset.label)")
    assert labels == REQUEST_HEADINGS

    # A screen reader still gets a table: its column headers, and cells named by their content alone.
    tree = accessibility_tree(page)
    assert [name for role, name in tree if role == "columnheader"] == REQUEST_HEADINGS
    assert ("table", "") in tree and sum(role == "row" for role, __ in tree) == 1 + len(SHOWN_ROWS)
    cells = [name for role, name in tree if role == "cell"]
    assert "Proposed 4,000 of 4,000" in cells and "Partly proposed 1,000 of 4,000" in cells and "Withdrawn" in cells
    assert page.get_by_role("columnheader", name="Status", exact=True).count() == 1
    # The keyboard walks the links in reading order (each request's number, then its product).
    links = page.locator("main table a")
    links.first.focus()
    page.keyboard.press("Tab")
    expect(links.nth(1)).to_be_focused()
    assert page.errors == []


def test_the_stacked_table_passes_axe_in_both_languages(clean_app, open_page):
    # Our CSP rightly refuses the injected axe-core: this context alone bypasses it.
    page, __ = _signed_in_phone(clean_app, open_page, bypass_csp=True)
    page.goto("/buyer/requests")
    expect(page.locator("main table")).to_have_attribute("data-stacked", "")
    assert axe_violations(page) == []
    # In Spanish the labels are the page's headings, in Spanish.
    page.get_by_role("button", name="Español").click()
    expect(page.locator("main h1")).to_have_text("Mis solicitudes")
    expect(page.locator("main table")).to_have_attribute("data-stacked", "")
    expect(page.locator("main table td[data-label='Estado']")).to_have_count(len(SHOWN_ROWS))
    assert axe_violations(page) == []


@pytest.fixture
def needs_board(clean_app):
    with clean_app.app_context():
        build_scenario()
        dashboard.refresh()
        db.session.commit()
        db.session.remove()


def test_the_public_needs_board_fits_a_phone(needs_board, open_page):
    page = _phone(open_page)
    page.goto("/signal")
    page.wait_for_load_state("load")
    table = page.locator("#signal-table")
    expect(table).to_have_attribute("data-stacked", "")
    assert page_scrolls_sideways(page) <= 0
    assert page.evaluate(CELLS_OUTSIDE) == []
    row = table.locator("tbody tr").filter(has_text="N95 respirator")
    expect(row).to_contain_text("2,300")  # as on a desktop (test_dashboard_flow)
    expect(row.locator("td[data-label='Units short']")).to_have_text(re.compile(r"^[\d,]+$"))
    band = row.locator("td[data-label='Fair price band (per unit)']")
    box = band.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    tree = accessibility_tree(page)
    assert ("rowheader", "N95 respirator") in tree and ("columnheader", "Units short") in tree
    assert page.errors == []


def test_without_javascript_a_wide_table_scrolls_in_its_own_box_not_the_page(clean_app, open_page):
    page, __ = _signed_in_phone(clean_app, open_page, java_script_enabled=False)
    page.goto("/buyer/requests")
    wrap = page.locator("main .table-wrap")
    expect(wrap.locator("table")).not_to_have_attribute("data-stacked", "")
    assert page_scrolls_sideways(page) <= 0
    assert wrap.evaluate("box => box.scrollWidth > box.clientWidth")  # wider: it scrolls inside
    wrap.evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    status = page.locator("main table thead th").last
    expect(status).to_have_text("Status")
    box = status.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert page_scrolls_sideways(page) <= 0


def test_on_a_desktop_nothing_is_stacked_and_a_turned_screen_is_followed(clean_app, open_page):
    status_world(clean_app)
    page = open_page(viewport=DESKTOP)
    sign_in(page, BUYER, DEFAULT_PASSWORD)
    page.goto("/buyer/requests")
    page.wait_for_load_state("load")
    expect(page.locator("main table")).not_to_have_attribute("data-stacked", "")
    expect(page.locator("main table thead")).to_be_visible()
    # Turned to a phone's width the table stacks; back to a desktop's, it is a table again.
    page.set_viewport_size(PHONE)
    expect(page.locator("main table")).to_have_attribute("data-stacked", "")
    page.set_viewport_size(DESKTOP)
    expect(page.locator("main table")).not_to_have_attribute("data-stacked", "")
    assert page.errors == []


@pytest.mark.parametrize("role", ["anonymous", "supplier", "buyer", "vetter", "admin"])
def test_every_page_of_every_role_fits_a_phone(clean_app, open_page, role):
    """Every table of the app, not only these two: each page a role reaches (the accessibility
    crawl's pages, in the derived-leak world), on a phone: no cell of any table outside the screen,
    and the page never scrolls sideways."""
    world = DerivedWorld(clean_app)
    client = clean_app.test_client()
    page = _phone(open_page)
    if role != "anonymous":
        login(client, world.emails[role])
        sign_in(page, world.emails[role], DEFAULT_PASSWORD)
    urls = pages_of(clean_app, client, world.ids)
    assert len(urls) >= 5, urls
    failures, tables = [], 0
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("load")
        tables += page.locator("main table").count()
        if (wider := page_scrolls_sideways(page)) > 0:
            failures.append(f"{url}: the page scrolls {wider} px sideways")
        failures += [f"{url}: cell {text!r} at {left}..{right} px" for text, left, right in page.evaluate(CELLS_OUTSIDE)]
    print(f"{role}: {len(urls)} pages, {tables} tables")  # noqa: T201 - shown with -s: the coverage
    assert failures == [], "\n".join(failures)
    assert page.errors == []
