"""Job functions. They take ids, never ORM objects, and run inside an application context."""
from __future__ import annotations

import logging
import os
import time

from flask import Flask, has_app_context
from rq import get_current_job

from ..extensions import db
from ..services import processing

log = logging.getLogger(__name__)
_app: Flask | None = None


def set_app(app: Flask) -> None:
    """The worker command hands its app over; a forked work horse inherits it."""
    global _app
    _app = app


def _get_app() -> Flask:
    global _app
    if _app is None:
        from ..app import create_app

        _app = create_app()
    return _app


# Fault-injection for the reliability tests only: seconds to sleep inside the job body, so that a
# test can kill a worker mid-job. Unset everywhere else.
FAULT_DELAY = float(os.environ.get("MARKETPLACE_FAULT_JOB_DELAY", "0") or 0)


def _run(lead_id: int) -> str:
    if not processing.start_attempt(lead_id):
        return "gave up"
    try:
        if FAULT_DELAY:
            time.sleep(FAULT_DELAY)
        return processing.process_lead(lead_id)
    except Exception as exc:  # includes RQ's JobTimeoutException: record it for staff, then re-raise
        job = get_current_job()
        final = job is None or not job.retries_left
        log.exception("processing lead %s failed", lead_id)
        processing.record_failure(lead_id, f"{type(exc).__name__}: {exc}", final=final)
        raise


def process_lead_job(lead_id: int) -> str:
    """The RQ job: process one lead in the worker's app."""
    if not has_app_context():
        with _get_app().app_context():
            return process_lead_job(lead_id)
    try:
        return _run(lead_id)
    finally:
        db.session.remove()  # a --no-fork worker runs many jobs: start each with a fresh session


def run_in_process(lead_ids: list[int]) -> int:
    """Without Redis (the embedded default) the job runs right after the commit, in this process.
    A failure is recorded on the lead, never raised into the request that submitted it."""
    done = 0
    for lead_id in lead_ids:
        try:
            processing.process_lead(lead_id)
            done += 1
        except Exception as exc:
            log.exception("processing lead %s in-process failed", lead_id)
            processing.record_failure(lead_id, f"{type(exc).__name__}: {exc}",
                                      final=False)
    return done


def _in_app(func, *args):
    """Run a job body in the worker's app with a fresh session (see process_lead_job)."""
    if not has_app_context():
        with _get_app().app_context():
            return _in_app(func, *args)
    try:
        return func(*args)
    finally:
        db.session.remove()


def run_matching_job(trigger: str) -> str:
    """The RQ job: compute a new allocation plan over all open requests and available supply."""
    from ..services.matching import run_matching

    return _in_app(lambda: f"plan {run_matching(trigger).id}")


def send_outbox_job() -> str:
    """The RQ job: send every pending e-mail (SMTP when configured, otherwise the log)."""
    from ..services.notifications import send_pending

    return _in_app(lambda: "sent {} / failed {}".format(*send_pending()))


def refit_job(trigger: str) -> str:
    """The RQ job: fit the lead-match weights to the leads and store a new version."""
    from ..services.match_models import refit

    return _in_app(lambda: (lambda m: f"model {m.id}: {m.note}")(refit(trigger)))


def refit_in_process(trigger: str) -> None:
    """Without Redis: the refit right here. A failure is logged, never raised into the request
    (the newest model stays in use; the next batch of leads asks again)."""
    from ..services.match_models import refit

    try:
        refit(trigger)
    except Exception:
        db.session.rollback()
        log.exception("refitting the lead-match model in-process failed (%s)", trigger)


def refit_in_process_if_due() -> None:
    from ..services.match_models import refit_due

    try:
        due = refit_due()
    except Exception:
        db.session.rollback()
        log.exception("checking whether the lead-match model is due failed")
        return
    if due:
        refit_in_process("new leads since the last fit")


def run_matching_in_process(trigger: str) -> None:
    """Without Redis: matching right after the commit. A failure is logged, never raised into the
    request that changed supply or demand (the next change, or `flask matching run`, runs it again)."""
    from ..services.matching import run_matching

    try:
        run_matching(trigger)
    except Exception:
        db.session.rollback()
        log.exception("matching in-process failed (%s)", trigger)


def send_outbox_in_process() -> None:
    from ..services.notifications import send_pending

    try:
        send_pending()
    except Exception:
        db.session.rollback()
        log.exception("sending e-mail in-process failed; it stays in the outbox")


def _dispose_pool_in_child() -> None:
    # A forked work horse must not share the parent's database connections.
    if _app is not None:
        with _app.app_context():
            db.engine.dispose(close=False)


os.register_at_fork(after_in_child=_dispose_pool_in_child)
