"""CSV imports as background batches (issue 10, item 11): read in chunks with a checkpoint, each
row stored once whatever a retry, a crash or a second run does; the same file answered with its
first import; a file over the row limit refused whole."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from marketplace.domain import imports as rules
from marketplace.domain.demo_data import generate_leads
from marketplace.domain.errors import Conflict
from marketplace.domain.lead_status import SUBMITTED
from marketplace.extensions import db
from marketplace.jobs.tasks import run_import
from marketplace.models import AuditLog, ImportBatch, ImportRow, Lead
from marketplace.models.base import utcnow
from marketplace.services import imports
from tests.conftest import make_user
from tests.services.test_import_export import csv_text


def lead_file(count: int, *, bad_every: int = 7) -> bytes:
    """``count`` lead rows with external ids; every ``bad_every``-th row has a broken e-mail."""
    rows = generate_leads(count, seed=11, external_prefix="BATCH")
    for index in range(bad_every - 1, count, bad_every):
        rows[index]["email"] = "no e-mail given"
    return csv_text(rows).encode()


def start(data: bytes, uploader=None, **kwargs) -> int:
    batch, new = imports.start(data, "leads.csv", uploader=uploader, lead_status=SUBMITTED, enqueue=False, **kwargs)
    assert new
    db.session.commit()
    return batch.id


def counts() -> tuple[int, int, int]:
    """(leads, import rows, distinct external ids of leads)."""
    return (db.session.scalar(select(func.count()).select_from(Lead)),
            db.session.scalar(select(func.count()).select_from(ImportRow)),
            db.session.scalar(select(func.count(func.distinct(Lead.external_id)))))


@pytest.fixture
def small_chunks(app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "IMPORT_CHUNK_ROWS", 4)
    return app_ctx


def test_a_file_is_read_in_chunks_with_counters_and_row_outcomes(small_chunks):
    batch_id = start(lead_file(21))
    steps = []
    run_import(batch_id, steps.append)
    batch = imports.get(batch_id)
    assert steps[0] == "started" and steps[-1] == "done" and steps.count("chunk") == 4  # 18 valid rows / 4
    assert (batch.status, batch.rows_total, batch.rows_read) == ("done", 21, 21)
    assert (batch.rows_created, batch.rows_rejected, batch.last_row) == (18, 3, 22)
    assert counts() == (18, 21, 18)
    rejected = imports.rejected_rows(batch)
    assert [row for row, _ in rejected] == [8, 15, 22]  # spreadsheet rows: the header is row 1
    assert rejected[0][1][0][0] == "email"
    actions = [a for a, in db.session.execute(select(AuditLog.action).where(AuditLog.entity_type == "import"))]
    assert actions == ["import.start", "import.finish"]


def test_a_run_that_died_mid_file_resumes_and_stores_no_row_twice(small_chunks):
    """A crash after two committed chunks, in the middle of the third (flushed, not committed):
    the next run goes on from the checkpoint; every row is stored once."""
    batch_id = start(lead_file(30))
    committed = 0
    for step in imports.steps(batch_id):
        if step == "chunk" and committed == 2:
            db.session.rollback()  # the worker died here: this chunk was never committed
            break
        db.session.commit()
        committed += step == "chunk"
    db.session.remove()
    half = imports.get(batch_id)
    assert half.status == "running" and half.last_row == 10 and half.rows_read == 9
    assert run_import(batch_id) == f"import {batch_id}: done"
    batch = imports.get(batch_id)
    assert (batch.rows_read, batch.rows_created, batch.rows_rejected) == (30, 26, 4)
    assert counts() == (26, 30, 26)
    assert run_import(batch_id) == f"import {batch_id}: done"  # a late retry of a finished import
    assert counts() == (26, 30, 26)


def test_a_run_behind_another_stops_without_saving(small_chunks):
    """The checkpoint moves by compare-and-set: a run that read it before another run moved it
    loses its chunk (Conflict) instead of saving those rows again."""
    batch_id = start(lead_file(12))
    run_import(batch_id)
    before = counts()
    db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(status="running"))
    db.session.commit()
    with pytest.raises(Conflict):
        imports._save_chunk(batch_id, 1, 5, [], [], {}, actor_id=None, lead_status=SUBMITTED)
    db.session.rollback()
    assert counts() == before


def test_two_runs_at_once_store_each_row_once(small_chunks):
    """Two runs of one batch at the same time (a job retried while it still ran): one goes on, the
    other stops where it finds the checkpoint moved."""
    app = small_chunks
    batch_id = start(lead_file(40))
    db.session.remove()
    outcomes, errors = [], []

    def run():
        with app.app_context():
            try:
                outcomes.append(run_import(batch_id))
            except Exception as exc:  # pragma: no cover - shown in the assertion
                errors.append(repr(exc))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    db.session.remove()
    batch = imports.get(batch_id)
    assert batch.status == "done" and (batch.rows_read, batch.rows_created) == (40, 35)
    assert counts() == (35, 40, 35)


def test_the_same_file_again_is_the_same_batch(app_ctx):
    vetter = make_user("vetter", "same@city.example")
    data = lead_file(5)
    batch_id = start(data, vetter)
    run_import(batch_id)
    again, new = imports.start(data, "renamed.csv", uploader=vetter, lead_status=SUBMITTED)
    db.session.commit()
    assert (again.id, new) == (batch_id, False)
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 1
    # Another encoding named, or new leads to start approved: another import of the file.
    other, new = imports.start(data, "leads.csv", uploader=vetter, lead_status=SUBMITTED, encoding="Windows-1252")
    assert new and other.id != batch_id
    db.session.rollback()
    imports.discard(other.stored_name)


@pytest.mark.parametrize("rows, refused", [(6, True), (5, False)])
def test_a_file_over_the_row_limit_is_refused_whole(app_ctx, monkeypatch, rows, refused):
    monkeypatch.setitem(app_ctx.config, "IMPORT_MAX_ROWS", 5)
    batch_id = start(lead_file(rows, bad_every=100))
    run_import(batch_id)
    batch = imports.get(batch_id)
    if refused:
        assert batch.status == "refused" and "the file has 6 rows; at most 5 rows" in batch.error
        assert counts() == (0, 0, 0)
    else:
        assert batch.status == "done" and counts()[0] == 5


def test_a_file_whose_end_is_not_csv_is_refused_before_any_row_is_saved(app_ctx, monkeypatch):
    """A second example of "whole or refused": a cell past the CSV reader's limit at the end of a
    1,000-row file would be found only after the first chunks were saved; the whole file is read
    first."""
    monkeypatch.setitem(app_ctx.config, "IMPORT_CHUNK_ROWS", 100)
    data = lead_file(1000, bad_every=1000) + b'"' + b"x" * 200_000 + b'",y\n'
    batch_id = start(data)
    run_import(batch_id)
    batch = imports.get(batch_id)
    assert batch.status == "refused" and "not a readable CSV file" in batch.error
    assert counts() == (0, 0, 0)


def test_the_sweeper_takes_up_an_import_left_unfinished(small_chunks):
    """The process running an import died (the web server with the in-process thread, a worker
    killed whole): the sweeper runs it again once it has made no progress for IMPORT_STALE_AFTER."""
    from marketplace.jobs.worker import sweep

    batch_id = start(lead_file(10))
    db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id)
                       .values(updated_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()
    assert imports.to_resume(timedelta(seconds=120)) == [batch_id]
    if small_chunks.config["REDIS_URL"]:
        pytest.skip("with Redis the sweeper queues a job (tests/jobs runs it with a worker)")
    sweep(small_chunks, timedelta(seconds=60))
    db.session.remove()
    assert imports.get(batch_id).status == "done" and counts()[0] == 9


def test_the_report_of_rejected_rows_is_spreadsheet_safe():
    lines = list(rules.report_lines([(3, [["email", "=HYPERLINK(\"http://x\")"], ["", "+1 column too many"]]),
                                     (9, None)]))
    assert lines == [["row", "column", "message"], ["3", "email", "'=HYPERLINK(\"http://x\")"],
                     ["3", "", "'+1 column too many"], ["9", "", "rejected"]]
    assert rules.row_reason([["email", "Not a valid e-mail address."], ["", "expected 23 columns"]]) == \
        "email: Not a valid e-mail address; expected 23 columns"
