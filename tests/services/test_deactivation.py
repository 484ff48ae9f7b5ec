"""Accounts the city deactivates and organisations it stops verifying, while matches are open:
proposals nobody can honour or accept are withdrawn (with a reason in words), accepting one whose
supplier is deactivated is refused, and matches in progress are never cancelled: staff are told
to follow them up, the suppliers of an unverified buyer are told."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.domain.match_status import MatchTransitionError
from marketplace.domain.messages import render_notification, trigger_fact
from marketplace.extensions import db
from marketplace.models import AuditLog, Match, Notification
from marketplace.services import accounts, matches, organisations, planning
from marketplace.services.planning import ProposalError
from tests.conftest import approve, make_lead, make_request, make_user


@pytest.fixture
def people(app_ctx):
    admin = make_user("admin", "admin@city.example.gov")
    vetter = make_user("vetter", "vera@city.example.gov")
    supplier = make_user("supplier", "supplier@example.com")
    buyer = make_user("buyer", "nurse@stvincent.example.org", verified=True)
    db.session.commit()
    return admin, vetter, supplier, buyer


def _proposed(supplier, buyer, vetter, quantity: str = "5000") -> Match:
    make_request(buyer)
    approve(make_lead(supplier, quantity=quantity), vetter)
    planning.release_plan(planning.run_matching(trigger_fact("command")), vetter)
    db.session.commit()
    return db.session.execute(select(Match).order_by(Match.id.desc())).scalars().first()


def _notes(user, code: str) -> list[Notification]:
    return list(db.session.execute(select(Notification).where(
        Notification.user_id == user.id, Notification.message["code"].as_string() == code)).scalars())


def test_deactivating_the_supplier_withdraws_its_proposals_and_accepting_is_refused(people):
    """The example: supplier@example.com deactivated at /admin/users; the buyer's proposal #2
    from its offer was still "Proposed" and could be accepted."""
    admin, vetter, supplier, buyer = people
    match = _proposed(supplier, buyer, vetter)
    withdrawn, follow_up = accounts.set_active(supplier, False, actor_id=admin.id)
    db.session.commit()
    assert (withdrawn, follow_up) == (1, [])
    db.session.refresh(match)
    assert match.status == "closed" and match.close_reason == "supplier_deactivated"
    [told] = _notes(buyer, "match_closed")
    assert "The city deactivated the supplier's account" in render_notification(told.message, "buyer")
    [staff] = _notes(vetter, "account_deactivated")
    assert "supplier@example.com was deactivated: 1 proposals" in render_notification(staff.message, "vetter")
    assert _notes(admin, "account_deactivated") == []  # who did it is not told
    audit = db.session.execute(select(AuditLog).where(AuditLog.action == "match.close")).scalar_one()
    assert audit.entity_id == match.id
    with pytest.raises(MatchTransitionError):
        matches.act_on_match(match, buyer, "accept")
    # The offer is out of the next plan and of hand proposals.
    plan = planning.run_matching(trigger_fact("command"))
    assert planning.plan_lines(plan) == []
    with pytest.raises(ProposalError, match="deactivated"):
        planning.propose(match.demand, match.lead_id, 10, vetter)
    db.session.rollback()


def test_a_proposal_of_a_supplier_deactivated_otherwise_cannot_be_accepted(people):
    """The rule is the match transition's, whatever left the proposal open (an account switched off
    before this release, straight in the database): the buyer reads why."""
    admin, vetter, supplier, buyer = people
    match = _proposed(supplier, buyer, vetter)
    supplier.active = False
    db.session.commit()
    with pytest.raises(MatchTransitionError, match="deactivated the supplier's account"):
        matches.act_on_match(match, buyer, "accept")
    db.session.rollback()
    assert db.session.get(Match, match.id).status == "proposed"
    # Declining it stays possible: it gives the units back.
    matches.act_on_match(match, buyer, "decline", reason="The supplier is gone")
    db.session.commit()


def test_accepted_and_ordered_matches_stay_and_staff_are_told_to_follow_up(people):
    admin, vetter, supplier, buyer = people
    first = _proposed(supplier, buyer, vetter)
    matches.act_on_match(first, buyer, "accept")
    db.session.commit()
    _proposed(supplier, buyer, vetter, quantity="3000")  # the next plan proposes more of S's units
    withdrawn, follow_up = accounts.set_active(supplier, False, actor_id=admin.id)
    db.session.commit()
    assert withdrawn >= 1 and follow_up == [first.id]
    assert db.session.get(Match, first.id).status == "accepted"
    [staff] = _notes(vetter, "account_deactivated")
    text = render_notification(staff.message, "vetter")
    assert f"#{first.id}" in text and "not cancelled" in text and staff.link == f"/matches/{first.id}"


def test_deactivating_the_last_buyer_withdraws_the_organisations_proposals(people):
    """Second of the kind: the buyer side. Another active buyer keeps them; the last one's
    deactivation withdraws them (the supplier told), and the requests leave matching."""
    admin, vetter, supplier, buyer = people
    colleague = make_user("buyer", "colleague@stvincent.example.org", organisation=buyer.organisation.name,
                          joins=True)
    organisations.decide_join(organisations.pending_join(colleague), admin, approve=True)
    db.session.commit()
    match = _proposed(supplier, buyer, vetter)
    assert accounts.set_active(colleague, False, actor_id=admin.id) == (0, [])
    db.session.commit()
    assert db.session.get(Match, match.id).status == "proposed"
    assert accounts.set_active(buyer, False, actor_id=admin.id) == (1, [])
    db.session.commit()
    db.session.refresh(match)
    assert match.status == "closed" and match.close_reason == "buyer_deactivated"
    [told] = _notes(supplier, "match_closed")
    assert "no active account any more" in render_notification(told.message, "supplier")
    assert len(_notes(vetter, "account_deactivated")) == 1
    assert planning.plan_lines(planning.run_matching(trigger_fact("command"))) == []


def test_staff_and_an_idle_account_withdraw_nothing(people):
    admin, vetter, supplier, buyer = people
    assert accounts.set_active(vetter, False, actor_id=admin.id) == (0, [])
    assert accounts.set_active(supplier, False, actor_id=admin.id) == (0, [])
    db.session.commit()
    assert _notes(vetter, "account_deactivated") == [] and _notes(admin, "account_deactivated") == []


def test_revoking_a_verification_tells_the_suppliers_of_matches_in_progress(people):
    admin, vetter, supplier, buyer = people
    accepted = _proposed(supplier, buyer, vetter)
    matches.act_on_match(accepted, buyer, "accept")
    db.session.commit()
    other_supplier = make_user("supplier", "other@example.com")
    proposed = _proposed(other_supplier, buyer, vetter, quantity="3000")
    accounts.revoke_organisation(buyer.organisation, actor_id=admin.id)
    db.session.commit()
    [told] = _notes(supplier, "match_buyer_unverified")
    assert told.link == f"/matches/{accepted.id}"
    assert "no longer verifies the buyer" in render_notification(told.message, "supplier")
    assert _notes(other_supplier, "match_buyer_unverified") == []  # a mere proposal: nothing under way
    assert db.session.get(Match, accepted.id).status == "accepted"
    assert proposed is not None


def test_an_organisation_without_buyer_accounts_stays_in_matching(people):
    """Requests staff imported for an organisation with no buyer account are matched as before:
    only an organisation whose buyers were all deactivated leaves matching."""
    from marketplace.models import DemandRequest

    admin, vetter, supplier, buyer = people
    request = make_request(buyer)
    approve(make_lead(supplier, quantity="5000"), vetter)
    buyer.organisation_id = None  # the request's organisation now has no buyer account at all
    db.session.commit()
    lines = planning.plan_lines(planning.run_matching(trigger_fact("command")))
    assert [line.demand_id for line in lines] == [db.session.get(DemandRequest, request.id).id]
