"""Organisation squatting (issue 10, item 1), through the services: a name already taken asks to
join instead of making a twin; who approves; and an unverified organisation never accepts a
proposal nor withdraws a request."""
import pytest
from sqlalchemy import func, select

from marketplace.domain.errors import Conflict, Forbidden, NotFound
from marketplace.domain.messages import render_notification, trigger_fact
from marketplace.extensions import db
from marketplace.models import AuditLog, DemandRequest, Match, Notification, Organisation, OutboxEmail
from marketplace.services import accounts, demand, matches, organisations, planning
from tests.conftest import approve, make_lead, make_request, make_user


def snapshot() -> dict[str, list]:
    """Every row of every table (to prove a refusal changed nothing)."""
    return {table.name: sorted((tuple(row) for row in db.session.execute(db.select(table)).all()), key=repr)
            for table in db.metadata.sorted_tables}


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _told(user) -> list[str]:
    return [render_notification(n.message, user.role) for n in db.session.execute(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)).scalars()]


def _audit(action: str) -> list[AuditLog]:
    return list(db.session.execute(select(AuditLog).where(AuditLog.action == action)).scalars())


@pytest.fixture
def hospital(app_ctx):
    """St. Vincent Medical Center, verified, with one buyer; and an admin."""
    member = make_user("buyer", "nurse@stvincent.example", organisation="St. Vincent Medical Center", verified=True)
    admin = make_user("admin", "admin@city.example")
    return member, admin


@pytest.mark.parametrize("spelling", [
    "St Vincent Medical Ctr",          # the example: the same hospital, another spelling
    "SAINT VINCENT MEDICAL CENTRE",    # another of the kind
    "St Vincents Medical Center",      # close, not the same: asked about, never twinned
])
def test_a_taken_name_asks_to_join_and_makes_no_twin(hospital, spelling):
    member, admin = hospital
    organisations_before = _count(Organisation)
    person = make_user("buyer", "someone@gmail.com", organisation=spelling, joins=True)
    assert person.organisation is None and _count(Organisation) == organisations_before
    join = organisations.pending_join(person)
    assert (join.organisation_id, join.status, join.name_given) == (member.organisation_id, "pending", spelling)
    # Both kinds of approver are told, worded for each; the outbox has their e-mails.
    expected = "Test buyer (someone@gmail.com) asks to join St. Vincent Medical Center"
    assert _told(member)[-1].startswith(expected) and _told(admin)[-1].startswith(expected)
    assert {e.to_address for e in db.session.execute(select(OutboxEmail)).scalars()} >= {member.email, admin.email}
    assert [a.entity_id for a in _audit("organisation.join_request")] == [member.organisation_id]


def test_an_exact_match_to_an_unverified_organisation_is_a_join_request_too(app_ctx):
    """The second example of the kind: the first registrant of "Harbor General Hospital" is not
    verified; a second one with the same name joins (never a twin), and only city staff decide:
    the unverified organisation's own buyer may be the squatter."""
    first = make_user("buyer", "ops@harbor-general.example", organisation="Harbor General Hospital")
    admin = make_user("admin", "admin@city.example")
    second = make_user("buyer", "chief@harbor-general.example", organisation="HARBOR GENERAL HOSPITAL", joins=True)
    assert _count(Organisation) == 1
    join = organisations.pending_join(second)
    assert _told(first) == [] and len(_told(admin)) == 1  # the unverified organisation's buyer is not asked
    assert organisations.joins_to_decide(first) == []
    with pytest.raises(NotFound):
        organisations.join_for(first, join.id)
    assert organisations.join_for(admin, join.id) is join


def test_a_member_approves_and_the_person_acts_for_the_organisation(hospital):
    member, admin = hospital
    person = make_user("buyer", "newnurse@gmail.com", organisation="St Vincent Medical Ctr", joins=True)
    with pytest.raises(demand.DemandError, match="waits for approval"):
        make_request(person)  # without an organisation nobody posts, and the page says why
    join = organisations.join_for(member, organisations.joins_to_decide(member)[0].id)
    organisations.decide_join(join, member, approve=True)
    db.session.commit()
    assert person.organisation_id == member.organisation_id
    assert (join.status, join.decided_by_id) == ("approved", member.id) and join.decided_at is not None
    assert _told(person)[-1] == "Your request to join St. Vincent Medical Center was approved: you act for it now."
    [row] = _audit("organisation.join_approve")
    assert (row.actor_id, row.entity_id, row.after) == (member.id, member.organisation_id,
                                                        {"user_id": person.id, "status": "approved"})
    assert make_request(person).organisation_id == member.organisation_id
    with pytest.raises(Conflict):  # decided once: a second answer changes nothing
        organisations.decide_join(join, admin, approve=False)


@pytest.mark.parametrize("approver", ["admin", "member"])
def test_nobody_approves_a_person_whose_address_is_not_confirmed(hospital, approver):
    """Issue: an unconfirmed registrant was approved into a verified hospital and saw supplier
    contacts at once. The rule that blocks verifying an organisation blocks approving a join, for
    the city (the example) and for the organisation's own member (the second of the kind); refusing
    stays possible, and once the person confirms, approving works."""
    member, admin = hospital
    actor = admin if approver == "admin" else member
    person = make_user("buyer", "pedro@gmail.com", organisation="St Vincent Medical Ctr", joins=True,
                       email_verified=False)
    join = organisations.pending_join(person)
    assert "not confirmed their e-mail address" in organisations.join_blocker(join)
    assert organisations.join_blockers([join]) == {join.id: organisations.join_blocker(join)}
    before = snapshot()
    with pytest.raises(Conflict, match="not confirmed their e-mail address"):
        organisations.decide_join(join, actor, approve=True)
    db.session.rollback()
    assert snapshot() == before and person.organisation_id is None
    person.email_verified_at = person.created_at
    db.session.commit()
    assert organisations.join_blocker(join) is None and organisations.join_blockers([join]) == {}
    organisations.decide_join(join, actor, approve=True)
    db.session.commit()
    assert person.organisation_id == member.organisation_id


def test_a_request_of_an_unconfirmed_person_can_still_be_refused(hospital):
    member, admin = hospital
    person = make_user("buyer", "squatter2@gmail.com", organisation="St. Vincent Medical Center", joins=True,
                       email_verified=False)
    organisations.decide_join(organisations.pending_join(person), member, approve=False)
    db.session.commit()
    assert person.organisation_id is None


def test_an_admin_refuses_and_the_person_stays_without_an_organisation(hospital):
    member, admin = hospital
    person = make_user("buyer", "squatter@gmail.com", organisation="St. Vincent Medical Center", joins=True)
    join = organisations.pending_join(person)
    organisations.decide_join(join, admin, approve=False)
    db.session.commit()
    assert person.organisation_id is None and join.status == "refused"
    assert "was refused" in _told(person)[-1] and len(_audit("organisation.join_refuse")) == 1
    # The same name again asks again; a clearly different one is a new (unverified) organisation.
    again = organisations.place_buyer(person, "Saint Vincent Medical Center", "hospital")
    assert again is not None and again.organisation_id == member.organisation_id
    organisations.decide_join(again, admin, approve=False)
    assert organisations.place_buyer(person, "Eastside Free Clinic", "clinic") is None
    db.session.commit()
    assert person.organisation.name == "Eastside Free Clinic" and not person.organisation.verified
    with pytest.raises(Conflict):
        organisations.place_buyer(person, "Another Clinic", "clinic")


def test_only_admins_and_the_organisations_verified_buyers_decide(hospital):
    member, admin = hospital
    other = make_user("buyer", "buyer@eastside.example", organisation="Eastside Free Clinic", verified=True)
    vetter = make_user("vetter", "vetter@city.example")
    supplier = make_user("supplier", "sales@harbor.example")
    join = organisations.pending_join(make_user("buyer", "x@gmail.com", organisation="St Vincent Med Ctr",
                                                joins=True))
    for outsider in (other, vetter, supplier):
        with pytest.raises(NotFound):
            organisations.join_for(outsider, join.id)
        assert organisations.joins_to_decide(outsider) == []
    assert [j.id for j in organisations.joins_to_decide(member)] == [join.id]
    assert [j.id for j in organisations.joins_to_decide(admin)] == [join.id]
    # A member whose organisation's verification is withdrawn no longer decides.
    accounts.revoke_organisation(member.organisation, actor_id=admin.id)
    with pytest.raises(NotFound):
        organisations.join_for(member, join.id)


def test_suppliers_name_their_company_freely(app_ctx):
    """A supplier's organisation only fills in the lead form's company name and gives no access:
    the rule does not apply to it (a supplier's identity is vetted per lead)."""
    make_user("supplier", "a@harbor.example", organisation="Harbor Industrial Distribution")
    b = make_user("supplier", "b@harbor.example", organisation="Harbor Industrial Distribution")
    assert b.organisation is not None and _count(Organisation) == 2


# --- an unverified organisation never accepts nor withdraws -----------------------------------

@pytest.fixture
def proposal(app_ctx):
    """A verified buyer's request with a proposal; then the city withdraws the verification
    (found to be a squatter): (buyer, match, request)."""
    buyer = make_user("buyer", "ops@harbor-general.example", organisation="Harbor General Hospital", verified=True)
    vetter = make_user("vetter", "v@city.example")
    request = make_request(buyer)
    lead = make_lead(make_user("supplier", "sales@harbor.example"))
    approve(lead, vetter)
    match = planning.propose(request, lead.id, 1000, vetter)
    accounts.revoke_organisation(buyer.organisation, actor_id=vetter.id)
    db.session.commit()
    return buyer, match, request


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_an_unverified_organisations_buyer_cannot_act_on_a_match(proposal, action):
    buyer, match, _ = proposal
    before = snapshot()
    with pytest.raises(Forbidden, match="must be verified by the city"):
        matches.act_on_match(match, buyer, action, reason="not needed")
    db.session.rollback()
    assert snapshot() == before
    assert db.session.get(Match, match.id).status == "proposed"
    assert matches.actions_for(buyer, match, "buyer") == []


def test_an_unverified_organisations_buyer_cannot_withdraw_a_request(proposal):
    buyer, _, request = proposal
    before = snapshot()
    with pytest.raises(Forbidden, match="must be verified by the city"):
        demand.request_for(buyer, request.id, edit=True)
    with pytest.raises(Forbidden, match="must be verified by the city"):
        demand.withdraw_request(request, actor=buyer)
    db.session.rollback()
    assert snapshot() == before and db.session.get(DemandRequest, request.id).status == "open"
    assert demand.request_for(buyer, request.id).id == request.id  # it still reads its request


def test_matching_proposes_nothing_to_an_unverified_organisation(proposal):
    """Its proposals could never be accepted and would only hold the units: the plan leaves its
    request out, staff cannot propose to it by hand, and a plan made before the revocation
    releases nothing to it."""
    buyer, match, request = proposal
    other = make_user("buyer", "nurse@eastside.example", organisation="Eastside Free Clinic", verified=True)
    other_request = make_request(other)
    plan = planning.run_matching(trigger_fact("command"))
    assert {line.demand_id for line in planning.plan_lines(plan)} == {other_request.id}
    vetter = make_user("vetter", "v2@city.example")
    with pytest.raises(planning.ProposalError, match="not verified"):
        planning.propose(request, match.lead_id, 10, vetter)
    db.session.rollback()
    # Verified again: matched again; revoked before the release: the release skips it.
    accounts.verify_organisation(buyer.organisation, actor_id=vetter.id)
    db.session.commit()
    plan = planning.run_matching(trigger_fact("command"))
    assert request.id in {line.demand_id for line in planning.plan_lines(plan)}
    accounts.revoke_organisation(buyer.organisation, actor_id=vetter.id)
    db.session.commit()
    planning.release_plan(plan, vetter)
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(Match).where(
        Match.demand_id == request.id)).scalar_one() == 1  # the first proposal only
