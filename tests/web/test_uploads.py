"""Uploaded documents are safe (quality bar S12): oversize bodies answer 413, files are judged by
their content, never their name, are stored under a generated name inside UPLOAD_FOLDER, and are
served back as attachments with nosniff."""
from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

from marketplace.extensions import db
from marketplace.models import LeadDocument
from tests.conftest import fetch_token, login, make_lead, make_user
from tests.web.test_access_matrix import PDF


@pytest.fixture
def supplier_lead(clean_app, client):
    with clean_app.app_context():
        supplier = make_user("supplier", "uploader@supplier.example")
        lead_id = make_lead(supplier).id
        db.session.remove()
    login(client, "uploader@supplier.example")
    return lead_id


def upload_folder(app) -> Path:
    return Path(app.config["UPLOAD_FOLDER"]).resolve()


def files_under(path: Path) -> set[Path]:
    """Files below ``path``, leaving out SQLite's transient journal files."""
    if not path.exists():
        return set()
    return {p for p in path.rglob("*") if p.is_file() and not p.name.endswith(("-journal", "-wal", "-shm"))}


def document_rows(app) -> list[LeadDocument]:
    with app.app_context():
        rows = list(db.session.execute(db.select(LeadDocument).order_by(LeadDocument.id)).scalars())
        db.session.expunge_all()
        return rows


def upload(client, lead_id: int, content: bytes, filename: str, **kwargs):
    return client.post(f"/leads/{lead_id}/documents", data={
        "csrf_token": fetch_token(client, f"/leads/{lead_id}"),
        "document": (io.BytesIO(content), filename)}, **kwargs)


def test_body_larger_than_max_content_length_is_413(clean_app, client, supplier_lead):
    """S12: a request body above MAX_CONTENT_LENGTH is refused with 413 before anything is stored."""
    before = files_under(upload_folder(clean_app))
    too_big = PDF + b"0" * clean_app.config["MAX_CONTENT_LENGTH"]
    response = upload(client, supplier_lead, too_big, "huge.pdf")
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)
    assert document_rows(clean_app) == []
    assert files_under(upload_folder(clean_app)) == before


def test_document_above_its_own_limit_is_refused_and_removed(clean_app, client, supplier_lead):
    """S12: a PDF under the body limit but above MAX_DOCUMENT_BYTES is refused with a message and
    its partly written file is removed."""
    before = files_under(upload_folder(clean_app))
    limit = clean_app.config["MAX_DOCUMENT_BYTES"]
    assert limit + 1024 < clean_app.config["MAX_CONTENT_LENGTH"]
    response = upload(client, supplier_lead, PDF + b"0" * limit, "big.pdf", follow_redirects=True)
    assert response.status_code == 200
    assert "larger than 10 MB" in response.get_data(as_text=True)
    assert document_rows(clean_app) == []
    assert files_under(upload_folder(clean_app)) == before


@pytest.mark.parametrize("content", [
    b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>",
    b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    b"  %PDF-1.4 (the magic bytes, but not at the start)",
    b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows executable
])
def test_pdf_named_file_with_other_content_is_refused(clean_app, client, supplier_lead, content):
    """S12: a file called .pdf whose content is HTML (or SVG, or a program) is refused by its
    content, with a message; no row and no file are left."""
    before = files_under(upload_folder(clean_app))
    response = upload(client, supplier_lead, content, "datasheet.pdf", follow_redirects=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Only PDF documents and PNG or JPEG photos are accepted" in body
    assert "<script>alert(document.cookie)</script>" not in body
    assert document_rows(clean_app) == []
    assert files_under(upload_folder(clean_app)) == before


@pytest.mark.parametrize("filename", [
    "../../etc/passwd.pdf",
    "..\\..\\windows\\win.ini.pdf",
    "/etc/cron.d/evil.pdf",
    "....//....//evil.pdf",
    "%2e%2e%2f%2e%2e%2fevil.pdf",
])
def test_path_traversal_name_is_stored_under_a_generated_name(clean_app, client, supplier_lead, filename):
    """S12: a real PDF sent with a path-traversal filename is stored under a generated name inside
    UPLOAD_FOLDER (nothing written anywhere else), and served back as an attachment with nosniff
    under a harmless display name."""
    folder = upload_folder(clean_app)
    outside = folder.parent
    outside_before = {p for p in files_under(outside) if folder not in p.parents}
    inside_before = files_under(folder)
    response = upload(client, supplier_lead, PDF, filename)
    assert response.status_code == 302

    rows = document_rows(clean_app)
    assert len(rows) == 1
    document = rows[0]
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", document.stored_name)
    assert "/" not in document.original_name and "\\" not in document.original_name
    assert not document.original_name.startswith(".")
    new_files = files_under(folder) - inside_before
    assert new_files == {folder / document.stored_name}
    assert (folder / document.stored_name).read_bytes() == PDF
    assert {p for p in files_under(outside) if folder not in p.parents} == outside_before
    assert not Path("/etc/passwd.pdf").exists() and not Path("/etc/cron.d/evil.pdf").exists()

    served = client.get(f"/documents/{document.id}")
    assert served.status_code == 200
    assert served.data == PDF
    assert served.mimetype == "application/pdf"
    disposition = served.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert ".." not in disposition and "/" not in disposition.replace("filename*=UTF-8''", "")
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_png_and_jpeg_are_served_with_their_sniffed_type(clean_app, client, supplier_lead):
    """S12: the served type comes from the content, not from the name the uploader chose."""
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    assert upload(client, supplier_lead, png, "photo.html").status_code == 302
    document = document_rows(clean_app)[0]
    assert document.stored_name.endswith(".png") and document.media_type == "image/png"
    served = client.get(f"/documents/{document.id}")
    assert served.mimetype == "image/png"
    assert served.headers["Content-Disposition"].startswith("attachment;")
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_upload_folder_is_not_served_as_static_files(clean_app, client, supplier_lead):
    """S12: stored files are reachable only through the checked download route."""
    assert upload(client, supplier_lead, PDF, "spec.pdf").status_code == 302
    stored = document_rows(clean_app)[0].stored_name
    static_folder = Path(clean_app.static_folder).resolve()
    assert static_folder not in upload_folder(clean_app).parents
    for path in (f"/static/{stored}", f"/static/../uploads/{stored}", f"/uploads/{stored}"):
        assert client.get(path).status_code == 404, path
    assert not os.path.exists(static_folder / stored)
