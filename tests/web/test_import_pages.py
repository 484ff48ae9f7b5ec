"""The CSV upload as a background import (issue 10, item 11): the upload is answered at once with
the import's page (progress, counts, rejected rows, a downloadable report), the same file again
with the same import, and only its uploader and admins see it."""
from __future__ import annotations

import csv
import io
import threading

import pytest

from marketplace.domain.demo_data import generate_leads
from marketplace.extensions import db
from marketplace.models import ImportBatch, Lead
from tests.conftest import csrf_token_from, login, make_user, post_form, run_imports
from tests.services.test_import_export import csv_text


def upload(client, data: bytes, name: str = "leads.csv", **extra):
    """Upload a file; with Redis, then run its import as a worker would (tests/jobs has workers)."""
    response = post_form(client, "/staff/import", {"file": (io.BytesIO(data), name), **extra},
                         content_type="multipart/form-data")
    if client.application.config["REDIS_URL"] and not client.application.config.get("IMPORT_IN_THREAD"):
        run_imports(client.application)
    return response


def a_file(count: int = 6) -> bytes:
    rows = generate_leads(count, seed=5, external_prefix="PAGE")
    rows[2]["unit_price"] = "free"
    rows[4]["external_id"] = "=HYPERLINK(\"http://evil.example\")"
    rows[5]["external_id"] = rows[4]["external_id"]  # the same external_id twice: row 7 is refused
    return csv_text(rows).encode()


@pytest.fixture
def vetter(client, unlimited):
    with unlimited.app_context():
        make_user("vetter", "importer@city.example")
        make_user("vetter", "other@city.example")
        make_user("admin", "boss@city.example")
    login(client, "importer@city.example")
    return client


def test_the_upload_is_answered_with_the_imports_page(vetter, unlimited):
    page = vetter.get("/staff/import").get_data(as_text=True)
    assert "At most 100,000 rows" in page
    response = upload(vetter, a_file())
    assert response.status_code == 302 and response.location.startswith("/imports/")
    html = vetter.get(response.location).get_data(as_text=True)
    assert "being imported" in html
    assert 'id="rows-read" max="6" value="6"' in html  # the progress bar: rows read of rows in the file
    assert "<strong>4</strong> accepted" in html and "<strong>2</strong> rejected" in html
    assert "<td>4</td><td>unit_price</td><td>The unit_price must be a number" in html
    assert "<td>7</td><td>external_id</td>" in html and "already appears on row 6" in html
    # Embedded default: the leads were processed in-process; with Redis they wait for a worker.
    processed = 0 if unlimited.config["REDIS_URL"] else 4
    assert f"Leads processed (duplicates, score): {processed} of 4" in html
    assert ('http-equiv="refresh"' in html) == bool(unlimited.config["REDIS_URL"])  # until processed
    report = vetter.get(response.location + "/rejected.csv")
    assert report.headers["Content-Disposition"].startswith("attachment")
    assert report.headers["X-Content-Type-Options"] == "nosniff"
    lines = list(csv.reader(io.StringIO(report.get_data(as_text=True))))
    assert lines[0] == ["row", "column", "message"]
    assert [line[:2] for line in lines[1:]] == [["4", "unit_price"], ["7", "external_id"]]
    assert lines[2][2].startswith("'") or not lines[2][2].startswith(("=", "+", "-", "@"))


def test_the_same_file_again_is_answered_with_its_import(vetter, unlimited):
    first = upload(vetter, a_file())
    again = upload(vetter, a_file(), name="copy.csv")
    assert again.status_code == 302 and again.location == first.location
    assert "given to import before" in vetter.get(again.location).get_data(as_text=True)
    with unlimited.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ImportBatch)) == 1
        assert db.session.scalar(db.select(db.func.count()).select_from(Lead)) == 4


def test_a_running_import_refreshes_itself(vetter, unlimited):
    location = upload(vetter, a_file()).location
    with unlimited.app_context():
        batch = db.session.get(ImportBatch, int(location.rsplit("/", 1)[1]))
        batch.status = "running"
        db.session.commit()
    html = vetter.get(location).get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in html and "this page refreshes itself" in html


def test_only_the_uploader_and_admins_see_an_import(vetter, unlimited):
    location = upload(vetter, a_file()).location
    other = unlimited.test_client()
    login(other, "other@city.example")
    assert other.get(location).status_code == 404
    assert other.get(location + "/rejected.csv").status_code == 404
    admin = unlimited.test_client()
    login(admin, "boss@city.example")
    assert admin.get(location).status_code == 200
    assert location not in other.get("/staff/import").get_data(as_text=True)  # not in their recent imports


def test_a_refused_file_says_why_and_saves_nothing(vetter, unlimited, monkeypatch):
    monkeypatch.setitem(unlimited.config, "IMPORT_MAX_ROWS", 5)
    html = vetter.get(upload(vetter, a_file(6)).location).get_data(as_text=True)
    assert "File refused: the file has 6 rows; at most 5 rows are imported at once" in html
    assert "Nothing from this file was saved" in html
    with unlimited.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Lead)) == 0


def test_without_redis_the_upload_is_imported_in_a_thread(vetter, unlimited, monkeypatch):
    """The embedded default in production use: the upload's answer does not wait for the rows."""
    if unlimited.config["REDIS_URL"]:
        pytest.skip("with Redis a worker runs the import (tests/jobs)")
    monkeypatch.setitem(unlimited.config, "IMPORT_IN_THREAD", True)
    location = upload(vetter, a_file(60)).location
    with unlimited.app_context():
        batch_id = int(location.rsplit("/", 1)[1])
    for thread in [t for t in threading.enumerate() if t.name == f"import-{batch_id}"]:
        thread.join(timeout=120)  # the leads are processed in the thread too, after each chunk
        assert not thread.is_alive()
    with unlimited.app_context():
        assert db.session.get(ImportBatch, batch_id).status == "done"
    assert "<strong>58</strong> accepted" in vetter.get(location).get_data(as_text=True)


def test_the_import_path_takes_files_up_to_its_own_larger_cap(vetter, unlimited):
    """100,000 rows are about 30 MB: the import takes bodies up to MAX_CSV_BYTES (48 MB), every
    other path keeps MAX_CONTENT_LENGTH (16 MB)."""
    big = b"name,price\n" + b"x" * 60 + b",1\n"
    big = big + (b"y" * 60 + b",1\n") * (20 * 1024 * 1024 // 63)  # about 20 MB, the wrong columns
    response = upload(vetter, big)
    assert response.status_code == 302
    assert "lacks the column" in vetter.get(response.location).get_data(as_text=True)
    token = csrf_token_from(vetter.get("/staff/import").get_data(as_text=True))
    refused = vetter.post("/notifications/read", data={"csrf_token": token, "x": "y" * (20 * 1024 * 1024)})
    assert refused.status_code == 413
