"""An Idempotency-Key reused with a different request (IETF draft "The Idempotency-Key HTTP Header
Field"): refused with 422 naming what the first request created, never a silent replay of the
first result. The same request again replays as before; a receipt written before fingerprints
were kept (none stored) replays as it always did."""
from __future__ import annotations

import json

import pytest

from marketplace.extensions import db
from marketplace.models import DemandRequest, Lead, SubmissionReceipt
from tests.conftest import VALID_LEAD, bearer, make_api_token, make_lead, make_user, valid_demand
from tests.web.test_access_matrix import PDF
from tests.web.test_api_lead_work import _upload

PROBLEM = "application/problem+json"
KEY = "reused-key-0123456789"
REFUSED = "This Idempotency-Key was already used for a different request, which created {}."


@pytest.fixture
def supplier(app_ctx):
    user = make_user("supplier", "keys@acme.example")
    return user, make_api_token(user)


def _lead_body(**fields) -> dict:
    body = {k: v for k, v in VALID_LEAD.items() if k != "external_id"}
    body.update(quantity=3000, unit_price=0.85)
    body.update(fields)
    return body


def _refused(response, location: str) -> None:
    assert response.status_code == 422 and response.mimetype == PROBLEM, response.get_json()
    problem = response.get_json()
    assert problem["detail"].startswith(REFUSED.format(location))
    assert problem["first_resource"] == location
    assert problem["errors"][0]["field"] == "Idempotency-Key"
    assert "Idempotent-Replayed" not in response.headers


def test_a_key_reused_with_another_offer_is_refused_not_replayed(client, supplier):
    _, token = supplier
    headers = {**bearer(token), "Idempotency-Key": KEY}
    first = client.post("/api/v1/leads", json=_lead_body(), headers=headers)
    assert first.status_code == 201
    changed = client.post("/api/v1/leads", json=_lead_body(quantity="999999", unit_price="0.40"), headers=headers)
    _refused(changed, first.headers["Location"])
    lead = db.session.get(Lead, first.get_json()["id"])
    assert Lead.query.count() == 1 and lead.quantity == 3000  # nothing stored, nothing changed
    # The same body, its keys in another order and spaced otherwise, is the same request: replayed.
    reordered = dict(reversed(list(_lead_body().items())))
    again = client.post("/api/v1/leads", data=json.dumps(reordered, indent=2),
                        content_type="application/json", headers=headers)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]


def test_a_buyer_s_key_reused_with_another_request_is_refused(client, app_ctx):
    buyer = make_user("buyer", "keys@hospital.example", organisation="Hospital K", verified=True)
    token = make_api_token(buyer)
    headers = {**bearer(token), "Idempotency-Key": KEY}
    first = client.post("/api/v1/requests", json={**valid_demand(), "quantity": 20000}, headers=headers)
    assert first.status_code == 201, first.get_json()
    _refused(client.post("/api/v1/requests", json={**valid_demand(), "quantity": 90000}, headers=headers),
             first.headers["Location"])
    assert client.post("/api/v1/requests", json={**valid_demand(), "quantity": 20000}, headers=headers).status_code == 200
    assert DemandRequest.query.count() == 1


def test_the_same_key_on_another_path_is_refused(client, clean_app, supplier):
    """The same file sent to another lead with the same key is another request: it was replayed
    with the first lead's document before."""
    user, token = supplier
    one, two = make_lead(user), make_lead(user, company_name="Second Offer Ltd")
    first = _upload(client, one.id, token, PDF, **{"Idempotency-Key": KEY})
    assert first.status_code == 201
    _refused(_upload(client, two.id, token, PDF, **{"Idempotency-Key": KEY}), first.headers["Location"])
    assert [d.lead_id for d in db.session.get(Lead, two.id).documents] == []


def test_a_receipt_without_a_fingerprint_replays_as_before(client, supplier):
    """Receipts written before the fingerprint was kept have none: a retry replays, and another kind
    of record with the key is refused as before (409)."""
    user, token = supplier
    headers = {**bearer(token), "Idempotency-Key": KEY}
    first = client.post("/api/v1/leads", json=_lead_body(), headers=headers)
    receipt = SubmissionReceipt.query.filter_by(user_id=user.id, token=KEY).one()
    assert receipt.fingerprint and len(receipt.fingerprint) == 64
    receipt.fingerprint = None
    db.session.commit()
    again = client.post("/api/v1/leads", json=_lead_body(quantity="999999"), headers=headers)
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    other_kind = _upload(client, first.get_json()["id"], token, PDF, **{"Idempotency-Key": KEY})
    assert other_kind.status_code == 409 and other_kind.mimetype == PROBLEM
    assert Lead.query.count() == 1


def test_the_refusal_is_in_the_holder_s_language(client, supplier):
    user, token = supplier
    user.locale = "es"
    db.session.commit()
    headers = {**bearer(token), "Idempotency-Key": KEY}
    first = client.post("/api/v1/leads", json=_lead_body(), headers=headers)
    changed = client.post("/api/v1/leads", json=_lead_body(quantity=4000), headers=headers)
    assert changed.status_code == 422
    assert "Idempotency-Key" in changed.get_json()["detail"] and first.headers["Location"] in changed.get_json()["detail"]
    assert "already used" not in changed.get_json()["detail"]
