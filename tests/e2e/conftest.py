"""Browser tests: the real app on a loopback port, driven by Debian's chromium through Playwright.

* ``browser`` (session): one headless chromium for the whole run. Without /usr/bin/chromium (or
  without the playwright package) the e2e tests are skipped, unless ``REQUIRE_BROWSER=1`` is set
  (CI sets it), in which case they fail: a CI run must never pass by skipping its browser tests.
  ``playwright install`` is never needed: the browser is the distribution's, not a download.
* ``live_server``: the ``clean_app`` app (empty database, fresh rate limits) served by werkzeug on
  127.0.0.1 and a free port, in a daemon thread; yields the base URL.
* ``page`` / ``open_page``: a fresh browser context (no cookies) per page, with the page's console
  errors, uncaught exceptions (``pageerror``) and server errors collected in ``page.errors``.
  A Content-Security-Policy violation is reported by chromium as a console error, so it lands there.

Fixture names match pytest-playwright's on purpose: when that plugin is installed these override
its ``browser``/``context``/``page``, so the suite behaves the same with or without it.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

try:  # re-exported for the test modules, so that a missing package skips (see ``browser``)
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover
    expect = None

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# Playwright's default waits are 30 s; a local page that has not answered in 10 s is broken.
TIMEOUT_MS = 10_000


def _browser_unavailable(reason: str):
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).is_file():
        _browser_unavailable(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    if expect is None:
        _browser_unavailable("the playwright package is not installed (pip install -r requirements-dev.txt)")
    from playwright.sync_api import sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(clean_app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, clean_app, threaded=True)  # port 0: the OS picks a free one
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="e2e-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def watch_errors(page) -> list[str]:
    """Collect what a user's browser would complain about: console errors (including CSP
    violations and failed resource loads), uncaught script errors, and 5xx answers."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(f"console: {msg.text} ({msg.location.get('url', '')})")
            if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("response", lambda response: errors.append(f"HTTP {response.status}: {response.url}")
            if response.status >= 500 else None)
    return errors


@pytest.fixture
def open_page(browser, live_server):
    """open_page(viewport=PHONE, **context_options) -> a page in a new context (no shared cookies)."""
    contexts = []

    def open_(viewport: dict | None = None, **options):
        context = browser.new_context(base_url=live_server, viewport=viewport or DESKTOP, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.errors = watch_errors(page)
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page):
    return open_page()


# --- helpers the tests share -----------------------------------------------------------------

def sign_in(page, email: str, password: str) -> None:
    """Sign in through the login form, as a person would. The fields and buttons are found by id
    and place, not by their words, so that it signs in a browser of any language (the English
    words are checked by the tests of the login page)."""
    page.goto("/login")
    page.locator("main form #email").fill(email)
    page.locator("main form #password").fill(password)
    page.locator("main form button[type=submit]").click()
    # Attached, not visible: on a phone the menu that holds it is folded (main_menu opens it).
    expect(page.locator("header form[action$='/logout'] button[type=submit]")).to_be_attached()


def main_menu(page):
    """The main menu, opened first where it is folded behind "Menu" (a phone), as a person would
    open it; found by its place, so in any language."""
    toggle = page.locator("header .menu-toggle")
    # Decided on the loaded page: while its stylesheet was still applying, the toggle could look
    # visible on a desktop for a moment and then be hidden (a click that then waited in vain).
    page.wait_for_load_state("load")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    return page.locator("header nav#main-menu")


def sign_out(page) -> None:
    main_menu(page).get_by_role("button", name="Sign out").click()
    expect(page.locator(".flash")).to_contain_text("You are signed out.")
    expect(main_menu(page).get_by_role("link", name="Sign in")).to_be_visible()


def field_container(page, field_id: str):
    """The .field block (label, input, help, errors) that holds the input with this id."""
    return page.locator(".field").filter(has=page.locator(f"#{field_id}"))


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 means no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
