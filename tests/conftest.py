"""Fixtures for the three speeds of test.

* tests/domain: pure functions, no app (these fixtures are never touched).
* tests/services, tests/web: an app on a real database, migrated by Alembic once per run, emptied
  after every test. ``TEST_DATABASE_URL`` (PostgreSQL) and ``TEST_REDIS_URL`` pick real servers;
  without them the embedded default is used (SQLite file, in-memory rate limits).
* tests/e2e: the same app served on a loopback port, driven by Debian's chromium via Playwright.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="marketplace-tests-"))
os.environ.setdefault("MARKETPLACE_INSTANCE", str(_TMP / "instance"))

DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_TMP / 'test.db'}"
REDIS_URL = os.environ.get("TEST_REDIS_URL") or None
IS_POSTGRES = DATABASE_URL.startswith(("postgres", "postgresql"))

DEFAULT_PASSWORD = "correct horse battery staple"


def city_today():
    """Today on the city's clock (config's CITY_TIMEZONE): the app's one "today" (services.demand.today).
    Tests date things from it, never from the machine's date: from 4 pm to midnight in Los Angeles the
    UTC date is already tomorrow, and a request "needed in 20 days" would read 21."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from config import Config
    from marketplace.domain.dates import city_today as on_the_city_clock

    return on_the_city_clock(datetime.now(UTC), ZoneInfo(Config.CITY_TIMEZONE))


def pytest_report_header(config):
    return [f"database: {DATABASE_URL.split('@')[-1]}", f"redis: {REDIS_URL or 'none (embedded default)'}"]


def _reset_postgres_schema(url: str) -> None:
    from sqlalchemy import create_engine, text

    from config import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def app():
    from flask_migrate import upgrade

    from config import normalise_database_url
    from marketplace.app import create_app

    if IS_POSTGRES:
        _reset_postgres_schema(DATABASE_URL)
    overrides = {
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(DATABASE_URL),
        "UPLOAD_FOLDER": str(_TMP / "uploads"),
        "REDIS_URL": REDIS_URL,
        "RATELIMIT_STORAGE_URI": REDIS_URL or "memory://",
        "SERVER_NAME": None,
    }
    app = create_app("testing", **overrides)
    with app.app_context():
        upgrade()  # the schema comes from the migrations, exactly as in production
    return app


def _empty_database(app) -> None:
    from sqlalchemy import text

    from marketplace.extensions import db

    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if IS_POSTGRES:
                # The audit log's append-only triggers are ordinary triggers: replica mode skips them.
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f"DELETE FROM {table}"))


def _flush_redis() -> None:
    if REDIS_URL:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture
def clean_app(app):
    """The app with an empty database, empty Redis and fresh rate-limit counters."""
    from marketplace.extensions import limiter
    from marketplace.web.api import limits as api_limits

    _empty_database(app)
    _flush_redis()
    with app.app_context():
        limiter.reset()
    api_limits.reset(app)
    yield app
    _empty_database(app)


@pytest.fixture
def app_ctx(clean_app):
    with clean_app.app_context():
        yield clean_app


@pytest.fixture
def client(clean_app):
    return clean_app.test_client()


# --- helpers ---------------------------------------------------------------------------------

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def fetch_token(client, path: str = "/login") -> str:
    """A valid CSRF token for this client's session (any page with a form carries one)."""
    return csrf_token_from(client.get(path, follow_redirects=True).get_data(as_text=True))


_SUBMISSION_TOKEN = re.compile(r'name="submission_token"[^>]*value="([^"]+)"')


def submission_token_from(html: str) -> str | None:
    """The one-time ``submission_token`` of a create form (web.forms.OneTimeSubmission), if any."""
    match = _SUBMISSION_TOKEN.search(html)
    return match.group(1) if match else None


def post_form(client, path: str, data: dict | None = None, *, form_page: str | None = None, **kwargs):
    """POST like a browser: take the CSRF token (and a create form's one-time submission token)
    from the form page first."""
    data = dict(data or {})
    if "csrf_token" not in data or "submission_token" not in data:
        html = client.get(form_page or path, follow_redirects=True).get_data(as_text=True)
        data.setdefault("csrf_token", csrf_token_from(html))
        token = submission_token_from(html)
        if token and "submission_token" not in data:
            data["submission_token"] = token
    return client.post(path, data=data, **kwargs)


def make_user(role: str = "supplier", email: str | None = None, *, password: str = DEFAULT_PASSWORD,
              organisation: str | None = None, organisation_kind: str | None = None, verified: bool = False,
              email_verified: bool = True, joins: bool = False, locale: str | None = None):
    """Create a user through the real service (needs an app context). ``verified``: their
    organisation is verified by an admin; ``email_verified``: they confirmed their e-mail address
    (the default, as for every account that predates the rule; False as after self-registration);
    ``locale``: the language the account chose ("es": its pages and e-mails are in Spanish; None:
    none chosen, the browser's).
    A buyer whose organisation name is the same as or close to an existing one asks to join it
    (``joins=True`` expects that; otherwise it is a mistake in the test)."""
    from marketplace.extensions import db
    from marketplace.services import accounts

    make_user.counter = getattr(make_user, "counter", 0) + 1
    email = email or f"{role}{make_user.counter}@example-{role}.org"
    if organisation is None and role in ("supplier", "buyer"):
        # Buyers' organisation names follow the one name rule: "Buyer Org 1" and "Buyer Org 2"
        # would be close (a join request, not an organisation), so each gets a distinct word.
        organisation = (f"{role.title()} Org {make_user.counter}" if role == "supplier"
                        else f"{_distinct_word(make_user.counter)} Hospital {make_user.counter}")
        organisation_kind = organisation_kind or ("supplier" if role == "supplier" else "hospital")
    user = accounts.create_account(accounts.NewAccount(
        email=email, password=password, role=role, name=f"Test {role}",
        organisation_name=organisation, organisation_kind=organisation_kind, locale=locale),
        email_verified=email_verified)
    if role == "buyer" and organisation:
        assert (user.organisation is None) is joins, f"{organisation!r}: joins={joins}, but it did not (or did)"
    if verified and user.organisation:
        accounts.verify_organisation(user.organisation, actor_id=user.id)
    db.session.commit()  # the caller commits the use case
    return user


def outbox_link(email: str, code: str) -> str:
    """The link (a path) of the newest e-mail with fact ``code`` to ``email`` in the real outbox
    (needs an app context): how the tests follow e-mailed links."""
    from marketplace.extensions import db
    from marketplace.models import OutboxEmail

    rows = db.session.execute(db.select(OutboxEmail).where(OutboxEmail.to_address == email.lower())
                              .order_by(OutboxEmail.id.desc())).scalars()
    for row in rows:
        if (row.message or {}).get("code") == code:
            return row.link
    raise AssertionError(f"no {code} e-mail to {email}")


def _distinct_word(number: int) -> str:
    """A made-up word per number, far from every other one's (no two are close organisation names)."""
    digest = hashlib.sha256(str(number).encode()).hexdigest()
    return "".join(chr(ord("a") + int(c, 16)) for c in digest[:9]).title()


# A buyer facility's details as the registration form takes them (issue 11, item 8; domain.facility).
FACILITY_FORM = {"street": "1200 Harbor Blvd", "city": "Los Angeles", "state": "CA", "postal_code": "90012",
                 "phone": "(213) 555-0100", "licence_kind": "npi", "licence_number": "1234567893",
                 "delivery_hours": "", "delivery_contact": ""}


def login(client, email: str, password: str = DEFAULT_PASSWORD, **extra):
    response = post_form(client, "/login", {"email": email, "password": password, **extra})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


VALID_LEAD = {
    "company_name": "Harbor Industrial Distribution",
    "contact_name": "Maria Garcia",
    "email": "mgarcia@harborindustrial.com",
    "phone": "(213) 555-0100",
    "website": "harborindustrial.com",
    "street": "100 Harbor Boulevard",
    "city": "Long Beach",
    "state": "CA",
    "postal_code": "90802",
    "country": "US",
    "supplier_type": "distributor",
    "product_category": "n95_respirator",
    "product_description": "3M 1860 N95, 20 per box",
    "quantity": "50000",
    "unit_price": "0.79",
    "min_order_qty": "1000",
    "lead_time_days": "7",
    "certification": "NIOSH TC-84A-0006",
    "payment_terms": "Net 30",
    "country_of_origin": "US",
    "notes": "",
}


def make_lead(owner=None, **fields):
    """A valid lead saved through the service (needs an app context)."""
    from marketplace.domain.leads import parse_lead
    from marketplace.extensions import db
    from marketplace.services import leads

    values, errors = parse_lead({**VALID_LEAD, **fields})
    assert not errors, errors
    lead = leads.create_lead(values, owner=owner, actor_id=owner.id if owner else None,
                             source="form" if owner else "csv")
    db.session.commit()  # the caller commits the use case
    return lead


def valid_demand(**fields) -> dict:
    """A demand request's form fields: 20,000 N95 respirators for a hospital in Los Angeles,
    needed in 20 days, at most $1.50 a unit."""
    from datetime import timedelta

    return {"category": "n95_respirator", "quantity": "20000", "max_unit_price": "1.50",
            "needed_by": (city_today() + timedelta(days=20)).isoformat(), "postal_code": "90033",
            "days_of_supply": "5", "facility_type": "hospital", "substitutes": "", **fields}


def make_request(buyer, **fields):
    """A demand request posted through the service by ``buyer`` (verified organisation)."""
    from marketplace.domain.demand import parse_demand
    from marketplace.extensions import db
    from marketplace.services import demand

    values, errors = parse_demand(valid_demand(**fields), demand.today())
    assert not errors, errors
    request = demand.create_request(values, buyer=buyer)
    db.session.commit()  # the caller commits the use case
    return request


def approve(lead, vetter=None, note=None):
    """Approve a lead as a vetter (created if not given), and as a second vetter when the lead
    needs two approvals (services.vetting four eyes); ``note`` is the approval's text (needed for a
    price over the legal ceiling)."""
    from marketplace.domain.reference import price_over_ceiling
    from marketplace.extensions import db
    from marketplace.services import vetting

    if note is None and price_over_ceiling(lead.product_category, lead.unit_price) is not None:
        note = "Justified: the price is over the ceiling, and this is the supply there is."  # the rule's text
    vetter = vetter or make_user("vetter")
    vetting.decide(lead, vetter, "approve", note)
    db.session.commit()  # the caller commits the use case
    if lead.status != "approved" and lead.first_approved_by_id == vetter.id:
        # Four eyes (a large lead or a stop signal): a second vetter approves it too.
        vetting.decide(lead, make_user("vetter"), "approve", note)
        db.session.commit()
    return vetter


def run_imports(app) -> None:
    """Run every unfinished CSV import as a worker would (with Redis the upload only queued its
    job; on the embedded default it ran already and this does nothing)."""
    from marketplace.extensions import db
    from marketplace.jobs.tasks import run_import
    from marketplace.models import ImportBatch

    with app.app_context():
        for batch_id in db.session.execute(db.select(ImportBatch.id).where(
                ImportBatch.status.in_(("queued", "running", "failed")))).scalars().all():
            run_import(batch_id)
        db.session.remove()


def make_api_token(user, name: str = "tests") -> str:
    """A personal API token for ``user`` (inside an app context), committed; returns its secret."""
    from marketplace.extensions import db
    from marketplace.services import api_tokens

    _, secret = api_tokens.create_token(user, name)
    db.session.commit()
    return secret


def bearer(secret: str) -> dict:
    """The Authorization header of an API call with ``secret``."""
    return {"Authorization": f"Bearer {secret}"}
