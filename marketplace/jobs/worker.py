"""The worker: `flask --app wsgi worker`. Run any number, on any number of machines."""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask
from rq import SimpleWorker, Worker
from rq.serializers import JSONSerializer

from ..services import imports
from ..services.match_models import refit_due
from ..services.notifications import outbox_waiting
from ..services.planning import matching_is_stale
from ..services.processing import leads_to_sweep, warm_up
from .queue import (
    WORKER_QUEUES,
    dispatch,
    enqueue_lead_processing,
    enqueue_matching,
    enqueue_outbox,
    enqueue_refit,
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


def sweep(app: Flask, older_than: timedelta | None = None) -> tuple[int, int]:
    """Enqueue every lead left pending too long; queue a matching run if supply or demand changed
    after the newest plan, the e-mail sender if mail is waiting (jobs lost with Redis), a refit
    of the lead-match weights when enough leads arrived since the last (services.match_models),
    and every CSV import left unfinished with no progress for IMPORT_STALE_AFTER.
    Returns (leads found, leads newly queued)."""
    # Imports are taken up after IMPORT_STALE_AFTER without progress; `flask bootstrap` (a fresh
    # start of the embedded default) and `flask sweep --older-than 0` take up every one.
    imports_after = timedelta(0) if older_than == timedelta(0) else app.config["IMPORT_STALE_AFTER"]
    older_than = older_than if older_than is not None else app.config["SWEEP_AFTER"]
    with app.app_context():
        lead_ids = leads_to_sweep(older_than)
        queued = enqueue_lead_processing(lead_ids) if lead_ids else 0
        if queued:
            log.info("sweeper: %d lead(s) pending too long, %d queued again", len(lead_ids), queued)
        if matching_is_stale(older_than) and enqueue_matching("sweeper: supply or demand changed since the last plan"):
            log.info("sweeper: matching queued again")
        if outbox_waiting(older_than) and enqueue_outbox():
            log.info("sweeper: e-mail sender queued again")
        if refit_due() and enqueue_refit("sweeper: new leads since the last fit"):
            log.info("sweeper: lead-match model refit queued")
        stalled = imports.to_resume(imports_after)
        if stalled and dispatch([("import_leads", batch_id) for batch_id in stalled]):
            log.info("sweeper: %d unfinished import(s) taken up again", len(stalled))
        return len(lead_ids), queued


class SweepingMixin:
    """Periodic maintenance also runs the sweeper."""

    flask_app: Flask

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        try:
            with self.flask_app.app_context():
                # One sweeper per interval across all workers is enough.
                if not try_sweeper_lock(MAINTENANCE_INTERVAL - 1):
                    return
            sweep(self.flask_app)
        except Exception:  # the sweeper must never take the worker down
            log.exception("sweeper failed")


class MarketplaceWorker(SweepingMixin, Worker):
    """`--fork`: each job runs in a forked work horse, so a job that crashes or leaks memory
    cannot take the worker with it, and a killed horse is retried by its parent within seconds.
    Each job pays for a process and a database connection (about 3x slower, bench/dedup_scale)."""


class MarketplaceSimpleWorker(SweepingMixin, SimpleWorker):
    """The default (`--no-fork`): jobs run in the worker process itself, keeping its database
    connections and compiled statements. A crash takes the worker down; its job is then recovered
    by another worker's sweeper once its heartbeat is stale (JOB_STALE_AFTER), and the timeout
    still bounds a hung job (SIGALRM in the worker)."""


def make_worker(app: Flask, *, name: str | None = None, fork: bool = False) -> Worker:
    set_app(app)
    warm_up()
    worker_class = MarketplaceWorker if fork else MarketplaceSimpleWorker
    worker = worker_class(list(WORKER_QUEUES), name=name, connection=redis_connection(app.config["REDIS_URL"]),
                               serializer=JSONSerializer, worker_ttl=WORKER_TTL,
                               job_monitoring_interval=JOB_MONITORING_INTERVAL,
                               maintenance_interval=MAINTENANCE_INTERVAL)
    worker.flask_app = app
    return worker
