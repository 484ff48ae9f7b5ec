"""Workers and the sweeper outlive Redis and PostgreSQL (issue 10, item 12; quality bar R12):
real redis-server processes stopped and restarted empty, real `flask worker` and `flask sweep
--every` processes that nobody restarts."""
from __future__ import annotations

import signal
import time
from datetime import timedelta

from bench.servers import free_port
from marketplace.domain.messages import trigger_fact
from marketplace.extensions import db
from marketplace.jobs import queue
from marketplace.jobs.worker import sweep
from marketplace.models import Lead
from tests.conftest import DATABASE_URL
from tests.jobs.conftest import requires_postgres, wait_until
from tests.jobs.test_reliability import all_done, states, submit

pytestmark = requires_postgres


def attempts(app, lead_id: int) -> int:
    with app.app_context():
        db.session.remove()
        return db.session.get(Lead, lead_id).processing_attempts


def test_a_busy_worker_survives_redis_stopped_and_processes_what_comes_after(jobs_app, redis_server, workers):
    """The issue's example: Redis goes away while the worker is in the middle of a job (RQ then
    ended its loop about 2 s later and the process exited). Ten seconds later Redis is back: the
    same worker process, never restarted, processes a lead submitted after the outage."""
    worker = workers.start(MARKETPLACE_FAULT_JOB_DELAY=2)
    with jobs_app.app_context():
        first = submit(1, seed=21)[0]
    wait_until(lambda: attempts(jobs_app, first) == 1, 30, interval=0.05, what="the job to start")
    redis_server.stop()
    for _ in range(10):
        time.sleep(1)
        assert worker.poll() is None, workers.logs()[-3000:]
    assert "trying again in" in workers.logs()
    redis_server.start()  # no persistence: it comes back empty
    queue._connections.clear()
    with jobs_app.app_context():
        second = submit(1, seed=22, prefix="S")[0]
    wait_until(all_done(jobs_app, 2), 90, what="the lead submitted after the outage")
    assert worker.poll() is None
    assert attempts(jobs_app, second) == 1


def test_after_redis_comes_back_empty_the_sweeper_process_queues_the_lost_lead(jobs_app, redis_server, workers):
    """A lead queued behind a running job is lost when Redis restarts empty. The worker's own
    sweeping is kept out of the way (SWEEP_AFTER one hour): the sweeper process queues the lead
    again and the same worker processes it, once, with nothing restarted by hand."""
    worker = workers.start(MARKETPLACE_FAULT_JOB_DELAY=3, SWEEP_AFTER_SECONDS=3600)
    sweeper = workers.start_sweeper(every=1, older_than=0)
    with jobs_app.app_context():
        running, lost = submit(2, seed=23)
    wait_until(lambda: attempts(jobs_app, running) == 1, 30, interval=0.05, what="the first job to start")
    assert redis_server.client().llen("rq:queue:leads") == 1  # the second waits behind it
    redis_server.stop()
    time.sleep(4)
    assert worker.poll() is None, workers.logs()[-3000:]
    redis_server.start()
    wait_until(all_done(jobs_app, 2), 120, what="both leads processed after Redis came back empty")
    assert worker.poll() is None and sweeper.poll() is None
    assert "queued again" in workers.log_of(sweeper)
    assert attempts(jobs_app, lost) == 1
    assert states(jobs_app) == {"done": 2}


def test_the_sweeper_process_outlives_its_database_and_redis_and_ends_on_sigterm(workers):
    """`flask sweep --every` with PostgreSQL and Redis both unreachable keeps trying (logged, with
    growing waits) instead of exiting; SIGTERM ends it cleanly with status 0."""
    dead = free_port()
    host = DATABASE_URL.rsplit("@", 1)[0]
    sweeper = workers.start_sweeper(every=1, DATABASE_URL=f"{host}@127.0.0.1:{dead}/nothing",
                                    REDIS_URL=f"redis://127.0.0.1:{dead}/0")
    wait_until(lambda: workers.log_of(sweeper).count("database unreachable") >= 3, 60,
               what="three failed sweeps")
    log = workers.log_of(sweeper)
    assert "trying again in 0.5 s" in log and "trying again in 1.0 s" in log and "trying again in 2.0 s" in log
    assert sweeper.poll() is None
    sweeper.send_signal(signal.SIGTERM)
    assert sweeper.wait(timeout=10) == 0
    assert "sweeper: stopped" in workers.log_of(sweeper)


def test_flask_sweep_every_ends_on_sigterm_between_sweeps(jobs_app, workers):
    """The healthy case: a sweeper sleeping between sweeps ends on SIGTERM, status 0."""
    sweeper = workers.start_sweeper(every=30)
    wait_until(lambda: "sweeping every 30 s" in workers.log_of(sweeper), 30, what="the sweeper to start")
    sweeper.send_signal(signal.SIGTERM)
    assert sweeper.wait(timeout=10) == 0
    assert "stopped after 1 sweep(s)" in workers.log_of(sweeper)


def test_a_worker_started_before_redis_waits_for_it_and_ends_on_sigterm(jobs_app, redis_server, workers):
    """Start order does not matter: a worker started while Redis is down waits for it (logged)
    instead of exiting, and SIGTERM ends the wait cleanly."""
    redis_server.stop()
    worker = workers.start()
    wait_until(lambda: workers.logs().count("Redis unreachable") >= 2, 60, what="the worker to wait for Redis")
    assert worker.poll() is None
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=10) == 0


def test_an_idle_worker_registers_again_when_redis_comes_back_empty(jobs_app, redis_server, workers):
    """The other case: an idle worker rides out the outage in RQ's own retry loop. Redis comes
    back empty, without the worker's registration or the queue names; the worker writes them again
    (monitoring sees it) and processes what comes next."""
    worker = workers.start()
    client = redis_server.client()
    wait_until(lambda: client.scard("rq:workers") == 1, 30, what="the worker to register")
    redis_server.stop()
    time.sleep(3)
    redis_server.start()
    client = redis_server.client()
    assert client.scard("rq:workers") == 0
    wait_until(lambda: client.scard("rq:workers") == 1, 60, what="the worker to register again")
    assert {b"rq:queue:leads", b"rq:queue:tasks"} <= client.smembers("rq:queues")
    queue._connections.clear()
    with jobs_app.app_context():
        submit(1, seed=24)
    wait_until(all_done(jobs_app, 1), 60, what="the lead submitted after the outage")
    assert worker.poll() is None


def test_a_job_taken_off_its_queue_by_a_worker_killed_at_once_is_queued_again(jobs_app, redis_server, workers):
    """Found by bench/fault_run.py: a worker SIGKILLed between taking a job off the queue (BLPOP)
    and marking it started leaves the job's record "queued" but on no queue; enqueueing trusted
    that status and the lead stayed pending for good. The sweeper queues it again."""
    with jobs_app.app_context():
        lead_id = submit(1, seed=25)[0]
    client = redis_server.client()
    assert client.lpop("rq:queue:leads") == queue.job_id_for(lead_id).encode()  # what the killed worker did
    assert client.hget(f"rq:job:{queue.job_id_for(lead_id)}", "status") == b"queued"
    with jobs_app.app_context():
        assert sweep(jobs_app, timedelta(0)) == (1, 1)
    assert client.llen("rq:queue:leads") == 1
    workers.run_burst()
    assert states(jobs_app) == {"done": 1}


def test_a_lost_task_job_is_forgotten_so_the_sweeper_can_ask_again(jobs_app, redis_server):
    """The same kind on the tasks queue: the matching run's record says queued, the queue is empty.
    forget_lost_jobs deletes the record, and asking for a run queues one again; a job really
    waiting on its queue is left alone."""
    client = redis_server.client()
    with jobs_app.app_context():
        assert queue.enqueue_matching(trigger_fact("command"))
        assert queue.forget_lost_jobs([]) == 0  # it is on the tasks queue: left alone
        client.lpop("rq:queue:tasks")
        assert not queue.enqueue_matching(trigger_fact("command"))  # trusted the stale "queued"
        assert queue.forget_lost_jobs([]) == 1
        assert queue.enqueue_matching(trigger_fact("command"))
    assert client.llen("rq:queue:tasks") == 1
