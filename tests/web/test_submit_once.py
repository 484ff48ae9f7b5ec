"""Nothing stored twice, nothing failing after the commit (issue 10, item 10): a create form's
one-time ``submission_token`` makes a retried POST return the first result; the answer to a
committed submission reads nothing from the database; the error page renders without it."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from marketplace.extensions import db
from marketplace.models import DemandRequest, Lead, SubmissionReceipt
from marketplace.web.once import ALREADY_RECEIVED
from tests.conftest import IS_POSTGRES, VALID_LEAD, login, make_user, submission_token_from, valid_demand


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.fixture
def supplier(client, unlimited):
    with unlimited.app_context():
        make_user("supplier", "once@supplier.example")
    login(client, "once@supplier.example")
    return client


@pytest.fixture
def buyer(client, unlimited):
    with unlimited.app_context():
        make_user("buyer", "once@hospital.example", verified=True)
    login(client, "once@hospital.example")
    return client


def _form_fields(client, path: str, fields: dict) -> dict:
    """The fields a browser posts: what was typed, the CSRF token and the page's submission token."""
    from tests.conftest import csrf_token_from

    html = client.get(path).get_data(as_text=True)
    token = submission_token_from(html)
    assert token and len(token) >= 16, "the create form carries no submission_token"
    return {**fields, "csrf_token": csrf_token_from(html), "submission_token": token}


def test_the_same_lead_post_twice_stores_one_lead(supplier, unlimited):
    fields = _form_fields(supplier, "/leads/new", VALID_LEAD)
    first = supplier.post("/leads/new", data=fields)
    assert first.status_code == 302 and first.location.startswith("/leads/")
    retry = supplier.post("/leads/new", data=fields)  # the client saw no answer and sends it again
    assert retry.status_code == 302 and retry.location == first.location
    assert _count(unlimited, Lead) == 1 and _count(unlimited, SubmissionReceipt) == 1
    page = supplier.get(retry.location).get_data(as_text=True)
    assert "Already received" in page and ALREADY_RECEIVED.split(":")[0] in page


def test_the_same_request_post_twice_stores_one_request(buyer, unlimited):
    """A second example of the kind: the buyer's demand request form."""
    fields = _form_fields(buyer, "/buyer/requests/new", valid_demand())
    first = buyer.post("/buyer/requests/new", data=fields)
    retry = buyer.post("/buyer/requests/new", data=fields)
    assert first.status_code == retry.status_code == 302 and retry.location == first.location
    assert first.location.startswith("/buyer/requests/")
    assert _count(unlimited, DemandRequest) == 1
    assert "Already received" in buyer.get(retry.location).get_data(as_text=True)


def test_a_fresh_form_is_a_new_submission(supplier, unlimited):
    """The token is per form shown, not per person: offering the same goods twice on purpose works."""
    for _ in range(2):
        assert supplier.post("/leads/new", data=_form_fields(supplier, "/leads/new", VALID_LEAD)).status_code == 302
    assert _count(unlimited, Lead) == 2


def test_a_form_shown_again_with_messages_keeps_its_token(supplier, unlimited):
    fields = _form_fields(supplier, "/leads/new", {**VALID_LEAD, "quantity": "-1"})
    html = supplier.post("/leads/new", data=fields).get_data(as_text=True)
    assert submission_token_from(html) == fields["submission_token"]  # nothing was stored yet
    assert supplier.post("/leads/new", data={**fields, "quantity": "50000"}).status_code == 302
    assert supplier.post("/leads/new", data={**fields, "quantity": "50000"}).status_code == 302
    assert _count(unlimited, Lead) == 1


def test_another_users_token_is_not_their_result(client, unlimited):
    """Receipts are per user: the same token from someone else is their own submission."""
    with unlimited.app_context():
        make_user("supplier", "a@supplier.example")
        make_user("supplier", "b@supplier.example")
    login(client, "a@supplier.example")
    fields = _form_fields(client, "/leads/new", VALID_LEAD)
    first = client.post("/leads/new", data=fields)
    client.post("/logout", data={"csrf_token": fields["csrf_token"]})
    login(client, "b@supplier.example")
    other = client.post("/leads/new", data={**_form_fields(client, "/leads/new", VALID_LEAD),
                                            "submission_token": fields["submission_token"]})
    assert other.status_code == 302 and other.location != first.location
    assert _count(unlimited, Lead) == 2


def test_a_post_without_a_token_is_taken_as_before(supplier, unlimited):
    """A page from before the token existed, or a script that never read the form: stored (once
    per POST: there is nothing to recognise a retry by)."""
    fields = _form_fields(supplier, "/leads/new", VALID_LEAD)
    del fields["submission_token"]
    assert supplier.post("/leads/new", data=fields).status_code == 302
    assert _count(unlimited, Lead) == 1


@pytest.mark.parametrize("token", ["short", "x" * 65, "<script>alert(1)</script>aaaaaaaaaa"])
def test_a_malformed_token_is_a_message_not_a_record(supplier, unlimited, token):
    fields = {**_form_fields(supplier, "/leads/new", VALID_LEAD), "submission_token": token}
    response = supplier.post("/leads/new", data=fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "This form is out of date" in html
    assert submission_token_from(html) not in (None, token)  # a good token to send it again with
    assert _count(unlimited, Lead) == 0


@pytest.mark.skipif(not IS_POSTGRES, reason="two transactions racing need a server database")
def test_two_concurrent_posts_with_one_token_store_one_lead(supplier, unlimited, monkeypatch):
    """Both POSTs pass the 'already received?' check before either commits (a barrier holds them
    there); the receipt's unique (user, token) makes the second fail at its insert, which is
    rolled back whole and answered with the first result."""
    from marketplace.services import submissions

    fields = _form_fields(supplier, "/leads/new", VALID_LEAD)
    other = unlimited.test_client()
    other.set_cookie("session", supplier.get_cookie("session").value)
    barrier = threading.Barrier(2, timeout=20)
    record = submissions.record

    def record_together(*args, **kwargs):
        barrier.wait()  # both leads are flushed, neither receipt yet
        return record(*args, **kwargs)

    monkeypatch.setattr(submissions, "record", record_together)
    answers = [None, None]

    def post(index, client):
        answers[index] = client.post("/leads/new", data=fields)

    threads = [threading.Thread(target=post, args=(i, c)) for i, c in enumerate((supplier, other))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].location == answers[1].location
    assert _count(unlimited, Lead) == 1 and _count(unlimited, SubmissionReceipt) == 1


def test_a_committed_lead_is_answered_even_if_the_database_fails_right_after(supplier, unlimited):
    """The incident: committed, then reading lead.id after the commit failed (PostgreSQL
    restarting) and the client saw a server error. Every query after the commit fails here; the
    answer is still the redirect to the stored lead."""
    fields = _form_fields(supplier, "/leads/new", VALID_LEAD)
    committed = threading.Event()

    def after_commit(session):
        committed.set()

    def refuse(conn, cursor, statement, *args):
        if committed.is_set():
            raise OperationalError(statement, {}, Exception("server closed the connection unexpectedly"))

    with unlimited.app_context():
        engine = db.engine
    event.listen(db.session, "after_commit", after_commit)
    event.listen(engine, "before_cursor_execute", refuse)
    try:
        response = supplier.post("/leads/new", data=fields)
    finally:
        event.remove(engine, "before_cursor_execute", refuse)
        event.remove(db.session, "after_commit", after_commit)
    assert committed.is_set()
    assert response.status_code == 302 and response.location.startswith("/leads/")
    assert _count(unlimited, Lead) == 1
    assert supplier.post("/leads/new", data=fields).location == response.location  # the retry


def test_the_error_page_renders_without_the_database(tmp_path):
    """A signed-in person's request while the database is unreachable (a closed port): the styled
    500 page with the security headers, not a bare error, and no traceback."""
    from marketplace.app import create_app

    dead = create_app("testing", SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:9/none",
                      REDIS_URL=None, RATELIMIT_STORAGE_URI="memory://", UPLOAD_FOLDER=str(tmp_path),
                      SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}},
                      SESSION_PROTECTION=False)  # the browser fingerprint is not what is tested here
    client = dead.test_client()
    with client.session_transaction() as session:
        session.update(_user_id="a-session-token", _fresh=True)  # signed in
    for path in ("/leads/new", "/buyer/", "/staff/leads"):
        response = client.get(path)  # the user loader reads the database
        html = response.get_data(as_text=True)
        assert response.status_code == 500, path
        assert "Something went wrong" in html and "css/app.css" in html and "Traceback" not in html
        assert "object-src 'none'" in response.headers["Content-Security-Policy"]
        assert "Sign out" not in html
    response = client.post("/login", data={"email": "a@b.example", "password": "x"})  # CSRF reads no database
    assert response.status_code in (400, 500) and "css/app.css" in response.get_data(as_text=True)


def test_a_retried_document_upload_attaches_one_document(client, unlimited):
    """A third create form: the document upload on a lead's page (a retry must leave no second
    row and no second file)."""
    import io
    from pathlib import Path

    from marketplace.models import LeadDocument
    from tests.conftest import csrf_token_from, make_lead
    from tests.web.test_access_matrix import PDF

    with unlimited.app_context():
        lead_id = make_lead(make_user("supplier", "docs@supplier.example")).id
    login(client, "docs@supplier.example")
    html = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    fields = {"csrf_token": csrf_token_from(html), "submission_token": submission_token_from(html)}
    folder = Path(unlimited.config["UPLOAD_FOLDER"])
    before = set(folder.glob("*")) if folder.exists() else set()
    answers = [client.post(f"/leads/{lead_id}/documents", data={**fields, "document": (io.BytesIO(PDF), "spec.pdf")})
               for _ in range(2)]
    assert [a.status_code for a in answers] == [302, 302] and answers[0].location == answers[1].location
    assert _count(unlimited, LeadDocument) == 1
    assert len(set(folder.glob("*")) - before) == 1


def test_a_retried_proposal_makes_one_match(client, unlimited):
    """A staff form with one create form per candidate: each carries its own token."""
    import re

    from marketplace.models import Match
    from tests.conftest import approve, csrf_token_from, make_lead, make_request

    with unlimited.app_context():
        buyer = make_user("buyer", "nurse@once.example", verified=True)
        vetter = make_user("vetter", "v@once.example")
        request_id = make_request(buyer, quantity="3000").id
        lead_ids = []
        for index in range(2):
            lead = make_lead(make_user("supplier", f"s{index}@once.example"), quantity="1000",
                             external_id=f"ONCE-{index}")
            approve(lead, vetter)
            lead_ids.append(lead.id)
    login(client, "v@once.example")
    page = f"/staff/requests/{request_id}"
    html = client.get(page).get_data(as_text=True)
    tokens = re.findall(r'name="submission_token" value="([^"]+)"', html)
    assert len(tokens) == len(set(tokens)) == 2  # one per candidate
    fields = {"csrf_token": csrf_token_from(html), "lead_id": str(lead_ids[0]), "quantity": "500",
              "submission_token": tokens[0]}
    answers = [client.post(f"{page}/propose", data=fields) for _ in range(2)]
    assert [a.status_code for a in answers] == [302, 302]
    assert _count(unlimited, Match) == 1
