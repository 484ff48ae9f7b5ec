"""CSRF on every state change (quality bar S5), security headers and cookies on every response
(S10), and failing closed with a plain error page (S15)."""
from __future__ import annotations

import io
from contextlib import contextmanager
from datetime import timedelta

import pytest

from marketplace.domain.messages import trigger_fact
from marketplace.extensions import db
from marketplace.models import (
    ApiToken,
    AuditLog,
    DemandRequest,
    DuplicatePair,
    ImportBatch,
    Lead,
    LeadDocument,
    Match,
    MatchPlan,
    Notification,
    Organisation,
    OrganisationJoinRequest,
    OutboxEmail,
    User,
    UserSession,
)
from marketplace.services import accounts, notifications, open_data, organisations, planning, vetting
from tests.conftest import (
    DEFAULT_PASSWORD,
    FACILITY_FORM,
    IS_POSTGRES,
    VALID_LEAD,
    approve,
    city_today,
    csrf_token_from,
    fetch_token,
    login,
    make_api_token,
    make_lead,
    make_request,
    make_user,
    outbox_link,
    valid_demand,
)
from tests.web.test_access_matrix import PDF, duplicate_pair, routes, snapshot

STRONG_PASSWORD = "a brand new passphrase for the city"


@contextmanager
def fresh_app(session_app, config_name: str = "testing", **overrides):
    """A second app built by create_app, on the test database. Flask-Limiter keeps its storage on
    the shared extension object, so it is put back afterwards for the session-wide test app."""
    from marketplace.app import create_app
    from marketplace.extensions import limiter

    settings = {key: session_app.config[key] for key in
                ("SQLALCHEMY_DATABASE_URI", "UPLOAD_FOLDER", "REDIS_URL", "RATELIMIT_STORAGE_URI", "SERVER_NAME")}
    settings.update(overrides)
    saved_limiter = dict(limiter.__dict__)
    app = None
    try:
        app = create_app(config_name, **settings)
        yield app
    finally:
        if app is not None:
            with app.app_context():
                for engine in db.engines.values():
                    engine.dispose()
        limiter.__dict__.clear()
        limiter.__dict__.update(saved_limiter)


# --- S5: CSRF on every state change -----------------------------------------------------------

class Case:
    """How to make one state-changing request as a user allowed to make it, and how to see
    whether it took effect."""

    def __init__(self, role, path, data, effect):
        self.role, self.path, self.data, self.effect = role, path, data, effect


def _count(model):
    return lambda: db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def _csv_file():
    from marketplace.domain.leads import LEAD_COLUMNS

    row = {**VALID_LEAD, "external_id": "CSRF-1", "company_name": "Imported Medical"}
    text = ",".join(LEAD_COLUMNS) + "\n" + ",".join(f'"{row.get(c, "")}"' for c in LEAD_COLUMNS) + "\n"
    return io.BytesIO(text.encode()), "leads.csv"


def _audit_rows():
    return db.session.execute(db.select(db.func.count()).select_from(AuditLog)).scalar_one()


def _status(lead_id):
    return lambda: db.session.get(Lead, lead_id).status


def _plans_requested():
    return db.session.execute(db.select(db.func.count()).select_from(AuditLog)
                              .where(AuditLog.action == "plan.requested")).scalar_one()


def csrf_cases(ids) -> dict[str, Case]:
    """One case per state-changing endpoint; test_csrf_cases_cover_every_state_change checks that
    none is missing."""
    supplier, other = ids["supplier"], ids["other_supplier"]
    lead, asked = ids["lead"], ids["asked_lead"]
    request, match, plan = ids["request"], ids["match"], ids["plan"]
    return {
        "auth.login": Case(None, "/login", lambda: {"email": "s@supplier.example",
                                                    "password": "correct horse battery staple"},
                           _count(UserSession)),
        "auth.logout": Case("supplier", "/logout", dict,
                            lambda: db.session.execute(db.select(db.func.count()).select_from(UserSession)
                                                       .where(UserSession.revoked_at.is_not(None))).scalar_one()),
        "language.choose": Case("supplier", "/language", lambda: {"language": "es"},
                                lambda: db.session.get(User, supplier).locale),
        "auth.register_supplier": Case(None, "/register/supplier", lambda: {
            "name": "New Supplier", "email": "new-supplier@example.org", "organisation_name": "New Co",
            "password": STRONG_PASSWORD, "confirm": STRONG_PASSWORD}, _count(User)),
        "auth.register_buyer": Case(None, "/register/buyer", lambda: {
            "name": "New Buyer", "email": "new-buyer@example.org", "organisation_name": "New Clinic",
            "organisation_kind": "clinic", "password": STRONG_PASSWORD, "confirm": STRONG_PASSWORD,
            **FACILITY_FORM}, _count(User)),
        "auth.forgot_password": Case(None, "/password/forgot", lambda: {"email": "s@supplier.example"},
                                     _count(OutboxEmail)),
        "auth.reset_password": Case(None, ids["reset_link"], lambda: {"password": STRONG_PASSWORD,
                                                                     "confirm": STRONG_PASSWORD},
                                    lambda: db.session.get(User, supplier).password_hash),
        "auth.confirm_email": Case(None, ids["confirm_link"], dict,
                                   lambda: db.session.get(User, ids["unconfirmed"]).email_verified_at),
        "auth.resend_confirmation": Case("unconfirmed", "/account/confirm/resend", dict, _count(OutboxEmail)),
        "auth.change_password": Case("supplier", "/account/password", lambda: {
            "current_password": "correct horse battery staple", "new_password": STRONG_PASSWORD,
            "confirm": STRONG_PASSWORD},
            lambda: db.session.get(User, supplier).password_hash),
        "suppliers.new_lead": Case("supplier", "/leads/new", lambda: dict(VALID_LEAD), _count(Lead)),
        "suppliers.edit_lead": Case("supplier", f"/leads/{ids['lead']}/edit",
                                    lambda: {**VALID_LEAD, "company_name": "Renamed Medical"},
                                    lambda: db.session.get(Lead, ids["lead"]).company_name),
        "suppliers.upload_document": Case("supplier", f"/leads/{ids['lead']}/documents",
                                          lambda: {"document": (io.BytesIO(PDF), "spec.pdf")}, _count(LeadDocument)),
        "suppliers.answer": Case("supplier", f"/leads/{asked}/answer",
                                 lambda: {"answer": "Yes: NIOSH TC-84A-0007."}, _status(asked)),
        "vetting.import_leads": Case("vetter", "/staff/import", lambda: {"file": _csv_file()}, _count(ImportBatch)),
        "vetting.decide": Case("vetter", f"/staff/leads/{lead}/decision", lambda: {"action": "start_review"},
                               _status(lead)),
        "vetting.decide_pair": Case("vetter", f"/staff/pairs/{ids['pair']}",
                                    lambda: {"decision": "different", "lead_id": str(lead)},
                                    lambda: db.session.get(DuplicatePair, ids["pair"]).decision),
        "vetting.split": Case("vetter", f"/staff/leads/{lead}/split", dict, _audit_rows),
        "vetting.merge": Case("vetter", f"/staff/leads/{lead}/merge", lambda: {"other_lead_id": str(asked)},
                              _audit_rows),
        "vetting.reprocess": Case("vetter", f"/staff/leads/{lead}/reprocess", dict, _audit_rows),
        "vetting.claim": Case("vetter", f"/staff/leads/{lead}/claim", dict,
                              lambda: db.session.get(Lead, lead).claimed_by_id),
        "vetting.decide_cluster": Case("vetter", f"/staff/leads/{lead}/cluster-decision", lambda: {
            "cluster_leads": str(lead), "cluster_action": "reject", "cluster_text": "not for us"}, _status(lead)),
        "admin.new_vetter": Case("admin", "/admin/users/new", lambda: {
            "name": "New Vetter", "email": "new-vetter@city.example", "password": STRONG_PASSWORD}, _count(User)),
        "admin.set_active": Case("admin", f"/admin/users/{other}/active", lambda: {"active": "0"},
                                 lambda: db.session.get(User, other).active),
        "admin.set_verification": Case("admin", f"/admin/organisations/{ids['organisation']}/verification",
                                       lambda: {"verified": "1"},
                                       lambda: db.session.get(Organisation, ids["organisation"]).verified_at),
        "buyers.new_request": Case("buyer", "/buyer/requests/new", valid_demand, _count(DemandRequest)),
        "buyers.edit_request": Case("buyer", f"/buyer/requests/{request}/edit",
                                    lambda: valid_demand(quantity="25000"),
                                    lambda: db.session.get(DemandRequest, request).quantity),
        "buyers.withdraw": Case("buyer", f"/buyer/requests/{request}/withdraw", dict,
                                lambda: db.session.get(DemandRequest, request).status),
        "buyers.close_rest": Case("buyer", f"/buyer/requests/{request}/close", dict,
                                  lambda: db.session.get(DemandRequest, request).status),
        "buyers.extend_request": Case("buyer", f"/buyer/requests/{request}/extend",
                                      lambda: {"needed_by": (city_today() + timedelta(days=60)).isoformat()},
                                      lambda: db.session.get(DemandRequest, request).needed_by),
        "suppliers.confirm_quote": Case("supplier", f"/leads/{lead}/confirm",
                                        lambda: {"quantity": "40000", "unit_price": "0.79"}, _audit_rows),
        "suppliers.withdraw_lead": Case("supplier", f"/leads/{lead}/withdraw", dict, _status(lead)),
        "matches.act": Case("buyer", f"/matches/{match}/act", lambda: {"action": "accept"},
                            lambda: db.session.get(Match, match).status),
        "main.notifications_read": Case("buyer", "/notifications/read", dict,
                                        lambda: db.session.get(Notification, ids["notification"]).read_at),
        "main.notifications_digest": Case("vetter", "/notifications/digest", lambda: {"mail_digest": "y"},
                                          lambda: db.session.get(User, ids["vetter"]).mail_digest),
        "planning.run": Case("vetter", "/staff/matching/run", dict, _plans_requested),
        "planning.release": Case("vetter", f"/staff/matching/{plan}/release", dict,
                                 lambda: db.session.get(MatchPlan, plan).status),
        "admin.decide_join": Case("admin", f"/admin/joins/{ids['join']}", lambda: {"decision": "refuse"},
                                  lambda: db.session.get(OrganisationJoinRequest, ids["join"]).status),
        "buyers.decide_join": Case("buyer", f"/buyer/joins/{ids['join']}", lambda: {"decision": "approve"},
                                   lambda: db.session.get(OrganisationJoinRequest, ids["join"]).status),
        "buyers.name_organisation": Case("orgless", "/buyer/organisation", lambda: {
            "organisation_name": "Westlake Community Clinic", "organisation_kind": "clinic", **FACILITY_FORM},
            _count(Organisation)),
        "planning.propose": Case("vetter", f"/staff/requests/{request}/propose",
                                 lambda: {"lead_id": str(ids["offer"]), "quantity": "100"}, _count(Match)),
        "auth.api_tokens_page": Case("supplier", "/account/api-tokens", lambda: {"name": "a CSRF case"},
                                     _count(ApiToken)),
        "auth.revoke_api_token": Case("supplier", "/account/api-tokens/revoke",
                                      lambda: {"token_id": str(ids["api_token"])},
                                      lambda: db.session.get(ApiToken, ids["api_token"]).revoked_at),
    }


@pytest.fixture
def csrf_world(clean_app):
    with clean_app.app_context():
        users = {"supplier": make_user("supplier", "s@supplier.example"),
                 "other_supplier": make_user("supplier", "o@supplier.example"),
                 "buyer": make_user("buyer", "b@hospital.example", verified=True),  # verified: it may post
                 "other_buyer": make_user("buyer", "ob@clinic.example", organisation_kind="clinic"),
                 "vetter": make_user("vetter", "v@city.example"),
                 "admin": make_user("admin", "a@city.example"),
                 "unconfirmed": make_user("supplier", "u@supplier.example", email_verified=False),
                 # a buyer who belongs to no organisation yet, and one asking to join the buyer's
                 "orgless": accounts.create_account(accounts.NewAccount(
                     email="n@gmail.example", password=DEFAULT_PASSWORD, role="buyer", name="No Org"))}
        db.session.commit()
        joiner = make_user("buyer", "j@gmail.example", organisation=users["buyer"].organisation.name, joins=True)
        lead = make_lead(users["supplier"])
        asked = make_lead(users["supplier"], company_name="Asked Medical", email="info@asked-medical.com",
                          phone="(213) 555-0177")
        vetting.decide(asked, users["vetter"], "request_info", "Which NIOSH approval number?")
        db.session.commit()
        # Supply and demand for the matching routes: an approved offer, an open request, a proposal
        # (a row, as a released plan makes it), a draft plan, and an unread notification for the buyer.
        offer = make_lead(users["other_supplier"], company_name="Offer Medical", email="sales@offer-medical.com",
                          phone="(213) 555-0188", website="offer-medical.com")
        approve(offer, users["vetter"])
        request = make_request(users["buyer"])
        match = Match(demand_id=request.id, lead_id=offer.id, quantity=1000, unit_price=offer.unit_price,
                      reasons=["for the CSRF tests"], status="proposed")
        db.session.add(match)
        db.session.commit()
        plan = planning.run_matching(trigger_fact("command"))  # with Redis, runs are only queued: compute it here
        notifications.notify([users["buyer"]], "Something happened", "/buyer/")
        db.session.commit()
        notification = db.session.execute(db.select(Notification.id)  # the newest: the join request's came first
                                          .where(Notification.user_id == users["buyer"].id)
                                          .order_by(Notification.id.desc()).limit(1)).scalar_one()
        accounts.request_password_reset("s@supplier.example")
        accounts.send_confirmation(users["unconfirmed"])
        db.session.commit()
        ids = {name: user.id for name, user in users.items()}
        ids.update(reset_link=outbox_link("s@supplier.example", "password_reset"),
                   confirm_link=outbox_link("u@supplier.example", "email_confirm"))
        batch = import_batch(users["vetter"])
        ids.update(batch=batch, lead=lead.id, asked_lead=asked.id, pair=duplicate_pair(asked.id, lead.id),
                   organisation=users["other_buyer"].organisation_id,  # unverified, for admin.set_verification
                   request=request.id, match=match.id, plan=plan.id, notification=notification, offer=offer.id,
                   join=organisations.pending_join(joiner).id)
        make_api_token(db.session.get(User, ids["supplier"]))
        ids["api_token"] = db.session.execute(db.select(ApiToken.id)).scalar_one()
        open_data.refresh()  # the public daily table, as its job counts it (before: its files answer 503)
        db.session.commit()
        emails = {name: user.email for name, user in users.items()}
        db.session.remove()
    return ids, emails


def import_batch(uploader) -> int:
    """An import batch of ``uploader``, read (its page shows counts and a rejected row)."""
    from tests.web.test_access_matrix import import_batch as make_batch

    return make_batch(uploader)


def test_csrf_cases_cover_every_state_change(app):
    """S5: every route that takes a method other than GET has a CSRF case below, except the JSON
    API's, which read no cookie (test_api_state_changes_ignore_the_browser_session)."""
    state_changing = {rule.endpoint for rule, method in routes(app)
                      if method != "GET" and not rule.endpoint.startswith("api.")}
    assert state_changing == set(csrf_cases(DUMMY_IDS))


def test_api_state_changes_ignore_the_browser_session(clean_app, csrf_world):
    """S5 for the API (CSRF-exempt): a signed-in browser's cookies, even with its CSRF token,
    authenticate no API change: every state-changing API route answers 401 and changes nothing."""
    ids, emails = csrf_world
    client = clean_app.test_client()
    login(client, emails["supplier"])
    token = fetch_token(client)
    adapter = clean_app.url_map.bind("localhost")
    with clean_app.app_context():
        before = snapshot()
    probes = 0
    for rule, method in routes(clean_app):
        if method == "GET" or not rule.endpoint.startswith("api."):
            continue
        url = adapter.build(rule.endpoint, {a: ids["lead"] for a in rule.arguments}, method=method)
        for body in ({**VALID_LEAD, "csrf_token": token}, None):
            response = client.open(url, method=method, json=body, headers={"X-CSRFToken": token})
            assert response.status_code == 401, (method, url, response.status_code)
            probes += 1
        # A form post as a browser sends it (the document upload's body), with this session's token.
        response = client.open(url, method=method, data={"csrf_token": token, "document": (io.BytesIO(PDF), "a.pdf")},
                               content_type="multipart/form-data", headers={"X-CSRFToken": token})
        assert response.status_code == 401, (method, url, response.status_code)
    assert probes >= 8
    with clean_app.app_context():
        assert snapshot() == before


DUMMY_IDS = {k: 1 for k in ("supplier", "other_supplier", "lead", "asked_lead", "pair", "organisation", "request", "offer",
                            "match", "plan", "notification", "unconfirmed", "reset_link", "confirm_link", "join")}


@pytest.mark.parametrize("endpoint", sorted(csrf_cases(DUMMY_IDS)))
def test_state_change_needs_this_sessions_csrf_token(clean_app, csrf_world, endpoint):
    """S5: without a token -> 400 and no effect; with another session's token (same user, another
    browser) -> 400 and no effect; with this session's token -> accepted and the change is made."""
    ids, emails = csrf_world
    case = csrf_cases(ids)[endpoint]
    client, other = clean_app.test_client(), clean_app.test_client()
    if case.role:
        login(client, emails[case.role])
        login(other, emails[case.role])
    own_token, foreign_token = fetch_token(client), fetch_token(other)
    assert own_token != foreign_token

    def effect():
        with clean_app.app_context():
            value = case.effect()
            db.session.remove()
            return value

    before = effect()
    for label, token in (("no token", None), ("another session's token", foreign_token)):
        data = case.data()
        if token:
            data["csrf_token"] = token
        response = client.post(case.path, data=data)
        assert response.status_code == 400, f"{endpoint} with {label}: {response.status_code}"
        assert "form expired" in response.get_data(as_text=True)
        assert effect() == before, f"{endpoint} with {label} changed state"
    response = client.post(case.path, data={**case.data(), "csrf_token": own_token})
    assert response.status_code != 400, response.get_data(as_text=True)[:500]
    assert response.status_code < 500
    assert effect() != before, f"{endpoint} with a valid token did nothing"


@pytest.mark.parametrize("role", ["anonymous", "supplier", "buyer", "vetter", "admin"])
def test_no_get_changes_state(clean_app, csrf_world, role):
    """S5: GETting every GET route (with every record id) changes no row in any table."""
    from tests.web.test_access_matrix import every_get_url

    ids, emails = csrf_world
    client = clean_app.test_client()
    if role != "anonymous":
        login(client, emails[role])
    with clean_app.app_context():
        make_lead(None, external_id="CITY-9")
        from marketplace.services import documents
        documents.save_document(db.session.get(Lead, ids["lead"]), io.BytesIO(PDF), "spec.pdf",
                                actor_id=ids["supplier"])
        db.session.commit()  # the caller commits the use case
        all_ids = {
            "lead_id": list(db.session.execute(db.select(Lead.id)).scalars()),
            "document_id": list(db.session.execute(db.select(LeadDocument.id)).scalars()),
            "user_id": list(db.session.execute(db.select(User.id)).scalars()),
            "organisation_id": list(db.session.execute(db.select(Organisation.id)).scalars()),
            "request_id": list(db.session.execute(db.select(DemandRequest.id)).scalars()),
            "match_id": list(db.session.execute(db.select(Match.id)).scalars()),
            "plan_id": list(db.session.execute(db.select(MatchPlan.id)).scalars()),
            "batch_id": [ids["batch"]],
        }
        assert all(all_ids.values()), all_ids
        before = snapshot()
    urls = every_get_url(clean_app, all_ids)
    for url in urls:
        assert client.get(url).status_code < 500, url
    with clean_app.app_context():
        assert snapshot() == before


# --- S10: security headers on every response ----------------------------------------------------

def csp_directives(response) -> dict[str, str]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            directives[name.lower()] = value.strip()
    return directives


def assert_security_headers(response, where: str, *, signed_in: bool = False, production: bool = False):
    csp = csp_directives(response)
    assert csp.get("object-src") == "'none'", f"{where}: CSP object-src is {csp.get('object-src')!r}"
    assert csp.get("base-uri") == "'none'", f"{where}: CSP base-uri is {csp.get('base-uri')!r}"
    assert csp.get("frame-ancestors") == "'none'", f"{where}: CSP frame-ancestors is {csp.get('frame-ancestors')!r}"
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy"), where
    if signed_in:
        assert "no-store" in response.headers.get("Cache-Control", ""), where
    if production:
        assert "max-age=" in response.headers.get("Strict-Transport-Security", ""), where
    else:
        assert "Strict-Transport-Security" not in response.headers, where


@pytest.mark.parametrize("role", ["anonymous", "supplier", "buyer", "vetter", "admin"])
def test_every_page_sends_security_headers(clean_app, csrf_world, role):
    """S10: every GET route (documents and the CSV export included), for every role: CSP with
    object-src, base-uri and frame-ancestors 'none'; nosniff; Referrer-Policy; no-store when signed
    in; no HSTS in testing."""
    from tests.web.test_access_matrix import every_get_url

    ids, emails = csrf_world
    with clean_app.app_context():
        from marketplace.services import documents
        document = documents.save_document(db.session.get(Lead, ids["lead"]), io.BytesIO(PDF), "spec.pdf",
                                           actor_id=ids["supplier"])
        db.session.commit()  # the caller commits the use case
        all_ids = {"lead_id": [ids["lead"]], "document_id": [document.id], "user_id": [ids["other_supplier"]],
                   "organisation_id": [ids["organisation"]], "request_id": [ids["request"]],
                   "match_id": [ids["match"]], "plan_id": [ids["plan"]], "batch_id": [ids["batch"]]}
        db.session.remove()
    client = clean_app.test_client()
    if role != "anonymous":
        login(client, emails[role])
    for url in every_get_url(clean_app, all_ids) + ["/static/css/app.css"]:
        response = client.get(url)
        assert_security_headers(response, f"GET {url} as {role}",
                                signed_in=role != "anonymous" and not url.startswith("/static/"))


def test_error_pages_send_security_headers(clean_app, csrf_world, monkeypatch):
    """S10: 400, 403, 404, 405, 413, 429 and 500 pages carry the same headers."""
    import marketplace.web.main.routes as main_routes

    ids, emails = csrf_world
    client = clean_app.test_client()
    responses = {
        400: client.post("/login", data={"email": "x@example.org", "password": "whatever"}),
        404: client.get("/no-such-page"),
        405: client.get("/logout"),
        413: client.post("/login", data={"email": "x@example.org",
                                         "blob": "x" * (clean_app.config["MAX_CONTENT_LENGTH"] + 1)}),
    }
    attacker = clean_app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"  # its own rate-limit counter
    token = fetch_token(attacker)
    for _ in range(30):
        response = attacker.post("/login", data={"csrf_token": token, "email": "nobody@example.org",
                                                 "password": "wrong password"})
        if response.status_code == 429:
            break
    responses[429] = response

    def broken(*args, **kwargs):
        raise RuntimeError("template engine on fire")

    monkeypatch.setattr(main_routes, "render_template", broken)
    responses[500] = client.get("/")
    monkeypatch.undo()
    signed_in = clean_app.test_client()
    login(signed_in, emails["buyer"])
    responses[403] = signed_in.get("/staff/leads")
    for code, response in responses.items():
        assert response.status_code == code, (code, response.status_code)
        assert_security_headers(response, f"{code} page")
    assert_security_headers(responses[403], "403 page (signed in)", signed_in=True)


def _set_cookie(response, name: str) -> str:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            return header
    raise AssertionError(f"no {name} cookie set")


def _flags(cookie: str) -> set[str]:
    return {part.strip().lower() for part in cookie.split(";")[1:]}


def test_cookies_are_httponly_and_samesite_lax(clean_app, csrf_world):
    """S10/S7: the session and remember cookies are HttpOnly and SameSite=Lax (Secure only in
    production, see below)."""
    client = clean_app.test_client()
    session_cookie = _set_cookie(client.get("/login"), "session")
    assert {"httponly", "samesite=lax"} <= _flags(session_cookie)
    assert "secure" not in _flags(session_cookie)
    response = login(client, "s@supplier.example", remember="y")
    remember = _set_cookie(response, "remember_token")
    assert {"httponly", "samesite=lax"} <= _flags(remember)


def test_production_app_sends_hsts_and_secure_cookies(clean_app, csrf_world, monkeypatch):
    """S10: an app created with config "production" sends HSTS and marks its session and
    remember cookies Secure (as well as HttpOnly and SameSite=Lax)."""
    if not IS_POSTGRES:
        monkeypatch.setenv("ALLOW_SQLITE_IN_PRODUCTION", "1")  # a deliberate choice, see config.py
    with fresh_app(clean_app, "production", SECRET_KEY="x", MAIL_FROM="PPE desk <ppe@city.example.gov>",
                   PUBLIC_URL="https://ppe.city.example.gov") as production:
        assert not production.debug and not production.testing
        client = production.test_client()
        page = client.get("/login", base_url="https://localhost")
        assert page.status_code == 200
        assert_security_headers(page, "production /login", production=True)
        assert {"secure", "httponly", "samesite=lax"} <= _flags(_set_cookie(page, "session"))
        response = client.post("/login", base_url="https://localhost", data={
            "csrf_token": csrf_token_from(page.get_data(as_text=True)), "email": "s@supplier.example",
            "password": "correct horse battery staple", "remember": "y"},
            headers={"Referer": "https://localhost/login"})
        assert response.status_code == 302
        assert_security_headers(response, "production login redirect", signed_in=True, production=True)
        assert {"secure", "httponly", "samesite=lax"} <= _flags(_set_cookie(response, "remember_token"))


# --- S15: fail closed -----------------------------------------------------------------------------

def test_unhandled_exception_gives_plain_500_without_traceback(clean_app):
    """S15: an exception inside a view gives the plain 500 page: no traceback, no exception text,
    DEBUG off, security headers present, and nothing the request wrote is kept."""
    with fresh_app(clean_app) as app:

        @app.get("/_test/explode")
        def explode():
            db.session.add(Organisation(name="half-saved", kind="other"))
            db.session.flush()
            raise RuntimeError("secret internals: password=hunter2")

        assert app.debug is False and app.config["DEBUG"] is False
        response = app.test_client().get("/_test/explode")
        body = response.get_data(as_text=True)
        assert response.status_code == 500
        assert "Something went wrong" in body
        assert "Traceback" not in body and "secret internals" not in body and "hunter2" not in body
        assert 'File "' not in body
        assert_security_headers(response, "500 page")
    with clean_app.app_context():
        assert db.session.execute(db.select(Organisation).where(Organisation.name == "half-saved")).first() is None
