"""Queues, the Redis connection and the enqueue helper.

Rules (quality bar R2, R3, R8, R10, S13): commit first, then enqueue; job ids are predictable
(``process-lead-42``) and enqueued with RQ's atomic ``unique=True``, so a job is queued once however
often it is asked for; arguments are ids, serialised as JSON, never pickle; results are not kept
(the database has them) and failures are kept for a bounded time. If Redis is unreachable the
submission still succeeds: the lead stays pending and the sweeper enqueues it later.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from flask import current_app
from redis.exceptions import WatchError
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from ..domain.messages import trigger_fact, trigger_summary
from ..services import effects
from .tasks import (
    import_batch_job,
    process_lead_job,
    refit_job,
    refresh_open_data_job,
    refresh_summary_job,
    run_effects_in_process,
    run_matching_job,
    send_outbox_job,
)

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


def import_job_id(batch_id: int) -> str:
    return f"import-batch-{batch_id}"


MATCHING_JOB_IDS = ("run-matching", "run-matching-again")
OUTBOX_JOB_ID = "send-outbox"
REFIT_JOB_ID = "refit-lead-model"
SUMMARY_JOB_ID = "refresh-summary"
OPEN_DATA_JOB_ID = "refresh-open-data"
_WAITING = (b"queued", b"deferred", b"scheduled")
_REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError, OSError)


def _job_options() -> dict:
    config = current_app.config
    return dict(result_ttl=0, failure_ttl=FAILURE_TTL, timeout=config["JOB_TIMEOUT"],
                retry=Retry(max=len(config["JOB_RETRY_INTERVALS"]), interval=config["JOB_RETRY_INTERVALS"]))


def enqueue_unique(queue: Queue, func, args: tuple, job_id: str, description: str,
                   timeout: int | None = None) -> bool:
    """Queue ``func(*args)`` under ``job_id`` unless that job is already queued or running.
    ``timeout``: seconds the job may run (default JOB_TIMEOUT). True if newly queued."""
    for _ in range(2):
        try:
            options = _job_options()
            queue.enqueue(func, *args, job_id=job_id, unique=True, result_ttl=0,
                          failure_ttl=FAILURE_TTL, job_timeout=timeout or options["timeout"],
                          retry=options["retry"], description=description)
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
        heartbeat = heartbeat.replace(tzinfo=UTC)
    return datetime.now(UTC) - heartbeat > current_app.config["JOB_STALE_AFTER"]


@dataclass(frozen=True)
class _Spec:
    queue: str
    func: Callable
    args: tuple
    job_id: str
    description: str
    timeout: int | None = None  # seconds; None: JOB_TIMEOUT


def _spec(effect: tuple, matching_id: str) -> _Spec | None:
    name, *args = effect
    if name == "process_lead":
        return _Spec(LEADS_QUEUE, process_lead_job, (args[0],), job_id_for(args[0]), f"process lead {args[0]}")
    if name == "run_matching":
        # The trigger (a fact: why) is the job's argument and names it in the description; the job id
        # does not depend on it (MATCHING_JOB_IDS).
        trigger = args[0] if args else trigger_fact("data_changed")
        return _Spec(TASKS_QUEUE, run_matching_job, (trigger,), matching_id,
                     f"matching: {trigger_summary(trigger)}"[:200])
    if name == "send_outbox":
        return _Spec(TASKS_QUEUE, send_outbox_job, (), OUTBOX_JOB_ID, "send pending e-mail")
    if name == "refit":
        trigger = (args[0] if args else "asked")[:120]
        return _Spec(TASKS_QUEUE, refit_job, (trigger,), REFIT_JOB_ID, f"refit: {trigger}"[:200])
    if name == "refresh_summary":
        return _Spec(TASKS_QUEUE, refresh_summary_job, (), SUMMARY_JOB_ID, "count the dashboard's figures")
    if name == "refresh_open_data":
        return _Spec(TASKS_QUEUE, refresh_open_data_job, (), OPEN_DATA_JOB_ID, "count the open-data daily table")
    if name == "import_leads":
        return _Spec(TASKS_QUEUE, import_batch_job, (args[0],), import_job_id(args[0]), f"import batch {args[0]}",
                     timeout=int(current_app.config["IMPORT_JOB_TIMEOUT"]))
    return None  # in-process only (refit_if_due): the sweeper does it when workers run


# Jobs per WATCH/MULTI round: every request must answer within SOCKET_TIMEOUT, and a MULTI of 10,000
# jobs (about 50,000 commands) timed out on a loaded machine (bench: 9,900 jobs then take 31 s of
# job building in 73 requests, all queued).
BULK_CHUNK = 500


def enqueue_effects(effects: Iterable[tuple], connection: redis.Redis | None = None) -> int:
    """Queue the jobs for these effects, BULK_CHUNK at a time (``_enqueue_chunk``: three Redis
    requests each), so an import of 10,000 leads costs 60 requests, not 10,000 enqueues."""
    effects = list(effects)
    return sum(_enqueue_chunk(effects[start:start + BULK_CHUNK], connection)
               for start in range(0, len(effects), BULK_CHUNK))


# Queue jobs in one round trip (``_enqueue_at_once``): for each job key (KEYS), the commands RQ's
# enqueue_many would send for that job alone (ARGV: a count of commands, then each as a count of
# words and its words) run only if the job does not exist; a job already waiting is left alone; the
# positions of jobs found in any other state (finished, failed, started) are returned with the count
# queued, for the one-at-a-time path. A script runs atomically: nothing can queue a job in between.
_ENQUEUE_SCRIPT = """
local waiting = {queued = true, deferred = true, scheduled = true}
local queued, others, at = 0, {}, 1
for i, key in ipairs(KEYS) do
  local status = redis.call('HGET', key, 'status')
  local fresh = not status
  if status and not waiting[status] then others[#others + 1] = i end
  local commands = tonumber(ARGV[at]); at = at + 1
  for _ = 1, commands do
    local words = tonumber(ARGV[at]); at = at + 1
    if fresh then redis.call(unpack(ARGV, at, at + words - 1)) end
    at = at + words
  end
  if fresh then queued = queued + 1 end
end
return {queued, others}
"""
_queues: dict[int, dict[str, Queue]] = {}
_enqueue_script = None  # redis-py's Script (its SHA; loaded again if Redis lost it)


def _enqueue_at_once(conn: redis.Redis, queues: dict[str, Queue], specs: list[_Spec], options: dict) -> int:
    """Queue ``specs`` (none of them a matching run, whose id depends on the runs' states) in one
    Redis round trip: one script holding RQ's own commands for each job (enqueue_many into a
    pipeline that is never sent), run for the jobs not yet in Redis (see _ENQUEUE_SCRIPT). What
    ``_enqueue_chunk`` does in three (WATCH, the statuses, MULTI/EXEC). Returns how many jobs were
    newly queued."""
    global _enqueue_script
    if _enqueue_script is None:
        _enqueue_script = conn.register_script(_ENQUEUE_SCRIPT)
    keys, argv = [], []
    for spec in specs:
        unsent = conn.pipeline(transaction=False)
        queues[spec.queue].enqueue_many([Queue.prepare_data(
            spec.func, args=spec.args, job_id=spec.job_id, description=spec.description,
            **{**options, "timeout": spec.timeout or options["timeout"]})], pipeline=unsent)
        keys.append(Job.key_for(spec.job_id))
        argv.append(len(unsent.command_stack))
        for command, _options in unsent.command_stack:
            argv.append(len(command))
            argv.extend(command)
        unsent.reset()
    queued, others = _enqueue_script(keys=keys, args=argv, client=conn)
    for position in others:
        spec = specs[position - 1]
        queued += enqueue_unique(queues[spec.queue], spec.func, spec.args, spec.job_id, spec.description,
                                 spec.timeout)
    return queued


def _enqueue_chunk(effects: list[tuple], connection: redis.Redis | None = None) -> int:
    """Queue the jobs for these (deduplicated, committed) effects: without a matching run, in one
    round trip (``_enqueue_at_once``); with one, in three Redis round trips whatever their number: WATCH the job keys, read their statuses in one pipeline, then one
    MULTI/EXEC holding RQ's ``enqueue_many`` for every job not already on its way. A job queued by
    someone else in between aborts the EXEC (WatchError) and the whole is decided again, so each
    job id is queued once (what ``unique=True`` gives one job at a time). Jobs found finished,
    failed or running take the one-at-a-time path (rare: results are not kept).
    Returns how many jobs were newly queued. Raises redis errors (callers decide)."""
    if not effects:
        return 0
    conn = connection or redis_connection()
    # RQ's Queue objects, made once for each of this module's connections (kept for the process's
    # life in _connections); resolving the serializer cost a tenth of an enqueue.
    queues = _queues.get(id(conn)) if connection is None else None
    if queues is None:
        queues = {LEADS_QUEUE: leads_queue(conn), TASKS_QUEUE: tasks_queue(conn)}
        if connection is None:
            _queues[id(conn)] = queues
    if not any(effect[0] == "run_matching" for effect in effects):
        specs = [spec for spec in (_spec(effect, "") for effect in effects) if spec is not None]
        return _enqueue_at_once(conn, queues, specs, _job_options()) if specs else 0
    keys = [Job.key_for(job_id) for job_id in MATCHING_JOB_IDS]
    for effect in effects:
        spec = _spec(effect, "") if effect[0] != "run_matching" else None
        if spec is not None:
            keys.append(Job.key_for(spec.job_id))
    keys = list(dict.fromkeys(keys))
    options = _job_options()
    with conn.pipeline(transaction=True) as pipe:
        for _ in range(5):
            try:
                pipe.watch(*keys)
                reads = conn.pipeline(transaction=False)
                for key in keys:
                    reads.hget(key, "status")
                status = dict(zip(keys, reads.execute()))
                first, again = (status[Job.key_for(job_id)] for job_id in MATCHING_JOB_IDS)
                if first in _WAITING or again in _WAITING:
                    matching_id = None  # a run that has not started will read the latest data
                elif first == b"started":
                    matching_id = MATCHING_JOB_IDS[1]  # under way: one more behind it
                else:
                    matching_id = MATCHING_JOB_IDS[0]
                fresh: dict[str, list] = {LEADS_QUEUE: [], TASKS_QUEUE: []}
                others: list[_Spec] = []
                for effect in effects:
                    if effect[0] == "run_matching" and matching_id is None:
                        continue
                    spec = _spec(effect, matching_id or "")
                    if spec is None:
                        continue
                    state = status[Job.key_for(spec.job_id)]
                    if state in _WAITING:
                        continue
                    if state is None:
                        fresh[spec.queue].append(Queue.prepare_data(
                            spec.func, args=spec.args, job_id=spec.job_id, description=spec.description,
                            **{**options, "timeout": spec.timeout or options["timeout"]}))
                    else:
                        others.append(spec)
                pipe.multi()
                for name, datas in fresh.items():
                    if datas:
                        queues[name].enqueue_many(datas, pipeline=pipe)
                pipe.execute()
                break
            except WatchError:
                continue
        else:
            log.warning("job keys kept changing: %d effect(s) left to the sweeper", len(effects))
            return 0
    queued = sum(len(datas) for datas in fresh.values())
    for spec in others:
        queued += enqueue_unique(queues[spec.queue], spec.func, spec.args, spec.job_id, spec.description,
                                 spec.timeout)
    return queued


def dispatch(effects: list[tuple]) -> int:
    """Run committed effects: on RQ when REDIS_URL is set (one pipeline), otherwise right here
    (jobs.tasks.run_effects_in_process). Never raises for Redis trouble: what was not queued is
    found by the sweeper (pending leads, stale plans, waiting e-mail). Returns jobs queued (or run)."""
    if not effects:
        return 0
    if not current_app.config.get("REDIS_URL"):
        return run_effects_in_process(effects)
    try:
        return enqueue_effects(effects)
    except _REDIS_DOWN as exc:
        log.warning("Redis unreachable (%s): %d effect(s) left to the sweeper (%s)", exc, len(effects),
                    ", ".join(sorted({e[0] for e in effects})))
    return 0


def install() -> None:
    """Hook the session so that effects declared by services run after each commit."""
    effects.install_hooks()
    effects.set_dispatcher(dispatch)


def enqueue_lead_processing(lead_ids: Iterable[int]) -> int:
    """Process these (committed) leads: on RQ when REDIS_URL is set, otherwise right here.
    Never raises for Redis trouble; returns how many jobs were newly queued (or run)."""
    return dispatch(effects.dedupe(("process_lead", lead_id) for lead_id in lead_ids))


def enqueue_matching(trigger: dict) -> bool:
    """Compute a new allocation plan soon, because of ``trigger`` (domain.messages.trigger_fact): on
    RQ when REDIS_URL is set, otherwise right here.
    A run already queued will read the latest data, so it is enough; a run already under way may
    have read the data before this change, so one more run is queued behind it. If Redis is down
    the sweeper notices that the data changed after the newest plan, and queues the run then."""
    return bool(dispatch([("run_matching", trigger)]))


def enqueue_outbox() -> bool:
    """Send the pending e-mails soon (in-process without Redis). Never raises for Redis trouble:
    the e-mails stay pending in the database and the sweeper queues the sender again."""
    return bool(dispatch([("send_outbox",)]))


def enqueue_refit(trigger: str) -> bool:
    """Fit the lead-match weights again soon (services.match_models.refit): on RQ when REDIS_URL
    is set, otherwise right here. Never raises for Redis trouble: the sweeper asks again."""
    return bool(dispatch([("refit", trigger)]))


def enqueue_summary_refresh() -> bool:
    """Count the control tower's figures again soon (services.dashboard.refresh): on RQ when
    REDIS_URL is set, otherwise right here. Never raises for Redis trouble."""
    return bool(dispatch([("refresh_summary",)]))


def enqueue_open_data_refresh() -> bool:
    """Count the public daily table again soon (services.open_data.refresh): on RQ when REDIS_URL
    is set, otherwise right here. Never raises for Redis trouble: the sweeper asks again."""
    return bool(dispatch([("refresh_open_data",)]))


def try_sweeper_lock(seconds: int) -> bool:
    """True for one caller per ``seconds`` across all workers (a Redis SET NX with expiry)."""
    try:
        return bool(redis_connection().set("marketplace:sweeper", "1", nx=True, ex=max(1, seconds)))
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False


def forget_lost_jobs(lead_ids: Iterable[int] = (), import_ids: Iterable[int] = (),
                     connection: redis.Redis | None = None) -> int:
    """Delete the records of jobs that say "queued" but are on no queue, so that they can be queued
    again. A worker killed between taking a job off its queue (RQ's BLPOP) and marking it started
    leaves the job's hash "queued" for ever, and enqueueing trusts that status ("already on its
    way"): the lead would stay pending for good (found by bench/fault_run.py). The sweeper calls
    this for the leads it found pending too long, the imports it takes up again, and the task jobs
    (matching, e-mail, refit).
    A job taken by a live worker in between is deleted and queued again: it runs twice, which
    changes nothing (R8). Returns how many records were deleted. Raises redis errors."""
    conn = connection or redis_connection()
    candidates = [(LEADS_QUEUE, job_id_for(lead_id)) for lead_id in lead_ids]
    candidates += [(TASKS_QUEUE, import_job_id(batch_id)) for batch_id in import_ids]
    candidates += [(TASKS_QUEUE, job_id) for job_id in (*MATCHING_JOB_IDS, OUTBOX_JOB_ID, REFIT_JOB_ID,
                                                         SUMMARY_JOB_ID, OPEN_DATA_JOB_ID)]
    with conn.pipeline(transaction=False) as pipe:
        for _, job_id in candidates:
            pipe.hget(Job.key_for(job_id), "status")
        statuses = pipe.execute()
    queued = [(name, job_id) for (name, job_id), status in zip(candidates, statuses) if status == b"queued"]
    if not queued:
        return 0
    queues = {LEADS_QUEUE: leads_queue(conn), TASKS_QUEUE: tasks_queue(conn)}
    on_queues = {name: set(conn.lrange(queues[name].key, 0, -1)) for name in {name for name, _ in queued}}
    lost = [job_id for name, job_id in queued if job_id.encode() not in on_queues[name]]
    if lost:
        conn.delete(*(Job.key_for(job_id) for job_id in lost))
        log.warning("%d job(s) marked queued but on no queue (a worker killed as it took them): %s",
                    len(lost), ", ".join(lost[:10]))
    return len(lost)
