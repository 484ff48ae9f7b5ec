"""The API's own rate limits (web.api.limits: one round trip a request, the X-RateLimit headers
from its answer) and the lead POST's Core INSERT (services.leads.insert_lead): what they must keep
of what Flask-Limiter and the ORM gave. Speed is measured in bench/api_cost.py, not here."""
from __future__ import annotations

import time

from flask import current_app

from marketplace.extensions import db
from marketplace.models import AuditLog, Lead
from marketplace.services import leads
from marketplace.services.leads import insert_lead
from marketplace.web.api import limits
from tests.conftest import VALID_LEAD, bearer, make_api_token, make_user
from tests.web.test_api import PROBLEM, _lead_body


def test_answers_carry_the_limit_and_the_429_says_when_to_come_back(client, clean_app, monkeypatch):
    with clean_app.app_context():
        token = make_api_token(make_user("supplier", "headers@acme.example"))
    monkeypatch.setitem(clean_app.config, "API_LIMIT", "2 per minute")
    first, second, refused = (client.get("/api/v1/me", headers=bearer(token)) for _ in range(3))
    assert [r.status_code for r in (first, second, refused)] == [200, 200, 429]
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert [r.headers["X-RateLimit-Remaining"] for r in (first, second, refused)] == ["1", "0", "0"]
    assert time.time() < int(first.headers["X-RateLimit-Reset"]) <= time.time() + 61
    assert refused.mimetype == PROBLEM and refused.get_json()["status"] == 429
    assert 0 <= int(refused.headers["Retry-After"]) <= 60
    assert "Retry-After" not in first.headers


def test_a_create_counts_under_the_create_limit_per_account_only(client, clean_app, monkeypatch):
    """A route's own limit replaces API_LIMIT for that route (as Flask-Limiter's did), per account."""
    with clean_app.app_context():
        user = make_user("supplier", "creates@acme.example")
        first, second = make_api_token(user, "one"), make_api_token(user, "two")
    monkeypatch.setitem(clean_app.config, "API_LIMIT", "1 per minute")
    monkeypatch.setitem(clean_app.config, "API_CREATE_LIMIT", "2 per minute")
    posts = [client.post("/api/v1/leads", json=_lead_body(), headers=bearer(token)) for token in (first, second, first)]
    assert [r.status_code for r in posts] == [201, 201, 429]  # two tokens, one account
    assert posts[0].headers["X-RateLimit-Limit"] == "2"
    assert client.get("/api/v1/me", headers=bearer(first)).status_code == 200  # API_LIMIT untouched
    with clean_app.app_context():
        assert db.session.query(Lead).count() == 2


def test_a_refused_role_is_not_counted(client, clean_app, monkeypatch):
    with clean_app.app_context():
        buyer = make_api_token(make_user("buyer", "buyer-limit@hospital.example"))
    monkeypatch.setitem(clean_app.config, "API_CREATE_LIMIT", "1 per minute")
    assert [client.post("/api/v1/leads", json=_lead_body(), headers=bearer(buyer)).status_code
            for _ in range(2)] == [403, 403]


def test_without_redis_the_limits_are_counted_in_memory(app_ctx, monkeypatch):
    """Redis not answering: still limited (in this process's memory), never unlimited, and not
    asked again for FALLBACK_SECONDS."""
    monkeypatch.setitem(current_app.config, "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:1/0")  # nothing listens
    counters = limits.Limits(current_app)
    hits = [counters.hit("2 per minute", "someone") for _ in range(3)]
    assert [h.allowed for h in hits] == [True, True, False]
    assert counters.redis_down_until > time.monotonic()


def test_insert_lead_writes_what_create_lead_writes(app_ctx):
    """The Core INSERT gives a lead the same columns, defaults, audit row and effect as the ORM's."""
    from marketplace.domain.leads import parse_lead
    from marketplace.services import effects

    owner = make_user("supplier", "core@acme.example")
    values = parse_lead(dict(VALID_LEAD, external_id=""), today=leads.today())[0]
    by_orm = leads.create_lead(values, owner=owner, actor_id=owner.id, source="api")
    by_core = insert_lead(values, owner=owner, actor_id=owner.id, source="api")
    assert ("process_lead", by_core.id) in effects.pending()
    table = Lead.__table__
    rows = [db.session.execute(table.select().where(table.c.id == lead_id)).mappings().one()
            for lead_id in (by_orm.id, by_core.id)]  # read in the transaction, before processing runs
    skip = {"id", "marketplace_ref", "created_at", "updated_at"}
    assert {k: v for k, v in rows[0].items() if k not in skip} == {k: v for k, v in rows[1].items() if k not in skip}
    assert rows[1]["marketplace_ref"] and rows[1]["marketplace_ref"] != rows[0]["marketplace_ref"]
    assert rows[1]["created_at"] == by_core.created_at == rows[1]["updated_at"]
    assert by_core.status == rows[1]["status"] and by_core.marketplace_ref == rows[1]["marketplace_ref"]
    audits = [db.session.query(AuditLog).filter_by(entity_type="lead", entity_id=lead_id).one()
              for lead_id in (by_orm.id, by_core.id)]
    assert [(a.action, a.actor_id, a.after, a.remote_addr) for a in audits][0] == \
        [(a.action, a.actor_id, a.after, a.remote_addr) for a in audits][1]
    db.session.rollback()


def test_made_up_tokens_are_limited_per_address_and_then_not_even_looked_up(client, clean_app, monkeypatch):
    """API_LIMIT counts per presented token, so each made-up token used to start a fresh counter: 401s
    (each a token lookup) without end. Failed authentications count per address
    (API_AUTH_FAILURE_LIMIT); past it the address gets 429 with Retry-After, answered before any
    lookup, until the window ends. Another address is not affected."""
    from sqlalchemy import event

    with clean_app.app_context():
        token = make_api_token(make_user("supplier", "owner@acme.example"))
    monkeypatch.setitem(clean_app.config, "API_AUTH_FAILURE_LIMIT", "3 per minute")
    made_up = [client.get("/api/v1/me", headers=bearer(f"mkt_{n:040d}")) for n in range(4)]
    assert [r.status_code for r in made_up] == [401, 401, 401, 429]
    assert made_up[3].mimetype == PROBLEM and 0 < int(made_up[3].headers["Retry-After"]) <= 60
    statements = []

    def record(_connection, _cursor, statement, *_rest):
        statements.append(statement)

    with clean_app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        again = client.get("/api/v1/me", headers=bearer("mkt_" + "9" * 40))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert again.status_code == 429 and statements == []  # refused before any lookup
    elsewhere = client.get("/api/v1/me", headers=bearer(token), environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert elsewhere.status_code == 200
