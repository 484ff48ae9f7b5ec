"""Every log line of a job carries its job id and what it works on (issue 9, item 6)."""
import io
import logging
import logging.config
import os
import subprocess
import sys
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from rq.job import Job
from rq.logutils import setup_loghandlers

from marketplace.jobs import logs

ROOT = Path(__file__).resolve().parents[2]


def _record(message: str = "hello") -> logging.LogRecord:
    record = logging.LogRecord("marketplace.test", logging.INFO, __file__, 1, message, (), None)
    logs.JobContextFilter().filter(record)
    return record


def test_outside_a_job_the_fields_read_dash():
    record = _record()
    assert (record.job_id, record.subject) == ("-", "-")


def test_inside_a_job_the_job_id_and_subject(monkeypatch):
    job = Job.__new__(Job)
    job._id = "process-lead-42"
    monkeypatch.setattr(logs, "get_current_job", lambda: job)
    with logs.job_subject("lead 42"):
        record = _record()
        logs.set_subject("lead 42, again")
        later = _record()
    assert (record.job_id, record.subject) == ("process-lead-42", "lead 42")
    assert later.subject == "lead 42, again"
    assert _record().subject == "-"  # the block restored it
    line = logging.Formatter(logs.FORMAT).format(record)
    assert "[job=process-lead-42 lead 42] hello" in line


@contextmanager
def bare_logging():
    """The logging of a fresh process (no root handler, our loggers without a level), with
    sys.stderr an in-memory stream; the test run's own logging (pytest adds its handlers to the
    root logger around each test's call) is put back afterwards."""
    root = logging.getLogger()
    names = (*logs.OWN_LOGGERS, "rq.worker")
    handlers, level, levels = root.handlers[:], root.level, {n: logging.getLogger(n).level for n in names}
    rq_handlers = logging.getLogger("rq.worker").handlers[:]
    for handler in handlers:
        root.removeHandler(handler)
    for name in names:
        logging.getLogger(name).setLevel(logging.NOTSET)
    stderr, sys.stderr = sys.stderr, io.StringIO()
    try:
        yield sys.stderr
    finally:
        sys.stderr = stderr
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        for name, saved in levels.items():
            logging.getLogger(name).setLevel(saved)
        logging.getLogger("rq.worker").handlers[:] = rq_handlers


def test_configured_once():
    with bare_logging() as stderr:
        logs.configure_logging()
        logs.configure_logging()
        assert [h.name for h in logging.getLogger().handlers] == ["marketplace"]
        logging.getLogger("marketplace.services.test").info("stored lead 7")
        assert stderr.getvalue().count("stored lead 7") == 1
        assert "INFO    marketplace.services.test [job=- -] stored lead 7" in stderr.getvalue()


def test_a_host_that_configured_logging_first_prints_each_line_once():
    """gunicorn --log-config, pytest: the host's root handler prints our records; none is added."""
    with bare_logging() as stderr:
        host = io.StringIO()
        logging.basicConfig(stream=host, format="host %(name)s %(message)s")
        logs.configure_logging()
        logging.getLogger("marketplace.jobs.tasks").info("stored lead 8")
        logging.getLogger("alembic.runtime.migration").info("Running upgrade 0001 -> 0002")
        assert host.getvalue().splitlines() == ["host marketplace.jobs.tasks stored lead 8",
                                                "host alembic.runtime.migration Running upgrade 0001 -> 0002"]
        assert stderr.getvalue() == ""


def test_logging_configured_after_the_app_replaces_its_handler():
    """A host (or a library) that configures the root logger after create_app -- alembic's
    fileConfig did, in the bootstrap -- replaces the app's handler instead of printing beside it."""
    with bare_logging() as stderr:
        logs.configure_logging()
        later = io.StringIO()
        logging.config.dictConfig({
            "version": 1, "disable_existing_loggers": False,
            "handlers": {"console": {"class": "logging.StreamHandler", "stream": later}},
            "root": {"level": "WARNING", "handlers": ["console"]},
        })
        logging.getLogger("marketplace.services.notifications").info("e-mail to buyer@example.net")
        assert (stderr.getvalue() + later.getvalue()).count("e-mail to buyer@example.net") == 1


def test_the_rq_worker_prints_its_lines_once():
    """RQ adds its own handlers to rq.worker when no handler would print its records; the app's
    root handler does, with the job context."""
    with bare_logging() as stderr:
        logs.configure_logging()
        setup_loghandlers("INFO")
        logging.getLogger("rq.worker").info("default: Job OK (process-lead-9)")
        assert stderr.getvalue().count("Job OK (process-lead-9)") == 1
        assert "rq.worker [job=- -] default: Job OK" in stderr.getvalue()


def test_make_run_bootstrap_prints_each_line_once(tmp_path):
    """make run's first step, `flask --app wsgi bootstrap`, on a new embedded database: it runs
    the migrations in-process, then seeds; every migration and every logged e-mail is printed once
    (alembic's logging configuration printed each of the seed's lines a second time)."""
    env = dict(os.environ, MARKETPLACE_ENV="development", MARKETPLACE_INSTANCE=str(tmp_path),
               PUBLIC_URL="http://127.0.0.1:5000")
    for name in ("DATABASE_URL", "REDIS_URL", "MAIL_SERVER"):
        env.pop(name, None)
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "bootstrap"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "admin@example.org" in result.stdout
    lines = result.stderr.splitlines()
    mails = [line.split(" e-mail ", 1)[1] for line in lines if "(no MAIL_SERVER configured) to" in line]
    assert any("to admin@example.org: St. Vincent" in mail for mail in mails), lines[-40:]
    twice = [mail for mail, count in Counter(mails).items() if count > 1]
    assert not twice, twice
    first = [line for line in lines if "Running upgrade  -> 0001" in line]
    assert len(first) == 1 and "INFO    alembic.runtime.migration [job=- -]" in first[0], first
