"""The JSON API (issue 12, item 3): tokens, the same validation as the forms, idempotency,
problem+json errors, cursor pages, and each role's operations."""
from __future__ import annotations

import pytest

from marketplace.domain.api_tokens import token_digest
from marketplace.extensions import db
from marketplace.models import ApiToken, AuditLog, DemandRequest, Lead, Match
from tests.conftest import (
    VALID_LEAD,
    approve,
    bearer,
    city_today,
    fetch_token,
    login,
    make_api_token,
    make_lead,
    make_request,
    make_user,
    valid_demand,
)

PROBLEM = "application/problem+json"


@pytest.fixture
def supplier(app_ctx):
    user = make_user("supplier", "api-supplier@acme.example")
    return user, make_api_token(user)


def _lead_body(**fields) -> dict:
    body = {k: v for k, v in VALID_LEAD.items() if k != "external_id"}
    body.update(quantity=50000, unit_price=0.85)  # numbers as JSON numbers (within 10% of the reference)
    body.update(fields)
    return body


def test_a_supplier_creates_lists_and_reads_leads(client, supplier):
    user, token = supplier
    response = client.post("/api/v1/leads", json=_lead_body(), headers=bearer(token))
    assert response.status_code == 201, response.get_json()
    lead = response.get_json()
    assert response.headers["Location"] == f"/api/v1/leads/{lead['id']}"
    assert lead["company_name"] == VALID_LEAD["company_name"] and lead["unit_price"] == "0.85"
    assert "risk_score" not in lead and "signals" not in lead  # the supplier never reads its score
    assert "set-cookie" not in {k.lower() for k in response.headers.keys()}
    stored = db.session.get(Lead, lead["id"])
    assert stored.owner_id == user.id and stored.source == "api"
    listed = client.get("/api/v1/leads", headers=bearer(token)).get_json()
    assert [item["id"] for item in listed["items"]] == [lead["id"]] and listed["next_cursor"] is None
    assert client.get(f"/api/v1/leads/{lead['id']}", headers=bearer(token)).status_code == 200


def test_field_errors_are_the_forms_and_listed_by_field(client, supplier):
    _, token = supplier
    response = client.post("/api/v1/leads", json=_lead_body(email="not an address", quantity="-5", colour="red"),
                           headers=bearer(token))
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert {e["field"] for e in response.get_json()["errors"]} == {"colour"}  # unknown fields first
    response = client.post("/api/v1/leads", json=_lead_body(email="not an address", quantity="-5"),
                           headers=bearer(token))
    problem = response.get_json()
    assert response.status_code == 422 and problem["status"] == 422 and problem["title"]
    fields = {e["field"] for e in problem["errors"]}
    assert {"email", "quantity"} <= fields
    assert Lead.query.count() == 0


def test_figures_far_from_the_reference_are_confirmed_with_the_digest(client, supplier):
    _, token = supplier
    body = _lead_body(unit_price=45)  # far above the reference for an N95
    response = client.post("/api/v1/leads", json=body, headers=bearer(token))
    problem = response.get_json()
    assert response.status_code == 422 and problem["confirmed_figures"]
    assert "unit_price" in {e["field"] for e in problem["errors"]}
    confirmed = client.post("/api/v1/leads", json={**body, "confirm_figures": True,
                                                   "confirmed_figures": problem["confirmed_figures"]},
                            headers=bearer(token))
    assert confirmed.status_code == 201


# Bodies the lead form and a direct reading could read differently: a country list's code that as
# typed text means 'not available' (NA is Namibia on the list), no country (the form's default),
# a list of texts (the form takes the first), a confirmation box sent as the text "false".
AS_THE_FORM_READS = [
    ({"country": "NA", "phone": "+264 61 123 4567", "postal_code": ""}, {"country": "NA"}),
    ({"country": None}, {"country": "US"}),
    ({"company_name": ["A Co", "B Co"]}, {"company_name": "A Co"}),
    ({"unit_price": 45, "confirm_figures": "false"}, None),
]


@pytest.mark.parametrize("fields, stored", AS_THE_FORM_READS)
def test_a_lead_body_is_read_as_the_lead_form_reads_it(app, client, supplier, fields, stored):
    from marketplace.web.api.support import as_formdata
    from marketplace.web.suppliers.forms import LeadForm

    _, token = supplier
    body = _lead_body(**fields)
    with app.test_request_context(method="POST", data=as_formdata(body)):
        form = LeadForm(meta={"csrf": False})
        accepted = form.validate()
        by_form = form.clean if accepted else {name: list(messages) for name, messages in form.errors.items()
                                               if name and name not in ("confirmed_figures", "submission_token")}
    response = client.post("/api/v1/leads", json=body, headers=bearer(token))
    if stored is None:  # figures to confirm: the form asks, and the API asks with the same digest
        assert not accepted and response.status_code == 422
        problem = response.get_json()
        assert problem["confirmed_figures"] == form.confirmed_figures.data
        assert {e["field"]: [e["message"]] for e in problem["errors"]} == by_form
        return
    assert accepted and response.status_code == 201, response.get_json()
    lead = db.session.get(Lead, response.get_json()["id"])
    assert {name: getattr(lead, name) for name in stored} == stored
    assert all(getattr(lead, name) == value for name, value in vars(by_form).items()
               if name not in ("external_id", "marketplace_ref")), "the API stored what the form would not"


def test_the_same_idempotency_key_never_stores_twice(client, supplier):
    _, token = supplier
    headers = {**bearer(token), "Idempotency-Key": "retry-key-0123456789"}
    first = client.post("/api/v1/leads", json=_lead_body(), headers=headers)
    again = client.post("/api/v1/leads", json=_lead_body(), headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert Lead.query.count() == 1
    bad = client.post("/api/v1/leads", json=_lead_body(), headers={**bearer(token), "Idempotency-Key": "short"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "Idempotency-Key"
    # The key is checked as the lead is saved, not read first: a retry is answered with the first
    # result, and the lead of the second attempt is not kept; the same key with another body is
    # refused (test_api_idempotency), whether that body passes or not.
    refused_body = client.post("/api/v1/leads", json=_lead_body(email="not an address"), headers=headers)
    assert refused_body.status_code == 422 and refused_body.get_json()["first_resource"] == first.headers["Location"]
    assert Lead.query.count() == 1 and AuditLog.query.filter_by(action="lead.create").count() == 1


def test_no_token_a_wrong_token_or_a_session_cookie_is_401(client, supplier):
    user, token = supplier
    for headers in ({}, bearer("ppe_" + "x" * 43), {"Authorization": f"Basic {token}"}):
        response = client.get("/api/v1/leads", headers=headers)
        assert response.status_code == 401 and response.mimetype == PROBLEM
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    login(client, user.email)  # a browser session authenticates nothing in the API
    assert client.get("/api/v1/leads").status_code == 401
    response = client.post("/api/v1/leads", json=_lead_body())
    assert response.status_code == 401 and Lead.query.count() == 0


def test_tokens_are_made_shown_once_stored_hashed_and_revoked(client, clean_app):
    # No app context around the requests here: each request gets its own, as in production (the
    # CSRF token and the signed-in user live in it).
    with clean_app.app_context():
        email = make_user("supplier", "tokens@acme.example").email
        other = make_user("supplier", "other@acme.example")
        other_token = make_api_token(other)
        other_id = db.session.execute(db.select(ApiToken.id).where(ApiToken.user_id == other.id)).scalar_one()
    login(client, email)
    page = client.post("/account/api-tokens", data={"name": "inventory sync",
                                                    "csrf_token": fetch_token(client, "/account/api-tokens")})
    text = page.get_data(as_text=True)
    secret = next(word for word in text.replace("<", " ").replace(">", " ").split() if word.startswith("ppe_"))
    with clean_app.app_context():
        row = db.session.execute(db.select(ApiToken).where(ApiToken.name == "inventory sync")).scalar_one()
        row_id, prefix, digest = row.id, row.prefix, row.token_hash
    assert secret not in digest and prefix == secret[:10] and len(digest) == 64
    assert secret not in client.get("/account/api-tokens").get_data(as_text=True)  # shown once
    assert client.get("/api/v1/me", headers=bearer(secret)).get_json()["role"] == "supplier"
    with clean_app.app_context():
        assert db.session.get(ApiToken, row_id).last_used_at is not None
    refused = client.post("/account/api-tokens/revoke", data={"token_id": other_id,
                                                              "csrf_token": fetch_token(client, "/account/api-tokens")})
    assert refused.status_code == 404
    assert client.get("/api/v1/me", headers=bearer(other_token)).status_code == 200
    client.post("/account/api-tokens/revoke", data={"token_id": row_id,
                                                    "csrf_token": fetch_token(client, "/account/api-tokens")})
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(other_token)).status_code == 200


NO_TOKEN = "An API token is needed: send it as Authorization: Bearer <token>."
NOT_VALID = "This token is not valid."
DEACTIVATED = "This token's account is deactivated: its tokens open nothing."
REVOKED = "This token was revoked. Make a new one on your API tokens page (/account/api-tokens)."


def _refused(client, headers: dict) -> str:
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401 and response.mimetype == PROBLEM
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    return response.get_json()["detail"]


def test_a_deactivated_account_s_token_stops_working_and_says_why(client, supplier):
    user, token = supplier
    user.active = False
    db.session.commit()
    assert _refused(client, bearer(token)) == DEACTIVATED
    # Revoked as well: the account is what a new token would not mend.
    db.session.execute(db.update(ApiToken).values(revoked_at=db.func.now()))
    db.session.commit()
    assert _refused(client, bearer(token)) == DEACTIVATED


def test_a_revoked_token_says_so_and_an_unknown_one_learns_nothing(client, supplier):
    user, token = supplier
    other = make_api_token(user)
    db.session.execute(db.update(ApiToken).where(ApiToken.token_hash == token_digest(token))
                       .values(revoked_at=db.func.now()))
    db.session.commit()
    assert _refused(client, bearer(token)) == REVOKED
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200  # its other token still works
    assert _refused(client, bearer("ppe_" + "x" * 43)) == NOT_VALID  # well-formed, not ours
    assert _refused(client, bearer("not-a-token")) == NOT_VALID
    assert _refused(client, {}) == NO_TOKEN
    assert _refused(client, {"Authorization": f"Basic {token}"}) == NO_TOKEN


def test_the_token_s_refusal_is_in_the_reader_s_language(client, supplier):
    user, token = supplier
    user.active = False
    db.session.commit()
    detail = _refused(client, {**bearer(token), "Accept-Language": "es"})
    assert detail != DEACTIVATED and "desactivada" in detail


def test_a_token_s_last_use_is_written_once_a_minute_and_its_organisation_read_with_it(client, supplier):
    from datetime import timedelta

    from marketplace.models.base import utcnow

    user, token = supplier
    row = db.session.execute(db.select(ApiToken).where(ApiToken.user_id == user.id)).scalar_one()
    assert row.last_used_at is None
    me = client.get("/api/v1/me", headers=bearer(token)).get_json()
    assert me["organisation"] is not None and me["organisation"]["id"] == user.organisation_id
    db.session.expire_all()
    first = row.last_used_at
    assert first is not None
    client.get("/api/v1/me", headers=bearer(token))
    db.session.expire_all()
    assert row.last_used_at == first  # within the minute: not written again
    row.last_used_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    client.get("/api/v1/me", headers=bearer(token))
    db.session.expire_all()
    assert row.last_used_at > first


def test_cursor_pages_walk_every_lead_once(client, supplier):
    user, token = supplier
    ids = {make_lead(user, company_name=f"Page Co {n}", email=f"s{n}@pageco{n}.example").id for n in range(5)}
    seen, cursor, pages = [], None, 0
    while True:
        response = client.get("/api/v1/leads", query_string={"limit": 2, **({"cursor": cursor} if cursor else {})},
                              headers=bearer(token))
        body = response.get_json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen)) and pages == 3
    assert seen == sorted(seen, reverse=True)
    bad = client.get("/api/v1/leads?cursor=bm9wZQ&limit=0", headers=bearer(token))
    assert bad.status_code == 422 and {e["field"] for e in bad.get_json()["errors"]} == {"cursor", "limit"}


def test_a_supplier_updates_its_lead_and_answers_a_question(client, supplier, app_ctx):
    user, token = supplier
    lead = make_lead(user)
    response = client.patch(f"/api/v1/leads/{lead.id}", json={"unit_price": "0.80"}, headers=bearer(token))
    assert response.status_code == 200 and response.get_json()["unit_price"] == "0.8"
    assert response.get_json()["company_name"] == VALID_LEAD["company_name"]  # the rest unchanged
    vetter = make_user("vetter", "vetter@city.example")
    vetter_token = make_api_token(vetter)
    asked = client.post(f"/api/v1/leads/{lead.id}/decision", json={"action": "request_info", "text": "Which model?"},
                        headers=bearer(vetter_token))
    assert asked.status_code == 200 and asked.get_json()["status"] == "info_requested"
    messages = client.get(f"/api/v1/leads/{lead.id}/messages", headers=bearer(token)).get_json()["items"]
    assert [m["kind"] for m in messages] == ["question"] and "author_id" not in messages[0]
    answered = client.post(f"/api/v1/leads/{lead.id}/answer", json={"answer": "The 1860 model."},
                           headers=bearer(token))
    assert answered.status_code == 200 and answered.get_json()["status"] == "under_review"
    again = client.post(f"/api/v1/leads/{lead.id}/answer", json={"answer": "Again."}, headers=bearer(token))
    assert again.status_code == 409 and again.mimetype == PROBLEM


def test_staff_read_the_queue_a_lead_with_signals_and_the_plan(client, app_ctx):
    supplier = make_user("supplier", "q@acme.example")
    lead = make_lead(supplier)
    vetter = make_user("vetter", "vetter@city.example")
    token = make_api_token(vetter)
    queue = client.get("/api/v1/queue?limit=10", headers=bearer(token)).get_json()
    assert lead.id in [item["id"] for item in queue["items"]]
    full = client.get(f"/api/v1/leads/{lead.id}", headers=bearer(token)).get_json()
    assert "signals" in full and "duplicates" in full and "risk_score" in full
    assert client.get("/api/v1/plan", headers=bearer(token)).status_code in (200, 404)
    refused = client.post(f"/api/v1/leads/{lead.id}/decision", json={"action": "reject"}, headers=bearer(token))
    # A rejection needs a reason: a field's problem (422, the field "text"), not a state conflict.
    assert refused.status_code == 422 and refused.mimetype == PROBLEM
    assert [e["field"] for e in refused.get_json()["errors"]] == ["text"]


def test_buyers_post_requests_and_accept_or_decline_matches(client, app_ctx):
    buyer = make_user("buyer", "nurse@hospital.example", organisation="Hospital A", verified=True)
    token = make_api_token(buyer)
    body = {**valid_demand(), "substitutes": ["kn95_respirator"], "quantity": 20000}
    headers = {**bearer(token), "Idempotency-Key": "request-key-0123456789"}
    created = client.post("/api/v1/requests", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert client.post("/api/v1/requests", json=body, headers=headers).status_code == 200
    assert DemandRequest.query.count() == 1
    listed = client.get("/api/v1/requests", headers=bearer(token)).get_json()["items"]
    assert [r["id"] for r in listed] == [created.get_json()["id"]] and listed[0]["substitutes"] == ["kn95_respirator"]
    supplier = make_user("supplier", "s@acme.example")
    lead = make_lead(supplier)
    approve(lead)
    request = make_request(buyer)
    proposals = []
    for quantity in (1000, 2000):
        match = Match(demand_id=request.id, lead_id=lead.id, quantity=quantity, unit_price=lead.unit_price,
                      reasons=[], status="proposed")
        db.session.add(match)
        db.session.commit()
        proposals.append(match.id)
    matches = client.get("/api/v1/matches", headers=bearer(token)).get_json()["items"]
    assert sorted(m["id"] for m in matches) == sorted(proposals) and "supplier" not in matches[0]
    accepted = client.post(f"/api/v1/matches/{proposals[0]}/actions", json={"action": "accept"}, headers=bearer(token))
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    assert accepted.get_json()["supplier"]["email"] == lead.email  # the contacts, once accepted
    no_reason = client.post(f"/api/v1/matches/{proposals[1]}/actions", json={"action": "decline"},
                            headers=bearer(token))
    assert no_reason.status_code == 422 and [e["field"] for e in no_reason.get_json()["errors"]] == ["reason"]
    no_why = client.post(f"/api/v1/matches/{proposals[1]}/actions", json={"action": "close"}, headers=bearer(token))
    assert no_why.status_code == 422 and [e["field"] for e in no_why.get_json()["errors"]] == ["close_reason"]
    declined = client.post(f"/api/v1/matches/{proposals[1]}/actions",
                           json={"action": "decline", "reason": "Found stock"}, headers=bearer(token))
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"


def test_an_unverified_organisation_posts_nothing(client, app_ctx):
    buyer = make_user("buyer", "new@clinic.example", organisation="New Clinic")
    token = make_api_token(buyer)
    response = client.post("/api/v1/requests", json=valid_demand(), headers=bearer(token))
    assert response.status_code == 403 and "verified" in response.get_json()["detail"]
    assert DemandRequest.query.count() == 0


def test_roles_are_the_tokens_scope(client, app_ctx):
    buyer = make_user("buyer", "b@hospital.example", organisation="Hospital B", verified=True)
    token = make_api_token(buyer)
    for method, path in (("GET", "/api/v1/leads"), ("POST", "/api/v1/leads"), ("GET", "/api/v1/queue"),
                         ("GET", "/api/v1/plan")):
        response = client.open(path, method=method, json={} if method == "POST" else None, headers=bearer(token))
        assert response.status_code == 403 and response.mimetype == PROBLEM, path


def test_the_openapi_document_and_its_page(client, app_ctx):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert "/api/v1/leads/{lead_id}" in document["paths"] and "post" in document["paths"]["/api/v1/leads"]
    assert set(document["components"]["schemas"]["LeadInput"]["properties"]) >= {"company_name", "unit_price"}
    page = client.get("/api/v1/docs")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "POST /api/v1/leads" in text and "<script" not in text.split("</head>")[1]


def test_requests_are_rate_limited_per_token(client, clean_app, monkeypatch):
    with clean_app.app_context():
        user = make_user("supplier", "busy@acme.example")
        first, second = make_api_token(user, "one"), make_api_token(user, "two")
    monkeypatch.setitem(clean_app.config, "API_LIMIT", "3 per minute")
    answers = [client.get("/api/v1/me", headers=bearer(first)).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = client.get("/api/v1/me", headers=bearer(first))
    assert limited.mimetype == PROBLEM and limited.get_json()["status"] == 429
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200  # counted per token


def test_a_foreign_lead_is_404_and_a_locked_one_409_saying_why(client, supplier, app_ctx):
    user, token = supplier
    other = make_lead(make_user("supplier", "else@other.example"))
    own = make_lead(user)
    approve(own)  # approved: locked for the supplier, as on the edit page
    missing = client.patch(f"/api/v1/leads/{other.id}", json={"notes": "mine now"}, headers=bearer(token))
    assert missing.status_code == 404 and missing.mimetype == PROBLEM
    locked = client.patch(f"/api/v1/leads/{own.id}", json={"notes": "changed"}, headers=bearer(token))
    assert locked.status_code == 409 and locked.mimetype == PROBLEM
    assert locked.get_json()["detail"].startswith("This offer can no longer be edited: it is approved.")
    not_json = client.post("/api/v1/leads", data="company_name=x", headers=bearer(token))
    assert not_json.status_code == 422 and not_json.mimetype == PROBLEM


def test_json_values_become_the_text_a_person_would_type():
    from marketplace.web.api.support import ApiFieldErrors, as_formdata

    data = as_formdata({"quantity": 50000, "unit_price": 1.25, "tiny": 1e-07, "big": 1e20, "yes": True, "no": False,
                        "none": None, "substitutes": ["kn95_respirator", "surgical_mask"], "text": "0.79"})
    assert data["quantity"] == "50000" and data["unit_price"] == "1.25" and data["tiny"] == "0.0000001"
    assert data["big"] == "100000000000000000000" and data["yes"] == "y" and "no" not in data and "none" not in data
    assert data.getlist("substitutes") == ["kn95_respirator", "surgical_mask"] and data["text"] == "0.79"
    with pytest.raises(ApiFieldErrors) as refused:
        as_formdata({"quantity": {"value": 5}, "notes": [1, 2]})
    assert [field for field, _ in refused.value.errors] == ["quantity", "notes"]


def test_cursor_pages_walk_every_request_once_too(client, app_ctx):
    buyer = make_user("buyer", "pages@hospital.example", organisation="Paged Hospital", verified=True)
    token = make_api_token(buyer)
    ids = {make_request(buyer, quantity=str(1000 + n)).id for n in range(3)}
    seen, cursor = [], None
    for _ in range(5):
        body = client.get("/api/v1/requests", query_string={"limit": 1, **({"cursor": cursor} if cursor else {})},
                          headers=bearer(token)).get_json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == 3 and cursor is None


def test_requests_take_stock_counts_the_cdc_way_and_refuse_counts_dated_backwards(client, app_ctx):
    """The API takes the form's stock fields (issue 11 item 14): two counts and the units received
    between them give the daily use, and the request answers with today's days of supply."""
    from datetime import timedelta

    buyer = make_user("buyer", "stock@hospital.example", organisation="Hospital S", verified=True)
    token = make_api_token(buyer)
    today = city_today()
    # 1,000 counted a week ago + 400 received - 700 on hand today = 700 used in 7 days: 100 a day,
    # so 700 on hand last 7 days.
    counts = {"days_of_supply": "", "stock_on_hand": "700", "stock_counted_on": today.isoformat(),
              "first_count": "1000", "first_counted_on": (today - timedelta(days=7)).isoformat(),
              "received_between": "400"}
    created = client.post("/api/v1/requests", json=valid_demand(**counts), headers=bearer(token))
    assert created.status_code == 201, created.get_json()
    shown = created.get_json()
    assert shown["days_of_supply_today"] == 7 and shown["stock_on_hand"] == "700"
    backwards = {**counts, "first_counted_on": (today + timedelta(days=1)).isoformat()}
    refused = client.post("/api/v1/requests", json=valid_demand(**backwards), headers=bearer(token))
    assert refused.status_code == 422
    assert {e["field"] for e in refused.get_json()["errors"]} & {"first_counted_on", "stock_counted_on"}
    assert DemandRequest.query.count() == 1


def test_a_method_an_address_does_not_take_answers_405_with_allow(client, clean_app):
    """RFC 9110: a 405 names the methods the address takes (Allow), on the API's problem document
    (DELETE on a request) and on a page (GET /logout) alike; the body stays problem+json or HTML."""
    with clean_app.app_context():
        token = make_api_token(make_user("buyer", "allow@clinic.example", organisation="Allow Clinic",
                                         verified=True))
    answer = client.delete("/api/v1/requests/7", headers=bearer(token))
    assert answer.status_code == 405 and answer.mimetype == PROBLEM
    assert "GET" in answer.headers["Allow"] and "DELETE" not in answer.headers["Allow"]
    page = client.get("/logout")
    assert page.status_code == 405 and "POST" in page.headers["Allow"] and page.mimetype == "text/html"
