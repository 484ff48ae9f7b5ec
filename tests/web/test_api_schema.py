"""Every API operation against its OpenAPI document, property-based (schemathesis, issue 12 item
3): schemathesis reads /api/v1/openapi.json through the app in-process (WSGI), generates requests
from each operation's parameters and body schema, and checks that no answer is a server error and
that every answer's status, content type, headers and body are the ones the document gives.

Each operation is called with the token of a role that may use it (its first tag), on a world
with one record of each kind, so that answers other than 401 and 403 are reached; about half of
the examples aim their path's ids at the world's records (an open lead with a document, a request,
a draft plan), so that answers other than 404 are reached too. Examples are bounded (EXAMPLES per
operation): the whole module runs in well under a minute.
"""
from __future__ import annotations

import io

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.domain.messages import trigger_fact
from marketplace.extensions import db
from marketplace.services import documents, planning
from tests.conftest import approve, bearer, make_api_token, make_lead, make_request, make_user
from tests.web.test_access_matrix import PDF

EXAMPLES = 12
# "Schema-valid data is accepted" does not hold here on purpose: the document gives the fields'
# shapes, and the domain's rules (one place: the forms and domain.leads / domain.demand) refuse
# what they refuse, with a 422 by field; an opaque cursor of the right shape may still be no cursor.
NOT_OURS = [schemathesis.checks.positive_data_acceptance]
ROLE_OF_TAG = {"suppliers": "supplier", "buyers": "buyer", "staff": "vetter", "account": "supplier"}


@pytest.fixture
def api_world(clean_app):
    with clean_app.app_context():
        supplier = make_user("supplier", "schema-supplier@acme.example")
        buyer = make_user("buyer", "schema-buyer@hospital.example", organisation="Schema Hospital", verified=True)
        vetter = make_user("vetter", "schema-vetter@city.example")
        lead = make_lead(supplier)
        approve(lead, vetter)
        request = make_request(buyer)
        open_lead = make_lead(supplier, company_name="Second Supply Co", email="sales@second-supply.example")
        document = documents.save_document(open_lead, io.BytesIO(PDF), "certificate.pdf", actor_id=supplier.id)
        db.session.commit()
        plan = planning.run_matching(trigger_fact("command"))
        tokens = {"supplier": make_api_token(supplier), "buyer": make_api_token(buyer),
                  "vetter": make_api_token(vetter)}
        ids = {"lead_id": open_lead.id, "document_id": document.id, "request_id": request.id, "plan_id": plan.id}
        db.session.remove()
    return tokens, ids


def test_every_operation_answers_as_documented(clean_app, api_world, monkeypatch):
    """Schemathesis's checks for every operation of the document (its pytest plugin's lazy fixture
    does not run on pytest 9, so each operation's strategy is driven by hypothesis here). Its check
    of made-up credentials sends hundreds from one address, which API_AUTH_FAILURE_LIMIT refuses
    (tests/web/test_api_limits.py): raised here, as the benches raise the others."""
    monkeypatch.setitem(clean_app.config, "API_AUTH_FAILURE_LIMIT", "100000 per minute")
    tokens, ids = api_world
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", clean_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 22
    failures = []
    for operation in operations:
        role = ROLE_OF_TAG[operation.tags[0]] if operation.tags else "supplier"
        try:
            _checker(operation, bearer(tokens[role]), ids)()
        except Exception as exc:  # every operation is checked; the failures are listed together
            failures.append(f"{operation.label}: {exc}")
    assert failures == []


def _checker(operation, headers: dict, ids: dict[str, int]):
    """A hypothesis test of one operation: EXAMPLES generated requests, each checked; with
    ``aim``, the path's ids are the world's records (``ids``) instead of generated ones."""
    @given(case=operation.as_strategy(), aim=st.booleans())
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(case, aim):
        if aim and case.path_parameters:
            case.path_parameters = {name: ids.get(name, value) for name, value in case.path_parameters.items()}
        case.call_and_validate(headers=headers, excluded_checks=NOT_OURS)
    return check
