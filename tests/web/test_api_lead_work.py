"""The API's operations on a lead's documents, staff claims and the plan's release (issue 12 item
3): the same services and checks as the pages (services.documents, vetting.claim / release_claim,
planning.release_plan), roles and ownership, problem+json errors, Idempotency-Key on the upload."""
from __future__ import annotations

import io

import pytest

from marketplace.domain.messages import trigger_fact
from marketplace.extensions import db
from marketplace.models import Lead, LeadDocument, Match, MatchPlan
from marketplace.services import planning
from tests.conftest import VALID_LEAD, approve, bearer, make_api_token, make_lead, make_request, make_user
from tests.web.test_access_matrix import PDF
from tests.web.test_uploads import files_under, upload_folder

PROBLEM = "application/problem+json"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def owned(app_ctx):
    """A supplier with a token and an open lead of theirs."""
    user = make_user("supplier", "docs@acme.example")
    return user, make_api_token(user), make_lead(user)


def _upload(client, lead_id: int, token: str, content: bytes, filename: str = "certificate.pdf", **headers):
    return client.post(f"/api/v1/leads/{lead_id}/documents", data={"document": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data", headers={**bearer(token), **headers})


# --- Documents --------------------------------------------------------------------------------

def test_a_supplier_attaches_lists_and_downloads_a_document(client, clean_app, owned):
    user, token, lead = owned
    created = _upload(client, lead.id, token, PDF, "NIOSH approval.pdf")
    assert created.status_code == 201, created.get_json()
    document = created.get_json()
    assert created.headers["Location"] == f"/api/v1/documents/{document['id']}"
    assert document["lead_id"] == lead.id and document["media_type"] == "application/pdf"
    assert document["size"] == len(PDF) and document["name"] == "NIOSH approval.pdf"
    assert "uploaded_by_id" not in document  # staff only
    stored = db.session.get(LeadDocument, document["id"])
    assert stored.uploaded_by_id == user.id
    photo = _upload(client, lead.id, token, PNG, "pallet.txt")  # judged by its content, not its name
    assert photo.status_code == 201 and photo.get_json()["media_type"] == "image/png"
    listed = client.get(f"/api/v1/leads/{lead.id}/documents", headers=bearer(token)).get_json()["items"]
    assert [d["id"] for d in listed] == [document["id"], photo.get_json()["id"]]
    download = client.get(created.headers["Location"], headers=bearer(token))
    assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("content, words", [
    (b"<!doctype html><html><script>alert(1)</script></html>", "Only PDF documents"),  # a page named .pdf
    (b"GIF87a\x01\x00\x01\x00" + b"\x00" * 32, "Only PDF documents"),  # a picture of another kind
    (b"", "The file is empty."),
])
def test_a_file_the_page_refuses_is_refused_by_field_and_nothing_is_kept(client, clean_app, owned, content, words):
    _, token, lead = owned
    before = files_under(upload_folder(clean_app))
    response = _upload(client, lead.id, token, content)
    problem = response.get_json()
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert problem["errors"][0]["field"] == "document" and words in problem["errors"][0]["message"]
    assert LeadDocument.query.count() == 0
    assert files_under(upload_folder(clean_app)) == before


def test_a_document_above_its_limit_or_a_body_above_the_site_s_is_refused(client, clean_app, owned):
    _, token, lead = owned
    before = files_under(upload_folder(clean_app))
    limit = clean_app.config["MAX_DOCUMENT_BYTES"]
    too_big = _upload(client, lead.id, token, PDF + b"0" * limit)
    assert too_big.status_code == 422 and "larger than 10 MB" in too_big.get_json()["errors"][0]["message"]
    huge = _upload(client, lead.id, token, PDF + b"0" * clean_app.config["MAX_CONTENT_LENGTH"])
    assert huge.status_code == 413 and huge.mimetype == PROBLEM
    assert LeadDocument.query.count() == 0
    assert files_under(upload_folder(clean_app)) == before


def test_an_upload_must_be_one_file_in_the_document_field(client, owned):
    _, token, lead = owned
    url = f"/api/v1/leads/{lead.id}/documents"
    as_json = client.post(url, json={"document": "JVBERi0xLjQ="}, headers=bearer(token))
    assert as_json.status_code == 422 and "multipart/form-data" in as_json.get_json()["detail"]
    typo = client.post(url, data={"file": (io.BytesIO(PDF), "a.pdf")}, content_type="multipart/form-data",
                       headers=bearer(token))
    assert typo.status_code == 422 and [e["field"] for e in typo.get_json()["errors"]] == ["file"]
    empty = client.post(url, data={"document": ""}, content_type="multipart/form-data", headers=bearer(token))
    assert empty.status_code == 422 and empty.get_json()["errors"] == [
        {"field": "document", "message": "Choose a file to upload."}]
    assert LeadDocument.query.count() == 0


def test_the_same_idempotency_key_attaches_once(client, clean_app, owned):
    _, token, lead = owned
    before = files_under(upload_folder(clean_app))
    key = {"Idempotency-Key": "document-key-0123456789"}
    first = _upload(client, lead.id, token, PDF, **key)
    again = _upload(client, lead.id, token, PDF, **key)  # a new multipart boundary, the same request
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    # Another file, another kind of record (another path): the key was used for a different request.
    another_file = _upload(client, lead.id, token, PNG, "another.png", **key)
    other_kind = client.post("/api/v1/leads", json={"company_name": "x"}, headers={**bearer(token), **key})
    valid = {k: v for k, v in VALID_LEAD.items() if k != "external_id"}  # refused by the receipt's key
    other_valid = client.post("/api/v1/leads", json=valid, headers={**bearer(token), **key})
    for refused in (another_file, other_kind, other_valid):
        assert refused.status_code == 422 and refused.mimetype == PROBLEM
        assert refused.get_json()["first_resource"] == first.headers["Location"]
    assert LeadDocument.query.count() == 1
    assert len(files_under(upload_folder(clean_app)) - before) == 1
    assert Lead.query.count() == 1  # the owned lead only


def test_another_supplier_s_lead_and_documents_are_404_and_buyers_403(client, clean_app, owned):
    _, owner_token, lead = owned
    document_id = _upload(client, lead.id, owner_token, PDF).get_json()["id"]
    before = files_under(upload_folder(clean_app))
    other = make_api_token(make_user("supplier", "else@other.example"))
    buyer = make_api_token(make_user("buyer", "b@hospital.example", organisation="Hospital D", verified=True))
    for token, status in ((other, 404), (buyer, 403)):
        assert _upload(client, lead.id, token, PDF).status_code == status
        assert client.get(f"/api/v1/leads/{lead.id}/documents", headers=bearer(token)).status_code == status
        assert client.get(f"/api/v1/documents/{document_id}", headers=bearer(token)).status_code == status
    assert LeadDocument.query.count() == 1 and files_under(upload_folder(clean_app)) == before


def test_staff_read_and_attach_documents_of_any_lead(client, owned):
    _, owner_token, lead = owned
    vetter = make_user("vetter", "docs-vetter@city.example")
    token = make_api_token(vetter)
    attached = _upload(client, lead.id, token, PDF, "test report.pdf")
    assert attached.status_code == 201 and attached.get_json()["uploaded_by_id"] == vetter.id
    listed = client.get(f"/api/v1/leads/{lead.id}/documents", headers=bearer(owner_token)).get_json()["items"]
    assert [d["name"] for d in listed] == ["test report.pdf"]  # the owner sees it, not who attached it
    assert "uploaded_by_id" not in listed[0]


def test_a_refused_file_is_told_in_the_reader_s_language(client, owned):
    _, token, lead = owned
    response = _upload(client, lead.id, token, b"plain text, not a document", **{"Accept-Language": "es"})
    message = response.get_json()["errors"][0]["message"]
    assert response.status_code == 422 and "PDF" in message and "Only PDF documents" not in message
    wrong = client.post(f"/api/v1/leads/{lead.id}/documents", json={}, headers={**bearer(token), "Accept-Language": "es"})
    assert "multipart/form-data" in wrong.get_json()["detail"] and "The body must" not in wrong.get_json()["detail"]


# --- Claims -----------------------------------------------------------------------------------

def test_staff_claim_and_release_a_lead_as_on_the_queue_page(client, owned):
    _, supplier_token, lead = owned
    first, second = make_user("vetter", "first@city.example"), make_user("admin", "second@city.example")
    first_token, second_token = make_api_token(first), make_api_token(second)
    url = f"/api/v1/leads/{lead.id}/claim"
    claimed = client.post(url, headers=bearer(first_token))
    assert claimed.status_code == 200 and claimed.get_json()["claimed_by_id"] == first.id
    assert claimed.get_json()["claimed_until"]
    taken = client.post(url, headers=bearer(second_token))
    assert taken.status_code == 409 and taken.mimetype == PROBLEM and first.email in taken.get_json()["detail"]
    not_theirs = client.delete(url, headers=bearer(second_token))  # another's claim stays
    assert not_theirs.status_code == 200 and not_theirs.get_json()["claimed_by_id"] == first.id
    mine = client.get("/api/v1/queue?claim=mine", headers=bearer(first_token)).get_json()["items"]
    assert [item["id"] for item in mine] == [lead.id] and mine[0]["claimed_by_id"] == first.id
    released = client.delete(url, headers=bearer(first_token))
    assert released.status_code == 200 and released.get_json()["claimed_by_id"] is None
    assert released.get_json()["claimed_until"] is None
    assert client.post(url, headers=bearer(second_token)).get_json()["claimed_by_id"] == second.id
    own = client.get(f"/api/v1/leads/{lead.id}", headers=bearer(supplier_token)).get_json()
    assert "claimed_by_id" not in own  # the supplier never reads who works on it
    for method in ("POST", "DELETE"):
        assert client.open(url, method=method, headers=bearer(supplier_token)).status_code == 403


def test_a_decided_lead_cannot_be_claimed(client, owned):
    _, _token, lead = owned
    vetter = make_user("vetter", "claims@city.example")
    approve(lead)
    response = client.post(f"/api/v1/leads/{lead.id}/claim", headers=bearer(make_api_token(vetter)))
    assert response.status_code == 409 and "nothing to claim" in response.get_json()["detail"]
    assert response.mimetype == PROBLEM


# --- The plan's release -----------------------------------------------------------------------

def test_staff_release_the_newest_plan_as_proposals_once(client, app_ctx):
    supplier = make_user("supplier", "plan@acme.example")
    buyer = make_user("buyer", "plan@hospital.example", organisation="Plan Hospital", verified=True)
    approve(make_lead(supplier))
    make_request(buyer)
    planning.run_matching(trigger_fact("command"))
    vetter = make_user("vetter", "plan-vetter@city.example")
    token = make_api_token(vetter)
    shown = client.get("/api/v1/plan", headers=bearer(token)).get_json()
    plan_id = shown["plan"]["id"]
    assert shown["plan"]["status"] == "draft" and shown["items"]
    assert Match.query.count() == 0
    released = client.post(f"/api/v1/plans/{plan_id}/release", headers=bearer(token))
    body = released.get_json()
    assert released.status_code == 200 and body["plan"]["status"] == "released" and body["proposals"] >= 1
    assert Match.query.filter_by(plan_id=plan_id, status="proposed").count() == body["proposals"]
    assert db.session.get(MatchPlan, plan_id).released_by_id == vetter.id
    again = client.post(f"/api/v1/plans/{plan_id}/release", headers=bearer(token))
    assert again.status_code == 409 and again.mimetype == PROBLEM and "already released" in again.get_json()["detail"]
    assert Match.query.count() == body["proposals"]
    assert client.post(f"/api/v1/plans/{plan_id + 1000}/release", headers=bearer(token)).status_code == 404


def test_a_replaced_plan_is_not_released_and_only_staff_release(client, app_ctx):
    supplier = make_user("supplier", "old-plan@acme.example")
    buyer = make_user("buyer", "old-plan@hospital.example", organisation="Old Plan Hospital", verified=True)
    approve(make_lead(supplier))
    make_request(buyer)
    older = planning.run_matching(trigger_fact("command")).id
    newer = planning.run_matching(trigger_fact("command")).id
    assert db.session.get(MatchPlan, older).status == "superseded"
    token = make_api_token(make_user("admin", "plan-admin@city.example"))
    assert client.post(f"/api/v1/plans/{older}/release", headers=bearer(token)).status_code == 409
    for role_token in (make_api_token(buyer), make_api_token(supplier)):
        assert client.post(f"/api/v1/plans/{newer}/release", headers=bearer(role_token)).status_code == 403
    assert Match.query.count() == 0 and db.session.get(MatchPlan, newer).status == "draft"
