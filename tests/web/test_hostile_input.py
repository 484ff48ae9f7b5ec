"""Forms survive hostile input (quality bar S11).

Every field of the lead form, both registration forms, the login form and the staff filter form
gets markup, ``javascript:`` URLs, NUL bytes, right-to-left marks, 10 kB strings, huge numbers and
random text (Hypothesis). Pass: no server error, the payload never comes back unescaped, and what
was saved renders escaped on the lead page, My offers, the staff list, the edit form and the admin
pages; the CSV export stays a spreadsheet-safe attachment; website fields keep only http(s) URLs.
"""
from __future__ import annotations

import base64
import csv
import html
import io
import itertools
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.extensions import db
from marketplace.models import Lead, User
from tests.conftest import FACILITY_FORM, VALID_LEAD, fetch_token, login, make_lead, make_user

PAYLOAD = "<script>alert(1)</script>"
HOSTILE = [
    PAYLOAD,
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    " JaVaScRiPt:alert(document.domain)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "\x00",
    "N95\x00<script>alert(1)</script>",
    "\u202egnp.exe",
    "Harbor \u202eyppus\u202c Medical",
    "x" * 10240,
    PAYLOAD * 410,  # about 10 kB of markup
    "9" * 5000,
    "-" + "9" * 5000,
    "1e999999999",
    "NaN",
    "\u0661\u0662\u0663",  # Arabic-Indic digits
    '=HYPERLINK("http://evil.example","click")',
    "{{ 7*7 }}{% raw %}${7*7}",
    "' OR '1'='1' --",
    "line one\r\nSet-Cookie: injected=1",
    "\U0001f637" * 100,
    "",
]
RAW_MARKUP = ("<script>alert", "<img src=x", "<svg/onload")
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
HOSTILE_TEXT = st.one_of(
    st.sampled_from(HOSTILE),
    TEXT,
    st.builds(lambda a, b, c: a + b + c, TEXT, st.sampled_from(HOSTILE), TEXT),
)
FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def assert_escaped(response, where: str) -> None:
    """No server error and no payload rendered as markup (or as a script URL in a link)."""
    assert response.status_code < 500, f"{where}: {response.status_code}"
    assert response.status_code != 400, f"{where}: 400 (a CSRF problem in the test?)"
    body = response.get_data().decode("utf-8", "replace")
    for raw in RAW_MARKUP:
        assert raw not in body, f"{where}: unescaped {raw!r}"
    assert not re.search(r"""(href|src|action)\s*=\s*["']?\s*(javascript|data|vbscript):""", body, re.I), where


def form_fields(app, form_class) -> list[str]:
    """The field names of a form class, as the browser sends them (the CSRF token aside): the tests
    take them from the form itself, so a new field is fuzzed without anyone remembering to."""
    with app.test_request_context():
        return [name for name in form_class(meta={"csrf": False})._fields if name != "csrf_token"]


@pytest.fixture
def supplier(unlimited, client):
    with unlimited.app_context():
        make_user("supplier", "fuzz@supplier.example")
        make_user("vetter", "vetter@city.example")
        make_user("admin", "admin@city.example")
    login(client, "fuzz@supplier.example")
    return client


class Poster:
    """Posts a form like a browser, taking a fresh CSRF token whenever the session was renewed."""

    def __init__(self, client, form_page: str, *, renews_session: bool = False):
        self.client, self.form_page, self.token = client, form_page, None
        self.renews_session = renews_session  # a successful login or registration starts a new session

    def post(self, path: str, data: dict, *, follow_redirects: bool = True):
        if self.token is None:
            self.token = fetch_token(self.client, self.form_page)
        response = self.client.post(path, data={**data, "csrf_token": self.token},
                                    follow_redirects=follow_redirects)
        if self.renews_session and (response.history or response.status_code == 302):
            self.token = None
        return response


def lead_fields(app) -> list[str]:
    from marketplace.web.suppliers.forms import LeadForm

    return form_fields(app, LeadForm)


# --- the lead form -------------------------------------------------------------------------------

def render_saved_leads(app, supplier_client) -> None:
    """Every page that shows saved leads, as their supplier and as staff, must escape them."""
    with app.app_context():
        lead_ids = list(db.session.execute(db.select(Lead.id)).scalars())
    vetter = app.test_client()
    login(vetter, "vetter@city.example")
    for lead_id in lead_ids:
        assert_escaped(supplier_client.get(f"/leads/{lead_id}"), f"lead {lead_id} as its supplier")
        assert_escaped(supplier_client.get(f"/leads/{lead_id}/edit"), f"edit form of lead {lead_id}")
        assert_escaped(vetter.get(f"/staff/leads/{lead_id}"), f"vetting page of lead {lead_id}")
    for page in range(1, 4):
        assert_escaped(supplier_client.get(f"/leads?page={page}"), "My offers")
    # The vetting queue, every page of it (it pages with a cursor in its "Next page" link).
    url, pages = "/staff/leads?status=all", 0
    while url and pages < 50:
        response = vetter.get(url)
        assert_escaped(response, f"vetting queue {url}")
        found = re.search(r'href="([^"]*after=[^"]*)">Next page', response.get_data(as_text=True))
        url, pages = (html.unescape(found.group(1)) if found else None), pages + 1
    export = vetter.get("/staff/leads.csv")
    assert export.status_code == 200
    assert export.mimetype == "text/csv"
    assert export.headers["Content-Disposition"].startswith("attachment;")
    assert export.headers["X-Content-Type-Options"] == "nosniff"
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert len(rows) == len(lead_ids) + 1
    for row in rows[1:]:
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                float(cell)  # only plain numbers may start like a formula
    with app.app_context():
        for lead in db.session.execute(db.select(Lead)).scalars():
            assert lead.website is None or re.match(r"https?://[^/?#]*\.", lead.website, re.I), lead.website


def test_every_lead_field_survives_every_hostile_value(supplier, unlimited):
    """S11: each field of the lead form x each hostile value: no server error, nothing unescaped;
    then every page showing the saved leads escapes them and the CSV export is a safe attachment."""
    poster = Poster(supplier, "/leads/new")
    for field, value in itertools.product(lead_fields(unlimited), HOSTILE):
        # Saved leads are rendered below, all together; here only the form's own answer is checked.
        response = poster.post("/leads/new", {**VALID_LEAD, field: value}, follow_redirects=False)
        assert_escaped(response, f"lead form, {field}={value[:40]!r}")
        if response.status_code == 302:
            assert re.fullmatch(r"/leads/\d+", response.headers["Location"])
    for value in HOSTILE:  # the same value in every field at once: each field's message is shown
        assert_escaped(poster.post("/leads/new", {field: value for field in lead_fields(unlimited)}),
                       f"lead form, every field={value[:40]!r}")
    with unlimited.app_context():
        saved = db.session.execute(db.select(db.func.count()).select_from(Lead)).scalar_one()
        notes = db.session.execute(db.select(Lead.notes).where(Lead.notes == PAYLOAD)).scalar_one()
        lead_id = db.session.execute(db.select(Lead.id).where(Lead.notes == PAYLOAD)).scalar_one()
    assert saved > len(HOSTILE) and notes == PAYLOAD  # markup is data: kept, and shown escaped
    page = supplier.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    render_saved_leads(unlimited, supplier)


@FUZZ
@given(data=st.data())
def test_lead_form_fuzz(supplier, unlimited, data):
    """S11: Hypothesis picks two lead form fields and hostile or random values: never a server
    error, never unescaped markup, on the form answer or on the saved lead's page."""
    fields = st.sampled_from(lead_fields(unlimited))
    values = {data.draw(fields, "field"): data.draw(HOSTILE_TEXT, "value") for _ in range(2)}
    response = Poster(supplier, "/leads/new").post("/leads/new", {**VALID_LEAD, **values})
    assert_escaped(response, f"lead form, {values!r:.200}")


@FUZZ
@given(website=HOSTILE_TEXT)
def test_website_accepts_only_http_and_https(supplier, unlimited, website):
    """S11: whatever is typed as the website, a saved lead's website is an http(s) URL with a
    domain, and the link on its page is never a script URL."""
    response = Poster(supplier, "/leads/new").post("/leads/new", {**VALID_LEAD, "website": website})
    assert_escaped(response, f"website={website[:40]!r}")
    with unlimited.app_context():
        for lead in db.session.execute(db.select(Lead)).scalars():
            assert lead.website is None or re.match(r"https?://[^/?#]*\.", lead.website, re.I), lead.website
        db.session.remove()


@pytest.mark.parametrize("website", [
    "javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "javascript://example.com/%0Aalert(1)", "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)", "file:///etc/passwd", "ftp://example.com/x", "//evil.example",
    "https://", "http://localhost", "javascript:1",
])
def test_script_and_other_scheme_websites_are_refused(supplier, unlimited, website):
    """S11: URL fields take only http(s): other schemes are refused with a message, nothing saved."""
    response = Poster(supplier, "/leads/new").post("/leads/new", {**VALID_LEAD, "website": website})
    assert_escaped(response, website)
    assert response.request.path == "/leads/new"  # the form again, with the error
    assert 'id="website-error"' in response.get_data(as_text=True)
    with unlimited.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Lead)).scalar_one() == 0


# --- registration and login ----------------------------------------------------------------------

_counter = itertools.count()


def registration(kind: str, field: str, value: str) -> dict:
    n = next(_counter)
    data = {"name": "Pat Doe", "email": f"fuzz{n}@example.org", "organisation_name": f"Org {n}",
            "password": "a long enough passphrase", "confirm": "a long enough passphrase"}
    if kind == "buyer":
        data.update(FACILITY_FORM, organisation_kind="hospital")
    data[field] = value
    if field == "password":
        data["confirm"] = value
    return data


def registration_fields(app, kind: str) -> list[str]:
    from marketplace.web.auth.forms import BuyerRegisterForm, RegisterForm

    return form_fields(app, BuyerRegisterForm if kind == "buyer" else RegisterForm)


def login_fields(app) -> list[str]:
    from marketplace.web.auth.forms import LoginForm

    return form_fields(app, LoginForm)


def render_accounts(app) -> None:
    """The admin pages list every account and organisation: all escaped."""
    admin = app.test_client()
    login(admin, "admin@city.example")
    for page in ("/admin/users", "/admin/organisations", "/admin/users?role=buyer", "/admin/users?role=supplier"):
        assert_escaped(admin.get(page), page)


@pytest.mark.parametrize("kind", ["supplier", "buyer"])
def test_every_registration_field_survives_every_hostile_value(unlimited, kind):
    """S11: each field of the registration forms x each hostile value: no server error (NUL bytes
    included, which PostgreSQL cannot store), nothing unescaped, and the admin pages that list the
    new accounts escape them."""
    with unlimited.app_context():
        make_user("admin", "admin@city.example")
    poster = Poster(unlimited.test_client(), f"/register/{kind}", renews_session=True)
    for field, value in itertools.product(registration_fields(unlimited, kind), HOSTILE):
        response = poster.post(f"/register/{kind}", registration(kind, field, value))
        assert_escaped(response, f"{kind} registration, {field}={value[:40]!r}")
    with unlimited.app_context():
        names = set(db.session.execute(db.select(User.name)).scalars())
    assert PAYLOAD in names  # markup in a name is kept as text
    render_accounts(unlimited)


@FUZZ
@given(kind=st.sampled_from(["supplier", "buyer"]), data=st.data())
def test_registration_fuzz(unlimited, kind, data):
    """S11: Hypothesis over the registration forms: never a server error or unescaped markup."""
    field = data.draw(st.sampled_from(registration_fields(unlimited, kind)), "field")
    value = data.draw(HOSTILE_TEXT, "value")
    client = unlimited.test_client()
    response = Poster(client, f"/register/{kind}", renews_session=True).post(f"/register/{kind}", registration(kind, field, value))
    assert_escaped(response, f"{kind} registration, {field}={value[:40]!r}")


@pytest.fixture
def account(unlimited):
    with unlimited.app_context():
        make_user("supplier", "known@supplier.example")
    return unlimited


def test_every_login_field_survives_every_hostile_value(account):
    """S11: each field of the login form x each hostile value (``next`` included): no server error
    and nothing unescaped; a hostile ``next`` never leaves the site after a good login."""
    client = account.test_client()
    poster = Poster(client, "/login", renews_session=True)
    for field, value in itertools.product(login_fields(account), HOSTILE):
        data = {"email": "known@supplier.example", "password": "wrong password", field: value}
        response = poster.post("/login", data)
        assert_escaped(response, f"login, {field}={value[:40]!r}")
        assert_escaped(client.get("/login", query_string={field: value}), f"GET /login?{field}=...")
    for value in HOSTILE:
        fresh = account.test_client()
        response = fresh.post("/login", data={"csrf_token": fetch_token(fresh), "email": "known@supplier.example",
                                              "password": "correct horse battery staple", "next": value})
        assert response.status_code == 302
        location = response.headers["Location"]
        assert location.startswith("/") and not location.startswith("//"), location


@FUZZ
@given(data=st.data())
def test_login_fuzz(account, data):
    """S11: Hypothesis over the login form: never a server error or unescaped markup."""
    field = data.draw(st.sampled_from(login_fields(account)), "field")
    value = data.draw(HOSTILE_TEXT, "value")
    form = {"email": "known@supplier.example", "password": "wrong password", field: value}
    response = Poster(account.test_client(), "/login", renews_session=True).post("/login", form)
    assert_escaped(response, f"login, {field}={value[:40]!r}")


# --- query strings: the staff filter form, pagers and record ids ---------------------------------

QUERY_VALUES = [PAYLOAD, "'><img src=x onerror=alert(1)>", "javascript:alert(1)", "\x00", "\u202egnp.exe",
                "x" * 10240, "-1", "99999999999999999999999", "1e999999999"]
QUERY_NAMES = ["q", "status", "category", "supplier_type", "flag", "processing", "sort", "after", "role", "page",
               "next", "endpoint", "_method", "_anchor", "_scheme", "_external"]


def test_list_pages_survive_hostile_query_strings(supplier, unlimited, monkeypatch):
    """S11: the vetting queue's filter form (q, status, category, supplier type, flag, sort, the
    ``after`` cursor), ?role=, ?page= and stray parameters that the pagers copy into their links:
    never a server error, never unescaped markup or a script link, on pages long enough to page."""
    monkeypatch.setitem(unlimited.config, "ITEMS_PER_PAGE", 1)
    with unlimited.app_context():
        owner = db.session.execute(db.select(User).where(User.email == "fuzz@supplier.example")).scalar_one()
        for n in range(3):
            make_lead(owner, company_name=f"Harbor {n}")
    staff = unlimited.test_client()
    login(staff, "admin@city.example")
    pages = [(staff, "/staff/leads"), (staff, "/admin/users"), (staff, "/admin/organisations"),
             (supplier, "/leads"), (staff, "/staff/leads.csv")]
    for (client, path), name, value in itertools.product(pages, QUERY_NAMES, QUERY_VALUES):
        response = client.get(path, query_string={name: value, "page": "2"} if name != "page" else {name: value})
        assert_escaped(response, f"GET {path}?{name}={value[:40]!r}")
    combined = {"_external": "1", "_scheme": "javascript", "q": "%0Aalert(1)", "page": "1"}
    assert_escaped(staff.get("/staff/leads", query_string=combined), "javascript scheme in the pager")


@pytest.mark.parametrize("record_id", ["2147483648", "9223372036854775808", "99999999999999999999999"])
def test_record_ids_beyond_the_database_range_are_404(supplier, unlimited, record_id):
    """S11: an id too large for the database's integer columns is 'not found', not a database error."""
    staff = unlimited.test_client()
    login(staff, "admin@city.example")
    for client in (supplier, staff):
        for path in (f"/leads/{record_id}", f"/leads/{record_id}/edit", f"/documents/{record_id}"):
            assert client.get(path).status_code in (403, 404), path
        token = fetch_token(client)
        for path in (f"/leads/{record_id}/documents", f"/admin/users/{record_id}/active",
                     f"/admin/organisations/{record_id}/verification", f"/leads/{record_id}/edit"):
            assert client.post(path, data={"csrf_token": token}).status_code in (403, 404), path


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize("values", [
    ["x", "2026-01-01T00:00:00+00:00", 1],   # text where the score is a number
    [1, "2026-01-01T00:00:00", 1],           # a timestamp without a time zone
    [1, "2026-01-01T00:00:00+00:00", "\x00"],
    [10**30, "2026-01-01T00:00:00+00:00", 10**30],
    [None, None, None],
    [[1], {"a": 1}, True],
    [1.5, 7, -1],
    [1, 2],
])
@pytest.mark.parametrize("sort", ["best", "risky", "oldest", "newest"])
def test_forged_queue_cursors_are_ignored_not_errors(supplier, unlimited, monkeypatch, values, sort):
    """S11: the queue's ``after`` cursor comes back from the browser: a forged one (wrong types, a
    naive timestamp, NUL, huge numbers, wrong length) gives a page, never a server error."""
    monkeypatch.setitem(unlimited.config, "ITEMS_PER_PAGE", 1)
    with unlimited.app_context():
        owner = db.session.execute(db.select(User).where(User.email == "fuzz@supplier.example")).scalar_one()
        make_lead(owner)
    staff = unlimited.test_client()
    login(staff, "vetter@city.example")
    for cut in (len(values), 2):
        response = staff.get("/staff/leads", query_string={"status": "all", "sort": sort,
                                                           "after": _cursor(values[:cut])})
        assert_escaped(response, f"cursor {values[:cut]!r} sorted {sort}")
