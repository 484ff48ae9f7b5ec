"""Proposals to organisations without an active buyer (requests imported by staff, `flask demand
import`, or whose only member was deactivated): nobody can answer them in the app, so staff record
the answer the organisation gave by phone ("Record acceptance (by phone)" / "Record decline"), with
a required note, through the same transition service as the buyer's own Accept and Decline; and
releasing a plan says how many proposals no buyer was told of."""
import html
import re

import pytest

from marketplace.domain.demand import parse_demand
from marketplace.domain.match_status import MatchTransitionError
from marketplace.domain.messages import trigger_fact
from marketplace.extensions import db
from marketplace.models import AuditLog, DemandRequest, Match, Notification, User
from marketplace.services import demand, matches, planning, processing
from tests.conftest import approve, login, make_lead, make_request, make_user, post_form, valid_demand


def _text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def _imported(organisation_id: int, **fields) -> DemandRequest:
    """A request as `flask demand import` stores it: for an organisation, by no buyer."""
    values, errors = parse_demand(valid_demand(**fields), demand.today())
    assert not errors, errors
    request = DemandRequest(**{name: values.get(name) for name in demand.EDITABLE_FIELDS},
                            organisation_id=organisation_id, source="csv")
    db.session.add(request)
    db.session.commit()
    return request


def _no_account(kind: str, organisation: str | None = None, **fields) -> DemandRequest:
    """``kind`` "imported..." (any suffix, one organisation each): an organisation whose only user
    never was a buyer there (the request was imported); "deactivated": its one buyer, still active
    here, is switched off after the proposal by ``_switch_off`` (as by a direct change of the
    account: deactivating through the admin page withdraws such proposals, services.accounts)."""
    buyer = make_user("buyer", f"{kind}@fire.example", organisation=organisation or f"County {kind.title()} Station",
                      verified=True)
    request = make_request(buyer, **fields) if kind == "deactivated" else _imported(buyer.organisation_id, **fields)
    if kind.startswith("imported"):
        buyer.role = "vetter"  # no buyer of the organisation is left: an account-less organisation
        buyer.organisation_id = None
    db.session.commit()
    return request


def _switch_off(app, kind: str) -> None:
    if kind == "deactivated":
        with app.app_context():
            db.session.execute(db.update(User).where(User.email == "deactivated@fire.example").values(active=False))
            db.session.commit()


def _supply(vetter, supplier_email="sales@harbor.example"):
    supplier = make_user("supplier", supplier_email)
    lead = make_lead(supplier)
    processing.process_lead(lead.id)
    db.session.commit()
    approve(lead, vetter)
    return lead


@pytest.fixture
def world(clean_app):
    """A vetter and an approved offer; the ids (the pages are asked outside any app context)."""
    with clean_app.app_context():
        vetter = make_user("vetter", "v@city.example")
        lead = _supply(vetter)
        return clean_app, vetter.id, lead.id


def _propose(app, vetter_id: int, lead_id: int, request_of) -> int:
    with app.app_context():
        match = planning.propose(request_of(), lead_id, 100, db.session.get(User, vetter_id))
        db.session.commit()
        return match.id


@pytest.mark.parametrize("kind", ["imported", "deactivated"])
def test_staff_record_the_acceptance_given_by_phone(world, client, kind):
    app, vetter_id, lead_id = world
    match_id = _propose(app, vetter_id, lead_id, lambda: _no_account(kind))
    _switch_off(app, kind)
    login(client, "v@city.example")
    page = _text(client.get(f"/matches/{match_id}"))
    assert "Record acceptance (by phone)" in page and "Record decline" in page
    assert "no active buyer account" in page
    refused = post_form(client, f"/matches/{match_id}/act", {"action": "accept_by_phone", "reason": " "},
                        form_page=f"/matches/{match_id}")
    assert "Please write who gave the answer" in refused.get_data(as_text=True)
    done = post_form(client, f"/matches/{match_id}/act", {"action": "accept_by_phone",
                     "reason": "Chief Ortega said yes by phone, 10:40"}, form_page=f"/matches/{match_id}",
                     follow_redirects=True)
    assert f"You recorded the organisation's acceptance of match #{match_id}." in _text(done)
    assert "Chief Ortega said yes by phone, 10:40" in _text(client.get(f"/matches/{match_id}"))
    with app.app_context():
        assert db.session.get(Match, match_id).status == "accepted"
        row = db.session.execute(db.select(AuditLog).where(AuditLog.entity_id == match_id,
                                                           AuditLog.action == "match.accept")).scalar_one()
        assert row.actor_id == vetter_id and row.detail == "Chief Ortega said yes by phone, 10:40"
        # The supplier is told as after a buyer's acceptance: it may now deliver.
        owner_id = db.session.get(Match, match_id).lead.owner_id
        told = db.session.execute(db.select(Notification).where(Notification.user_id == owner_id)).scalars().all()
        assert [n for n in told if n.link == f"/matches/{match_id}" and n.message.get("params", {}).get("status") == "accepted"]


@pytest.mark.parametrize("kind", ["imported", "deactivated"])
def test_staff_record_a_decline_with_who_and_why_and_the_units_return(world, kind):
    app, vetter_id, lead_id = world
    match_id = _propose(app, vetter_id, lead_id, lambda: _no_account(kind))
    _switch_off(app, kind)
    with app.app_context():
        vetter, match = db.session.get(User, vetter_id), db.session.get(Match, match_id)
        with pytest.raises(MatchTransitionError):
            matches.act_on_match(match, vetter, "decline_by_phone", reason="")
        assert matches.act_on_match(match, vetter, "decline_by_phone",
                                    reason="Ms Diaz, stores: they bought locally") == "declined"
        db.session.commit()
        assert db.session.get(Match, match_id).decline_reason == "Ms Diaz, stores: they bought locally"
        row = db.session.execute(db.select(AuditLog).where(AuditLog.action == "match.decline")).scalar_one()
        assert row.actor_id == vetter_id


@pytest.mark.parametrize("action", ["accept_by_phone", "decline_by_phone"])
def test_staff_cannot_answer_for_an_organisation_with_an_active_buyer(world, client, action):
    app, vetter_id, lead_id = world
    with app.app_context():
        buyer_id = make_user("buyer", "nurse@clinic.example", organisation="Quillfeather Clinic", verified=True).id
    match_id = _propose(app, vetter_id, lead_id, lambda: make_request(db.session.get(User, buyer_id)))
    with app.app_context():
        with pytest.raises(MatchTransitionError, match="active buyer account"):
            matches.act_on_match(db.session.get(Match, match_id), db.session.get(User, vetter_id), action,
                                 reason="Someone said so")
        db.session.rollback()
        # Nor may a buyer use staff's steps.
        with pytest.raises(MatchTransitionError):
            matches.act_on_match(db.session.get(Match, match_id), db.session.get(User, buyer_id), action,
                                 reason="me")
        db.session.rollback()
    login(client, "v@city.example")
    page = _text(client.get(f"/matches/{match_id}"))
    assert "Record acceptance (by phone)" not in page and "Record decline" not in page


def _three_requests(app) -> int:
    """One request of an organisation with a buyer, two of organisations without; the plan's id."""
    with app.app_context():
        buyer = make_user("buyer", "nurse@clinic.example", organisation="Quillfeather Clinic", verified=True)
        make_request(buyer, quantity="1000")
        _no_account("imported", quantity="1000")
        _no_account("imported-too", organisation="Sunrise Care Home", quantity="1000")
        plan = planning.run_matching(trigger_fact("command"))
        db.session.commit()
        return plan.id


def test_the_release_message_counts_the_proposals_no_buyer_was_told_of(world, client):
    app, _vetter_id, _lead_id = world
    plan_id = _three_requests(app)
    login(client, "v@city.example")
    page = post_form(client, f"/staff/matching/{plan_id}/release", form_page="/staff/matching",
                     follow_redirects=True)
    assert ("3 proposals released: 1 sent to buyers, 2 for organisations without an account — record their "
            "answer on the match page.") in _text(page)


def test_the_api_and_the_service_count_the_same(world):
    app, vetter_id, _lead_id = world
    plan_id = _three_requests(app)
    with app.app_context():
        from marketplace.models import MatchPlan
        released = planning.release_plan(db.session.get(MatchPlan, plan_id), db.session.get(User, vetter_id))
        assert (released.total, released.sent, released.without_account) == (3, 1, 2)
