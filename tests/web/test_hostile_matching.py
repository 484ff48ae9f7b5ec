"""Hostile input on the buyer's request form and the match forms (quality bar S11, issue 4):
no server error, nothing saved half-way, payloads rendered escaped on every page that shows them."""
from __future__ import annotations

import pytest
from hypothesis import given
from sqlalchemy import func, select

from marketplace.domain.messages import trigger_fact
from marketplace.extensions import db
from marketplace.models import DemandRequest, Match, User
from marketplace.services import planning
from tests.conftest import approve, login, make_lead, make_request, make_user, valid_demand
from tests.web.test_hostile_input import (
    FUZZ,
    HOSTILE,
    HOSTILE_TEXT,
    Poster,
    assert_escaped,
    form_fields,
)


@pytest.fixture
def buyer(unlimited, client):
    with unlimited.app_context():
        make_user("buyer", "fuzz@hospital.example", verified=True)
        make_user("vetter", "vetter@city.example")
    login(client, "fuzz@hospital.example")
    return client


def demand_fields(app) -> list[str]:
    from marketplace.web.buyers.forms import DemandForm

    return form_fields(app, DemandForm)


def test_every_request_field_survives_every_hostile_value(buyer, unlimited):
    poster = Poster(buyer, "/buyer/requests/new")
    fields = demand_fields(unlimited)
    assert "substitutes" in fields and "days_of_supply" in fields
    for field in fields:
        for value in HOSTILE:
            response = poster.post("/buyer/requests/new", {**valid_demand(), field: value})
            assert_escaped(response, f"request form, {field}={value[:30]!r}")
    with unlimited.app_context():
        # Every saved request is complete and valid (a hostile value is refused, never half-saved).
        for request in db.session.execute(select(DemandRequest)).scalars():
            assert request.quantity > 0 and request.postal_code.isdigit() and len(request.postal_code) == 5
    vetter = unlimited.test_client()
    login(vetter, "vetter@city.example")
    with unlimited.app_context():
        ids = list(db.session.execute(select(DemandRequest.id)).scalars())
    for request_id in ids:
        assert_escaped(buyer.get(f"/buyer/requests/{request_id}"), f"request {request_id}")
        assert_escaped(buyer.get(f"/buyer/requests/{request_id}/edit"), f"edit request {request_id}")
        assert_escaped(vetter.get(f"/staff/requests/{request_id}"), f"staff request {request_id}")
    assert_escaped(buyer.get("/buyer/"), "buyer home")
    assert_escaped(vetter.get("/staff/requests?status=all"), "staff requests")


@FUZZ
@given(data=HOSTILE_TEXT, field_index=HOSTILE_TEXT.map(len))
def test_request_form_fuzz(buyer, unlimited, data, field_index):
    fields = demand_fields(unlimited)
    field = fields[field_index % len(fields)]
    response = Poster(buyer, "/buyer/requests/new").post("/buyer/requests/new", {**valid_demand(), field: data})
    assert_escaped(response, f"{field}={data[:40]!r}")


def test_match_reasons_and_actions_survive_hostile_values(buyer, unlimited):
    with unlimited.app_context():
        owner = db.session.execute(select(User).where(User.email == "fuzz@hospital.example")).scalar_one()
        vetter = db.session.execute(select(User).where(User.email == "vetter@city.example")).scalar_one()
        supplier = make_user("supplier", "s@supplier.example")
        make_request(owner, quantity="1000000")
        descriptions = HOSTILE[:7]  # markup and script URLs: valid descriptions, shown in the match pages
        for n, value in enumerate(descriptions):
            lead = make_lead(supplier, company_name=f"Co {n}", email=f"s{n}@co{n}.example", quantity="1000",
                             product_description=value)
            approve(lead, vetter)
        planning.release_plan(planning.run_matching(trigger_fact("command")), vetter)
        db.session.commit()  # the caller commits the use case
        match_ids = list(db.session.execute(select(Match.id)).scalars())
    assert len(match_ids) == len(descriptions)
    token_poster = Poster(buyer, f"/matches/{match_ids[0]}")
    for match_id, value in zip(match_ids, HOSTILE):
        response = token_poster.post(f"/matches/{match_id}/act", {"action": "decline", "reason": value})
        assert_escaped(response, f"decline with {value[:30]!r}")
        response = token_poster.post(f"/matches/{match_id}/act", {"action": value, "close_reason": value})
        assert_escaped(response, f"action {value[:30]!r}")
        assert_escaped(buyer.get(f"/matches/{match_id}"), f"match {match_id}")
    assert_escaped(buyer.get("/matches/"), "matches list")
    with unlimited.app_context():
        statuses = db.session.execute(select(Match.status, func.count()).group_by(Match.status)).all()
        assert set(dict(statuses)) <= {"proposed", "declined"}
