"""Servers restarted and filled under load, on private servers (issue 10, item 13; quality bar R7
and R10): a private PostgreSQL cluster restarted under 20 clients; a private Redis that runs
10,000 jobs, 1,000 of them failing."""
from __future__ import annotations

import threading
import time
from collections import Counter

from flask_migrate import upgrade
from sqlalchemy import func, select, text

from config import normalise_database_url
from marketplace.app import create_app
from marketplace.extensions import db
from marketplace.models import Lead
from tests.conftest import VALID_LEAD, csrf_token_from, login, make_user
from tests.jobs.conftest import requires_postgres, wait_until

pytestmark = requires_postgres

CLIENTS = 20


def _private_app(database_url: str, redis_url: str, tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=normalise_database_url(database_url), REDIS_URL=redis_url,
                     RATELIMIT_STORAGE_URI="memory://", SUBMIT_LIMIT="100000 per hour",
                     LOGIN_LIMIT="1000 per minute", LOGIN_ACCOUNT_ADDRESS_LIMIT="1000 per minute",
                     UPLOAD_FOLDER=str(tmp_path / "uploads"), SERVER_NAME=None)
    with app.app_context():
        upgrade()
    return app


def test_postgresql_restarted_under_20_clients_loses_nothing(postgres_server, redis_server, workers, tmp_path):
    """R7: 20 clients submit leads through the form while PostgreSQL is restarted (fast shutdown,
    2 s down, start), then restarted again while they pause. Errors happen only to requests that
    overlapped the first restart; every request that started after it succeeded, also on the
    connections left dead in the pool by the quiet restart (pool_pre_ping: a dead pooled
    connection costs a ping, not a request); every submission the client saw accepted is stored
    exactly once; and every stored lead is processed (jobs that failed while the database was
    down were retried)."""
    app = _private_app(postgres_server.url(), redis_server.url, tmp_path)
    with app.app_context():
        emails = [make_user("supplier", f"sales@r7-supplier{i}.com").email for i in range(CLIENTS)]
    workers.start(DATABASE_URL=postgres_server.url())
    results: list[tuple[str, float, float, bool, object]] = []  # (marker, start, end, accepted, detail)
    ready = threading.Barrier(CLIENTS + 1)
    finish = [float("inf")]
    pause, paused = threading.Event(), threading.Semaphore(0)

    def client_loop(index: int) -> None:
        client = app.test_client()
        login(client, emails[index])
        ready.wait()
        n = 0
        while time.monotonic() < finish[0]:
            if pause.is_set():
                paused.release()
                while pause.is_set():
                    time.sleep(0.05)
            n += 1
            marker = f"r7-{index}-{n}"
            start = time.monotonic()
            try:
                page = client.get("/leads/new")
                if page.status_code != 200:
                    accepted, detail = False, f"GET {page.status_code}"
                else:
                    response = client.post("/leads/new", data={
                        **VALID_LEAD, "quantity": str(1000 + n), "notes": marker,
                        "csrf_token": csrf_token_from(page.get_data(as_text=True))})
                    accepted = response.status_code == 302 and "/leads/" in (response.location or "")
                    detail = f"POST {response.status_code}"
            except Exception as exc:  # the test client raises what the app raised (TESTING)
                accepted, detail = False, f"{type(exc).__name__}: {str(exc)[:200]}"
            results.append((marker, start, time.monotonic(), accepted, detail))

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    ready.wait()
    time.sleep(5)
    with app.app_context():
        started_before = db.session.scalar(text("SELECT pg_postmaster_start_time()"))
        db.session.remove()
    window_start = time.monotonic()
    postgres_server.stop("fast")
    time.sleep(2)  # down for a moment, as a real restart is
    postgres_server.start()
    window_end = time.monotonic()
    time.sleep(10)
    # The second example: restarted while the clients are idle, so every pooled connection is dead
    # and nothing has noticed yet. No request may fail at all (this is what pool_pre_ping is for).
    pause.set()
    for _ in threads:
        assert paused.acquire(timeout=60)
    postgres_server.stop("fast")
    postgres_server.start()
    pause.clear()
    finish[0] = time.monotonic() + 5
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)

    errors = [r for r in results if not r[3]]
    outside = [r for r in errors if not (r[1] <= window_end and r[2] >= window_start)]
    assert not outside, outside[:5]
    after = [r for r in results if r[1] > window_end]
    assert len(after) >= CLIENTS and all(r[3] for r in after)
    accepted = {r[0] for r in results if r[3]}
    with app.app_context():
        assert db.session.scalar(text("SELECT pg_postmaster_start_time()")) > started_before
        stored = Counter(db.session.scalars(select(Lead.notes)).all())
        db.session.remove()
    assert all(stored[marker] == 1 for marker in accepted), [m for m in accepted if stored[m] != 1][:5]
    assert not [m for m, count in stored.items() if count > 1]

    def all_processed():
        with app.app_context():
            db.session.remove()
            return dict(db.session.execute(
                select(Lead.processing_state, func.count()).group_by(Lead.processing_state)).all()) == {
                    "done": sum(stored.values())}

    wait_until(all_processed, 120, interval=1, what="every stored lead processed")
    print(f"\nR7: {len(results)} submissions, {len(accepted)} accepted, {len(errors)} errors "
          f"(restart window {window_end - window_start:.1f} s), {sum(stored.values())} stored")


# R10: the most Redis may hold after 10,000 jobs of which 1,000 failed (docs/decisions.md, "Redis
# memory budget"): what an empty Redis uses, plus 3 kB for each failed job kept for inspection
# (FAILURE_TTL, a week); finished jobs keep nothing (result_ttl=0). RQ's own bookkeeping took
# about 6 kB per failed job (a result stream with the traceback; 7.2 MB here); with
# jobs.worker.keep_failure_small about 1.8 kB (2.8 MB).
JOBS, FAILING = 10_000, 1_000
BUDGET_PER_FAILED_JOB = 3 * 1024


def test_redis_memory_stays_under_budget_after_10000_jobs_1000_failing(jobs_app, redis_server, workers):
    """R10: 10,000 jobs enqueued with the real options (jobs.queue._job_options: result_ttl=0,
    failure_ttl, 3 retries), 1,000 of them failing every attempt, run by a real worker. Afterwards
    Redis holds the 1,000 failed jobs and nothing of the 9,000 others, each failed job expires
    within FAILURE_TTL, and used_memory is under the budget."""
    from rq import Queue, Retry
    from rq.serializers import JSONSerializer

    from marketplace.jobs import queue as jobs_queue
    from tests.jobs import sample_jobs

    client = redis_server.client()
    empty = client.info("memory")["used_memory"]
    jobs_app.config.update(JOB_RETRY_INTERVALS=[0, 0, 0])  # retry at once: the test is about memory
    try:
        with jobs_app.app_context():
            options = jobs_queue._job_options()
            assert options["result_ttl"] == 0 and options["failure_ttl"] == jobs_queue.FAILURE_TTL
            assert isinstance(options["retry"], Retry) and options["retry"].max == 3
            leads = jobs_queue.leads_queue()
            datas = [Queue.prepare_data(sample_jobs.fail if n % (JOBS // FAILING) == 0 else sample_jobs.succeed,
                                        args=(n,), job_id=jobs_queue.job_id_for(n), description=f"process lead {n}",
                                        **options) for n in range(JOBS)]
            for start in range(0, JOBS, jobs_queue.BULK_CHUNK):
                with client.pipeline() as pipe:
                    leads.enqueue_many(datas[start:start + jobs_queue.BULK_CHUNK], pipeline=pipe)
                    pipe.execute()
    finally:
        jobs_app.config.update(JOB_RETRY_INTERVALS=[5, 30, 120])
    assert client.llen("rq:queue:leads") == JOBS
    workers.run_burst(timeout=600)
    failed = Queue("leads", connection=client, serializer=JSONSerializer).failed_job_registry
    assert failed.count == FAILING
    job_keys = list(client.scan_iter("rq:job:*", count=1000))
    assert len(job_keys) == FAILING  # finished jobs left nothing behind
    ttls = [client.ttl(key) for key in job_keys[:50]]
    assert all(0 < ttl <= jobs_queue.FAILURE_TTL for ttl in ttls), ttls
    assert client.hget(job_keys[0], "failure").startswith(b"RuntimeError: processing lead")  # why, in brief
    assert not list(client.scan_iter("rq:results:*", count=1000))
    used = client.info("memory")["used_memory"]
    budget = empty + FAILING * BUDGET_PER_FAILED_JOB
    print(f"\nR10: Redis used_memory {used / 1e6:.2f} MB after {JOBS} jobs ({FAILING} failed); "
          f"empty {empty / 1e6:.2f} MB; budget {budget / 1e6:.2f} MB; "
          f"{(used - empty) / FAILING:.0f} bytes per failed job kept")
    assert used < budget
