"""The main menu on a phone (390 x 844): folded behind "Menu" so that the first screen is the page,
not the menu; opened by a tap or by the keyboard, it says so (aria-expanded) and its links lead on.
Without JavaScript "Menu" is a link that opens it all the same. On a desktop nothing changed: the
menu is shown and there is no "Menu"."""
from __future__ import annotations

import re

import pytest

from tests.conftest import DEFAULT_PASSWORD, make_user
from tests.e2e.conftest import DESKTOP, PHONE, expect, horizontal_overflow, sign_in
from tests.e2e.test_accessibility import axe_violations

pytestmark = pytest.mark.e2e

# (role, the page it lands on, a link of its menu, where that link leads, how many links its menu has at least)
ROLES = {
    "admin": ("Organisations", r"/admin/organisations$", 12),
    "supplier": ("Offer supplies", r"/leads/new$", 5),
    "buyer": ("My requests", r"/buyer/requests$", 6),
}


def _person(app, role: str) -> str:
    with app.app_context():
        return make_user(role, f"{role}@phone-menu.example", verified=role == "buyer").email


def _phone(open_page, **options):
    return open_page(viewport=PHONE, is_mobile=True, has_touch=True, **options)


@pytest.mark.parametrize("role", ROLES)
def test_the_menu_is_folded_on_a_phone_opens_and_leads_on(clean_app, open_page, role):
    link_name, lands_on, at_least = ROLES[role]
    page = _phone(open_page)
    sign_in(page, _person(clean_app, role), DEFAULT_PASSWORD)
    header, nav = page.locator("header.topbar"), page.get_by_role("navigation", name="Main")
    toggle = page.get_by_role("button", name="Menu")

    # Folded: one row of the brand, "Menu" and the language; the rest of the screen is the page.
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_have_attribute("aria-controls", "main-menu")
    expect(nav).to_be_hidden()
    expect(page.get_by_role("button", name="Español")).to_be_visible()
    assert header.bounding_box()["height"] <= 0.1 * PHONE["height"], header.bounding_box()
    assert page.locator("main h1").bounding_box()["y"] < 0.2 * PHONE["height"]

    # A tap opens it: every link shown, inside the screen and big enough to tap.
    toggle.tap()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    links = nav.locator("a, button")
    assert links.count() >= at_least
    for index in range(links.count()):
        box = links.nth(index).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], links.nth(index).inner_text()
        assert box["height"] >= 40, links.nth(index).inner_text()
    assert horizontal_overflow(page) <= 0
    # A second tap folds it again.
    toggle.tap()
    expect(nav).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")

    # Opened again, its link leads on; the next page starts folded.
    toggle.tap()
    nav.get_by_role("link", name=link_name, exact=True).tap()
    expect(page).to_have_url(re.compile(lands_on))
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")
    assert page.errors == []


def test_the_menu_opens_and_closes_by_keyboard(clean_app, open_page):
    page = _phone(open_page)
    sign_in(page, _person(clean_app, "supplier"), DEFAULT_PASSWORD)
    toggle = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    # From the top of the loaded page (app.js has made the button; on a loaded machine keys pressed
    # while the page was still loading started elsewhere): the skip link, the brand, then "Menu".
    page.wait_for_load_state("load")
    expect(toggle).to_be_visible()
    page.locator("a.skip-link").focus()
    page.keyboard.press("Tab")  # the brand
    page.keyboard.press("Tab")
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    expect(nav).to_be_visible()
    page.keyboard.press("Tab")  # into the menu, its first link
    expect(nav.get_by_role("link", name="My offers")).to_be_focused()
    page.keyboard.press("Escape")  # folds it, and the focus is back on "Menu"
    expect(nav).to_be_hidden()
    expect(toggle).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    page.keyboard.press(" ")
    expect(nav).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Offer supplies")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/leads/new$"))
    assert page.errors == []


def test_without_javascript_menu_is_a_link_that_opens_the_menu(clean_app, open_page):
    page = _phone(open_page, java_script_enabled=False)
    sign_in(page, _person(clean_app, "admin"), DEFAULT_PASSWORD)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()
    page.get_by_role("link", name="Menu").tap()
    expect(nav).to_be_visible()
    nav.get_by_role("link", name="Users", exact=True).tap()
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()


@pytest.mark.parametrize("language, menu", [("en", "Menu"), ("es", "Menú")])
def test_the_phone_menu_passes_axe_folded_and_open(clean_app, open_page, language, menu):
    page = _phone(open_page, bypass_csp=True, locale={"en": "en-US", "es": "es-ES"}[language])  # axe is injected
    sign_in(page, _person(clean_app, "admin"), DEFAULT_PASSWORD)
    assert axe_violations(page) == []
    toggle = page.get_by_role("button", name=menu, exact=True)
    toggle.tap()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    assert axe_violations(page) == []


def test_a_desktop_shows_the_menu_and_no_menu_button(clean_app, open_page):
    page = open_page(viewport=DESKTOP)
    sign_in(page, _person(clean_app, "admin"), DEFAULT_PASSWORD)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(nav.get_by_role("link", name="Organisations")).to_be_visible()
    # Its links side by side, as before (a column is the phone's).
    first, second = nav.locator("a").nth(0).bounding_box(), nav.locator("a").nth(1).bounding_box()
    assert first["y"] == second["y"] and second["x"] > first["x"] + first["width"], (first, second)
    assert page.errors == []
