"""Screenshots of the main pages, for the README and for reviewing the look of the site.

    .venv/bin/python tests/e2e/screenshots.py docs/screenshots

Starts the app on a throw-away SQLite database (the embedded default, migrated and seeded with the
demo accounts and leads, exactly like ``make run``), serves it on a free loopback port and drives
Debian's chromium (/usr/bin/chromium) through Playwright to save one PNG per page: desktop pages
at 1280x900 and the lead form at a phone's 390x844. Only the visible viewport is captured, which
keeps each file small. Nothing is written outside OUTDIR and a temporary directory.

Run by hand; pytest does not collect it (the name does not start with test_). Exits non-zero if a
page logged a console error (a CSP violation, a failed resource) or a screenshot went missing.
"""
from __future__ import annotations

import csv
import io
import logging
import os
import shutil
import sys
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a script: the checkout's packages (tests, marketplace) first

from tests.conftest import city_today  # noqa: E402


def build_app(instance: Path):
    """The development app on a fresh SQLite file in ``instance``, migrated and seeded."""
    # config.py reads MARKETPLACE_INSTANCE when it is imported, so set it first.
    os.environ["MARKETPLACE_INSTANCE"] = str(instance)
    from flask_migrate import upgrade

    from marketplace.app import create_app
    from marketplace.cli import seed_demo

    app = create_app("development", SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance / 'marketplace.db'}",
                     REDIS_URL=None, RATELIMIT_STORAGE_URI="memory://", UPLOAD_FOLDER=str(instance / "uploads"),
                     SERVER_NAME=None)
    with app.app_context():
        upgrade()
        accounts = {role: (email, password) for role, email, password in seed_demo()}
        from marketplace.extensions import db
        from marketplace.services import dashboard

        dashboard.refresh()  # the control tower's first count, as `make run`'s sweep makes it
        db.session.commit()
    return app, accounts


def import_file() -> bytes:
    """A small CSV file with two rows a vetter would have to send back."""
    from marketplace.domain.demo_data import generate_leads
    from marketplace.domain.leads import LEAD_COLUMNS

    rows = generate_leads(8, seed=11, external_prefix="SHOT")
    rows[2]["email"] = "orders(at)example.com"
    rows[5]["product_category"] = "hazmat suit"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=LEAD_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def take_screenshots(base_url: str, accounts: dict, outdir: Path) -> list[str]:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, expect, sign_in, watch_errors

    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)

        def new_page(role: str | None = None, viewport: dict = DESKTOP, **options):
            context = browser.new_context(base_url=base_url, viewport=viewport, **options)
            page = context.new_page()
            page.errors = watch_errors(page)
            if role:
                sign_in(page, *accounts[role])
            return page

        def shoot(page, name: str) -> None:
            page.mouse.move(0, 0)  # no hover effects in the picture
            path = outdir / f"{name}.png"
            page.screenshot(path=str(path), full_page=False, animations="disabled", caret="hide")
            problems.extend(f"{name}: {error}" for error in page.errors)
            print(f"{path}  {path.stat().st_size / 1024:.0f} kB")

        page = new_page()
        page.goto("/")
        shoot(page, "start")
        page.goto("/signal")
        shoot(page, "signal")
        page.context.close()

        page = new_page("supplier")
        page.goto("/leads/new")
        page.get_by_label("Product", exact=True).select_option("n95_respirator")
        page.get_by_label("You are a").select_option("distributor")
        page.get_by_label("Product description").fill("3M 1860 N95 respirator, 20 per box, 8 boxes per case")
        page.get_by_label("Quantity available (units)").fill("50,000")
        page.get_by_label("Unit price (USD)").fill("0")
        page.get_by_label("Minimum order (units)").fill("1,000")
        page.get_by_label("Lead time (days)").fill("7")
        page.get_by_label("Certification").fill("NIOSH TC-84A-0006")
        page.get_by_role("button", name="Submit offer").click()
        expect(page.locator(".field.has-error")).to_have_count(1)
        shoot(page, "lead-form-error")
        page.goto("/leads")
        shoot(page, "my-leads")
        page.context.close()

        page = new_page("vetter")
        page.goto("/staff/leads?sort=risky")
        shoot(page, "staff-leads")
        # The riskiest lead that has a look-alike: signals and the duplicate evidence side by side.
        page.goto("/staff/leads?sort=risky&flag=broker_terms")
        page.locator("table.queue tbody tr a").first.click()
        shoot(page, "vetting-lead")
        page.locator("section", has=page.get_by_role("heading", name="Same supplier?")).scroll_into_view_if_needed()
        shoot(page, "vetting-duplicates")
        page.goto("/staff/import")
        page.get_by_label("CSV file").set_input_files(
            files=[{"name": "new-leads.csv", "mimeType": "text/csv", "buffer": import_file()}])
        page.get_by_role("button", name="Import").click()
        report = page.locator("#import-report")
        expect(report).to_be_visible()
        report.evaluate("element => element.scrollIntoView({block: 'end'})")
        shoot(page, "import-report")
        page.context.close()

        page = new_page("buyer")
        page.goto("/buyer/")
        shoot(page, "buyer-home")
        page.goto("/buyer/requests/new")
        shoot(page, "request-form")
        # A request with supply still left for it, so that the vetter's page below lists candidates.
        page.get_by_label("What do you need?").select_option("nitrile_gloves")
        page.get_by_label("Quantity (units)").fill("100000")
        page.get_by_label("Maximum unit price (USD)").fill("0.30")
        page.get_by_label("Needed by").fill((city_today() + timedelta(days=30)).isoformat())
        page.get_by_label("Days of supply left").fill("4")
        page.get_by_label("Delivery ZIP code").fill("90033")
        page.get_by_role("button", name="Post request").click()
        expect(page.locator(".flash")).to_contain_text("is posted")
        page.goto("/buyer/")
        page.locator("section.alert table a").first.click()
        page.get_by_role("button", name="Accept").click()
        expect(page.locator("section.contacts")).to_contain_text("@")
        shoot(page, "match-accepted")
        page.context.close()

        page = new_page("vetter")
        page.goto("/dashboard")  # staff's landing page (issue 12)
        page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-supply'))")
        shoot(page, "dashboard")
        page.goto("/staff/matching")
        shoot(page, "staff-plan")
        page.goto("/staff/requests?status=all")
        links = [a.get_attribute("href") for a in page.locator("table tbody tr a").all()][::-1]
        for link in links:  # a request that still has candidates (the demo plan was released)
            page.goto(link)
            if page.locator("table.candidates").count():
                break
        page.get_by_role("heading", name="Candidates").scroll_into_view_if_needed()
        shoot(page, "staff-request-candidates")
        page.context.close()

        page = new_page("admin")
        page.goto("/admin/users")
        shoot(page, "admin-users")
        page.goto("/admin/outbox")
        shoot(page, "admin-outbox")
        page.context.close()

        page = new_page("supplier", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
        page.goto("/leads/new")
        shoot(page, "lead-form-phone")
        page.context.close()

        browser.close()
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    outdir = Path(argv[1]).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

    instance = Path(tempfile.mkdtemp(prefix="marketplace-screenshots-"))
    try:
        from werkzeug.serving import make_server

        app, accounts = build_app(instance)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            problems = take_screenshots(f"http://127.0.0.1:{server.server_port}", accounts, outdir)
        finally:
            server.shutdown()
            server.server_close()
    finally:
        shutil.rmtree(instance, ignore_errors=True)
    for problem in problems:
        print(f"console error on {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
