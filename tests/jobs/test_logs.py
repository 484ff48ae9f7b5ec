"""Every log line of a job carries its job id and what it works on (issue 9, item 6)."""
import logging

from rq.job import Job

from marketplace.jobs import logs


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


def test_configured_once():
    logs.configure_logging()
    logs.configure_logging()
    named = [h for h in logging.getLogger("marketplace").handlers if h.name == "marketplace"]
    assert len(named) == 1
