"""Logging, configured once (create_app calls ``configure_logging``), and the context every log
line of a job carries: the RQ job id and what the job works on (``lead 42``, ``plan 7``), so that
``grep process-lead-42`` finds the whole story of one job across modules (issue 9, item 6).

Outside a job the fields read ``-``: ``[job=- -]``.
"""
from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from rq import get_current_job

FORMAT = "%(asctime)s %(levelname)-7s %(name)s [job=%(job_id)s %(subject)s] %(message)s"
_subject: ContextVar[str] = ContextVar("marketplace_job_subject", default="-")
_HANDLER_NAME = "marketplace"


class JobContextFilter(logging.Filter):
    """Adds ``job_id`` (the current RQ job's id, or ``-``) and ``subject`` (``lead 42``, ``plan 7``,
    or ``-``) to every record it sees; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        job = get_current_job()
        record.job_id = job.id if job is not None else "-"
        record.subject = _subject.get()
        return True


@contextmanager
def job_subject(subject: str) -> Iterator[None]:
    """Within this block every log line names ``subject`` (``"lead 42"``)."""
    token = _subject.set(subject)
    try:
        yield
    finally:
        _subject.reset(token)


def set_subject(subject: str) -> None:
    """Name what the running job works on from now on (``plan 7``, once the plan exists)."""
    _subject.set(subject)


# The process's own loggers and their level: ours, and alembic's (``flask db upgrade`` and the
# bootstrap print which migrations ran). Everything else keeps the root logger's level (WARNING).
OWN_LOGGERS = ("marketplace", "alembic", "flask_migrate")


def configure_logging(level: int | str = logging.INFO) -> None:
    """The process's log output: one handler, with the job context, on the root logger, unless
    the host configured the root logger before the app was built (gunicorn ``--log-config``,
    pytest): then the host's handlers print our records and none is added. Idempotent (create_app
    runs once per process in production, many times in tests).

    One handler for every logger is what keeps each line single: records reach it by propagation,
    and a host that configures logging after the app (``logging.config.dictConfig``/``fileConfig``)
    replaces it instead of printing beside it. A handler on our own ``marketplace`` logger printed
    every line twice once anything put a handler on the root logger, as alembic's ``fileConfig``
    did when the bootstrap ran the migrations in-process (migrations/env.py no longer calls it)."""
    for name in OWN_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:  # a host's own level for it stands
            logger.setLevel(level)
    root = logging.getLogger()
    if root.handlers:  # ours from an earlier call, or the host's
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.name = _HANDLER_NAME
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(JobContextFilter())
    root.addHandler(handler)
