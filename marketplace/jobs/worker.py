"""The worker: `flask --app wsgi worker`. Run any number, on any number of machines.

Workers and the sweeper outlive Redis and PostgreSQL outages (issue 10, item 12): a worker whose RQ
loop ends on a connection error waits for Redis with a capped backoff (RECONNECT_FIRST doubling to
RECONNECT_MAX seconds, each wait logged) and starts again as a fresh RQ worker; a worker that stayed
in RQ's own idle retry loop registers itself and its queues again when Redis came back empty. The
sweeper runs in the workers and also as its own process (`flask sweep --every 10`, run_sweeper),
so jobs lost with Redis are queued again even when no worker is running it. SIGTERM ends both
cleanly at any point, outages included.
"""
from __future__ import annotations

import logging
import signal
import time
from contextlib import suppress
from datetime import timedelta

import redis
from flask import Flask
from rq import Queue, SimpleWorker, Worker, worker_registration
from rq.job import Job, JobStatus
from rq.results import Result
from rq.serializers import JSONSerializer
from sqlalchemy.exc import DBAPIError

from ..domain.messages import trigger_fact
from ..extensions import db
from ..services import dashboard, imports, open_data
from ..services.match_models import refit_due
from ..services.notifications import outbox_waiting
from ..services.planning import matching_is_stale
from ..services.processing import leads_to_sweep, warm_up
from ..services.quotes import ask_due, lapsed_since_last_plan
from .queue import (
    WORKER_QUEUES,
    dispatch,
    enqueue_lead_processing,
    enqueue_matching,
    enqueue_open_data_refresh,
    enqueue_outbox,
    enqueue_refit,
    enqueue_summary_refresh,
    forget_lost_jobs,
    redis_connection,
    try_sweeper_lock,
)
from .tasks import set_app

log = logging.getLogger(__name__)

# Recovery settings measured on this kind of machine (shared/quality-bar.md): with RQ's defaults a
# job of a worker killed whole was not recovered within 400 s; with these, in about 84 s.
WORKER_TTL = 30
JOB_MONITORING_INTERVAL = 5
MAINTENANCE_INTERVAL = 10

# Waiting for Redis or PostgreSQL to come back (seconds): 0.5, 1, 2, 4 ... capped at 30, so a
# 60 s outage is noticed at most 30 s late and a long one costs one log line per 30 s.
RECONNECT_FIRST = 0.5
RECONNECT_MAX = 30.0
_REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError, OSError)


class Backoff:
    """Waits that double from RECONNECT_FIRST to RECONNECT_MAX seconds; ``reset()`` after a success."""

    def __init__(self, first: float = RECONNECT_FIRST, cap: float = RECONNECT_MAX) -> None:
        self.first, self.cap = first, cap
        self._next = first

    def next(self) -> float:
        """The next wait in seconds (then doubled, up to the cap)."""
        wait, self._next = self._next, min(self._next * 2, self.cap)
        return wait

    def reset(self) -> None:
        self._next = self.first


class StopFlag:
    """SIGTERM and SIGINT set the flag (``install``); ``wait`` sleeps in short slices so that a
    signal ends the wait within 0.2 s. RQ installs its own handlers while its loop runs."""

    def __init__(self) -> None:
        self.requested = False

    def install(self) -> StopFlag:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        log.info("%s received: stopping", signal.Signals(signum).name)
        self.requested = True

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds`` or until a stop is requested. True if a stop was requested."""
        deadline = time.monotonic() + seconds
        while not self.requested and time.monotonic() < deadline:
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        return self.requested


def sweep(app: Flask, older_than: timedelta | None = None) -> tuple[int, int]:
    """Enqueue every lead left pending too long; queue a matching run if supply or demand changed
    after the newest plan, the e-mail sender if mail is waiting (jobs lost with Redis), a refit
    of the lead-match weights when enough leads arrived since the last (services.match_models),
    and every CSV import left unfinished with no progress for IMPORT_STALE_AFTER. Then the time
    checks (services.quotes): suppliers asked to confirm quotes about to lapse and buyers whether
    to extend overdue requests, each once (committed here, the e-mail sent after the commit), and
    a matching run when quotes lapsed or requests passed their date since the newest plan. Last, a
    count of the dashboard's figures when the newest is older than SUMMARY_MAX_AGE
    (services.dashboard), and of the open-data daily table when its newest is older than
    OPEN_DATA_MAX_AGE (services.open_data).
    Returns (leads found, leads newly queued). Raises database errors; never Redis errors."""
    # Imports are taken up after IMPORT_STALE_AFTER without progress; `flask bootstrap` (a fresh
    # start of the embedded default) and `flask sweep --older-than 0` take up every one.
    imports_after = timedelta(0) if older_than == timedelta(0) else app.config["IMPORT_STALE_AFTER"]
    older_than = older_than if older_than is not None else app.config["SWEEP_AFTER"]
    with app.app_context():
        lead_ids = leads_to_sweep(older_than)
        stalled = imports.to_resume(imports_after)
        if app.config.get("REDIS_URL"):
            with suppress(*_REDIS_DOWN):  # Redis down: nothing can be queued now anyway
                forget_lost_jobs(lead_ids, stalled)
        queued = enqueue_lead_processing(lead_ids) if lead_ids else 0
        if queued:
            log.info("sweeper: %d lead(s) pending too long, %d queued again", len(lead_ids), queued)
        if matching_is_stale(older_than) and enqueue_matching(trigger_fact("data_changed")):
            log.info("sweeper: matching queued again")
        if outbox_waiting(older_than) and enqueue_outbox():
            log.info("sweeper: e-mail sender queued again")
        if refit_due() and enqueue_refit("sweeper: new leads since the last fit"):
            log.info("sweeper: lead-match model refit queued")
        if dashboard.refresh_due() and enqueue_summary_refresh():
            log.info("sweeper: the dashboard's figures counted again")
        if open_data.refresh_due() and enqueue_open_data_refresh():
            log.info("sweeper: the open-data daily table counted again")
        if stalled and dispatch([("import_leads", batch_id) for batch_id in stalled]):
            log.info("sweeper: %d unfinished import(s) taken up again", len(stalled))
        asked = ask_due()
        db.session.commit()  # the sweeper is the asks' edge; the e-mail is sent after this commit
        if asked.suppliers or asked.buyers:
            log.info("sweeper: %d supplier(s) asked to confirm a quote, %d request(s) asked to extend",
                     asked.suppliers, asked.buyers)
        if lapsed_since_last_plan() and enqueue_matching(trigger_fact("dates_passed")):
            log.info("sweeper: matching queued (time took offers or requests out of matching)")
        return len(lead_ids), queued


def run_sweeper(app: Flask, every: float, older_than: timedelta | None = None,
                stop: StopFlag | None = None) -> int:
    """`flask sweep --every N`: ``sweep`` every ``every`` seconds until SIGTERM or SIGINT. A sweep
    that fails (PostgreSQL down; Redis errors never reach here: the leads stay pending) is tried
    again after a Backoff wait, logged. Returns the number of sweeps that completed."""
    stop = stop or StopFlag().install()
    backoff = Backoff()
    done = 0
    log.info("sweeper: sweeping every %g s", every)
    while not stop.requested:
        try:
            sweep(app, older_than)
            done += 1
            backoff.reset()
            delay = every
        except DBAPIError as exc:
            delay = backoff.next()
            log.warning("sweeper: database unreachable (%s); trying again in %.1f s",
                        str(exc.orig).strip().splitlines()[0] if exc.orig else exc, delay)
        except Exception:  # a bug must not end the sweeper; it is logged whole and tried again
            delay = backoff.next()
            log.exception("sweeper failed; trying again in %.1f s", delay)
        if stop.wait(delay):
            break
    log.info("sweeper: stopped after %d sweep(s)", done)
    return done


class SweepingMixin:
    """Periodic maintenance also runs the sweeper, and repairs the worker's registration when
    Redis came back empty while the worker waited in RQ's idle retry loop."""

    flask_app: Flask
    stop_flag: StopFlag | None = None
    # RQ's own idle retry loop waits 1 s doubling; cap it like ours.
    max_connection_wait_time = RECONNECT_MAX

    def _install_signal_handlers(self):
        super()._install_signal_handlers()
        if self.stop_flag is not None and self.stop_flag.requested:
            self._stop_requested = True  # SIGTERM arrived while starting: RQ's loop stops at once

    def run_maintenance_tasks(self):
        self.register_again_if_lost()
        super().run_maintenance_tasks()
        try:
            with self.flask_app.app_context():
                # One sweeper per interval across all workers is enough.
                if not try_sweeper_lock(MAINTENANCE_INTERVAL - 1):
                    return
            sweep(self.flask_app)
        except Exception:  # the sweeper must never take the worker down
            log.exception("sweeper failed")

    def handle_job_failure(self, job, queue, started_job_registry=None, exc_string=""):
        """RQ's failure handling, then, after the last attempt, keep_failure_small."""
        super().handle_job_failure(job, queue, started_job_registry=started_job_registry, exc_string=exc_string)
        if job.get_status(refresh=False) == JobStatus.FAILED:
            with suppress(*_REDIS_DOWN):
                keep_failure_small(self.connection, job, exc_string)

    def register_birth(self):
        """RQ's birth, and the queue names declared (RQ writes them only when a job is enqueued,
        so after Redis came back empty monitoring would list no queues until then)."""
        super().register_birth()
        self.connection.sadd(Queue.redis_queues_keys, *(queue.key for queue in self.queues))

    def register_again_if_lost(self) -> bool:
        """If Redis lost this worker's registration (restarted empty), write it and the queue
        names again, as RQ does at birth. True if it had to."""
        if self.connection.sismember(worker_registration.REDIS_WORKER_KEYS, self.key):
            return False
        log.warning("worker %s: Redis lost its registration (restarted empty?): registering again", self.name)
        with self.connection.pipeline() as pipe:
            pipe.hset(self.key, mapping=self.serialize())
            worker_registration.register(self, pipe)
            pipe.expire(self.key, self.worker_ttl + 60)
            for queue in self.queues:
                pipe.sadd(Queue.redis_queues_keys, queue.key)
            pipe.execute()
        return True


def keep_failure_small(connection: redis.Redis, job: Job, exc_string: str) -> None:
    """A failed job stays in the failed registry for FAILURE_TTL (a week), but RQ also keeps a
    result stream holding the whole traceback, about 4.7 kB each (a Redis stream's smallest size):
    6 kB per failed job, 600 MB after an outage that fails 100,000 jobs (R10). The lead records
    its failure in the database (processing_error, shown to staff) and the worker's log has the
    traceback, so the stream is dropped and the job keeps the start of the exception's last line
    in its ``failure`` field: 1.8 kB per failed job in all (tests/jobs/test_servers.py, R10)."""
    last_line = next((line for line in reversed(exc_string.strip().splitlines()) if line.strip()), "")
    with connection.pipeline() as pipe:
        pipe.delete(Result.get_key(job.id))
        pipe.exists(job.key)
        _, exists = pipe.execute()
    if exists:  # never recreate a job hash that expired or was deleted: it would never expire
        connection.hset(job.key, "failure", last_line.encode()[:FAILURE_BYTES].decode(errors="ignore"))


# Redis keeps a small hash compact (listpack) only while every value is at most 64 bytes
# (hash-max-listpack-value); one longer field makes the job's hash 2.6 times bigger.
FAILURE_BYTES = 64


class MarketplaceWorker(SweepingMixin, Worker):
    """`--fork`: each job runs in a forked work horse, so a job that crashes or leaks memory
    cannot take the worker with it, and a killed horse is retried by its parent within seconds.
    Each job pays for a process and a database connection (about 3x slower, bench/dedup_scale)."""


class MarketplaceSimpleWorker(SweepingMixin, SimpleWorker):
    """The default (`--no-fork`): jobs run in the worker process itself, keeping its database
    connections and compiled statements. A crash takes the worker down; its job is then recovered
    by another worker's sweeper once its heartbeat is stale (JOB_STALE_AFTER), and the timeout
    still bounds a hung job (SIGALRM in the worker)."""


def make_worker(app: Flask, *, name: str | None = None, fork: bool = False, warm: bool = True) -> Worker:
    """An RQ worker on the app's Redis and the marketplace queues (JSON jobs). ``warm``: load the
    lazily loaded data first (services.processing.warm_up, about 2 s). Connects to Redis when it works."""
    set_app(app)
    if warm:
        warm_up()
    worker_class = MarketplaceWorker if fork else MarketplaceSimpleWorker
    worker = worker_class(list(WORKER_QUEUES), name=name, connection=redis_connection(app.config["REDIS_URL"]),
                          serializer=JSONSerializer, worker_ttl=WORKER_TTL,
                          job_monitoring_interval=JOB_MONITORING_INTERVAL,
                          maintenance_interval=MAINTENANCE_INTERVAL)
    worker.flask_app = app
    return worker


def run_worker(app: Flask, *, name: str | None = None, fork: bool = False, burst: bool = False,
               stop: StopFlag | None = None) -> int:
    """`flask worker`: run RQ workers one after another until SIGTERM or SIGINT. Each round waits
    for Redis (Backoff, logged), then runs a fresh RQ worker; when its loop ends on a Redis error
    (or any other) the next round starts. Burst mode runs one round. Returns the number of rounds."""
    stop = stop or StopFlag().install()
    backoff = Backoff()
    warm_up()
    rounds = 0
    previous: Worker | None = None
    while not stop.requested:
        if not _wait_for_redis(app, stop, backoff):
            break
        if previous is not None:
            _bury(previous)
        rounds += 1
        started = time.monotonic()
        worker = previous = make_worker(app, name=name, fork=fork, warm=False)
        worker.stop_flag = stop
        try:
            worker.work(burst=burst, logging_level="INFO", with_scheduler=not burst)
        except Exception as exc:  # RQ's teardown raises when Redis is gone: the round is over
            log.warning("worker %s: ended with %s: %s", worker.name, type(exc).__name__, exc)
        stop.install()  # RQ's handlers need Redis; ours only set the flag
        if burst or stop.requested or worker._shutdown_requested_date is not None:
            break
        if time.monotonic() - started > RECONNECT_MAX:
            backoff.reset()  # it ran a good while: the next failure starts from the first wait again
        delay = backoff.next()
        log.warning("worker %s: RQ loop ended (Redis unreachable?); starting again in %.1f s", worker.name, delay)
        if stop.wait(delay):
            break
    if previous is not None and not burst:
        _bury(previous)
    return rounds


def _wait_for_redis(app: Flask, stop: StopFlag, backoff: Backoff) -> bool:
    """Ping Redis until it answers (True) or a stop is requested (False), waiting per ``backoff``."""
    connection = redis_connection(app.config["REDIS_URL"])
    while not stop.requested:
        try:
            connection.ping()
            return True
        except _REDIS_DOWN as exc:
            delay = backoff.next()
            log.warning("Redis unreachable (%s); trying again in %.1f s", exc, delay)
            if stop.wait(delay):
                return False
    return False


def _bury(worker: Worker) -> None:
    """Tidy up after an RQ worker whose teardown may have failed: stop its pubsub thread and its
    scheduler process, and mark it dead in Redis (a worker name may be used again only then)."""
    with suppress(Exception):
        worker.stop_scheduler()
    if worker.pubsub_thread is not None:
        worker.pubsub_thread.stop()
        worker.pubsub_thread.join(timeout=3)  # it may be in its 2 s retry sleep
        with suppress(Exception):
            worker.pubsub.close()
        worker.pubsub_thread = None
    with suppress(*_REDIS_DOWN):
        worker.register_death()
