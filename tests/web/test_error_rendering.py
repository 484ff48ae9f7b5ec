"""The domain's refusals and HTTP errors, answered as the HTML page or as problem+json (RFC 9457)."""
from __future__ import annotations

import pytest

from marketplace.domain.errors import Conflict, DomainError, Forbidden, NotFound
from marketplace.domain.lead_status import APPROVED
from marketplace.extensions import db
from marketplace.web.errors import MESSAGES, PROBLEM_JSON
from tests.conftest import login, make_lead, make_user

NOT_FOUND_TEXT = MESSAGES[404][1]
FORBIDDEN_TEXT = MESSAGES[403][1]


@pytest.fixture
def two_suppliers(clean_app):
    """Supplier A with an approved (locked) lead, and supplier B; returns (lead id, A's email, B's email)."""
    with clean_app.app_context():
        supplier_a, supplier_b = make_user("supplier"), make_user("supplier")
        lead = make_lead(owner=supplier_a)
        lead.status = APPROVED
        db.session.commit()
        return lead.id, supplier_a.email, supplier_b.email


def _problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json(force=True)
    assert set(body) == {"type", "title", "status", "detail"}
    assert body["status"] == status and body["type"] == "about:blank"
    return body


def test_domain_errors_are_plain_exceptions_with_a_status():
    assert [NotFound().status, Forbidden().status, Conflict().status] == [404, 403, 409]
    assert NotFound().message is None and Conflict("Reload it.").message == "Reload it."
    assert all(issubclass(cls, DomainError) and not hasattr(cls, "get_response")
               for cls in (NotFound, Forbidden, Conflict))


def test_another_suppliers_lead_is_the_html_not_found_page(client, two_suppliers):
    lead_id, _, email_b = two_suppliers
    login(client, email_b)
    response = client.get(f"/leads/{lead_id}")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert NOT_FOUND_TEXT in response.get_data(as_text=True)


def test_a_locked_lead_is_the_html_forbidden_page_for_staff(client, clean_app, two_suppliers):
    """Staff see a lead and never edit it: the forbidden page. (Its owner is sent back to the
    offer and told why: test_leads_pages.)"""
    lead_id, _, _ = two_suppliers
    with clean_app.app_context():
        vetter = make_user("vetter").email
    login(client, vetter)
    response = client.get(f"/leads/{lead_id}/edit")
    assert response.status_code == 403 and response.mimetype == "text/html"
    assert FORBIDDEN_TEXT in response.get_data(as_text=True)


@pytest.mark.parametrize("accept", ["application/json", PROBLEM_JSON, "application/json, text/html;q=0.5"])
def test_a_client_preferring_json_gets_problem_json(client, clean_app, two_suppliers, accept):
    lead_id, _, email_b = two_suppliers
    login(client, email_b)
    body = _problem(client.get(f"/leads/{lead_id}", headers={"Accept": accept}), 404)
    assert body["title"] == "Not Found" and body["detail"] == NOT_FOUND_TEXT
    client.get("/logout")
    with clean_app.app_context():
        vetter = make_user("vetter").email
    login(client, vetter)
    body = _problem(client.get(f"/leads/{lead_id}/edit", headers={"Accept": accept}), 403)
    assert body["title"] == "Forbidden" and body["detail"] == FORBIDDEN_TEXT


@pytest.mark.parametrize("accept", ["text/html", "*/*", "text/html,application/xhtml+xml,*/*;q=0.8",
                                    "text/html, application/json"])
def test_browsers_keep_the_html_page(client, two_suppliers, accept):
    lead_id, _, email_b = two_suppliers
    login(client, email_b)
    response = client.get(f"/leads/{lead_id}", headers={"Accept": accept})
    assert response.status_code == 404 and response.mimetype == "text/html"


@pytest.mark.parametrize("accept", [None, "text/html"])
def test_http_errors_under_api_are_problem_json(client, accept):
    headers = {"Accept": accept} if accept else {}
    body = _problem(client.get("/api/nothing-here", headers=headers), 404)
    assert body["detail"] == NOT_FOUND_TEXT
    assert client.get("/nothing-here", headers=headers).mimetype == "text/html"


@pytest.mark.parametrize("path, headers, json", [("/api/matches/1", {}, True),
                                                 ("/matches/1", {"Accept": "application/json"}, True),
                                                 ("/matches/1", {}, False)])
def test_a_conflict_with_its_own_message(clean_app, path, headers, json):
    """A domain error's message replaces the standard text, in both renderings."""
    with clean_app.test_request_context(path, headers=headers):
        response = clean_app.make_response(clean_app.handle_user_exception(Conflict("Someone accepted it first.")))
    assert response.status_code == 409
    if json:
        body = _problem(response, 409)
        assert body["title"] == "Conflict" and body["detail"] == "Someone accepted it first."
    else:
        assert response.mimetype == "text/html"
        page = response.get_data(as_text=True)
        assert "Someone accepted it first." in page and MESSAGES[409][0] in page


def test_an_unexpected_error_under_api_is_a_bare_500(clean_app):
    with clean_app.test_request_context("/api/anything"):
        response = clean_app.make_response(clean_app.handle_user_exception(RuntimeError("secret detail")))
    body = _problem(response, 500)
    assert "secret" not in response.get_data(as_text=True) and body["detail"] == MESSAGES[500][1]
