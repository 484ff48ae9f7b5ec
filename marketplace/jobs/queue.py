"""Queues, the Redis connection and the enqueue helper.

Rules (quality bar R2, R3, R8, R10, S13): commit first, then enqueue; job ids are predictable
(``process-lead-42``) and enqueued with RQ's atomic ``unique=True``, so a job is queued once however
often it is asked for; arguments are ids, serialised as JSON, never pickle; results are not kept
(the database has them) and failures are kept for a bounded time. If Redis is unreachable the
submission still succeeds: the lead stays pending and the sweeper enqueues it later.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Iterable

import redis
from flask import current_app
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

log = logging.getLogger(__name__)

LEADS_QUEUE = "leads"
# Matching and e-mail jobs: workers take them after the leads queue is empty.
TASKS_QUEUE = "tasks"
WORKER_QUEUES = (LEADS_QUEUE, TASKS_QUEUE)
# Failed jobs are kept a week for inspection, not RQ's default of a year (R10).
FAILURE_TTL = 7 * 24 * 3600
# Redis must answer quickly or not at all: a submission never waits long on a sick Redis.
SOCKET_TIMEOUT = 2.0

_connections: dict[str, redis.Redis] = {}


def redis_connection(url: str | None = None) -> redis.Redis:
    url = url or current_app.config["REDIS_URL"]
    if url not in _connections:
        _connections[url] = redis.Redis.from_url(
            url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT,
            health_check_interval=30, retry_on_timeout=False)
    return _connections[url]


def leads_queue(connection: redis.Redis | None = None) -> Queue:
    return Queue(LEADS_QUEUE, connection=connection or redis_connection(), serializer=JSONSerializer)


def tasks_queue(connection: redis.Redis | None = None) -> Queue:
    return Queue(TASKS_QUEUE, connection=connection or redis_connection(), serializer=JSONSerializer)


def job_id_for(lead_id: int) -> str:
    return f"process-lead-{lead_id}"


def _enqueue_one(queue: Queue, lead_id: int) -> bool:
    from .tasks import process_lead_job

    return enqueue_unique(queue, process_lead_job, (lead_id,), job_id_for(lead_id), f"process lead {lead_id}")


def enqueue_unique(queue: Queue, func, args: tuple, job_id: str, description: str) -> bool:
    """Queue ``func(*args)`` under ``job_id`` unless that job is already queued or running.
    True if newly queued."""
    for _ in range(2):
        try:
            config = current_app.config
            queue.enqueue(func, *args, job_id=job_id, unique=True, result_ttl=0,
                          failure_ttl=FAILURE_TTL, job_timeout=config["JOB_TIMEOUT"],
                          retry=Retry(max=len(config["JOB_RETRY_INTERVALS"]), interval=config["JOB_RETRY_INTERVALS"]),
                          description=description)
            return True
        except DuplicateJobError:
            try:
                job = Job.fetch(job_id, connection=queue.connection, serializer=JSONSerializer)
            except NoSuchJobError:
                continue  # it finished in between: try again
            status = job.get_status(refresh=False)
            if status in (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED):
                return False  # already on its way
            if status == JobStatus.STARTED and not _stale(job):
                return False  # running now; an edit it missed is caught by the sweeper
            job.delete()  # finished, failed, or abandoned by a dead worker: queue it afresh
    return False


def _stale(job: Job) -> bool:
    heartbeat = job.last_heartbeat or job.started_at
    if heartbeat is None:
        return True
    if heartbeat.tzinfo is None:
        heartbeat = heartbeat.replace(tzinfo=timezone.utc)
    return datetime.now(timezone.utc) - heartbeat > current_app.config["JOB_STALE_AFTER"]


def enqueue_lead_processing(lead_ids: Iterable[int]) -> int:
    """Process these (committed) leads: on RQ when REDIS_URL is set, otherwise right here.
    Never raises for Redis trouble; returns how many jobs were newly queued (or run)."""
    lead_ids = list(lead_ids)
    if not lead_ids:
        return 0
    if not current_app.config.get("REDIS_URL"):
        from .tasks import refit_in_process_if_due, run_in_process

        done = run_in_process(lead_ids)
        refit_in_process_if_due()  # without workers there is no sweeper to ask for it
        return done
    queued = 0
    try:
        queue = leads_queue()
        # One round trip for all: jobs already queued are left alone, so that a sweep over
        # thousands of pending leads costs one pipeline, not thousands of enqueue attempts.
        pipe = queue.connection.pipeline(transaction=False)
        for lead_id in lead_ids:
            pipe.hget(Job.key_for(job_id_for(lead_id)), "status")
        statuses = pipe.execute()
        for lead_id, status in zip(lead_ids, statuses):
            if status in (b"queued", b"deferred", b"scheduled"):
                continue
            queued += _enqueue_one(queue, lead_id)
    except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
        log.warning("Redis unreachable (%s): %d lead(s) stay pending for the sweeper",
                    exc, len(lead_ids) - queued)
    return queued


MATCHING_JOB_IDS = ("run-matching", "run-matching-again")
OUTBOX_JOB_ID = "send-outbox"


def enqueue_matching(trigger: str) -> bool:
    """Compute a new allocation plan soon: on RQ when REDIS_URL is set, otherwise right here.
    A run already queued will read the latest data, so it is enough; a run already under way may
    have read the data before this change, so one more run is queued behind it. If Redis is down
    the sweeper notices that the data changed after the newest plan, and queues the run then."""
    from .tasks import run_matching_job

    if not current_app.config.get("REDIS_URL"):
        from .tasks import run_matching_in_process

        run_matching_in_process(trigger)
        return True
    try:
        queue = tasks_queue()
        for job_id in MATCHING_JOB_IDS:
            status = queue.connection.hget(Job.key_for(job_id), "status")
            if status in (b"queued", b"deferred", b"scheduled"):
                return False
            if status == b"started" and job_id == MATCHING_JOB_IDS[0]:
                continue  # under way: queue the second one
            return enqueue_unique(queue, run_matching_job, (trigger[:120],), job_id, f"matching: {trigger}"[:200])
    except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
        log.warning("Redis unreachable (%s): matching (%s) left to the sweeper", exc, trigger)
    return False


def enqueue_outbox() -> bool:
    """Send the pending e-mails soon (in-process without Redis). Never raises for Redis trouble:
    the e-mails stay pending in the database and the sweeper queues the sender again."""
    from .tasks import send_outbox_job

    if not current_app.config.get("REDIS_URL"):
        from .tasks import send_outbox_in_process

        send_outbox_in_process()
        return True
    try:
        return enqueue_unique(tasks_queue(), send_outbox_job, (), OUTBOX_JOB_ID, "send pending e-mail")
    except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
        log.warning("Redis unreachable (%s): e-mail left pending for the sweeper", exc)
    return False


REFIT_JOB_ID = "refit-lead-model"


def enqueue_refit(trigger: str) -> bool:
    """Fit the lead-match weights again soon (services.match_models.refit): on RQ when REDIS_URL
    is set, otherwise right here. Never raises for Redis trouble: the sweeper asks again."""
    from .tasks import refit_job

    if not current_app.config.get("REDIS_URL"):
        from .tasks import refit_in_process

        refit_in_process(trigger)
        return True
    try:
        return enqueue_unique(tasks_queue(), refit_job, (trigger[:120],), REFIT_JOB_ID, f"refit: {trigger}"[:200])
    except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
        log.warning("Redis unreachable (%s): model refit left to the sweeper", exc)
    return False


def try_sweeper_lock(seconds: int) -> bool:
    """True for one caller per ``seconds`` across all workers (a Redis SET NX with expiry)."""
    try:
        return bool(redis_connection().set("marketplace:sweeper", "1", nx=True, ex=max(1, seconds)))
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False
