"""Job functions. They take ids, never ORM objects, and run inside an application context."""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar

from flask import Flask, current_app, has_app_context, has_request_context
from rq import get_current_job

from ..domain.errors import Conflict
from ..domain.messages import as_fact, trigger_fact, trigger_summary
from ..extensions import db
from ..services import dashboard, imports, open_data, processing
from ..services.effects import coalesce
from ..services.match_models import refit, refit_due
from ..services.notifications import send_pending
from ..services.planning import run_matching
from .logs import job_subject, set_subject

log = logging.getLogger(__name__)
_app: Flask | None = None


def set_app(app: Flask) -> None:
    """The worker command hands its app over; a forked work horse inherits it."""
    global _app
    _app = app


def _get_app() -> Flask:
    """The app the worker command handed over. Jobs run under ``flask worker`` (or inside an app
    context); a bare ``rq worker`` has no app to run them in, and says so."""
    if _app is None:
        raise RuntimeError("marketplace jobs run under `flask --app wsgi worker`, which provides the app")
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
        with job_subject(f"lead {lead_id}"):
            outcome = _run(lead_id)
            log.info("processing lead %s: %s", lead_id, outcome)
            return outcome
    finally:
        db.session.remove()  # a --no-fork worker runs many jobs: start each with a fresh session


def process_lead_in_process(lead_id: int) -> bool:
    """Without Redis (the embedded default) the job runs right after the commit, in this process.
    A failure is recorded on the lead, never raised into the request that submitted it."""
    try:
        processing.process_lead(lead_id)
        return True
    except Exception as exc:
        log.exception("processing lead %s in-process failed", lead_id)
        processing.record_failure(lead_id, f"{type(exc).__name__}: {exc}", final=False)
        return False


def run_in_process(lead_ids: list[int]) -> int:
    """Process these leads here, one after the other; returns how many succeeded."""
    return sum(process_lead_in_process(lead_id) for lead_id in lead_ids)


# Order of the in-process drain: leads first (they bring supply), then the model, then the plan
# over all of it, then the e-mail the plan wrote.
_RANK = {"import_leads": -1, "process_lead": 0, "refit_if_due": 1, "refit": 1, "run_matching": 2,
         "refresh_summary": 2.5, "refresh_open_data": 2.6, "send_outbox": 3}
_drain: ContextVar[list | None] = ContextVar("marketplace_effects_drain", default=None)


def _coalesce_key(effect: tuple) -> tuple:
    return (effect[0],) if effect[0] in ("run_matching", "refit", "refit_if_due", "send_outbox",
                                         "refresh_summary", "refresh_open_data") else effect


def run_effects_in_process(effects: list[tuple]) -> int:
    """Without Redis: run committed effects here, each in a fresh application context (its own
    session, since the committing one cannot emit SQL inside its after_commit hook). Effects
    that those runs commit in turn join the same drain, still deduplicated against what waits,
    so a burst of approvals committed together computes one plan, after every lead is processed.
    Failures are logged (or recorded on the lead), never raised into the request. Returns runs."""
    waiting = _drain.get()
    if waiting is not None:  # committed by an effect running here: join the drain
        _merge(waiting, effects)
        return 0
    waiting = []
    _merge(waiting, effects)
    token = _drain.set(waiting)
    app = current_app._get_current_object()
    done = 0
    try:
        while waiting:
            waiting.sort(key=lambda e: _RANK.get(e[0], 9))
            effect = waiting.pop(0)
            with app.app_context():
                try:
                    done += bool(_run_here(effect, waiting))
                finally:
                    db.session.remove()
    finally:
        _drain.reset(token)
    return done


def _merge(waiting: list, more) -> None:
    """Add the effects ``more`` to those ``waiting``; one already waiting under the same coalesce key
    stands for the new one (a plan's trigger counts it: services.effects.coalesce)."""
    index = {_coalesce_key(e): i for i, e in enumerate(waiting)}
    for effect in more:
        key = _coalesce_key(effect)
        if key in index:
            waiting[index[key]] = coalesce(waiting[index[key]], tuple(effect))
        else:
            index[key] = len(waiting)
            waiting.append(tuple(effect))


def _run_here(effect: tuple, waiting: list) -> bool:
    name, *args = effect
    if name == "process_lead":
        # Without workers there is no sweeper to ask for these: the refit when due, and a count of
        # the control tower's figures (new leads enter the funnel).
        _merge(waiting, [("refit_if_due",), ("refresh_summary",)])
        return process_lead_in_process(args[0])
    if name == "run_matching":
        run_matching_in_process(args[0] if args else trigger_fact("data_changed"))
    elif name == "send_outbox":
        send_outbox_in_process()
    elif name == "refit":
        refit_in_process(args[0] if args else "asked")
    elif name == "refit_if_due":
        refit_in_process_if_due()
    elif name == "import_leads":
        import_in_process(args[0])
    elif name == "refresh_summary":
        refresh_snapshot_in_process("summary")
    elif name == "refresh_open_data":
        refresh_snapshot_in_process("open data")
    else:
        log.error("unknown effect %r dropped", effect)
        return False
    return True


def _in_app(subject: str, func, *args):
    """Run a job body in the worker's app with a fresh session (see process_lead_job), its log
    lines naming ``subject``; the outcome is logged too."""
    if not has_app_context():
        with _get_app().app_context():
            return _in_app(subject, func, *args)
    try:
        with job_subject(subject):
            outcome = func(*args)
            log.info("%s", outcome)
            return outcome
    finally:
        db.session.remove()


def _matching(trigger) -> str:
    # A job queued before triggers were facts carries a sentence: it is kept as a legacy trigger.
    plan = run_matching(as_fact(trigger))
    set_subject(f"plan {plan.id}")
    return f"plan {plan.id} computed ({trigger_summary(plan.trigger)})"


def run_matching_job(trigger: dict) -> str:
    """The RQ job: compute a new allocation plan over all open requests and available supply;
    ``trigger`` is why (a fact of domain.messages.TRIGGERS, stored with the plan)."""
    return _in_app("plan -", _matching, trigger)


def send_outbox_job() -> str:
    """The RQ job: send every pending e-mail (SMTP when configured, otherwise the log)."""
    return _in_app("outbox", lambda: "sent {} / failed {}".format(*send_pending()))


def _refit(trigger: str):
    model = refit(trigger)
    db.session.commit()  # the job is the use case's edge
    return model


def refit_job(trigger: str) -> str:
    """The RQ job: fit the lead-match weights to the leads and store a new version."""
    return _in_app("model -", lambda: (lambda m: f"model {m.id}: {m.note}")(_refit(trigger)))


def _logged(failure: str, func, *args) -> bool:
    """Run ``func(*args)`` here (without Redis, after a commit). A failure is rolled back and
    logged as ``failure``, never raised into the request. True when it ran."""
    try:
        func(*args)
        return True
    except Exception:
        db.session.rollback()
        log.exception("%s", failure)
        return False


def refit_in_process(trigger: str) -> None:
    """Without Redis: the refit right here. A failure is logged, never raised into the request
    (the newest model stays in use; the next batch of leads asks again)."""
    _logged(f"refitting the lead-match model in-process failed ({trigger})", _refit, trigger)


def refit_in_process_if_due() -> None:
    try:
        due = refit_due()
    except Exception:
        db.session.rollback()
        log.exception("checking whether the lead-match model is due failed")
        return
    if due:
        refit_in_process("new leads since the last fit")


def run_matching_in_process(trigger: dict) -> None:
    """Without Redis: matching right after the commit. A failure is logged, never raised into the
    request that changed supply or demand (the next change, or `flask matching run`, runs it again)."""
    _logged(f"matching in-process failed ({trigger_summary(trigger)})", run_matching, as_fact(trigger))


def send_outbox_in_process() -> None:
    _logged("sending e-mail in-process failed; it stays in the outbox", send_pending)


# The snapshots a job counts (services.snapshots), by the name their job's log lines carry: the
# service whose refresh() counts one, how the outcome reads, and what an in-process failure is.
_SNAPSHOTS = {
    "summary": (dashboard, lambda s: f"summary {s.id} counted in {s.seconds:.2f} s",
                "counting the dashboard's figures in-process failed"),
    "open data": (open_data,
                  lambda s: f"open data {s.id}: {len(s.figures['rows'])} row(s) counted in {s.seconds:.2f} s",
                  "counting the open-data table in-process failed"),
}


def _refresh_snapshot(kind: str) -> str:
    """Count a new snapshot of ``kind`` (a key of _SNAPSHOTS) and commit it."""
    service, outcome, _failure = _SNAPSHOTS[kind]
    snapshot = service.refresh()
    db.session.commit()  # the job is the use case's edge
    return outcome(snapshot)


def refresh_snapshot_in_process(kind: str) -> bool:
    """Without Redis: the count right here. A failure is logged, never raised into the request
    (it runs after a response or in the sweep; the pages show the previous snapshot and its
    time). True when counted."""
    return _logged(_SNAPSHOTS[kind][2], _refresh_snapshot, kind)


def refresh_summary_job() -> str:
    """The RQ job: count the control tower's figures into a new summary snapshot."""
    return _in_app("summary", _refresh_snapshot, "summary")


def refresh_open_data_job() -> str:
    """The RQ job: count the public daily table (/open-data) into a new snapshot."""
    return _in_app("open data", _refresh_snapshot, "open data")


def run_import(batch_id: int, progress: Callable[[str], object] | None = None) -> str:
    """Run (or resume) the import of a CSV batch here, committing each chunk (services.imports):
    the body of the import job, of the in-process run and of ``flask leads import``. ``progress``
    is called after each commit with the step's name. A run overtaken by another run of the same
    batch stops (that one goes on); a failure is noted on the batch and raised (RQ retries it,
    resuming after the last committed chunk)."""
    try:
        for step in imports.steps(batch_id):
            db.session.commit()
            if progress is not None:
                progress(step)
    except Conflict:
        db.session.rollback()
        return f"import {batch_id}: another run is ahead"
    except Exception as exc:
        db.session.rollback()
        try:
            imports.record_failure(batch_id, f"{type(exc).__name__}: {exc}")
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("could not note the failure of import %s", batch_id)
        raise
    return f"import {batch_id}: done"


def import_batch_job(batch_id: int) -> str:
    """The RQ job: read a CSV batch into leads, chunk by chunk (long: IMPORT_JOB_TIMEOUT)."""
    return _in_app(f"import {batch_id}", run_import, batch_id)


def import_in_process(batch_id: int) -> None:
    """Without Redis: the import right after the upload's commit. In a web request (and with
    IMPORT_IN_THREAD) it runs in a thread of this process, so the upload is answered at once and
    its page shows the progress; elsewhere (CLI, tests) right here. A failure is logged and noted
    on the batch, never raised into the request; a batch left unfinished by a stopped process is
    taken up again by `flask sweep` (and `flask bootstrap`, which `make run` runs on start)."""
    app = current_app._get_current_object()
    if has_request_context() and app.config.get("IMPORT_IN_THREAD"):
        threading.Thread(target=_import_thread, args=(app, batch_id), name=f"import-{batch_id}", daemon=True).start()
        return
    try:
        run_import(batch_id)
    except Exception:
        log.exception("import %s in-process failed", batch_id)


def _import_thread(app: Flask, batch_id: int) -> None:
    with app.app_context():
        try:
            run_import(batch_id)
        except Exception:
            log.exception("import %s in a thread failed", batch_id)
        finally:
            db.session.remove()


def _dispose_pool_in_child() -> None:
    # A forked work horse must not share the parent's database connections.
    if _app is not None:
        with _app.app_context():
            db.engine.dispose(close=False)


os.register_at_fork(after_in_child=_dispose_pool_in_child)
