"""A table's moments (``|when_short``: "Nov 30, 12:16 PM" / "30 nov, 12:16") leave the zone out, so
the column's heading names it (``i18n.zoned``): "Created (PST)" / "Creado (GMT-08:00)". Before, pages
such as the e-mail outbox named the zone nowhere: a reader abroad could take the times for theirs.

The given example: the outbox's Created and Sent columns. The second example of the kind: the vetting
queue's Received column. And every template that writes ``|when_short`` heads it with ``zoned(``.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from marketplace.domain import i18n
from marketplace.extensions import db
from marketplace.models import OutboxEmail
from marketplace.services import notifications
from tests.conftest import login, make_lead, make_user
from tests.web.test_derived_leaks import _plain_text

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# The city (America/Los_Angeles) as each language names it, in winter and in summer.
ZONES = {"en": ("PST", "PDT"), "es": ("GMT-08:00", "GMT-07:00")}


def headings(html: str) -> list[str]:
    return [_plain_text(th).strip() for th in re.findall(r"<th\b[^>]*>(.*?)</th>", html, re.S)]


def zone_now(locale: str) -> str:
    with i18n.use_locale(locale):
        zone = i18n.zone_name()
    assert zone in ZONES[locale]
    return zone


@pytest.fixture
def staff(clean_app):
    with clean_app.app_context():
        supplier = make_user("supplier", "sales@harbor.example.com")
        make_user("vetter", "vera@city.example.gov")
        make_user("admin", "ada@city.example.gov")
        make_lead(supplier)
        notifications.send_pending()
        db.session.add(OutboxEmail(to_address="x@example.org", subject="Hello", body="Hi", status="pending"))
        db.session.commit()


@pytest.mark.parametrize(("locale", "created", "sent"), [("en", "Created", "Sent"), ("es", "Creado", "Enviado")])
def test_the_outbox_names_the_zone_of_its_times(clean_app, staff, locale, created, sent):
    client = clean_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = locale
    login(client, "ada@city.example.gov")
    response = client.get("/admin/outbox")
    assert response.status_code == 200
    zone = zone_now(locale)
    shown = headings(response.get_data(as_text=True))
    assert f"{created} ({zone})" in shown and f"{sent} ({zone})" in shown, shown


@pytest.mark.parametrize(("locale", "received"), [("en", "Received"), ("es", "Recibida")])
def test_the_vetting_queue_names_the_zone_of_its_times(clean_app, staff, locale, received):
    client = clean_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = locale
    login(client, "vera@city.example.gov")
    response = client.get("/staff/leads")
    assert response.status_code == 200
    shown = headings(response.get_data(as_text=True))
    assert f"{received} ({zone_now(locale)})" in shown, shown


def test_every_template_with_table_moments_names_the_zone_in_a_heading():
    """``|when_short`` leaves the zone out: a template writing it must head the column with
    ``zoned(...)`` in a <th> (the scan found the outbox, the queue, the matches and the imports)."""
    using = [path for path in TEMPLATES.rglob("*.html") if "|when_short" in path.read_text()]
    assert len(using) >= 4
    missing = [str(path.relative_to(TEMPLATES)) for path in using
               if not re.search(r"<th\b[^>]*>\s*\{\{\s*zoned\(", path.read_text())]
    assert missing == []
