"""Adversarial checks of the API lead POST (Core inserts, own rate limits) and the one-round-trip
enqueue: idempotency under concurrency, Redis failing mid-request, jobs found in every state."""
from __future__ import annotations

import threading

import pytest
from flask import current_app

from marketplace.extensions import db
from marketplace.models import AuditLog, Lead, SubmissionReceipt
from tests.conftest import IS_POSTGRES, REDIS_URL, bearer, make_api_token, make_user
from tests.web.test_api import _lead_body

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_the_201_body_is_what_a_get_shows_of_the_same_fields(client, clean_app):
    with clean_app.app_context():
        token = make_api_token(make_user("supplier", "body@acme.example"))
    created = client.post("/api/v1/leads", json=_lead_body(), headers=bearer(token))
    assert created.status_code == 201
    shown = client.get(created.headers["Location"], headers=bearer(token)).get_json()
    body = created.get_json()
    assert {k: shown[k] for k in body if k not in ("updated_at", "processing_state")} == {k: v for k, v in body.items()
                                                                      if k not in ("updated_at", "processing_state")}


def test_same_key_other_user_and_other_body(client, clean_app):
    with clean_app.app_context():
        one = make_api_token(make_user("supplier", "one@acme.example"))
        two = make_api_token(make_user("supplier", "two@acme.example"))
    key = {"Idempotency-Key": "k" * 20}
    first = client.post("/api/v1/leads", json=_lead_body(), headers={**bearer(one), **key})
    again = client.post("/api/v1/leads", json=_lead_body(quantity=7), headers={**bearer(one), **key})
    refused = client.post("/api/v1/leads", json=_lead_body(quantity=-1), headers={**bearer(one), **key})
    theirs = client.post("/api/v1/leads", json=_lead_body(), headers={**bearer(two), **key})
    # The same key with another body is refused (422, naming the first lead), never read as the
    # first request; another account's key is its own.
    assert [r.status_code for r in (first, again, refused, theirs)] == [201, 422, 422, 201]
    location = f"/api/v1/leads/{first.get_json()['id']}"
    assert location in again.get_json()["detail"] and location in refused.get_json()["detail"]
    assert first.get_json()["id"] != theirs.get_json()["id"]
    with clean_app.app_context():
        assert _count(Lead) == 2 and _count(SubmissionReceipt) == 2
        assert _count(AuditLog) >= 2


@pytest.mark.skipif(not IS_POSTGRES, reason="concurrent transactions need PostgreSQL")
def test_concurrent_posts_with_one_key_store_one_lead(clean_app):
    with clean_app.app_context():
        token = make_api_token(make_user("supplier", "race@acme.example"))
    headers = {**bearer(token), "Idempotency-Key": "race-" + "r" * 20}
    barrier, answers = threading.Barrier(6), []

    def post():
        client = clean_app.test_client()
        barrier.wait()
        answers.append(client.post("/api/v1/leads", json=_lead_body(), headers=headers))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in answers) == [200] * 5 + [201]
    assert len({r.get_json()["id"] for r in answers}) == 1
    with clean_app.app_context():
        assert _count(Lead) == 1 and _count(SubmissionReceipt) == 1
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "lead.create")) == 1


def test_redis_down_for_the_whole_request_is_still_limited_and_stores_the_lead(client, clean_app, monkeypatch):
    """Redis unreachable for the limits and for the enqueue: 201, counted in memory (headers, and a
    429 past the limit), the lead left pending for the sweeper."""
    monkeypatch.setitem(clean_app.config, "REDIS_URL", DEAD_REDIS)
    monkeypatch.setitem(clean_app.config, "RATELIMIT_STORAGE_URI", DEAD_REDIS)
    monkeypatch.setitem(clean_app.config, "API_CREATE_LIMIT", "2 per minute")
    from marketplace.web.api import limits

    limits.reset(clean_app)
    with clean_app.app_context():
        token = make_api_token(make_user("supplier", "down@acme.example"))
    answers = [client.post("/api/v1/leads", json=_lead_body(), headers=bearer(token)) for _ in range(3)]
    assert [r.status_code for r in answers] == [201, 201, 429]
    assert [r.headers["X-RateLimit-Remaining"] for r in answers] == ["1", "0", "0"]
    assert int(answers[2].headers["Retry-After"]) > 0
    with clean_app.app_context():
        assert {lead.processing_state for lead in db.session.scalars(db.select(Lead))} == {"pending"}
    limits.reset(clean_app)


@pytest.mark.skipif(not REDIS_URL, reason="needs Redis")
@pytest.mark.parametrize("state,queued_again", [
    (None, True), ("queued", False), ("deferred", False), ("scheduled", False),
    ("finished", True), ("failed", True), ("stopped", True), ("canceled", True),
])
def test_the_one_trip_enqueue_with_a_job_found_in_each_state(app_ctx, state, queued_again):
    import redis
    from rq.job import Job

    from marketplace.jobs import queue

    conn = redis.Redis.from_url(REDIS_URL)
    key = Job.key_for(queue.job_id_for(424242))
    if state:  # a real job, then found in ``state`` and off the queue (as a worker leaves it)
        from marketplace.jobs.tasks import process_lead_job

        queue.enqueue_unique(queue.leads_queue(), process_lead_job, (424242,), queue.job_id_for(424242), "d")
        conn.delete("rq:queue:leads")
        conn.hset(key, "status", state)
        if state in ("queued", "deferred", "scheduled"):
            conn.rpush("rq:queue:leads", queue.job_id_for(424242))
    assert queue.enqueue_effects([("process_lead", 424242)]) == int(queued_again)
    assert conn.hget(key, "status") == (b"queued" if queued_again else state.encode())
    assert conn.lrange("rq:queue:leads", 0, -1).count(b"process-lead-424242") == 1
    # A second ask never queues it twice.
    assert queue.enqueue_effects([("process_lead", 424242), ("process_lead", 424242)]) == 0
    assert conn.lrange("rq:queue:leads", 0, -1).count(b"process-lead-424242") == 1
    conn.flushdb()
    assert current_app
