"""The JSON API's match body and actions carry the expected delivery date (issue 12 item 1): the
supplier gives or moves it, the buyer records it when ordering, a bad date is a 422 by field, and
only the match's parties and staff read it."""
from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import Match
from marketplace.services import demand
from tests.conftest import approve, bearer, make_api_token, make_lead, make_request, make_user

PROBLEM = "application/problem+json"


@pytest.fixture
def world(app_ctx):
    buyer = make_user("buyer", "nurse@hospital.example", organisation="Hospital A", verified=True)
    other_buyer = make_user("buyer", "ops@hospital-b.example", organisation="Quillfeather Birthing Center", verified=True)
    supplier = make_user("supplier", "s@acme.example")
    rival = make_user("supplier", "s@rival.example")
    vetter = make_user("vetter", "v@city.example")
    lead = make_lead(supplier)
    approve(lead)
    match = Match(demand_id=make_request(buyer).id, lead_id=lead.id, quantity=1000, unit_price=lead.unit_price,
                  reasons=[], status="proposed")
    db.session.add(match)
    db.session.commit()
    tokens = {name: make_api_token(user) for name, user in (("buyer", buyer), ("other_buyer", other_buyer),
                                                             ("supplier", supplier), ("rival", rival),
                                                             ("vetter", vetter))}
    return match.id, tokens


def _post(client, match_id, token, **body):
    return client.post(f"/api/v1/matches/{match_id}/actions", json=body, headers=bearer(token))


def test_the_date_goes_through_the_actions_and_shows_in_the_body(client, world):
    match_id, tokens = world
    first, later = demand.today() + timedelta(days=3), demand.today() + timedelta(days=9)
    shown = client.get(f"/api/v1/matches/{match_id}", headers=bearer(tokens["buyer"])).get_json()
    assert shown["delivery_on"] is None
    confirmed = _post(client, match_id, tokens["supplier"], action="confirm_availability",
                      delivery_on=first.isoformat())
    assert confirmed.status_code == 200 and confirmed.get_json()["delivery_on"] == first.isoformat()
    assert _post(client, match_id, tokens["buyer"], action="accept").status_code == 200
    moved = _post(client, match_id, tokens["supplier"], action="set_delivery_date", delivery_on=later.isoformat())
    assert moved.status_code == 200 and moved.get_json()["delivery_on"] == later.isoformat()
    assert "set_delivery_date" in moved.get_json()["actions"]
    for name in ("buyer", "vetter", "supplier"):
        body = client.get(f"/api/v1/matches/{match_id}", headers=bearer(tokens[name])).get_json()
        assert body["delivery_on"] == later.isoformat(), name
    listed = client.get("/api/v1/matches", headers=bearer(tokens["buyer"])).get_json()["items"]
    assert [m["delivery_on"] for m in listed] == [later.isoformat()]
    ordered = _post(client, match_id, tokens["buyer"], action="mark_ordered",
                    delivery_on=(later + timedelta(days=1)).isoformat())
    assert ordered.status_code == 200 and ordered.get_json()["status"] == "ordered"
    assert ordered.get_json()["delivery_on"] == (later + timedelta(days=1)).isoformat()


def test_a_bad_or_misplaced_date_is_refused_by_field(client, world):
    match_id, tokens = world
    yesterday = demand.today() - timedelta(days=1)
    for body, message in (({"action": "confirm_availability", "delivery_on": yesterday.isoformat()}, "in the past"),
                          ({"action": "confirm_availability", "delivery_on": "07/01/2027"}, "can be read as"),
                          ({"action": "cannot_supply", "delivery_on": "2027-01-07"}, "takes no delivery date")):
        response = _post(client, match_id, tokens["supplier"], **body)
        assert response.status_code == 422 and response.mimetype == PROBLEM, body
        errors = response.get_json()["errors"]
        assert [e["field"] for e in errors] == ["delivery_on"] and message in errors[0]["message"], errors
    assert _post(client, match_id, tokens["buyer"], action="accept").status_code == 200
    missing = _post(client, match_id, tokens["supplier"], action="set_delivery_date")
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["field"] == "delivery_on"
    match = db.session.get(Match, match_id)
    db.session.refresh(match)
    assert (match.status, match.delivery_on) == ("accepted", None)


def test_only_the_parties_and_staff_read_or_set_it(client, world):
    match_id, tokens = world
    day = (demand.today() + timedelta(days=2)).isoformat()
    for name in ("other_buyer", "rival"):
        assert client.get(f"/api/v1/matches/{match_id}", headers=bearer(tokens[name])).status_code == 404
        assert _post(client, match_id, tokens[name], action="confirm_availability",
                     delivery_on=day).status_code == 404
    assert _post(client, match_id, tokens["buyer"], action="accept").status_code == 200
    refused = _post(client, match_id, tokens["buyer"], action="set_delivery_date", delivery_on=day)
    assert refused.status_code == 409 and "not for you" in refused.get_json()["detail"]
    refused = _post(client, match_id, tokens["vetter"], action="set_delivery_date", delivery_on=day)
    assert refused.status_code == 409
    assert db.session.get(Match, match_id).delivery_on is None


def test_the_openapi_document_names_the_field(client, app_ctx):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "delivery_on" in schemas["MatchAction"]["properties"] and "delivery_on" in schemas["Match"]["properties"]
